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
score and its reason in ``error`` (also logged) and does not stop the run.
Exit status 0 when at least one file was scored, 1 when none was, 2 for bad
input (no checkpoint, no audio file found).
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from workflow_scripts.cli import command, new_parser
from workflow_scripts.io.files import atomic_path
from workflow_scripts.training.device import DEVICE_CHOICES
from workflow_scripts.training.inference import find_audio, open_audio_scorer, predict_files

log = logging.getLogger("workflow_scripts.predict")


def build_parser() -> argparse.ArgumentParser:
    parser = new_parser(__file__, __doc__)
    parser.add_argument("--checkpoint", type=Path, required=True)
    parser.add_argument("inputs", nargs="+", metavar="FILE_OR_FOLDER")
    parser.add_argument("--out", type=Path, default=None, help="CSV to write (default: stdout)")
    parser.add_argument("--device", choices=DEVICE_CHOICES, default="auto")
    parser.add_argument("--batch-size", type=int, default=32, help="windows per forward pass")
    parser.add_argument("--threads", type=int, default=None)
    return parser


def run(args: argparse.Namespace) -> int:
    scorer = open_audio_scorer(args.checkpoint, args.device, args.threads, args.batch_size)
    paths = find_audio(args.inputs)
    if not paths:
        raise ValueError(f"no audio files found in {', '.join(args.inputs)}")
    table = predict_files(scorer, paths)
    if args.out is None:
        table.to_csv(sys.stdout, index=False, na_rep="")
    else:
        with atomic_path(args.out) as tmp:
            table.to_csv(tmp, index=False, na_rep="")
    n_scored = int((table["error"] == "").sum())
    log.info("scored %d of %d files", n_scored, len(table))
    return 0 if n_scored > 0 else 1


main = command(build_parser, run)

if __name__ == "__main__":
    raise SystemExit(main())
