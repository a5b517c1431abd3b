"""Planning of the pretraining and retraining jobs (``rules/training.smk``).

Pure functions of the validated config (see ``planning/__init__.py``).
"""

from __future__ import annotations

import json

from workflow_scripts.planning.caches import cache_path
from workflow_scripts.planning.common import Config, Paths, as_paths, repeat_option
from workflow_scripts.planning.corpora import dataset_splits
from workflow_scripts.planning.experiment3 import exp3_pool_caches


def validation_caches(config: Config, name: str) -> list[str]:
    """The dev split validates where a corpus has one; otherwise a hold-out of train does."""
    return [cache_path(name, "dev")] if "dev" in dataset_splits(config, name) else []


def pretrain_validation_args(val_caches: Paths) -> list[str]:
    """``--val-caches`` of a pretrained detector; without a dev split, a 10 % hold-out of train."""
    if as_paths(val_caches):
        return ["--val-caches", *as_paths(val_caches)]
    return ["--val-fraction", "0.1"]


def run_seed(config: Config, index: int | str) -> int:
    """Seed of repetition ``index`` of a configuration (training and random draws)."""
    return config["seed"] + 1000 * int(index)


def training_args(config: Config, model: str, seed: int | None = None) -> list[str]:
    """Recipe flags shared by every training job; a changed value reruns the jobs it affects."""
    t = config["training"]
    kwargs = json.dumps(config["models"].get(model, {}), sort_keys=True)
    seed = config["seed"] if seed is None else seed
    flags = {
        "--model": model,
        "--model-kwargs-json": kwargs,
        "--max-epochs": t["max_epochs"],
        "--patience": t["patience"],
        "--batch-size": t["batch_size"],
        "--learning-rate": t["learning_rate"],
        "--seed": seed,
        "--device": config["device"],
        "--max-memory-mb": t["max_memory_mb"],
        "--val-loss": t["val_loss"],
    }
    return [word for flag, value in flags.items() for word in (flag, str(value))]


def experiment_datasets(config: Config, experiment: str) -> list[str]:
    if experiment == "exp2":
        return [config["experiment2"]["source_dataset"]]
    return list(config["experiment3"]["datasets"])


def experiment_model(config: Config, experiment: str) -> str:
    if experiment == "exp2":
        return config["experiment2"]["model"]
    return config["experiment3"]["model"]


def selected_training_args(config: Config, experiment: str, seed: int | str) -> list[str]:
    """Recipe flags of a detector retrained on a sampled set (repetition ``seed``)."""
    return training_args(config, experiment_model(config, experiment), seed=run_seed(config, seed))


def experiment_train_caches(config: Config, experiment: str) -> list[str]:
    """Caches the training selection draws from: Experiment 3's pool, else train splits."""
    if experiment == "exp3":
        return exp3_pool_caches(config)
    return [cache_path(d, "train") for d in experiment_datasets(config, experiment)]


def experiment_val_caches(config: Config, experiment: str) -> list[str]:
    """Dev splits validate; a corpus without one contributes no validation rows."""
    datasets = experiment_datasets(config, experiment)
    caches = [c for d in datasets for c in validation_caches(config, d)]
    if not caches:
        raise ValueError(f"{experiment}: none of {datasets} has a dev split to validate on")
    return caches


def experiment_val_selection(experiment: str, setting: str, seed: str) -> list[str]:
    """Experiments 3 and 4 validate on a de-duplicated dev selection; Experiment 2 on all dev."""
    if experiment in ("exp3", "exp4"):
        return [f"results/sampling/{experiment}/{setting}/seed{seed}.val.tsv"]
    return []


def selected_data_args(selection: str, val_caches: Paths, val_selection: Paths) -> list[str]:
    """Training rows and validation data of a detector retrained on a sampled set."""
    args = ["--train-selection", selection, "--val-caches", *as_paths(val_caches)]
    if as_paths(val_selection):
        args += ["--val-selection", *as_paths(val_selection)]
    return args


def exp34_val_cache_args(config: Config, experiment: str) -> list[str]:
    """``--cache name:dev=path`` flags of the dev splits that validate Experiments 3 and 4."""
    dev = [d for d in experiment_datasets(config, experiment) if "dev" in dataset_splits(config, d)]
    return repeat_option("--cache", (f"{d}:dev={cache_path(d, 'dev')}" for d in dev))
