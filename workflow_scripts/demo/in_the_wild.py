"""Demo In-the-Wild corpus: ``release_in_the_wild/meta.csv`` and ``<n>.wav`` at 16 kHz.

Written (see ``datasets/in_the_wild.py`` for the reader)::

    release_in_the_wild/meta.csv      header ``file,speaker,label`` (``bona-fide``/``spoof``)
    release_in_the_wild/<n>.wav       16 kHz, 16-bit PCM

``sizes``: ``{"mode": "learnable", "bonafide": b, "spoof": s, "n_speakers": k,
"duration_s": [min, max]}`` (the last two optional).
Two modes answer two questions:

- ``learnable`` (the default): an out-of-domain set on which what a detector
  learned elsewhere partly carries over. Spoofs come from :data:`LEARNABLE_RECIPES`,
  the training corpora's synthesis families at other strengths and in other
  combinations, two of them joined by an algorithm no other corpus uses; other speakers and texts;
  bonafide and spoof alike then pass :func:`wild_channel`, a real-world channel
  of moderate severity (room, background noise, band limits, a real lossy-codec
  round trip, compression). Every speaker has clips of both classes, in
  near-equal numbers, so a speaker-level bootstrap can resample speakers.
- ``hard`` (``config/demo_hard.yaml``): the earlier set, kept byte-identical
  (audio and ``meta.csv``): only
  :data:`~workflow_scripts.demo.attacks.WILD_ONLY` algorithms, under heavy
  damage (:func:`~workflow_scripts.demo.channels.degrade_wild`), speakers
  drawn per clip; detectors trained on the other demo corpora sit at chance.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from . import channels, codecs
from .attacks import ITW_RECIPES, Recipe, describe, recipe
from .jobs import AudioJob, check_duration, count, drawn_utterance
from .speech import rng_for, sample_speaker

FORMAT = "in_the_wild"
MODES = ("learnable", "hard")
ALLOWED_KEYS = {"mode", "bonafide", "spoof", "n_speakers", "duration_s"}
SR = 16000
RELEASE = "release_in_the_wild"
#: Speakers of the learnable mode when ``n_speakers`` is not given (capped at the smaller class).
DEFAULT_LEARNABLE_SPEAKERS = 24
#: Speakers of the hard mode when ``n_speakers`` is not given.
DEFAULT_HARD_SPEAKERS = 8
LEVELS_DBFS = (-32.0, -14.0)

_HARD_NAMES = (
    "Avery Stone", "Blake Harrow", "Casey Lindqvist", "Dana Okafor", "Emery Vance", "Finley Moreau",
    "Gray Tanaka", "Harper Quist", "Indra Bell", "Jules Ferreira", "Kai Novak", "Logan Pryce",
)  # fmt: skip
_FIRST = (
    "Alex", "Bo", "Cleo", "Dev", "Eli", "Fern", "Gus", "Hana", "Ivo", "Jo", "Kit", "Lena",
)  # fmt: skip
_LAST = (
    "Abbott", "Brandt", "Castillo", "Dimitrov", "Eklund", "Fontaine", "Gallo", "Haddad",
    "Ishikawa", "Jansen", "Kowalski", "Lindgren",
)  # fmt: skip
#: Most speakers the learnable mode can name (every first name with every surname).
MAX_LEARNABLE_SPEAKERS = len(_FIRST) * len(_LAST)

#: Learnable-mode spoofing systems: families of the training corpora (ASVspoof-like A01-A06,
#: FoR's and WaveFake's recipes) at other strengths and in other combinations; systems 3 and 8
#: add an algorithm no other corpus uses (frame_hold, pv_pitch_shift).
LEARNABLE_RECIPES: tuple[Recipe, ...] = (
    recipe(("mulaw_quantise", {}, (0.5, 0.9))),  # WaveNet-like, finer output quantisation
    recipe(("cepstral_vocoder", {}, (0.5, 0.9))),  # WORLD-like, richer envelope
    recipe(("oversmoothed_params", {}, (0.4, 0.8)), ("frame_hold", {}, (0.2, 0.5))),
    recipe(("unit_concatenation", {}, (0.5, 0.9))),
    recipe(("buzzy_excitation", {}, (0.4, 0.8)), ("frame_checkerboard", {"period": 6}, (0.4, 0.8))),
    recipe(("noise_excitation", {}, (0.4, 0.8)), ("mulaw_quantise", {}, (0.4, 0.8))),
    recipe(("flat_pitch", {}, (0.5, 0.9)), ("griffin_lim", {}, (0.8, 1.0))),
    recipe(("pv_pitch_shift", {}, (0.2, 0.5)), ("codec_holes", {}, (0.6, 1.0))),
)
#: Recording profile of the learnable mode (the real-world damage is :func:`wild_channel`'s).
LEARNABLE_PROFILE = "vctk_studio"
#: Lossy codecs of the learnable channel (libsndfile round trips): (format, subtype).
WILD_CODECS = (("MP3", "MPEG_LAYER_III"), ("OGG", "VORBIS"))


# ------------------------------------------------------------------ the channel
def wild_channel(x: np.ndarray, sr: int, rng: np.random.Generator) -> np.ndarray:
    """Real-world channel of moderate severity, for bonafide and spoof alike.

    Two clips in five get a room (RT60 0.1-0.4 s, 5-25 % wet); every clip gets
    background noise at 30-50 dB SNR and a gentle EQ tilt, one in twenty with a
    telephone band (8 kHz, 300-3400 Hz), a further fifth with a 5-7.5 kHz low-pass;
    a quarter then pass a real MP3 or Vorbis round trip, a third mild
    compression. The damage masks part of each spoof's trace but, unlike the hard
    mode's :func:`~workflow_scripts.demo.channels.degrade_wild`, rarely all of it.
    One equaliser pass does tilt and band together, to keep generation cheap.
    """
    n = x.shape[0]
    y = x
    if rng.random() < 0.4:
        y = channels.reverberate(y, sr, rng.uniform(0.1, 0.4), rng.uniform(0.05, 0.25), rng)
    y = channels.add_noise(y, channels.background(n, sr, rng), rng.uniform(30.0, 50.0), sr)
    band, tilt = rng.random(), rng.uniform(-3.0, 2.0)
    if band < 0.05:
        y = channels.resample(channels.resample(y, sr, 8000), 8000, sr)[:n]
        y = channels.tilt_and_band(y, sr, tilt, 300.0, 3400.0)
    else:
        lowpass = rng.uniform(5000.0, 7500.0) if band < 0.25 else 0.49 * sr
        y = channels.tilt_and_band(y, sr, tilt, 30.0, lowpass)
    if rng.random() < 0.25:
        fmt, subtype = WILD_CODECS[int(rng.integers(len(WILD_CODECS)))]
        level = float(rng.uniform(0.1, 0.5))
        peak = float(np.max(np.abs(y))) + 1e-12
        y = codecs.round_trip(y * (0.5 / peak), sr, fmt, subtype, level) * (peak / 0.5)
        y = y[:n] if y.shape[0] >= n else np.pad(y, (0, n - y.shape[0]))
    if rng.random() < 0.33:
        y = channels.compress(y, sr, rng.uniform(-25.0, -12.0), rng.uniform(1.5, 4.0))
    return y


def _degrade(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Hard-mode post-processing at the corpus rate."""
    return channels.degrade_wild(x, SR, rng)


def _wild(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Learnable-mode post-processing at the corpus rate."""
    return wild_channel(x, SR, rng)


# ------------------------------------------------------------------ the layout
def speaker_name(k: int) -> str:
    """Name of learnable-mode speaker ``k`` (distinct for k < :data:`MAX_LEARNABLE_SPEAKERS`)."""
    if not 0 <= k < MAX_LEARNABLE_SPEAKERS:
        raise ValueError(f"speaker index out of range: {k}")
    first = k % len(_FIRST)
    return f"{_FIRST[first]} {_LAST[(5 * first + 3 + k // len(_FIRST)) % len(_LAST)]}"


def mode_of(sizes: Mapping[str, object]) -> str:
    """The corpus mode (``learnable`` unless ``sizes`` says otherwise), validated."""
    mode = sizes.get("mode", "learnable")
    if mode not in MODES:
        raise ValueError(f"demo sizes: in_the_wild.mode must be one of {MODES}, got {mode!r}")
    return str(mode)


def jobs(
    sizes: Mapping[str, object], seed: int, duration_s: tuple[float, float]
) -> tuple[list[AudioJob], dict[str, str]]:
    """Audio jobs and ``meta.csv`` of the demo ``in_the_wild`` corpus in its configured mode.

    ``sizes["duration_s"]`` (if given and not None) replaces the demo-wide ``duration_s``.
    """
    if sizes.get("duration_s") is not None:
        duration_s = check_duration(sizes["duration_s"], "in_the_wild.duration_s")
    n_bona = count(sizes.get("bonafide"), "in_the_wild.bonafide")
    n_spoof = count(sizes.get("spoof"), "in_the_wild.spoof")
    n_speakers = sizes.get("n_speakers")
    if mode_of(sizes) == "hard":
        k = (
            DEFAULT_HARD_SPEAKERS
            if n_speakers is None
            else count(n_speakers, "in_the_wild.n_speakers")
        )
        return _hard_jobs(n_bona, n_spoof, k, seed, duration_s)
    if n_speakers is None:
        k = max(1, min(DEFAULT_LEARNABLE_SPEAKERS, n_bona, n_spoof))
    else:
        k = count(n_speakers, "in_the_wild.n_speakers")
        if not 1 <= k <= min(n_bona, n_spoof, MAX_LEARNABLE_SPEAKERS):
            raise ValueError(
                f"demo sizes: in_the_wild.n_speakers must be in 1..min(bonafide, spoof, "
                f"{MAX_LEARNABLE_SPEAKERS}) so that every speaker has clips of both classes, "
                f"got {k} with {n_bona} bonafide and {n_spoof} spoof"
            )
    return _learnable_jobs(n_bona, n_spoof, k, seed, duration_s)


def _learnable_jobs(
    n_bona: int, n_spoof: int, n_speakers: int, seed: int, duration_s: tuple[float, float]
) -> tuple[list[AudioJob], dict[str, str]]:
    """Every speaker gets ``n // n_speakers`` (or one more) clips of each class; each speaker's
    spoofs run through the systems in turn from a speaker-specific start, so every system
    meets many speakers; file numbers are shuffled over speakers and classes."""
    names = [speaker_name(k) for k in range(n_speakers)]
    clips: list[tuple[str, Recipe | None]] = []
    for k, name in enumerate(names):
        n_b = n_bona // n_speakers + (k < n_bona % n_speakers)
        n_s = n_spoof // n_speakers + (k < n_spoof % n_speakers)
        clips += [(name, None)] * n_b
        clips += [(name, LEARNABLE_RECIPES[(k + j) % len(LEARNABLE_RECIPES)]) for j in range(n_s)]
    speakers = {
        nm: sample_speaker(rng_for(seed, "in_the_wild", "learnable", "speaker", nm), nm)
        for nm in names
    }
    order = rng_for(seed, "in_the_wild", "learnable", "layout").permutation(len(clips))
    rows = ["file,speaker,label\n"]
    out: list[AudioJob] = []
    for i, c in enumerate(order):
        name, chain = clips[c]
        rows.append(f"{i}.wav,{name},{'bona-fide' if chain is None else 'spoof'}\n")
        keys = ("in_the_wild", "learnable", i)
        make = drawn_utterance(
            seed, keys, speakers[name], duration_s, LEVELS_DBFS, SR, LEARNABLE_PROFILE, chain, _wild
        )
        out.append(AudioJob(f"{RELEASE}/{i}.wav", SR, make))
    return out, {f"{RELEASE}/meta.csv": "".join(rows)}


def _hard_jobs(
    n_bona: int, n_spoof: int, n_speakers: int, seed: int, duration_s: tuple[float, float]
) -> tuple[list[AudioJob], dict[str, str]]:
    """The earlier In-the-Wild-like set (unchanged: same files for the same seed and sizes)."""
    if not 1 <= n_speakers <= len(_HARD_NAMES):
        raise ValueError(
            f"demo sizes: in_the_wild.n_speakers must be in 1..{len(_HARD_NAMES)} in hard mode, "
            f"got {n_speakers}"
        )
    names = _HARD_NAMES[:n_speakers]
    speakers = {nm: sample_speaker(rng_for(seed, "in_the_wild", "speaker", nm), nm) for nm in names}
    rng = rng_for(seed, "in_the_wild", "layout")
    labels = ["bona-fide"] * n_bona + ["spoof"] * n_spoof
    recipe_of = [None] * n_bona + [ITW_RECIPES[k % len(ITW_RECIPES)] for k in range(n_spoof)]
    order = rng.permutation(n_bona + n_spoof)
    rows = ["file,speaker,label\n"]
    out: list[AudioJob] = []
    for i, k in enumerate(order):
        name = names[int(rng.integers(n_speakers))]
        rows.append(f"{i}.wav,{name},{labels[k]}\n")
        keys = ("in_the_wild", i)
        make = drawn_utterance(
            seed, keys, speakers[name], duration_s, LEVELS_DBFS, SR, "wild_source", recipe_of[k],
            _degrade,
        )  # fmt: skip
        out.append(AudioJob(f"{RELEASE}/{i}.wav", SR, make))
    return out, {f"{RELEASE}/meta.csv": "".join(rows)}


def systems(sizes: Mapping[str, object]) -> list[tuple[str, str]]:
    """(system, algorithm chain) pairs the corpus' spoofs come from, for its README."""
    chains = ITW_RECIPES if mode_of(sizes) == "hard" else LEARNABLE_RECIPES
    return [(f"system{k + 1}", describe(v)) for k, v in enumerate(chains)]
