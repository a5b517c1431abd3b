"""Recording channels of the demo corpora (the domain shift between them).

Real corpora differ not only in their spoofing algorithms but in microphones,
rooms, noise and post-processing. Each demo corpus gets its own recording
profile (applied to bonafide and spoof alike, before the attack's vocoder
artefacts for "recorded" speech) and the In-the-Wild-like corpus additionally
gets heavy, varied degradations after the attack: noise, reverberation,
band-limiting, compression and clipping.
"""

from __future__ import annotations

from math import gcd

import numpy as np
from scipy import fft as sp_fft
from scipy import signal

#: Recording profiles, one per demo corpus (see :func:`record`).
RECORDING_PROFILES = ("vctk_studio", "ljspeech", "for_mixed", "wild_source")


def db_to_amp(db: float) -> float:
    """Convert decibels to a linear amplitude factor."""
    return float(10.0 ** (db / 20.0))


def rms(x: np.ndarray) -> float:
    """Root mean square of a signal (0 for an empty one)."""
    return float(np.sqrt(np.mean(x**2))) if x.size else 0.0


def active_rms(x: np.ndarray, sr: int, floor_db: float = -40.0) -> float:
    """RMS over 20 ms frames within ``floor_db`` of the loudest one (speech-only level)."""
    hop = max(1, int(0.02 * sr))
    n = (x.shape[0] // hop) * hop
    if n == 0:
        return rms(x)
    frame_power = np.mean(x[:n].reshape(-1, hop) ** 2, axis=1)
    keep = frame_power >= frame_power.max() * 10.0 ** (floor_db / 10.0)
    return float(np.sqrt(np.mean(frame_power[keep])))


def normalise_loudness(
    x: np.ndarray, sr: int, target_dbfs: float, peak: float = 0.98
) -> np.ndarray:
    """Scale to a target active-speech level, then down if needed so |x| <= ``peak``."""
    level = active_rms(x, sr)
    if not level > 0:
        raise ValueError("cannot normalise a silent signal")
    y = x * (db_to_amp(target_dbfs) / level)
    top = float(np.max(np.abs(y)))
    if top > peak:
        y *= peak / top
    return y


def resample(x: np.ndarray, sr_in: int, sr_out: int) -> np.ndarray:
    """Polyphase resampling with scipy's default anti-aliasing filter."""
    if sr_in == sr_out:
        return x.copy()
    g = gcd(int(sr_in), int(sr_out))
    return signal.resample_poly(x, sr_out // g, sr_in // g)


def coloured_noise(n: int, rng: np.random.Generator, exponent: float) -> np.ndarray:
    """Unit-RMS noise with power spectrum ~ 1/f**exponent (0 white, 1 pink, 2 brown)."""
    m = sp_fft.next_fast_len(n, real=True)
    spec = np.fft.rfft(rng.standard_normal(m))
    f = np.arange(spec.shape[0], dtype=float)
    f[0] = 1.0
    y = np.fft.irfft(spec / f ** (exponent / 2.0), m)[:n]
    return y / (rms(y) + 1e-12)


def equalise(
    x: np.ndarray, sr: int, gain_db: np.ndarray | float, freqs: np.ndarray | None = None
) -> np.ndarray:
    """Zero-phase equaliser: apply a gain curve (dB at ``freqs``) in the frequency domain.

    The signal is zero-padded (by at least 1024 samples, to a fast FFT size)
    so the smooth curve's short response does not wrap around.
    """
    m = sp_fft.next_fast_len(x.shape[0] + 1024, real=True)
    spec = np.fft.rfft(x, m)
    f = np.fft.rfftfreq(m, 1.0 / sr)
    g = np.interp(f, freqs, gain_db) if freqs is not None else np.full_like(f, float(gain_db))
    return np.fft.irfft(spec * 10.0 ** (g / 20.0), m)[: x.shape[0]]


def tilt_and_band(
    x: np.ndarray,
    sr: int,
    tilt_db_per_oct: float,
    highpass_hz: float,
    lowpass_hz: float,
    peaks: tuple[tuple[float, float, float], ...] = (),
) -> np.ndarray:
    """Microphone/loudspeaker-like EQ: spectral tilt about 1 kHz, soft band edges, peaks.

    ``peaks`` holds (centre Hz, gain dB, width octaves) bumps.
    """
    f = np.linspace(0.0, sr / 2.0, 513)
    octaves = np.log2(np.maximum(f, 20.0) / 1000.0)
    g = tilt_db_per_oct * octaves
    g += -40.0 * np.log10(1.0 + (highpass_hz / np.maximum(f, 1.0)) ** 4) / 2.0
    g += -40.0 * np.log10(1.0 + (f / lowpass_hz) ** 8) / 2.0
    for centre, gain, width in peaks:
        g += gain * np.exp(-0.5 * ((octaves - np.log2(centre / 1000.0)) / width) ** 2)
    return equalise(x, sr, np.maximum(g, -90.0), f)


def impulse_response(sr: int, rt60: float, rng: np.random.Generator) -> np.ndarray:
    """Synthetic room response: direct path, sparse early reflections, decaying noise tail."""
    n = max(int(rt60 * sr * 1.2), 16)
    t = np.arange(n) / sr
    tail = rng.standard_normal(n) * np.exp(-6.91 * t / rt60)
    tail = signal.sosfilt(signal.butter(1, min(0.45 * sr, 5000.0) / (0.5 * sr), output="sos"), tail)
    tail[: int(0.004 * sr)] = 0.0
    ir = tail / (np.sqrt(np.sum(tail**2)) + 1e-12)
    early = rng.integers(int(0.002 * sr), int(0.03 * sr), 6)
    ir[early] += rng.uniform(-0.6, 0.6, 6)
    ir[0] = 1.0
    return ir


def reverberate(
    x: np.ndarray, sr: int, rt60: float, wet: float, rng: np.random.Generator
) -> np.ndarray:
    """Mix the dry signal with its convolution by a synthetic room response (same length)."""
    ir = impulse_response(sr, rt60, rng)
    rev = signal.fftconvolve(x, ir)[: x.shape[0]]
    rev *= rms(x) / (rms(rev) + 1e-12)
    return (1.0 - wet) * x + wet * rev


def compress(x: np.ndarray, sr: int, threshold_db: float, ratio: float) -> np.ndarray:
    """Feed-forward dynamic range compressor (10 ms attack/release envelope)."""
    a = np.exp(-1.0 / (0.01 * sr))
    env = signal.lfilter([1.0 - a], [1.0, -a], np.abs(x)) + 1e-9
    level_db = 20.0 * np.log10(env / (np.max(env) + 1e-12))
    over = np.maximum(level_db - threshold_db, 0.0)
    return x * 10.0 ** (-over * (1.0 - 1.0 / ratio) / 20.0)


def hard_clip(x: np.ndarray, drive: float) -> np.ndarray:
    """Overdrive then clip at full scale (loud, distorted uploads)."""
    y = x * (drive / (np.max(np.abs(x)) + 1e-12))
    return np.clip(y, -1.0, 1.0)


def add_noise(x: np.ndarray, noise: np.ndarray, snr_db: float, sr: int) -> np.ndarray:
    """Add ``noise`` at a given speech-to-noise ratio (speech measured on active frames)."""
    scale = active_rms(x, sr) / (rms(noise) + 1e-12) / db_to_amp(snr_db)
    return x + scale * noise


def record(x: np.ndarray, sr: int, profile: str, rng: np.random.Generator) -> np.ndarray:
    """Apply a corpus' recording conditions (microphone EQ, room, noise floor)."""
    n = x.shape[0]
    if profile == "vctk_studio":
        y = tilt_and_band(x, sr, rng.uniform(-1.0, 1.0), rng.uniform(50, 80), 0.47 * sr)
        return add_noise(y, coloured_noise(n, rng, 1.0), rng.uniform(55, 65), sr)
    if profile == "ljspeech":
        y = tilt_and_band(x, sr, -1.5, 90.0, 9500.0, ((3000.0, 3.0, 0.5), (250.0, 2.0, 0.7)))
        y = reverberate(y, sr, 0.15, 0.08, rng)
        return add_noise(y, coloured_noise(n, rng, 1.5), rng.uniform(48, 55), sr)
    if profile == "for_mixed":
        y = tilt_and_band(
            x,
            sr,
            rng.uniform(-3.0, 2.0),
            rng.uniform(40, 150),
            rng.uniform(0.3, 0.47) * sr,
            ((rng.uniform(1500, 5000), rng.uniform(-4, 4), 0.6),),
        )
        return add_noise(
            y, coloured_noise(n, rng, rng.choice([0.0, 1.0, 2.0])), rng.uniform(35, 60), sr
        )
    if profile == "wild_source":
        y = tilt_and_band(
            x, sr, rng.uniform(-4.0, 3.0), rng.uniform(60, 250), rng.uniform(0.28, 0.47) * sr
        )
        return add_noise(y, coloured_noise(n, rng, rng.uniform(0.0, 2.0)), rng.uniform(35, 55), sr)
    raise ValueError(f"unknown recording profile {profile!r}; expected one of {RECORDING_PROFILES}")


def rerecord(x: np.ndarray, sr: int, rng: np.random.Generator) -> np.ndarray:
    """Play through a small loudspeaker into a room and record again (FoR 'rerec')."""
    y = tilt_and_band(
        x,
        sr,
        rng.uniform(-2.0, 1.0),
        rng.uniform(150, 300),
        rng.uniform(5500, 7500),
        ((rng.uniform(800, 2500), 4.0, 0.5),),
    )
    y = reverberate(y, sr, rng.uniform(0.2, 0.5), rng.uniform(0.2, 0.4), rng)
    return add_noise(y, coloured_noise(x.shape[0], rng, 1.0), rng.uniform(20, 35), sr)


def background(n: int, sr: int, rng: np.random.Generator) -> np.ndarray:
    """A background for wild recordings: coloured noise, mains hum, or modulated babble-like
    noise."""
    kind = rng.integers(3)
    if kind == 0:
        return coloured_noise(n, rng, rng.uniform(0.0, 2.0))
    t = np.arange(n) / sr
    if kind == 1:
        mains = rng.choice([50.0, 60.0])
        hum = sum(
            np.sin(2 * np.pi * mains * k * t + rng.uniform(0, 2 * np.pi)) / k for k in range(1, 8)
        )
        return hum / rms(hum) + 0.3 * coloured_noise(n, rng, 1.0)
    shaped = tilt_and_band(
        coloured_noise(n, rng, 0.0), sr, -4.0, 200.0, 4000.0, ((500.0, 6.0, 1.0),)
    )
    mod = 1.0 + 0.8 * np.sin(2 * np.pi * rng.uniform(2.0, 6.0) * t) * np.sin(
        2 * np.pi * rng.uniform(0.2, 0.7) * t
    )
    return shaped * mod


def degrade_wild(x: np.ndarray, sr: int, rng: np.random.Generator) -> np.ndarray:
    """In-the-wild post-processing: random reverb, noise, telephone/low-pass band, compression,
    clipping."""
    y = x
    if rng.random() < 0.6:
        y = reverberate(y, sr, rng.uniform(0.2, 0.9), rng.uniform(0.15, 0.5), rng)
    y = add_noise(y, background(y.shape[0], sr, rng), rng.uniform(5.0, 30.0), sr)
    band = rng.random()
    if band < 0.3:  # narrow-band telephone/VoIP path
        y = tilt_and_band(
            resample(resample(y, sr, 8000), 8000, sr)[: x.shape[0]], sr, 0.0, 300.0, 3400.0
        )
    elif band < 0.6:  # lossy-codec low-pass
        y = tilt_and_band(y, sr, 0.0, 20.0, rng.uniform(3500.0, 7000.0))
    y = tilt_and_band(y, sr, rng.uniform(-5.0, 3.0), 30.0, 0.49 * sr)
    if rng.random() < 0.6:
        y = compress(y, sr, rng.uniform(-30.0, -12.0), rng.uniform(2.0, 8.0))
    if rng.random() < 0.4:
        y = hard_clip(y, rng.uniform(1.3, 4.0))
    return y
