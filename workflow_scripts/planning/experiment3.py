"""Planning of Experiment 3 / Table 2: random draws, eval data, table (``rules/experiment3.smk``).

Pure functions of the validated config (see ``planning/__init__.py``).
"""

from __future__ import annotations

from workflow_scripts.planning.caches import cache_path
from workflow_scripts.planning.common import Config, repeat_option
from workflow_scripts.planning.config import (
    exp3_pool,
)
from workflow_scripts.planning.corpora import dataset_splits
from workflow_scripts.planning.experiment1 import extra_eval_metrics


def exp3_caches(config: Config, split: str) -> list[str]:
    return [cache_path(d, split) for d in config["experiment3"]["datasets"]]


def exp3_cache_args(config: Config, split: str) -> list[str]:
    """``--cache name=path`` flags, always in the configured corpus order.

    The order decides which copy of a duplicate is kept.
    """
    datasets = config["experiment3"]["datasets"]
    return repeat_option("--cache", (f"{d}={cache_path(d, split)}" for d in datasets))


def exp3_pool_splits(config: Config) -> list[tuple[str, str]]:
    return exp3_pool(config, lambda name: dataset_splits(config, name))


def exp3_pool_caches(config: Config) -> list[str]:
    """Caches of the Experiment-3 training pool (experiment3.pool: train, or train + dev)."""
    return [cache_path(d, s) for d, s in exp3_pool_splits(config)]


def exp3_pool_args(config: Config) -> list[str]:
    """``--cache name:split=path`` flags of the pool, corpora in configured order."""
    return repeat_option(
        "--cache", (f"{d}:{s}={cache_path(d, s)}" for d, s in exp3_pool_splits(config))
    )


def score_selection_args(selection: str) -> list[str]:
    """``--selection``: score only these rows of the caches (the "eval data" subset)."""
    return ["--selection", selection]


def exp34_eval_metrics(config: Config, run: str) -> dict[str, str]:
    """{row label: metrics path} on "eval data" and In-the-Wild."""
    itw = config["experiment3"]["itw_dataset"]
    return {
        "eval data": f"results/metrics/{run}/eval_data.json",
        "In the wild": f"results/metrics/{run}/{itw}/eval.json",
        **extra_eval_metrics(config, run),
    }


def exp3_table_cells(config: Config) -> list[tuple[int, str, str]]:
    """(N, row label, metrics path) for every run of Experiment 3."""
    exp = config["experiment3"]
    cells = []
    for n in exp["n_per_class"]:
        for seed in range(exp["seeds"]):
            metrics = exp34_eval_metrics(config, f"exp3/n{n}/seed{seed}")
            cells += [(n, name, path) for name, path in metrics.items()]
    return cells


def exp3_table_summaries(config: Config) -> list[tuple[int, int, str]]:
    """(N, repetition, sampling summary) of every Experiment-3 run: the realised counts."""
    exp = config["experiment3"]
    return [
        (n, seed, f"results/sampling/exp3/n{n}/seed{seed}.json")
        for n in exp["n_per_class"]
        for seed in range(exp["seeds"])
    ]


def exp3_table_metrics(config: Config) -> list[str]:
    return [path for _, _, path in exp3_table_cells(config)]


def exp3_table_summary_files(config: Config) -> list[str]:
    return [path for _, _, path in exp3_table_summaries(config)]


def exp3_table_entry_args(config: Config) -> list[str]:
    """``--entry <N> <row label> <metrics>`` for every run of Experiment 3."""
    cells = exp3_table_cells(config)
    return repeat_option("--entry", ((str(n), name, path) for n, name, path in cells))


def exp3_table_summary_args(config: Config) -> list[str]:
    """``--summary <N> <repetition> <sampling summary>`` for every run of Experiment 3."""
    summaries = exp3_table_summaries(config)
    return repeat_option("--summary", ((str(n), str(seed), path) for n, seed, path in summaries))
