"""What the result tables must look like, written out here (not imported from the package) so
that a relabelled, reordered or re-rounded table fails: shared by tests/test_tables.py (the
builders on planted inputs) and tests/test_table_sources.py (the tiny run's real tables)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

#: Metric keys and the row labels of Tables 1 and 2 (and the Experiment-4 columns), in order.
METRICS: tuple[tuple[str, str], ...] = (
    ("eer_roc", "EER-ROC"),
    ("map", "mAP"),
    ("eer_det", "EER-DET"),
    ("ap_bonafide", "AP-bonafide"),
    ("ap_mean", "AP-mean"),
)
#: Experiment 2's metric column order (``make_table_exp2`` docstring): EER-DET before mAP.
EXP2_KEYS = ("eer_roc", "eer_det", "map", "ap_bonafide", "ap_mean")


def mean(values: Sequence[float]) -> float:
    return float(np.mean(np.asarray(values, dtype=np.float64)))


def std(values: Sequence[float]) -> float:
    """Sample standard deviation (ddof=1), 0 for a single run, as the tables write it."""
    return float(np.std(np.asarray(values, dtype=np.float64), ddof=1)) if len(values) > 1 else 0.0


def at_10g(value: float) -> float:
    """A value at the precision ``make_table_exp2`` writes (``%.10g``)."""
    return float(f"{value:.10g}")


def exp2_columns(eval_slugs: Iterable[str]) -> list[str]:
    """The Experiment-2 table's columns for eval sets named by ``eval_slugs``, in order."""
    metric_columns = [
        f"{slug}_{key}_{stat}"
        for slug in eval_slugs
        for key in EXP2_KEYS
        for stat in ("mean", "std")
    ]
    return [
        "method",
        "bonafide_rate",
        "spoof_rate",
        "n_bonafide",
        "n_spoof",
        "n_seeds",
        "trained_as",
        *metric_columns,
        "train_seconds_mean",
    ]
