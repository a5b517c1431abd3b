"""Where to put the duplicate threshold: edited copies against minimal pairs of one voice.

    python bench/bench_duplicate_pairs.py [--edits wav mp3_44k ...] [--noise-db -50]
        [--out results.json]

Reads every text of :data:`~workflow_scripts.demo.tts_pairs.MINIMAL_PAIRS` and
every letter with one eSpeak NG voice, makes one edited copy of each clip per
edit (:func:`~workflow_scripts.demo.tts_pairs.edited_copy`: leading and
trailing silence, gain, then resampling, MP3 round trips or a 7 kHz lowpass),
writes them all as WAV files and fingerprints them with the package's
:func:`~workflow_scripts.features.fingerprint.fingerprint_file`. It then
scores, with the vector stage (best over the lags, as the scan) and the frame
stage (:func:`~workflow_scripts.sampling.duplicates.frame_similarity`):

* every copy against its original (must be found),
* every minimal pair and every two letters (must not be),
* every other two different texts (unrelated words of the same voice),

and prints, per group, the minimum or maximum and the closest examples, and per
edit the lowest copy score. ``--noise-db`` gives every original recording a noise
floor (pink noise, RMS that many dB below its peak, its own for each original; its
copies carry it), as a microphone recording has. Needs ``espeak-ng``
(scripts/install_system_deps.sh).
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile as sf

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from workflow_scripts.demo import tts_pairs  # noqa: E402
from workflow_scripts.demo.channels import coloured_noise  # noqa: E402
from workflow_scripts.features.fingerprint import (  # noqa: E402
    Fingerprint,
    FingerprintParams,
    fingerprint_file,
)
from workflow_scripts.sampling.duplicates import (  # noqa: E402
    DEFAULT_THRESHOLD,
    FrameSettings,
    frame_similarity,
)


def vector_similarity(a: Fingerprint, b: Fingerprint) -> float:
    """The scan's vector similarity of a pair: the best of the aligned and shifted onsets."""
    return float(max(a.main @ b.main, *(a.lagged @ b.main), *(b.lagged @ a.main)))


def scores(a: Fingerprint, b: Fingerprint, settings: FrameSettings) -> dict[str, float]:
    frame, shift = frame_similarity(a.frames, a.sound, b.frames, b.sound, settings)
    return {"vector": vector_similarity(a, b), "frame": frame, "shift_frames": shift}


def extreme(rows: list[tuple[str, str, dict[str, float]]], key: str, low: bool, n: int = 5):
    ordered = sorted(rows, key=lambda r: r[2][key], reverse=not low)
    return [(a, b, round(r[key], 4)) for a, b, r in ordered[:n]]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--edits", nargs="+", default=list(tts_pairs.EDITS))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--noise-db", type=float, default=None, help="noise floor re peak, dB")
    parser.add_argument("--out", type=Path, default=None, help="JSON with every score")
    args = parser.parse_args()
    if not tts_pairs.espeak_available():
        print("espeak-ng is not on PATH (scripts/install_system_deps.sh)", file=sys.stderr)
        return 2
    texts = sorted({t for pair in tts_pairs.MINIMAL_PAIRS for t in pair} | set(tts_pairs.LETTERS))
    params = FingerprintParams()
    settings = FrameSettings.from_params(params.attrs())
    rng = np.random.default_rng(args.seed)
    start = time.monotonic()
    prints: dict[tuple[str, str], Fingerprint] = {}
    durations: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for k, text in enumerate(texts):
            x, sr = tts_pairs.speak(text)
            if args.noise_db is not None:
                noise = coloured_noise(x.shape[0], rng, 1.0)
                scale = np.max(np.abs(x)) * 10 ** (args.noise_db / 20)  # noise RMS re peak
                x = (x + scale * noise).astype(np.float32)
            path = Path(tmp) / f"{k}_orig.wav"
            sf.write(path, x, sr, subtype="PCM_16")
            prints[(text, "original")] = fingerprint_file(path, params)
            durations[text] = x.shape[0] / sr
            for edit in args.edits:
                y, rate, _ = tts_pairs.edited_copy(x, sr, edit, rng)
                path = Path(tmp) / f"{k}_{edit}.wav"
                sf.write(path, y, rate, subtype="PCM_16")
                prints[(text, edit)] = fingerprint_file(path, params)
    made = time.monotonic() - start
    unchecked = [k for k, f in prints.items() if f.note]
    copies = [
        (t, e, scores(prints[(t, "original")], prints[(t, e)], settings))
        for t in texts
        for e in args.edits
    ]
    minimal = {tuple(sorted(p)) for p in tts_pairs.MINIMAL_PAIRS}
    minimal |= set(itertools.combinations(tts_pairs.LETTERS, 2))
    negatives, unrelated = [], []
    for a, b in itertools.combinations(texts, 2):
        row = (a, b, scores(prints[(a, "original")], prints[(b, "original")], settings))
        (negatives if (a, b) in minimal else unrelated).append(row)
    report = {
        "texts": len(texts),
        "noise_db": args.noise_db,
        "clips_under_1s": sum(d < 1.0 for d in durations.values()),
        "edits": args.edits,
        "unchecked": [list(k) for k in unchecked],
        "threshold": DEFAULT_THRESHOLD,
        "copies": {
            "n": len(copies),
            "frame_min": extreme(copies, "frame", True),
            "vector_min": extreme(copies, "vector", True),
            "frame_min_per_edit": {
                e: round(min(r["frame"] for _, ee, r in copies if ee == e), 4) for e in args.edits
            },
            "shift_frames_range": [
                min(r["shift_frames"] for *_, r in copies),
                max(r["shift_frames"] for *_, r in copies),
            ],
        },
        "minimal_pairs": {
            "n": len(negatives),
            "frame_max": extreme(negatives, "frame", False),
            "vector_max": extreme(negatives, "vector", False),
            "vector_at_or_above_0.9": sum(r["vector"] >= 0.9 for *_, r in negatives),
            "frame_at_or_above_threshold": sum(
                r["frame"] >= DEFAULT_THRESHOLD for *_, r in negatives
            ),
        },
        "unrelated": {
            "n": len(unrelated),
            "frame_max": extreme(unrelated, "frame", False),
            "vector_max": extreme(unrelated, "vector", False),
        },
        "seconds": {"synthesis_and_fingerprints": round(made, 1)},
    }
    print(json.dumps(report, indent=1))
    if args.out is not None:
        every = {
            "copies": [[a, b, r] for a, b, r in copies],
            "minimal_pairs": [[a, b, r] for a, b, r in negatives],
            "unrelated": [[a, b, r] for a, b, r in unrelated],
        }
        args.out.write_text(json.dumps({**report, "scores": every}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
