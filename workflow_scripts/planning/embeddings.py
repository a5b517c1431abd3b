"""Planning of the penultimate embeddings (``rules/embeddings.smk``).

Pure functions of the validated config (see ``planning/__init__.py``).
"""

from __future__ import annotations

from workflow_scripts.planning.common import Config, Paths, as_paths
from workflow_scripts.planning.training import validation_caches


def embedding_threshold_caches(config: Config, name: str) -> list[str]:
    """Dev caches that calibrate "correctly classified" (embeddings.decision_threshold: dev_eer)."""
    if config["embeddings"]["decision_threshold"] == "dev_eer":
        return validation_caches(config, name)
    return []


def threshold_args(threshold_caches: Paths) -> list[str]:
    """``--threshold-caches`` of the decision-threshold calibration, if any."""
    caches = as_paths(threshold_caches)
    return ["--threshold-caches", *caches] if caches else []


def exp2_embeddings(config: Config) -> str:
    exp = config["experiment2"]
    return f"results/embeddings/{exp['source_dataset']}/{exp['source_model']}/train.h5"


def exp2_diagnostics(config: Config) -> str:
    """The neural-collapse diagnostics of Experiment 2's samples of interest (target ``all``)."""
    exp = config["experiment2"]
    return f"results/nc/{exp['source_dataset']}/{exp['source_model']}/diagnostics.json"
