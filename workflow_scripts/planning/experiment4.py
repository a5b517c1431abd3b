"""Planning of Experiment 4 and its embedding-source ablation (``rules/experiment4.smk``).

Pure functions of the validated config (see ``planning/__init__.py``).
"""

from __future__ import annotations

import re

from workflow_scripts.datasets import ATTACK_ID_FORMATS
from workflow_scripts.planning.common import (
    ATTACK_AWARE_SOURCE,
    BINARY_SOURCE,
    EXP4_METHODS,
    Config,
    RunSpec,
    repeat_option,
)
from workflow_scripts.planning.corpora import dataset_format
from workflow_scripts.planning.experiment2 import spec_files, spec_json
from workflow_scripts.planning.experiment3 import exp34_eval_metrics
from workflow_scripts.planning.training import training_args


def exp4_k_max_args(config: Config) -> list[str]:
    """``--k-max dataset=k`` flags (the number of spoof clusters Algorithm 2 may try)."""
    return repeat_option("--k-max", (f"{d}={k}" for d, k in config["experiment4"]["k_max"].items()))


def exp4_run_spec(config: Config, method: str, seed: int, setting: str) -> RunSpec:
    """The spec of one Experiment-4 run of ``method`` trained as ``exp4/{setting}/seed{seed}``."""
    run = f"exp4/{setting}/seed{seed}"
    return {
        "method": method,
        "seed": seed,
        "summary": f"results/sampling/{run}.json",
        "history": f"results/models/{run}/history.csv",
        "metrics": exp34_eval_metrics(config, run),
    }


def exp4_runs(config: Config) -> list[RunSpec]:
    """One spec per trained Experiment-4 run (JSON-ready): full method, then matched random."""
    seeds = range(config["experiment4"]["seeds"])
    return [exp4_run_spec(config, m, seed, m) for m in EXP4_METHODS for seed in seeds]


def exp4_table_files(config: Config) -> list[str]:
    return [f for spec in exp4_runs(config) for f in spec_files(spec)]


def exp4_table_args(config: Config) -> list[str]:
    """``--run <spec JSON>`` per Experiment-4 run."""
    return repeat_option("--run", map(spec_json, exp4_runs(config)))


def exp4_sources(config: Config) -> list[str]:
    """Embedding sources of the Algorithm-2 ablation, in configured order."""
    return list(config["experiment4"]["embedding_sources"])


def source_stage(source: str) -> int | None:
    """N of a ``stage<N>`` source, else ``None``."""
    match = re.fullmatch(r"stage([1-9])", source)
    return int(match.group(1)) if match else None


def source_setting(method: str, source: str) -> str:
    """Experiment-4 setting of ``method`` on ``source``: ``full_method``, ``full_method-stage3``."""
    return method if source == BINARY_SOURCE else f"{method}-{source}"


def falls_back_to_binary(config: Config, name: str, source: str) -> bool:
    """An attack-aware detector needs attack ids; a corpus without them (FoR) uses binary."""
    return source == ATTACK_AWARE_SOURCE and dataset_format(config, name) not in ATTACK_ID_FORMATS


def attack_aware_checkpoint(name: str, model: str) -> str:
    return f"results/models/pretrained_attack_aware/{name}/{model}/best.pt"


def source_checkpoint(source: str, name: str, model: str) -> str:
    """The detector whose layers give ``source``'s embeddings (stages: the binary one)."""
    if source == ATTACK_AWARE_SOURCE:
        return attack_aware_checkpoint(name, model)
    return f"results/models/pretrained/{name}/{model}/best.pt"


def source_layer_args(source: str) -> list[str]:
    """``--stage N`` of a ``stage<N>`` source for ``embed``, else nothing (penultimate)."""
    stage = source_stage(source)
    return [] if stage is None else ["--stage", str(stage)]


def source_embeddings(config: Config, source: str) -> list[tuple[str, str]]:
    """(dataset, train embeddings) Algorithm 2 clusters for ``source``, per Experiment-3 corpus."""
    model = config["experiment4"]["source_model"]
    out = []
    for name in config["experiment3"]["datasets"]:
        if source == BINARY_SOURCE or falls_back_to_binary(config, name, source):
            out.append((name, f"results/embeddings/{name}/{model}/train.h5"))
        else:
            out.append((name, f"results/embeddings/{name}/{model}/{source}/train.h5"))
    return out


def source_embedding_files(config: Config, source: str) -> list[str]:
    return [path for _, path in source_embeddings(config, source)]


def source_embedding_args(config: Config, source: str) -> list[str]:
    """``--embeddings`` per corpus; for an ablation source also ``--source`` and ``--fallback``
    per corpus that falls back to binary."""
    embeddings = repeat_option(
        "--embeddings", (f"{d}:train={path}" for d, path in source_embeddings(config, source))
    )
    if source == BINARY_SOURCE:  # Experiment 4's own command, unchanged
        return embeddings
    fallbacks = [
        name
        for name in config["experiment3"]["datasets"]
        if falls_back_to_binary(config, name, source)
    ]
    return [*embeddings, "--source", source, *repeat_option("--fallback", fallbacks)]


def attack_aware_training_args(config: Config, model: str) -> list[str]:
    """Recipe flags of an attack-aware detector: the binary recipe plus the attack-loss weight."""
    weight = config["experiment4"]["attack_loss_weight"]
    return [*training_args(config, model), "--attack-loss-weight", str(weight)]


def exp4_source_runs(config: Config) -> list[RunSpec]:
    """Experiment-4 run specs of every embedding source (binary: Experiment 4's own runs)."""
    seeds = range(config["experiment4"]["seeds"])
    return [
        {"source": source, **exp4_run_spec(config, m, seed, source_setting(m, source))}
        for source in exp4_sources(config)
        for m in EXP4_METHODS
        for seed in seeds
    ]


def exp4_sources_table_files(config: Config) -> list[str]:
    return [f for spec in exp4_source_runs(config) for f in spec_files(spec)]


def exp4_sources_table_args(config: Config) -> list[str]:
    """``--run <spec JSON>`` per run of the embedding-source ablation."""
    return repeat_option("--run", map(spec_json, exp4_source_runs(config)))
