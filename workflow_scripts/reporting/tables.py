"""Result tables laid out like the paper's, from per-run metric dictionaries.

Shared by the experiment tables: the metric rows (:data:`TABLE_METRICS`),
one checked metric value (:func:`metric_value`), mean and spread over seeds
(:func:`mean_std`), the paper's grid (:func:`metric_grid`), Markdown
(:func:`to_markdown`) and the atomic CSV writer (:func:`write_csv`).
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from workflow_scripts.io.files import atomic_path
from workflow_scripts.metrics.table_metrics import TABLE_METRIC_REGISTRY

#: (key, row label) of the metrics the tables show by default (``metrics.table_metrics``).
TABLE_METRICS: tuple[tuple[str, str], ...] = tuple(
    (m.key, m.label) for m in TABLE_METRIC_REGISTRY if m.default
)

#: Every metric key a table can show (``tables.metrics`` of the config), with its label.
METRIC_LABELS: dict[str, str] = {m.key: m.label for m in TABLE_METRIC_REGISTRY}


def chosen_metrics(
    keys: Sequence[str] | None, default: Sequence[tuple[str, str]] = TABLE_METRICS
) -> tuple[tuple[str, str], ...]:
    """(key, label) of the metrics a table shows: ``keys`` in their order, or ``default``."""
    if not keys:
        return tuple(default)
    unknown = [k for k in keys if k not in METRIC_LABELS]
    if unknown:
        raise ValueError(f"unknown table metric(s) {unknown}; choose from {list(METRIC_LABELS)}")
    if len(set(keys)) != len(keys):
        raise ValueError(f"table metrics repeat a key: {list(keys)}")
    return tuple((k, METRIC_LABELS[k]) for k in keys)


#: Appended to "metric missing" errors for ``ap_mean``: metrics JSON files from
#: before ``map`` became the spoof-positive AP lack that key, and their ``map`` is
#: the old mean of the two APs, so they must be regenerated, not mixed with new ones.
STALE_METRICS_HINT = (
    "; this metrics file predates 'map' = AP with spoof positive (its 'map' is the old "
    "mean of two APs): re-run workflow_scripts.evaluate on its scores"
)


def mean_std(values: Sequence[float]) -> tuple[float, float]:
    """Mean and sample standard deviation (ddof=1; 0 for a single value, never NaN)."""
    arr = np.asarray(values, dtype=np.float64)
    if arr.size == 0:
        raise ValueError("no values to average")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"non-finite value among {arr.tolist()}")
    return float(arr.mean()), float(arr.std(ddof=1)) if arr.size > 1 else 0.0


def metric_value(values: Mapping[str, object], key: str, where: str) -> float:
    """One finite metric from a metrics dict; the error names ``where`` (the file or run)."""
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


def metric_grid(
    cells: Sequence[tuple[str, str, Mapping[str, float]]],
    *,
    row_order: Sequence[str],
    column_order: Sequence[str],
    metrics: Sequence[tuple[str, str]] = TABLE_METRICS,
    digits: int = 4,
) -> pd.DataFrame:
    """Rows (evaluation set x metric), one column per model/setting, like the paper's tables.

    ``cells`` holds (evaluation set, column, metrics dict). A missing cell or
    metric is an error rather than an empty entry, so a table never looks
    complete when it is not.
    """
    lookup: dict[tuple[str, str], Mapping[str, float]] = {}
    for row, column, values in cells:
        if (row, column) in lookup:
            raise ValueError(f"duplicate table cell ({row!r}, {column!r})")
        lookup[(row, column)] = values
    records = []
    for row in row_order:
        for key, label in metrics:
            record: dict[str, object] = {"eval_set": row, "metric": label}
            for column in column_order:
                if (row, column) not in lookup:
                    raise ValueError(f"no metrics for ({row!r}, {column!r})")
                values = lookup[(row, column)]
                if key not in values:
                    hint = STALE_METRICS_HINT if key == "ap_mean" else ""
                    raise ValueError(f"({row!r}, {column!r}): no metric {key!r}{hint}")
                record[column] = round(float(values[key]), digits)
            records.append(record)
    return pd.DataFrame.from_records(records, columns=["eval_set", "metric", *column_order])


def to_markdown(table: pd.DataFrame, *, title: str | None = None) -> str:
    """A GitHub-flavoured Markdown table (no extra dependency)."""
    header = [str(c) for c in table.columns]
    lines = []
    if title:
        lines += [f"### {title}", ""]
    lines.append("| " + " | ".join(header) + " |")
    lines.append("|" + "|".join("---" for _ in header) + "|")
    for row in table.itertuples(index=False):
        lines.append("| " + " | ".join(_cell(v) for v in row) + " |")
    return "\n".join(lines) + "\n"


def _cell(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.4f}".rstrip("0").rstrip(".") if value == value else "nan"
    return str(value)


def write_csv(
    table: pd.DataFrame, path: str | os.PathLike[str], *, float_format: str | None = None
) -> None:
    """Write a result table as CSV atomically (no index), so a table that exists is complete."""
    with atomic_path(path) as tmp:
        table.to_csv(tmp, index=False, float_format=float_format)
