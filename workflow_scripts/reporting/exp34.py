"""Experiments 3 and 4: Table 2 (multi-dataset random sampling) and the full-method comparison.

* :func:`table2`: rows (evaluation set x metric), one column per N (samples
  per class per dataset), like the paper's Table 2. Runs repeated with other
  seeds (same N and evaluation set) are averaged; the spread is kept in a
  separate table of ``{N}_std`` columns so the main block keeps the paper's
  layout.
* :func:`table2_counts` / :func:`add_training_counts` / :func:`counts_caption`:
  the training rows each N actually drew per corpus and class (from the
  sampling summaries), as a long table, as rows of Table 2 and as a caption
  sentence naming any shortfall.
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

from workflow_scripts.io.files import atomic_path  # noqa: E402
from workflow_scripts.reporting.tables import (  # noqa: E402
    STALE_METRICS_HINT,
    TABLE_METRICS,
    metric_grid,
    to_markdown,
)

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
        hint = STALE_METRICS_HINT if key == "ap_mean" else ""
        raise ValueError(f"{where}: no metric {key!r} (has {sorted(values)}){hint}")
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


# --------------------------------------------------------------------------- Table 2: realised counts

#: Columns of ``results/table2_counts.csv`` (one row per N, repetition, dataset and class).
TABLE2_COUNT_COLUMNS: tuple[str, ...] = (
    "n_per_class", "seed", "dataset", "class", "requested", "available", "drawn", "shortfall",
)
#: ``eval_set`` label of Table 2's realised-count rows (``metric`` is "<dataset> <class>").
TRAINING_ROWS = "training rows"


def table2_counts(summaries: Sequence[tuple[int, int, Mapping[str, object], str]]) -> pd.DataFrame:
    """Long table of the training rows each Experiment-3 run drew, from its ``sample_random`` summary.

    ``summaries`` holds (N, repetition, summary dict, source name). One row per
    (N, repetition, dataset, class): ``requested`` (N), ``available`` (eligible
    rows of the pool after duplicate exclusion), ``drawn`` and ``shortfall``
    (requested - drawn). A summary drawn for another N is an error.
    """
    if not summaries:
        raise ValueError("no Experiment-3 sampling summaries")
    rows: list[dict[str, object]] = []
    for n, seed, summary, source in summaries:
        if not isinstance(summary, Mapping):
            raise ValueError(f"{source}: sampling summary must be a JSON object")
        if summary.get("n_per_class") is not None and summary.get("n_per_class") != n:
            raise ValueError(f"{source}: summary is for N = {summary.get('n_per_class')}, the entry says N = {n}")
        counts = summary.get("counts")
        if not isinstance(counts, list) or not counts:
            raise ValueError(f"{source}: no 'counts' list (expected a sample_random summary)")
        for record in counts:
            try:
                values = {k: int(record[k]) for k in ("requested", "available", "drawn")}
                dataset, label = str(record["dataset"]), str(record["label"])
            except (KeyError, TypeError, ValueError):
                raise ValueError(f"{source}: malformed counts entry {record!r}") from None
            rows.append({"n_per_class": int(n), "seed": int(seed), "dataset": dataset, "class": label, **values,
                         "shortfall": values["requested"] - values["drawn"]})
    table = pd.DataFrame(rows, columns=list(TABLE2_COUNT_COLUMNS))
    repeated = table.duplicated(["n_per_class", "seed", "dataset", "class"])
    if repeated.any():
        first = table[repeated].iloc[0]
        raise ValueError(f"counts for N = {first['n_per_class']}, seed {first['seed']}, "
                         f"{first['dataset']} {first['class']} given twice")
    return table.sort_values(["n_per_class", "seed"], kind="stable").reset_index(drop=True)


def _count_cell(values: pd.Series) -> object:
    """Mean count over seeds: an int when whole (it is whenever the eligible pool does not depend on the seed)."""
    mean = float(values.mean())
    return int(mean) if mean.is_integer() else round(mean, 1)


def add_training_counts(table: Table2, counts: pd.DataFrame) -> Table2:
    """Table 2 with rows (``training rows``, "<dataset> <class>"): rows drawn per N (mean over seeds).

    Every N column needs counts and every counted N a column. N columns become
    object columns so counts stay integers next to the metrics.
    """
    n_columns = [c for c in table.means.columns if c not in ("eval_set", "metric")]
    counted = {str(n) for n in counts["n_per_class"]}
    if counted != set(n_columns):
        raise ValueError(f"training counts cover N = {sorted(counted, key=int)} but the table has N = {n_columns}")
    pairs = list(dict.fromkeys(zip(counts["dataset"], counts["class"], strict=True)))
    mean_rows, std_rows = [], []
    for dataset, label in pairs:
        mean_row: dict[str, object] = {"eval_set": TRAINING_ROWS, "metric": f"{dataset} {label}"}
        std_row: dict[str, object] = {"eval_set": TRAINING_ROWS, "metric": f"{dataset} {label}"}
        for column in n_columns:
            part = counts[(counts["n_per_class"] == int(column)) & (counts["dataset"] == dataset)
                          & (counts["class"] == label)]["drawn"]
            if part.empty:
                raise ValueError(f"no training count for N = {column}, {dataset} {label}")
            mean_row[column] = _count_cell(part)
            std_row[f"{column}_std"] = round(mean_std(part.tolist())[1], 1)
        mean_rows.append(mean_row)
        std_rows.append(std_row)
    means = pd.concat([table.means.astype({c: object for c in n_columns}),
                       pd.DataFrame(mean_rows, columns=table.means.columns, dtype=object)], ignore_index=True)
    stds = pd.concat([table.stds, pd.DataFrame(std_rows, columns=table.stds.columns)], ignore_index=True)
    return Table2(means=means, stds=stds, runs=table.runs)


def counts_caption(counts: pd.DataFrame) -> str:
    """One sentence for Table 2's caption naming every (N, corpus, class) that got fewer rows than requested."""
    lead = (f"Rows '{TRAINING_ROWS}': training utterances drawn per corpus and class "
            "(mean over seeds; table2_counts.csv lists every run). ")
    short = counts[counts["shortfall"] > 0]
    if short.empty:
        return lead + "Every corpus gave the requested N bonafide and N spoof rows for every N."
    parts = []
    for (n, dataset, label), group in short.groupby(["n_per_class", "dataset", "class"], sort=False):
        drawn = sorted(set(group["drawn"].tolist()))
        got = f"{drawn[0]:,}" if len(drawn) == 1 else f"{drawn[0]:,}-{drawn[-1]:,}"
        parts.append(f"N = {n:,}: {dataset} {label} {got} of {int(group['requested'].iloc[0]):,} requested")
    return (lead + "Shortfall (a corpus had fewer eligible rows than requested and gave all it had): "
            + "; ".join(parts) + ".")


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
