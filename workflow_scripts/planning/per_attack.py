"""Planning of the per-attack and per-condition companions (``rules/per_attack.smk``).

Pure functions of the validated config (see ``planning/__init__.py``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from workflow_scripts.datasets import CONDITION_FORMATS
from workflow_scripts.planning.common import Config, repeat_option
from workflow_scripts.planning.corpora import dataset_format, manifest_path
from workflow_scripts.planning.experiment1 import exp1_table_cells
from workflow_scripts.planning.experiment3 import exp3_pool_splits, exp3_table_cells

#: Tables that get a per-attack companion ``results/{table}_per_attack.csv``.
PER_ATTACK_TABLES = ("table1", "table2")
PER_ATTACK_TITLES = {
    "table1": "Table 1 per attack: detectors trained on one corpus (EER-ROC)",
    "table2": "Table 2 per attack: N samples per class per corpus (EER-ROC)",
}


def per_attack_cells(config: Config, table: str) -> list[tuple[str, str, str]]:
    """(evaluation set, column, metrics path): models of Table 1, N of Table 2."""
    if table == "table1":
        return exp1_table_cells(config)
    if table == "table2":
        return [(name, str(n), path) for n, name, path in exp3_table_cells(config)]
    raise ValueError(f"no per-attack table for {table!r}; choose from {PER_ATTACK_TABLES}")


def per_attack_training(config: Config, table: str) -> list[tuple[str, str]]:
    """(dataset, split) whose spoofs the table's detectors were trained on."""
    if table == "table1":
        return [(config["experiment1"]["train_dataset"], "train")]
    return exp3_pool_splits(config)


def per_attack_files(config: Config, table: str) -> list[str]:
    metrics = [path for _, _, path in per_attack_cells(config, table)]
    manifests = [manifest_path(name) for name, _ in per_attack_training(config, table)]
    return list(dict.fromkeys([*metrics, *manifests]))


def per_attack_args(config: Config, table: str) -> list[str]:
    """``--entry`` per cell, ``--seen`` per training split, ``--title``."""
    seen = ((manifest_path(name), split) for name, split in per_attack_training(config, table))
    return [
        *repeat_option("--entry", per_attack_cells(config, table)),
        *repeat_option("--seen", seen),
        "--title",
        PER_ATTACK_TITLES[table],
    ]


#: Tables that get a per-condition companion ``results/{table}_per_condition.csv`` when one of
#: their evaluation sets comes from a format with condition columns.
PER_CONDITION_TABLES = ("table1", "table2")
PER_CONDITION_TITLES = {
    "table1": "Table 1 per condition: detectors trained on one corpus (EER-ROC)",
    "table2": "Table 2 per condition: N samples per class per corpus (EER-ROC)",
}


def _condition_sets(config: Config, sets: Sequence[Mapping[str, str]]) -> list[Mapping[str, str]]:
    return [ev for ev in sets if dataset_format(config, ev["dataset"]) in CONDITION_FORMATS]


def condition_cells(config: Config, table: str) -> list[tuple[str, str, str, str]]:
    """(evaluation set, column, scores, manifest) of a table's cells whose corpus' manifest has
    condition columns (ASVspoof 2021, ASVspoof 5, MLAAD formats): the models of Table 1, each
    N and seed of Table 2 (its "eval data" mixes corpora and has no single manifest)."""
    if table == "table1":
        exp = config["experiment1"]
        sets = _condition_sets(config, [*exp["eval_sets"], *config["extra_eval_sets"]])
        runs = [(model, f"pretrained/{exp['train_dataset']}/{model}") for model in exp["models"]]
    elif table == "table2":
        exp = config["experiment3"]
        sets = _condition_sets(config, config["extra_eval_sets"])
        runs = [
            (str(n), f"exp3/n{n}/seed{seed}")
            for n in exp["n_per_class"]
            for seed in range(exp["seeds"])
        ]
    else:
        raise ValueError(
            f"no per-condition table for {table!r}; choose from {PER_CONDITION_TABLES}"
        )
    return [
        (
            ev["name"],
            column,
            f"results/scores/{run}/{ev['dataset']}/{ev['split']}.tsv",
            manifest_path(ev["dataset"]),
        )
        for column, run in runs
        for ev in sets
    ]


def condition_tables(config: Config) -> list[str]:
    """``results/{table}_per_condition.csv`` of each table with condition cells."""
    return [
        f"results/{table}_per_condition.csv"
        for table in PER_CONDITION_TABLES
        if condition_cells(config, table)
    ]


def condition_files(config: Config, table: str) -> list[str]:
    return list(dict.fromkeys(f for cell in condition_cells(config, table) for f in cell[2:]))


def condition_args(config: Config, table: str) -> list[str]:
    """``--entry`` per cell (repeated seeds are averaged), and the title."""
    cells = condition_cells(config, table)
    return [*repeat_option("--entry", cells), "--title", PER_CONDITION_TITLES[table]]


def figure1_other_png(config: Config) -> str:
    """Figure 1 in the colouring ``figure1.color_by`` does not choose (both go to the report)."""
    other = {"label": "attack", "attack": "label"}[config["figure1"]["color_by"]]
    return f"results/figures/figure1_tsne_by_{other}.png"
