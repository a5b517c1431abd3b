"""Cross-dataset duplicate detection from log-mel features.

LJSpeech is the bonafide source of both FoR and WaveFake, so one recording
can sit in two datasets under different names, with another gain
(renormalisation) and another resampling chain (22.05 kHz -> 16 kHz by a
different filter). Experiment 3 must not train on one copy and evaluate on
the other, so copies are found by content.

Fingerprint (:func:`fingerprints`), per utterance, from the cached
``log(mel + 1e-6)`` array:

1. drop the top ``drop_top_mels`` mel bands (where resampling filters differ);
2. floor the values at ``ref - dynamic_range`` where ``ref`` is the
   utterance's 99th percentile: near-silence then sits on a floor that moves
   with the gain instead of on the fixed ``log(1e-6)`` floor;
3. average-pool to a coarse ``n_bands x n_time`` map (16 x 30 by default:
   ~4.5 mel bands x 100 ms per cell), which smooths noise and small shifts;
4. subtract each band's mean over time: a global gain (``+2 log g`` in every
   cell), a fixed filter (a constant per band) and the speaker's spectral
   tilt (shared by all LJSpeech utterances) all vanish;
5. subtract each frame's mean over bands (the loudness envelope), and
   project every frame off the utterance's own centred long-term spectrum:
   otherwise silent frames carry minus that spectrum and every pair of
   utterances of one speaker correlates through its pauses;
6. scale to unit norm, so the dot product of two fingerprints is their
   cosine similarity.

:func:`find_duplicates` compares all pairs exactly with blocked float32
matrix products (no hashing, so no missed pairs).
"""

from __future__ import annotations

import math
from typing import Protocol

import numpy as np
import pandas as pd

#: Cosine similarity at or above which two fingerprints count as one recording.
#: Copies with a gain change, noise and a changed top band score > 0.97 in the
#: tests; unrelated utterances score < 0.3 (see docs/sampling.md).
DEFAULT_THRESHOLD = 0.9
DEFAULT_N_BANDS = 16
DEFAULT_N_TIME = 30
DEFAULT_DROP_TOP_MELS = 8
DEFAULT_DYNAMIC_RANGE_DB = 50.0
_REF_QUANTILE = 0.99
_ZERO_NORM = 1e-6


class FeatureArray(Protocol):
    """Anything sliceable along the first axis with a shape: a numpy array or an h5py dataset."""

    shape: tuple[int, ...]

    def __getitem__(self, key: slice) -> np.ndarray: ...


def _pool_edges(size: int, parts: int) -> np.ndarray:
    """Start offsets of ``parts`` near-equal consecutive groups of ``size`` items."""
    return np.round(np.linspace(0, size, parts + 1)).astype(np.int64)[:-1]


def _average_pool(x: np.ndarray, edges: np.ndarray, size: int, axis: int) -> np.ndarray:
    widths = np.diff(np.append(edges, size)).astype(np.float32)
    shape = [1] * x.ndim
    shape[axis] = widths.shape[0]
    return np.add.reduceat(x, edges, axis=axis) / widths.reshape(shape)


def _centre_pattern(pooled: np.ndarray) -> np.ndarray:
    """Remove what all recordings of a speaker and channel share from pooled (c, bands, time) maps.

    Band means over time go (gain, fixed filters); frame means over bands go
    (loudness envelope, which pauses make alike across utterances); then each
    frame loses its component along the utterance's own centred long-term
    spectrum, which otherwise leaves a speaker-wide "voiced vs silent" pattern.
    """
    band_means = pooled.mean(axis=2)
    x = pooled - band_means[:, :, None]
    x -= x.mean(axis=1, keepdims=True)
    profile = band_means - band_means.mean(axis=1, keepdims=True)
    norms = np.linalg.norm(profile, axis=1, keepdims=True)
    profile = np.divide(profile, norms, out=np.zeros_like(profile), where=norms > _ZERO_NORM)
    along = np.einsum("cbt,cb->ct", x, profile)
    x -= profile[:, :, None] * along[:, None, :]
    return x


def fingerprints(
    features: FeatureArray,
    *,
    n_bands: int = DEFAULT_N_BANDS,
    n_time: int = DEFAULT_N_TIME,
    drop_top_mels: int = DEFAULT_DROP_TOP_MELS,
    dynamic_range_db: float = DEFAULT_DYNAMIC_RANGE_DB,
    chunk_size: int = 512,
) -> np.ndarray:
    """Gain- and resampling-robust content fingerprints, shape (n, n_bands * n_time), float32.

    ``features`` is (n, n_mels, n_frames) of ``log(mel + 1e-6)``; it is read
    ``chunk_size`` rows at a time, so an h5py dataset works without loading
    it whole. A constant (e.g. silent) utterance has no pattern and gets a
    zero fingerprint, which matches nothing.
    """
    shape = tuple(features.shape)
    if len(shape) != 3:
        raise ValueError(f"features must be (n, n_mels, n_frames), got shape {shape}")
    n, n_mels, n_frames = shape
    kept_mels = n_mels - drop_top_mels
    if drop_top_mels < 0 or kept_mels < n_bands or n_bands < 1:
        raise ValueError(
            f"cannot pool {n_mels} mel bands minus {drop_top_mels} dropped into {n_bands} bands"
        )
    if not 1 <= n_time <= n_frames:
        raise ValueError(f"cannot pool {n_frames} frames into {n_time} time cells")
    if not dynamic_range_db > 0:
        raise ValueError(f"dynamic_range_db must be > 0, got {dynamic_range_db}")
    if chunk_size < 1:
        raise ValueError(f"chunk_size must be >= 1, got {chunk_size}")
    range_nats = np.float32(dynamic_range_db * math.log(10.0) / 10.0)  # power dB -> natural log
    band_edges = _pool_edges(kept_mels, n_bands)
    time_edges = _pool_edges(n_frames, n_time)
    out = np.empty((n, n_bands * n_time), dtype=np.float32)
    for start in range(0, n, chunk_size):
        stop = min(start + chunk_size, n)
        x = np.asarray(features[start:stop], dtype=np.float32)[:, :kept_mels, :]
        if not np.all(np.isfinite(x)):
            bad = start + int(np.flatnonzero(~np.isfinite(x).all(axis=(1, 2)))[0])
            raise ValueError(f"features row {bad} contains NaN or inf")
        flat = x.reshape(x.shape[0], -1)
        kth = int(_REF_QUANTILE * (flat.shape[1] - 1))
        ref = np.partition(flat, kth, axis=1)[:, kth]
        x = np.maximum(x, (ref - range_nats)[:, None, None])
        pooled = _average_pool(_average_pool(x, band_edges, kept_mels, 1), time_edges, n_frames, 2)
        v = _centre_pattern(pooled).reshape(pooled.shape[0], -1)
        norms = np.linalg.norm(v, axis=1, keepdims=True)
        out[start:stop] = np.divide(v, norms, out=np.zeros_like(v), where=norms > _ZERO_NORM)
    return out


def _check_fingerprints(fp: np.ndarray, name: str) -> np.ndarray:
    a = np.asarray(fp, dtype=np.float32)
    if a.ndim != 2:
        raise ValueError(f"{name} must be 2-D (n, f), got shape {a.shape}")
    if not np.all(np.isfinite(a)):
        raise ValueError(f"{name} contains NaN or inf")
    return a


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
    a = _check_fingerprints(fp_a, "fp_a")
    within = fp_b is None
    b = a if within else _check_fingerprints(fp_b, "fp_b")
    if a.shape[1] != b.shape[1]:
        raise ValueError(f"fingerprint lengths differ: {a.shape[1]} vs {b.shape[1]}")
    if not -1.0 <= threshold <= 1.0:
        raise ValueError(f"threshold must be a cosine similarity in [-1, 1], got {threshold}")
    if block_size < 1:
        raise ValueError(f"block_size must be >= 1, got {block_size}")
    found_i: list[np.ndarray] = []
    found_j: list[np.ndarray] = []
    found_s: list[np.ndarray] = []
    thr = np.float32(threshold)
    for i0 in range(0, a.shape[0], block_size):
        block_a = a[i0 : i0 + block_size]
        for j0 in range(i0 if within else 0, b.shape[0], block_size):
            sims = block_a @ b[j0 : j0 + block_size].T
            hit = sims >= thr
            if within and j0 == i0:
                hit &= np.triu(np.ones_like(hit), k=1)
            ii, jj = np.nonzero(hit)
            if ii.shape[0]:
                found_i.append(ii + i0)
                found_j.append(jj + j0)
                found_s.append(sims[ii, jj])
    if not found_i:
        return pd.DataFrame(
            {"i": np.empty(0, np.int64), "j": np.empty(0, np.int64), "similarity": np.empty(0, np.float64)}
        )
    table = pd.DataFrame(
        {
            "i": np.concatenate(found_i).astype(np.int64),
            "j": np.concatenate(found_j).astype(np.int64),
            "similarity": np.clip(np.concatenate(found_s).astype(np.float64), -1.0, 1.0),
        }
    )
    return table.sort_values(["i", "j"], kind="stable").reset_index(drop=True)


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
    parent: dict[int, int] = {}

    def root(v: int) -> int:
        parent.setdefault(v, v)
        while parent[v] != v:
            parent[v] = parent[parent[v]]
            v = parent[v]
        return v

    for a, b in zip(i.tolist(), j.tolist()):
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    members = set(parent)
    return np.array(sorted(v for v in members if root(v) != v), dtype=np.int64)
