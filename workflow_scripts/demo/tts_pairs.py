"""One real TTS voice reading minimal pairs, and edited copies of its clips: the hard negatives
and the positives the duplicate threshold is calibrated on (docs/sampling.md).

Different words of one speaker are what a coarse content fingerprint confuses
("six" / "sixth", "b" / "d", "pause" / "paused"): the same voice, timing and
spectrum but for a phoneme or two. A real speech synthesiser (eSpeak NG,
Debian package ``espeak-ng``, installed by scripts/install_system_deps.sh)
gives such pairs in seconds, deterministically, with one voice. Copies are
what one recording looks like after re-publication (:func:`edited_copy`):
leading and trailing silence, a gain, resampling, MP3 round trips and a
lowpass at LAME's 16 kHz cut-off.
"""

from __future__ import annotations

import io
import shutil
import subprocess

import numpy as np
import soundfile as sf
from scipy import signal

from workflow_scripts.demo import channels
from workflow_scripts.demo.codecs import mp3_round_trip

#: The synthesiser's program name.
ESPEAK = "espeak-ng"
#: The one voice every clip is read with (eSpeak NG's American English, default pitch and speed).
VOICE = "en-us"
#: Texts that differ by a phoneme or two, read by one voice: must never be merged.
MINIMAL_PAIRS: tuple[tuple[str, str], ...] = (
    ("six", "sixth"),
    ("b", "d"),
    ("pause", "paused"),
    ("billion", "million"),
    ("to increase the rate", "to decrease the rate"),
    ("p", "t"),
    ("m", "n"),
    ("f", "s"),
    ("cap", "cat"),
    ("seven", "eleven"),
    ("fifteen", "fifty"),
    ("sixteen", "sixty"),
    ("ship", "chip"),
    ("bat", "pat"),
    ("thirteen", "thirty"),
    ("rate", "rates"),
    ("walk", "walked"),
    ("the first one", "the third one"),
    ("he said yes", "he said no"),
    ("sixty six", "sixty seven"),
    ("one thousand", "one thousandth"),
    ("fast", "vast"),
    ("sip", "zip"),
    ("fine", "vine"),
    ("late", "laid"),
    ("a", "eight"),
)
#: Single letters (clips under 1 s, most rhyming): every two of them form a minimal pair too.
LETTERS: tuple[str, ...] = tuple("abcdefghijklmnopqrstuvwxyz")
#: The channel of an edited copy after its silence and gain (:func:`edited_copy`).
EDITS: tuple[str, ...] = (
    "wav",
    "resample_16k",
    "resample_44k",
    "mp3_44k",
    "mp3_22k_to_16k",
    "mp3_16k",
    "lowpass_7k",
)
#: Added silence (s) before and after, and the gain range (dB) of every edited copy.
MAX_LEAD_S = 0.5
MAX_TRAIL_S = 0.5
MAX_GAIN_DB = 6.0


def espeak_available() -> bool:
    """Whether the synthesiser is on PATH."""
    return shutil.which(ESPEAK) is not None


def speak(
    text: str, *, voice: str = VOICE, speed: int = 175, pitch: int = 50
) -> tuple[np.ndarray, int]:
    """``text`` read by eSpeak NG: (float32 mono wave, sample rate; 22.05 kHz)."""
    if not espeak_available():
        raise FileNotFoundError(
            f"{ESPEAK} is not on PATH (Debian package espeak-ng; scripts/install_system_deps.sh)"
        )
    proc = subprocess.run(
        [ESPEAK, "-v", voice, "-s", str(speed), "-p", str(pitch), "--stdout", text],
        check=True,
        capture_output=True,
        timeout=60,
    )
    wave, rate = sf.read(io.BytesIO(proc.stdout), dtype="float32")
    if wave.ndim != 1 or not wave.size:
        raise ValueError(f"{ESPEAK} gave no mono audio for {text!r}")
    return wave, int(rate)


def lowpass(x: np.ndarray, sr: int, cutoff_hz: float) -> np.ndarray:
    """8th-order Butterworth lowpass (an encoder's band limit)."""
    sos = signal.butter(8, cutoff_hz, fs=sr, output="sos")
    return signal.sosfilt(sos, x)


def edited_copy(
    x: np.ndarray, sr: int, edit: str, rng: np.random.Generator
) -> tuple[np.ndarray, int, dict[str, float]]:
    """A re-published copy of ``x``: (wave, rate, what was done).

    Every copy gets 0.05-``MAX_LEAD_S`` s of leading and 0-``MAX_TRAIL_S`` s of
    trailing digital silence and a gain of +-``MAX_GAIN_DB`` dB (less where the
    peak would pass 0.9: clipping is not an edit a copy should survive), then the
    channel ``edit`` (one of :data:`EDITS`): kept as is (``wav``), resampled to
    16 or 44.1 kHz, an MP3 round trip at 44.1 kHz, at the source rate then
    resampled to 16 kHz (as FoR's files), or at 16 kHz, or resampled to 16 kHz
    and lowpassed at 7 kHz (LAME's cut-off at 16 kHz).
    """
    if edit not in EDITS:
        raise ValueError(f"unknown edit {edit!r}; expected one of {EDITS}")
    lead = float(rng.uniform(0.05, MAX_LEAD_S))
    trail = float(rng.uniform(0.0, MAX_TRAIL_S))
    peak = float(np.max(np.abs(x))) if np.size(x) else 0.0
    headroom = 20.0 * np.log10(0.9 / peak) if peak > 0 else MAX_GAIN_DB
    gain_db = float(rng.uniform(-MAX_GAIN_DB, min(MAX_GAIN_DB, headroom)))  # never clipped
    y = np.concatenate(
        [np.zeros(int(lead * sr)), np.asarray(x, np.float64), np.zeros(int(trail * sr))]
    ) * (10.0 ** (gain_db / 20.0))
    rate = sr
    if edit == "resample_16k" or edit == "lowpass_7k":
        y, rate = channels.resample(y, sr, 16000), 16000
        if edit == "lowpass_7k":
            y = lowpass(y, rate, 7000.0)
    elif edit == "resample_44k":
        y, rate = channels.resample(y, sr, 44100), 44100
    elif edit == "mp3_44k":
        y, rate = mp3_round_trip(channels.resample(y, sr, 44100), 44100), 44100
    elif edit == "mp3_22k_to_16k":
        y, rate = channels.resample(mp3_round_trip(y, sr), sr, 16000), 16000
    elif edit == "mp3_16k":
        y, rate = mp3_round_trip(channels.resample(y, sr, 16000), 16000), 16000
    info = {"lead_s": lead, "trail_s": trail, "gain_db": gain_db}
    return np.clip(y, -1.0, 1.0).astype(np.float32), rate, info
