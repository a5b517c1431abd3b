"""Shared input functions, wildcard constraints and config helpers."""

import json
import shlex

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


def validation_caches(name):
    """The dev split validates where a corpus has one; otherwise a hold-out of train does."""
    return [cache_path(name, "dev")] if "dev" in splits_of(name) else []


def validation_args(name):
    caches = validation_caches(name)
    if caches:
        return "--val-caches " + " ".join(caches)
    return "--val-fraction 0.1"


def training_args(model):
    """Recipe flags shared by every training job; a changed value reruns the jobs it affects."""
    t = config["training"]
    kwargs = json.dumps(config["models"].get(model, {}), sort_keys=True)
    return (
        f"--model-kwargs-json '{kwargs}' --max-epochs {t['max_epochs']} --patience {t['patience']}"
        f" --batch-size {t['batch_size']} --learning-rate {t['learning_rate']} --seed {config['seed']}"
        f" --device {config['device']} --max-memory-mb {t['max_memory_mb']}"
    )


def table1_cells():
    """(row label, model, metrics path) for every cell group of Table 1."""
    exp = config["experiment1"]
    cells = []
    for ev in exp["eval_sets"]:
        for model in exp["models"]:
            path = (
                f"results/metrics/pretrained/{exp['train_dataset']}/{model}/"
                f"{ev['dataset']}/{ev['split']}.json"
            )
            cells.append((ev["name"], model, path))
    return cells


def table1_metrics(wildcards):
    return [path for _, _, path in table1_cells()]


def table1_entries(wildcards):
    return " ".join(
        f"--entry {shlex.quote(name)} {model} {path}"
        for name, model, path in table1_cells()
    )
