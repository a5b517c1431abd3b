"""Experiment 4, the paper's "full method": Algorithm 1 for bonafide + Algorithm 2 for spoofs, per dataset.

Usage::

    python -m workflow_scripts.sample_full_method \
        --embeddings asvspoof2019=emb_asv.h5 --embeddings for=emb_for.h5 --embeddings wavefake=emb_wf.h5 \
        --bonafide-rate 1.0 --spoof-rate 0.5 [--k-max for=4 ...] --seed S \
        [--duplicates duplicates.tsv] --out selection.tsv --summary-out summary.json \
        [--clusters-out clusters.tsv]

Each ``--embeddings`` file holds one dataset's training rows embedded by
*that dataset's* pretrained detector (``python -m workflow_scripts.embed``);
``DATASET:SPLIT=PATH`` names the split for files without one. Per dataset:

* bonafide: Algorithm 1 (``sampling.nc_sample``) on the bonafide samples of
  interest (``correct``), nearest to the class mean first, at
  ``--bonafide-rate``;
* spoof: Algorithm 2 (``sampling.cluster_sample``) on the spoof samples of
  interest at ``--spoof-rate``, with ``k_max`` = the number of distinct
  attack ids among the dataset's spoof rows. ``--k-max DATASET=K``
  overrides it; a dataset whose spoofs carry no attack id (all ``-``, e.g.
  FoR) needs the override, else ``k_max`` = 4 (:data:`DEFAULT_K_MAX`, a
  guess at a handful of generators, logged as a warning). The k-means seed
  is ``derive_seed(seed, "sample_full_method", dataset)``, so one dataset's
  clusters do not depend on which others are given.

The per-dataset selections are merged and rows excluded by
``selections.duplicate_exclusions`` (priority: the order of
``--embeddings``, training splits first) are removed *after* sampling. The
random control (``sample_random --match-counts``) never draws those rows
either, so both methods train on the same de-duplicated pool.

Selection columns: ``dataset, split, utt_id, label, attack, algorithm``
(``nc``/``cluster``), ``cluster`` (``-`` for bonafide), ``distance`` (to the
class mean or the cluster centre). The summary reports per dataset the
sample counts per class (``counts``, after de-duplication, which
``sample_random --match-counts`` reads), the chosen k, the silhouette per k,
overlap groups, and the ARI/NMI of clusters vs attack ids where ids exist.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from workflow_scripts import BONAFIDE, SPOOF
from workflow_scripts.io.embeddings import Embeddings, read_embeddings
from workflow_scripts.sampling import cluster_agreement, cluster_sample, derive_seed, nc_sample
from workflow_scripts.io.files import write_json
from workflow_scripts.io.selections import class_counts, CLASS_NAMES, parse_named_path, read_duplicate_pairs, write_selection
from workflow_scripts.sampling.exclusions import duplicate_exclusions, excluded_mask

log = logging.getLogger("workflow_scripts.sample_full_method")

#: k_max for a dataset whose spoofs have no attack ids and no --k-max override.
DEFAULT_K_MAX = 4
#: Attack values that mean "unknown".
UNKNOWN_ATTACKS = frozenset({"-", ""})
SELECTION_COLUMNS_OUT: tuple[str, ...] = (
    "dataset", "split", "utt_id", "label", "attack", "algorithm", "cluster", "distance",
)


@dataclass(frozen=True)
class DatasetSample:
    """One dataset's full-method selection (before de-duplication) and its diagnostics."""

    selection: pd.DataFrame
    clusters: pd.DataFrame
    summary: dict[str, Any]


def choose_k_max(attacks: np.ndarray, override: int | None) -> tuple[int, str, list[str]]:
    """``(k_max, source, known attack ids)``: override, else distinct attack ids, else the default."""
    known = sorted({str(a) for a in attacks.tolist()} - UNKNOWN_ATTACKS)
    if override is not None:
        return int(override), "override", known
    if known:
        return len(known), "attacks", known
    return DEFAULT_K_MAX, "default", known


def sample_dataset(
    emb: Embeddings,
    dataset: str,
    *,
    bonafide_rate: float,
    spoof_rate: float,
    k_max_override: int | None,
    seed: int,
) -> DatasetSample:
    """Algorithm 1 on the bonafide and Algorithm 2 on the spoof samples of interest of one dataset."""
    x, y, interest = emb.embedding, emb.label, emb.correct
    attack = emb.attack.astype(str)
    bona_rows = np.flatnonzero(y == BONAFIDE)
    nc = nc_sample(x[bona_rows], y[bona_rows], interest[bona_rows], rates={BONAFIDE: bonafide_rate})
    bona_selected = bona_rows[nc.selected]
    bona_distance = dict(zip(bona_rows[nc.ranked[BONAFIDE]].tolist(), nc.ranked_distances[BONAFIDE].tolist(), strict=True))

    k_max, k_source, known = choose_k_max(attack[y == SPOOF], k_max_override)
    if k_source == "default":
        log.warning("%s: spoofs have no attack ids and no --k-max was given; using k_max=%d", dataset, k_max)
    cs = cluster_sample(x, y, interest, k_max=k_max, seed=derive_seed(seed, "sample_full_method", dataset),
                        rate=spoof_rate)
    points = cs.table()
    spoof_attacks = attack[cs.indices]
    has_id = ~np.isin(spoof_attacks, list(UNKNOWN_ATTACKS))
    agreement = None
    if has_id.any():
        agreement = {**cluster_agreement(cs.cluster_labels[has_id], spoof_attacks[has_id]),
                     "n_compared": int(has_id.sum())}
    crosstab = pd.crosstab(pd.Series(cs.cluster_labels, name="cluster"), pd.Series(spoof_attacks, name="attack"))

    base = emb.table()
    bona = base.iloc[bona_selected][["dataset", "split", "utt_id", "label", "attack"]].assign(
        algorithm="nc", cluster="-", distance=[bona_distance[i] for i in bona_selected.tolist()]
    )
    chosen = points[points["selected"]]
    spoof = base.iloc[chosen["index"].to_numpy()][["dataset", "split", "utt_id", "label", "attack"]].assign(
        algorithm="cluster", cluster=chosen["cluster"].astype(str).to_numpy(), distance=chosen["distance"].to_numpy()
    )
    selection = pd.concat([bona, spoof]).sort_index(kind="stable").reset_index(drop=True)

    clusters = base.iloc[points["index"].to_numpy()][["dataset", "split", "utt_id", "attack"]].reset_index(drop=True)
    clusters = pd.concat([clusters, points.drop(columns=["index"]).reset_index(drop=True)], axis=1)

    summary = {
        "embeddings": str(emb.path),
        "split": sorted(set(emb.split.tolist())),
        "rows": class_counts(base, by_dataset=False),
        "interest": emb.counts_per_class(interest),
        "algorithm1": {"rate": float(bonafide_rate), "n_interest": int(nc.n_interest[BONAFIDE]),
                       "selected": int(nc.counts[BONAFIDE])},
        "algorithm2": {
            "rate": float(spoof_rate),
            "k_max": int(k_max),
            "k_max_source": k_source,
            "attacks": known,
            "k": int(cs.k),
            "silhouette": {str(k): v for k, v in sorted(cs.silhouette.items())},
            "overlap_groups": [list(g) for g in cs.overlap_groups],
            "all_overlap": bool(cs.all_overlap),
            "overlap": cs.overlap.to_dict(orient="records"),
            "cluster_counts": cs.cluster_counts().to_dict(orient="records"),
            "agreement": agreement,
            "cluster_attack_counts": {str(c): {str(a): int(n) for a, n in row.items() if n}
                                      for c, row in crosstab.iterrows()},
        },
        "selected": class_counts(selection, by_dataset=False),
    }
    return DatasetSample(selection=selection, clusters=clusters, summary=summary)


def parse_k_max(values: Sequence[str]) -> dict[str, int]:
    """``DATASET=K`` overrides; K must be a positive integer."""
    out: dict[str, int] = {}
    for text in values:
        name, sep, value = text.partition("=")
        try:
            k = int(value)
        except ValueError:
            k = 0
        if not sep or not name or k < 1:
            raise ValueError(f"--k-max {text!r}: expected DATASET=K with K a positive integer")
        out[name] = k
    return out


def full_method(
    inputs: Sequence[tuple[str, Embeddings]],
    *,
    bonafide_rate: float,
    spoof_rate: float,
    k_max: Mapping[str, int],
    seed: int,
    pairs: pd.DataFrame | None,
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, dict[str, Any]], int]:
    """All datasets sampled, merged and de-duplicated: (selection, clusters, per-dataset summary, n excluded)."""
    samples: list[DatasetSample] = []
    for dataset, emb in inputs:
        try:
            samples.append(sample_dataset(emb, dataset, bonafide_rate=bonafide_rate, spoof_rate=spoof_rate,
                                          k_max_override=k_max.get(dataset), seed=seed))
        except ValueError as err:
            raise ValueError(f"{emb.path}: {err}") from None
    selection = pd.concat([s.selection for s in samples], ignore_index=True)
    clusters = pd.concat([s.clusters for s in samples], ignore_index=True)
    dropped = np.zeros(len(selection), dtype=bool)
    dropped_in_pool = np.zeros(len(clusters), dtype=bool)
    if pairs is not None:
        priority = list(dict.fromkeys(
            (str(d), str(s)) for _, emb in inputs for d, s in zip(emb.dataset.tolist(), emb.split.tolist(), strict=True)
        ))
        exclusions = duplicate_exclusions(pairs, priority)
        dropped = excluded_mask(selection, exclusions)
        dropped_in_pool = excluded_mask(clusters, exclusions)
    clusters = clusters.assign(excluded_duplicate=dropped_in_pool)
    per_dataset: dict[str, dict[str, Any]] = {}
    for (dataset, _), sample in zip(inputs, samples, strict=True):
        mine = (selection["dataset"] == dataset).to_numpy()
        removed = selection[mine & dropped]
        kept = selection[mine & ~dropped]
        per_dataset[dataset] = {
            **sample.summary,
            "duplicates_excluded": class_counts(removed, by_dataset=False),
            "counts": class_counts(kept, by_dataset=False),
        }
    return selection[~dropped].reset_index(drop=True), clusters, per_dataset, int(dropped.sum())


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m workflow_scripts.sample_full_method",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--embeddings", action="append", required=True, metavar="DATASET[:SPLIT]=H5",
                        help="a dataset's training embeddings from its own pretrained detector (repeat)")
    parser.add_argument("--bonafide-rate", type=float, default=1.0, help="Algorithm 1 rate for bonafide")
    parser.add_argument("--spoof-rate", type=float, default=0.5, help="Algorithm 2 rate per spoof cluster")
    parser.add_argument("--k-max", action="append", default=[], metavar="DATASET=K",
                        help="override k_max for a dataset (repeat)")
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--duplicates", type=Path, default=None, help="find_duplicates pair TSV")
    parser.add_argument("--out", type=Path, required=True, help="selection TSV")
    parser.add_argument("--summary-out", type=Path, required=True, help="summary JSON")
    parser.add_argument("--clusters-out", type=Path, default=None,
                        help="per spoof sample of interest: cluster, group, distances, selected")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        if args.seed < 0:
            raise ValueError(f"--seed must be >= 0, got {args.seed}")
        for name, rate in (("--bonafide-rate", args.bonafide_rate), ("--spoof-rate", args.spoof_rate)):
            if not 0.0 <= rate <= 1.0:
                raise ValueError(f"{name} must be in [0, 1], got {rate}")
        k_max = parse_k_max(args.k_max)
        inputs: list[tuple[str, Embeddings]] = []
        for text in args.embeddings:
            spec = parse_named_path(text, option="--embeddings")
            if any(name == spec.dataset for name, _ in inputs):
                raise ValueError(f"--embeddings {text!r}: dataset {spec.dataset!r} given twice")
            inputs.append((spec.dataset, read_embeddings(spec.path, dataset=spec.dataset, split=spec.split)))
        unknown = sorted(set(k_max) - {name for name, _ in inputs})
        if unknown:
            raise ValueError(f"--k-max for dataset(s) {unknown} without --embeddings")
        pairs = read_duplicate_pairs(args.duplicates) if args.duplicates is not None else None
        selection, clusters, per_dataset, n_dropped = full_method(
            inputs, bonafide_rate=args.bonafide_rate, spoof_rate=args.spoof_rate, k_max=k_max,
            seed=args.seed, pairs=pairs,
        )
    except ValueError as err:
        print(f"sample_full_method: error: {err}", file=sys.stderr)
        return 2
    write_selection(selection, args.out)
    if args.clusters_out is not None:
        write_selection(clusters, args.clusters_out)
    summary = {
        "method": "full_method",
        "seed": int(args.seed),
        "bonafide_rate": float(args.bonafide_rate),
        "spoof_rate": float(args.spoof_rate),
        "duplicates": {"file": None if args.duplicates is None else str(args.duplicates),
                       "pairs": 0 if pairs is None else int(len(pairs)), "excluded": n_dropped},
        "datasets": per_dataset,
        "total": {**class_counts(selection, by_dataset=False), "rows": int(len(selection))},
    }
    write_json(summary, args.summary_out)
    for name, info in per_dataset.items():
        a2 = info["algorithm2"]
        log.info("%s: bonafide %d, spoof %d (k=%d of k_max=%d)", name, info["counts"]["bonafide"],
                 info["counts"]["spoof"], a2["k"], a2["k_max"])
    log.info("selected %d rows -> %s", len(selection), args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
