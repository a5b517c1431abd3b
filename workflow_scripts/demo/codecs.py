"""Simulated codecs and transmission channels of the demo ASVspoof 2021 and ASVspoof 5 corpora.

The real corpora pass bonafide and spoofed speech alike through telephony and
VoIP codecs (2021 LA), media compression (2021 DF) and wide- and narrow-band
speech codecs (ASVspoof 5). The demo corpora mimic each named condition with
what libsndfile provides (MP3, Ogg Vorbis, Opus round trips) and simple
stand-ins for the rest (band limits, G.711-like companding, perceptual-codec
spectral holes, frame loss); only the condition names come from the real
corpora, the processing is a synthetic approximation.
"""

from __future__ import annotations

import io
from collections.abc import Callable

import numpy as np
import soundfile as sf

from . import channels
from .attacks import codec_holes

Step = Callable[[np.ndarray, int, np.random.Generator], np.ndarray]


def round_trip(
    x: np.ndarray, sr: int, fmt: str, subtype: str, level: float | None = None
) -> np.ndarray:
    """Encode with libsndfile (``compression_level`` ``level``, 0 best .. 1 smallest) and decode.

    The decoded signal keeps the codec's delay and padding (silence at both ends).
    """
    buf = io.BytesIO()
    extra = {} if level is None else {"compression_level": level}
    sf.write(
        buf, np.clip(x, -1.0, 1.0).astype(np.float32), sr, format=fmt, subtype=subtype, **extra
    )
    buf.seek(0)
    y, rate = sf.read(buf, dtype="float64")
    if rate != sr or y.ndim != 1 or y.shape[0] == 0:
        raise RuntimeError(f"{fmt} round trip at {sr} Hz returned {y.shape} samples at {rate} Hz")
    return y


def mp3_round_trip(x: np.ndarray, sr: int) -> np.ndarray:
    """Encode to MP3 (libsndfile's LAME, default quality) and decode again, as FoR's sources were.

    The decoded signal carries the codec's delay and padding (silence at both ends).
    """
    return round_trip(x, sr, "MP3", "MPEG_LAYER_III")


# ------------------------------------------------------------------ steps
def band(lo: float, hi: float) -> Step:
    """Soft band limits (telephone 300-3400 Hz, wideband 50-7000 Hz, ...)."""
    return lambda x, sr, rng: channels.tilt_and_band(x, sr, 0.0, lo, min(hi, 0.45 * sr))


def companding(mu: float = 255.0, bits: int = 8) -> Step:
    """G.711-like logarithmic companding to ``bits`` bits (mu-law curve; A-law is close)."""

    def step(x: np.ndarray, sr: int, rng: np.random.Generator) -> np.ndarray:
        scale = 0.95 / (np.max(np.abs(x)) + 1e-12)
        v = x * scale
        comp = np.sign(v) * np.log1p(mu * np.abs(v)) / np.log1p(mu)
        levels = 2.0 ** (bits - 1)
        q = np.round(comp * levels) / levels
        return np.sign(q) * np.expm1(np.abs(q) * np.log1p(mu)) / mu / scale

    return step


def holes(strength: float) -> Step:
    """Perceptual-codec spectral holes and coarse magnitudes (``attacks.codec_holes``)."""
    return lambda x, sr, rng: codec_holes(x, sr, rng, strength, None)  # type: ignore[arg-type]


def codec_file(fmt: str, subtype: str, level: float | None) -> Step:
    """A real libsndfile round trip (MP3, Ogg Vorbis or Opus)."""
    return lambda x, sr, rng: round_trip(x, sr, fmt, subtype, level)


def frame_loss(rate: float) -> Step:
    """Packet loss: 20 ms frames dropped with probability ``rate``, concealed by repetition."""

    def step(x: np.ndarray, sr: int, rng: np.random.Generator) -> np.ndarray:
        hop = int(0.02 * sr)
        y = x.copy()
        for start in range(hop, y.shape[0] - hop, hop):
            if rng.random() < rate:
                y[start : start + hop] = y[start - hop : start]
        return y

    return step


def line_noise(snr_db: float) -> Step:
    """Low-level channel hiss at ``snr_db``."""
    return lambda x, sr, rng: channels.add_noise(
        x, channels.coloured_noise(x.shape[0], rng, 1.0), snr_db, sr
    )


NARROW = band(300.0, 3400.0)
WIDE = band(50.0, 7000.0)
MP3 = ("MP3", "MPEG_LAYER_III")
VORBIS = ("OGG", "VORBIS")
OPUS = ("OGG", "OPUS")

#: ASVspoof 2021 LA codecs (LA-C1..C7) and transmissions (local, France-Italy/Singapore, Spain).
LA_CODECS: dict[str, tuple[Step, ...]] = {
    "none": (),
    "alaw": (NARROW, companding(87.6)),
    "pstn": (NARROW, companding(), line_noise(35.0)),
    "g722": (WIDE, holes(0.2)),
    "ulaw": (NARROW, companding()),
    "gsm": (NARROW, holes(0.8)),
    "opus": (codec_file(*OPUS, 0.6),),
}
LA_TRANSMISSIONS: dict[str, tuple[Step, ...]] = {
    "-": (),
    "loc_tx": (),
    "ita_tx": (frame_loss(0.01),),
    "sin_tx": (frame_loss(0.03),),
    "mad_tx": (frame_loss(0.02), line_noise(40.0)),
}
#: ASVspoof 2021 DF compression conditions (DF-C1..C9).
DF_CODECS: dict[str, tuple[Step, ...]] = {
    "nocodec": (),
    "low_mp3": (codec_file(*MP3, 0.9),),
    "high_mp3": (codec_file(*MP3, 0.1),),
    "low_m4a": (holes(0.8),),
    "high_m4a": (holes(0.3),),
    "low_ogg": (codec_file(*VORBIS, 0.9),),
    "high_ogg": (codec_file(*VORBIS, 0.1),),
    "mp3m4a": (codec_file(*MP3, 0.5), holes(0.5)),
    "oggm4a": (codec_file(*VORBIS, 0.5), holes(0.5)),
}
#: ASVspoof 5 codec conditions C01..C11 (wideband, narrowband, C11 a device channel).
ASVSPOOF5_CODECS: dict[str, tuple[Step, ...]] = {
    "C01": (codec_file(*OPUS, 0.6),),
    "C02": (WIDE, holes(0.6)),
    "C03": (WIDE, holes(0.5)),
    "C04": (WIDE, holes(0.4), frame_loss(0.005)),
    "C05": (codec_file(*MP3, 0.6),),
    "C06": (holes(0.5),),
    "C07": (codec_file(*MP3, 0.6), holes(0.3)),
    "C08": (NARROW, codec_file(*OPUS, 0.8)),
    "C09": (NARROW, holes(0.8)),
    "C10": (NARROW, holes(0.7)),
    "C11": (band(200.0, 6000.0), line_noise(30.0)),
}


def apply(steps: tuple[Step, ...], x: np.ndarray, sr: int, rng: np.random.Generator) -> np.ndarray:
    """Run a condition's steps in order."""
    for step in steps:
        x = step(x, sr, rng)
    return x


def trim_silence(x: np.ndarray, sr: int, floor_db: float = -35.0) -> np.ndarray:
    """Cut leading and trailing 10 ms frames below ``floor_db`` of the loudest (the 2021 hidden
    subsets' non-speech trimming)."""
    hop = max(1, int(0.01 * sr))
    n = x.shape[0] // hop
    if n == 0:
        return x
    power = np.mean(x[: n * hop].reshape(n, hop) ** 2, axis=1)
    loud = np.flatnonzero(power >= power.max() * 10.0 ** (floor_db / 10.0))
    return x[loud[0] * hop : (loud[-1] + 1) * hop]
