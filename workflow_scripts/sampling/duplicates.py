"""Matching content fingerprints to find copies of one recording (numpy only).

LJSpeech is the bonafide source of both FoR and WaveFake, so one recording
can sit in two datasets under different names, with other leading silence,
another gain, another resampling chain and an MP3 round trip. Experiment 3
must not train on one copy and evaluate on the other, so copies are found by
content. The fingerprints themselves are computed from the audio in the
features layer (:mod:`workflow_scripts.features.fingerprint`): a coarse unit
vector per row (``main``, plus ``lagged`` ones at shifted onsets), and the
row's frame sequence.

The search has two stages. The vectors find **candidates** cheaply: every
pair is scored, and a comparable pair whose similarity (after the lag search)
reaches ``candidate_from`` is a candidate. The vectors cannot tell different
words of one voice apart ("six" / "sixth" score as high as copies), so every
candidate is **confirmed** by its frames (:func:`frame_similarity`): the two
sequences are aligned, and every 50 ms window of the union of their sound must
agree. Rows too short for a vector are compared by frames with every row of
similar length (:func:`short_row_pairs`), so no row with sound goes unchecked.

* :func:`find_duplicates` - all pairs with vector cosine similarity >= threshold
  (exact, blocked float32 matrix products, no hashing, so no missed pairs);
* :func:`scan_similarities` - the same scan with a lag search for close
  pairs, a restriction to comparable pairs, a similarity histogram and each
  row's best match;
* :func:`frame_similarity` / :func:`confirm_pairs` - the time-aware check;
* :func:`scan_files` - both stages over fingerprint files, within each and
  across any two, restricted to pairs that can be copies (same label; for
  spoofs the same attack), and :func:`scan_summary`, the threshold picture it
  gives (what the ``find_duplicates`` command writes);
* :func:`dedup_indices` - which rows to drop so no pair remains.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

import numpy as np
import pandas as pd

from workflow_scripts.io.fingerprints import FingerprintSet
from workflow_scripts.io.selections import DUPLICATE_COLUMNS

#: A hashable, orderable item joined by :func:`connected_components` (row index or row key).
K = TypeVar("K", bound=Any)

#: Frame similarity (:func:`frame_similarity`: 1 - the worst window's RMS dB difference /
#: ``frame_floor_db``) at or above which a candidate pair is one recording. 0.9 is a 6 dB RMS
#: difference; measured (docs/sampling.md): edited copies of one TTS voice >= 0.937, minimal
#: pairs of that voice ("m" / "n", "six" / "sixth") <= 0.881.
DEFAULT_THRESHOLD = 0.9
#: Candidate-vector similarity (after the lag search) from which a comparable pair is
#: confirmed by its frames. Edited copies score >= 0.96 (docs/sampling.md).
DEFAULT_CANDIDATE_FROM = 0.5
#: Pairs whose aligned vector similarity reaches this get the lag search.
DEFAULT_REFINE_FROM = 0.5
#: Vector similarity the search before frame confirmation took as a copy: candidates from
#: here that the frames reject are counted (``vector_only_matches``), as are matches across
#: labels or attacks.
VECTOR_MATCH = 0.9
DEFAULT_N_BINS = 20
#: How many closest-below / weakest-above pairs the summary lists.
N_LISTED = 20
#: Width of the windows that must agree frame by frame, seconds.
FRAME_WINDOW_S = 0.05
#: Shifts tried around the best correlation of two frame sequences, frames, and the parts of
#: a frame tried in between (by interpolating the second sequence's log-mel frames).
FRAME_REFINE = 2
FRAME_FRACTIONS = (0.0, 0.25, 0.5, 0.75)
#: A row without a candidate vector is compared with rows of at most this many times its
#: sound frames plus :data:`SHORT_SLACK_S` (a copy has the same sound, up to trimming).
SHORT_RATIO = 2.0
SHORT_SLACK_S = 0.1


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


# ------------------------------------------------------------------ frame sequences
@dataclass(frozen=True)
class FrameSettings:
    """How two frame sequences are compared (from a fingerprint file's attributes)."""

    #: dB per stored step, and the floor the values are measured from (the similarity scale).
    step_db: float
    floor_db: float
    #: Frames per compared window, and the largest shift between the trimmed onsets searched.
    window: int
    max_lag: int
    #: Frames per second.
    rate: float

    def frames(self, seconds: float) -> int:
        """``seconds`` in frames."""
        return int(round(seconds * self.rate))

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> FrameSettings:
        """Settings for frames written with ``params`` (a fingerprint file's attributes)."""
        missing = [
            k
            for k in (
                "sample_rate",
                "frame_hop_length",
                "frame_floor_db",
                "frame_step_db",
                "frame_margin_s",
            )
            if k not in params
        ]
        if missing:
            raise ValueError(f"fingerprint parameters lack {missing} (re-run make_fingerprints)")
        rate = float(params["sample_rate"]) / float(params["frame_hop_length"])
        return cls(
            step_db=float(params["frame_step_db"]),
            floor_db=float(params["frame_floor_db"]),
            window=max(1, int(round(FRAME_WINDOW_S * rate))),
            max_lag=int(round(float(params["frame_margin_s"]) * rate)),
            rate=rate,
        )


def _worst_window_rms(
    a: np.ndarray, b: np.ndarray, lag: int, span_a: tuple[int, int], span_b: tuple[int, int], w: int
) -> float:
    """RMS dB difference of the worst ``w``-frame window, frame ``t`` of ``a`` against frame
    ``t + lag`` of ``b``, over the union of the two sound spans (frames outside a sequence are
    at the floor, 0)."""
    lo = min(span_a[0], span_b[0] - lag)
    hi = max(span_a[1], span_b[1] - lag)
    pa = np.zeros((hi - lo, a.shape[1]), dtype=np.float32)
    pb = np.zeros_like(pa)
    ka0, ka1 = max(0, lo), min(a.shape[0], hi)
    pa[ka0 - lo : ka1 - lo] = a[ka0:ka1]
    kb0, kb1 = max(0, lo + lag), min(b.shape[0], hi + lag)
    pb[kb0 - lag - lo : kb1 - lag - lo] = b[kb0:kb1]
    diff = np.square(pa - pb).sum(axis=1, dtype=np.float64)
    n = diff.shape[0]
    if n <= w:
        return float(np.sqrt(diff.sum() / (max(n, 1) * a.shape[1])))
    sums = np.convolve(diff, np.ones(w), mode="valid")
    return float(np.sqrt(sums.max() / (w * a.shape[1])))


def frame_similarity(
    a: np.ndarray,
    sound_a: tuple[int, int],
    b: np.ndarray,
    sound_b: tuple[int, int],
    settings: FrameSettings,
) -> tuple[float, float]:
    """Time-aware similarity of two frame sequences: ``(similarity, shift in frames)``.

    ``a`` / ``b`` are (frames, bands) uint8 sequences, ``sound_*`` their
    (first sound frame, sound frames). The shift of ``b`` against ``a`` is the
    peak of their cross-correlation (summed over bands) within
    ``settings.max_lag`` frames of the trimmed onsets, refined by trying
    :data:`FRAME_REFINE` frames either side, then quarter frames either side
    of the best of those (the shift with the best worst window is kept: two
    copies' onsets are found a part of a 5 ms hop apart). At that shift, every
    window of ``settings.window`` frames (50 ms) of the union of the two sound
    spans is compared; the similarity is ``1 - worst window's RMS dB
    difference / floor_db``, so 1 is identical, 0.9 a 6 dB RMS difference
    (for the 60 dB floor), and one differing phoneme or burst of 50 ms is
    enough to fail, however long the clips.
    """
    if a.ndim != 2 or b.ndim != 2 or a.shape[1] != b.shape[1]:
        raise ValueError(f"frame sequences must be (frames, bands) alike, got {a.shape}, {b.shape}")
    if sound_a[1] <= 0 or sound_b[1] <= 0:
        return float("nan"), 0.0
    fa = a.astype(np.float32) * np.float32(settings.step_db)
    fb = b.astype(np.float32) * np.float32(settings.step_db)
    base = sound_b[0] - sound_a[0]
    size = 1 << int(np.ceil(np.log2(fa.shape[0] + fb.shape[0])))
    spec = np.fft.rfft(fa, size, axis=0) * np.conj(np.fft.rfft(fb, size, axis=0))
    corr = np.fft.irfft(spec.sum(axis=1), size)  # corr[k] = sum_t a[t + k] b[t]
    lags = np.arange(base - settings.max_lag, base + settings.max_lag + 1)
    best = int(lags[np.argmax(corr[(-lags) % size])])
    span_a = (sound_a[0], sound_a[0] + sound_a[1])
    span_b = (sound_b[0], sound_b[0] + sound_b[1])
    following = np.concatenate([fb[1:], np.zeros_like(fb[:1])])

    def worst(shift: float) -> tuple[float, float, float]:
        """(worst window's RMS, distance from the correlation peak, shift) of ``b`` read
        ``shift`` frames on: whole frames, then parts of one by interpolating its frames."""
        lag = int(np.floor(shift))
        step = shift - lag
        fb_step = fb if step == 0 else (1.0 - step) * fb + step * following
        rms = _worst_window_rms(fa, fb_step, lag, span_a, span_b, settings.window)
        return rms, abs(shift - best), shift

    def allowed(shift: float) -> bool:
        return abs(shift - base) <= settings.max_lag

    whole = min(
        worst(float(lag))
        for lag in range(best - FRAME_REFINE, best + FRAME_REFINE + 1)
        if allowed(lag)
    )
    parts = [whole[2] + d + f for d in (-1, 0) for f in FRAME_FRACTIONS[1:]]
    tried = [whole, *(worst(shift) for shift in parts if allowed(shift))]
    rms, _, shift = min(tried)
    return 1.0 - rms / settings.floor_db, shift - base


class _RowCache:
    """Frames of one fingerprint set's rows, read once per batch of pairs."""

    def __init__(self, fp: FingerprintSet) -> None:
        self.fp = fp
        self.rows: dict[int, tuple[np.ndarray, int, int]] = {}

    def load(self, rows: np.ndarray) -> None:
        wanted = sorted(set(rows.tolist()))
        self.rows = {r: self.rows[r] for r in wanted if r in self.rows}
        for r in wanted:  # ascending: the stacked frames are read front to back
            if r not in self.rows:
                self.rows[r] = self.fp.row_frames(r)

    def __getitem__(self, row: int) -> tuple[np.ndarray, int, int]:
        return self.rows[row]


def confirm_pairs(
    set_a: FingerprintSet,
    set_b: FingerprintSet,
    i: np.ndarray,
    j: np.ndarray,
    settings: FrameSettings,
    batch: int = 2048,
) -> np.ndarray:
    """:func:`frame_similarity` of rows ``i`` of ``set_a`` with rows ``j`` of ``set_b``
    (float64, NaN where a row has no frames). Pairs are taken in batches, each reading its
    rows' frames once."""
    out = np.full(i.shape[0], np.nan, dtype=np.float64)
    order = np.lexsort((j, i))
    cache_a, cache_b = _RowCache(set_a), _RowCache(set_b)
    for s in range(0, order.shape[0], batch):
        part = order[s : s + batch]
        cache_a.load(i[part])
        cache_b.load(j[part])
        for k in part:
            fa, start_a, n_a = cache_a[int(i[k])]
            fb, start_b, n_b = cache_b[int(j[k])]
            out[k] = frame_similarity(fa, (start_a, n_a), fb, (start_b, n_b), settings)[0]
    return out


def short_row_pairs(
    sound_a: np.ndarray,
    short_a: np.ndarray,
    sound_b: np.ndarray,
    short_b: np.ndarray,
    *,
    within: bool,
    slack_frames: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Pairs ``(i, j)`` with a row that has no candidate vector (``short_*``) on either side
    and a row of similar length on the other: at most :data:`SHORT_RATIO` times the short
    row's sound frames plus ``slack_frames``, and at least its inverse. Rows with
    ``sound == 0`` take no part; within one set ``i < j``."""
    pairs: set[tuple[int, int]] = set()

    def near(n: int, sound: np.ndarray) -> np.ndarray:
        hi = SHORT_RATIO * n + slack_frames
        lo = (n - slack_frames) / SHORT_RATIO
        return np.flatnonzero((sound > 0) & (sound <= hi) & (sound >= lo))

    for r in np.flatnonzero(short_a & (sound_a > 0)):
        pairs.update((int(r), int(c)) for c in near(int(sound_a[r]), sound_b))
    for c in np.flatnonzero(short_b & (sound_b > 0)):
        pairs.update((int(r), int(c)) for r in near(int(sound_b[c]), sound_a))
    if within:
        pairs = {(min(p), max(p)) for p in pairs if p[0] != p[1]}
    ordered = sorted(pairs)
    i = np.array([p[0] for p in ordered], dtype=np.int64)
    j = np.array([p[1] for p in ordered], dtype=np.int64)
    return i, j


def pair_table(hits: pd.DataFrame, meta_a: pd.DataFrame, meta_b: pd.DataFrame) -> pd.DataFrame:
    """Row-index pairs (``i``, ``j``, ``similarity``) -> named duplicate pairs; a
    ``vector_similarity`` column of ``hits`` is kept after them."""
    a = meta_a.iloc[hits["i"].to_numpy()]
    b = meta_b.iloc[hits["j"].to_numpy()]
    table = pd.DataFrame(
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
    if "vector_similarity" in hits.columns:
        table["vector_similarity"] = hits["vector_similarity"].to_numpy(dtype=np.float64)
    return table


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
    candidate_from: float = DEFAULT_CANDIDATE_FROM,
    refine_from: float = DEFAULT_REFINE_FROM,
    n_bins: int = DEFAULT_N_BINS,
) -> tuple[pd.DataFrame, list[dict[str, Any]], dict[str, Any]]:
    """All duplicate pairs within and across fingerprint files, per file-pair counts, and the
    overall picture.

    Stage 1 scores every pair's candidate vectors (:func:`scan_similarities`);
    comparable pairs from ``candidate_from`` are candidates. Stage 2 confirms
    each candidate by its frames (:func:`confirm_pairs`): a duplicate has
    frame similarity >= ``threshold``. Rows without a vector (under about
    0.1 s of sound) are candidates with every comparable row of similar
    length (:func:`short_row_pairs`). The pair table's ``similarity`` is the
    frame similarity.

    Only pairs of the same label are duplicates: a vocoded spoof keeps its
    source's spectro-temporal pattern (on the demo corpus WaveFake's fakes
    match their LJSpeech originals at up to 0.998, as close as an MP3 copy),
    and such a pair is the same sentence in two classes, not one recording
    in two places. Likewise two spoofs of one sentence made by *different*
    attacks (WaveFake vocodes every LJSpeech utterance with every vocoder)
    are different fakes, not copies: spoof pairs must share the attack id,
    unless one of them is unknown (``-``, e.g. FoR), where the content
    decides. Vector matches (>= :data:`VECTOR_MATCH`) across labels or
    attacks are only counted (``cross_label_matches``,
    ``cross_attack_matches``). Rows without frames (silent, unreadable) are
    compared with nothing.

    Returns the pair table, per file-pair stats, and ``overall``: the
    histograms, ``near_misses`` (the candidates closest below the threshold),
    ``vector_only`` (rejected candidates whose vectors reach
    :data:`VECTOR_MATCH`, highest first) and ``weakest_pairs`` (lowest pairs
    found), as tables.
    """
    settings = FrameSettings.from_params(sets[0].params) if sets else None
    labels, attacks = _codes(sets)
    checked = [s.checked for s in sets]
    found: list[pd.DataFrame] = []
    below: list[pd.DataFrame] = []
    stats: list[dict[str, Any]] = []
    hist_pairs = np.zeros(n_bins, dtype=np.int64)
    hist_frames = np.zeros(n_bins, dtype=np.int64)
    best = [np.full(len(s.meta), np.nan) for s in sets]
    for ia in range(len(sets)):
        for ib in range(ia, len(sets)):
            within = ia == ib

            def pair_ok(ra: np.ndarray, rb: np.ndarray, ia: int = ia, ib: int = ib) -> np.ndarray:
                """Elementwise (broadcasting): may rows ``ra`` of set ia and ``rb`` of ib be
                copies?"""
                la, lb = labels[ia][ra], labels[ib][rb]
                aa, ab = attacks[ia][ra], attacks[ib][rb]
                same_source = (la == 1) | (aa == ab) | (aa < 0) | (ab < 0)
                return (la == lb) & same_source & checked[ia][ra] & checked[ib][rb]

            def comparable(ra: np.ndarray, rb: np.ndarray, ok: Any = pair_ok) -> np.ndarray:
                return ok(ra[:, None], rb[None, :])

            lagged = (sets[ia].lagged, None if within else sets[ib].lagged)
            use_lags = lagged[0] is not None and (within or lagged[1] is not None)
            scan = scan_similarities(
                sets[ia].main,
                None if within else sets[ib].main,
                keep_from=min(candidate_from, VECTOR_MATCH),
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
            vector_match = (hits["similarity"] >= np.float32(VECTOR_MATCH)).to_numpy()
            ok = hits["comparable"].to_numpy(dtype=bool)
            by_vector = hits[ok & (hits["similarity"] >= np.float32(candidate_from)).to_numpy()]
            si, sj = short_row_pairs(
                sets[ia].sound_frames,
                checked[ia] & ~sets[ia].has_vector,
                sets[ib].sound_frames,
                checked[ib] & ~sets[ib].has_vector,
                within=within,
                slack_frames=settings.frames(SHORT_SLACK_S) if settings else 0,
            )
            keep = pair_ok(si, sj)
            si, sj = si[keep], sj[keep]
            short = pd.DataFrame({"i": si, "j": sj, "similarity": np.nan})
            candidates = pd.concat(
                [by_vector[["i", "j", "similarity"]], short], ignore_index=True
            ).rename(columns={"similarity": "vector_similarity"})
            frame_sim = (
                confirm_pairs(
                    sets[ia],
                    sets[ib],
                    candidates["i"].to_numpy(np.int64),
                    candidates["j"].to_numpy(np.int64),
                    settings,
                )
                if len(candidates) and settings is not None
                else np.empty(0)
            )
            candidates["similarity"] = frame_sim
            hist_frames += np.bincount(
                _bin(frame_sim[np.isfinite(frame_sim)], n_bins), minlength=n_bins
            )
            accepted = (frame_sim >= threshold) & np.isfinite(frame_sim)
            pairs = pair_table(candidates[accepted], sets[ia].meta, sets[ib].meta)
            near = pair_table(candidates[~accepted], sets[ia].meta, sets[ib].meta)
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
                    "candidates": int(len(candidates)),
                    "candidates_without_vector": int(len(short)),
                    "rejected_by_frames": int(np.sum(~accepted)),
                    "vector_only_matches": int(
                        np.sum((candidates["vector_similarity"] >= VECTOR_MATCH) & ~accepted)
                    ),
                    "cross_label_matches": int(np.sum(vector_match & ~same_label)),
                    "cross_attack_matches": int(np.sum(vector_match & same_label & ~ok)),
                    "min_pair_similarity": float(pairs["similarity"].min()) if len(pairs) else None,
                    "max_rejected_similarity": float(near["similarity"].max())
                    if len(near)
                    else None,
                }
            )
    columns = [*DUPLICATE_COLUMNS, "vector_similarity"]
    empty = pd.DataFrame(columns=columns)
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
        "candidates_by_frame_similarity": hist_frames.tolist(),
        "near_misses": near_all.sort_values("similarity", ascending=False, kind="stable").head(
            N_LISTED
        ),
        "vector_only": near_all[near_all["vector_similarity"] >= VECTOR_MATCH]
        .sort_values("vector_similarity", ascending=False, kind="stable")
        .head(N_LISTED),
        "weakest_pairs": table.sort_values("similarity", kind="stable").head(N_LISTED),
    }
    return table[list(DUPLICATE_COLUMNS)], stats, overall


def _records(table: pd.DataFrame) -> list[dict[str, Any]]:
    """Listed pairs for the JSON summary: names as text, similarities to 6 decimals (the
    vector similarity ``None`` for a row without a vector)."""
    names = DUPLICATE_COLUMNS[:-1]
    out = []
    for row in table.to_dict("records"):
        record = {k: str(row[k]) for k in names}
        record["similarity"] = _round(row["similarity"])
        if "vector_similarity" in row:
            record["vector_similarity"] = _round(row["vector_similarity"])
        out.append(record)
    return out


def _round(value: Any) -> float | None:
    value = float(value)
    return round(value, 6) if np.isfinite(value) else None


def scan_summary(
    sets: Sequence[FingerprintSet],
    pairs: pd.DataFrame,
    stats: list[dict[str, Any]],
    overall: dict[str, Any],
    *,
    threshold: float,
    candidate_from: float,
) -> dict[str, Any]:
    """The summary of a :func:`scan_files` run, so the threshold can be checked on real data.

    The settings and fingerprint parameters, each file with its rows and
    unchecked rows (no frames: silent or unreadable; ``rows_unchecked`` is
    their total), the rows checked by frames only (no vector), the pair
    count, per file pair :func:`scan_files`' counts, the similarity
    histograms, and the listed near misses, vector-only matches (what the
    vectors alone would have merged) and weakest pairs.
    """
    unchecked = [int((~s.checked).sum()) for s in sets]
    without_vector = [int((s.checked & ~s.has_vector).sum()) for s in sets]
    histogram_keys = (
        "bin_edges",
        "all_compared_pairs",
        "best_match_per_row",
        "rows_with_a_comparable_row",
        "candidates_by_frame_similarity",
    )
    settings = FrameSettings.from_params(sets[0].params) if sets else None
    return {
        "threshold": float(threshold),
        "similarity": "frames: 1 - worst 50 ms window's RMS dB difference / frame_floor_db",
        "candidate_from": float(candidate_from),
        "lag_search_from": DEFAULT_REFINE_FROM,
        "vector_match": VECTOR_MATCH,
        "frame_window": settings.window if settings else None,
        "fingerprint_params": sets[0].params if sets else {},
        "fingerprint_files": [
            {
                "dataset": s.meta.attrs["dataset"],
                "split": s.meta.attrs["split"],
                "path": str(s.path),
                "rows": int(len(s.meta)),
                "unchecked": n,
                "checked_by_frames_only": m,
            }
            for s, n, m in zip(sets, unchecked, without_vector, strict=True)
        ],
        "rows_scanned": int(sum(len(s.meta) for s in sets)),
        "rows_unchecked": int(sum(unchecked)),
        "rows_checked_by_frames_only": int(sum(without_vector)),
        "candidates": int(sum(s["candidates"] for s in stats)),
        "rejected_by_frames": int(sum(s["rejected_by_frames"] for s in stats)),
        "vector_only_matches": int(sum(s["vector_only_matches"] for s in stats)),
        "pairs": int(len(pairs)),
        "pairs_per_cache_pair": stats,
        "similarity_histogram": {k: overall[k] for k in histogram_keys},
        "near_misses": _records(overall["near_misses"]),
        "vector_only_examples": _records(overall["vector_only"]),
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
