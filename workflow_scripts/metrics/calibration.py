"""Calibration of detection scores: Cllr, minCllr (PAV) and affine logistic calibration.

Scores are read as **natural-log likelihood ratios** (LLRs) for the hypothesis
"bonafide" (the target class) against "spoof": ``llr = ln p(x | bonafide) - ln p(x | spoof)``.
Labels are 1 = bonafide, 0 = spoof, as everywhere in :mod:`workflow_scripts.metrics`.

A detector logit is **not** a calibrated LLR. The bonafide logit of a classifier trained with
cross-entropy is at best a log posterior odds under the training set's class balance, and
deep networks are often over- or under-confident on top of that; on another corpus the
scale and offset are simply unknown. It becomes an LLR only after a calibration fitted on
held-out (dev) data, e.g. :func:`fit_logistic_calibration` then :func:`apply_calibration`.
So :func:`cllr` of raw logits mixes two things, how well the scores separate the classes
(discrimination) and how well their values mean what an LLR means (calibration), while
:func:`min_cllr` is the Cllr after the best monotone recalibration of the same scores, i.e.
discrimination only. ``cllr - min_cllr`` is the calibration loss.

References: N. Brümmer and J. du Preez, "Application-independent evaluation of speaker
detection", Computer Speech and Language 20(2-3), 2006 (Cllr, minCllr via PAV);
N. Brümmer and E. de Villiers, "The BOSARIS Toolkit: Theory, Algorithms and Code for
Surviving the New DCF", 2011 (PAV LLRs with the empirical prior, prior-weighted logistic
regression calibration). Formulas and worked examples are in ``docs/metrics.md``.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from workflow_scripts.metrics.ranking import _tie_groups_unchecked, check_scores_labels

LN2 = math.log(2.0)


def _softplus(x: np.ndarray) -> np.ndarray:
    """``ln(1 + e^x)`` without overflow; ``+inf`` for ``x = +inf`` and 0 for ``-inf``."""
    return np.logaddexp(0.0, x)


def cllr(scores: npt.ArrayLike, labels: npt.ArrayLike) -> float:
    """Log-likelihood-ratio cost in bits, ``scores`` read as natural-log LLRs.

    ``Cllr = 1 / (2 ln 2) * (mean_bonafide ln(1 + e^-s) + mean_spoof ln(1 + e^s))``:
    the mean of the two classes' cross-entropies (bits) of the posterior at prior 1/2.
    0 for confident correct LLRs, exactly 1 for ``s = 0`` everywhere (a system that never
    commits), unbounded for confident wrong ones.
    """
    score_arr, label_arr = check_scores_labels(scores, labels)
    bonafide = label_arr == 1
    cost_bonafide = float(np.mean(_softplus(-score_arr[bonafide])))
    cost_spoof = float(np.mean(_softplus(score_arr[~bonafide])))
    return (cost_bonafide + cost_spoof) / (2.0 * LN2)


def _pav_blocks(
    scores: np.ndarray, labels: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """PAV of already-checked trials, by pool-adjacent-violators on the distinct scores.

    Trials are grouped by distinct score first, so tied scores always share one block (the
    pessimistic ordering of BOSARIS, where a tie never separates the classes). Then the
    groups, lowest score first, are pooled while a block's bonafide fraction exceeds the
    next one's (compared exactly in integers), which leaves the fractions non-decreasing.
    Returns the distinct scores (ascending), and per block its bonafide count, spoof count
    and how many distinct scores it spans.
    """
    groups = _tie_groups_unchecked(scores, labels)
    n_bonafide: list[int] = []
    n_total: list[int] = []
    n_groups: list[int] = []
    for nb, ns in zip(groups.n_bonafide[::-1].tolist(), groups.n_spoof[::-1].tolist(), strict=True):
        n_bonafide.append(nb)
        n_total.append(nb + ns)
        n_groups.append(1)
        while len(n_total) > 1 and n_bonafide[-2] * n_total[-1] > n_bonafide[-1] * n_total[-2]:
            # Pop first: ``a[-2] += a.pop()`` would resolve ``-2`` before the pop.
            last_bonafide, last_total, last_groups = n_bonafide.pop(), n_total.pop(), n_groups.pop()
            n_bonafide[-1] += last_bonafide
            n_total[-1] += last_total
            n_groups[-1] += last_groups
    block_bonafide = np.array(n_bonafide, dtype=np.int64)
    block_spoof = np.array(n_total, dtype=np.int64) - block_bonafide
    return groups.values[::-1], block_bonafide, block_spoof, np.array(n_groups, dtype=np.int64)


def pav_llrs(scores: npt.ArrayLike, labels: npt.ArrayLike) -> np.ndarray:
    """The optimal monotone LLRs of the trials (in input order), from PAV.

    PAV gives, per block, the posterior ``p = bonafide / trials`` under the empirical prior
    ``pi = nb / (nb + ns)``; the LLR is ``logit(p) - logit(pi)`` (the BOSARIS convention).
    Blocks holding one class only get ``+inf`` (bonafide) or ``-inf`` (spoof).
    """
    score_arr, label_arr = check_scores_labels(scores, labels)
    distinct, block_bonafide, block_spoof, n_groups = _pav_blocks(score_arr, label_arr)
    prior_log_odds = math.log(block_bonafide.sum() / block_spoof.sum())
    with np.errstate(divide="ignore"):
        block_llr = np.log(block_bonafide / block_spoof) - prior_log_odds
    per_distinct_score = np.repeat(block_llr, n_groups)
    return per_distinct_score[np.searchsorted(distinct, score_arr)]


def min_cllr(scores: npt.ArrayLike, labels: npt.ArrayLike) -> float:
    """Cllr (bits) of the PAV LLRs: the lowest Cllr any monotone recalibration reaches.

    Per PAV block ``B`` with ``rb = bonafide in B / nb`` and ``rs = spoof in B / ns``:
    ``minCllr = sum_B [rb ln((rb + rs) / rb) + rs ln((rb + rs) / rs)] / (2 ln 2)``
    (``0 ln(.) = 0``), which is :func:`cllr` of :func:`pav_llrs` without infinities.
    0 for perfectly separated classes; at most 1 (the constant LLR 0 is monotone).
    """
    score_arr, label_arr = check_scores_labels(scores, labels)
    return min_cllr_from_arrays(score_arr, label_arr)


def min_cllr_from_arrays(scores: np.ndarray, labels: np.ndarray) -> float:
    """:func:`min_cllr` of already-checked arrays (used by the report)."""
    _, block_bonafide, block_spoof, _ = _pav_blocks(scores, labels)
    rb = block_bonafide / block_bonafide.sum()
    rs = block_spoof / block_spoof.sum()
    both = rb + rs
    with np.errstate(divide="ignore", invalid="ignore"):
        cost = np.where(rb > 0, rb * np.log(both / rb), 0.0) + np.where(
            rs > 0, rs * np.log(both / rs), 0.0
        )
    return float(cost.sum() / (2.0 * LN2))


def _logit(p: float) -> float:
    return math.log(p) - math.log1p(-p)


def fit_logistic_calibration(
    scores: npt.ArrayLike,
    labels: npt.ArrayLike,
    prior: float = 0.5,
    *,
    max_iter: int = 100,
    tol: float = 1e-10,
) -> tuple[float, float]:
    """Affine calibration ``llr = a * score + b`` by prior-weighted logistic regression.

    Minimises the cross-entropy at the effective bonafide prior ``prior``:
    ``prior * mean_bonafide ln(1 + e^-(a s + b + logit(prior)))
    + (1 - prior) * mean_spoof ln(1 + e^(a s + b + logit(prior)))``
    (BOSARIS / FoCal linear calibration; at ``prior = 0.5`` this is ``Cllr * ln 2`` of
    the calibrated scores, so the fit never raises the Cllr of the data it is fitted on).
    Newton's method with a backtracking line search on standardised scores, from
    ``a = b = 0``: deterministic, no random start. Stops when the gradient's largest
    component is below ``tol`` or after ``max_iter`` steps. On perfectly separated data
    the optimum is at infinite slope: the result is then the last (large) iterate.
    """
    score_arr, label_arr = check_scores_labels(scores, labels)
    if not 0.0 < prior < 1.0:
        raise ValueError(f"prior must be in (0, 1), got {prior}")
    centre = float(score_arr.mean())
    spread = float(score_arr.std()) or 1.0
    x = (score_arr - centre) / spread
    bonafide = label_arr == 1
    weight = np.where(bonafide, prior / bonafide.sum(), (1.0 - prior) / (~bonafide).sum())
    target = bonafide.astype(np.float64)
    offset = _logit(prior)
    design = np.stack((x, np.ones_like(x)), axis=1)

    def objective(theta: np.ndarray) -> float:
        z = design @ theta + offset
        return float(np.sum(weight * np.where(bonafide, _softplus(-z), _softplus(z))))

    theta = np.zeros(2)
    value = objective(theta)
    for _ in range(max_iter):
        z = design @ theta + offset
        posterior = 0.5 * (1.0 + np.tanh(0.5 * z))  # sigmoid, overflow-free
        gradient = design.T @ (weight * (posterior - target))
        if np.max(np.abs(gradient)) < tol:
            break
        curvature = weight * posterior * (1.0 - posterior)
        hessian = design.T @ (design * curvature[:, None]) + 1e-12 * np.eye(2)
        step = np.linalg.solve(hessian, gradient)
        size = 1.0
        while size > 1e-10:
            candidate = theta - size * step
            new_value = objective(candidate)
            if new_value <= value - 1e-4 * size * float(gradient @ step):
                break
            size *= 0.5
        else:
            break  # no decrease possible along the Newton direction
        theta, value = candidate, new_value
    slope, intercept = float(theta[0]), float(theta[1])
    return slope / spread, intercept - slope * centre / spread


def apply_calibration(scores: npt.ArrayLike, a: float, b: float) -> np.ndarray:
    """Calibrated LLRs ``a * scores + b`` (float64) for a fitted ``(a, b)``."""
    return a * np.asarray(scores, dtype=np.float64) + b
