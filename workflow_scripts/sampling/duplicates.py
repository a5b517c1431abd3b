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
* :func:`dedup_indices` - which rows to drop so no pair remains.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

import numpy as np
import pandas as pd

#: A hashable, orderable item joined by :func:`connected_components` (row index or row key).
K = TypeVar("K", bound=Any)

#: Cosine similarity at or above which two fingerprints count as one recording.
#: Demo copies (0-500 ms leading silence, +-6 dB, resampled, MP3) score >= 0.99,
#: unrelated recordings of the one LJSpeech-like speaker < 0.4 (docs/sampling.md).
DEFAULT_THRESHOLD = 0.9
#: Pairs whose aligned similarity reaches this get the lag search.
DEFAULT_REFINE_FROM = 0.5
DEFAULT_N_BINS = 20


class RowArray(Protocol):
    """Rows by an ascending index array: a numpy array or an h5py dataset."""

    shape: tuple[int, ...]

    def __getitem__(self, key: np.ndarray) -> np.ndarray: ...


#: ``comparable(rows_a, rows_b)`` -> bool matrix (len(rows_a), len(rows_b)): which pairs may be copies.
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
        {"i": np.empty(0, np.int64), "j": np.empty(0, np.int64), "similarity": np.empty(0, np.float64)}
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
    a: np.ndarray, b: np.ndarray, lagged_a: RowArray, lagged_b: RowArray,
    i: np.ndarray, j: np.ndarray, chunk: int = 4096,
) -> np.ndarray:
    """Best similarity over lags: max of a_i . b_j, lagged_a_i . b_j and a_i . lagged_b_j."""
    out = np.empty(i.shape[0], dtype=np.float32)
    for s in range(0, i.shape[0], chunk):
        ii, jj = i[s : s + chunk], j[s : s + chunk]
        la, inv_a = _read_rows(lagged_a, ii)
        lb, inv_b = _read_rows(lagged_b, jj)
        if la.ndim != 3 or lb.ndim != 3 or la.shape[2] != a.shape[1] or lb.shape[2] != b.shape[1]:
            raise ValueError(f"lagged fingerprints must be (n, lags, {a.shape[1]}), got {la.shape} and {lb.shape}")
        base = np.einsum("pd,pd->p", a[ii], b[jj])
        shifted_a = np.einsum("pld,pd->pl", la[inv_a], b[jj])
        shifted_b = np.einsum("pd,pld->pl", a[ii], lb[inv_b])
        out[s : s + chunk] = np.max(np.concatenate([base[:, None], shifted_a, shifted_b], axis=1), axis=1)
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
            ok = scanned if comparable is None else scanned & np.asarray(comparable(rows_a, rows_b), dtype=bool)
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
        pairs = pd.DataFrame(
            {
                "i": np.concatenate([f[0] for f in found]).astype(np.int64),
                "j": np.concatenate([f[1] for f in found]).astype(np.int64),
                "similarity": np.clip(np.concatenate([f[2] for f in found]).astype(np.float64), -1.0, 1.0),
                "comparable": np.concatenate([f[3] for f in found]),
                "refined": np.concatenate([f[4] for f in found]),
            }
        ).sort_values(["i", "j"], kind="stable").reset_index(drop=True)
    else:
        pairs = _empty_pairs().assign(comparable=np.empty(0, bool), refined=np.empty(0, bool))
    nan_a = np.where(np.isfinite(best_a), best_a, np.nan).astype(np.float64)
    nan_b = nan_a if within else np.where(np.isfinite(best_b), best_b, np.nan).astype(np.float64)
    return SimilarityScan(pairs, histogram, nan_a, nan_b, n_compared, n_refined)


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
