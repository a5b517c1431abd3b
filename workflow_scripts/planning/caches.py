"""Planning of the log-mel caches and job priorities (``rules/caches.smk``).

Pure functions of the validated config (see ``planning/__init__.py``).
"""

from __future__ import annotations

import json
import re

from workflow_scripts.planning.common import Config
from workflow_scripts.planning.config import (
    demo_sizes,
)
from workflow_scripts.planning.corpora import dataset_format, dataset_splits, resolved_dataset


def demo_priority(config: Config, name: str) -> int:
    """Files the demo generator writes for ``name``: its scheduling priority.

    Snakemake starts the jobs of higher priority first; starting the longest demo
    generator first keeps the two cores of a laptop busy instead of leaving the longest
    one (and everything that waits on it) for last.
    """
    fmt = dataset_format(config, name)
    sizes = demo_sizes(config, fmt)
    if fmt == "wavefake":
        vocoders = resolved_dataset(config, name).get("vocoders") or []
        return int(sizes["n_utterances"]) * (1 + len(vocoders))
    if fmt == "mlaad":
        per_language = int(sizes["bonafide_per_language"]) + int(
            sizes["models_per_language"]
        ) * int(sizes["spoof_per_model"])
        return int(sizes["n_languages"]) * per_language
    blocks = [sizes] if "bonafide" in sizes else [v for v in sizes.values() if isinstance(v, dict)]
    return sum(int(b["bonafide"]) + int(b["spoof"]) for b in blocks)


def training_priority(experiment: str, setting: str) -> int:
    """Scheduling priority of a retraining: N for Experiment 3's ``n{N}`` (largest first), else 0.

    Of the runs ready at the same time the one with the most data takes longest; started
    first, it finishes while the shorter ones share the other cores.
    """
    match = re.fullmatch(r"n(\d+)", setting)
    return int(match.group(1)) if experiment == "exp3" and match else 0


def cache_path(name: str, split: str) -> str:
    return f"results/caches/{name}/{split}.h5"


def all_caches(config: Config) -> list[str]:
    """Every (dataset, split) cache, datasets in configured order."""
    return [cache_path(d, s) for d in config["datasets"] for s in dataset_splits(config, d)]


def all_quarantine_lists(config: Config) -> list[str]:
    return [f"results/quarantine/{d}.tsv" for d in config["datasets"]]


def split_quarantine_lists(config: Config, name: str) -> list[str]:
    """The per-split quarantine lists of a dataset's caches (gathered into one list)."""
    return [f"results/caches/{name}/{s}.quarantine.tsv" for s in dataset_splits(config, name)]


def shard_files(config: Config, name: str, split: str, suffix: str) -> list[str]:
    n = config["caches"]["n_shards"]
    return [f"results/caches/{name}/{split}/shard{i}.{suffix}" for i in range(n)]


def features_json(config: Config) -> str:
    return json.dumps(config["features"], sort_keys=True)
