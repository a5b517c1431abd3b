"""Tests for workflow_scripts.metrics.calibration and .dcf (Cllr, minCllr, calibration, DCFs,
t-DCF), their place in the report, the ASV score file reader and ``evaluate --asv-scores``.

Expected numbers in the hand-computed cases are derived in the comments
(labels: 1 = bonafide, 0 = spoof; higher score = more bonafide; scores read as natural-log
LLRs where a metric needs LLRs). Official parameter values: docs/metrics.md,
"Calibration and detection costs".
"""

from __future__ import annotations

import json
import math
import re
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import REPO, run_module
from sklearn.isotonic import IsotonicRegression

from workflow_scripts.metrics import (
    AsvErrorRates,
    TdcfCosts,
    act_dcf,
    apply_calibration,
    asv_error_rates,
    bayes_threshold,
    cllr,
    compute_metrics,
    fit_logistic_calibration,
    min_cllr,
    min_dcf,
    min_tdcf,
    pav_llrs,
    read_asv_scores,
    tdcf_constants,
    tdcf_curve,
    tdcf_report,
)
from workflow_scripts.metrics.report import metrics_of_score_file

LN3 = math.log(3.0)


def trials(bonafide: list[float], spoof: list[float]) -> tuple[np.ndarray, np.ndarray]:
    scores = np.array(bonafide + spoof, dtype=float)
    labels = np.array([1] * len(bonafide) + [0] * len(spoof))
    return scores, labels


def gaussian_llrs(seed: int, n_bonafide: int = 2000, n_spoof: int = 3000):
    """Bonafide ~ N(1, 1), spoof ~ N(-1, 1): the true LLR of a score x is 2x."""
    rng = np.random.default_rng(seed)
    x = np.concatenate((rng.normal(1.0, 1.0, n_bonafide), rng.normal(-1.0, 1.0, n_spoof)))
    labels = np.concatenate((np.ones(n_bonafide, int), np.zeros(n_spoof, int)))
    return 2.0 * x, labels


# ----------------------------------------------------------------- Cllr


def test_cllr_hand_computed() -> None:
    # All LLRs 0: each trial costs ln(1 + e^0) = ln 2 nats = 1 bit -> Cllr = 1.
    assert cllr(*trials([0.0, 0.0], [0.0, 0.0, 0.0])) == pytest.approx(1.0)
    # Bonafide ln 3, spoof -ln 3: each costs ln(1 + 1/3) = ln(4/3) -> log2(4/3) = 0.41504.
    assert cllr(*trials([LN3], [-LN3])) == pytest.approx(math.log2(4 / 3))
    # Bonafide {ln 3, 0}, spoof {ln 3}: bonafide mean (log2(4/3) + 1) / 2, spoof log2(1 + 3) = 2
    # -> Cllr = ((log2(4/3) + 1) / 2 + 2) / 2 = 1.35376.
    expected = ((math.log2(4 / 3) + 1) / 2 + 2) / 2
    assert cllr(*trials([LN3, 0.0], [LN3])) == pytest.approx(expected)
    assert expected == pytest.approx(1.35376, abs=1e-5)


def test_cllr_extreme_llrs_do_not_overflow() -> None:
    # Confidently right: cost ln(1 + e^-1000) = 0. Confidently wrong: ln(1 + e^1000) = 1000
    # nats per trial, so Cllr = (1000 + 1000) / (2 ln 2) bits, finite.
    assert cllr(*trials([1000.0], [-1000.0])) == 0.0
    assert cllr(*trials([-1000.0], [1000.0])) == pytest.approx(1000 / math.log(2))


# ----------------------------------------------------------------- minCllr (PAV)


def test_min_cllr_hand_computed() -> None:
    # Ascending: 1s 2b 3s 4b. PAV on the bonafide fractions 0, 1, 0, 1 pools {2b, 3s}
    # (1 > 0) into 1/2: blocks {1s} 0, {2b 3s} 1/2, {4b} 1. Empirical prior 1/2, so the
    # LLRs are logit(p): -inf, 0, +inf. Only the middle block costs: ln 2 per trial, one
    # bonafide of two and one spoof of two -> Cllr = (ln2 / 2 + ln2 / 2) / (2 ln 2) = 1/2.
    scores, labels = trials([2, 4], [1, 3])
    assert min_cllr(scores, labels) == pytest.approx(0.5)
    assert pav_llrs(scores, labels).tolist() == [0.0, math.inf, -math.inf, 0.0]


def test_min_cllr_uses_the_empirical_prior() -> None:
    # Bonafide {2}, spoof {1, 3}. Ascending fractions 0 (1s), 1 (2b), 0 (3s): {2b, 3s} pools to
    # p = 1/2. The empirical prior is 1/3 (log odds ln(1/2)), so the block's LLR is
    # logit(1/2) - ln(1/2) = ln 2 (not 0). Costs: bonafide ln(1 + 1/2) = ln(3/2);
    # spoofs 0 (at -inf) and ln(1 + 2) = ln 3, mean ln(3) / 2.
    # minCllr = (log2(3/2) + log2(3) / 2) / 2 = 0.68872. (Reading the PAV posterior 1/2 as
    # the LLR 0 would give (1 + 1/2) / 2 = 0.75.)
    scores, labels = trials([2], [1, 3])
    expected = (math.log2(1.5) + math.log2(3) / 2) / 2
    assert min_cllr(scores, labels) == pytest.approx(expected)
    assert expected == pytest.approx(0.688722, abs=1e-6)
    assert pav_llrs(scores, labels) == pytest.approx([math.log(2), -math.inf, math.log(2)])
    assert cllr(scores, labels) >= min_cllr(scores, labels)


def test_min_cllr_ties_are_pooled_in_any_input_order() -> None:
    # Bonafide {2, 1}, spoof {1, 0}: the tie at 1 is one group with fraction 1/2; fractions
    # 0, 1/2, 1 are already monotone. Only the tie block costs: ln 2 for one of two trials
    # of each class -> 1/2 bit. Splitting the tie with the spoof first would reach 0.
    scores, labels = trials([2, 1], [1, 0])
    assert min_cllr(scores, labels) == pytest.approx(0.5)
    for order in ([0, 1, 2, 3], [2, 1, 0, 3], [3, 2, 1, 0]):
        assert min_cllr(scores[order], labels[order]) == pytest.approx(0.5)


def test_min_cllr_special_cases() -> None:
    # Perfectly separated: every PAV block is pure, LLRs +-inf, no cost.
    assert min_cllr(*trials([3, 4], [1, 2])) == 0.0
    # All scores tied: one block with p = prior, LLR 0 -> exactly 1 bit.
    assert min_cllr(*trials([0.5] * 3, [0.5] * 5)) == pytest.approx(1.0)
    # Perfectly inverted: PAV pools everything into one block, also 1 bit.
    assert min_cllr(*trials([1, 2], [3, 4])) == pytest.approx(1.0)


@pytest.mark.parametrize("decimals", [None, 1])
def test_pav_matches_isotonic_regression(decimals: int | None) -> None:
    scores, labels = gaussian_llrs(1, 300, 500)
    if decimals is not None:
        scores = np.round(scores, decimals)
    nb, ns = int(labels.sum()), int((labels == 0).sum())
    # sklearn's isotonic fit of the bonafide fraction per distinct score (weights = counts).
    values, inverse = np.unique(scores, return_inverse=True)
    counts = np.bincount(inverse)
    fraction = np.bincount(inverse, weights=labels) / counts
    fitted = IsotonicRegression().fit(values, fraction, sample_weight=counts).predict(values)
    posterior = 1.0 / (1.0 + np.exp(-(pav_llrs(scores, labels) + math.log(nb / ns))))
    assert posterior == pytest.approx(fitted[inverse], abs=1e-12)


def test_min_cllr_properties() -> None:
    scores, labels = gaussian_llrs(2)
    best = min_cllr(scores, labels)
    assert 0.0 < best < cllr(scores, labels) < 1.0
    # minCllr is discrimination only: any strictly increasing transform leaves it unchanged,
    # while the raw Cllr of a badly scaled copy is far worse.
    for transformed in (5 * scores + 3, np.exp(scores / 4), scores**3):
        assert min_cllr(transformed, labels) == pytest.approx(best, abs=1e-12)
    assert cllr(5 * scores + 3, labels) > 2 * cllr(scores, labels)
    # Cllr of the PAV LLRs is minCllr.
    assert cllr(np.clip(pav_llrs(scores, labels), -1e6, 1e6), labels) == pytest.approx(best)


# ----------------------------------------------------------------- logistic calibration


@pytest.mark.parametrize("prior", [0.5, 0.05])
def test_logistic_calibration_two_score_values(prior: float) -> None:
    # Bonafide: 2 at s=2, 1 at s=0 (nb = 3); spoof: 1 at s=2, 4 at s=0 (ns = 5). An affine map
    # can put any LLR on the two values, so the optimum is the empirical LLR at each, for any
    # prior: llr(2) = ln((2/3) / (1/5)) = ln(10/3), llr(0) = ln((1/3) / (4/5)) = ln(5/12).
    # a = (ln(10/3) - ln(5/12)) / 2 = ln(8) / 2 = 1.5 ln 2, b = ln(5/12).
    scores, labels = trials([2, 2, 0], [2, 0, 0, 0, 0])
    a, b = fit_logistic_calibration(scores, labels, prior=prior)
    assert a == pytest.approx(1.5 * math.log(2), abs=1e-8)
    assert b == pytest.approx(math.log(5 / 12), abs=1e-8)
    # The PAV LLRs are the same two values (fractions 1/5 < 2/3 need no pooling), so the
    # calibrated Cllr reaches minCllr here.
    calibrated = apply_calibration(scores, a, b)
    assert calibrated == pytest.approx(pav_llrs(scores, labels), abs=1e-8)
    assert cllr(calibrated, labels) == pytest.approx(min_cllr(scores, labels), abs=1e-10)


def test_logistic_calibration_recovers_a_known_affine_map() -> None:
    # Scores s = 4 * llr + 3 of true LLRs: the fit should return about a = 1/4, b = -3/4.
    llrs, labels = gaussian_llrs(3, 20000, 20000)
    a, b = fit_logistic_calibration(4 * llrs + 3, labels)
    assert a == pytest.approx(0.25, abs=0.01)
    assert b == pytest.approx(-0.75, abs=0.05)
    assert fit_logistic_calibration(4 * llrs + 3, labels) == (a, b)  # deterministic


def test_calibration_fitted_on_dev_lowers_cllr_toward_min_cllr() -> None:
    dev_llrs, dev_labels = gaussian_llrs(4)
    eval_llrs, eval_labels = gaussian_llrs(5)
    raw_dev, raw_eval = 0.3 * dev_llrs - 2.0, 0.3 * eval_llrs - 2.0  # under-confident, shifted
    a, b = fit_logistic_calibration(raw_dev, dev_labels)
    # On the data it was fitted on it can only help (a = 1, b = 0 was a candidate) ...
    fitted_dev = cllr(apply_calibration(raw_dev, a, b), dev_labels)
    assert min_cllr(raw_dev, dev_labels) <= fitted_dev <= cllr(raw_dev, dev_labels)
    # ... and on held-out data it closes most of the calibration gap.
    before, after = (
        cllr(raw_eval, eval_labels),
        cllr(apply_calibration(raw_eval, a, b), eval_labels),
    )
    floor = min_cllr(raw_eval, eval_labels)
    assert floor < after < before
    assert after - floor < 0.1 * (before - floor)


def test_logistic_calibration_bad_prior() -> None:
    with pytest.raises(ValueError, match="prior"):
        fit_logistic_calibration(*trials([1], [0]), prior=1.0)


# ----------------------------------------------------------------- ASVspoof 5 DCF


def test_bayes_threshold_asvspoof5() -> None:
    # beta = C_miss (1 - p) / (C_fa p) = 0.95 / 0.5 = 1.9; threshold = -ln 1.9 = -0.64185.
    assert bayes_threshold() == pytest.approx(-math.log(1.9))
    assert bayes_threshold() == pytest.approx(-0.6418539, abs=1e-7)


def test_min_dcf_hand_computed() -> None:
    # ASVspoof 5 costs: weights C_miss (1 - p) = 0.95 on P_miss, C_fa p = 0.5 on P_fa;
    # normaliser min(0.95, 0.5) = 0.5. Bonafide {2, 4, 5, 7}, spoof {1, 3, 6}; points
    # (P_miss, P_fa) -> normalised DCF: accept all (0, 1) -> 1; t=1 (0, 2/3) -> 2/3;
    # t=2 (1/4, 2/3) -> 1.1417; t=3 (1/4, 1/3) -> 0.8083; t=4 (1/2, 1/3) -> 1.2833;
    # t=5 (3/4, 1/3) -> 1.7583; t=6 (3/4, 0) -> 1.425; t=7 (1, 0) -> 1.9. Minimum 2/3.
    scores, labels = trials([2, 4, 5, 7], [1, 3, 6])
    assert min_dcf(scores, labels) == pytest.approx(2 / 3)
    # act: every score is >= -0.642, so everything is accepted: (0, 1) -> 1.
    assert act_dcf(scores, labels) == pytest.approx(1.0)
    # Equal costs and priors (normaliser 0.5): min of (P_miss + P_fa) = 1/4 + 1/3 at t=3.
    assert min_dcf(scores, labels, c_miss=1, c_fa=1, p_spoof=0.5) == pytest.approx(7 / 12)


def test_act_dcf_hand_computed() -> None:
    # Bonafide {-1, 0.5, 2}, spoof {-2, -0.5, 1}, threshold -0.642: bonafide -1 is missed
    # (P_miss 1/3), spoofs -0.5 and 1 are accepted (P_fa 2/3):
    # (0.95 / 3 + 0.5 * 2/3) / 0.5 = 1.3. min: t=-2 (0, 2/3) -> 2/3; t=-0.5 (1/3, 1/3)
    # -> 0.9667; the rest are higher -> 2/3.
    scores, labels = trials([-1, 0.5, 2], [-2, -0.5, 1])
    assert act_dcf(scores, labels) == pytest.approx(1.3)
    assert min_dcf(scores, labels) == pytest.approx(2 / 3)
    # A score exactly at the threshold is accepted (as in the official compute_actDCF).
    at = bayes_threshold()
    assert act_dcf(*trials([at], [at - 1])) == 0.0
    assert act_dcf(*trials([at + 1], [at])) == pytest.approx(0.5 / 0.5)


def test_dcf_normalisation_and_properties() -> None:
    # Uninformative (all tied): accept all costs 0.5 -> 1, reject all 0.95 -> 1.9: min 1.
    assert min_dcf(*trials([0.3] * 4, [0.3] * 6)) == pytest.approx(1.0)
    assert min_dcf(*trials([3, 4], [1, 2])) == 0.0
    # A random scorer is no better than a fixed decision: min DCF just below 1.
    rng = np.random.default_rng(6)
    labels = rng.integers(0, 2, 20000)
    assert 0.95 < min_dcf(rng.normal(size=20000), labels) <= 1.0
    # Calibrated LLRs: act DCF close to min DCF; a miscalibrated copy pays for it.
    llrs, labels = gaussian_llrs(7, 20000, 20000)
    best = min_dcf(llrs, labels)
    assert best <= act_dcf(llrs, labels) < best + 0.03
    assert act_dcf(llrs + 3, labels) > best + 0.3
    assert min_dcf(llrs + 3, labels) == best  # min DCF only depends on the ranking
    a, b = fit_logistic_calibration(llrs + 3, labels)
    assert act_dcf(apply_calibration(llrs + 3, a, b), labels) < best + 0.03


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"c_miss": 0}, "costs"), ({"c_fa": -1}, "costs"), ({"p_spoof": 1.0}, "p_spoof")],
)
def test_dcf_bad_parameters(kwargs: dict, message: str) -> None:
    for metric in (min_dcf, act_dcf):
        with pytest.raises(ValueError, match=message):
            metric(*trials([1], [0]), **kwargs)


# ----------------------------------------------------------------- t-DCF

#: ASV scores of the hand-computed t-DCF cases. Target {2, 4, 5, 6} against nontarget
#: {-1, 0, 1, 3}, ascending: -1n 0n 1n 2t 3n ... The EER-DET sweep (FRR, FAR): start (0, 1),
#: t=-1 (0, 3/4), t=0 (0, 1/2), t=1 (0, 1/4), t=2 (1/4, 1/4): equal -> threshold 2, EER 1/4.
#: Rates as the official obtain_asv_error_rates counts them (accept iff score >= 2):
#: P_miss = targets < 2 = 0 (the target at 2 is accepted), P_fa = nontargets >= 2 = {3} = 1/4,
#: P_fa_spoof = spoofs >= 2 = {2, 3.5, 7} of 5 = 3/5.
ASV = {"target": [2, 4, 5, 6], "nontarget": [-1, 0, 1, 3], "spoof": [1.5, 2, 3.5, 7, 0.5]}
#: CM: bonafide {1, 5, 6, 7}, spoof {0, 2, 3, 4}. Points (P_miss_cm, P_fa_cm), lowest
#: threshold first: (0, 1), t=0 (0, 3/4), t=1 (1/4, 3/4), t=2 (1/4, 1/2), t=3 (1/4, 1/4),
#: t=4 (1/4, 0), t=5 (1/2, 0), t=6 (3/4, 0), t=7 (1, 0).
CM_BONAFIDE, CM_SPOOF = [1, 5, 6, 7], [0, 2, 3, 4]
CM_POINTS = [(0, 1), (0, 3 / 4), (1 / 4, 3 / 4), (1 / 4, 1 / 2), (1 / 4, 1 / 4)] + [
    (1 / 4, 0),
    (1 / 2, 0),
    (3 / 4, 0),
    (1, 0),
]


def test_official_cost_parameters() -> None:
    # ASVspoof 2019 / 2021 (and the t-DCF of ASVspoof 5): P_spoof 0.05,
    # P_tar = 0.95 * 0.99 = 0.9405, P_non = 0.95 * 0.01 = 0.0095 (printed by the official
    # code as 0.94050 / 0.00950); 2019: C_miss_asv 1, C_fa_asv 10, C_miss_cm 1, C_fa_cm 10;
    # 2021: C_miss 1, C_fa 10, C_fa_spoof 10.
    costs = TdcfCosts()
    assert (costs.p_spoof, costs.p_tar, costs.p_non) == pytest.approx((0.05, 0.9405, 0.0095))
    assert (costs.c_miss_asv, costs.c_fa_asv, costs.c_miss_cm, costs.c_fa_cm) == (1, 10, 1, 10)
    assert (costs.c_miss, costs.c_fa, costs.c_fa_spoof) == (1, 10, 10)


def test_asv_error_rates_follow_the_official_convention() -> None:
    assert asv_error_rates(ASV) == AsvErrorRates(
        threshold=2.0, eer=0.25, p_miss=0.0, p_fa=0.25, p_fa_spoof=0.6
    )


def test_tdcf_2019_hand_computed() -> None:
    # Legacy constants (C0 = 0):
    # C1 = P_tar (C_miss_cm - C_miss_asv P_miss_asv) - P_non C_fa_asv P_fa_asv
    #    = 0.9405 (1 - 0) - 0.0095 * 10 * 1/4 = 0.9405 - 0.02375 = 0.91675
    # C2 = C_fa_cm P_spoof P_fa_spoof_asv = 10 * 0.05 * 3/5 = 0.3; normaliser min = 0.3.
    # Curve (0.91675 P_miss + 0.3 P_fa) / 0.3 at the CM points: 1, 0.75, 1.5140, 1.2640,
    # 1.0140, 0.7640, 1.5279, 2.2919, 3.0558 -> min 0.75 at t=0.
    constants = tdcf_constants(asv_error_rates(ASV), 2019)
    assert constants == pytest.approx((0.0, 0.91675, 0.3))
    scores, labels = trials(CM_BONAFIDE, CM_SPOOF)
    thresholds, curve = tdcf_curve(scores, labels, constants)
    expected = [(0.91675 * pm + 0.3 * pf) / 0.3 for pm, pf in CM_POINTS]
    assert curve == pytest.approx(expected)
    assert thresholds[1:].tolist() == [0, 1, 2, 3, 4, 5, 6, 7]
    assert min_tdcf(scores, labels, ASV, edition=2019) == pytest.approx(0.75)


def test_tdcf_2021_hand_computed() -> None:
    # Revised constants:
    # C0 = P_tar C_miss P_miss_asv + P_non C_fa P_fa_asv = 0 + 0.0095 * 10 * 1/4 = 0.02375
    # C1 = P_tar C_miss - C0 = 0.9405 - 0.02375 = 0.91675
    # C2 = P_spoof C_fa_spoof P_fa_spoof_asv = 0.05 * 10 * 3/5 = 0.3
    # normaliser C0 + min(C1, C2) = 0.32375. At t=0: (0.02375 + 0.3 * 3/4) / 0.32375
    # = 0.24875 / 0.32375 = 0.76834; at t=4: (0.02375 + 0.91675 / 4) / 0.32375 = 0.78127.
    constants = tdcf_constants(asv_error_rates(ASV), 2021)
    assert constants == pytest.approx((0.02375, 0.91675, 0.3))
    scores, labels = trials(CM_BONAFIDE, CM_SPOOF)
    _, curve = tdcf_curve(scores, labels, constants)
    expected = [(0.02375 + 0.91675 * pm + 0.3 * pf) / 0.32375 for pm, pf in CM_POINTS]
    assert curve == pytest.approx(expected)
    report = tdcf_report(scores, labels, ASV, edition=2021)
    assert report["min_tdcf"] == pytest.approx(0.24875 / 0.32375)
    assert report["cm_threshold"] == 0.0
    assert (report["asv_p_miss"], report["asv_p_fa"], report["asv_p_fa_spoof"]) == (0, 0.25, 0.6)


@pytest.mark.parametrize("edition", [2019, 2021])
def test_tdcf_closed_form_special_cases(edition: int) -> None:
    c0, c1, c2 = tdcf_constants(asv_error_rates(ASV), edition)
    # An error-free CM leaves only the ASV's own cost: C0 / (C0 + min(C1, C2)); 0 for 2019
    # (C0 = 0), 0.02375 / 0.32375 = 0.073359 for 2021.
    perfect = min_tdcf(*trials([10, 11], [-1, -2, -3]), ASV, edition=edition)
    assert perfect == pytest.approx(c0 / (c0 + min(c1, c2)))
    # Normalisation: "accept all" costs C0 + C2, "reject all" C0 + C1, so the better of the
    # two is exactly 1. A CM with one score for all trials reaches only those two points,
    # and a perfectly inverted one is nowhere better: both give min t-DCF = 1.
    _, curve = tdcf_curve(
        *trials([0.5, 0.5], [0.5, 0.5, 0.5]), tdcf_constants(asv_error_rates(ASV), edition)
    )
    assert curve == pytest.approx([(c0 + c2) / (c0 + min(c1, c2)), (c0 + c1) / (c0 + min(c1, c2))])
    assert min(curve) == pytest.approx(1.0)
    assert min_tdcf(*trials([1, 2], [3, 4, 5]), ASV, edition=edition) == pytest.approx(1.0)
    # Any CM: <= 1 (both fixed decisions are on the curve).
    scores, labels = gaussian_llrs(8, 300, 400)
    assert min_tdcf(scores, labels, ASV, edition=edition) <= 1.0


def test_tdcf_constants_with_asvspoof5_organisers_asv_rates() -> None:
    # The ASVspoof 5 evaluation package (calculate_metrics.py) fixes the organisers' ASV at
    # P_fa_non = 0.01881016557566423, P_miss = 0.01880141010575793,
    # P_fa_spoof = 0.4607082907604729 and uses the 2019 (legacy) form with the 2019 costs:
    # C1 = 0.9405 (1 - 0.0188014101) - 0.0095 * 10 * 0.0188101656
    #    = 0.9228172738 - 0.0017869657 = 0.9210303081
    # C2 = 10 * 0.05 * 0.4607082908 = 0.2303541454; normalised curve 3.99832 P_miss + P_fa.
    rates = AsvErrorRates(
        threshold=0.0,
        eer=0.0188,
        p_miss=0.01880141010575793,
        p_fa=0.01881016557566423,
        p_fa_spoof=0.4607082907604729,
    )
    c0, c1, c2 = tdcf_constants(rates, 2019)
    assert (c0, c1, c2) == pytest.approx((0.0, 0.9210303081, 0.2303541454), abs=1e-10)
    assert c1 / c2 == pytest.approx(3.99832, abs=1e-5)
    # Revised form with the same rates: C0 = 0.9405 * 0.0188014101 + 0.095 * 0.0188101656
    # = 0.0194696919, C1 = 0.9405 - C0 = 0.9210303081, C2 = 0.2303541454; an error-free CM
    # scores C0 / (C0 + C2) = 0.0779337.
    c0, c1, c2 = tdcf_constants(rates, 2021)
    assert (c0, c1, c2) == pytest.approx((0.0194696919, 0.9210303081, 0.2303541454), abs=1e-10)
    assert c0 / (c0 + min(c1, c2)) == pytest.approx(0.0779337, abs=1e-7)


def brute_force_min_tdcf(
    bonafide: np.ndarray, spoof: np.ndarray, c0: float, c1: float, c2: float
) -> float:
    """The official definition, literally: a threshold below all scores, then each score in
    turn; P_miss = bonafide <= t, P_fa = spoof > t (scores without ties)."""
    everything = np.concatenate((bonafide, spoof))
    best = math.inf
    for t in [everything.min() - 1.0, *sorted(everything.tolist())]:
        cost = c0 + c1 * np.mean(bonafide <= t) + c2 * np.mean(spoof > t)
        best = min(best, cost / (c0 + min(c1, c2)))
    return best


@pytest.mark.parametrize("edition", [2019, 2021])
def test_min_tdcf_matches_brute_force(edition: int) -> None:
    rng = np.random.default_rng(9)
    asv = {
        "target": rng.normal(2.0, 1.0, 200),
        "nontarget": rng.normal(-2.0, 1.0, 300),
        "spoof": rng.normal(1.0, 1.0, 250),
    }
    scores, labels = gaussian_llrs(10, 150, 400)
    constants = tdcf_constants(asv_error_rates(asv), edition)
    expected = brute_force_min_tdcf(scores[labels == 1], scores[labels == 0], *constants)
    assert min_tdcf(scores, labels, asv, edition=edition) == pytest.approx(expected, abs=1e-12)
    order = rng.permutation(scores.size)
    assert min_tdcf(scores[order], labels[order], asv, edition=edition) == pytest.approx(expected)


def test_tdcf_errors() -> None:
    scores, labels = trials(CM_BONAFIDE, CM_SPOOF)
    with pytest.raises(ValueError, match="edition"):
        min_tdcf(scores, labels, ASV, edition=2020)
    with pytest.raises(ValueError, match="'spoof' is missing"):
        min_tdcf(scores, labels, {"target": [1.0], "nontarget": [0.0]})
    with pytest.raises(ValueError, match="non-empty"):
        min_tdcf(scores, labels, {**ASV, "spoof": []})
    # An ASV that rejects every spoof: C2 = 0, and for 2019 the normaliser min(C1, C2) = 0.
    with pytest.raises(ValueError, match="normaliser"):
        min_tdcf(scores, labels, {**ASV, "spoof": [-5.0, -6.0]}, edition=2019)
    # An ASV that rejects every target (P_miss_asv = 1) makes the 2019 C1 negative.
    rates = AsvErrorRates(threshold=0.0, eer=0.5, p_miss=1.0, p_fa=0.5, p_fa_spoof=0.5)
    with pytest.raises(ValueError, match="negative"):
        tdcf_constants(rates, 2019)


# ----------------------------------------------------------------- report and files


def score_table(scores: np.ndarray, labels: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "utt_id": [f"u{i}" for i in range(scores.size)],
            "label": np.where(labels == 1, "bonafide", "spoof"),
            "score": scores,
        }
    )


def write_asv(path: Path, asv: dict[str, list[float]]) -> Path:
    lines = [
        f"{'bonafide' if key != 'spoof' else 'A07'} {key} {value}"
        for key, values in asv.items()
        for value in values
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_report_has_the_new_metrics_and_keeps_the_old_keys() -> None:
    scores, labels = trials(CM_BONAFIDE, CM_SPOOF)
    result = compute_metrics(score_table(scores, labels))
    old = {"n_bonafide", "n_spoof", "eer_roc", "eer_det", "eer_det_threshold", "auc"}
    old |= {"ap_bonafide", "ap_spoof", "ap_mean", "map", "per_attack"}
    assert old | {"cllr", "min_cllr", "min_dcf", "act_dcf"} == set(result)
    assert result["cllr"] == cllr(scores, labels)
    assert result["min_cllr"] == pytest.approx(min_cllr(scores, labels))
    assert result["min_dcf"] == min_dcf(scores, labels)
    assert result["act_dcf"] == act_dcf(scores, labels)
    with_tdcf = compute_metrics(score_table(scores, labels), asv_scores=ASV, tdcf_edition=2021)
    assert set(with_tdcf) == set(result) | {"min_tdcf", "tdcf"}
    assert with_tdcf["min_tdcf"] == pytest.approx(0.24875 / 0.32375)
    assert with_tdcf["tdcf"]["edition"] == 2021
    json.dumps(with_tdcf, allow_nan=False)


def test_read_asv_scores(tmp_path: Path) -> None:
    path = tmp_path / "asv.txt"
    path.write_text(
        "bonafide target 1.5\n\nbonafide nontarget -2\nA07 spoof 0.25\nbonafide target 3e0\n"
    )
    asv = read_asv_scores(path)
    assert {key: values.tolist() for key, values in asv.items()} == {
        "target": [1.5, 3.0],
        "nontarget": [-2.0],
        "spoof": [0.25],
    }


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("bonafide target 1\nLA_0001 bonafide target 2\n", r":2: expected 3 columns"),
        ("bonafide target 1\nbonafide nontarget\n", r":2: expected 3 columns"),
        ("bonafide target 1\nA07 bonafide 2\n", r":2: ASV key must be one of"),
        ("bonafide target 1\nbonafide nontarget x\n", r":2: score must be a finite number"),
        ("bonafide target nan\n", r":1: score must be a finite number"),
        ("bonafide target 1\nbonafide nontarget 0\n", r"no spoof trials"),
        ("", r"no target/nontarget/spoof trials"),
    ],
)
def test_read_asv_scores_errors_name_file_and_line(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "asv.txt"
    path.write_text(text)
    with pytest.raises(ValueError, match=re.escape(str(path)) + ".*" + message):
        read_asv_scores(path)
    with pytest.raises(ValueError, match="file not found"):
        read_asv_scores(tmp_path / "absent.txt")


def test_metrics_of_score_file_with_asv(tmp_path: Path) -> None:
    scores, labels = trials(CM_BONAFIDE, CM_SPOOF)
    cm = tmp_path / "scores.tsv"
    score_table(scores, labels).to_csv(cm, sep="\t", index=False)
    asv = write_asv(tmp_path / "asv.txt", ASV)
    result = metrics_of_score_file(cm, asv_scores=asv)
    assert result["min_tdcf"] == pytest.approx(0.75)
    assert "min_tdcf" not in metrics_of_score_file(cm)
    bad = write_asv(tmp_path / "bad.txt", {**ASV, "spoof": [-5.0]})
    with pytest.raises(ValueError, match=f"{re.escape(str(cm))} with ASV scores .*normaliser"):
        metrics_of_score_file(cm, asv_scores=bad)


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return run_module("evaluate", *args, cwd=REPO, timeout=60)


def test_cli_asv_scores_and_edition(tmp_path: Path) -> None:
    scores, labels = trials(CM_BONAFIDE, CM_SPOOF)
    cm = tmp_path / "scores.csv"
    score_table(scores, labels).to_csv(cm, index=False)
    asv = write_asv(tmp_path / "asv.txt", ASV)
    done = run_cli(str(cm), "--asv-scores", str(asv), "--tdcf-edition", "2021")
    assert done.returncode == 0, done.stderr
    printed = json.loads(done.stdout)
    assert printed["min_tdcf"] == pytest.approx(0.24875 / 0.32375)
    assert printed["tdcf"]["c0"] == pytest.approx(0.02375)
    assert printed["min_cllr"] == pytest.approx(min_cllr(scores, labels))
    # A malformed ASV line: status 2, one line naming the file and the line, nothing written.
    bad = tmp_path / "bad_asv.txt"
    bad.write_text("bonafide target 1\nbonafide nontarget oops\n")
    out = tmp_path / "metrics.json"
    done = run_cli(str(cm), "--asv-scores", str(bad), "--out", str(out))
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and f"{bad}:2:" in lines[0] and "Traceback" not in done.stderr
    assert not out.exists() and done.stdout == ""


def test_calibrate_scores_command_fits_on_dev_and_keeps_the_columns(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from workflow_scripts import calibrate_scores

    rng = np.random.default_rng(3)

    def write(path: Path, n: int) -> Path:
        labels = np.repeat(["bonafide", "spoof"], n)
        scores = np.r_[rng.normal(4.0, 2.0, n), rng.normal(-4.0, 2.0, n)]  # over-confident
        table = pd.DataFrame(
            {"utt_id": [f"u{i}" for i in range(2 * n)], "label": labels, "score": scores}
        )
        table.assign(attack="-").to_csv(path, sep="\t", index=False)
        return path

    dev, evaluation = write(tmp_path / "dev.tsv", 400), write(tmp_path / "eval.tsv", 400)
    out, params = tmp_path / "cal.tsv", tmp_path / "cal.json"
    args = ["--dev-scores", str(dev), "--scores", str(evaluation), "--out", str(out)]
    assert calibrate_scores.main([*args, "--params-out", str(params)]) == 0
    fit = json.loads(params.read_text())
    # class means +-4 with sd 2: the true LLR is 2 * score (slope mu_diff / sd^2 = 8 / 4)
    assert fit["a"] == pytest.approx(2.0, rel=0.15) and abs(fit["b"]) < 0.3
    before, after = pd.read_csv(evaluation, sep="\t"), pd.read_csv(out, sep="\t")
    assert list(after.columns) == list(before.columns)
    assert np.argsort(after["score"]).tolist() == np.argsort(before["score"]).tolist()
    labels = (before["label"] == "bonafide").to_numpy(dtype=int)
    assert cllr(after["score"], labels) < cllr(before["score"], labels)
    # a dev set whose scores rank spoofs first has no increasing calibration
    flipped = pd.read_csv(dev, sep="\t").assign(score=lambda t: -t["score"])
    flipped.to_csv(tmp_path / "flipped.tsv", sep="\t", index=False)
    bad = ["--dev-scores", str(tmp_path / "flipped.tsv"), *args[2:], "--params-out", str(params)]
    out.unlink()
    assert calibrate_scores.main(bad) == 2
    assert "flipped.tsv" in capsys.readouterr().err and not out.exists()
