"""Detection metrics (layer 6): EER-ROC, EER-DET, ROC-AUC, AP and mAP.

Pure numpy/pandas. Labels are 1 = bonafide (the positive class) and
0 = spoof; a higher score means more bonafide. Definitions, including how
ties are handled, are in ``docs/metrics.md``.
"""

from workflow_scripts.metrics.eer import eer_det, eer_roc, per_attack_eer
from workflow_scripts.metrics.ranking import (
    TieGroups,
    ap_bonafide,
    ap_spoof,
    average_precision,
    check_scores_labels,
    mean_average_precision,
    roc_auc,
    tie_groups,
)
from workflow_scripts.metrics.report import (
    bootstrap_ci,
    compute_metrics,
    read_scores,
)

__all__ = [
    "TieGroups",
    "ap_bonafide",
    "ap_spoof",
    "average_precision",
    "bootstrap_ci",
    "check_scores_labels",
    "compute_metrics",
    "eer_det",
    "eer_roc",
    "mean_average_precision",
    "per_attack_eer",
    "read_scores",
    "roc_auc",
    "tie_groups",
]
