"""Merge the shards of a (dataset, split) cache into one file and gather quarantine lists.

Usage::

    python -m workflow_scripts.merge_cache --shards a.h5 b.h5 --quarantine a.tsv b.tsv \\
        --max-quarantine-fraction 0.05 --out split.h5 --quarantine-out split.quarantine.tsv

Exits with status 2 (quarantine list written, cache not) when too many files were quarantined;
the log then lists the quarantined files with their reasons (the first :data:`MAX_LISTED`), since
Snakemake deletes a failed job's outputs, the merged quarantine list among them, and prints only
its log.
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Sequence

from workflow_scripts.cli import command, new_parser
from workflow_scripts.features.cache import QuarantineLimitError, merge_shards
from workflow_scripts.io.files import read_tsv

log = logging.getLogger("workflow_scripts.merge_cache")

#: Quarantined files listed in the log of a split over the limit (the rest are counted).
MAX_LISTED = 50


def build_parser() -> argparse.ArgumentParser:
    parser = new_parser(__file__, __doc__)
    parser.add_argument("--shards", nargs="+", required=True, help="shard HDF5 files, in order")
    parser.add_argument("--quarantine", nargs="*", default=[], help="shard quarantine TSVs")
    parser.add_argument("--max-quarantine-fraction", type=float, required=True)
    parser.add_argument("--out", required=True, help="merged cache HDF5")
    parser.add_argument("--quarantine-out", required=True, help="merged quarantine TSV")
    return parser


def log_quarantined(quarantine_list: str, shard_lists: Sequence[str]) -> None:
    """Log the files of a merged quarantine list, one line each: ``utt_id path: reason``."""
    table = read_tsv(quarantine_list)
    for row in table.head(MAX_LISTED).itertuples(index=False):
        log.error("quarantined %s %s: %s", row.utt_id, row.path, row.reason)
    if len(table) > MAX_LISTED:
        log.error(
            "... and %d more quarantined file(s), all listed in %s",
            len(table) - MAX_LISTED,
            " ".join(shard_lists),
        )


def run(args: argparse.Namespace) -> None:
    try:
        summary = merge_shards(
            args.shards,
            args.quarantine,
            args.out,
            args.quarantine_out,
            max_quarantine_fraction=args.max_quarantine_fraction,
        )
    except QuarantineLimitError:
        log_quarantined(args.quarantine_out, args.quarantine)
        raise
    log.info(
        "%s: %d rows from %d shard(s), %d quarantined (%.1f%%)",
        args.out,
        summary.n_kept,
        summary.n_shards,
        summary.n_quarantined,
        100 * summary.quarantine_fraction,
    )


main = command(build_parser, run)

if __name__ == "__main__":
    raise SystemExit(main())
