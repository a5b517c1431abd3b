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
from pathlib import Path

from workflow_scripts.cli import command, new_parser
from workflow_scripts.io.files import write_tsv
from workflow_scripts.training.inference import CacheScoringRun, score_cache_files, scores_table

log = logging.getLogger("workflow_scripts.score")


def build_parser() -> argparse.ArgumentParser:
    parser = new_parser(__file__, __doc__)
    CacheScoringRun.add_arguments(parser, what="score")
    parser.add_argument("--out", type=Path, required=True, help="score TSV")
    return parser


def run(args: argparse.Namespace) -> None:
    scored, _, _, _ = score_cache_files(CacheScoringRun.from_args(args))
    write_tsv(scores_table(scored, with_dataset=len(args.caches) > 1), args.out)
    log.info("scored %d rows with %s -> %s", len(scored.rows), args.checkpoint, args.out)


main = command(build_parser, run)

if __name__ == "__main__":
    raise SystemExit(main())
