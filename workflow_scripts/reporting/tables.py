"""Result tables laid out like the paper's, from per-run metric dictionaries."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

#: Metric keys of ``metrics.report.compute_metrics`` and their row labels in the tables.
#: The paper's rows (EER-ROC, mAP = AP with spoof positive) come first, then the
#: extras: the challenge's EER-DET, the bonafide-positive AP and the mean of the
#: two APs, so the other reading of "mAP" can be checked (``docs/metrics.md``).
TABLE_METRICS: tuple[tuple[str, str], ...] = (
    ("eer_roc", "EER-ROC"),
    ("map", "mAP"),
    ("eer_det", "EER-DET"),
    ("ap_bonafide", "AP-bonafide"),
    ("ap_mean", "AP-mean"),
)

#: Appended to "metric missing" errors for ``ap_mean``: metrics JSON files from
#: before ``map`` became the spoof-positive AP lack that key, and their ``map`` is
#: the old mean of the two APs, so they must be regenerated, not mixed with new ones.
STALE_METRICS_HINT = (
    "; this metrics file predates 'map' = AP with spoof positive (its 'map' is the old "
    "mean of two APs): re-run workflow_scripts.evaluate on its scores"
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
