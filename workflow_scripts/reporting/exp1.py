"""Experiment 1: Table 1, detectors trained on one corpus, from per-run metric files.

Rows: evaluation set x metric (:data:`~workflow_scripts.reporting.tables.TABLE_METRICS`);
columns: models. Rows and columns keep the order in which they are first given,
so the command line (the workflow's configuration) decides the layout.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from workflow_scripts.io.files import read_json
from workflow_scripts.reporting.tables import TABLE_METRICS, metric_grid

TITLE = "Table 1: detectors trained on one corpus"


def table1(
    entries: Sequence[Sequence[str]], metrics: Sequence[tuple[str, str]] = TABLE_METRICS
) -> pd.DataFrame:
    """Table 1 from ``(evaluation set, model, metrics JSON path)`` entries, files read here."""
    cells = [
        (eval_set, model, read_json(path, "metrics file")) for eval_set, model, path in entries
    ]
    return metric_grid(
        cells,
        row_order=list(dict.fromkeys(e[0] for e in entries)),
        column_order=list(dict.fromkeys(e[1] for e in entries)),
        metrics=metrics,
    )
