"""Ranking metrics (ROC-AUC, average precision, the paper's mAP) with order-independent ties.

Every metric here is computed from :func:`tie_groups`: the distinct scores and
how many bonafide and spoof trials share each one. Scores that are equal are
therefore always crossed together, so no result depends on the input order.

Convention (``docs/architecture.md``): label 1 = bonafide, 0 = spoof, and a
higher score means more bonafide.

The paper's "mAP" is read as the average precision with **spoof** as the
positive class (:func:`paper_map`, reported as ``map``): at the paper's class
sizes and EERs only that reading reproduces its mAP values (0.99 in-domain,
0.32-0.41 on In-the-Wild); the mean of the two per-class APs
(:func:`ap_mean`) cannot. The evidence is in ``docs/metrics.md``.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import numpy.typing as npt

BONAFIDE = 1
SPOOF = 0


class TieGroups(NamedTuple):
    """Trials grouped by distinct score, highest score first.

    ``n_bonafide[i]`` and ``n_spoof[i]`` count the trials whose score equals
    ``values[i]``. Both classes are present (checked on construction).
    """

    values: np.ndarray  # float64, strictly decreasing
    n_bonafide: np.ndarray  # int64
    n_spoof: np.ndarray  # int64

    @property
    def total_bonafide(self) -> int:
        return int(self.n_bonafide.sum())

    @property
    def total_spoof(self) -> int:
        return int(self.n_spoof.sum())


def check_scores_labels(
    scores: npt.ArrayLike, labels: npt.ArrayLike
) -> tuple[np.ndarray, np.ndarray]:
    """Validate a score/label pair and return them as float64 / int64 arrays.

    Raises ``ValueError`` naming the problem: not 1-D, length mismatch, empty,
    label values other than 0/1, only one class present, NaN or Inf scores.
    Every public metric calls this, so a bad input never yields a silent NaN.
    """
    score_arr = np.asarray(scores)
    label_arr = np.asarray(labels)
    if score_arr.ndim != 1 or label_arr.ndim != 1:
        raise ValueError(
            f"scores and labels must be 1-D (got shapes {score_arr.shape} and {label_arr.shape})"
        )
    if score_arr.shape[0] != label_arr.shape[0]:
        raise ValueError(
            f"length mismatch: {score_arr.shape[0]} scores but {label_arr.shape[0]} labels"
        )
    if score_arr.shape[0] == 0:
        raise ValueError("empty input: no scores")
    try:
        score_arr = score_arr.astype(np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"scores must be numeric ({exc})") from None
    n_bad = int((~np.isfinite(score_arr)).sum())
    if n_bad:
        first = int(np.flatnonzero(~np.isfinite(score_arr))[0])
        raise ValueError(
            f"{n_bad} score(s) are NaN or Inf (first at position {first}: {score_arr[first]})"
        )
    if label_arr.dtype == bool:
        label_arr = label_arr.astype(np.int64)
    bad_labels = [v for v in np.unique(label_arr).tolist() if v not in (0, 1)]
    if bad_labels:
        raise ValueError(f"labels must be 1 (bonafide) or 0 (spoof); found {bad_labels[:5]}")
    label_arr = label_arr.astype(np.int64)
    n_bonafide = int(label_arr.sum())
    if n_bonafide == 0 or n_bonafide == label_arr.shape[0]:
        only = "bonafide" if n_bonafide else "spoof"
        raise ValueError(
            f"only one class present ({label_arr.shape[0]} {only} trials); "
            "metrics need both bonafide and spoof"
        )
    return score_arr, label_arr


def tie_groups(scores: npt.ArrayLike, labels: npt.ArrayLike) -> TieGroups:
    """Validate the inputs and group trials by distinct score (descending)."""
    score_arr, label_arr = check_scores_labels(scores, labels)
    return _tie_groups_unchecked(score_arr, label_arr)


def _tie_groups_unchecked(scores: np.ndarray, labels: np.ndarray) -> TieGroups:
    """Group already-validated trials; one sort, used inside bootstrap loops."""
    values, inverse = np.unique(scores, return_inverse=True)  # ascending
    n_bonafide = np.bincount(inverse, weights=labels, minlength=values.size)
    n_total = np.bincount(inverse, minlength=values.size)
    n_bonafide = n_bonafide.astype(np.int64)
    n_spoof = n_total.astype(np.int64) - n_bonafide
    return TieGroups(values[::-1].copy(), n_bonafide[::-1].copy(), n_spoof[::-1].copy())


def auc_from_groups(groups: TieGroups) -> float:
    """ROC-AUC = P(bonafide score > spoof score) + 1/2 P(equal).

    Exact integer arithmetic: each spoof group contributes the bonafide trials
    above it plus half of the bonafide trials tied with it.
    """
    bonafide_above = np.concatenate(([0], np.cumsum(groups.n_bonafide)[:-1]))
    twice_wins = int(np.sum(groups.n_spoof * (2 * bonafide_above + groups.n_bonafide)))
    return twice_wins / (2 * groups.total_bonafide * groups.total_spoof)


def ap_from_groups(groups: TieGroups, positive: int = BONAFIDE) -> float:
    """Step-wise average precision for the given positive class.

    Groups are visited from the most to the least "positive" score (descending
    for bonafide, ascending for spoof). AP = sum over groups of
    (positives in group / all positives) * precision after taking the whole
    group. This is sklearn's ``average_precision_score`` definition, including
    its handling of ties.
    """
    if positive == BONAFIDE:
        n_pos, n_neg = groups.n_bonafide, groups.n_spoof
    elif positive == SPOOF:
        n_pos, n_neg = groups.n_spoof[::-1], groups.n_bonafide[::-1]
    else:
        raise ValueError(f"positive must be 1 (bonafide) or 0 (spoof), got {positive!r}")
    tp = np.cumsum(n_pos)
    taken = tp + np.cumsum(n_neg)
    return float(np.sum(n_pos * (tp / taken)) / tp[-1])


def roc_auc(scores: npt.ArrayLike, labels: npt.ArrayLike) -> float:
    """Area under the ROC curve, bonafide positive; tied pairs count 1/2."""
    return auc_from_groups(tie_groups(scores, labels))


def average_precision(
    scores: npt.ArrayLike, labels: npt.ArrayLike, positive: int = BONAFIDE
) -> float:
    """Average precision with ``positive`` as the target class.

    ``scores`` must rank the positive class high: for ``positive=0`` pass
    scores where higher = more spoof (``ap_spoof`` does the negation for you).
    Ties are crossed as one step, so the input order never matters.
    """
    score_arr, label_arr = check_scores_labels(scores, labels)
    if positive not in (BONAFIDE, SPOOF):
        raise ValueError(f"positive must be 1 (bonafide) or 0 (spoof), got {positive!r}")
    if positive == SPOOF:
        # Flip the roles so the positive class is ranked high by the given scores.
        label_arr = 1 - label_arr
    return ap_from_groups(_tie_groups_unchecked(score_arr, label_arr), BONAFIDE)


def ap_bonafide(scores: npt.ArrayLike, labels: npt.ArrayLike) -> float:
    """AP with bonafide as the positive class, scores as they are."""
    return ap_from_groups(tie_groups(scores, labels), BONAFIDE)


def ap_spoof(scores: npt.ArrayLike, labels: npt.ArrayLike) -> float:
    """AP with spoof as the positive class, ranked by the negated score."""
    return ap_from_groups(tie_groups(scores, labels), SPOOF)


def paper_map(scores: npt.ArrayLike, labels: npt.ArrayLike) -> float:
    """The paper's mAP: AP with spoof as the positive class (reported as ``map``).

    Identical to :func:`ap_spoof`; it has its own name because "mAP" is the
    paper's word and this is the reading its numbers support (a mean over the
    two classes would sit near 0.5 at chance, the paper reports 0.32 there).
    See ``docs/metrics.md``.
    """
    return paper_map_from_groups(tie_groups(scores, labels))


def paper_map_from_groups(groups: TieGroups) -> float:
    """The paper's mAP from precomputed groups: spoof-positive step-wise AP."""
    return ap_from_groups(groups, SPOOF)


def ap_mean(scores: npt.ArrayLike, labels: npt.ArrayLike) -> float:
    """Mean of ``ap_bonafide`` and ``ap_spoof`` (reported as ``ap_mean``).

    The textbook "mean over classes" reading of mAP. Kept as an explicitly
    named extra metric so the alternative reading stays checkable; it is *not*
    the paper's mAP (see ``docs/metrics.md``).
    """
    return ap_mean_from_groups(tie_groups(scores, labels))


def ap_mean_from_groups(groups: TieGroups) -> float:
    """Mean of the two per-class APs from precomputed groups (one sort for both)."""
    return 0.5 * (ap_from_groups(groups, BONAFIDE) + ap_from_groups(groups, SPOOF))
