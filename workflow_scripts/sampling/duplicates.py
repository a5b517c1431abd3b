"""Matching content fingerprints to find copies of one recording (numpy only).

LJSpeech is the bonafide source of both FoR and WaveFake, so one recording
can sit in two datasets under different names, with other leading silence,
another gain, another resampling chain and an MP3 round trip. Experiment 3
must not train on one copy and evaluate on the other, so copies are found by
content. The fingerprints themselves are computed from the audio in the
features layer (:mod:`workflow_scripts.features.fingerprint`): unit vectors,
one at the trimmed speech onset (``main``) and a few at onsets shifted by
tens of milliseconds (``lagged``).

* :func:`find_duplicates` - all pairs with cosine similarity >= threshold
  (exact, blocked float32 matrix products, no hashing, so no missed pairs);
* :func:`scan_similarities` - the same scan with a lag search for close
  pairs, a restriction to comparable pairs, a similarity histogram and each
  row's best match (what ``find_duplicates`` the command reports);
* :func:`scan_files` - the scan over fingerprint files, within each and across
  any two, restricted to pairs that can be copies (same label; for spoofs the
  same attack), and :func:`scan_summary`, the threshold picture it gives
  (what the ``find_duplicates`` command writes);
* :func:`dedup_indices` - which rows to drop so no pair remains.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

import numpy as np
import pandas as pd

from workflow_scripts.io.fingerprints import FingerprintSet
from workflow_scripts.io.selections import DUPLICATE_COLUMNS

#: A hashable, orderable item joined by :func:`connected_components` (row index or row key).
K = TypeVar("K", bound=Any)

#: Cosine similarity at or above which two fingerprints count as one recording.
#: Demo copies (0-500 ms leading silence, +-6 dB, resampled, MP3) score >= 0.99,
#: unrelated recordings of the one LJSpeech-like speaker < 0.4 (docs/sampling.md).
DEFAULT_THRESHOLD = 0.9
#: Pairs whose aligned similarity reaches this get the lag search.
DEFAULT_REFINE_FROM = 0.5
DEFAULT_N_BINS = 20
#: Lower edge of the near-miss band reported in the summary.
DEFAULT_NEAR_MISS_FROM = 0.5
#: How many closest-below / weakest-above pairs the summary lists.
N_LISTED = 20


class RowArray(Protocol):
    """Rows by an ascending index array: a numpy array or an h5py dataset."""

    shape: tuple[int, ...]

    def __getitem__(self, key: np.ndarray) -> np.ndarray: ...


#: ``comparable(rows_a, rows_b)`` -> bool matrix (len(rows_a), len(rows_b)): which pairs may be
#: copies.
Comparable = Callable[[np.ndarray, np.ndarray], np.ndarray]


def _check_fingerprints(fp: np.ndarray, name: str) -> np.ndarray:
    a = np.asarray(fp, dtype=np.float32)
    if a.ndim != 2:
        raise ValueError(f"{name} must be 2-D (n, f), got shape {a.shape}")
    if not np.all(np.isfinite(a)):
        raise ValueError(f"{name} contains NaN or inf")
    return a


def _empty_pairs() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "i": np.empty(0, np.int64),
            "j": np.empty(0, np.int64),
            "similarity": np.empty(0, np.float64),
        }
    )


def find_duplicates(
    fp_a: np.ndarray,
    fp_b: np.ndarray | None = None,
    *,
    threshold: float = DEFAULT_THRESHOLD,
    block_size: int = 2048,
) -> pd.DataFrame:
    """All pairs with cosine similarity >= ``threshold``: columns ``i, j, similarity``.

    With ``fp_b`` given, ``i`` indexes ``fp_a`` and ``j`` indexes ``fp_b``;
    without it, pairs within ``fp_a`` with ``i < j``. Blocks of
    ``block_size`` rows keep memory at ``block_size**2`` floats; within one
    set only the upper triangle of blocks is computed. Rows sorted by (i, j).
    """
    scan = scan_similarities(fp_a, fp_b, keep_from=threshold, block_size=block_size)
    return scan.pairs[["i", "j", "similarity"]]


@dataclass(frozen=True)
class SimilarityScan:
    """What :func:`scan_similarities` found.

    ``pairs``: ``i, j, similarity, comparable, refined`` for every pair with
    final similarity >= ``keep_from`` (comparable or not), sorted by (i, j).
    ``histogram``: counts of the comparable pairs by final similarity in
    ``n_bins`` equal bins over [0, 1] (negative similarities in the first
    bin, 1.0 in the last). ``best_a`` / ``best_b``: each row's best final
    similarity over its comparable pairs (NaN when it has none).
    """

    pairs: pd.DataFrame
    histogram: np.ndarray
    best_a: np.ndarray
    best_b: np.ndarray
    n_compared: int
    n_refined: int


def _bin(sims: np.ndarray, n_bins: int) -> np.ndarray:
    return np.clip((sims * n_bins).astype(np.int64), 0, n_bins - 1)


def _read_rows(array: RowArray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rows of ``array`` for ``rows`` (any order, repeats allowed): (unique rows' data, inverse)."""
    unique, inverse = np.unique(rows, return_inverse=True)
    return np.asarray(array[unique], dtype=np.float32), inverse


def _refine(
    a: np.ndarray,
    b: np.ndarray,
    lagged_a: RowArray,
    lagged_b: RowArray,
    i: np.ndarray,
    j: np.ndarray,
    chunk: int = 4096,
) -> np.ndarray:
    """Best similarity over lags: max of a_i . b_j, lagged_a_i . b_j and a_i . lagged_b_j."""
    out = np.empty(i.shape[0], dtype=np.float32)
    for s in range(0, i.shape[0], chunk):
        ii, jj = i[s : s + chunk], j[s : s + chunk]
        la, inv_a = _read_rows(lagged_a, ii)
        lb, inv_b = _read_rows(lagged_b, jj)
        if la.ndim != 3 or lb.ndim != 3 or la.shape[2] != a.shape[1] or lb.shape[2] != b.shape[1]:
            raise ValueError(
                f"lagged fingerprints must be (n, lags, {a.shape[1]}), "
                f"got {la.shape} and {lb.shape}"
            )
        base = np.einsum("pd,pd->p", a[ii], b[jj])
        shifted_a = np.einsum("pld,pd->pl", la[inv_a], b[jj])
        shifted_b = np.einsum("pd,pld->pl", a[ii], lb[inv_b])
        out[s : s + chunk] = np.max(
            np.concatenate([base[:, None], shifted_a, shifted_b], axis=1), axis=1
        )
    return out


def scan_similarities(
    fp_a: np.ndarray,
    fp_b: np.ndarray | None = None,
    *,
    keep_from: float,
    lagged_a: RowArray | None = None,
    lagged_b: RowArray | None = None,
    refine_from: float = DEFAULT_REFINE_FROM,
    comparable: Comparable | None = None,
    n_bins: int = DEFAULT_N_BINS,
    block_size: int = 2048,
) -> SimilarityScan:
    """Every pair's cosine similarity, blocked; keep pairs >= ``keep_from`` and summarise the rest.

    ``fp_a`` / ``fp_b`` (n, f) are unit (or zero) vectors at each recording's
    trimmed onset; without ``fp_b`` the pairs ``i < j`` within ``fp_a`` are
    scanned. With ``lagged_a`` / ``lagged_b`` (n, lags, f; numpy arrays or
    h5py datasets, read by row only for close pairs), a pair whose aligned
    similarity reaches ``refine_from`` gets the best similarity over
    shifting either side's onset (:func:`_refine`); the others keep the
    aligned value (for the default lags of +-20, +-40 ms, a copy whose onsets
    were found so far apart that the aligned value is below 0.5 would stay
    below 0.9 even after the search). ``comparable`` says which pairs may be
    copies at all; only those enter the histogram and the best matches, but
    every pair >= ``keep_from`` is returned with its flag.
    """
    a = _check_fingerprints(fp_a, "fp_a")
    within = fp_b is None
    b = a if within else _check_fingerprints(fp_b, "fp_b")
    if a.shape[1] != b.shape[1]:
        raise ValueError(f"fingerprint lengths differ: {a.shape[1]} vs {b.shape[1]}")
    for name, value in (("keep_from", keep_from), ("refine_from", refine_from)):
        if not -1.0 <= value <= 1.0:
            raise ValueError(f"{name} must be a cosine similarity in [-1, 1], got {value}")
    if block_size < 1 or n_bins < 1:
        raise ValueError(f"block_size and n_bins must be >= 1, got {block_size} and {n_bins}")
    if within:
        lagged_b = lagged_a
    if (lagged_a is None) != (lagged_b is None):
        raise ValueError("give lagged fingerprints for both sets or for neither")
    refine = lagged_a is not None
    histogram = np.zeros(n_bins, dtype=np.int64)
    best_a = np.full(a.shape[0], -np.inf, dtype=np.float32)
    best_b = best_a if within else np.full(b.shape[0], -np.inf, dtype=np.float32)
    found: list[tuple[np.ndarray, ...]] = []
    n_compared = n_refined = 0
    low = np.float32(min(keep_from, refine_from) if refine else keep_from)
    for i0 in range(0, a.shape[0], block_size):
        block_a = a[i0 : i0 + block_size]
        rows_a = np.arange(i0, i0 + block_a.shape[0])
        for j0 in range(i0 if within else 0, b.shape[0], block_size):
            block_b = b[j0 : j0 + block_size]
            rows_b = np.arange(j0, j0 + block_b.shape[0])
            sims = block_a @ block_b.T
            scanned = np.ones(sims.shape, dtype=bool)
            if within and j0 == i0:
                scanned = np.triu(scanned, k=1)
            ii, jj = np.nonzero(scanned & (sims >= low))
            refined = np.zeros(sims.shape, dtype=bool)
            if refine and ii.shape[0]:
                close = sims[ii, jj] >= np.float32(refine_from)
                ri, rj = ii[close], jj[close]
                if ri.shape[0]:
                    sims[ri, rj] = _refine(a, b, lagged_a, lagged_b, ri + i0, rj + j0)
                    refined[ri, rj] = True
                    n_refined += int(ri.shape[0])
            ok = (
                scanned
                if comparable is None
                else scanned & np.asarray(comparable(rows_a, rows_b), dtype=bool)
            )
            n_compared += int(ok.sum())
            histogram += np.bincount(_bin(sims[ok], n_bins), minlength=n_bins)
            masked = np.where(ok, sims, -np.inf)
            best_a[rows_a] = np.maximum(best_a[rows_a], masked.max(axis=1))
            best_b[rows_b] = np.maximum(best_b[rows_b], masked.max(axis=0))
            keep = sims[ii, jj] >= np.float32(keep_from)
            ki, kj = ii[keep], jj[keep]
            if ki.shape[0]:
                found.append((ki + i0, kj + j0, sims[ki, kj], ok[ki, kj], refined[ki, kj]))
    if found:
        pairs = (
            pd.DataFrame(
                {
                    "i": np.concatenate([f[0] for f in found]).astype(np.int64),
                    "j": np.concatenate([f[1] for f in found]).astype(np.int64),
                    "similarity": np.clip(
                        np.concatenate([f[2] for f in found]).astype(np.float64), -1.0, 1.0
                    ),
                    "comparable": np.concatenate([f[3] for f in found]),
                    "refined": np.concatenate([f[4] for f in found]),
                }
            )
            .sort_values(["i", "j"], kind="stable")
            .reset_index(drop=True)
        )
    else:
        pairs = _empty_pairs().assign(comparable=np.empty(0, bool), refined=np.empty(0, bool))
    nan_a = np.where(np.isfinite(best_a), best_a, np.nan).astype(np.float64)
    nan_b = nan_a if within else np.where(np.isfinite(best_b), best_b, np.nan).astype(np.float64)
    return SimilarityScan(pairs, histogram, nan_a, nan_b, n_compared, n_refined)


def pair_table(hits: pd.DataFrame, meta_a: pd.DataFrame, meta_b: pd.DataFrame) -> pd.DataFrame:
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
    """Per set: label codes (1 bonafide, 0 spoof) and attack codes shared across sets
    (-1 for ``-``)."""
    attacks = sorted({a for s in sets for a in s.meta["attack"].tolist()} - {"-"})
    index = {a: k for k, a in enumerate(attacks)}
    labels = [(s.meta["label"].to_numpy() == "bonafide").astype(np.int8) for s in sets]
    codes = [
        np.array([index.get(a, -1) for a in s.meta["attack"].tolist()], dtype=np.int64)
        for s in sets
    ]
    return labels, codes


def scan_files(
    sets: Sequence[FingerprintSet],
    *,
    threshold: float,
    near_miss_from: float,
    refine_from: float = DEFAULT_REFINE_FROM,
    n_bins: int = DEFAULT_N_BINS,
) -> tuple[pd.DataFrame, list[dict[str, Any]], dict[str, Any]]:
    """All duplicate pairs within and across fingerprint files, per file-pair counts, and the
    overall picture.

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

            def comparable(
                ra: np.ndarray, rb: np.ndarray, ia: int = ia, ib: int = ib
            ) -> np.ndarray:
                la, lb = labels[ia][ra][:, None], labels[ib][rb][None, :]
                aa, ab = attacks[ia][ra][:, None], attacks[ib][rb][None, :]
                same_source = (la == 1) | (aa == ab) | (aa < 0) | (ab < 0)
                return (
                    (la == lb) & same_source & checked[ia][ra][:, None] & checked[ib][rb][None, :]
                )

            lagged = (sets[ia].lagged, None if within else sets[ib].lagged)
            use_lags = lagged[0] is not None and (within or lagged[1] is not None)
            scan = scan_similarities(
                sets[ia].main,
                None if within else sets[ib].main,
                keep_from=low,
                lagged_a=lagged[0] if use_lags else None,
                lagged_b=lagged[1] if use_lags and not within else None,
                refine_from=refine_from,
                comparable=comparable,
                n_bins=n_bins,
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
        "near_misses": near_all.sort_values("similarity", ascending=False, kind="stable").head(
            N_LISTED
        ),
        "weakest_pairs": table.sort_values("similarity", kind="stable").head(N_LISTED),
    }
    return table, stats, overall


def _records(table: pd.DataFrame) -> list[dict[str, Any]]:
    """Listed pairs for the JSON summary: names as text, similarity to 6 decimals."""
    names = DUPLICATE_COLUMNS[:-1]
    return [
        {**{k: str(row[k]) for k in names}, "similarity": round(float(row["similarity"]), 6)}
        for row in table.to_dict("records")
    ]


def scan_summary(
    sets: Sequence[FingerprintSet],
    pairs: pd.DataFrame,
    stats: list[dict[str, Any]],
    overall: dict[str, Any],
    *,
    threshold: float,
    near_miss_from: float,
) -> dict[str, Any]:
    """The summary of a :func:`scan_files` run, so the threshold can be checked on real data.

    The settings and fingerprint parameters, each file with its rows and
    unchecked rows, the pair count, per file pair :func:`scan_files`' counts,
    the similarity histograms, and the listed near misses and weakest pairs.
    """
    unchecked = [int((~s.checked).sum()) for s in sets]
    histogram_keys = (
        "bin_edges",
        "all_compared_pairs",
        "best_match_per_row",
        "rows_with_a_comparable_row",
    )
    return {
        "threshold": float(threshold),
        "near_miss_from": float(min(near_miss_from, threshold)),
        "lag_search_from": DEFAULT_REFINE_FROM,
        "fingerprint_params": sets[0].params if sets else {},
        "fingerprint_files": [
            {
                "dataset": s.meta.attrs["dataset"],
                "split": s.meta.attrs["split"],
                "path": str(s.path),
                "rows": int(len(s.meta)),
                "unchecked": n,
            }
            for s, n in zip(sets, unchecked, strict=True)
        ],
        "rows_scanned": int(sum(len(s.meta) for s in sets)),
        "rows_unchecked": int(sum(unchecked)),
        "pairs": int(len(pairs)),
        "pairs_per_cache_pair": stats,
        "similarity_histogram": {k: overall[k] for k in histogram_keys},
        "near_misses": _records(overall["near_misses"]),
        "weakest_pairs": _records(overall["weakest_pairs"]),
    }


def dedup_indices(pairs: pd.DataFrame, *, within_set: bool) -> np.ndarray:
    """Indices to drop so that no duplicate pair remains (ascending).

    Across two sets (``within_set=False``) the copies in the second set are
    dropped: every ``j`` that duplicates something in the first set, which
    keeps the first set whole. Within one set, pairs are joined into groups
    (connected components) and each group keeps its smallest index.
    """
    missing = [c for c in ("i", "j") if c not in pairs.columns]
    if missing:
        raise ValueError(f"duplicate pairs table lacks column(s) {missing}")
    i = pairs["i"].to_numpy(dtype=np.int64)
    j = pairs["j"].to_numpy(dtype=np.int64)
    if not within_set:
        return np.unique(j)
    groups = connected_components(zip(i.tolist(), j.tolist(), strict=True))
    return np.array(sorted(v for group in groups for v in group[1:]), dtype=np.int64)


def connected_components(edges: Iterable[tuple[K, K]]) -> list[list[K]]:
    """Groups of items joined by edges (a copy of a copy is the same recording).

    Union-find; each group is sorted and groups are ordered by their first
    (smallest) member, so the result does not depend on the order of edges.
    """
    parent: dict[K, K] = {}

    def root(v: K) -> K:
        parent.setdefault(v, v)
        while parent[v] != v:
            parent[v] = parent[parent[v]]
            v = parent[v]
        return v

    for a, b in edges:
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    members: dict[K, list[K]] = {}
    for v in list(parent):
        members.setdefault(root(v), []).append(v)
    return sorted((sorted(m) for m in members.values()), key=lambda g: g[0])
