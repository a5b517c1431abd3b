"""Experiment 4: the full method vs. random sampling at the same budget (table and figure).

* :func:`read_run`: one ``--run`` JSON (method, seed, selection summary,
  training history, metrics files) with its files read;
* :func:`exp4_summary` / :func:`exp4_table`: one row per method with training
  samples per class, training time and mean/std over seeds of every metric
  per evaluation set; :func:`exp4_markdown` shows it as ``mean ± std`` cells;
* :func:`plot_exp4` draws the comparison as bars with error bars.

Spread is the sample standard deviation (``ddof=1``) over seeds; with one
run it is 0 and ``n_runs`` says so (never NaN).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from workflow_scripts.io.files import parse_json_object, read_json
from workflow_scripts.io.selections import CLASS_NAMES
from workflow_scripts.reporting.plotting import figure, save_figure
from workflow_scripts.reporting.tables import TABLE_METRICS, mean_std, metric_value, to_markdown

#: Methods of Experiment 4 in display order (others follow in order of appearance).
EXP4_METHODS: tuple[str, ...] = ("full_method", "random_matched")
METHOD_LABELS: dict[str, str] = {
    "full_method": "full method (Alg. 1 + Alg. 2)",
    "random_matched": "random, same budget",
}
#: Keys every ``--run`` JSON object must have.
RUN_KEYS: tuple[str, ...] = ("method", "seed", "summary", "history", "metrics")


@dataclass(frozen=True)
class Exp4Run:
    """One trained model of Experiment 4: its method, seed, budget, training time and metrics."""

    method: str
    seed: int
    train_counts: Mapping[str, int]
    train_seconds: float
    metrics: Mapping[str, Mapping[str, object]]


# --------------------------------------------------------------------------- reading runs


def training_seconds(path: str | os.PathLike[str]) -> float:
    """Sum of the ``seconds`` column of a training history (CSV, or TSV if the header has a
    tab)."""
    file = Path(path)
    try:
        header = file.open(encoding="utf-8").readline()
        history = pd.read_csv(file, sep="\t" if "\t" in header else ",")
    except FileNotFoundError:
        raise ValueError(f"{file}: training history not found") from None
    except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as err:
        reason = str(err).splitlines()[0]
        raise ValueError(f"{file}: cannot read training history ({reason})") from None
    if "seconds" not in history.columns:
        raise ValueError(f"{file}: no 'seconds' column (has {list(history.columns)})")
    seconds = pd.to_numeric(history["seconds"], errors="coerce").to_numpy(dtype=np.float64)
    if len(seconds) == 0 or not np.all(np.isfinite(seconds)) or np.any(seconds < 0):
        raise ValueError(f"{file}: 'seconds' must hold at least one non-negative number per epoch")
    return float(seconds.sum())


def train_counts(path: str | os.PathLike[str]) -> dict[str, int]:
    """Training samples per class from a selection summary's ``total``."""
    summary = read_json(path, "selection summary")
    total = summary.get("total") if isinstance(summary, Mapping) else None
    if not isinstance(total, Mapping) or not all(
        isinstance(total.get(c), int) for c in CLASS_NAMES
    ):
        raise ValueError(f"{path}: no integer total.bonafide / total.spoof")
    return {c: int(total[c]) for c in CLASS_NAMES}


def read_run(text: str) -> Exp4Run:
    """One ``--run`` JSON string -> :class:`Exp4Run` with its files read."""
    spec = parse_json_object(text, "--run")
    missing = [k for k in RUN_KEYS if k not in spec]
    if missing:
        raise ValueError(f"--run {text!r}: missing key(s) {missing}")
    seed = spec["seed"]
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise ValueError(f"--run {text!r}: seed must be an integer")
    if not isinstance(spec["metrics"], dict) or not spec["metrics"]:
        raise ValueError(f"--run {text!r}: metrics must map eval set names to metric files")
    metrics: dict[str, Any] = {}
    for eval_set, path in spec["metrics"].items():
        values = read_json(path, "metrics file")
        if not isinstance(values, dict):
            raise ValueError(f"{path}: metrics file must hold a JSON object")
        metrics[str(eval_set)] = values
    return Exp4Run(
        method=str(spec["method"]),
        seed=seed,
        train_counts=train_counts(spec["summary"]),
        train_seconds=training_seconds(spec["history"]),
        metrics=metrics,
    )


# --------------------------------------------------------------------------- table and figure


def _method_order(runs: Sequence[Exp4Run]) -> list[str]:
    present = list(dict.fromkeys(r.method for r in runs))
    return [m for m in EXP4_METHODS if m in present] + [m for m in present if m not in EXP4_METHODS]


def exp4_summary(
    runs: Sequence[Exp4Run], *, metrics: Sequence[tuple[str, str]] = TABLE_METRICS
) -> pd.DataFrame:
    """Long table: ``method, eval_set, metric, mean, std, n_runs`` (methods and eval sets in
    display order)."""
    if not runs:
        raise ValueError("no Experiment 4 runs")
    eval_order = list(dict.fromkeys(e for r in runs for e in r.metrics))
    rows = []
    for method in _method_order(runs):
        mine = [r for r in runs if r.method == method]
        for eval_set in eval_order:
            missing = [r.seed for r in mine if eval_set not in r.metrics]
            if missing:
                raise ValueError(
                    f"method {method!r}, seed(s) {missing}: no metrics for eval set {eval_set!r}"
                )
            for key, label in metrics:
                values = [
                    metric_value(r.metrics[eval_set], key, f"{method} seed {r.seed} {eval_set}")
                    for r in mine
                ]
                mean, std = mean_std(values)
                rows.append(
                    {
                        "method": method,
                        "eval_set": eval_set,
                        "metric": label,
                        "mean": mean,
                        "std": std,
                        "n_runs": len(values),
                    }
                )
    return pd.DataFrame(rows, columns=["method", "eval_set", "metric", "mean", "std", "n_runs"])


def exp4_table(
    runs: Sequence[Exp4Run], *, metrics: Sequence[tuple[str, str]] = TABLE_METRICS, digits: int = 4
) -> pd.DataFrame:
    """One row per method: runs, seeds, training samples per class, training time, metric
    mean/std per eval set.

    Metric columns are ``"{eval set}: {metric} mean"`` / ``"... std"``.
    """
    long = exp4_summary(runs, metrics=metrics)
    records = []
    for method in _method_order(runs):
        mine = [r for r in runs if r.method == method]
        seeds = [r.seed for r in mine]
        if len(set(seeds)) != len(seeds):
            raise ValueError(f"method {method!r} has seed(s) given twice: {sorted(seeds)}")
        seconds = mean_std([r.train_seconds for r in mine])
        record: dict[str, object] = {
            "method": method,
            "n_runs": len(mine),
            "seeds": ",".join(str(s) for s in sorted(seeds)),
            "train_bonafide": round(mean_std([r.train_counts["bonafide"] for r in mine])[0], 1),
            "train_spoof": round(mean_std([r.train_counts["spoof"] for r in mine])[0], 1),
            "train_seconds_mean": round(seconds[0], 1),
            "train_seconds_std": round(seconds[1], 1),
        }
        for row in long[long["method"] == method].itertuples(index=False):
            record[f"{row.eval_set}: {row.metric} mean"] = round(row.mean, digits)
            record[f"{row.eval_set}: {row.metric} std"] = round(row.std, digits)
        records.append(record)
    return pd.DataFrame.from_records(records)


def exp4_markdown(
    table: pd.DataFrame, *, metrics: Sequence[tuple[str, str]] = TABLE_METRICS
) -> str:
    """Markdown with ``mean ± std`` cells, one row per method."""
    metric_labels = [label for _, label in metrics]
    columns = [
        c[: -len(" mean")]
        for c in table.columns
        if c.endswith(" mean") and c != "train_seconds_mean"
    ]
    columns = [c for c in columns if c.split(": ")[-1] in metric_labels]

    def cells(means: pd.Series, stds: pd.Series, fmt: str) -> list[str]:
        return [f"{m:{fmt}} ± {s:{fmt}}" for m, s in zip(means, stds, strict=True)]

    shown = pd.DataFrame(
        {
            "method": [METHOD_LABELS.get(m, m) for m in table["method"]],
            "runs": table["n_runs"],
            "bonafide / spoof (train)": [
                f"{b:g} / {s:g}"
                for b, s in zip(table["train_bonafide"], table["train_spoof"], strict=True)
            ],
            "training time (s)": cells(
                table["train_seconds_mean"], table["train_seconds_std"], ".1f"
            ),
            **{c: cells(table[f"{c} mean"], table[f"{c} std"], ".4f") for c in columns},
        }
    )
    return to_markdown(
        shown, title="Experiment 4: full method vs. random sampling at the same budget"
    )


def draw_method_bars(ax: Any, part: pd.DataFrame, by: str, order: Sequence[str]) -> None:
    """One bar per method (mean, error bar = std over seeds) for each value of column ``by``,
    in ``order``: the panels of :func:`plot_exp4` and of the embedding-source figure."""
    methods = list(dict.fromkeys(part["method"]))
    width = 0.8 / max(len(methods), 1)
    x = np.arange(len(order))
    for i, method in enumerate(methods):
        rows = part[part["method"] == method].set_index(by).reindex(order)
        ax.bar(
            x + (i - (len(methods) - 1) / 2) * width,
            rows["mean"].to_numpy(),
            width,
            yerr=rows["std"].to_numpy(),
            capsize=3,
            label=METHOD_LABELS.get(method, method),
        )
    ax.set_xticks(x, order)
    ax.set_ylim(bottom=0.0)
    ax.grid(axis="y", alpha=0.3)


def plot_exp4(summary: pd.DataFrame, path: str | os.PathLike[str]) -> None:
    """Bar chart: one panel per metric, bars per method grouped by eval set, error bars = std
    over seeds."""
    metric_order = list(dict.fromkeys(summary["metric"]))
    eval_order = list(dict.fromkeys(summary["eval_set"]))
    with figure(
        1,
        len(metric_order),
        figsize=(3.6 * len(metric_order) + 1, 3.6),
        constrained_layout=True,
        squeeze=False,
    ) as (fig, axes):
        for ax, metric in zip(axes[0], metric_order, strict=True):
            draw_method_bars(ax, summary[summary["metric"] == metric], "eval_set", eval_order)
            ax.set_title(metric)
        axes[0][0].legend(fontsize="small")
        save_figure(fig, path, dpi=120)
