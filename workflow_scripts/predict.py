"""Score arbitrary audio files with a trained checkpoint.

Usage::

    python -m workflow_scripts.predict --checkpoint best.pt FILE_OR_FOLDER [...]
        [--out scores.csv] [--device auto] [--batch-size 32] [--threads T]

Folders are searched recursively for .wav/.flac/.mp3/.ogg. Each file is
decoded at the checkpoint's sample rate, cut into consecutive 3 s windows
(the last partial window padded like the caches), each window is scored and
the file's score is the mean window logit (higher = more bonafide; > 0 means
bonafide at probability 0.5). Writes CSV columns path, score, n_windows,
error (to stdout without --out). A file that cannot be scored gets an empty
score and its reason in ``error`` (also printed to stderr) and does not stop
the run. Exit status 0 when at least one file was scored, 1 otherwise.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

import pandas as pd

from workflow_scripts.features.audio import AudioError
from workflow_scripts.io.files import atomic_path
from workflow_scripts.training.checkpoint import load_model
from workflow_scripts.training.device import DEVICE_CHOICES, configure_threads, resolve_device
from workflow_scripts.training.inference import AudioScorer

#: Extensions searched for in folders (case-insensitive).
AUDIO_EXTENSIONS: frozenset[str] = frozenset({".wav", ".flac", ".mp3", ".ogg"})
OUTPUT_COLUMNS: tuple[str, ...] = ("path", "score", "n_windows", "error")

log = logging.getLogger("workflow_scripts.predict")


def find_audio(inputs: Iterable[str | os.PathLike[str]]) -> list[Path]:
    """Files named directly (any extension) plus audio files found under folders, sorted per folder."""
    found: list[Path] = []
    for item in inputs:
        path = Path(item)
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in AUDIO_EXTENSIONS))
        else:
            found.append(path)  # missing files are reported per file, not fatal
    return found


def predict_files(scorer: AudioScorer, paths: Sequence[Path]) -> pd.DataFrame:
    """One row per file: path, score (mean window logit), n_windows, error ('' when scored)."""
    rows = []
    for path in paths:
        try:
            score, n_windows = scorer.score_file(path)
            rows.append({"path": str(path), "score": score, "n_windows": n_windows, "error": ""})
        except (AudioError, FloatingPointError, ValueError, RuntimeError, OSError) as err:
            # Any per-file failure is reported and skipped; one bad file must not lose the others' scores.
            reason = err.reason if isinstance(err, AudioError) else f"{type(err).__name__}: {err}"
            print(f"predict: {path}: {reason}", file=sys.stderr)
            rows.append({"path": str(path), "score": None, "n_windows": 0, "error": reason})
    table = pd.DataFrame(rows, columns=list(OUTPUT_COLUMNS))
    table["score"] = table["score"].astype("float64")
    return table


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m workflow_scripts.predict", description=__doc__.split("\n")[0])
    parser.add_argument("--checkpoint", type=Path, required=True)
    parser.add_argument("inputs", nargs="+", metavar="FILE_OR_FOLDER")
    parser.add_argument("--out", type=Path, default=None, help="CSV to write (default: stdout)")
    parser.add_argument("--device", choices=DEVICE_CHOICES, default="auto")
    parser.add_argument("--batch-size", type=int, default=32, help="windows per forward pass")
    parser.add_argument("--threads", type=int, default=None)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        configure_threads(args.threads)
        device = resolve_device(args.device)
        model, checkpoint = load_model(args.checkpoint, device)
        scorer = AudioScorer(model, checkpoint["config"]["features"], device, args.batch_size)
    except (ValueError, KeyError, FileNotFoundError) as err:
        print(f"predict: error: {err}", file=sys.stderr)
        return 2
    paths = find_audio(args.inputs)
    if not paths:
        print(f"predict: error: no audio files found in {', '.join(args.inputs)}", file=sys.stderr)
        return 1
    table = predict_files(scorer, paths)
    if args.out is None:
        table.to_csv(sys.stdout, index=False, na_rep="")
    else:
        with atomic_path(args.out) as tmp:
            table.to_csv(tmp, index=False, na_rep="")
    n_scored = int((table["error"] == "").sum())
    log.info("scored %d of %d files", n_scored, len(table))
    return 0 if n_scored > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
