"""Content fingerprints of whole recordings, for finding copies across corpora.

LJSpeech is the bonafide source of both FoR and WaveFake, so one recording can
sit in two corpora under different names, with other leading silence, another
gain, another resampling chain and an MP3 round trip (FoR's files are MP3s
converted to WAV). The fingerprint is computed from the decoded audio, not
from the 3 s log-mel cache, so that it can see past leading silence and use a
longer stretch of speech. Per file (:func:`fingerprint_wave`):

1. decode to mono at 16 kHz (:func:`~workflow_scripts.features.audio.load_audio`),
   remove the DC offset;
2. trim leading and trailing silence **relative to the file's own peak**: the
   speech starts at the first sample where the 10 ms moving power is within
   ``trim_db`` (40 dB) of its maximum, and ends at the last such sample. A
   gain scales the power and its maximum alike, so it does not move the cut;
   added digital silence or a codec's delay (MP3 encoder padding) is cut off;
3. log-mel (64 bands, 60 Hz - 5 kHz: MP3 encoders and resampling filters
   differ above that) of the first ``window_s`` (6 s) of the trimmed speech,
   10 ms hop, floored at ``dynamic_range_db`` (50 dB) below the file's own
   99th percentile, so noise and silence sit on a floor that moves with the gain;
4. average-pool to 16 bands x 100 ms cells (60 cells for 6 s), which smooths
   codec noise and offsets of a few ms;
5. per utterance: subtract each band's mean over time (gain, fixed filters,
   the speaker's spectral tilt), each cell's mean over bands (the loudness
   envelope) and each cell's component along the utterance's own centred
   long-term spectrum (otherwise pauses make all recordings of one speaker
   alike); cells past the end of a shorter recording are zero;
6. scale to unit norm, so a dot product is a cosine similarity.

The same is computed with the window started ``lags_ms`` earlier or later (by
default -40, -20, +20, +40 ms): :mod:`workflow_scripts.sampling.duplicates`
takes the best alignment for pairs that come close, which absorbs an onset
found a little earlier or later in one copy (MP3 pre-echo, a faint breath
above the trim level in one copy only).

That vector is only the candidate filter: it is coarse (100 ms x 16 bands), so
different words of one voice ("six" / "sixth", "b" / "d") score as high as
copies. Each row therefore also keeps its **frame sequence**
(:func:`frame_sequence`): 32 log-mel bands (60 Hz - 7 kHz) every 5 ms over the
trimmed sound plus ``frame_margin_s`` either side, in dB above a floor
``frame_floor_db`` below the loudest frames (gain-free, trim-free), with every
bin raised to ``frame_mask_db`` below the loudest bin of its frame and of the
frames just after and shortly before it (what a perceptual codec such as MP3
does not keep), stored as uint8 in ``frame_step_db`` steps. The duplicate scan
aligns two sequences and compares them window by window.

A recording without any sound above digital silence, or that cannot be read,
gets a zero fingerprint and no frames (it matches nothing) and is reported;
every other row, however short its sound, keeps its frames and is checked.

:func:`build_fingerprints` fingerprints given rows and writes an HDF5 file
(layout in docs/architecture.md); :func:`fingerprint_cache` does it for every
row of a log-mel cache (same order, same utt_ids), the audio paths taken from
the manifest. The files are read back by :mod:`workflow_scripts.io.fingerprints`.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import os
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import h5py
import numpy as np
import pandas as pd
import torch
import torchaudio

from workflow_scripts import LABELS
from workflow_scripts.features.audio import AudioError, load_audio
from workflow_scripts.features.cache import QUARANTINE_COLUMNS
from workflow_scripts.io.files import atomic_path, read_tsv
from workflow_scripts.io.fingerprints import FRAME_INDEX_COLUMNS
from workflow_scripts.io.selections import read_cache_table

log = logging.getLogger("workflow_scripts.features.fingerprint")

#: Fingerprint file format version, stored as the ``version`` attribute (2: frame sequences).
FINGERPRINT_VERSION = 2
_STR = h5py.string_dtype("utf-8")
_ZERO_NORM = 1e-6
_REF_QUANTILE = 0.99
_POWER_EPS = 1e-12


@dataclass(frozen=True)
class FingerprintParams:
    """Everything that determines a fingerprint (stored as file attributes)."""

    sample_rate: int = 16000
    #: Seconds of trimmed speech fingerprinted (longer files are cut, shorter ones leave empty
    #: cells).
    window_s: float = 6.0
    #: Speech starts/ends where the 10 ms moving power is within this many dB of its maximum.
    trim_db: float = 40.0
    envelope_ms: float = 10.0
    n_fft: int = 512
    win_length: int = 400
    hop_length: int = 160
    n_mels: int = 64
    f_min: float = 60.0
    f_max: float = 5000.0
    n_bands: int = 16
    #: STFT frames per time cell (10 x 10 ms = 100 ms).
    cell_frames: int = 10
    dynamic_range_db: float = 50.0
    #: Extra alignments tried for close pairs, in ms (multiples of the hop, 10 ms).
    lags_ms: tuple[int, ...] = (-40, -20, 20, 40)
    #: Less trimmed sound than this gives a zero fingerprint (0: any sound is fingerprinted).
    min_active_s: float = 0.0
    #: Decode at most this much audio past the window (long leading silence), seconds.
    max_lead_s: float = 20.0
    #: Frame sequences: hop in samples (5 ms at 16 kHz; alignment error at most half of it).
    frame_hop_length: int = 80
    frame_n_mels: int = 32
    #: Upper band edge of the frames (LAME's MP3 lowpass at 16 kHz is about 7.2 kHz).
    frame_f_max: float = 7000.0
    #: Frame values are dB above this many dB below the mean power of the 3 loudest frames.
    frame_floor_db: float = 60.0
    #: Bins further than this below the loudest bin of their frame, of the frame_mask_frames
    #: after it and of the frame_post_mask_frames before it are raised to that level: codec
    #: noise in spectral valleys, pre-echo before an onset and the noise an encoder leaves
    #: after an offset (its blocks are 36 ms long at 16 kHz) are not compared.
    frame_mask_db: float = 30.0
    frame_mask_frames: int = 2
    frame_post_mask_frames: int = 8
    #: Audio kept either side of the trimmed sound (an onset or a tail near the trim level
    #: may be cut in one copy only).
    frame_margin_s: float = 0.3
    #: Quantisation step of the stored frames (uint8, so values up to 255 steps above the floor).
    frame_step_db: float = 0.25

    def __post_init__(self) -> None:
        for name in (
            "sample_rate",
            "n_fft",
            "win_length",
            "hop_length",
            "n_mels",
            "n_bands",
            "cell_frames",
            "frame_hop_length",
            "frame_n_mels",
        ):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
                raise ValueError(f"fingerprint {name} must be a positive integer, got {value!r}")
        if self.win_length > self.n_fft:
            raise ValueError(
                f"fingerprint win_length ({self.win_length}) must not exceed n_fft ({self.n_fft})"
            )
        if not self.window_s > 0 or self.n_cells < 1:
            raise ValueError(
                f"fingerprint window_s must give at least one time cell, got {self.window_s!r}"
            )
        if not 0 <= self.f_min < self.f_max <= self.sample_rate / 2:
            raise ValueError(
                "fingerprint needs 0 <= f_min < f_max <= sample_rate / 2, "
                f"got {self.f_min}, {self.f_max}"
            )
        if self.n_bands > self.n_mels:
            raise ValueError(f"cannot pool {self.n_mels} mel bands into {self.n_bands} bands")
        if not self.f_min < self.frame_f_max <= self.sample_rate / 2:
            raise ValueError(
                "fingerprint needs f_min < frame_f_max <= sample_rate / 2, "
                f"got {self.f_min}, {self.frame_f_max}"
            )
        if min(self.frame_mask_frames, self.frame_post_mask_frames, self.frame_margin_s) < 0:
            raise ValueError(
                "fingerprint frame_mask_frames, frame_post_mask_frames and frame_margin_s "
                "must be >= 0"
            )
        for name in (
            "trim_db",
            "envelope_ms",
            "dynamic_range_db",
            "frame_floor_db",
            "frame_mask_db",
            "frame_step_db",
        ):
            if not getattr(self, name) > 0:
                raise ValueError(f"fingerprint {name} must be > 0, got {getattr(self, name)!r}")
        if self.min_active_s < 0 or self.max_lead_s < 0:
            raise ValueError("fingerprint min_active_s and max_lead_s must be >= 0")
        step_ms = 1000.0 * self.hop_length / self.sample_rate
        for lag in self.lags_ms:
            if lag == 0 or abs(lag / step_ms - round(lag / step_ms)) > 1e-9:
                raise ValueError(
                    "fingerprint lags_ms must be non-zero multiples of the hop "
                    f"({step_ms:g} ms), got {lag}"
                )
        if len(set(self.lags_ms)) != len(self.lags_ms):
            raise ValueError(f"fingerprint lags_ms repeat a value: {self.lags_ms}")

    @property
    def n_cells(self) -> int:
        """Time cells in the window."""
        return int(round(self.window_s * self.sample_rate / (self.hop_length * self.cell_frames)))

    @property
    def dim(self) -> int:
        """Length of one fingerprint vector."""
        return self.n_bands * self.n_cells

    @property
    def frame_margin(self) -> int:
        """Frames kept either side of the trimmed sound."""
        return int(round(self.frame_margin_s * self.sample_rate / self.frame_hop_length))

    @property
    def lag_frames(self) -> tuple[int, ...]:
        """``lags_ms`` in STFT hops."""
        step_ms = 1000.0 * self.hop_length / self.sample_rate
        return tuple(int(round(lag / step_ms)) for lag in self.lags_ms)

    def attrs(self) -> dict[str, Any]:
        """HDF5-storable attributes (tuples become lists)."""
        return {
            k: list(v) if isinstance(v, tuple) else v for k, v in dataclasses.asdict(self).items()
        }


@dataclass(frozen=True)
class Fingerprint:
    """One recording's fingerprint: ``main`` (dim,) at the trimmed onset, ``lagged``
    (n_lags, dim) at the shifted onsets, and its frame sequence."""

    main: np.ndarray
    lagged: np.ndarray
    #: Trimmed start and end in seconds (at ``sample_rate``); both 0 when nothing was found.
    start_s: float
    end_s: float
    #: Why the fingerprint is zero and has no frames ("" when it is not).
    note: str = ""
    #: (n_frames, frame_n_mels) uint8 frame sequence (:func:`frame_sequence`); 0 rows when
    #: there is no sound.
    frames: np.ndarray = dataclasses.field(
        default_factory=lambda: np.zeros((0, FingerprintParams.frame_n_mels), np.uint8)
    )
    #: First frame of the trimmed sound in ``frames`` and the number of sound frames.
    sound: tuple[int, int] = (0, 0)


@functools.lru_cache(maxsize=4)
def _mel_matrix(params: FingerprintParams) -> np.ndarray:
    """(n_fft // 2 + 1, n_mels) HTK mel filterbank."""
    fb = torchaudio.functional.melscale_fbanks(
        params.n_fft // 2 + 1, params.f_min, params.f_max, params.n_mels, params.sample_rate
    )
    return fb.numpy().astype(np.float32)


@functools.lru_cache(maxsize=4)
def _frame_mel_matrix(params: FingerprintParams) -> np.ndarray:
    """(n_fft // 2 + 1, frame_n_mels) HTK mel filterbank of the frame sequences."""
    fb = torchaudio.functional.melscale_fbanks(
        params.n_fft // 2 + 1,
        params.f_min,
        params.frame_f_max,
        params.frame_n_mels,
        params.sample_rate,
    )
    return fb.numpy().astype(np.float32)


@functools.lru_cache(maxsize=4)
def _window(win_length: int, n_fft: int) -> np.ndarray:
    w = torch.hann_window(win_length, periodic=True).numpy().astype(np.float32)
    left = (n_fft - win_length) // 2
    return np.pad(w, (left, n_fft - win_length - left))


def _pool_edges(size: int, parts: int) -> np.ndarray:
    return np.round(np.linspace(0, size, parts + 1)).astype(np.int64)[:-1]


def trim_bounds(wave: np.ndarray, params: FingerprintParams) -> tuple[int, int]:
    """First and one-past-last sample of the sound, relative to the file's own peak power.

    The power is averaged over ``envelope_ms``; samples where it is within
    ``trim_db`` of its maximum are sound. The wave is taken as silent beyond
    its ends, so sound that starts at the first sample is found half an
    envelope early, as it is in a copy with leading silence: the start can be
    negative and the end past the last sample. ``(0, 0)`` for digital silence.
    """
    width = max(1, int(round(params.envelope_ms * params.sample_rate / 1000.0)))
    half = width // 2
    if np.asarray(wave).shape[0] == 0:
        return 0, 0
    x = np.pad(np.asarray(wave, dtype=np.float64), (half, width))
    n = x.shape[0]
    csum = np.concatenate([[0.0], np.cumsum(x * x)])
    lo = np.clip(np.arange(n) - half, 0, n)
    hi = np.clip(np.arange(n) - half + width, 0, n)
    power = (csum[hi] - csum[lo]) / width
    peak = float(power.max())
    if not peak > 0:
        return 0, 0
    sound = np.flatnonzero(power >= peak * 10.0 ** (-params.trim_db / 10.0))
    return int(sound[0]) - half, int(sound[-1]) + 1 - half


def _log_mel_frames(
    x: np.ndarray, first_sample: int, n_frames: int, params: FingerprintParams
) -> np.ndarray:
    """(n_mels, n_frames) log mel power of frames starting at ``first_sample + f * hop``
    (zeros outside the wave)."""
    hop, n_fft = params.hop_length, params.n_fft
    left = max(0, -first_sample)
    need = first_sample + (n_frames - 1) * hop + n_fft
    seg = x[max(0, first_sample) : max(0, min(x.shape[0], need))]
    buf = np.zeros(n_frames * hop + n_fft, dtype=np.float32)
    buf[left : left + seg.shape[0]] = seg
    with torch.no_grad():
        frames = torch.from_numpy(buf).unfold(0, n_fft, hop)[:n_frames]
        spec = torch.fft.rfft(frames * torch.from_numpy(_window(params.win_length, n_fft)))
        mel = (spec.real.square() + spec.imag.square()) @ torch.from_numpy(_mel_matrix(params))
        return mel.add_(_POWER_EPS).log_().T.numpy()


def _running_max(values: np.ndarray, back: int, ahead: int) -> np.ndarray:
    """Maximum of ``values[t - back : t + ahead + 1]`` at every ``t`` (fewer at the ends)."""
    if back == ahead == 0 or values.shape[0] == 0:
        return values
    padded = np.pad(values, (back, ahead), constant_values=-np.inf)
    return np.lib.stride_tricks.sliding_window_view(padded, back + ahead + 1).max(axis=1)


def frame_sequence(
    x: np.ndarray, start: int, stop: int, params: FingerprintParams
) -> tuple[np.ndarray, tuple[int, int]]:
    """Frame sequence of the sound ``[start, stop)`` of ``x`` (cut at ``window_s``), with
    ``frame_margin_s`` of audio either side: ``(frames, (first sound frame, sound frames))``.

    Frames are centred every ``frame_hop_length`` samples from the trimmed
    onset minus the margin. Values: log-mel power in dB above a floor
    ``frame_floor_db`` below the mean power of the 3 loudest sound frames (a
    gain moves both, trimming a faint tail moves neither); then each bin is
    raised to ``frame_mask_db`` below the loudest bin of its frame, of the
    ``frame_mask_frames`` frames after it and of the
    ``frame_post_mask_frames`` frames before it, so the quantisation noise
    that an MP3 encoder puts into spectral valleys, before onsets and after
    offsets is not compared; stored as uint8 steps of ``frame_step_db``.
    """
    sr, hop, n_fft = params.sample_rate, params.frame_hop_length, params.n_fft
    margin = params.frame_margin
    end = min(stop, start + int(round(params.window_s * sr)))
    n_sound = max(1, -(-(end - start) // hop))
    n_frames = n_sound + 2 * margin
    first = start - margin * hop - n_fft // 2
    seg_lo = max(0, first)
    seg = np.asarray(x[seg_lo : max(seg_lo, first + (n_frames - 1) * hop + n_fft)], np.float32)
    buf = np.zeros((n_frames - 1) * hop + n_fft, dtype=np.float32)
    buf[seg_lo - first : seg_lo - first + seg.shape[0]] = seg
    with torch.no_grad():
        frames = torch.from_numpy(buf).unfold(0, n_fft, hop)
        spec = torch.fft.rfft(frames * torch.from_numpy(_window(params.win_length, n_fft)))
        power = (spec.real.square() + spec.imag.square()) @ torch.from_numpy(
            _frame_mel_matrix(params)
        )
        power = power.double().numpy()
    frame_power = power[margin : margin + n_sound].sum(axis=1)
    loudest = np.sort(frame_power)[-3:].mean()
    if not loudest > 0:
        return np.zeros((n_frames, params.frame_n_mels), np.uint8), (margin, n_sound)
    level = 10.0 * np.log10(np.maximum(power, loudest * 1e-30) / loudest)
    values = np.maximum(level + params.frame_floor_db, 0.0)
    peak = _running_max(values.max(axis=1), params.frame_post_mask_frames, params.frame_mask_frames)
    values = np.maximum(values, (peak - params.frame_mask_db)[:, None])
    steps = np.clip(np.round(values / params.frame_step_db), 0, 255).astype(np.uint8)
    return steps, (margin, n_sound)


def _centre(pooled: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """Remove gain, filters, loudness envelope and the speaker's long-term spectrum from
    (bands, cells): what differs between copies, or is common to one speaker."""
    v = pooled[:, valid]
    band_means = v.mean(axis=1)
    v = v - band_means[:, None]
    v -= v.mean(axis=0, keepdims=True)
    profile = band_means - band_means.mean()
    norm = float(np.linalg.norm(profile))
    if norm > _ZERO_NORM:
        profile /= norm
        v -= profile[:, None] * (profile @ v)[None, :]
    out = np.zeros_like(pooled)
    out[:, valid] = v
    return out


def _unit(v: np.ndarray) -> np.ndarray:
    norm = float(np.linalg.norm(v))
    return (
        (v / norm).astype(np.float32) if norm > _ZERO_NORM else np.zeros_like(v, dtype=np.float32)
    )


def fingerprint_wave(
    wave: np.ndarray, params: FingerprintParams = FingerprintParams()
) -> Fingerprint:
    """Fingerprint of a mono wave at ``params.sample_rate`` (see the module docstring)."""
    x = np.asarray(wave, dtype=np.float32)
    if x.ndim != 1:
        raise ValueError(f"expected a 1-D wave, got shape {x.shape}")
    if not np.all(np.isfinite(x)):
        raise AudioError("non-finite samples (NaN/Inf)")
    x = x - np.float32(x.mean()) if x.size else x
    sr, hop, cell = params.sample_rate, params.hop_length, params.cell_frames
    zeros = np.zeros(params.dim, dtype=np.float32)
    lagged_zero = np.zeros((len(params.lags_ms), params.dim), dtype=np.float32)
    start, stop = trim_bounds(x, params)
    no_frames = np.zeros((0, params.frame_n_mels), np.uint8)
    if stop <= start:
        return Fingerprint(
            zeros, lagged_zero, 0.0, 0.0, "silent: no sample above digital silence", no_frames
        )
    if (stop - start) / sr < params.min_active_s:
        return Fingerprint(
            zeros,
            lagged_zero,
            start / sr,
            stop / sr,
            f"too short: {(stop - start) / sr:.3f} s of sound < {params.min_active_s:g} s",
            no_frames,
        )
    lags = (0, *params.lag_frames)
    lo, hi = min(lags), max(lags)
    n_win = params.n_cells * cell
    logmel = _log_mel_frames(x, start + lo * hop, n_win + hi - lo, params)
    # frames (relative to the trimmed onset) that hold sound: start of the frame before `stop`
    sound_frames = -(-(stop - start) // hop)
    ref_frames = logmel[:, -lo : -lo + min(n_win, sound_frames)]
    flat = ref_frames.reshape(-1)
    kth = int(_REF_QUANTILE * (flat.shape[0] - 1))
    ref = float(np.partition(flat, kth)[kth])
    logmel = np.maximum(logmel, np.float32(ref - params.dynamic_range_db * np.log(10.0) / 10.0))
    band_edges = _pool_edges(params.n_mels, params.n_bands)
    band_widths = np.diff(np.append(band_edges, params.n_mels)).astype(np.float32)
    bands = np.add.reduceat(logmel, band_edges, axis=0) / band_widths[:, None]
    out = []
    for lag in lags:
        first = lag - lo
        block = (
            bands[:, first : first + n_win]
            .reshape(params.n_bands, params.n_cells, cell)
            .mean(axis=2)
        )
        valid = np.arange(params.n_cells) * cell + lag < sound_frames
        out.append(_unit(_centre(block, valid).reshape(-1)) if valid.sum() >= 2 else zeros)
    frames, sound = frame_sequence(x, start, stop, params)
    return Fingerprint(
        out[0],
        np.stack(out[1:]) if len(out) > 1 else lagged_zero,
        start / sr,
        stop / sr,
        frames=frames,
        sound=sound,
    )


def fingerprint_file(
    path: str | os.PathLike[str], params: FingerprintParams = FingerprintParams()
) -> Fingerprint:
    """Decode ``path`` (any rate, channels averaged, resampled) and fingerprint it.

    Raises :class:`AudioError` when the file cannot be read.
    """
    max_samples = int(
        round((params.window_s + params.max_lead_s + params.frame_margin_s) * params.sample_rate)
    )
    wave = load_audio(path, params.sample_rate, max_samples=max_samples)
    return fingerprint_wave(wave[:max_samples], params)


# ------------------------------------------------------------------ files
@dataclass(frozen=True)
class FingerprintSummary:
    """What :func:`build_fingerprints` did: rows written, and the rows it could not fingerprint."""

    n_rows: int
    #: (utt_id, path, stage, reason) of rows with a zero fingerprint (unreadable, silent,
    #: too short).
    unchecked: list[tuple[str, str, str, str]]

    def unchecked_table(self) -> pd.DataFrame:
        """The unchecked rows with the quarantine lists' columns, so they gather with them."""
        return pd.DataFrame(self.unchecked, columns=QUARANTINE_COLUMNS)


#: ``stage`` of the rows listed as unchecked (same columns as the quarantine lists).
UNCHECKED_STAGE = "fingerprint"
#: Frames per HDF5 chunk of ``frames`` (32 bands: 64 KiB).
FRAME_CHUNK = 2048


def _fingerprint_batch(paths: Sequence[str], params: FingerprintParams) -> list[Fingerprint]:
    out = []
    for path in paths:
        try:
            out.append(fingerprint_file(path, params))
        except AudioError as err:
            zeros = np.zeros(params.dim, dtype=np.float32)
            lagged = np.zeros((len(params.lags_ms), params.dim), dtype=np.float32)
            no_frames = np.zeros((0, params.frame_n_mels), np.uint8)
            out.append(Fingerprint(zeros, lagged, 0.0, 0.0, err.reason, no_frames))
    return out


def _iter_fingerprints(
    paths: Sequence[str], params: FingerprintParams, workers: int, batch_size: int
) -> Iterator[tuple[int, list[Fingerprint]]]:
    """(first row, fingerprints) of consecutive batches, in order, ``workers`` batches at a time."""
    starts = list(range(0, len(paths), batch_size))
    with ThreadPoolExecutor(
        max_workers=workers, initializer=torch.set_num_threads, initargs=(1,)
    ) as pool:
        pending: list[tuple[int, Any]] = []
        k = 0
        while k < len(starts) or pending:
            while k < len(starts) and len(pending) < 2 * workers:
                s = starts[k]
                pending.append(
                    (s, pool.submit(_fingerprint_batch, paths[s : s + batch_size], params))
                )
                k += 1
            s, future = pending.pop(0)
            yield s, future.result()


def build_fingerprints(
    utt_ids: Sequence[str],
    paths: Sequence[str],
    labels: np.ndarray,
    attacks: Sequence[str],
    out_path: str | os.PathLike[str],
    params: FingerprintParams = FingerprintParams(),
    *,
    dataset: str,
    split: str,
    workers: int = 1,
    batch_size: int = 16,
    progress: Any = None,
) -> FingerprintSummary:
    """Fingerprint ``paths`` in this order and write the HDF5 file atomically.

    Rows are exactly the given ones (the caller passes a cache's rows, so the
    two files align row by row). A row that cannot be fingerprinted
    (unreadable, silent) keeps its place with a zero fingerprint and no
    frames, which matches nothing, and is listed in the summary. The frame
    sequences of all rows are stacked in ``frames`` (lzf-compressed), found
    through ``frame_index`` (:data:`FRAME_INDEX_COLUMNS`). ``progress`` is
    called as ``progress(done, total)`` after each batch.
    """
    n = len(utt_ids)
    if not (len(paths) == len(attacks) == len(labels) == n):
        raise ValueError(
            f"utt_ids ({n}), paths ({len(paths)}), labels ({len(labels)}) and attacks "
            f"({len(attacks)}) differ in length"
        )
    if workers < 1 or batch_size < 1:
        raise ValueError(f"workers and batch_size must be >= 1, got {workers} and {batch_size}")
    n_lags = len(params.lags_ms)
    unchecked: list[tuple[str, str, str, str]] = []
    with atomic_path(out_path) as tmp, h5py.File(tmp, "w") as h5:
        main = h5.create_dataset(
            "fingerprint",
            shape=(n, params.dim),
            dtype=np.float32,
            chunks=(min(n, 256), params.dim) if n else None,
        )
        lagged = h5.create_dataset(
            "lagged",
            shape=(n, n_lags, params.dim),
            dtype=np.float16,
            chunks=(1, n_lags, params.dim) if n and n_lags else None,
        )
        frames = h5.create_dataset(
            "frames",
            shape=(0, params.frame_n_mels),
            maxshape=(None, params.frame_n_mels),
            dtype=np.uint8,
            chunks=(FRAME_CHUNK, params.frame_n_mels),
            compression="lzf",
        )
        frame_index = np.zeros((n, len(FRAME_INDEX_COLUMNS)), dtype=np.int64)
        bounds = np.zeros((n, 2), dtype=np.float32)
        for start, batch in _iter_fingerprints(list(paths), params, workers, batch_size):
            stop = start + len(batch)
            main[start:stop] = np.stack([f.main for f in batch])
            if n_lags:
                lagged[start:stop] = np.stack([f.lagged for f in batch]).astype(np.float16)
            bounds[start:stop] = [(f.start_s, f.end_s) for f in batch]
            offset = frames.shape[0]
            block = np.concatenate([f.frames for f in batch], axis=0)
            frames.resize(offset + block.shape[0], axis=0)
            frames[offset:] = block
            for k, f in enumerate(batch):
                frame_index[start + k] = (offset, f.frames.shape[0], *f.sound)
                offset += f.frames.shape[0]
            for k, f in enumerate(batch):
                if f.note:
                    unchecked.append(
                        (str(utt_ids[start + k]), str(paths[start + k]), UNCHECKED_STAGE, f.note)
                    )
            if progress is not None:
                progress(stop, n)
        h5.create_dataset(
            "utt_id", data=np.array([str(u) for u in utt_ids], dtype=object), dtype=_STR
        )
        h5.create_dataset("label", data=np.asarray(labels, dtype=np.int8))
        h5.create_dataset(
            "attack", data=np.array([str(a) for a in attacks], dtype=object), dtype=_STR
        )
        h5.create_dataset("trim_s", data=bounds)
        h5.create_dataset("frame_index", data=frame_index)
        h5.attrs.update(params.attrs())
        h5.attrs.update(
            {
                "dataset": dataset,
                "split": split,
                "dim": params.dim,
                "n_unchecked": len(unchecked),
                "version": FINGERPRINT_VERSION,
            }
        )
    return FingerprintSummary(n_rows=n, unchecked=unchecked)


# ------------------------------------------------------------------ a cache's rows
def cache_audio_paths(cache: pd.DataFrame, manifest: pd.DataFrame, where: str) -> list[str]:
    """Audio path of every cache row, from the manifest rows of the cache's dataset and split.

    A cache row missing from the manifest is an error naming a few, since the
    fingerprint file must align with the cache row by row.
    """
    missing = [c for c in ("utt_id", "path") if c not in manifest.columns]
    if missing:
        raise ValueError(f"{where}: manifest lacks column(s) {missing}")
    rows = manifest
    for key in ("dataset", "split"):
        if key in manifest.columns:
            rows = rows[rows[key] == cache.attrs[key]]
    lookup = dict(zip(rows["utt_id"].astype(str), rows["path"].astype(str), strict=True))
    absent = [u for u in cache["utt_id"] if u not in lookup]
    if absent:
        raise ValueError(
            f"{where}: {len(absent)} cache row(s) are not in the manifest for "
            f"{cache.attrs['dataset']}:{cache.attrs['split']}, e.g. {absent[:3]}"
        )
    return [lookup[u] for u in cache["utt_id"]]


class _ProgressLog:
    """``progress(done, total)`` that logs about every 5% with the rate (long runs show life)."""

    def __init__(self, total: int) -> None:
        self.start = time.monotonic()
        self.step = max(1, total // 20)
        self.next = self.step

    def __call__(self, done: int, total: int) -> None:
        if done >= self.next or done == total:
            rate = done / max(time.monotonic() - self.start, 1e-9)
            log.info("%d/%d files (%.1f files/s)", done, total, rate)
            while self.next <= done:
                self.next += self.step


def fingerprint_cache(
    cache_path: str | os.PathLike[str],
    manifest_path: str | os.PathLike[str],
    out_path: str | os.PathLike[str],
    params: FingerprintParams = FingerprintParams(),
    *,
    workers: int = 1,
) -> FingerprintSummary:
    """Fingerprint every row of a log-mel cache, in the cache's order, into ``out_path``.

    The cache's utt_ids, labels and attacks are copied, so quarantined audio is
    already left out (and listed in the cache's quarantine list); each row's
    audio comes from the manifest (:func:`cache_audio_paths`).
    """
    cache = read_cache_table(cache_path)
    paths = cache_audio_paths(cache, read_tsv(manifest_path), str(manifest_path))
    dataset, split = cache.attrs["dataset"], cache.attrs["split"]
    log.info(
        "fingerprinting %d rows of %s (%s:%s), window %.3g s, %d thread(s)",
        len(cache),
        cache_path,
        dataset,
        split,
        params.window_s,
        workers,
    )
    return build_fingerprints(
        cache["utt_id"].tolist(),
        paths,
        np.array([LABELS[x] for x in cache["label"]], dtype=np.int8),
        cache["attack"].tolist(),
        out_path,
        params,
        dataset=dataset,
        split=split,
        workers=workers,
        progress=_ProgressLog(len(cache)),
    )
