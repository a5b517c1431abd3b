"""Detection costs: the ASVspoof 5 normalised DCF (min and actual) and the tandem t-DCF.

Conventions as in the rest of :mod:`workflow_scripts.metrics`: label 1 = bonafide, 0 = spoof,
higher score = more bonafide. For a countermeasure (CM) threshold ``t``:

- ``P_miss(t)``: fraction of **bonafide** trials rejected (the CM calls them spoof),
- ``P_fa(t)``: fraction of **spoof** trials accepted (passed on as bonafide).

Minimum costs sweep the same operating points as :func:`~workflow_scripts.metrics.eer.eer_det`
(accept iff ``score > t``, ``t`` just below the lowest score, then every distinct score, ties
crossed together). Without tied scores this is exactly the sweep of the official ASVspoof
code, which crosses sorted trials one at a time.

Sources (values and formulas, quoted in ``docs/metrics.md``):

- ASVspoof 5 (Wang et al., 2024; evaluation plan and the official evaluation package,
  ``calculate_modules.compute_mindcf`` / ``compute_actDCF``): ``C_miss = 1``, ``C_fa = 10``,
  ``pi_spoof = 0.05``; DCF normalised by ``min(C_miss (1 - pi_spoof), C_fa pi_spoof)``.
- ASVspoof 2019 t-DCF (Kinnunen et al., "t-DCF: a Detection Cost Function for the Tandem
  Assessment of Spoofing Countermeasures and Automatic Speaker Verification", Odyssey 2018;
  ASVspoof 2019 evaluation plan; official ``compute_tDCF_legacy``).
- ASVspoof 2021 t-DCF (Kinnunen et al., "Tandem Assessment of Spoofing Countermeasures and
  Automatic Speaker Verification: Fundamentals", IEEE/ACM TASLP 28, 2020; ASVspoof 2021
  evaluation plan; official ``compute_tDCF``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from workflow_scripts.metrics.eer import eer_det
from workflow_scripts.metrics.ranking import TieGroups, _tie_groups_unchecked, check_scores_labels

#: ASVspoof 5 Track 1 cost model (evaluation plan; evaluation package ``calculate_metrics.py``).
ASVSPOOF5_C_MISS = 1.0
ASVSPOOF5_C_FA = 10.0
ASVSPOOF5_P_SPOOF = 0.05

#: Editions of the t-DCF implemented here.
TDCF_EDITIONS = (2019, 2021)
ASV_KEYS = ("target", "nontarget", "spoof")


# --------------------------------------------------------------------------- DET points


def det_points(groups: TieGroups) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(p_miss, p_fa, thresholds)`` at every CM operating point, lowest threshold first.

    Point ``k`` accepts the trials with ``score > thresholds[k]``; the first threshold lies
    just below the lowest score (everything accepted: ``p_miss = 0``, ``p_fa = 1``), the last
    is the highest score (everything rejected: ``p_miss = 1``, ``p_fa = 0``).
    """
    rejected_bonafide = np.concatenate(([0], np.cumsum(groups.n_bonafide[::-1])))
    rejected_spoof = np.concatenate(([0], np.cumsum(groups.n_spoof[::-1])))
    p_miss = rejected_bonafide / groups.total_bonafide
    p_fa = 1.0 - rejected_spoof / groups.total_spoof
    ascending = groups.values[::-1]
    thresholds = np.concatenate(([np.nextafter(ascending[0], -np.inf)], ascending))
    return p_miss, p_fa, thresholds


def _check_costs(c_miss: float, c_fa: float, p_spoof: float) -> None:
    if not (c_miss > 0 and c_fa > 0 and math.isfinite(c_miss) and math.isfinite(c_fa)):
        raise ValueError(f"costs must be positive and finite (c_miss={c_miss}, c_fa={c_fa})")
    if not 0.0 < p_spoof < 1.0:
        raise ValueError(f"p_spoof must be in (0, 1), got {p_spoof}")


# --------------------------------------------------------------------------- ASVspoof 5 DCF


def min_dcf(
    scores: npt.ArrayLike,
    labels: npt.ArrayLike,
    c_miss: float = ASVSPOOF5_C_MISS,
    c_fa: float = ASVSPOOF5_C_FA,
    p_spoof: float = ASVSPOOF5_P_SPOOF,
) -> float:
    """Minimum normalised DCF over CM thresholds (ASVspoof 5 Track 1 primary metric).

    ``DCF(t) = C_miss (1 - p_spoof) P_miss(t) + C_fa p_spoof P_fa(t)``, divided by
    ``C_def = min(C_miss (1 - p_spoof), C_fa p_spoof)``, the cost of the better of
    "accept all" and "reject all". So min DCF <= 1, and 1 means the CM is no better than
    a fixed decision. Defaults: ``C_miss = 1``, ``C_fa = 10``, ``p_spoof = 0.05``.
    """
    _check_costs(c_miss, c_fa, p_spoof)
    score_arr, label_arr = check_scores_labels(scores, labels)
    p_miss, p_fa, _ = det_points(_tie_groups_unchecked(score_arr, label_arr))
    weight_miss, weight_fa = c_miss * (1.0 - p_spoof), c_fa * p_spoof
    return float(np.min(weight_miss * p_miss + weight_fa * p_fa) / min(weight_miss, weight_fa))


def bayes_threshold(
    c_miss: float = ASVSPOOF5_C_MISS,
    c_fa: float = ASVSPOOF5_C_FA,
    p_spoof: float = ASVSPOOF5_P_SPOOF,
) -> float:
    """The Bayes decision threshold for scores that are LLRs: ``ln(C_fa p / (C_miss (1 - p)))``.

    Accepting as bonafide iff ``llr >= threshold`` minimises the expected cost when the
    scores are calibrated LLRs. ASVspoof 5 defaults: ``ln(0.5 / 0.95) = -ln 1.9 = -0.6419``.
    """
    _check_costs(c_miss, c_fa, p_spoof)
    return math.log(c_fa * p_spoof) - math.log(c_miss * (1.0 - p_spoof))


def act_dcf(
    scores: npt.ArrayLike,
    labels: npt.ArrayLike,
    c_miss: float = ASVSPOOF5_C_MISS,
    c_fa: float = ASVSPOOF5_C_FA,
    p_spoof: float = ASVSPOOF5_P_SPOOF,
) -> float:
    """Actual normalised DCF: the DCF at :func:`bayes_threshold`, scores read as LLRs.

    As in the official ``compute_actDCF``: a bonafide trial is missed iff
    ``score < threshold`` and a spoof is accepted iff ``score >= threshold``. Same
    normalisation as :func:`min_dcf`, so ``min_dcf <= act_dcf``; the gap is what
    miscalibration costs at this operating point.
    """
    score_arr, label_arr = check_scores_labels(scores, labels)
    threshold = bayes_threshold(c_miss, c_fa, p_spoof)
    bonafide = label_arr == 1
    p_miss = float(np.mean(score_arr[bonafide] < threshold))
    p_fa = float(np.mean(score_arr[~bonafide] >= threshold))
    weight_miss, weight_fa = c_miss * (1.0 - p_spoof), c_fa * p_spoof
    return (weight_miss * p_miss + weight_fa * p_fa) / min(weight_miss, weight_fa)


# --------------------------------------------------------------------------- t-DCF


class TdcfCosts(NamedTuple):
    """Priors and costs of the t-DCF, defaults = the official ASVspoof 2019 / 2021 values.

    ``p_tar = (1 - p_spoof) 0.99 = 0.9405`` and ``p_non = (1 - p_spoof) 0.01 = 0.0095``,
    computed as the official scripts do. The 2019 (legacy) form uses the ASV and CM costs
    ``c_miss_asv``, ``c_fa_asv``, ``c_miss_cm``, ``c_fa_cm``; the 2021 (revised) form uses
    the tandem costs ``c_miss``, ``c_fa``, ``c_fa_spoof``.
    """

    p_spoof: float = 0.05
    p_tar: float = (1 - 0.05) * 0.99
    p_non: float = (1 - 0.05) * 0.01
    c_miss_asv: float = 1.0
    c_fa_asv: float = 10.0
    c_miss_cm: float = 1.0
    c_fa_cm: float = 10.0
    c_miss: float = 1.0
    c_fa: float = 10.0
    c_fa_spoof: float = 10.0


class AsvErrorRates(NamedTuple):
    """ASV error rates at its EER threshold (accept iff ``score >= threshold``)."""

    threshold: float
    eer: float
    p_miss: float  # targets rejected
    p_fa: float  # nontargets accepted
    p_fa_spoof: float  # spoofs accepted


class TdcfConstants(NamedTuple):
    """``t-DCF(t) = c0 + c1 P_miss_cm(t) + c2 P_fa_cm(t)``, normalised by ``c0 + min(c1, c2)``."""

    c0: float
    c1: float
    c2: float

    @property
    def default_cost(self) -> float:
        """Cost of the better fixed CM (accept all: ``c0 + c2``; reject all: ``c0 + c1``)."""
        return self.c0 + min(self.c1, self.c2)


def check_asv_scores(asv_scores: Mapping[str, npt.ArrayLike]) -> dict[str, np.ndarray]:
    """The ASV scores by key (``target``, ``nontarget``, ``spoof``), each 1-D, finite, non-empty."""
    checked = {}
    for key in ASV_KEYS:
        if key not in asv_scores:
            raise ValueError(f"ASV scores need the keys {list(ASV_KEYS)}; {key!r} is missing")
        values = np.asarray(asv_scores[key], dtype=np.float64)
        if values.ndim != 1 or values.size == 0:
            raise ValueError(
                f"ASV {key} scores must be a non-empty 1-D array (shape {values.shape})"
            )
        if not np.all(np.isfinite(values)):
            raise ValueError(f"ASV {key} scores contain NaN or Inf")
        checked[key] = values
    return checked


def asv_error_rates(asv_scores: Mapping[str, npt.ArrayLike]) -> AsvErrorRates:
    """ASV error rates at the ASV's EER threshold, as the official ``obtain_asv_error_rates``.

    The threshold is the EER-DET threshold of target against nontarget scores
    (:func:`~workflow_scripts.metrics.eer.eer_det`, the same threshold as the official
    ``compute_eer`` when there are no ties). The rates then count a trial as accepted iff
    ``score >= threshold``, exactly as the official code does, so a trial scored exactly at
    the threshold is an acceptance here although the EER sweep counted it as a rejection.
    """
    checked = check_asv_scores(asv_scores)
    target, nontarget, spoof = (checked[key] for key in ASV_KEYS)
    scores = np.concatenate((target, nontarget))
    labels = np.concatenate((np.ones(target.size, np.int64), np.zeros(nontarget.size, np.int64)))
    eer, threshold = eer_det(scores, labels)
    return AsvErrorRates(
        threshold=threshold,
        eer=eer,
        p_miss=float(np.mean(target < threshold)),
        p_fa=float(np.mean(nontarget >= threshold)),
        p_fa_spoof=float(np.mean(spoof >= threshold)),
    )


def tdcf_constants(
    rates: AsvErrorRates, edition: int = 2019, costs: TdcfCosts | None = None
) -> TdcfConstants:
    """``C0``, ``C1``, ``C2`` of the t-DCF from ASV error rates.

    2019 (legacy, ASVspoof 2019 ranking): ``C0 = 0``,
    ``C1 = p_tar (C_miss_cm - C_miss_asv P_miss_asv) - p_non C_fa_asv P_fa_asv``,
    ``C2 = C_fa_cm p_spoof P_fa_spoof_asv``.
    2021 (revised, ASVspoof 2021): ``C0 = p_tar C_miss P_miss_asv + p_non C_fa P_fa_asv``,
    ``C1 = p_tar C_miss - C0``, ``C2 = p_spoof C_fa_spoof P_fa_spoof_asv``.
    Raises ``ValueError`` for a negative constant or a zero normaliser (an ASV that
    accepts no spoof and, for 2021, makes no error: the CM then cannot matter).
    """
    if edition not in TDCF_EDITIONS:
        raise ValueError(f"t-DCF edition must be one of {TDCF_EDITIONS}, got {edition!r}")
    k = costs or TdcfCosts()
    if min(k) < 0 or abs(k.p_tar + k.p_non + k.p_spoof - 1.0) > 1e-10:
        raise ValueError(f"t-DCF priors must be >= 0 and sum to 1, costs >= 0 ({k})")
    if edition == 2019:
        c0 = 0.0
        c1 = (
            k.p_tar * (k.c_miss_cm - k.c_miss_asv * rates.p_miss)
            - k.p_non * k.c_fa_asv * rates.p_fa
        )
        c2 = k.c_fa_cm * k.p_spoof * rates.p_fa_spoof
    else:
        c0 = k.p_tar * k.c_miss * rates.p_miss + k.p_non * k.c_fa * rates.p_fa
        c1 = k.p_tar * k.c_miss - c0
        c2 = k.p_spoof * k.c_fa_spoof * rates.p_fa_spoof
    constants = TdcfConstants(c0, c1, c2)
    if c1 < 0 or c2 < 0:
        raise ValueError(f"t-DCF constants must not be negative ({constants}); check the ASV rates")
    if constants.default_cost <= 0:
        raise ValueError(
            f"t-DCF is undefined: its normaliser c0 + min(c1, c2) is 0 ({constants}); "
            "the ASV accepts no spoof, so no CM can change the cost"
        )
    return constants


def tdcf_curve(
    cm_scores: npt.ArrayLike, cm_labels: npt.ArrayLike, constants: TdcfConstants
) -> tuple[np.ndarray, np.ndarray]:
    """``(thresholds, normalised t-DCF)`` at every CM operating point (see :func:`det_points`)."""
    score_arr, label_arr = check_scores_labels(cm_scores, cm_labels)
    p_miss, p_fa, thresholds = det_points(_tie_groups_unchecked(score_arr, label_arr))
    cost = constants.c0 + constants.c1 * p_miss + constants.c2 * p_fa
    return thresholds, cost / constants.default_cost


def min_tdcf(
    cm_scores: npt.ArrayLike,
    cm_labels: npt.ArrayLike,
    asv_scores: Mapping[str, npt.ArrayLike],
    edition: int = 2019,
    costs: TdcfCosts | None = None,
) -> float:
    """Minimum normalised t-DCF of a CM in tandem with the ASV whose scores are given.

    ``asv_scores`` maps ``target``, ``nontarget`` and ``spoof`` to that ASV's scores (e.g.
    the organisers' ASV score file, :func:`~workflow_scripts.metrics.report.read_asv_scores`);
    ``edition`` 2019 (legacy) or 2021 (revised) picks the constants of :func:`tdcf_constants`.
    The curve includes "accept all" and "reject all", so the result is <= 1; a perfect CM
    gives ``C0 / (C0 + min(C1, C2))`` (0 for 2019).
    """
    return tdcf_report(cm_scores, cm_labels, asv_scores, edition, costs)["min_tdcf"]


def tdcf_report(
    cm_scores: npt.ArrayLike,
    cm_labels: npt.ArrayLike,
    asv_scores: Mapping[str, npt.ArrayLike],
    edition: int = 2019,
    costs: TdcfCosts | None = None,
) -> dict[str, float | int]:
    """:func:`min_tdcf` with what it was computed from (JSON-ready)."""
    rates = asv_error_rates(asv_scores)
    constants = tdcf_constants(rates, edition, costs)
    thresholds, curve = tdcf_curve(cm_scores, cm_labels, constants)
    best = int(np.argmin(curve))
    return {
        "edition": int(edition),
        "min_tdcf": float(curve[best]),
        "cm_threshold": float(thresholds[best]),
        "c0": constants.c0,
        "c1": constants.c1,
        "c2": constants.c2,
        "asv_threshold": rates.threshold,
        "asv_eer": rates.eer,
        "asv_p_miss": rates.p_miss,
        "asv_p_fa": rates.p_fa,
        "asv_p_fa_spoof": rates.p_fa_spoof,
    }
