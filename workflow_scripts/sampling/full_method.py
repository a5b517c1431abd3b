"""Experiment 4, the paper's "full method": Algorithm 1 for bonafide + Algorithm 2 for spoofs.

Per dataset, on the rows embedded by *that dataset's* pretrained detector:

* bonafide: Algorithm 1 (:func:`~.nc_sampling.nc_sample`) on the bonafide
  samples of interest, nearest to the class mean first;
* spoof: Algorithm 2 (:func:`~.clusters.cluster_sample`) on the spoof samples
  of interest, with ``k_max`` from :func:`choose_k_max` and the k-means seed
  ``derive_seed(seed, "sample_full_method", dataset)``, so one dataset's
  clusters do not depend on which others are given.

The per-dataset selections are merged and rows that
:func:`~.exclusions.duplicate_exclusions` drops are removed *after*
sampling (:func:`full_method`), the same rows the random control never draws.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from workflow_scripts import BONAFIDE, SPOOF
from workflow_scripts.io.embeddings import Embeddings
from workflow_scripts.io.manifest_columns import UNKNOWN_ATTACKS
from workflow_scripts.io.selections import class_counts

from .clusters import cluster_agreement, cluster_sample
from .diagnostics import nc1, nc1_per_class
from .exclusions import ROW_COLUMNS, duplicate_exclusions, excluded_mask
from .nc_sampling import nc_sample
from .random_draws import derive_seed

log = logging.getLogger(__name__)

#: k_max for a dataset whose spoofs have no attack ids and no override: a guess at a handful
#: of generators (logged as a warning).
DEFAULT_K_MAX = 4


@dataclass(frozen=True)
class DatasetSample:
    """One dataset's full-method selection (before de-duplication) and its diagnostics."""

    selection: pd.DataFrame
    clusters: pd.DataFrame
    summary: dict[str, Any]


@dataclass(frozen=True)
class FullMethodSample:
    """All datasets sampled, merged and de-duplicated.

    ``selection``: the kept rows (``ROW_COLUMNS`` + ``algorithm, cluster,
    distance``); ``clusters``: every spoof sample of interest with its
    cluster, group, distances, ``selected`` and ``excluded_duplicate``;
    ``per_dataset``: each dataset's summary with ``counts`` after
    de-duplication (what ``sample_random --match-counts`` reads);
    ``n_excluded``: selected rows removed as duplicates; ``n_pairs``: the
    duplicate pairs given (None without).
    """

    selection: pd.DataFrame
    clusters: pd.DataFrame
    per_dataset: dict[str, dict[str, Any]]
    n_excluded: int
    n_pairs: int | None = None


def choose_k_max(attacks: np.ndarray, override: int | None) -> tuple[int, str, list[str]]:
    """``(k_max, source, known attack ids)``: the override, else the number of distinct attack
    ids (one cluster per generator at most), else :data:`DEFAULT_K_MAX`."""
    known = sorted({str(a) for a in attacks.tolist()} - UNKNOWN_ATTACKS)
    if override is not None:
        return int(override), "override", known
    if known:
        return len(known), "attacks", known
    return DEFAULT_K_MAX, "default", known


def parse_k_max(values: Sequence[str]) -> dict[str, int]:
    """``DATASET=K`` overrides of k_max (K a positive integer), by dataset."""
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


def _cluster_attack_counts(labels: np.ndarray, attacks: np.ndarray) -> dict[str, dict[str, int]]:
    """Spoofs per cluster and attack id (zeros left out): what each cluster caught."""
    crosstab = pd.crosstab(pd.Series(labels, name="cluster"), pd.Series(attacks, name="attack"))
    return {str(c): {str(a): int(n) for a, n in row.items() if n} for c, row in crosstab.iterrows()}


def collapse_by_class(x: np.ndarray, y: np.ndarray, attack: np.ndarray) -> dict[str, Any]:
    """NC1 of each class (:func:`~.diagnostics.nc1_per_class`) and NC1 among the spoofs' attack
    ids (``None`` with fewer than two known ids): how much attack structure the embedding kept
    for Algorithm 2 to find."""
    out: dict[str, Any] = {"nc1_bonafide": None, "nc1_spoof": None, "nc1_attacks": None}
    if np.unique(y).shape[0] == 2:
        per_class = nc1_per_class(x, y)
        out.update(nc1_bonafide=per_class[BONAFIDE], nc1_spoof=per_class[SPOOF])
    spoof = (y == SPOOF) & ~np.isin(attack, list(UNKNOWN_ATTACKS))
    ids = np.unique(attack[spoof], return_inverse=True)[1]
    if np.unique(ids).shape[0] >= 2:
        out["nc1_attacks"] = nc1(x[spoof], ids)
    return out


def sample_dataset(
    emb: Embeddings,
    dataset: str,
    *,
    bonafide_rate: float,
    spoof_rate: float,
    k_max_override: int | None,
    seed: int,
) -> DatasetSample:
    """Algorithm 1 on the bonafide and Algorithm 2 on the spoof samples of interest of one
    dataset; the summary reports the chosen k, silhouettes, overlap groups and the agreement
    of clusters with attack ids where ids exist."""
    x, y, interest = emb.embedding, emb.label, emb.correct
    attack = emb.attack.astype(str)
    bona_rows = np.flatnonzero(y == BONAFIDE)
    nc = nc_sample(x[bona_rows], y[bona_rows], interest[bona_rows], rates={BONAFIDE: bonafide_rate})
    bona_selected = bona_rows[nc.selected]
    bona_distance = dict(
        zip(
            bona_rows[nc.ranked[BONAFIDE]].tolist(),
            nc.ranked_distances[BONAFIDE].tolist(),
            strict=True,
        )
    )

    k_max, k_source, known = choose_k_max(attack[y == SPOOF], k_max_override)
    if k_source == "default":
        log.warning(
            "%s: spoofs have no attack ids and no --k-max was given; using k_max=%d",
            dataset,
            k_max,
        )
    cs = cluster_sample(
        x,
        y,
        interest,
        k_max=k_max,
        seed=derive_seed(seed, "sample_full_method", dataset),
        rate=spoof_rate,
    )
    points = cs.table()
    spoof_attacks = attack[cs.indices]
    has_id = ~np.isin(spoof_attacks, list(UNKNOWN_ATTACKS))
    agreement = None
    if has_id.any():
        agreement = {
            **cluster_agreement(cs.cluster_labels[has_id], spoof_attacks[has_id]),
            "n_compared": int(has_id.sum()),
        }

    base = emb.table()
    bona = base.iloc[bona_selected][list(ROW_COLUMNS)].assign(
        algorithm="nc",
        cluster="-",
        distance=[bona_distance[i] for i in bona_selected.tolist()],
    )
    chosen = points[points["selected"]]
    spoof = base.iloc[chosen["index"].to_numpy()][list(ROW_COLUMNS)].assign(
        algorithm="cluster",
        cluster=chosen["cluster"].astype(str).to_numpy(),
        distance=chosen["distance"].to_numpy(),
    )
    selection = pd.concat([bona, spoof]).sort_index(kind="stable").reset_index(drop=True)

    clusters = base.iloc[points["index"].to_numpy()][["dataset", "split", "utt_id", "attack"]]
    clusters = pd.concat(
        [clusters.reset_index(drop=True), points.drop(columns=["index"]).reset_index(drop=True)],
        axis=1,
    )

    summary = {
        "embeddings": str(emb.path),
        "split": sorted(set(emb.split.tolist())),
        "rows": class_counts(base, by_dataset=False),
        "interest": emb.counts_per_class(interest),
        "algorithm1": {
            "rate": float(bonafide_rate),
            "n_interest": int(nc.n_interest[BONAFIDE]),
            "selected": int(nc.counts[BONAFIDE]),
        },
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
            "cluster_attack_counts": _cluster_attack_counts(cs.cluster_labels, spoof_attacks),
        },
        "collapse": collapse_by_class(x[interest], y[interest], attack[interest]),
        "selected": class_counts(selection, by_dataset=False),
    }
    return DatasetSample(selection=selection, clusters=clusters, summary=summary)


def full_method(
    inputs: Sequence[tuple[str, Embeddings]],
    *,
    bonafide_rate: float,
    spoof_rate: float,
    k_max: Mapping[str, int],
    seed: int,
    pairs: pd.DataFrame | None,
) -> FullMethodSample:
    """Sample every dataset (:func:`sample_dataset`), merge, and drop duplicates afterwards.

    ``inputs`` are (dataset, embeddings) in command-line order, which is also
    the corpus priority of ``duplicate_exclusions``; ``k_max`` holds the
    overrides per dataset. A dataset given twice is refused (its summary is keyed by name).
    Errors of a dataset's sampling name its embedding file.
    """
    names = [name for name, _ in inputs]
    for name in names:
        if names.count(name) > 1:
            raise ValueError(f"--embeddings: dataset {name!r} given twice")
    unknown = sorted(set(k_max) - set(names))
    if unknown:
        raise ValueError(f"--k-max for dataset(s) {unknown} without --embeddings")
    samples: list[DatasetSample] = []
    for dataset, emb in inputs:
        try:
            sample = sample_dataset(
                emb,
                dataset,
                bonafide_rate=bonafide_rate,
                spoof_rate=spoof_rate,
                k_max_override=k_max.get(dataset),
                seed=seed,
            )
        except ValueError as err:
            raise ValueError(f"{emb.path}: {err}") from None
        samples.append(sample)
    selection = pd.concat([s.selection for s in samples], ignore_index=True)
    clusters = pd.concat([s.clusters for s in samples], ignore_index=True)
    dropped = np.zeros(len(selection), dtype=bool)
    dropped_in_pool = np.zeros(len(clusters), dtype=bool)
    if pairs is not None:
        priority = list(
            dict.fromkeys(
                (str(d), str(s))
                for _, emb in inputs
                for d, s in zip(emb.dataset.tolist(), emb.split.tolist(), strict=True)
            )
        )
        exclusions = duplicate_exclusions(pairs, priority)
        dropped = excluded_mask(selection, exclusions)
        dropped_in_pool = excluded_mask(clusters, exclusions)
    clusters = clusters.assign(excluded_duplicate=dropped_in_pool)
    per_dataset: dict[str, dict[str, Any]] = {}
    for (dataset, _), sample in zip(inputs, samples, strict=True):
        mine = (selection["dataset"] == dataset).to_numpy()
        per_dataset[dataset] = {
            **sample.summary,
            "duplicates_excluded": class_counts(selection[mine & dropped], by_dataset=False),
            "counts": class_counts(selection[mine & ~dropped], by_dataset=False),
        }
        a2 = sample.summary["algorithm2"]
        log.info(
            "%s: %s (k=%d of k_max=%d)",
            dataset,
            per_dataset[dataset]["counts"],
            a2["k"],
            a2["k_max"],
        )
    return FullMethodSample(
        selection=selection[~dropped].reset_index(drop=True),
        clusters=clusters,
        per_dataset=per_dataset,
        n_excluded=int(dropped.sum()),
        n_pairs=None if pairs is None else int(len(pairs)),
    )


def full_method_summary(
    sample: FullMethodSample,
    *,
    seed: int,
    bonafide_rate: float,
    spoof_rate: float,
    pairs_file: str | os.PathLike[str] | None = None,
    source: str = "binary",
    fallbacks: Sequence[str] = (),
) -> dict[str, Any]:
    """Summary JSON content; ``pairs_file`` names the duplicate pairs the sample excluded.

    ``source`` names the embedding source of Algorithm 2 (``binary``, ``attack_aware``,
    ``stage<N>``); each dataset in ``fallbacks`` was embedded by the binary detector instead
    (a corpus without attack ids has no attack-aware detector)."""
    datasets = {
        name: {**part, "embedding_source": "binary" if name in fallbacks else source}
        for name, part in sample.per_dataset.items()
    }
    return {
        "method": "full_method",
        "embedding_source": source,
        "seed": int(seed),
        "bonafide_rate": float(bonafide_rate),
        "spoof_rate": float(spoof_rate),
        "duplicates": {
            "file": None if pairs_file is None else str(pairs_file),
            "pairs": sample.n_pairs or 0,
            "excluded": sample.n_excluded,
        },
        "datasets": datasets,
        "total": {
            **class_counts(sample.selection, by_dataset=False),
            "rows": int(len(sample.selection)),
        },
    }
