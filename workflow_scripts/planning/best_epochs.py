"""Planning of the kept-epochs table and notes (``rules/training.smk``).

Pure functions of the validated config (see ``planning/__init__.py``).
"""

from __future__ import annotations

from collections.abc import Iterable

from workflow_scripts.planning.common import BINARY_SOURCE, Config, Paths, as_paths, repeat_option
from workflow_scripts.planning.experiment2 import exp2_table_inputs
from workflow_scripts.planning.experiment4 import (
    exp4_sources,
    exp4_sources_table_files,
    exp4_table_files,
    falls_back_to_binary,
    source_checkpoint,
)

#: The run summary each training job writes beside its checkpoint (docs/training.md).
TRAINING_SUMMARY_NAME = "training.json"
#: Tables whose Markdown names their runs that kept epoch 1 or 2, with their labels in
#: ``results/best_epochs.csv`` (``used_by``), in the order the best-epoch table lists runs.
BEST_EPOCH_TABLES = {
    "table1": "Table 1",
    "table_exp2": "Experiment 2",
    "table2": "Table 2",
    "table_exp4": "Experiment 4",
    "table_exp4_sources": "Experiment 4 sources",
}


def training_summary(run: str) -> str:
    """``results/models/{run}/training.json``: which epoch run ``run`` kept, and why."""
    return f"results/models/{run}/{TRAINING_SUMMARY_NAME}"


def _summaries_beside_histories(files: Iterable[str]) -> list[str]:
    """The training summary beside each ``history.csv`` among a table's input files."""
    suffix = "/history.csv"
    return list(
        dict.fromkeys(
            f"{f[: -len(suffix)]}/{TRAINING_SUMMARY_NAME}" for f in files if f.endswith(suffix)
        )
    )


def table_training_summaries(config: Config, table: str) -> list[str]:
    """The ``training.json`` of every run behind ``table``, each once, in table order."""
    if table == "table1":
        exp = config["experiment1"]
        return [training_summary(f"pretrained/{exp['train_dataset']}/{m}") for m in exp["models"]]
    if table == "table2":
        exp = config["experiment3"]
        return [
            training_summary(f"exp3/n{n}/seed{seed}")
            for n in exp["n_per_class"]
            for seed in range(exp["seeds"])
        ]
    if table == "table_exp2":
        return _summaries_beside_histories(
            f for files in exp2_table_inputs(config).values() for f in files
        )
    if table == "table_exp4":
        return _summaries_beside_histories(exp4_table_files(config))
    if table == "table_exp4_sources":
        return _summaries_beside_histories(exp4_sources_table_files(config))
    raise ValueError(f"no best-epoch note for {table!r}; choose from {list(BEST_EPOCH_TABLES)}")


def training_summary_args(summaries: Paths) -> list[str]:
    """``--training-summary`` per run of a table (its note names runs that kept epoch 1-2)."""
    return repeat_option("--training-summary", as_paths(summaries))


def _checkpoint_run(checkpoint: str) -> str:
    """``pretrained/asvspoof2019/resnet`` of ``results/models/pretrained/.../best.pt``."""
    return checkpoint.removeprefix("results/models/").removesuffix("/best.pt")


def sampling_source_runs(config: Config) -> list[tuple[str, str]]:
    """(run, what uses it) of the pretrained detectors whose embeddings the samplers read:
    Experiment 2's source (Algorithm 1, Figure 1) and Experiment 4's per corpus and source."""
    exp2 = config["experiment2"]
    out = [
        (
            f"pretrained/{exp2['source_dataset']}/{exp2['source_model']}",
            "Experiment 2 embeddings",
        )
    ]
    model = config["experiment4"]["source_model"]
    sources: dict[str, list[str]] = {}  # run -> the Experiment-4 sources it gives
    for source in dict.fromkeys([BINARY_SOURCE, *exp4_sources(config)]):
        for name in config["experiment3"]["datasets"]:
            used = BINARY_SOURCE if falls_back_to_binary(config, name, source) else source
            run = _checkpoint_run(source_checkpoint(used, name, model))
            sources.setdefault(run, []).append(source)
    out += [(run, f"Experiment 4 embeddings ({', '.join(s)})") for run, s in sources.items()]
    return out


def best_epoch_runs(config: Config) -> list[tuple[str, str]]:
    """(training summary, what uses the run) of every run target ``all`` trains, each once:
    the runs of each table in :data:`BEST_EPOCH_TABLES` order, then the sampling sources."""
    used: dict[str, list[str]] = {}
    for table, label in BEST_EPOCH_TABLES.items():
        for path in table_training_summaries(config, table):
            used.setdefault(path, []).append(label)
    for run, label in sampling_source_runs(config):
        used.setdefault(training_summary(run), []).append(label)
    return [(path, "; ".join(dict.fromkeys(labels))) for path, labels in used.items()]


def best_epochs_files(config: Config) -> list[str]:
    return [path for path, _ in best_epoch_runs(config)]


def best_epochs_args(config: Config) -> list[str]:
    """``--entry <training.json> <used by>`` per trained run."""
    return repeat_option("--entry", best_epoch_runs(config))
