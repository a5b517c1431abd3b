"""Result tables laid out like the paper's, from per-run metric dictionaries."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

#: Metric keys of ``metrics.report.compute_metrics`` and their row labels in the tables.
TABLE_METRICS: tuple[tuple[str, str], ...] = (
    ("eer_roc", "EER-ROC"),
    ("map", "mAP"),
    ("eer_det", "EER-DET"),
)


def metric_grid(
    cells: Sequence[tuple[str, str, Mapping[str, float]]],
    *,
    row_order: Sequence[str],
    column_order: Sequence[str],
    metrics: Sequence[tuple[str, str]] = TABLE_METRICS,
    digits: int = 4,
) -> pd.DataFrame:
    """Rows (evaluation set x metric), one column per model/setting, like the paper's tables.

    ``cells`` holds (evaluation set, column, metrics dict). A missing cell is an
    error rather than an empty entry, so a table never looks complete when it is not.
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
                record[column] = round(float(lookup[(row, column)][key]), digits)
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
