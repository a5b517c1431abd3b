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
from workflow_scripts.training.inference import add_cache_scoring_arguments, score_cache_files, scores_table

log = logging.getLogger("workflow_scripts.score")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m workflow_scripts.score", description=__doc__.split("\n")[0])
    add_cache_scoring_arguments(parser, what="score")
    parser.add_argument("--out", type=Path, required=True, help="score TSV")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        scored, _, _, _ = score_cache_files(
            args.checkpoint, args.caches, selection_path=args.selection, device=args.device,
            threads=args.threads, batch_size=args.batch_size,
        )
    except (ValueError, KeyError, FileNotFoundError) as err:
        print(f"score: error: {err.args[0] if isinstance(err, KeyError) else err}", file=sys.stderr)
        return 2
    write_tsv(scores_table(scored, with_dataset=len(args.caches) > 1), args.out)
    log.info("scored %d rows with %s -> %s", len(scored.rows), args.checkpoint, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
