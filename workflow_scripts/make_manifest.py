"""Build one dataset's manifest (and its quarantine list) from its native layout.

Usage::

    python -m workflow_scripts.make_manifest --name asvspoof2019 \\
        --dataset-json '{"format": "asvspoof2019_la", "root": "/data/ASVspoof2019"}' \\
        --on-protocol-error raise \\
        --out results/manifests/asvspoof2019.tsv \\
        --quarantine-out results/manifests/asvspoof2019.quarantine.tsv

The quarantine file is always written (header only when nothing was
quarantined) so a workflow rule can declare it as an output. A one-line
count of bonafide/spoof per split goes to the log.
"""

from __future__ import annotations

import argparse
import logging

from workflow_scripts.cli import command, new_parser
from workflow_scripts.datasets import build_manifest
from workflow_scripts.datasets.manifest import ON_ERROR_CHOICES, split_summary
from workflow_scripts.io.files import parse_json_object, write_tsv

log = logging.getLogger("workflow_scripts.make_manifest")


def build_parser() -> argparse.ArgumentParser:
    parser = new_parser(__file__, __doc__)
    parser.add_argument(
        "--name", required=True, help="configured dataset name (manifest 'dataset' column)"
    )
    parser.add_argument("--dataset-json", required=True, help="the dataset's config entry as JSON")
    parser.add_argument("--on-protocol-error", choices=ON_ERROR_CHOICES, default="raise")
    parser.add_argument("--out", required=True, help="manifest TSV to write")
    parser.add_argument("--quarantine-out", required=True, help="quarantine TSV to write")
    return parser


def run(args: argparse.Namespace) -> None:
    dataset = parse_json_object(args.dataset_json, "--dataset-json")
    result = build_manifest(args.name, dataset, on_error=args.on_protocol_error)
    write_tsv(result.table, args.out)
    write_tsv(result.quarantine, args.quarantine_out)
    for line in split_summary(args.name, result.table):
        log.info("%s", line)
    if len(result.quarantine):
        log.warning(
            "%s: %d quarantined -> %s", args.name, len(result.quarantine), args.quarantine_out
        )


main = command(build_parser, run)

if __name__ == "__main__":
    raise SystemExit(main())
