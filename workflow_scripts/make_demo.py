"""Generate one synthetic demo corpus in a real corpus' on-disk layout.

Example::

    python -m workflow_scripts.make_demo --format asvspoof2019_la --out data/demo/asvspoof2019 \\
        --seed 20240917 --duration 2 4 \\
        --sizes-json '{"n_speakers": 10, "train": {"bonafide": 30, "spoof": 270}, ...}'

The output folder is built under a temporary sibling name and renamed when
complete, so an interrupted run never leaves a complete-looking corpus.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from workflow_scripts.demo.corpora import FOR_VARIANTS, FORMATS, write_demo_corpus


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(prog="python -m workflow_scripts.make_demo", description=__doc__.splitlines()[0])
    parser.add_argument("--format", required=True, choices=FORMATS, help="corpus layout to write")
    parser.add_argument("--out", required=True, type=Path, help="corpus root folder (must not exist)")
    parser.add_argument("--seed", required=True, type=int, help="non-negative integer seed")
    parser.add_argument(
        "--sizes-json", required=True, help="the format's sizes as a JSON object (config demo: section)"
    )
    parser.add_argument(
        "--duration",
        nargs=2,
        type=float,
        metavar=("MIN", "MAX"),
        default=(2.0, 4.0),
        help="utterance duration range in seconds",
    )
    parser.add_argument(
        "--variant", default="for-norm", choices=FOR_VARIANTS, help="FoR variant folder (format 'for' only)"
    )
    parser.add_argument("--vocoders", nargs="+", default=None, help="WaveFake vocoder folders (format 'wavefake' only)")
    parser.add_argument(
        "--progress", action=argparse.BooleanOptionalAction, default=True, help="show a progress bar on a terminal"
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Parse options, generate the corpus, report errors as one clear line."""
    args = parse_args(argv)
    try:
        sizes = json.loads(args.sizes_json)
    except json.JSONDecodeError as err:
        print(f"make_demo: --sizes-json is not valid JSON: {err}", file=sys.stderr)
        return 2
    try:
        write_demo_corpus(
            args.format,
            args.out,
            sizes,
            seed=args.seed,
            duration_s=tuple(args.duration),
            variant=args.variant,
            vocoders=args.vocoders,
            progress=args.progress,
        )
    except (ValueError, FileExistsError) as err:
        print(f"make_demo: {err}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
