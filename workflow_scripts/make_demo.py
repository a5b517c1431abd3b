"""Generate one synthetic demo corpus in a real corpus' on-disk layout.

Usage::

    python -m workflow_scripts.make_demo --format asvspoof2019_la --out data/demo/asvspoof2019 \\
        --seed 20240917 --duration 2 4 \\
        --sizes-json '{"n_speakers": 10, "train": {"bonafide": 30, "spoof": 270}, ...}'

The output folder is built under a temporary sibling name and renamed when
complete, so an interrupted run never leaves a complete-looking corpus.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from workflow_scripts.cli import command, new_parser
from workflow_scripts.demo.corpora import FOR_VARIANTS, FORMATS, write_demo_corpus
from workflow_scripts.io.files import parse_json_object


def build_parser() -> argparse.ArgumentParser:
    parser = new_parser(__file__, __doc__)
    add = parser.add_argument
    add("--format", required=True, choices=FORMATS, help="corpus layout to write")
    add("--out", required=True, type=Path, help="corpus root folder (must not exist)")
    add("--seed", required=True, type=int, help="non-negative integer seed")
    add("--sizes-json", required=True,
        help="the format's sizes as a JSON object (config demo: section)")
    add("--duration", nargs=2, type=float, metavar=("MIN", "MAX"), default=(2.0, 4.0),
        help="utterance duration range in seconds")
    add("--variant", default="for-norm", choices=FOR_VARIANTS,
        help="FoR variant folder (format 'for' only)")
    add("--vocoders", nargs="+", default=None,
        help="WaveFake vocoder folders (format 'wavefake' only)")
    add("--progress", action=argparse.BooleanOptionalAction, default=True,
        help="show a progress bar on a terminal")
    return parser


def run(args: argparse.Namespace) -> None:
    sizes = parse_json_object(args.sizes_json, "--sizes-json")
    write_demo_corpus(
        args.format, args.out, sizes, seed=args.seed, duration_s=tuple(args.duration),
        variant=args.variant, vocoders=args.vocoders, progress=args.progress,
    )


main = command(build_parser, run)

if __name__ == "__main__":
    raise SystemExit(main())
