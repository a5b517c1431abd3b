"""Experiments 3 and 4: Table 2 (multi-dataset random sampling) and the full-method comparison.

* :func:`table2`: rows (evaluation set x metric), one column per N (samples
  per class per dataset), like the paper's Table 2. Runs repeated with other
  seeds (same N and evaluation set) are averaged; the spread is kept in a
  separate table of ``{N}_std`` columns so the main block keeps the paper's
  layout.
* :func:`exp4_summary` / :func:`exp4_table`: one row per method (full method
  vs. random control at the same budget) with training samples per class,
  training time and mean/std over seeds of every metric per evaluation set;
  :func:`plot_exp4` draws the comparison as bars with error bars.

Spread is the sample standard deviation (``ddof=1``) over seeds; with one
run it is 0 and ``n_runs`` says so (never NaN).
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")  # no display on cluster nodes; must precede pyplot
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from workflow_scripts.io import atomic_path  # noqa: E402
from workflow_scripts.reporting.tables import TABLE_METRICS, metric_grid, to_markdown  # noqa: E402

#: Methods of Experiment 4 in display order (others follow in order of appearance).
EXP4_METHODS: tuple[str, ...] = ("full_method", "random_matched")
METHOD_LABELS: dict[str, str] = {"full_method": "full method (Alg. 1 + Alg. 2)", "random_matched": "random, same budget"}


def mean_std(values: Sequence[float]) -> tuple[float, float]:
    """Mean and sample standard deviation (0 for a single value)."""
    arr = np.asarray(values, dtype=np.float64)
    if arr.size == 0:
        raise ValueError("no values to average")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"non-finite value among {arr.tolist()}")
    return float(arr.mean()), float(arr.std(ddof=1)) if arr.size > 1 else 0.0


def metric_value(values: Mapping[str, object], key: str, where: str) -> float:
    """One finite metric from a metrics dict; the error names ``where``."""
    if key not in values:
        raise ValueError(f"{where}: no metric {key!r} (has {sorted(values)})")
    try:
        value = float(values[key])  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ValueError(f"{where}: metric {key!r} is not a number: {values[key]!r}") from None
    if not math.isfinite(value):
        raise ValueError(f"{where}: metric {key!r} is not finite")
    return value


# --------------------------------------------------------------------------- Table 2


@dataclass(frozen=True)
class Table2:
    """Means in the paper's layout, standard deviations alongside, and runs per cell."""

    means: pd.DataFrame
    stds: pd.DataFrame
    runs: pd.DataFrame

    @property
    def repeated(self) -> bool:
        """Whether any cell averages more than one run."""
        return bool((self.runs["n_runs"] > 1).any())

    def combined(self) -> pd.DataFrame:
        """The means, followed by ``{N}_std`` columns when any cell has several runs."""
        if not self.repeated:
            return self.means
        return pd.concat([self.means, self.stds.drop(columns=["eval_set", "metric"])], axis=1)


def table2(
    entries: Sequence[tuple[int, str, Mapping[str, object], str]],
    *,
    metrics: Sequence[tuple[str, str]] = TABLE_METRICS,
    digits: int = 4,
) -> Table2:
    """Table 2 from ``(N, evaluation set, metrics dict, source name)`` entries.

    Entries with the same N and evaluation set are runs with different seeds
    and are averaged. Evaluation sets keep their first-seen order, N columns
    ascend. Every (evaluation set, N) combination must be present.
    """
    if not entries:
        raise ValueError("no Table 2 entries")
    grouped: dict[tuple[str, int], list[tuple[Mapping[str, object], str]]] = {}
    for n, eval_set, values, source in entries:
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
            raise ValueError(f"{source}: N must be a positive integer, got {n!r}")
        grouped.setdefault((eval_set, int(n)), []).append((values, source))
    eval_order = list(dict.fromkeys(e for _, e, _, _ in entries))
    n_order = sorted({int(n) for n, _, _, _ in entries})
    mean_cells, std_cells, run_rows = [], [], []
    for (eval_set, n), runs in grouped.items():
        stats = {key: mean_std([metric_value(v, key, src) for v, src in runs]) for key, _ in metrics}
        mean_cells.append((eval_set, str(n), {k: s[0] for k, s in stats.items()}))
        std_cells.append((eval_set, f"{n}_std", {k: s[1] for k, s in stats.items()}))
        run_rows.append({"eval_set": eval_set, "N": n, "n_runs": len(runs)})
    means = metric_grid(mean_cells, row_order=eval_order, column_order=[str(n) for n in n_order],
                        metrics=metrics, digits=digits)
    stds = metric_grid(std_cells, row_order=eval_order, column_order=[f"{n}_std" for n in n_order],
                       metrics=metrics, digits=digits)
    runs_table = pd.DataFrame(run_rows, columns=["eval_set", "N", "n_runs"]).sort_values(
        ["eval_set", "N"], key=lambda s: s.map(eval_order.index) if s.name == "eval_set" else s, kind="stable"
    ).reset_index(drop=True)
    return Table2(means=means, stds=stds, runs=runs_table)


def table2_markdown(table: Table2) -> str:
    """Markdown: the paper-layout block of means, then (with repeated seeds) the spread block."""
    text = to_markdown(
        table.means,
        title="Table 2: training on ASVspoof 2019 + FoR + WaveFake, N random samples per class per dataset",
    )
    counts = sorted(set(table.runs["n_runs"].tolist()))
    text += f"\nColumns: N samples per class per dataset. Runs per cell: {', '.join(map(str, counts))}.\n"
    if table.repeated:
        text += "\n" + to_markdown(table.stds, title="Standard deviation over seeds (ddof=1; 0 for one run)")
    return text


# --------------------------------------------------------------------------- Experiment 4


@dataclass(frozen=True)
class Exp4Run:
    """One trained model of Experiment 4: its method, seed, budget, training time and metrics."""

    method: str
    seed: int
    train_counts: Mapping[str, int]
    train_seconds: float
    metrics: Mapping[str, Mapping[str, object]]


def _method_order(runs: Sequence[Exp4Run]) -> list[str]:
    present = list(dict.fromkeys(r.method for r in runs))
    return [m for m in EXP4_METHODS if m in present] + [m for m in present if m not in EXP4_METHODS]


def exp4_summary(
    runs: Sequence[Exp4Run], *, metrics: Sequence[tuple[str, str]] = TABLE_METRICS
) -> pd.DataFrame:
    """Long table: ``method, eval_set, metric, mean, std, n_runs`` (methods and eval sets in display order)."""
    if not runs:
        raise ValueError("no Experiment 4 runs")
    eval_order = list(dict.fromkeys(e for r in runs for e in r.metrics))
    rows = []
    for method in _method_order(runs):
        mine = [r for r in runs if r.method == method]
        for eval_set in eval_order:
            missing = [r.seed for r in mine if eval_set not in r.metrics]
            if missing:
                raise ValueError(f"method {method!r}, seed(s) {missing}: no metrics for eval set {eval_set!r}")
            for key, label in metrics:
                values = [metric_value(r.metrics[eval_set], key, f"{method} seed {r.seed} {eval_set}") for r in mine]
                mean, std = mean_std(values)
                rows.append({"method": method, "eval_set": eval_set, "metric": label,
                             "mean": mean, "std": std, "n_runs": len(values)})
    return pd.DataFrame(rows, columns=["method", "eval_set", "metric", "mean", "std", "n_runs"])


def exp4_table(
    runs: Sequence[Exp4Run], *, metrics: Sequence[tuple[str, str]] = TABLE_METRICS, digits: int = 4
) -> pd.DataFrame:
    """One row per method: runs, seeds, training samples per class, training time, metric mean/std per eval set.

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


def exp4_markdown(table: pd.DataFrame, *, metrics: Sequence[tuple[str, str]] = TABLE_METRICS) -> str:
    """Markdown with ``mean ± std`` cells, one row per method."""
    metric_labels = [label for _, label in metrics]
    columns = [c[: -len(" mean")] for c in table.columns if c.endswith(" mean") and c != "train_seconds_mean"]
    columns = [c for c in columns if c.split(": ")[-1] in metric_labels]
    shown = pd.DataFrame(
        {
            "method": [METHOD_LABELS.get(m, m) for m in table["method"]],
            "runs": table["n_runs"],
            "bonafide / spoof (train)": [f"{b:g} / {s:g}" for b, s in zip(table["train_bonafide"], table["train_spoof"], strict=True)],
            "training time (s)": [f"{m:.1f} ± {s:.1f}" for m, s in zip(table["train_seconds_mean"], table["train_seconds_std"], strict=True)],
            **{c: [f"{m:.4f} ± {s:.4f}" for m, s in zip(table[f"{c} mean"], table[f"{c} std"], strict=True)] for c in columns},
        }
    )
    return to_markdown(shown, title="Experiment 4: full method vs. random sampling at the same budget")


def plot_exp4(summary: pd.DataFrame, path: str | os.PathLike[str]) -> None:
    """Bar chart: one panel per metric, bars per method grouped by eval set, error bars = std over seeds."""
    metric_order = list(dict.fromkeys(summary["metric"]))
    eval_order = list(dict.fromkeys(summary["eval_set"]))
    methods = list(dict.fromkeys(summary["method"]))
    width = 0.8 / max(len(methods), 1)
    fig, axes = plt.subplots(1, len(metric_order), figsize=(3.6 * len(metric_order) + 1, 3.6),
                             constrained_layout=True, squeeze=False)
    try:
        for ax, metric in zip(axes[0], metric_order, strict=True):
            part = summary[summary["metric"] == metric]
            x = np.arange(len(eval_order))
            for i, method in enumerate(methods):
                rows = part[part["method"] == method].set_index("eval_set").reindex(eval_order)
                ax.bar(x + (i - (len(methods) - 1) / 2) * width, rows["mean"].to_numpy(), width,
                       yerr=rows["std"].to_numpy(), capsize=3, label=METHOD_LABELS.get(method, method))
            ax.set_xticks(x, eval_order)
            ax.set_title(metric)
            ax.set_ylim(bottom=0.0)
            ax.grid(axis="y", alpha=0.3)
        axes[0][0].legend(fontsize="small")
        with atomic_path(path) as tmp:
            fig.savefig(tmp, format="png", dpi=120)
    finally:
        plt.close(fig)
