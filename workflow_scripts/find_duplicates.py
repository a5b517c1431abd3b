"""Find copies of one recording within and across corpora (LJSpeech in FoR and WaveFake).

Usage::

    python -m workflow_scripts.find_duplicates \
        --fingerprints asvspoof2019:train=results/fingerprints/asvspoof2019/train.h5 \
        --fingerprints for:train=... --fingerprints wavefake:eval=... [...] \
        [--threshold 0.9] [--near-miss-from 0.5] [--expected-demo demo_duplicates.tsv] \
        --out duplicates.tsv --summary-out duplicates.json

The fingerprint files (``make_fingerprints``, one per cache, same rows) are
compared pairwise, within one file and across any two files
(``sampling.scan_similarities``: aligned cosine similarity, then the best
over onset shifts of +-20, +-40 ms for pairs from 0.5 up). Every pair with
similarity >= threshold, the same label, and for spoofs the same attack (see
:func:`scan_files`) is written to ``--out`` (``dataset_a, split_a, utt_a,
dataset_b, split_b, utt_b, similarity``; ``a`` is the earlier file on the
command line, or the earlier row within one file). The summary JSON gives,
per file pair, the number of pairs, of matches across labels or attacks (not
written) and of *near misses* (similarity in ``[near_miss_from,
threshold)``); over all files, a histogram of the similarities of all
compared pairs and of each row's best match, the closest pairs below the
threshold and the weakest pairs above it, with ids, so the threshold can be
checked on real data. Rows without a fingerprint (silent, unreadable) are
counted as ``unchecked``. ``--expected-demo`` checks the pairs planted in the
FoR-like demo corpus (``demo_duplicates.tsv``: ``for_path``,
``ljspeech_id``) against what was found.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import h5py
import numpy as np
import pandas as pd

from workflow_scripts.datasets.fakeorreal import SPLIT_FOLDERS
from workflow_scripts.io.files import atomic_path, read_tsv
from workflow_scripts.sampling.duplicates import (
    DEFAULT_N_BINS,
    DEFAULT_REFINE_FROM,
    DEFAULT_THRESHOLD,
    scan_similarities,
)
from workflow_scripts.io.files import write_json
from workflow_scripts.io.selections import DUPLICATE_COLUMNS, parse_named_path, read_cache_table

log = logging.getLogger("workflow_scripts.find_duplicates")

#: Lower edge of the near-miss band reported in the summary.
DEFAULT_NEAR_MISS_FROM = 0.5
#: How many closest-below / weakest-above pairs the summary lists.
N_LISTED = 20
#: utt_id prefix of LJSpeech recordings in the WaveFake manifest.
WAVEFAKE_REAL_PREFIX = "LJSpeech"
#: Fingerprint attributes that must agree between files for their vectors to be comparable.
PARAM_ATTRS = ("sample_rate", "window_s", "trim_db", "n_fft", "win_length", "hop_length", "n_mels",
               "f_min", "f_max", "n_bands", "cell_frames", "dynamic_range_db", "lags_ms", "dim")


def cache_label(dataset: str, split: str) -> str:
    return f"{dataset}:{split}"


@dataclass
class FingerprintSet:
    """One fingerprint file: row metadata, the aligned fingerprints in memory, the lagged ones on disk."""

    meta: pd.DataFrame
    main: np.ndarray
    lagged: Any
    path: Path
    params: dict[str, Any]

    @property
    def name(self) -> str:
        return cache_label(self.meta.attrs["dataset"], self.meta.attrs["split"])

    @property
    def checked(self) -> np.ndarray:
        """Rows with a (non-zero) fingerprint."""
        return np.any(self.main != 0, axis=1)


def _plain(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return [_plain(v) for v in value.tolist()]
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, bytes):
        return value.decode("utf-8")
    return value


def open_fingerprints(path: Path, dataset: str, split: str | None, stack: contextlib.ExitStack) -> FingerprintSet:
    """Read a fingerprint file's metadata and aligned vectors; keep it open for lagged rows."""
    meta = read_cache_table(path, dataset=dataset, split=split)
    h5 = stack.enter_context(h5py.File(path, "r"))
    if "fingerprint" not in h5:
        raise ValueError(f"{path}: no 'fingerprint' dataset (is it a log-mel cache? run make_fingerprints)")
    main = np.asarray(h5["fingerprint"][()], dtype=np.float32)
    if main.ndim != 2 or main.shape[0] != len(meta):
        raise ValueError(f"{path}: fingerprint shape {main.shape} does not match {len(meta)} rows")
    lagged = h5["lagged"] if "lagged" in h5 and h5["lagged"].ndim == 3 and h5["lagged"].shape[1] else None
    params = {k: _plain(h5.attrs[k]) for k in PARAM_ATTRS if k in h5.attrs}
    return FingerprintSet(meta, main, lagged, Path(path), params)


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


def _codes(sets: Sequence[FingerprintSet]) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Per set: label codes (1 bonafide, 0 spoof) and attack codes shared across sets (-1 for ``-``)."""
    attacks = sorted({a for s in sets for a in s.meta["attack"].tolist()} - {"-"})
    index = {a: k for k, a in enumerate(attacks)}
    labels = [(s.meta["label"].to_numpy() == "bonafide").astype(np.int8) for s in sets]
    codes = [np.array([index.get(a, -1) for a in s.meta["attack"].tolist()], dtype=np.int64) for s in sets]
    return labels, codes


def scan_files(
    sets: Sequence[FingerprintSet],
    *,
    threshold: float,
    near_miss_from: float,
    refine_from: float = DEFAULT_REFINE_FROM,
    n_bins: int = DEFAULT_N_BINS,
) -> tuple[pd.DataFrame, list[dict[str, Any]], dict[str, Any]]:
    """All duplicate pairs within and across fingerprint files, per file-pair counts, and the overall picture.

    Only pairs of the same label are duplicates: a vocoded spoof keeps its
    source's spectro-temporal pattern (on the demo corpus WaveFake's fakes
    match their LJSpeech originals at up to 0.998, as close as an MP3 copy),
    and such a pair is the same sentence in two classes, not one recording
    in two places. Likewise two spoofs of one sentence made by *different*
    attacks (WaveFake vocodes every LJSpeech utterance with every vocoder)
    are different fakes, not copies: spoof pairs must share the attack id,
    unless one of them is unknown (``-``, e.g. FoR), where the content
    decides. Matches across labels or attacks are only counted
    (``cross_label_matches``, ``cross_attack_matches``). Rows without a
    fingerprint are compared with nothing.

    Returns the pair table, per file-pair stats, and ``overall``: the
    histograms, ``near_misses`` (closest comparable pairs below the
    threshold) and ``weakest_pairs`` (lowest pairs found), as tables.
    """
    low = min(near_miss_from, threshold)
    labels, attacks = _codes(sets)
    checked = [s.checked for s in sets]
    found: list[pd.DataFrame] = []
    below: list[pd.DataFrame] = []
    stats: list[dict[str, Any]] = []
    hist_pairs = np.zeros(n_bins, dtype=np.int64)
    best = [np.full(len(s.meta), np.nan) for s in sets]
    for ia in range(len(sets)):
        for ib in range(ia, len(sets)):
            within = ia == ib

            def comparable(ra: np.ndarray, rb: np.ndarray, ia: int = ia, ib: int = ib) -> np.ndarray:
                la, lb = labels[ia][ra][:, None], labels[ib][rb][None, :]
                aa, ab = attacks[ia][ra][:, None], attacks[ib][rb][None, :]
                same_source = (la == 1) | (aa == ab) | (aa < 0) | (ab < 0)
                return (la == lb) & same_source & checked[ia][ra][:, None] & checked[ib][rb][None, :]

            lagged = (sets[ia].lagged, None if within else sets[ib].lagged)
            use_lags = lagged[0] is not None and (within or lagged[1] is not None)
            scan = scan_similarities(
                sets[ia].main, None if within else sets[ib].main, keep_from=low,
                lagged_a=lagged[0] if use_lags else None, lagged_b=lagged[1] if use_lags and not within else None,
                refine_from=refine_from, comparable=comparable, n_bins=n_bins,
            )
            hist_pairs += scan.histogram
            best[ia] = np.fmax(best[ia], scan.best_a)
            best[ib] = np.fmax(best[ib], scan.best_b)
            hits = scan.pairs
            i, j = hits["i"].to_numpy(), hits["j"].to_numpy()
            same_label = labels[ia][i] == labels[ib][j]
            above = (hits["similarity"] >= np.float32(threshold)).to_numpy()
            ok = hits["comparable"].to_numpy(dtype=bool)
            pairs = pair_table(hits[above & ok], sets[ia].meta, sets[ib].meta)
            near = pair_table(hits[~above & ok], sets[ia].meta, sets[ib].meta)
            found.append(pairs)
            below.append(near)
            stats.append(
                {
                    "a": sets[ia].name,
                    "b": sets[ib].name,
                    "within": within,
                    "pairs": int(len(pairs)),
                    "compared": int(scan.n_compared),
                    "lag_searched": int(scan.n_refined),
                    "cross_label_matches": int(np.sum(above & ~same_label)),
                    "cross_attack_matches": int(np.sum(above & same_label & ~ok)),
                    "min_pair_similarity": float(pairs["similarity"].min()) if len(pairs) else None,
                    "near_misses": int(len(near)),
                    "max_near_miss": float(near["similarity"].max()) if len(near) else None,
                }
            )
    empty = pd.DataFrame(columns=list(DUPLICATE_COLUMNS))
    table = pd.concat(found, ignore_index=True) if found else empty
    near_all = pd.concat(below, ignore_index=True) if below else empty
    best_all = np.concatenate(best) if best else np.empty(0)
    best_all = best_all[np.isfinite(best_all)]
    overall = {
        "bin_edges": np.linspace(0.0, 1.0, n_bins + 1).round(6).tolist(),
        "all_compared_pairs": hist_pairs.tolist(),
        "best_match_per_row": np.bincount(
            np.clip((best_all * n_bins).astype(np.int64), 0, n_bins - 1), minlength=n_bins
        ).tolist(),
        "rows_with_a_comparable_row": int(best_all.shape[0]),
        "near_misses": near_all.sort_values("similarity", ascending=False, kind="stable").head(N_LISTED),
        "weakest_pairs": table.sort_values("similarity", kind="stable").head(N_LISTED),
    }
    return table, stats, overall


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
    parser.add_argument("--fingerprints", action="append", required=True, metavar="DATASET:SPLIT=H5",
                        help="a fingerprint file from make_fingerprints (repeat); the split may be omitted "
                        "when the file has the attribute")
    parser.add_argument("--threshold", type=float, default=DEFAULT_THRESHOLD,
                        help=f"cosine similarity at or above which two utterances are copies (default {DEFAULT_THRESHOLD})")
    parser.add_argument("--near-miss-from", type=float, default=DEFAULT_NEAR_MISS_FROM,
                        help=f"lower edge of the near-miss band counted in the summary (default {DEFAULT_NEAR_MISS_FROM})")
    parser.add_argument("--expected-demo", type=Path, default=None,
                        help="demo_duplicates.tsv of the FoR-like demo corpus, to check the planted pairs")
    parser.add_argument("--for-name", default="for", help="dataset name of FoR (for --expected-demo)")
    parser.add_argument("--wavefake-name", default="wavefake", help="dataset name of WaveFake (for --expected-demo)")
    parser.add_argument("--out", type=Path, required=True, help="duplicate pairs TSV")
    parser.add_argument("--summary-out", type=Path, required=True, help="summary JSON")
    return parser


def _records(table: pd.DataFrame) -> list[dict[str, Any]]:
    return [
        {**{k: str(row[k]) for k in DUPLICATE_COLUMNS[:-1]}, "similarity": round(float(row["similarity"]), 6)}
        for row in table.to_dict("records")
    ]


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    with contextlib.ExitStack() as stack:
        try:
            if not -1.0 <= args.threshold <= 1.0:
                raise ValueError(f"--threshold must be a cosine similarity in [-1, 1], got {args.threshold}")
            specs = [parse_named_path(text, option="--fingerprints") for text in args.fingerprints]
            sets: list[FingerprintSet] = []
            seen: dict[tuple[str, str], Path] = {}
            for spec in specs:
                fp = open_fingerprints(spec.path, spec.dataset, spec.split, stack)
                key = (fp.meta.attrs["dataset"], fp.meta.attrs["split"])
                if key in seen:
                    raise ValueError(f"{spec.path}: ({key[0]}, {key[1]}) was already given as {seen[key]}")
                seen[key] = spec.path
                if sets and fp.params != sets[0].params:
                    diff = sorted(k for k in set(fp.params) | set(sets[0].params)
                                  if fp.params.get(k) != sets[0].params.get(k))
                    raise ValueError(f"{spec.path}: fingerprint parameters {diff} differ from {sets[0].path}")
                sets.append(fp)
                log.info("read %s (%d rows, %d without a fingerprint)", spec.path, len(fp.meta),
                         int((~fp.checked).sum()))
            pairs, stats, overall = scan_files(sets, threshold=args.threshold, near_miss_from=args.near_miss_from)
            expected = None
            if args.expected_demo is not None:
                expected = check_expected(
                    demo_expected_pairs(args.expected_demo), pairs, [s.meta for s in sets],
                    for_name=args.for_name, wavefake_name=args.wavefake_name,
                )
        except (ValueError, OSError) as err:
            print(f"find_duplicates: error: {err}", file=sys.stderr)
            return 2
    with atomic_path(args.out) as tmp:
        pairs.to_csv(tmp, sep="\t", index=False, float_format="%.6f")
    summary: dict[str, Any] = {
        "threshold": float(args.threshold),
        "near_miss_from": float(min(args.near_miss_from, args.threshold)),
        "lag_search_from": DEFAULT_REFINE_FROM,
        "fingerprint_params": sets[0].params if sets else {},
        "fingerprint_files": [
            {"dataset": s.meta.attrs["dataset"], "split": s.meta.attrs["split"], "path": str(s.path),
             "rows": int(len(s.meta)), "unchecked": int((~s.checked).sum())}
            for s in sets
        ],
        "rows_scanned": int(sum(len(s.meta) for s in sets)),
        "rows_unchecked": int(sum(int((~s.checked).sum()) for s in sets)),
        "pairs": int(len(pairs)),
        "pairs_per_cache_pair": stats,
        "similarity_histogram": {
            k: overall[k]
            for k in ("bin_edges", "all_compared_pairs", "best_match_per_row", "rows_with_a_comparable_row")
        },
        "near_misses": _records(overall["near_misses"]),
        "weakest_pairs": _records(overall["weakest_pairs"]),
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
