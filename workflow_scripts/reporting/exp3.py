"""Experiment 3: Table 2 (training on three corpora, N random samples per class per corpus).

* :func:`table2`: rows (evaluation set x metric), one column per N (samples
  per class per dataset), like the paper's Table 2. Runs repeated with other
  seeds (same N and evaluation set) are averaged; the spread is kept in a
  separate table of ``{N}_std`` columns so the main block keeps the paper's
  layout.
* :func:`table2_counts` / :func:`add_training_counts` / :func:`counts_caption`:
  the training rows each N actually drew per corpus and class (from the
  sampling summaries), as a long table, as rows of Table 2 and as a caption
  sentence naming any shortfall.
* :func:`table2_from_files`: all of it from the command line's
  ``--entry N EVAL_NAME METRICS_JSON`` and ``--summary N SEED SUMMARY_JSON``;
  :func:`table2_runs`: the files and values behind each cell.

Spread is the sample standard deviation (``ddof=1``) over seeds; with one
run it is 0 and ``n_runs`` says so (never NaN).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from workflow_scripts.io.files import read_json
from workflow_scripts.reporting.tables import (
    TABLE_METRICS,
    mean_std,
    metric_grid,
    metric_value,
    to_markdown,
)

#: One Table 2 entry: (N, evaluation set, metrics dict, source name).
Entry = tuple[int, str, Mapping[str, object], str]
#: One sampling summary: (N, repetition, summary dict, source name).
Summary = tuple[int, int, Mapping[str, object], str]


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
    entries: Sequence[Entry],
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
        stats = {
            key: mean_std([metric_value(v, key, src) for v, src in runs]) for key, _ in metrics
        }
        mean_cells.append((eval_set, str(n), {k: s[0] for k, s in stats.items()}))
        std_cells.append((eval_set, f"{n}_std", {k: s[1] for k, s in stats.items()}))
        run_rows.append({"eval_set": eval_set, "N": n, "n_runs": len(runs)})
    means = metric_grid(
        mean_cells,
        row_order=eval_order,
        column_order=[str(n) for n in n_order],
        metrics=metrics,
        digits=digits,
    )
    stds = metric_grid(
        std_cells,
        row_order=eval_order,
        column_order=[f"{n}_std" for n in n_order],
        metrics=metrics,
        digits=digits,
    )
    runs_table = (
        pd.DataFrame(run_rows, columns=["eval_set", "N", "n_runs"])
        .sort_values(
            ["eval_set", "N"],
            key=lambda s: s.map(eval_order.index) if s.name == "eval_set" else s,
            kind="stable",
        )
        .reset_index(drop=True)
    )
    return Table2(means=means, stds=stds, runs=runs_table)


def table2_markdown(table: Table2, counts: pd.DataFrame | None = None) -> str:
    """Markdown: the paper-layout block of means, then (with repeated seeds) the spread block,
    then with ``counts`` the caption sentence on the training rows drawn."""
    text = to_markdown(
        table.means,
        title="Table 2: training on ASVspoof 2019 + FoR + WaveFake, "
        "N random samples per class per dataset",
    )
    n_runs = sorted(set(table.runs["n_runs"].tolist()))
    text += (
        "\nColumns: N samples per class per dataset. "
        f"Runs per cell: {', '.join(map(str, n_runs))}.\n"
    )
    if table.repeated:
        text += "\n" + to_markdown(
            table.stds, title="Standard deviation over seeds (ddof=1; 0 for one run)"
        )
    if counts is not None:
        text += "\n" + counts_caption(counts) + "\n"
    return text


# --------------------------------------------------------------------------- realised counts

#: Columns of ``results/table2_counts.csv`` (one row per N, repetition, dataset and class).
TABLE2_COUNT_COLUMNS: tuple[str, ...] = (
    "n_per_class", "seed", "dataset", "class", "requested", "available", "drawn", "shortfall"
)
#: ``eval_set`` label of Table 2's realised-count rows (``metric`` is "<dataset> <class>").
TRAINING_ROWS = "training rows"


def table2_counts(summaries: Sequence[Summary]) -> pd.DataFrame:
    """Long table of the training rows each Experiment-3 run drew, from its ``sample_random``
    summary.

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
            raise ValueError(
                f"{source}: summary is for N = {summary.get('n_per_class')}, the entry says N = {n}"
            )
        counts = summary.get("counts")
        if not isinstance(counts, list) or not counts:
            raise ValueError(f"{source}: no 'counts' list (expected a sample_random summary)")
        for record in counts:
            try:
                values = {k: int(record[k]) for k in ("requested", "available", "drawn")}
                dataset, label = str(record["dataset"]), str(record["label"])
            except (KeyError, TypeError, ValueError):
                raise ValueError(f"{source}: malformed counts entry {record!r}") from None
            rows.append(
                {
                    "n_per_class": int(n),
                    "seed": int(seed),
                    "dataset": dataset,
                    "class": label,
                    **values,
                    "shortfall": values["requested"] - values["drawn"],
                }
            )
    table = pd.DataFrame(rows, columns=list(TABLE2_COUNT_COLUMNS))
    repeated = table.duplicated(["n_per_class", "seed", "dataset", "class"])
    if repeated.any():
        first = table[repeated].iloc[0]
        raise ValueError(
            f"counts for N = {first['n_per_class']}, seed {first['seed']}, "
            f"{first['dataset']} {first['class']} given twice"
        )
    return table.sort_values(["n_per_class", "seed"], kind="stable").reset_index(drop=True)


def _count_cell(values: pd.Series) -> object:
    """Mean count over seeds: an int when whole (it is whenever the eligible pool does not
    depend on the seed)."""
    mean = float(values.mean())
    return int(mean) if mean.is_integer() else round(mean, 1)


def add_training_counts(table: Table2, counts: pd.DataFrame) -> Table2:
    """Table 2 with rows (``training rows``, "<dataset> <class>"): rows drawn per N (mean over
    seeds).

    Every N column needs counts and every counted N a column. N columns become
    object columns so counts stay integers next to the metrics.
    """
    n_columns = [c for c in table.means.columns if c not in ("eval_set", "metric")]
    counted = {str(n) for n in counts["n_per_class"]}
    if counted != set(n_columns):
        raise ValueError(
            f"training counts cover N = {sorted(counted, key=int)} "
            f"but the table has N = {n_columns}"
        )
    pairs = list(dict.fromkeys(zip(counts["dataset"], counts["class"], strict=True)))
    mean_rows, std_rows = [], []
    for dataset, label in pairs:
        mean_row: dict[str, object] = {"eval_set": TRAINING_ROWS, "metric": f"{dataset} {label}"}
        std_row: dict[str, object] = {"eval_set": TRAINING_ROWS, "metric": f"{dataset} {label}"}
        for column in n_columns:
            part = counts[
                (counts["n_per_class"] == int(column))
                & (counts["dataset"] == dataset)
                & (counts["class"] == label)
            ]["drawn"]
            if part.empty:
                raise ValueError(f"no training count for N = {column}, {dataset} {label}")
            mean_row[column] = _count_cell(part)
            std_row[f"{column}_std"] = round(mean_std(part.tolist())[1], 1)
        mean_rows.append(mean_row)
        std_rows.append(std_row)
    means = pd.concat(
        [
            table.means.astype({c: object for c in n_columns}),
            pd.DataFrame(mean_rows, columns=table.means.columns, dtype=object),
        ],
        ignore_index=True,
    )
    stds = pd.concat(
        [table.stds, pd.DataFrame(std_rows, columns=table.stds.columns)], ignore_index=True
    )
    return Table2(means=means, stds=stds, runs=table.runs)


def counts_caption(counts: pd.DataFrame) -> str:
    """One sentence for Table 2's caption naming every (N, corpus, class) that got fewer rows
    than requested."""
    lead = (
        f"Rows '{TRAINING_ROWS}': training utterances drawn per corpus and class "
        "(mean over seeds; table2_counts.csv lists every run). "
    )
    short = counts[counts["shortfall"] > 0]
    if short.empty:
        return lead + "Every corpus gave the requested N bonafide and N spoof rows for every N."
    parts = []
    for (n, dataset, label), group in short.groupby(
        ["n_per_class", "dataset", "class"], sort=False
    ):
        drawn = sorted(set(group["drawn"].tolist()))
        got = f"{drawn[0]:,}" if len(drawn) == 1 else f"{drawn[0]:,}-{drawn[-1]:,}"
        requested = int(group["requested"].iloc[0])
        parts.append(f"N = {n:,}: {dataset} {label} {got} of {requested:,} requested")
    return (
        lead + "Shortfall (a corpus had fewer eligible rows than requested and gave all it "
        "had): " + "; ".join(parts) + "."
    )


def duplicates_caption(summary: Mapping[str, Any]) -> str:
    """One sentence for Table 2's caption from ``results/duplicates/summary.json``: the copies
    excluded, and the rows the duplicate search could not check (silent or unreadable audio)."""
    unchecked = int(summary["rows_unchecked"])
    text = (
        f"Duplicate search: {int(summary['pairs']):,} pairs of copies found in "
        f"{int(summary['rows_scanned']):,} rows; "
    )
    if not unchecked:
        return text + "every row was checked."
    return (
        text + f"{unchecked:,} rows could not be checked (no sound or unreadable; listed in "
        "results/fingerprints/*/*.unchecked.tsv) and may hold copies."
    )


# --------------------------------------------------------------------------- from the files


def parse_n(text: str) -> int:
    """N of an entry: a positive integer."""
    try:
        n = int(text)
    except ValueError:
        n = 0
    if n < 1:
        raise ValueError(f"--entry N must be a positive integer, got {text!r}")
    return n


def read_entries(entry_args: Sequence[Sequence[str]]) -> list[Entry]:
    """``--entry N EVAL_NAME METRICS_JSON`` values with their metrics files read."""
    entries: list[Entry] = []
    for n_text, eval_name, path in entry_args:
        values = read_json(path, "metrics file")
        if not isinstance(values, dict):
            raise ValueError(f"{path}: metrics file must hold a JSON object")
        entries.append((parse_n(n_text), eval_name, values, str(path)))
    return entries


def read_summaries(summary_args: Sequence[Sequence[str]]) -> list[Summary]:
    """``--summary N SEED SUMMARY_JSON`` values with their sampling summaries read."""
    summaries: list[Summary] = []
    for n_text, seed_text, path in summary_args:
        if not seed_text.isdigit():
            raise ValueError(f"--summary SEED must be a non-negative integer, got {seed_text!r}")
        n = parse_n(n_text)
        summaries.append((n, int(seed_text), read_json(path, "sampling summary"), str(path)))
    return summaries


def table2_from_files(
    entry_args: Sequence[Sequence[str]],
    summary_args: Sequence[Sequence[str]],
    *,
    counts_wanted: bool = False,
    metrics: Sequence[tuple[str, str]] = TABLE_METRICS,
) -> tuple[Table2, pd.DataFrame | None, list[Entry]]:
    """Table 2, the realised counts (``None`` without summaries) and the entries read.

    ``counts_wanted`` (a counts table is to be written) without summaries is an error.
    """
    entries = read_entries(entry_args)
    table = table2(entries, metrics=metrics)
    if counts_wanted and not summary_args:
        raise ValueError("--counts-out needs the runs' sampling summaries (--summary)")
    if not summary_args:
        return table, None, entries
    counts = table2_counts(read_summaries(summary_args))
    return add_training_counts(table, counts), counts, entries


def table2_runs(
    entries: Sequence[Entry], metrics: Sequence[tuple[str, str]] = TABLE_METRICS
) -> dict[str, Any]:
    """Per cell (evaluation set, N): the metric files averaged and their values, for checking."""
    cells: dict[str, dict[str, Any]] = {}
    for n, eval_name, values, source in entries:
        cell = cells.setdefault(
            f"{eval_name} | N={n}",
            {"eval_set": eval_name, "N": n, "files": [], **{key: [] for key, _ in metrics}},
        )
        cell["files"].append(source)
        for key, _ in metrics:
            cell[key].append(metric_value(values, key, source))
    return {"cells": list(cells.values())}
