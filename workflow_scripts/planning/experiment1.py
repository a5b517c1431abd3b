"""Planning of Table 1 and the metrics of every evaluation set (``rules/evaluation.smk``).

Pure functions of the validated config (see ``planning/__init__.py``).
"""

from __future__ import annotations

from workflow_scripts.planning.common import Config, repeat_option


def extra_eval_metrics(config: Config, run: str) -> dict[str, str]:
    """{label: metrics path} of a model run on ``extra_eval_sets`` (every table's extras)."""
    return {
        ev["name"]: f"results/metrics/{run}/{ev['dataset']}/{ev['split']}.json"
        for ev in config["extra_eval_sets"]
    }


def eval_set_metrics(config: Config, run: str) -> dict[str, str]:
    """{row label: metrics path} of a model run on the Table-1 evaluation sets and the extras."""
    return {
        **{
            ev["name"]: f"results/metrics/{run}/{ev['dataset']}/{ev['split']}.json"
            for ev in config["experiment1"]["eval_sets"]
        },
        **extra_eval_metrics(config, run),
    }


def exp1_table_cells(config: Config) -> list[tuple[str, str, str]]:
    """(row label, model, metrics path) for every cell group of Table 1."""
    exp = config["experiment1"]
    cells = []
    for model in exp["models"]:
        metrics = eval_set_metrics(config, f"pretrained/{exp['train_dataset']}/{model}")
        cells += [(name, model, path) for name, path in metrics.items()]
    return cells


def exp1_table_metrics(config: Config) -> list[str]:
    return [path for _, _, path in exp1_table_cells(config)]


def exp1_table_args(config: Config) -> list[str]:
    """``--entry <row label> <model> <metrics>`` for every cell group of Table 1."""
    return repeat_option("--entry", exp1_table_cells(config))
