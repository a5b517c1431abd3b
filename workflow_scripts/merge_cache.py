"""Merge the shards of a (dataset, split) cache into one file and gather quarantine lists.

Usage::

    python -m workflow_scripts.merge_cache --shards a.h5 b.h5 --quarantine a.tsv b.tsv \\
        --max-quarantine-fraction 0.05 --out split.h5 --quarantine-out split.quarantine.tsv

Exits with status 2 (quarantine list written, cache not) when too many files were quarantined.
"""

from __future__ import annotations

import argparse
import logging

from workflow_scripts.cli import command, new_parser
from workflow_scripts.features.cache import merge_shards

log = logging.getLogger("workflow_scripts.merge_cache")


def build_parser() -> argparse.ArgumentParser:
    parser = new_parser(__file__, __doc__)
    parser.add_argument("--shards", nargs="+", required=True, help="shard HDF5 files, in order")
    parser.add_argument("--quarantine", nargs="*", default=[], help="shard quarantine TSVs")
    parser.add_argument("--max-quarantine-fraction", type=float, required=True)
    parser.add_argument("--out", required=True, help="merged cache HDF5")
    parser.add_argument("--quarantine-out", required=True, help="merged quarantine TSV")
    return parser


def run(args: argparse.Namespace) -> None:
    summary = merge_shards(
        args.shards,
        args.quarantine,
        args.out,
        args.quarantine_out,
        max_quarantine_fraction=args.max_quarantine_fraction,
    )
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
