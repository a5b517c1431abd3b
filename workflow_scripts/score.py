"""Score log-mel caches with a trained checkpoint.

Usage::

    python -m workflow_scripts.score --checkpoint best.pt --caches E.h5 [...]
        [--selection sel.tsv] --out scores.tsv [--device auto] [--batch-size 128] [--threads T]

Writes a TSV with columns utt_id, label (bonafide/spoof), attack, score
(the bonafide logit: higher = more bonafide), plus dataset when several
caches are given.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from workflow_scripts.io import write_tsv
from workflow_scripts.training.checkpoint import load_model
from workflow_scripts.training.data import index_caches, read_selection
from workflow_scripts.training.device import DEVICE_CHOICES, configure_threads, resolve_device
from workflow_scripts.training.inference import score_rows, scores_table

log = logging.getLogger("workflow_scripts.score")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m workflow_scripts.score", description=__doc__.split("\n")[0])
    parser.add_argument("--checkpoint", type=Path, required=True)
    parser.add_argument("--caches", nargs="+", type=Path, required=True, metavar="H5")
    parser.add_argument("--selection", type=Path, default=None, help="TSV (dataset, split, utt_id) of rows to score")
    parser.add_argument("--out", type=Path, required=True, help="score TSV")
    parser.add_argument("--device", choices=DEVICE_CHOICES, default="auto")
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--threads", type=int, default=None)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        configure_threads(args.threads)
        device = resolve_device(args.device)
        model, checkpoint = load_model(args.checkpoint, device)
        selection = read_selection(args.selection) if args.selection is not None else None
        rows = index_caches(args.caches, selection, selection_name=str(args.selection))
        scored = score_rows(model, rows, device, args.batch_size, expected_features=checkpoint["config"]["features"])
    except (ValueError, KeyError, FileNotFoundError) as err:
        print(f"score: error: {err.args[0] if isinstance(err, KeyError) else err}", file=sys.stderr)
        return 2
    write_tsv(scores_table(scored, with_dataset=len(args.caches) > 1), args.out)
    log.info("scored %d rows with %s -> %s", len(rows), args.checkpoint, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
