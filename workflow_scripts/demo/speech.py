"""Parametric source-filter speech model for the synthetic demo corpora.

Bonafide demo audio must carry the structure a detector keys on in real
speech (harmonics from a jittered glottal source, moving formants, noise
fricatives, pauses) so that the spoofing "attacks" in :mod:`.attacks` have
something to break. An utterance is first *planned* as parameter tracks at
:data:`FRAME_RATE` (pitch, voicing, formants, frication) and then *rendered*
at any sample rate; attacks may edit the plan, the rendering options or the
rendered waveform.

Everything is a pure function of the random generator passed in; use
:func:`rng_for` to derive generators from a seed and string/integer keys.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
from dataclasses import dataclass

import numpy as np
from scipy import fft as sp_fft
from scipy import signal

#: Parameter frames per second (5 ms hop).
FRAME_RATE = 200.0
#: Number of cascaded vocal-tract resonators.
N_FORMANTS = 5
#: Noise sources of the frication branch: /s/-like, /sh/-like, /f,h/-like, stop burst.
NOISE_CLASSES = ("s", "sh", "f", "burst")

# Average adult-male formant targets (Hz) of ten vowels (Peterson & Barney style).
_VOWELS = np.array(
    [
        [270, 2290, 3010],
        [390, 1990, 2550],
        [530, 1840, 2480],
        [660, 1720, 2410],
        [730, 1090, 2440],
        [570, 840, 2410],
        [440, 1020, 2240],
        [300, 870, 2240],
        [640, 1190, 2390],
        [490, 1350, 1690],
    ],
    dtype=float,
)
_UPPER_FORMANTS = np.array([3350.0, 4300.0])
_BANDWIDTHS = np.array([70.0, 95.0, 150.0, 250.0, 350.0])
_HIGH_FORMANTS = np.array([5500.0, 6500.0, 7500.0, 8500.0, 9500.0])
_HIGH_BANDWIDTHS = np.array([500.0, 650.0, 800.0, 950.0, 1100.0])


def stable_key(key: str | int) -> int:
    """Map a string or integer key to a 64-bit integer, identically on every run.

    Python's ``hash`` is salted per process, so it cannot seed reproducible data.
    """
    data = f"{type(key).__name__}:{key}".encode()
    return int.from_bytes(hashlib.blake2b(data, digest_size=8).digest(), "little")


def rng_for(seed: int, *keys: str | int) -> np.random.Generator:
    """Return an independent generator for ``(seed, *keys)``.

    Each utterance and each processing stage draws from its own stream, so a
    file depends only on its own keys and not on how many files came before.
    """
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    return np.random.default_rng(np.random.SeedSequence([int(seed), *map(stable_key, keys)]))


@dataclass(frozen=True)
class Speaker:
    """Voice parameters that stay fixed over all utterances of one speaker."""

    speaker_id: str
    f0_hz: float  # median fundamental frequency
    f0_range_st: float  # size of intonation movements, semitones
    formant_scale: float  # inverse vocal-tract length (1 = average male)
    open_quotient: float  # glottal open phase / period: larger = softer, steeper tilt
    tilt: float  # one-pole low-pass coefficient for extra spectral tilt
    breathiness: float  # aspiration noise relative to the voiced source
    jitter: float  # relative std of period-to-period F0 perturbation
    shimmer: float  # relative std of period-to-period amplitude perturbation
    rate_syl_s: float  # speaking rate, syllables per second


def sample_speaker(rng: np.random.Generator, speaker_id: str, sex: str | None = None) -> Speaker:
    """Draw a plausible speaker; ``sex`` ('f'/'m') fixes F0 and tract length ranges."""
    if sex is None:
        sex = "f" if rng.random() < 0.5 else "m"
    if sex not in ("f", "m"):
        raise ValueError(f"sex must be 'f', 'm' or None, got {sex!r}")
    female = sex == "f"
    return Speaker(
        speaker_id=speaker_id,
        f0_hz=float(rng.uniform(170, 250) if female else rng.uniform(90, 140)),
        f0_range_st=float(rng.uniform(2.0, 5.0)),
        formant_scale=float(rng.uniform(1.08, 1.2) if female else rng.uniform(0.9, 1.02)),
        open_quotient=float(rng.uniform(0.5, 0.75) if female else rng.uniform(0.4, 0.6)),
        tilt=float(rng.uniform(0.0, 0.45)),
        breathiness=float(rng.uniform(0.08, 0.3) if female else rng.uniform(0.03, 0.18)),
        jitter=float(rng.uniform(0.004, 0.015)),
        shimmer=float(rng.uniform(0.02, 0.07)),
        rate_syl_s=float(rng.uniform(3.5, 6.0)),
    )


@dataclass(frozen=True)
class UtterancePlan:
    """Parameter tracks of one utterance, one row per frame at :data:`FRAME_RATE`."""

    duration_s: float
    f0_hz: np.ndarray  # (T,) continuous pitch contour (also through unvoiced parts)
    voice_amp: np.ndarray  # (T,) voiced source amplitude, 0 = unvoiced/silent
    noise_amp: np.ndarray  # (T, len(NOISE_CLASSES)) frication amplitudes
    formants_hz: np.ndarray  # (T, N_FORMANTS)
    bandwidths_hz: np.ndarray  # (T, N_FORMANTS)

    @property
    def n_frames(self) -> int:
        """Number of parameter frames."""
        return int(self.f0_hz.shape[0])

    def replace(self, **changes: object) -> UtterancePlan:
        """Return a copy with some tracks replaced (attacks edit plans this way)."""
        return dataclasses.replace(self, **changes)

    def track_at(self, values: np.ndarray, sr: int, n_samples: int) -> np.ndarray:
        """Linearly interpolate a frame track (T,) or (T, K) to ``n_samples`` at ``sr``."""
        t_frames = np.arange(self.n_frames) / FRAME_RATE
        t = np.arange(n_samples) / sr
        if values.ndim == 1:
            return np.interp(t, t_frames, values)
        return np.stack(
            [np.interp(t, t_frames, values[:, k]) for k in range(values.shape[1])], axis=1
        )


@dataclass(frozen=True)
class RenderOptions:
    """How the plan is turned into a waveform; attacks change these to alter the source."""

    jitter_scale: float = 1.0
    shimmer_scale: float = 1.0
    aspiration_scale: float = 1.0
    impulse_mix: float = 0.0  # 0 = smooth glottal pulses, 1 = bare one-sample impulses
    noise_mix: float = 0.0  # fraction of the voiced source replaced by white noise
    hf_rolloff_db: float = 0.0  # attenuation reached at Nyquist, rising from 0 at 3 kHz


def smooth_track(x: np.ndarray, width_frames: int) -> np.ndarray:
    """Moving average applied twice (triangular kernel) along axis 0, edge-padded."""
    width_frames = max(1, int(width_frames))
    if width_frames == 1:
        return x.copy()
    kernel = np.ones(width_frames) / width_frames
    kernel = np.convolve(kernel, kernel)
    pad = len(kernel) // 2
    xp = np.pad(x, [(pad, pad)] + [(0, 0)] * (x.ndim - 1), mode="edge")
    if x.ndim == 1:
        return np.convolve(xp, kernel, mode="valid")[: x.shape[0]]
    return np.stack(
        [np.convolve(xp[:, k], kernel, mode="valid")[: x.shape[0]] for k in range(x.shape[1])],
        axis=1,
    )


def plan_utterance(speaker: Speaker, duration_s: float, rng: np.random.Generator) -> UtterancePlan:
    """Plan phrases of consonant-vowel syllables with pauses, prosody and coarticulation."""
    if not duration_s > 0.2:
        raise ValueError(f"utterance duration must exceed 0.2 s, got {duration_s}")
    n = int(round(duration_s * FRAME_RATE))
    voice = np.zeros(n)
    noise = np.zeros((n, len(NOISE_CLASSES)))
    f123 = np.zeros((n, 3))
    bw_scale = np.ones(n)
    accent = np.zeros(n)  # pitch-accent bumps in semitones
    phrase_id = np.full(n, -1)

    def frames(seconds: float) -> int:
        return max(1, int(round(seconds * FRAME_RATE)))

    syl_s = 1.0 / speaker.rate_syl_s
    pos = frames(rng.uniform(0.04, 0.15))  # leading silence
    end = n - frames(rng.uniform(0.04, 0.12))  # trailing silence
    vowel = _VOWELS[rng.integers(len(_VOWELS))]
    f123[:pos] = vowel
    phrase = 0
    while pos < end:
        phrase_end = min(end, pos + frames(rng.uniform(0.8, 2.2)))
        while pos < phrase_end:
            # onset consonant
            if rng.random() < 0.75:
                kind = rng.choice(["fric", "stop", "nasal", "approx"], p=[0.35, 0.3, 0.2, 0.15])
                length = frames(syl_s * rng.uniform(0.25, 0.45))
                seg = slice(pos, min(pos + length, phrase_end))
                f123[seg] = vowel
                if kind == "fric":
                    noise[seg, rng.integers(3)] = rng.uniform(0.15, 0.45)
                    if rng.random() < 0.3:  # voiced fricative
                        voice[seg] = rng.uniform(0.15, 0.3)
                elif kind == "stop":
                    closure = max(1, (seg.stop - seg.start) * 2 // 3)
                    burst = slice(seg.start + closure, seg.stop)
                    noise[burst, 3] = rng.uniform(0.3, 0.7)
                    f123[seg] = [250, 1600 + 600 * rng.random(), 2600]
                elif kind == "nasal":
                    voice[seg] = rng.uniform(0.25, 0.4)
                    f123[seg] = [260, rng.uniform(900, 1800), 2500]
                    bw_scale[seg] = 1.8
                else:
                    voice[seg] = rng.uniform(0.5, 0.7)
                    f123[seg] = [
                        rng.uniform(300, 420),
                        rng.uniform(900, 1400),
                        rng.uniform(1600, 2700),
                    ]
                pos = seg.stop
            if pos >= phrase_end:
                break
            # vowel nucleus
            stressed = rng.random() < 0.4
            length = frames(syl_s * rng.uniform(0.55, 0.85) * (1.35 if stressed else 1.0))
            seg = slice(pos, min(pos + length, phrase_end))
            vowel = _VOWELS[rng.integers(len(_VOWELS))] * rng.uniform(0.95, 1.05, 3)
            f123[seg] = vowel
            voice[seg] = rng.uniform(0.85, 1.0) if stressed else rng.uniform(0.55, 0.8)
            if stressed:
                centre = (seg.start + seg.stop) / 2
                width = max(2.0, (seg.stop - seg.start) / 2)
                bump = rng.uniform(0.3, 1.0) * speaker.f0_range_st
                idx = np.arange(n)
                accent += bump * np.exp(-0.5 * ((idx - centre) / width) ** 2)
            phrase_id[pos : seg.stop] = phrase
            pos = seg.stop
        if pos >= end - frames(0.5):
            break
        pause = frames(rng.uniform(0.15, 0.35))
        f123[pos : pos + pause] = vowel
        pos += pause
        phrase += 1
    f123[pos:] = vowel
    # pitch: per-phrase declination, accents, slow drift, utterance-final fall or rise
    st = np.zeros(n)
    for p in range(phrase + 1):
        idx = np.flatnonzero(phrase_id == p)
        if idx.size:
            slope = rng.uniform(1.5, 4.0)
            ramp = np.linspace(0.5, -0.5, idx.size) * slope
            st[idx[0] : idx[-1] + 1] = ramp[0] + (ramp[-1] - ramp[0]) * np.linspace(
                0, 1, idx[-1] + 1 - idx[0]
            )
    st = smooth_track(st, frames(0.08))
    drift = smooth_track(np.cumsum(rng.normal(0, 0.08, n)), frames(0.25))
    st += accent + drift - drift.mean()
    tail = frames(0.3)
    final = (-1.0 if rng.random() < 0.8 else 0.8) * speaker.f0_range_st * 0.5
    st[-tail:] += final * np.linspace(0, 1, min(tail, n)) ** 2
    f0 = speaker.f0_hz * 2.0 ** (st / 12.0)
    # coarticulation: formants glide between targets; amplitudes get short ramps
    formants = np.concatenate([f123, np.tile(_UPPER_FORMANTS, (n, 1))], axis=1)
    formants = smooth_track(formants, frames(0.035)) * speaker.formant_scale
    formants[:, 3:] *= rng.uniform(0.97, 1.03, 2)
    bandwidths = np.outer(smooth_track(bw_scale, frames(0.02)), _BANDWIDTHS) * rng.uniform(
        0.9, 1.15
    )
    return UtterancePlan(
        duration_s=float(duration_s),
        f0_hz=f0,
        voice_amp=np.clip(smooth_track(voice, frames(0.012)), 0.0, None),
        noise_amp=np.clip(smooth_track(noise, frames(0.008)), 0.0, None),
        formants_hz=formants,
        bandwidths_hz=bandwidths,
    )


def glottal_source(
    f0: np.ndarray,
    sr: int,
    speaker: Speaker,
    rng: np.random.Generator,
    options: RenderOptions,
) -> tuple[np.ndarray, np.ndarray]:
    """Return (voiced excitation, open-phase mask) for a per-sample F0 track.

    The excitation is the derivative of a Rosenberg glottal flow pulse (which
    also models lip radiation), with per-period jitter and shimmer.
    """
    rough = np.cumsum(f0 / sr)
    n_periods = int(rough[-1]) + 3
    jitter = rng.normal(0.0, speaker.jitter * options.jitter_scale, n_periods)
    shimmer = rng.normal(0.0, speaker.shimmer * options.shimmer_scale, n_periods)
    f0_j = f0 * (1.0 + np.clip(jitter, -0.1, 0.1)[rough.astype(int)])
    phase = np.cumsum(f0_j / sr)
    period = phase.astype(int)
    frac = phase - period
    oq = speaker.open_quotient
    tp = 0.6 * oq
    flow = np.where(
        frac < tp,
        0.5 * (1.0 - np.cos(np.pi * frac / tp)),
        np.where(frac < oq, np.cos(0.5 * np.pi * (frac - tp) / (oq - tp)), 0.0),
    )
    deriv = np.diff(flow, prepend=flow[0]) * (sr / np.maximum(f0_j, 40.0)) / np.pi
    amp = np.clip(1.0 + shimmer, 0.5, 1.5)[period]
    source = deriv * amp
    if options.impulse_mix > 0:
        impulses = np.zeros_like(source)
        starts = np.flatnonzero(np.diff(period, prepend=period[0]) > 0)
        impulses[starts] = -np.sqrt(sr / np.maximum(f0_j[starts], 40.0))
        impulses *= np.sqrt(np.mean(source**2) / max(np.mean(impulses**2), 1e-12))
        source = (1.0 - options.impulse_mix) * source + options.impulse_mix * impulses
    return source, (frac < oq).astype(float)


def _resonator_cascade_coeffs(
    formants: np.ndarray, bandwidths: np.ndarray, sr: int
) -> tuple[np.ndarray, np.ndarray]:
    """Combine per-frame two-pole resonators into one all-pole filter per frame.

    Returns gains (T,) and denominators (T, 2 * N_FORMANTS + 1), each
    resonator normalised to unity gain at DC (so the cascade is too).
    """
    usable = formants < 0.46 * sr
    r = np.where(usable, np.exp(-np.pi * bandwidths / sr), 0.0)
    c = np.where(usable, np.cos(2 * np.pi * formants / sr), 0.0)
    den = np.ones((formants.shape[0], 1))
    gain = np.ones(formants.shape[0])
    for k in range(formants.shape[1]):
        a = np.stack([np.ones_like(r[:, k]), -2 * r[:, k] * c[:, k], r[:, k] ** 2], axis=1)
        gain *= a.sum(axis=1)
        out = np.zeros((den.shape[0], den.shape[1] + 2))
        for j in range(3):
            out[:, j : j + den.shape[1]] += a[:, j : j + 1] * den
        den = out
    return gain, den


def vocal_tract(
    source: np.ndarray, plan: UtterancePlan, sr: int, block_frames: int = 2
) -> np.ndarray:
    """Filter ``source`` through the time-varying formant cascade of ``plan``.

    Coefficients change every ``block_frames`` parameter frames; the filter
    state is carried across blocks so that the output is continuous.
    """
    idx = np.arange(0, plan.n_frames, block_frames)
    gain, den = _resonator_cascade_coeffs(plan.formants_hz[idx], plan.bandwidths_hz[idx], sr)
    bounds = np.round(np.append(idx, plan.n_frames) * sr / FRAME_RATE).astype(int)
    bounds[-1] = source.shape[0]
    out = np.empty_like(source)
    state = np.zeros(den.shape[1] - 1)
    for b in range(len(idx)):
        lo, hi = bounds[b], bounds[b + 1]
        if hi <= lo:
            continue
        out[lo:hi], state = signal.lfilter([gain[b]], den[b], source[lo:hi], zi=state)
    return out


@functools.lru_cache(maxsize=64)
def _upper_poles(sr: int, formant_scale: float) -> np.ndarray:
    """Fixed resonances above F5 (as SOS, unity DC gain) so the spectrum does not die above 5 kHz.

    A five-pole cascade alone falls at -60 dB/octave above F5; real tracts
    have further resonances (the "higher-pole correction" of formant synthesis).
    """
    sections = []
    for freq, bw in zip(_HIGH_FORMANTS * formant_scale, _HIGH_BANDWIDTHS, strict=True):
        if freq >= 0.46 * sr:
            continue
        r = np.exp(-np.pi * bw / sr)
        a = np.array([1.0, -2.0 * r * np.cos(2 * np.pi * freq / sr), r * r])
        sections.append(np.concatenate([[a.sum(), 0.0, 0.0], a]))
    return np.array(sections) if sections else np.array([[1.0, 0.0, 0.0, 1.0, 0.0, 0.0]])


@functools.lru_cache(maxsize=64)
def _noise_filters(sr: int, formant_scale: float) -> tuple[np.ndarray, ...]:
    """Band-pass filters (SOS) shaping white noise into the frication classes."""
    nyq = 0.5 * sr
    bands = {
        "s": (4000.0 * formant_scale, 7800.0),
        "sh": (2200.0 * formant_scale, 5000.0 * formant_scale),
        "f": (1000.0, 7500.0),
        "burst": (700.0, 5500.0),
    }
    out = []
    for name in NOISE_CLASSES:
        lo, hi = bands[name]
        hi = min(hi, 0.45 * sr)
        lo = min(lo, 0.6 * hi)
        out.append(signal.butter(2, [lo / nyq, hi / nyq], btype="bandpass", output="sos"))
    return tuple(out)


def _hf_rolloff(x: np.ndarray, sr: int, depth_db: float) -> np.ndarray:
    """Zero-phase attenuation growing linearly from 3 kHz to ``depth_db`` at Nyquist."""
    m = sp_fft.next_fast_len(x.shape[0] + 1024, real=True)
    f = np.fft.rfftfreq(m, 1.0 / sr)
    gain_db = -depth_db * np.clip((f - 3000.0) / (0.5 * sr - 3000.0), 0.0, 1.0)
    return np.fft.irfft(np.fft.rfft(x, m) * 10.0 ** (gain_db / 20.0), m)[: x.shape[0]]


def render(
    plan: UtterancePlan,
    speaker: Speaker,
    sr: int,
    rng: np.random.Generator,
    options: RenderOptions | None = None,
) -> np.ndarray:
    """Render ``plan`` at ``sr`` to a float64 waveform at about -20 dBFS RMS.

    Voiced source and aspiration go through the formant cascade; frication is
    a parallel branch of band-passed noise, as in formant synthesisers.
    """
    options = options or RenderOptions()
    n = int(round(plan.duration_s * sr))
    f0 = plan.track_at(plan.f0_hz, sr, n)
    voice = plan.track_at(plan.voice_amp, sr, n)
    source, open_phase = glottal_source(f0, sr, speaker, rng, options)
    source_rms = np.sqrt(np.mean(source**2)) + 1e-12
    white = rng.standard_normal(n)
    if options.noise_mix > 0:
        source = (1.0 - options.noise_mix) * source + options.noise_mix * source_rms * white
    aspiration = (
        speaker.breathiness
        * options.aspiration_scale
        * source_rms
        * rng.standard_normal(n)
        * (0.4 + 0.6 * open_phase)
    )
    voiced = vocal_tract((source + aspiration) * voice, plan, sr)
    voiced = signal.sosfilt(_upper_poles(sr, round(speaker.formant_scale, 3)), voiced)
    if speaker.tilt > 0:
        voiced = signal.lfilter([1.0 - speaker.tilt], [1.0, -speaker.tilt], voiced)
    active = voice > 0.3
    voiced_rms = (
        np.sqrt(np.mean(voiced[active] ** 2)) if active.any() else np.sqrt(np.mean(voiced**2))
    )
    voiced = voiced / (voiced_rms + 1e-12)
    noise_amp = plan.track_at(plan.noise_amp, sr, n)
    frication = np.zeros(n)
    for k, sos in enumerate(_noise_filters(sr, speaker.formant_scale)):
        if noise_amp[:, k].max() <= 0:
            continue
        band = signal.sosfilt(sos, rng.standard_normal(n))
        band /= np.sqrt(np.mean(band**2)) + 1e-12
        frication += band * noise_amp[:, k]
    y = voiced + frication
    if options.hf_rolloff_db > 0:
        y = _hf_rolloff(y, sr, options.hf_rolloff_db)
    y = signal.sosfilt(signal.butter(2, 50.0 / (0.5 * sr), btype="highpass", output="sos"), y)
    rms = np.sqrt(np.mean(y**2)) + 1e-12
    return 0.1 * y / rms
