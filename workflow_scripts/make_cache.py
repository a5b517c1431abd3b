"""Build one shard of a (dataset, split) log-mel cache.

Usage::

    python -m workflow_scripts.make_cache --manifest M.tsv --split train --shard 0 --n-shards 2 \\
        --features-json '{"sample_rate": 16000, ...}' --seed 1 --threads 2 \\
        --out shard0.h5 --quarantine-out shard0.quarantine.tsv
"""

from __future__ import annotations

import argparse
import logging

import torch

from workflow_scripts.cli import command, new_parser, non_negative_int, positive_int
from workflow_scripts.features.cache import build_shard_from_manifest
from workflow_scripts.features.logmel import FeatureParams

log = logging.getLogger("workflow_scripts.make_cache")


def build_parser() -> argparse.ArgumentParser:
    parser = new_parser(__file__, __doc__)
    add = parser.add_argument
    add("--manifest", required=True, help="manifest TSV of one dataset")
    add("--split", required=True, help="train, dev or eval")
    add("--shard", type=non_negative_int, required=True, help="shard index, 0-based")
    add("--n-shards", type=positive_int, required=True, help="number of shards of the split")
    add("--features-json", required=True, help="the config's features: section as JSON")
    add("--seed", type=int, required=True, help="seed for random trimming")
    add("--threads", type=int, default=1, help="torch threads and decode threads")
    add("--batch-size", type=int, default=8, help="files per log-mel batch")
    add("--device", default="cpu", help="torch device for the mel computation")
    add("--out", required=True, help="shard HDF5 to write")
    add("--quarantine-out", required=True, help="quarantine TSV to write")
    return parser


def run(args: argparse.Namespace) -> None:
    params = FeatureParams.from_json(args.features_json)
    torch.set_num_threads(max(1, args.threads))
    summary = build_shard_from_manifest(
        args.manifest,
        args.split,
        args.shard,
        args.n_shards,
        args.out,
        args.quarantine_out,
        params,
        seed=args.seed,
        workers=max(1, args.threads),
        batch_size=args.batch_size,
        device=args.device,
    )
    log.info(
        "%s: kept %d of %d, quarantined %d",
        args.out,
        summary.n_kept,
        summary.n_rows,
        summary.n_quarantined,
    )


main = command(build_parser, run)

if __name__ == "__main__":
    raise SystemExit(main())
