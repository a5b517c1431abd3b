"""Build one dataset's manifest (and its quarantine list) from its native layout.

Usage::

    python -m workflow_scripts.make_manifest --name asvspoof2019 \\
        --dataset-json '{"format": "asvspoof2019_la", "root": "/data/ASVspoof2019"}' \\
        --on-protocol-error raise \\
        --out results/manifests/asvspoof2019.tsv \\
        --quarantine-out results/manifests/asvspoof2019.quarantine.tsv

The quarantine file is always written (header only when nothing was
quarantined) so a workflow rule can declare it as an output. A one-line
count of bonafide/spoof per split goes to stderr.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence

import pandas as pd

from workflow_scripts.datasets import SPLIT_VALUES, build_manifest
from workflow_scripts.datasets.manifest import ON_ERROR_CHOICES
from workflow_scripts.io.files import write_tsv


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Command-line arguments."""
    parser = argparse.ArgumentParser(
        prog="python -m workflow_scripts.make_manifest", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--name", required=True, help="configured dataset name (manifest 'dataset' column)")
    parser.add_argument("--dataset-json", required=True, help="the dataset's config entry as JSON")
    parser.add_argument("--on-protocol-error", choices=ON_ERROR_CHOICES, default="raise")
    parser.add_argument("--out", required=True, help="manifest TSV to write")
    parser.add_argument("--quarantine-out", required=True, help="quarantine TSV to write")
    return parser.parse_args(argv)


def split_summary(name: str, table: pd.DataFrame) -> list[str]:
    """One line per split present: ``name split: N bonafide, M spoof``."""
    lines = []
    for split in SPLIT_VALUES:
        labels = table.loc[table["split"] == split, "label"]
        if len(labels):
            lines.append(
                f"{name} {split}: {int((labels == 'bonafide').sum())} bonafide, "
                f"{int((labels == 'spoof').sum())} spoof"
            )
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the process exit status."""
    args = parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        cfg = json.loads(args.dataset_json)
        result = build_manifest(args.name, cfg, on_error=args.on_protocol_error)
    except (ValueError, OSError) as error:  # json, config, protocol and layout errors
        print(f"make_manifest: error: {error}", file=sys.stderr)
        return 1
    write_tsv(result.table, args.out)
    write_tsv(result.quarantine, args.quarantine_out)
    for line in split_summary(args.name, result.table):
        print(line, file=sys.stderr)
    if len(result.quarantine):
        print(f"{args.name}: {len(result.quarantine)} quarantined -> {args.quarantine_out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
