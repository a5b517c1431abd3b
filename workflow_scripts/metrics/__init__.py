"""Detection metrics (layer 6): EER-ROC, EER-DET, ROC-AUC, AP, the paper's mAP, and
calibration and detection costs (Cllr, minCllr, ASVspoof 5 min/act DCF, t-DCF).

Pure numpy/pandas. Labels are 1 = bonafide (the positive class of the EERs,
AUC and ``ap_bonafide``) and 0 = spoof; a higher score means more bonafide.
The paper's mAP (``paper_map``, key ``map``) is the AP with spoof as the
positive class; ``ap_mean`` is the mean of the two per-class APs, an extra.
Definitions, including how ties are handled, are in ``docs/metrics.md``.
"""

from workflow_scripts.metrics.calibration import (
    apply_calibration,
    cllr,
    fit_logistic_calibration,
    min_cllr,
    pav_llrs,
)
from workflow_scripts.metrics.dcf import (
    AsvErrorRates,
    TdcfConstants,
    TdcfCosts,
    act_dcf,
    asv_error_rates,
    bayes_threshold,
    min_dcf,
    min_tdcf,
    tdcf_constants,
    tdcf_curve,
    tdcf_report,
)
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
    read_asv_scores,
    read_scores,
)

__all__ = [
    "AsvErrorRates",
    "TdcfConstants",
    "TdcfCosts",
    "TieGroups",
    "act_dcf",
    "ap_bonafide",
    "ap_mean",
    "ap_spoof",
    "apply_calibration",
    "asv_error_rates",
    "average_precision",
    "bayes_threshold",
    "bootstrap_ci",
    "check_scores_labels",
    "cllr",
    "compute_metrics",
    "eer_det",
    "eer_roc",
    "fit_logistic_calibration",
    "min_cllr",
    "min_dcf",
    "min_tdcf",
    "paper_map",
    "pav_llrs",
    "per_attack_eer",
    "read_asv_scores",
    "read_scores",
    "roc_auc",
    "tdcf_constants",
    "tdcf_curve",
    "tdcf_report",
    "tie_groups",
]
