"""Audio decoding, resampling and fixed-length cropping (the front end's first half).

Decoding uses soundfile (libsndfile: FLAC, WAV, OGG, MP3, ...); torchaudio is
used only for resampling. Every problem a single file can have is raised as
:class:`AudioError` with a short reason, so the cache builder can quarantine the
file and go on with the rest of the corpus.
"""

from __future__ import annotations

import functools
import hashlib
import math
import os
from typing import Literal

import numpy as np
import soundfile as sf
import torch
import torchaudio

TrimPolicy = Literal["start", "center", "random"]
PadPolicy = Literal["repeat", "zero"]
TRIM_POLICIES: tuple[str, ...] = ("start", "center", "random")
PAD_POLICIES: tuple[str, ...] = ("repeat", "zero")


class AudioError(Exception):
    """A file that cannot become a feature; ``reason`` is the short text for the quarantine list."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class _SincResampler:
    """torchaudio's sinc resampler for one rate pair, applied as a single matrix product.

    The filter is exactly ``torchaudio.transforms.Resample``'s kernel (built
    once per rate pair and cached). ``Resample.forward`` applies it as a strided
    ``conv1d``; for ratios with many output phases (22.05 or 44.1 kHz -> 16 kHz)
    that is about twice slower on CPU than the equivalent ``unfold`` + matmul
    used here, while for few phases (48 -> 16 kHz) the conv is as fast or
    faster and is kept. Outputs agree to float rounding (tested).
    """

    #: Below this many output phases the matmul degenerates to a slow matrix-vector product.
    MIN_PHASES_FOR_MATMUL = 16

    def __init__(self, orig_sr: int, target_sr: int) -> None:
        transform = torchaudio.transforms.Resample(orig_freq=orig_sr, new_freq=target_sr)
        self.transform = transform
        self.orig = orig_sr // transform.gcd
        self.new = target_sr // transform.gcd
        self.width = int(transform.width)
        # (new, 1, taps) -> (taps, new): one column per output phase
        self.weight = transform.kernel[:, 0, :].T.contiguous()

    def __call__(self, wave: torch.Tensor) -> torch.Tensor:
        if self.new < self.MIN_PHASES_FOR_MATMUL:
            return self.transform(wave)
        length = wave.shape[-1]
        padded = torch.nn.functional.pad(wave[None], (self.width, self.width + self.orig))[0]
        frames = padded.unfold(0, self.weight.shape[0], self.orig)
        out = (frames @ self.weight).reshape(-1)
        return out[: math.ceil(self.new * length / self.orig)]


@functools.lru_cache(maxsize=16)
def _resampler(orig_sr: int, target_sr: int) -> _SincResampler:
    """One resampler per rate pair: building the sinc kernel costs more than applying it."""
    return _SincResampler(orig_sr, target_sr)


def resample(wave: np.ndarray, orig_sr: int, target_sr: int) -> np.ndarray:
    """Resample a 1-D float32 wave with a cached torchaudio kernel (no-op at equal rates)."""
    if orig_sr == target_sr:
        return wave
    with torch.no_grad():
        out = _resampler(int(orig_sr), int(target_sr))(torch.from_numpy(np.ascontiguousarray(wave)))
    return out.numpy()


#: Extra source samples decoded past a leading window, so resampling near its end sees full context.
_WINDOW_MARGIN = 256


def load_audio(
    path: str | os.PathLike[str],
    target_sr: int,
    *,
    max_samples: int | None = None,
    min_duration_s: float = 0.0,
) -> np.ndarray:
    """Decode ``path`` to float32 mono at ``target_sr`` (channels averaged).

    With ``max_samples`` only the leading part that yields that many output
    samples (plus a margin for the resampling filter) is decoded: the front end
    keeps the first 3 s, and decoding whole long files would cost more than the
    rest of the extraction. A file whose full duration is under
    ``min_duration_s`` is rejected as too short before anything is decoded.

    Raises :class:`AudioError` when the file is missing, has 0 bytes (said as
    such: libsndfile would call it a format it does not recognise) or cannot be
    decoded (the decoder's message is kept), has no samples, or holds NaN/Inf
    samples (checked before mixing and resampling so they cannot spread or hide).
    """
    if not os.path.isfile(path):
        raise AudioError("unreadable: file not found")
    try:
        if os.path.getsize(path) == 0:
            raise AudioError("unreadable: empty file (0 bytes)")
        with sf.SoundFile(path) as handle:
            sr = handle.samplerate
            total = handle.frames
            if total > 0 and total / float(sr) < min_duration_s:
                raise AudioError(f"too short: {total / float(sr):.3f} s < {min_duration_s:g} s")
            frames = -1
            if max_samples is not None:
                frames = int(np.ceil(max_samples * sr / float(target_sr))) + _WINDOW_MARGIN
            data = handle.read(frames=frames, dtype="float32", always_2d=True)
            # Integer PCM (WAV, FLAC, ...) cannot hold NaN/Inf: skip that pass over the samples.
            maybe_non_finite = not handle.subtype.startswith("PCM_")
    except (sf.SoundFileError, RuntimeError, OSError, ValueError, TypeError) as err:
        raise AudioError(f"unreadable: {err}") from err
    if data.shape[0] == 0:
        raise AudioError("empty: 0 samples")
    if maybe_non_finite and not np.isfinite(data).all():
        raise AudioError("non-finite samples (NaN/Inf)")
    wave = data[:, 0] if data.shape[1] == 1 else data.mean(axis=1, dtype=np.float32)
    wave = resample(np.ascontiguousarray(wave, dtype=np.float32), int(sr), int(target_sr))
    if wave.shape[0] == 0:
        raise AudioError("empty: 0 samples after resampling")
    return wave


def peak_dbfs(wave: np.ndarray) -> float:
    """Peak level in dB relative to full scale (``-inf`` for digital silence)."""
    # max(max, -min) is max(|x|) exactly, without allocating |x|.
    peak = max(float(wave.max()), -float(wave.min())) if wave.size else 0.0
    return 20.0 * np.log10(peak) if peak > 0.0 else float("-inf")


def check_audio(wave: np.ndarray, sr: int, min_duration_s: float, silence_dbfs: float) -> None:
    """Reject waves too short or silent to give a meaningful feature.

    Silence is judged on the **peak** level: a file is silent when its peak is
    below ``silence_dbfs``. Peak (not RMS) is used so that quiet speech with long
    pauses is kept; only files with no audible sample anywhere are rejected.
    """
    duration = wave.shape[0] / float(sr)
    if duration < min_duration_s:
        raise AudioError(f"too short: {duration:.3f} s < {min_duration_s:g} s")
    level = peak_dbfs(wave)
    if level < silence_dbfs:
        raise AudioError(f"silent: peak {level:.1f} dBFS < {silence_dbfs:g} dBFS")


def stable_hash(key: str) -> int:
    """64-bit hash of a string that, unlike ``hash()``, is the same in every process."""
    return int.from_bytes(hashlib.blake2b(key.encode("utf-8"), digest_size=8).digest(), "little")


def fix_length(
    wave: np.ndarray,
    n_samples: int,
    trim: TrimPolicy,
    pad: PadPolicy,
    key: str,
    seed: int,
) -> np.ndarray:
    """Trim or pad ``wave`` to exactly ``n_samples`` samples, deterministically.

    ``trim``: keep the first samples (``start``), the middle (``center``) or a
    window at a random offset (``random``) drawn from a generator seeded by
    ``(seed, stable_hash(key))``, so the same utterance gets the same crop in
    every run and shard. ``pad``: tile the wave (``repeat``) or append zeros
    (``zero``) at the end.
    """
    if trim not in TRIM_POLICIES:
        raise ValueError(f"unknown trim policy {trim!r}; expected one of {TRIM_POLICIES}")
    if pad not in PAD_POLICIES:
        raise ValueError(f"unknown pad policy {pad!r}; expected one of {PAD_POLICIES}")
    if n_samples <= 0:
        raise ValueError(f"n_samples must be positive, got {n_samples}")
    wave = np.asarray(wave, dtype=np.float32)
    length = wave.shape[0]
    if length == 0:
        raise AudioError("empty: 0 samples")
    if length > n_samples:
        excess = length - n_samples
        if trim == "start":
            offset = 0
        elif trim == "center":
            offset = excess // 2
        else:
            rng = np.random.default_rng([int(seed) & (2**64 - 1), stable_hash(key)])
            offset = int(rng.integers(0, excess + 1))
        return wave[offset : offset + n_samples].copy()
    if length < n_samples:
        if pad == "repeat":
            reps = -(-n_samples // length)
            return np.tile(wave, reps)[:n_samples]
        out = np.zeros(n_samples, dtype=np.float32)
        out[:length] = wave
        return out
    return wave.copy()
