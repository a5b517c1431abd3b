"""Find copies of one recording within and across log-mel caches (LJSpeech in FoR and WaveFake).

Usage::

    python -m workflow_scripts.find_duplicates \
        --cache asvspoof2019:train=results/caches/asvspoof2019/train.h5 \
        --cache for:train=... --cache wavefake:eval=... [...] \
        [--threshold 0.9] [--near-miss-from 0.8] [--expected-demo demo_duplicates.tsv] \
        --out duplicates.tsv --summary-out duplicates.json

Every cache is fingerprinted (``sampling.fingerprints``, features read in
chunks); every pair of utterances, within one cache and across any two
caches, with cosine similarity >= threshold, the same label, and for spoofs
the same attack (see :func:`scan_caches`) is written to ``--out``
(``dataset_a, split_a, utt_a, dataset_b, split_b, utt_b, similarity``; ``a``
is the earlier cache on the command line, or the earlier row within one
cache). The summary JSON gives, per cache pair, the number of pairs, of
matches across labels (not written), and of *near misses* (similarity in ``[near_miss_from, threshold)``), which shows
whether the threshold sits in a gap on this data. ``--expected-demo`` checks
the pairs planted in the FoR-like demo corpus (``demo_duplicates.tsv``:
``for_path``, ``ljspeech_id``) against what was found.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import h5py
import numpy as np
import pandas as pd

from workflow_scripts.datasets.fakeorreal import SPLIT_FOLDERS
from workflow_scripts.io import atomic_path, read_tsv
from workflow_scripts.sampling.duplicates import DEFAULT_THRESHOLD, find_duplicates, fingerprints
from workflow_scripts.selections import DUPLICATE_COLUMNS, parse_named_path, read_cache_table, write_json

log = logging.getLogger("workflow_scripts.find_duplicates")

#: Lower edge of the near-miss band reported in the summary.
DEFAULT_NEAR_MISS_FROM = 0.8
#: utt_id prefix of LJSpeech recordings in the WaveFake manifest.
WAVEFAKE_REAL_PREFIX = "LJSpeech"


def cache_label(dataset: str, split: str) -> str:
    return f"{dataset}:{split}"


def pair_table(
    hits: pd.DataFrame, meta_a: pd.DataFrame, meta_b: pd.DataFrame
) -> pd.DataFrame:
    """Row-index pairs (``i``, ``j``, ``similarity``) -> named duplicate pairs."""
    a = meta_a.iloc[hits["i"].to_numpy()]
    b = meta_b.iloc[hits["j"].to_numpy()]
    return pd.DataFrame(
        {
            "dataset_a": a["dataset"].to_numpy(),
            "split_a": a["split"].to_numpy(),
            "utt_a": a["utt_id"].to_numpy(),
            "dataset_b": b["dataset"].to_numpy(),
            "split_b": b["split"].to_numpy(),
            "utt_b": b["utt_id"].to_numpy(),
            "similarity": hits["similarity"].to_numpy(dtype=np.float64),
        },
        columns=list(DUPLICATE_COLUMNS),
    )


def scan_caches(
    names: Sequence[str],
    metas: Sequence[pd.DataFrame],
    prints: Sequence[np.ndarray],
    *,
    threshold: float,
    near_miss_from: float,
) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    """All pairs >= ``threshold`` within and across caches, and per cache-pair counts.

    ``names`` label the caches (``dataset:split``) in the counts.
    Only pairs of the same label are duplicates: a vocoded spoof keeps its
    source's time-aligned spectral pattern (WaveFake's spoofs match their
    LJSpeech originals at 0.90-0.99 on the demo corpus), and such a pair is
    the same sentence in two classes, not one recording in two places.
    Likewise two spoofs of one sentence made by *different* attacks (WaveFake
    vocodes every LJSpeech utterance with every vocoder) are different fakes,
    not copies: spoof pairs must share the attack id, unless one of them is
    unknown (``-``, e.g. FoR), where the content decides. Matches across labels
    or attacks are only counted (``cross_label_matches``,
    ``cross_attack_matches``), as are same-label pairs in
    ``[near_miss_from, threshold)`` (their largest similarity kept), for the summary.
    """
    low = min(near_miss_from, threshold)
    found: list[pd.DataFrame] = []
    stats: list[dict[str, Any]] = []
    for ia in range(len(metas)):
        for ib in range(ia, len(metas)):
            hits = find_duplicates(prints[ia], None if ia == ib else prints[ib], threshold=low)
            i, j = hits["i"].to_numpy(), hits["j"].to_numpy()
            label_a, label_b = metas[ia]["label"].to_numpy()[i], metas[ib]["label"].to_numpy()[j]
            attack_a, attack_b = metas[ia]["attack"].to_numpy()[i], metas[ib]["attack"].to_numpy()[j]
            same_label = label_a == label_b
            same_source = (label_a == "bonafide") | (attack_a == attack_b) | (attack_a == "-") | (attack_b == "-")
            above = (hits["similarity"] >= np.float32(threshold)).to_numpy()
            near = hits.loc[~above & same_label & same_source, "similarity"]
            pairs = pair_table(hits[above & same_label & same_source], metas[ia], metas[ib])
            found.append(pairs)
            stats.append(
                {
                    "a": names[ia],
                    "b": names[ib],
                    "within": ia == ib,
                    "pairs": int(len(pairs)),
                    "cross_label_matches": int(np.sum(above & ~same_label)),
                    "cross_attack_matches": int(np.sum(above & same_label & ~same_source)),
                    "min_pair_similarity": float(pairs["similarity"].min()) if len(pairs) else None,
                    "near_misses": int(len(near)),
                    "max_near_miss": float(near.max()) if len(near) else None,
                }
            )
    table = pd.concat(found, ignore_index=True) if found else pd.DataFrame(columns=list(DUPLICATE_COLUMNS))
    return table, stats


def demo_expected_pairs(path: str | Path) -> pd.DataFrame:
    """Planted FoR/LJSpeech copies as manifest utt_ids: columns ``for_utt_id``, ``wavefake_utt_id``.

    ``for_path`` ``<variant>/<split folder>/<label folder>/<file>`` becomes the
    FoR adapter's ``<split>/<label folder>/<file>``; ``ljspeech_id`` becomes
    the WaveFake adapter's ``LJSpeech/<id>``.
    """
    try:
        table = read_tsv(path)
    except FileNotFoundError:
        raise ValueError(f"{path}: demo duplicates file not found") from None
    if list(table.columns) != ["for_path", "ljspeech_id"]:
        raise ValueError(f"{path}: expected columns for_path, ljspeech_id; got {list(table.columns)}")
    rows = []
    for for_path, lj_id in table.itertuples(index=False):
        parts = Path(for_path).parts
        if len(parts) != 4 or parts[1] not in SPLIT_FOLDERS:
            raise ValueError(f"{path}: for_path {for_path!r} is not <variant>/<split folder>/<label>/<file>")
        rows.append((f"{SPLIT_FOLDERS[parts[1]]}/{parts[2]}/{parts[3]}", f"{WAVEFAKE_REAL_PREFIX}/{lj_id}"))
    return pd.DataFrame(rows, columns=["for_utt_id", "wavefake_utt_id"])


def check_expected(
    expected: pd.DataFrame,
    pairs: pd.DataFrame,
    metas: Sequence[pd.DataFrame],
    *,
    for_name: str,
    wavefake_name: str,
) -> dict[str, Any]:
    """How many planted pairs whose two members were scanned appear among the found pairs."""
    present = {
        (str(ds), str(u))
        for meta in metas
        for ds, u in zip(meta["dataset"].tolist(), meta["utt_id"].tolist(), strict=True)
    }
    linked: set[tuple[tuple[str, str], tuple[str, str]]] = set()
    for row in pairs.itertuples(index=False):
        a, b = (str(row.dataset_a), str(row.utt_a)), (str(row.dataset_b), str(row.utt_b))
        linked.add((a, b))
        linked.add((b, a))
    scanned = missed = 0
    missed_examples: list[list[str]] = []
    for for_utt, wf_utt in expected.itertuples(index=False):
        a, b = (for_name, for_utt), (wavefake_name, wf_utt)
        if a not in present or b not in present:
            continue
        scanned += 1
        if (a, b) not in linked:
            missed += 1
            if len(missed_examples) < 20:
                missed_examples.append([for_utt, wf_utt])
    return {
        "listed": int(len(expected)),
        "scanned": scanned,
        "found": scanned - missed,
        "missed": missed,
        "missed_examples": missed_examples,
    }


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m workflow_scripts.find_duplicates", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--cache", action="append", required=True, metavar="DATASET:SPLIT=H5",
                        help="a log-mel cache (repeat); the split may be omitted when the cache has the attribute")
    parser.add_argument("--threshold", type=float, default=DEFAULT_THRESHOLD,
                        help=f"cosine similarity at or above which two utterances are copies (default {DEFAULT_THRESHOLD})")
    parser.add_argument("--near-miss-from", type=float, default=DEFAULT_NEAR_MISS_FROM,
                        help="lower edge of the near-miss band counted in the summary")
    parser.add_argument("--chunk-size", type=int, default=512, help="feature rows read at a time")
    parser.add_argument("--expected-demo", type=Path, default=None,
                        help="demo_duplicates.tsv of the FoR-like demo corpus, to check the planted pairs")
    parser.add_argument("--for-name", default="for", help="dataset name of FoR (for --expected-demo)")
    parser.add_argument("--wavefake-name", default="wavefake", help="dataset name of WaveFake (for --expected-demo)")
    parser.add_argument("--out", type=Path, required=True, help="duplicate pairs TSV")
    parser.add_argument("--summary-out", type=Path, required=True, help="summary JSON")
    return parser


def fingerprint_cache(path: Path, chunk_size: int) -> np.ndarray:
    """Fingerprints of every row of a cache, reading the features in chunks."""
    with h5py.File(path, "r") as h5:
        if "features" not in h5:
            raise ValueError(f"{path}: no 'features' dataset")
        try:
            return fingerprints(h5["features"], chunk_size=chunk_size)
        except ValueError as err:
            raise ValueError(f"{path}: {err}") from None


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        if not -1.0 <= args.threshold <= 1.0:
            raise ValueError(f"--threshold must be a cosine similarity in [-1, 1], got {args.threshold}")
        specs = [parse_named_path(text, option="--cache") for text in args.cache]
        metas: list[pd.DataFrame] = []
        prints: list[np.ndarray] = []
        seen: dict[tuple[str, str], Path] = {}
        for spec in specs:
            meta = read_cache_table(spec.path, dataset=spec.dataset, split=spec.split)
            key = (meta.attrs["dataset"], meta.attrs["split"])
            if key in seen:
                raise ValueError(f"{spec.path}: ({key[0]}, {key[1]}) was already given as {seen[key]}")
            seen[key] = spec.path
            prints.append(fingerprint_cache(spec.path, args.chunk_size))
            metas.append(meta)
            log.info("fingerprinted %s (%d rows)", spec.path, len(meta))
        names = [cache_label(m.attrs["dataset"], m.attrs["split"]) for m in metas]
        pairs, stats = scan_caches(names, metas, prints, threshold=args.threshold, near_miss_from=args.near_miss_from)
        expected = None
        if args.expected_demo is not None:
            expected = check_expected(
                demo_expected_pairs(args.expected_demo), pairs, metas,
                for_name=args.for_name, wavefake_name=args.wavefake_name,
            )
    except ValueError as err:
        print(f"find_duplicates: error: {err}", file=sys.stderr)
        return 2
    with atomic_path(args.out) as tmp:
        pairs.to_csv(tmp, sep="\t", index=False, float_format="%.6f")
    summary: dict[str, Any] = {
        "threshold": float(args.threshold),
        "near_miss_from": float(min(args.near_miss_from, args.threshold)),
        "caches": [
            {"dataset": meta.attrs["dataset"], "split": meta.attrs["split"],
             "path": str(spec.path), "rows": int(len(meta))}
            for spec, meta in zip(specs, metas, strict=True)
        ],
        "rows_scanned": int(sum(len(m) for m in metas)),
        "pairs": int(len(pairs)),
        "pairs_per_cache_pair": stats,
    }
    if expected is not None:
        summary["expected_demo"] = {"file": str(args.expected_demo), **expected}
        if expected["missed"]:
            log.warning("%d of %d planted demo duplicates were not found", expected["missed"], expected["scanned"])
    write_json(summary, args.summary_out)
    log.info("%d duplicate pairs among %d rows -> %s", len(pairs), summary["rows_scanned"], args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
