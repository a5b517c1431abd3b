"""Build one shard of a (dataset, split) log-mel cache.

    python -m workflow_scripts.make_cache --manifest M.tsv --split train --shard 0 --n-shards 2 \
        --features-json '{"sample_rate": 16000, ...}' --seed 1 --threads 2 \
        --out shard0.h5 --quarantine-out shard0.quarantine.tsv
"""

from __future__ import annotations

import argparse
import json
import sys

import torch

from workflow_scripts.features.cache import build_shard, shard_rows
from workflow_scripts.features.logmel import FeatureParams
from workflow_scripts.io.files import read_tsv


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--manifest", required=True, help="manifest TSV of one dataset")
    parser.add_argument("--split", required=True, help="train, dev or eval")
    parser.add_argument("--shard", type=int, required=True, help="shard index, 0-based")
    parser.add_argument("--n-shards", type=int, required=True, help="number of shards of the split")
    parser.add_argument("--features-json", required=True, help="the config's features: section as JSON")
    parser.add_argument("--seed", type=int, required=True, help="seed for random trimming")
    parser.add_argument("--threads", type=int, default=1, help="torch threads and decode threads")
    parser.add_argument("--batch-size", type=int, default=8, help="files per log-mel batch")
    parser.add_argument("--device", default="cpu", help="torch device for the mel computation")
    parser.add_argument("--out", required=True, help="shard HDF5 to write")
    parser.add_argument("--quarantine-out", required=True, help="quarantine TSV to write")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        params = FeatureParams.from_dict(json.loads(args.features_json))
    except (json.JSONDecodeError, ValueError, TypeError) as err:
        sys.exit(f"make_cache: bad --features-json: {err}")
    torch.set_num_threads(max(1, args.threads))
    manifest = read_tsv(args.manifest)
    missing = {"dataset", "split"} - set(manifest.columns)
    if missing:
        sys.exit(f"make_cache: {args.manifest}: manifest lacks column(s) {sorted(missing)}")
    datasets = sorted(set(manifest["dataset"]))
    if len(datasets) > 1:
        sys.exit(f"make_cache: {args.manifest}: manifest mixes datasets {datasets}")
    rows = shard_rows(manifest, args.split, args.shard, args.n_shards)
    try:
        summary = build_shard(
            rows, args.out, args.quarantine_out, params, seed=args.seed, workers=max(1, args.threads),
            batch_size=args.batch_size, device=args.device,
            dataset=datasets[0] if datasets else "", split=args.split,
        )
    except ValueError as err:
        sys.exit(f"make_cache: {args.manifest}: {err}")
    print(f"make_cache: {args.out}: kept {summary.n_kept} of {summary.n_rows}, "
          f"quarantined {summary.n_quarantined}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
