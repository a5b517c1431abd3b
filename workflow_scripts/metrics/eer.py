"""Equal error rates: the paper's EER-ROC and the ASVspoof challenge's EER-DET.

Both are built on :func:`~workflow_scripts.metrics.ranking.tie_groups`, so
tied scores are always crossed together and results never depend on the
input order. Error rates are compared in exact integer arithmetic (counts
scaled by ``n_bonafide * n_spoof``) so that ties in "which point is closest"
are decided exactly rather than by rounding.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from workflow_scripts.metrics.ranking import (
    TieGroups,
    _tie_groups_unchecked,
    check_scores_labels,
    tie_groups,
)


def eer_roc_from_groups(groups: TieGroups) -> float:
    """EER where the (linearly interpolated) ROC curve crosses FPR = FNR.

    ROC points are taken after each distinct threshold, highest first, starting
    at (FPR, FNR) = (0, 1) and ending at (1, 0). ``FPR - FNR`` never decreases
    along the curve, so the first point where it is >= 0 and the point before
    it bracket the crossing; on the straight segment between them both rates
    are linear in the same parameter, and the EER is their common value there.
    """
    nb, ns = groups.total_bonafide, groups.total_spoof
    tp = np.concatenate(([0], np.cumsum(groups.n_bonafide)))
    fp = np.concatenate(([0], np.cumsum(groups.n_spoof)))
    # (FPR - FNR) * nb * ns, exact.
    diff = fp * nb - (nb - tp) * ns
    i = int(np.argmax(diff >= 0))  # exists: the last point has diff = nb * ns > 0
    fpr_i = fp[i] / ns
    if diff[i] == 0:
        return float(fpr_i)
    fpr_prev = fp[i - 1] / ns
    t = -diff[i - 1] / (diff[i] - diff[i - 1])  # in (0, 1)
    return float(fpr_prev + t * (fpr_i - fpr_prev))


def eer_det_from_groups(groups: TieGroups) -> tuple[float, float]:
    """ASVspoof-style EER: closest FRR/FAR pair over thresholds, no interpolation.

    Thresholds are the distinct scores in ascending order, preceded by one just
    below the lowest score. At threshold ``t`` a trial is accepted as bonafide
    iff ``score > t``: FRR = bonafide with score <= t, FAR = spoof with
    score > t. The point minimising ``|FRR - FAR|`` (the lowest such threshold
    when several tie) gives EER = (FRR + FAR) / 2 and its threshold.
    """
    nb, ns = groups.total_bonafide, groups.total_spoof
    values = groups.values[::-1]
    rejected_bonafide = np.concatenate(([0], np.cumsum(groups.n_bonafide[::-1])))
    accepted_spoof = ns - np.concatenate(([0], np.cumsum(groups.n_spoof[::-1])))
    # |FRR - FAR| * nb * ns, exact; argmin returns the first (lowest) threshold.
    k = int(np.argmin(np.abs(rejected_bonafide * ns - accepted_spoof * nb)))
    frr = rejected_bonafide[k] / nb
    far = accepted_spoof[k] / ns
    threshold = np.nextafter(values[0], -np.inf) if k == 0 else values[k - 1]
    return float(0.5 * (frr + far)), float(threshold)


def eer_roc(scores: npt.ArrayLike, labels: npt.ArrayLike) -> float:
    """The paper's EER-ROC (bonafide = 1 positive, higher score = more bonafide)."""
    return eer_roc_from_groups(tie_groups(scores, labels))


def eer_det(scores: npt.ArrayLike, labels: npt.ArrayLike) -> tuple[float, float]:
    """The ASVspoof challenge EER and its threshold (accept iff score > threshold)."""
    return eer_det_from_groups(tie_groups(scores, labels))


def per_attack_eer(
    scores: npt.ArrayLike, labels: npt.ArrayLike, attacks: npt.ArrayLike
) -> dict[str, dict[str, float | int]]:
    """EER of each spoof attack against all bonafide trials.

    Returns ``{attack: {"n": spoofs of that attack, "eer_roc": ..., "eer_det": ...}}``
    for every distinct attack id among the spoof trials (sorted by id, as
    strings; an id such as ``-`` is kept as its own group). Bonafide attack
    ids are ignored.
    """
    score_arr, label_arr = check_scores_labels(scores, labels)
    attack_arr = np.asarray(attacks).astype(str)
    if attack_arr.shape != score_arr.shape:
        raise ValueError(
            f"length mismatch: {score_arr.shape[0]} scores but {attack_arr.shape[0]} attack ids"
        )
    bonafide = label_arr == 1
    result: dict[str, dict[str, float | int]] = {}
    for attack in sorted(set(attack_arr[~bonafide].tolist())):
        spoof_of_attack = (~bonafide) & (attack_arr == attack)
        keep = bonafide | spoof_of_attack
        groups = _tie_groups_unchecked(score_arr[keep], label_arr[keep])
        result[attack] = {
            "n": int(spoof_of_attack.sum()),
            "eer_roc": eer_roc_from_groups(groups),
            "eer_det": eer_det_from_groups(groups)[0],
        }
    return result
