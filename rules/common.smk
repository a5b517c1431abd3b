"""Shared input functions, wildcard constraints and config helpers."""

import json

from workflow_scripts.workflow_config import (
    SPLITS_BY_FORMAT_NAMES,
    resolve_dataset,
)

DATASETS = list(config["datasets"])


wildcard_constraints:
    dataset="|".join(DATASETS),
    split="train|dev|eval",
    shard=r"\d+",


def dataset_format(name):
    return config["datasets"][name]["format"]


def is_demo(name):
    return config["datasets"][name].get("root") is None


def demo_dir(name):
    return f"results/demo/{name}"


def dataset_json(name):
    """The adapter config of a dataset, with the demo folder as root when root is null."""
    return json.dumps(
        resolve_dataset(name, config["datasets"][name], demo_dir(name)), sort_keys=True
    )


def splits_of(name):
    return SPLITS_BY_FORMAT_NAMES[dataset_format(name)]


def cache_path(name, split):
    return f"results/caches/{name}/{split}.h5"


def all_caches():
    return [cache_path(d, s) for d in DATASETS for s in splits_of(d)]


def all_quarantine_lists():
    return [f"results/quarantine/{d}.tsv" for d in DATASETS]


def shard_files(name, split, suffix):
    n = config["caches"]["n_shards"]
    return [f"results/caches/{name}/{split}/shard{i}.{suffix}" for i in range(n)]


def demo_options(name):
    """Format-specific demo flags (FoR variant, WaveFake vocoders)."""
    cfg = resolve_dataset(name, config["datasets"][name], demo_dir(name))
    if cfg["format"] == "for":
        return f"--variant {cfg['variant']}"
    if cfg["format"] == "wavefake":
        return "--vocoders " + " ".join(cfg["vocoders"])
    return ""
