"""Detection metrics (layer 6): EER-ROC, EER-DET, ROC-AUC, AP and the paper's mAP.

Pure numpy/pandas. Labels are 1 = bonafide (the positive class of the EERs,
AUC and ``ap_bonafide``) and 0 = spoof; a higher score means more bonafide.
The paper's mAP (``paper_map``, key ``map``) is the AP with spoof as the
positive class; ``ap_mean`` is the mean of the two per-class APs, an extra.
Definitions, including how ties are handled, are in ``docs/metrics.md``.
"""

from workflow_scripts.metrics.eer import eer_det, eer_roc, per_attack_eer
from workflow_scripts.metrics.ranking import (
    TieGroups,
    ap_bonafide,
    ap_mean,
    ap_spoof,
    average_precision,
    check_scores_labels,
    paper_map,
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
    "ap_mean",
    "ap_spoof",
    "average_precision",
    "bootstrap_ci",
    "check_scores_labels",
    "compute_metrics",
    "eer_det",
    "eer_roc",
    "paper_map",
    "per_attack_eer",
    "read_scores",
    "roc_auc",
    "tie_groups",
]
