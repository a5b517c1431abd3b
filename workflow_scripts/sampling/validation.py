"""Validation rows of an Experiment-3/4 run: dev rows that are no training row and no copy of one.

Every row of the validation caches is kept unless
:func:`~workflow_scripts.sampling.exclusions.validation_exclusions` names a
reason, so a model never validates (is selected) on a recording it trains on.
Tables in, tables out; reading the caches and writing the files is the
``make_val_selection`` command's job.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from workflow_scripts.io.selections import CLASS_NAMES, class_counts

from .exclusions import (
    ROW_COLUMNS,
    VALIDATION_EXCLUSION_REASONS,
    row_keys,
    validation_exclusions,
)


def validation_selection(
    table: pd.DataFrame,
    pairs: pd.DataFrame,
    priority: Sequence[tuple[str, str]],
    training: pd.DataFrame,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The kept rows of ``table`` (cache metadata, ``ROW_COLUMNS``) and a count table.

    ``priority`` orders the (dataset, split) pairs for ``duplicate_exclusions``;
    ``training`` is the run's training selection. The count table has, per
    dataset and class, ``rows``, one column per exclusion reason and ``kept``.
    A class with no row left is an error rather than a validation set that
    cannot measure it.
    """
    reasons = validation_exclusions(pairs, priority, row_keys(training))
    why = np.array([reasons.get(k, "") for k in row_keys(table)], dtype=object)
    keep = why == ""
    rows: list[dict[str, Any]] = []
    for dataset in dict.fromkeys(table["dataset"]):
        for label in CLASS_NAMES:
            part = ((table["dataset"] == dataset) & (table["label"] == label)).to_numpy()
            record: dict[str, Any] = {"dataset": dataset, "label": label, "rows": int(part.sum())}
            for reason in VALIDATION_EXCLUSION_REASONS:
                record[reason] = int((part & (why == reason)).sum())
            record["kept"] = int((part & keep).sum())
            rows.append(record)
    selection = table.loc[keep, list(ROW_COLUMNS)].reset_index(drop=True)
    counts = pd.DataFrame(rows)
    total = class_counts(selection, by_dataset=False)
    empty = [name for name in CLASS_NAMES if total[name] == 0]
    if empty:
        raise ValueError(
            f"no {' or '.join(empty)} row is left for validation "
            f"(counts: {counts.to_dict(orient='records')})"
        )
    return selection, counts


def excluded_totals(counts: pd.DataFrame) -> dict[str, int]:
    """Rows excluded for each reason, over all datasets and classes (for the log)."""
    return {reason: int(counts[reason].sum()) for reason in VALIDATION_EXCLUSION_REASONS}
