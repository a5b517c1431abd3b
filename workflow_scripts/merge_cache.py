"""Merge the shards of a (dataset, split) cache into one file and gather quarantine lists.

    python -m workflow_scripts.merge_cache --shards a.h5 b.h5 --quarantine a.tsv b.tsv \
        --max-quarantine-fraction 0.05 --out split.h5 --quarantine-out split.quarantine.tsv

Exits non-zero (quarantine list written, cache not) when too many files were quarantined.
"""

from __future__ import annotations

import argparse
import sys

from workflow_scripts.features.cache import QuarantineLimitError, merge_shards


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shards", nargs="+", required=True, help="shard HDF5 files, in order")
    parser.add_argument("--quarantine", nargs="*", default=[], help="shard quarantine TSVs")
    parser.add_argument("--max-quarantine-fraction", type=float, required=True)
    parser.add_argument("--out", required=True, help="merged cache HDF5")
    parser.add_argument("--quarantine-out", required=True, help="merged quarantine TSV")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        summary = merge_shards(args.shards, args.quarantine, args.out, args.quarantine_out,
                               max_quarantine_fraction=args.max_quarantine_fraction)
    except (QuarantineLimitError, ValueError, FileNotFoundError) as err:
        sys.exit(f"merge_cache: {err}")
    print(f"merge_cache: {args.out}: {summary.n_kept} rows from {summary.n_shards} shard(s), "
          f"{summary.n_quarantined} quarantined ({summary.quarantine_fraction:.1%})", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
