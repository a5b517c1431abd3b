"""The metrics a result table can show, registered once.

Each entry names a key of the metrics files (``metrics.report.compute_metrics``), its row
label, which direction is better, and whether the tables show it by default. The tables'
default set and labels (``reporting/tables.py``), the planner's "no flag needed" default
(``planning/common.py``) and the schema's ``tables.metrics`` enum and default (tested equal)
all come from :data:`TABLE_METRIC_REGISTRY`; adding a metric is one entry here plus its
computation in ``metrics/report.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class TableMetric:
    """One metric column of the result tables."""

    key: str
    label: str
    better: Literal["lower", "higher"]
    #: Shown when ``tables.metrics`` is not set; the default rows keep this registry's order.
    default: bool = False


#: The paper's two first (EER-ROC, mAP = AP with spoof positive), then the default extras
#: (the challenge's EER-DET, the bonafide-positive AP and the mean of the two APs, so that
#: the other reading of "mAP" can be checked: docs/metrics.md), then the opt-in ones.
TABLE_METRIC_REGISTRY: tuple[TableMetric, ...] = (
    TableMetric("eer_roc", "EER-ROC", "lower", default=True),
    TableMetric("map", "mAP", "higher", default=True),
    TableMetric("eer_det", "EER-DET", "lower", default=True),
    TableMetric("ap_bonafide", "AP-bonafide", "higher", default=True),
    TableMetric("ap_mean", "AP-mean", "higher", default=True),
    TableMetric("auc", "ROC-AUC", "higher"),
    TableMetric("ap_spoof", "AP-spoof", "higher"),
    TableMetric("cllr", "Cllr", "lower"),
    TableMetric("min_cllr", "minCllr", "lower"),
    TableMetric("min_dcf", "minDCF", "lower"),
    TableMetric("act_dcf", "actDCF", "lower"),
)
#: Keys of the default table metrics, in order.
DEFAULT_TABLE_METRICS: tuple[str, ...] = tuple(m.key for m in TABLE_METRIC_REGISTRY if m.default)
