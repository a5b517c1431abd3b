"""Registry of synthetic spoofing "attack algorithms" and the dataset attack ids.

A spoof must differ from bonafide speech by *artefacts*, not content: every
spoof is built from the same speech model (a target speaker's plan) and one
:class:`Recipe` of algorithms, each leaving a vocoder-like trace. Strengths
are drawn per utterance, so no single global statistic separates the classes;
the default range (0.6-1.0) keeps every artefact clearly visible in an
80-band log-mel spectrogram throughout the utterance, so that a CNN learns it
from a few hundred examples, as real detectors learn real vocoders in-domain.

Algorithms act at one of three stages (run in this order):

- ``plan``: edit the utterance plan or the source options before rendering;
- ``render``: replace rendering itself (at most one per recipe);
- ``wave``: post-process the recorded waveform.

Dataset mappings (stable; tests check them):

- ASVspoof 2019 LA (:data:`ASVSPOOF_ATTACKS`): train/dev A01-A06, eval A07-A19;
  as in the real release A16 is A04's recipe and A19 is A06's. The other
  eval ids are recipes unseen in train, but all except A18 combine a train
  algorithm with an unseen one (as the real A12/A15 reuse WaveNet and A07
  reuses WORLD), so the in-domain eval set is learnable; A18, like the real
  one, shares nothing with train and stays hard.
- WaveFake (:data:`WAVEFAKE_VOCODERS`): one recipe per vocoder folder; unknown
  folders get a recipe from :data:`WAVEFAKE_FALLBACK` chosen by a stable hash.
- FoR (:data:`FOR_RECIPES`): seven "TTS systems", no ids on disk.
- In-the-Wild (:data:`ITW_RECIPES`): only :data:`WILD_ONLY` algorithms, which
  no other corpus uses, so they are unseen by every training set.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from fractions import Fraction
from types import MappingProxyType

import numpy as np
from scipy import signal

from .channels import tilt_and_band
from .speech import (
    FRAME_RATE,
    RenderOptions,
    Speaker,
    UtterancePlan,
    render,
    smooth_track,
    stable_key,
)

N_FFT = 512
HOP = 128


# ---------------------------------------------------------------- STFT helpers
def stft(x: np.ndarray, n_fft: int = N_FFT, hop: int = HOP) -> np.ndarray:
    """Hann-windowed STFT (frames x bins), padded so that :func:`istft` inverts it."""
    pad = n_fft
    xp = np.pad(x, (pad, pad + (-(x.shape[0] + 2 * pad - n_fft)) % hop))
    frames = np.lib.stride_tricks.sliding_window_view(xp, n_fft)[::hop]
    return np.fft.rfft(frames * np.hanning(n_fft + 2)[1:-1], axis=1)


def istft(spec: np.ndarray, n: int, n_fft: int = N_FFT, hop: int = HOP) -> np.ndarray:
    """Weighted overlap-add inverse of :func:`stft`, cropped to ``n`` samples.

    The cropped span lies where every sample is covered by ``n_fft // hop``
    frames, so the window normalisation is a hop-periodic constant.
    """
    window = np.hanning(n_fft + 2)[1:-1]
    frames = np.fft.irfft(spec, n_fft, axis=1) * window
    ratio = n_fft // hop
    out = np.zeros((frames.shape[0] + ratio - 1) * hop)
    for j in range(ratio):
        out[j * hop : j * hop + frames.shape[0] * hop] += frames[
            :, j * hop : (j + 1) * hop
        ].reshape(-1)
    norm = np.sum((window**2).reshape(ratio, hop), axis=0)
    seg = out[n_fft : n_fft + n]
    return seg / np.resize(norm, seg.shape[0])


def _fix_length(x: np.ndarray, n: int) -> np.ndarray:
    """Crop or zero-pad to exactly ``n`` samples."""
    return x[:n] if x.shape[0] >= n else np.pad(x, (0, n - x.shape[0]))


# ------------------------------------------------------------ plan-stage algorithms
def flat_pitch(
    plan: UtterancePlan, options: RenderOptions, rng: np.random.Generator, s: float
) -> tuple[UtterancePlan, RenderOptions]:
    """Over-regular pitch: no jitter/shimmer, intonation flattened towards the mean."""
    st = 12.0 * np.log2(plan.f0_hz)
    centre = float(np.median(st))
    flat = centre + (st - centre) * (1.0 - 0.95 * s)
    return plan.replace(f0_hz=2.0 ** (flat / 12.0)), _with(
        options, jitter_scale=0.0, shimmer_scale=0.0
    )


def oversmoothed_params(
    plan: UtterancePlan, options: RenderOptions, rng: np.random.Generator, s: float
) -> tuple[UtterancePlan, RenderOptions]:
    """Statistical-parametric over-smoothing: sluggish, low-variance formants, wide bandwidths.

    The truncated spectral parametrisation also loses high-frequency detail,
    modelled as an upper-band roll-off applied after rendering.
    """
    width = int(round((0.05 + 0.12 * s) * FRAME_RATE))
    formants = smooth_track(plan.formants_hz, width)
    mean = formants.mean(axis=0, keepdims=True)
    formants = mean + (formants - mean) * (1.0 - 0.5 * s)
    return (
        plan.replace(
            formants_hz=formants,
            bandwidths_hz=plan.bandwidths_hz * (1.4 + 1.2 * s),
            f0_hz=np.exp(smooth_track(np.log(plan.f0_hz), width)),
            voice_amp=smooth_track(plan.voice_amp, width // 2),
        ),
        _with(
            options,
            jitter_scale=0.3 * (1.0 - s),
            aspiration_scale=0.5,
            hf_rolloff_db=12.0 + 18.0 * s,
        ),
    )


def buzzy_excitation(
    plan: UtterancePlan, options: RenderOptions, rng: np.random.Generator, s: float
) -> tuple[UtterancePlan, RenderOptions]:
    """Simple pulse-train vocoder source: bare impulses, hard voicing, no aspiration."""
    hard = np.where(plan.voice_amp > 0.2, np.maximum(plan.voice_amp, 0.7), 0.0)
    voice = (1.0 - s) * plan.voice_amp + s * hard
    return plan.replace(voice_amp=voice), _with(
        options, impulse_mix=0.6 + 0.4 * s, aspiration_scale=0.5 * (1.0 - s), jitter_scale=0.2
    )


def noise_excitation(
    plan: UtterancePlan, options: RenderOptions, rng: np.random.Generator, s: float
) -> tuple[UtterancePlan, RenderOptions]:
    """Noise-driven source (like noise-excited neural vocoders): weakened harmonic structure."""
    return plan, _with(options, noise_mix=0.3 + 0.5 * s, aspiration_scale=2.0)


def frame_hold(
    plan: UtterancePlan, options: RenderOptions, rng: np.random.Generator, s: float
) -> tuple[UtterancePlan, RenderOptions]:
    """Low-frame-rate parameters held constant per 15-45 ms frame (stepwise trajectories)."""
    hold = 3 + int(round(6 * s))
    idx = (np.arange(plan.n_frames) // hold) * hold
    return (
        plan.replace(
            f0_hz=plan.f0_hz[idx],
            formants_hz=plan.formants_hz[idx],
            bandwidths_hz=plan.bandwidths_hz[idx],
            voice_amp=plan.voice_amp[idx],
            noise_amp=plan.noise_amp[idx],
        ),
        _with(options, jitter_scale=0.5),
    )


def _with(options: RenderOptions, **changes: float) -> RenderOptions:
    """Copy render options with some fields changed."""
    return replace(options, **changes)


# ---------------------------------------------------------- render-stage algorithms
def unit_concatenation(
    plan: UtterancePlan,
    speaker: Speaker,
    options: RenderOptions,
    sr: int,
    rng: np.random.Generator,
    s: float,
) -> np.ndarray:
    """Unit selection: hard-splice 40-120 ms units from two mismatched renderings.

    The two "databases" differ in pitch, tract length, level, spectral
    balance and bandwidth (one was recorded band-limited), so the spectrogram
    alternates between two timbres every unit, and the unsmoothed joins of
    unrelated waveforms leave broadband clicks.
    """
    shift = 2.0 ** ((1.0 + 1.5 * s) * rng.choice([-1.0, 1.0]) / 12.0)
    other_speaker = replace(
        speaker, formant_scale=speaker.formant_scale * (1.0 + 0.06 * s * rng.choice([-1.0, 1.0]))
    )
    a = render(plan, speaker, sr, rng, options)
    b = render(plan.replace(f0_hz=plan.f0_hz * shift), other_speaker, sr, rng, options)
    b = tilt_and_band(
        b, sr, (2.0 + 2.0 * s) * rng.choice([-1.0, 1.0]), 20.0, rng.uniform(0.3, 0.38) * sr
    )
    b *= 10.0 ** ((2.0 + 2.0 * s) * rng.choice([-1.0, 1.0]) / 20.0)
    n = a.shape[0]
    bounds = [0]
    while bounds[-1] < n:
        bounds.append(bounds[-1] + int(rng.uniform(0.04, 0.12) * sr))
    mask = np.zeros(n)
    for k in range(1, len(bounds) - 1, 2):
        mask[bounds[k] : bounds[k + 1]] = 1.0
    return (1.0 - mask) * a + mask * b


# ------------------------------------------------------------ wave-stage algorithms
def griffin_lim(
    x: np.ndarray, sr: int, rng: np.random.Generator, s: float, plan: UtterancePlan
) -> np.ndarray:
    """Magnitude-only reconstruction: Griffin-Lim from random phase on a frequency-blurred magnitude."""  # noqa: E501 (first line is Algorithm.description)
    mag = np.abs(stft(x))
    width = 1 + 2 * int(
        round(1 + 3 * s)
    )  # 3-9 bins: harmonics blur as from a coarse mel spectrogram
    mag = np.sqrt(
        signal.convolve2d(mag**2, np.ones((1, width)) / width, mode="same", boundary="symm")
    )
    n_iter = int(round(16 - 13 * s))
    spec = mag * np.exp(2j * np.pi * rng.random(mag.shape))
    for _ in range(n_iter):
        rebuilt = stft(istft(spec, x.shape[0]))
        spec = mag * rebuilt / (np.abs(rebuilt) + 1e-12)
    return istft(spec, x.shape[0])


def cepstral_vocoder(
    x: np.ndarray, sr: int, rng: np.random.Generator, s: float, plan: UtterancePlan
) -> np.ndarray:
    """Source-filter resynthesis: cepstrally smoothed envelope times a new pulse/noise source."""
    n = x.shape[0]
    n_fft = 1024 if sr > 16000 else N_FFT
    hop = n_fft // 4
    spec = stft(x, n_fft, hop)
    logmag = np.log(np.abs(spec) + 1e-7)
    ceps = np.fft.irfft(logmag, n_fft, axis=1)
    order = int(round(30 - 20 * s)) * n_fft // N_FFT
    lifter = np.zeros(n_fft)
    lifter[:order] = 1.0
    lifter[-order + 1 :] = 1.0
    envelope = np.exp(np.fft.rfft(ceps * lifter, axis=1).real)
    f0 = plan.track_at(plan.f0_hz, sr, n)
    voiced = plan.track_at(plan.voice_amp, sr, n) > 0.2
    phase = np.cumsum(f0 / sr)
    pulses = np.zeros(n)
    starts = np.flatnonzero(np.diff(np.floor(phase), prepend=0.0) > 0)
    pulses[starts] = np.sqrt(sr / f0[starts])
    excitation = np.where(voiced, pulses, rng.standard_normal(n))
    exc_spec = stft(excitation, n_fft, hop)
    exc_level = np.sqrt(np.mean(np.abs(exc_spec) ** 2, axis=1, keepdims=True)) + 1e-9
    return istft(exc_spec / exc_level * envelope, n, n_fft, hop)


def bandlimit_imaging(
    x: np.ndarray, sr: int, rng: np.random.Generator, s: float, plan: UtterancePlan
) -> np.ndarray:
    """Synthesis at half the rate, upsampled with a poor anti-imaging filter (mirrored images)."""
    cutoff = 0.25 * sr
    sos = signal.butter(8, 0.95 * cutoff / (0.5 * sr), output="sos")
    low = signal.sosfilt(sos, x)
    stuffed = np.zeros_like(x)
    stuffed[::2] = 2.0 * low[::2]
    clean = signal.sosfilt(sos, stuffed)
    images = stuffed - clean
    return clean + (0.05 + 0.3 * s) * images


def frame_checkerboard(
    x: np.ndarray, sr: int, rng: np.random.Generator, s: float, plan: UtterancePlan, period: int = 8
) -> np.ndarray:
    """Transposed-convolution artefacts: periodic gain pattern (tones at k*sr/period) and frame-rate ticks."""  # noqa: E501 (first line is Algorithm.description)
    pattern = rng.uniform(-1.0, 1.0, period)
    pattern -= pattern.mean()
    pattern /= np.max(np.abs(pattern)) + 1e-12
    n = x.shape[0]
    phase = pattern[np.arange(n) % period]
    envelope = np.sqrt(signal.lfilter([0.002], [1.0, -0.998], x**2))
    y = x * (1.0 + (0.03 + 0.15 * s) * phase) + (0.05 + 0.2 * s) * envelope * phase
    hop = 256
    tick = np.zeros(hop)
    tick[:4] = rng.uniform(-1.0, 1.0, 4)
    return y + (0.03 + 0.15 * s) * envelope * tick[np.arange(n) % hop]


def subband_aliasing(
    x: np.ndarray, sr: int, rng: np.random.Generator, s: float, plan: UtterancePlan
) -> np.ndarray:
    """Imperfect 4-band PQMF-like synthesis: aliasing mirrored about band edges, edge dips, band gain steps."""  # noqa: E501 (first line is Algorithm.description)
    spec = stft(x)
    n_bins = spec.shape[1]
    out = spec.copy()
    width = max(2, int(n_bins * (0.02 + 0.04 * s)))
    for k in (1, 2, 3):
        edge = int(round(k * (n_bins - 1) / 4))
        for d in range(1, width):
            w = (0.25 + 0.6 * s) * (1.0 - d / width)
            if edge - d >= 0 and edge + d < n_bins:
                out[:, edge + d] += w * spec[:, edge - d]
                out[:, edge - d] += w * spec[:, edge + d]
    gains_db = rng.uniform(-3.0, 3.0, 4) * s
    band = np.minimum((np.arange(n_bins) * 4) // n_bins, 3)
    # the filters' crossovers are not power complementary: a dip at every band edge
    bins = np.arange(n_bins)
    dips_db = sum(
        (4.0 + 6.0 * s) * np.exp(-0.5 * ((bins - k * (n_bins - 1) / 4) / (0.01 * n_bins)) ** 2)
        for k in (1, 2, 3)
    )
    return istft(out * 10.0 ** ((gains_db[band] - dips_db) / 20.0), x.shape[0])


def pv_pitch_shift(
    x: np.ndarray, sr: int, rng: np.random.Generator, s: float, plan: UtterancePlan
) -> np.ndarray:
    """Voice-conversion-like pitch shift: phase-vocoder time stretch, then resampling (phasiness)."""  # noqa: E501 (first line is Algorithm.description)
    semitones = rng.choice([-1.0, 1.0]) * (1.0 + 2.5 * s)
    ratio = Fraction(2.0 ** (semitones / 12.0)).limit_denominator(40)
    alpha = float(ratio)
    spec = stft(x)
    steps = np.arange(0.0, spec.shape[0] - 1, 1.0 / alpha)
    omega = 2 * np.pi * HOP * np.arange(spec.shape[1]) / N_FFT
    phase = np.angle(spec[0])
    frames = np.empty((steps.shape[0], spec.shape[1]), dtype=complex)
    for i, t in enumerate(steps):
        lo = int(t)
        frac = t - lo
        mag = (1 - frac) * np.abs(spec[lo]) + frac * np.abs(spec[lo + 1])
        frames[i] = mag * np.exp(1j * phase)
        dphi = np.angle(spec[lo + 1]) - np.angle(spec[lo]) - omega
        phase = phase + omega + (dphi - 2 * np.pi * np.round(dphi / (2 * np.pi)))
    stretched = istft(frames, int(round(x.shape[0] * alpha)))
    shifted = signal.resample_poly(stretched, ratio.denominator, ratio.numerator)
    return _fix_length(shifted, x.shape[0])


def codec_holes(
    x: np.ndarray, sr: int, rng: np.random.Generator, s: float, plan: UtterancePlan
) -> np.ndarray:
    """Perceptual-codec-like: bins below a per-frame masking threshold zeroed, coarse magnitude steps."""  # noqa: E501 (first line is Algorithm.description)
    spec = stft(x)
    mag_db = 20.0 * np.log10(np.abs(spec) + 1e-9)
    threshold = mag_db.max(axis=1, keepdims=True) - (45.0 - 25.0 * s)
    step = 1.0 + 4.0 * s
    quantised = np.round(mag_db / step) * step
    keep = mag_db > threshold
    out = np.where(keep, 10.0 ** (quantised / 20.0) * np.exp(1j * np.angle(spec)), 0.0)
    return istft(out, x.shape[0])


def mulaw_quantise(
    x: np.ndarray, sr: int, rng: np.random.Generator, s: float, plan: UtterancePlan
) -> np.ndarray:
    """WaveNet-style mu-law output quantisation (4-6 bits): signal-dependent noise floor."""
    bits = int(round(7 - 3 * s))
    mu = 2.0**bits - 1.0
    scale = 0.9 / (np.max(np.abs(x)) + 1e-12)
    v = x * scale
    comp = np.sign(v) * np.log1p(mu * np.abs(v)) / np.log1p(mu)
    q = np.round((comp + 1.0) / 2.0 * mu) / mu * 2.0 - 1.0
    return np.sign(q) * np.expm1(np.abs(q) * np.log1p(mu)) / mu / scale


def musical_noise(
    x: np.ndarray, sr: int, rng: np.random.Generator, s: float, plan: UtterancePlan
) -> np.ndarray:
    """Over-aggressive spectral-subtraction denoiser on the output: isolated tonal 'musical' bursts."""  # noqa: E501 (first line is Algorithm.description)
    noise_level = np.sqrt(np.mean(x**2)) * 10.0 ** (-rng.uniform(18.0, 28.0) / 20.0)
    noisy = x + noise_level * rng.standard_normal(x.shape[0])
    spec = stft(noisy)
    noise_mag = noise_level * np.sqrt(np.sum(np.hanning(N_FFT + 2)[1:-1] ** 2))
    mag = np.abs(spec)
    cleaned = np.maximum(mag - (1.5 + 2.5 * s) * noise_mag, 0.01 * mag)
    return istft(cleaned * np.exp(1j * np.angle(spec)), x.shape[0])


# ----------------------------------------------------------------- the registry
@dataclass(frozen=True)
class Algorithm:
    """One attack algorithm: its stage, function, and per-utterance strength range."""

    name: str
    stage: str  # "plan", "render" or "wave"
    fn: Callable[..., object]
    strength: tuple[float, float] = (0.6, 1.0)

    @property
    def description(self) -> str:
        """First line of the implementing function's docstring."""
        return (self.fn.__doc__ or "").strip().splitlines()[0]


ALGORITHMS: Mapping[str, Algorithm] = MappingProxyType(
    {
        a.name: a
        for a in (
            Algorithm("flat_pitch", "plan", flat_pitch),
            Algorithm("oversmoothed_params", "plan", oversmoothed_params),
            Algorithm("buzzy_excitation", "plan", buzzy_excitation),
            Algorithm("noise_excitation", "plan", noise_excitation),
            Algorithm("frame_hold", "plan", frame_hold, (0.3, 1.0)),
            Algorithm("unit_concatenation", "render", unit_concatenation),
            Algorithm("griffin_lim", "wave", griffin_lim),
            Algorithm("cepstral_vocoder", "wave", cepstral_vocoder),
            Algorithm("bandlimit_imaging", "wave", bandlimit_imaging),
            Algorithm("frame_checkerboard", "wave", frame_checkerboard),
            Algorithm("subband_aliasing", "wave", subband_aliasing),
            Algorithm("pv_pitch_shift", "wave", pv_pitch_shift, (0.3, 1.0)),
            Algorithm("codec_holes", "wave", codec_holes),
            Algorithm("mulaw_quantise", "wave", mulaw_quantise),
            Algorithm("musical_noise", "wave", musical_noise, (0.3, 1.0)),
        )
    }
)

#: Algorithms reserved for the In-the-Wild-like corpus (unseen by every other corpus).
WILD_ONLY = frozenset({"pv_pitch_shift", "frame_hold", "musical_noise"})

_STAGE_ORDER = {"plan": 0, "render": 1, "wave": 2}


@dataclass(frozen=True)
class Step:
    """One algorithm of a recipe, with fixed keyword parameters.

    ``strength`` overrides the algorithm's per-utterance strength range, so a
    corpus can reuse a family at other settings (the In-the-Wild-like
    ``learnable`` mode); ``None`` keeps :attr:`Algorithm.strength`.
    """

    algorithm: str
    params: tuple[tuple[str, object], ...] = ()  # sorted (name, value) pairs; hashable
    strength: tuple[float, float] | None = None

    def __post_init__(self) -> None:
        if self.strength is not None and not 0.0 <= self.strength[0] <= self.strength[1] <= 1.0:
            raise ValueError(
                f"{self.algorithm}: strength range must lie in [0, 1], got {self.strength}"
            )


@dataclass(frozen=True)
class Recipe:
    """An ordered chain of algorithms that together make one spoofing system."""

    steps: tuple[Step, ...]

    def __post_init__(self) -> None:
        stages = []
        for step in self.steps:
            if step.algorithm not in ALGORITHMS:
                raise ValueError(f"unknown attack algorithm {step.algorithm!r}")
            stages.append(_STAGE_ORDER[ALGORITHMS[step.algorithm].stage])
        if stages != sorted(stages) or stages.count(1) > 1:
            raise ValueError(
                f"recipe steps must run plan -> render (at most one) -> wave: {self.names}"
            )

    @property
    def names(self) -> tuple[str, ...]:
        """Algorithm names in order."""
        return tuple(s.algorithm for s in self.steps)


def recipe(
    *steps: str
    | tuple[str, dict[str, object]]
    | tuple[str, dict[str, object], tuple[float, float]],
) -> Recipe:
    """Build a recipe from algorithm names, (name, params) pairs or (name, params, strength)."""
    return Recipe(tuple(_step(s) for s in steps))


def _step(spec: str | tuple) -> Step:
    """One :class:`Step` from a name, (name, params) or (name, params, (lo, hi) strength)."""
    if isinstance(spec, str):
        return Step(spec)
    name, params, *rest = spec
    strength = (float(rest[0][0]), float(rest[0][1])) if rest else None
    return Step(name, tuple(sorted(params.items())), strength)


def synthesize_spoof(
    chain: Recipe,
    plan: UtterancePlan,
    speaker: Speaker,
    sr: int,
    rng: np.random.Generator,
    record: Callable[[np.ndarray], np.ndarray],
    render_rng: np.random.Generator | None = None,
) -> np.ndarray:
    """Run a recipe: plan edits, rendering, the corpus' ``record`` channel, then waveform artefacts.

    Strengths are drawn from ``rng`` per step, so each utterance gets its own.
    ``render_rng`` (default ``rng``) drives plain rendering: passing the
    bonafide's render generator makes a waveform-only recipe start from the
    very same recording, as vocoders re-synthesise real recordings.
    """
    render_rng = rng if render_rng is None else render_rng
    options = RenderOptions()
    x: np.ndarray | None = None
    for step in chain.steps:
        alg = ALGORITHMS[step.algorithm]
        lo, hi = alg.strength if step.strength is None else step.strength
        s = float(rng.uniform(lo, hi))
        if alg.stage == "plan":
            plan, options = alg.fn(plan, options, rng, s, **dict(step.params))
        elif alg.stage == "render":
            x = record(alg.fn(plan, speaker, options, sr, rng, s, **dict(step.params)))
        else:
            if x is None:
                x = record(render(plan, speaker, sr, render_rng, options))
            x = alg.fn(x, sr, rng, s, plan, **dict(step.params))
    if x is None:
        x = record(render(plan, speaker, sr, render_rng, options))
    if not np.all(np.isfinite(x)):
        raise FloatingPointError(f"attack recipe {chain.names} produced non-finite samples")
    return x


#: ASVspoof 2019 LA attack ids -> recipes (train/dev: A01-A06; eval: A07-A19).
ASVSPOOF_ATTACKS: Mapping[str, Recipe] = MappingProxyType(
    {
        "A01": recipe("mulaw_quantise"),  # NN TTS + WaveNet
        "A02": recipe("cepstral_vocoder"),  # NN TTS + WORLD
        "A03": recipe("oversmoothed_params"),  # parametric TTS
        "A04": recipe("unit_concatenation"),  # waveform concatenation
        "A05": recipe("buzzy_excitation"),  # VC + simple vocoder
        "A06": recipe("codec_holes"),  # VC + spectral filtering
        "A07": recipe("cepstral_vocoder", "frame_checkerboard"),  # WORLD-like + GAN post-filter
        "A08": recipe("flat_pitch", "cepstral_vocoder"),
        "A09": recipe("buzzy_excitation", "bandlimit_imaging"),
        "A10": recipe("frame_checkerboard", "mulaw_quantise"),
        "A11": recipe("oversmoothed_params", "griffin_lim"),  # acoustic model + Griffin-Lim
        "A12": recipe("flat_pitch", "mulaw_quantise"),
        "A13": recipe("unit_concatenation", "codec_holes"),
        "A14": recipe("oversmoothed_params", "subband_aliasing"),
        "A15": recipe("noise_excitation", "mulaw_quantise"),
        "A16": recipe("unit_concatenation"),  # same as A04
        "A17": recipe("bandlimit_imaging", "codec_holes"),
        "A18": recipe("flat_pitch", "subband_aliasing"),
        "A19": recipe("codec_holes"),  # same as A06
    }
)
ASVSPOOF_TRAIN_IDS = tuple(f"A{i:02d}" for i in range(1, 7))
ASVSPOOF_EVAL_IDS = tuple(f"A{i:02d}" for i in range(7, 20))

#: WaveFake vocoder folder -> (recipe, file-name suffix after the LJSpeech id).
WAVEFAKE_VOCODERS: Mapping[str, tuple[Recipe, str]] = MappingProxyType(
    {
        "ljspeech_melgan": (recipe(("frame_checkerboard", {"period": 8})), "_gen"),
        "ljspeech_melgan_large": (recipe(("frame_checkerboard", {"period": 16})), "_gen"),
        "ljspeech_multi_band_melgan": (recipe("subband_aliasing"), "_gen"),
        "ljspeech_full_band_melgan": (
            recipe(("frame_checkerboard", {"period": 4}), "codec_holes"),
            "_gen",
        ),
        "ljspeech_hifiGAN": (recipe("bandlimit_imaging"), "_generated"),
        "ljspeech_parallel_wavegan": (recipe("noise_excitation"), "_gen"),
        "ljspeech_waveglow": (recipe("griffin_lim"), ""),
    }
)
WAVEFAKE_FALLBACK: tuple[Recipe, ...] = (
    recipe("griffin_lim"),
    recipe("noise_excitation", "frame_checkerboard"),
    recipe("subband_aliasing"),
    recipe("mulaw_quantise"),
    recipe("bandlimit_imaging"),
)
_SUFFIXES = ("_gen", "_generated", "")


def describe(chain: Recipe) -> str:
    """Human-readable recipe, e.g. ``flat_pitch + mulaw_quantise``."""
    parts = []
    for step in chain.steps:
        args = [f"{k}={v}" for k, v in step.params]
        if step.strength is not None:
            args.append(f"strength={step.strength[0]:g}-{step.strength[1]:g}")
        parts.append(f"{step.algorithm}({', '.join(args)})" if args else step.algorithm)
    return " + ".join(parts)


def wavefake_vocoder(folder: str) -> tuple[Recipe, str]:
    """Recipe and file-name suffix of a WaveFake vocoder folder (stable for unknown names)."""
    if folder in WAVEFAKE_VOCODERS:
        return WAVEFAKE_VOCODERS[folder]
    h = stable_key(folder)
    return WAVEFAKE_FALLBACK[h % len(WAVEFAKE_FALLBACK)], _SUFFIXES[(h >> 8) % len(_SUFFIXES)]


#: FoR's seven "TTS systems" (no attack ids on disk).
FOR_RECIPES: tuple[Recipe, ...] = (
    recipe("griffin_lim"),
    recipe("flat_pitch", "mulaw_quantise"),
    recipe("cepstral_vocoder"),
    recipe(("frame_checkerboard", {"period": 8})),
    recipe("buzzy_excitation"),
    recipe("noise_excitation"),
    recipe("oversmoothed_params", "bandlimit_imaging"),
)

#: In-the-Wild fakes: only algorithms no other corpus uses.
ITW_RECIPES: tuple[Recipe, ...] = (
    recipe("pv_pitch_shift"),
    recipe("frame_hold"),
    recipe("musical_noise"),
    recipe("frame_hold", "pv_pitch_shift"),
)
