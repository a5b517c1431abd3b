"""Tests for workflow_scripts.metrics and the evaluate CLI.

Expected numbers in the hand-computed cases are derived in the comments
(labels: 1 = bonafide, 0 = spoof; higher score = more bonafide).
"""

from __future__ import annotations

import json
import re
import subprocess
from fractions import Fraction
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import REPO, run_module
from sklearn.metrics import average_precision_score, roc_auc_score

from workflow_scripts.metrics import (
    ap_bonafide,
    ap_mean,
    ap_spoof,
    average_precision,
    bootstrap_ci,
    compute_metrics,
    eer_det,
    eer_roc,
    paper_map,
    per_attack_eer,
    read_scores,
    roc_auc,
)


def trials(bonafide: list[float], spoof: list[float]) -> tuple[np.ndarray, np.ndarray]:
    scores = np.array(bonafide + spoof, dtype=float)
    labels = np.array([1] * len(bonafide) + [0] * len(spoof))
    return scores, labels


def random_trials(
    seed: int, n_bonafide: int = 120, n_spoof: int = 180, decimals: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Overlapping Gaussian classes; ``decimals`` rounds to create many ties."""
    rng = np.random.default_rng(seed)
    scores = np.concatenate((rng.normal(1.0, 1.0, n_bonafide), rng.normal(0.0, 1.0, n_spoof)))
    if decimals is not None:
        scores = np.round(scores, decimals)
    labels = np.concatenate((np.ones(n_bonafide, int), np.zeros(n_spoof, int)))
    return scores, labels


# ----------------------------------------------------------------- hand-computed cases


def test_perfectly_separated() -> None:
    # bonafide {3, 4} all above spoof {1, 2}. ROC goes (FPR, FNR) = (0,1) -> (0,0.5)
    # -> (0,0): crosses at 0. DET: threshold 2 rejects no bonafide and accepts no
    # spoof, so |FRR - FAR| = 0 first at threshold 2. Every ranking is perfect.
    scores, labels = trials([3, 4], [1, 2])
    assert eer_roc(scores, labels) == 0.0
    assert eer_det(scores, labels) == (0.0, 2.0)
    assert roc_auc(scores, labels) == 1.0
    assert ap_bonafide(scores, labels) == 1.0
    assert ap_spoof(scores, labels) == 1.0
    assert paper_map(scores, labels) == 1.0
    assert ap_mean(scores, labels) == 1.0


def test_perfectly_inverted() -> None:
    # bonafide {1, 2} all below spoof {3, 4}. ROC (descending thresholds):
    # (FPR, FNR) = (0,1) -> (0.5,1) -> (1,1): FPR - FNR hits 0 at (1,1), EER 1.
    # DET (ascending): t=1: FRR .5, FAR 1; t=2: FRR 1, FAR 1 -> EER 1 at t=2.
    # AUC 0: no bonafide beats any spoof.
    # AP bonafide: ranking s s b b -> precisions 1/3, 2/4 -> (1/3 + 1/2) / 2 = 5/12.
    scores, labels = trials([1, 2], [3, 4])
    assert eer_roc(scores, labels) == 1.0
    assert eer_det(scores, labels) == (1.0, 2.0)
    assert roc_auc(scores, labels) == 0.0
    assert ap_bonafide(scores, labels) == pytest.approx(5 / 12)
    assert ap_spoof(scores, labels) == pytest.approx(5 / 12)
    assert paper_map(scores, labels) == pytest.approx(5 / 12)


def test_all_scores_equal() -> None:
    # 3 bonafide, 2 spoof, all 0.7: the ROC is one segment (0,1) -> (1,0), crossing
    # at its midpoint, EER 0.5. DET has two points, accept-all (FRR 0, FAR 1) and
    # reject-all (FRR 1, FAR 0), both |diff| 1; the first (threshold just below
    # 0.7) is taken and EER = (0 + 1) / 2. AUC: every pair tied -> 1/2.
    # AP: one group holding everything -> precision = prevalence (3/5, 2/5).
    # The paper's mAP (spoof positive) is the spoof prevalence; the mean of the
    # two APs is 1/2 for any class balance.
    scores, labels = trials([0.7, 0.7, 0.7], [0.7, 0.7])
    assert eer_roc(scores, labels) == 0.5
    eer, threshold = eer_det(scores, labels)
    assert eer == 0.5
    assert threshold < 0.7 and threshold == np.nextafter(0.7, -np.inf)
    assert roc_auc(scores, labels) == 0.5
    assert ap_bonafide(scores, labels) == pytest.approx(3 / 5)
    assert ap_spoof(scores, labels) == pytest.approx(2 / 5)
    assert paper_map(scores, labels) == pytest.approx(2 / 5)
    assert ap_mean(scores, labels) == pytest.approx(0.5)


def test_tie_across_classes() -> None:
    # bonafide {2, 3}, spoof {1, 2}; one bonafide and one spoof tie at 2.
    # ROC: (FPR, FNR) = (0,1) -> after 3: (0, .5) [FPR-FNR = -.5] -> after the tied
    # group at 2: (.5, 0) [+.5]. Midpoint of that segment: EER-ROC = 0.25.
    # DET (ascending, ties crossed together): start (FRR 0, FAR 1) |1|;
    # t=1 (0, .5) |.5|; t=2 (.5, 0) |.5|; t=3 (1, 0). Lowest of the two minima is
    # t=1: EER = (0 + .5) / 2 = 0.25. (Crossing the tie one trial at a time would
    # give 0 or 0.5 depending on input order.)
    # AUC: pairs (2>1)=1, (2=2)=1/2, (3>1)=1, (3>2)=1 -> 3.5 / 4 = 0.875.
    # AP bonafide: group {3}: P=1, recall +.5; group {2,2}: P=2/3, recall +.5
    # -> .5 + 1/3 = 5/6. AP spoof by symmetry (spoof 1 first, then the tie): 5/6.
    scores, labels = trials([2, 3], [1, 2])
    assert eer_roc(scores, labels) == pytest.approx(0.25)
    assert eer_det(scores, labels) == (pytest.approx(0.25), 1.0)
    assert roc_auc(scores, labels) == 0.875
    assert ap_bonafide(scores, labels) == pytest.approx(5 / 6)
    assert ap_spoof(scores, labels) == pytest.approx(5 / 6)
    assert paper_map(scores, labels) == pytest.approx(5 / 6)
    assert ap_mean(scores, labels) == pytest.approx(5 / 6)


def test_eer_roc_and_eer_det_differ() -> None:
    # bonafide {2, 4, 5, 7}, spoof {1, 3, 6}.
    # ROC (descending): (FPR, FNR) = (0,1) -> 7b (0, 3/4) -> 6s (1/3, 3/4)
    # -> 5b (1/3, 1/2) [FPR-FNR = -1/6] -> 4b (1/3, 1/4) [+1/12]. The crossing is on
    # the vertical segment FPR = 1/3, where FNR passes 1/3: EER-ROC = 1/3.
    # DET (ascending, FRR = bonafide <= t, FAR = spoof > t):
    # start (0, 1); t=1 (0, 2/3); t=2 (1/4, 2/3) |5/12|; t=3 (1/4, 1/3) |1/12|;
    # t=4 (1/2, 1/3) |1/6|; ... The minimum is at t=3: EER = (1/4 + 1/3)/2 = 7/24.
    # AUC: bonafide 2,4,5,7 beat 1,2,2,3 spoofs -> 8/12 = 2/3.
    # AP bonafide: order 7b 6s 5b 4b 3s 2b 1s -> (1 + 2/3 + 3/4 + 4/6) / 4 = 37/48.
    scores, labels = trials([2, 4, 5, 7], [1, 3, 6])
    assert eer_roc(scores, labels) == pytest.approx(1 / 3)
    eer, threshold = eer_det(scores, labels)
    assert eer == pytest.approx(7 / 24)
    assert threshold == 3.0
    assert roc_auc(scores, labels) == pytest.approx(2 / 3)
    assert ap_bonafide(scores, labels) == pytest.approx(37 / 48)


def test_eer_roc_interpolates_sloped_segment() -> None:
    # bonafide {5, 3}, spoof {4, 4, 1}. ROC (descending), (FPR, FNR):
    # (0,1) -> 5b (0, 1/2) [FPR-FNR = -1/2] -> 4ss (2/3, 1/2) [+1/6]. On that
    # horizontal segment FNR stays 1/2 and FPR passes 1/2: EER-ROC = 1/2.
    # Then with a tied group of mixed classes: bonafide {5, 4}, spoof {4, 4, 1}:
    # (0,1) -> 5b (0, 1/2) [-1/2] -> 4bss (2/3, 0) [+2/3]; both rates move:
    # t = (1/2) / (7/6) = 3/7, FPR = 3/7 * 2/3 = 2/7, FNR = 1/2 - 3/7 * 1/2 = 2/7.
    scores, labels = trials([5, 3], [4, 4, 1])
    assert eer_roc(scores, labels) == pytest.approx(1 / 2)
    scores, labels = trials([5, 4], [4, 4, 1])
    assert eer_roc(scores, labels) == pytest.approx(2 / 7)


# ----------------------------------------------------------------- invariances


def all_metrics(scores: np.ndarray, labels: np.ndarray) -> tuple[float, ...]:
    return (
        eer_roc(scores, labels),
        eer_det(scores, labels)[0],
        roc_auc(scores, labels),
        ap_bonafide(scores, labels),
        ap_spoof(scores, labels),
    )


@pytest.mark.parametrize("decimals", [None, 1])
def test_invariant_to_input_order(decimals: int | None) -> None:
    scores, labels = random_trials(1, decimals=decimals)
    reference = all_metrics(scores, labels)
    threshold = eer_det(scores, labels)[1]
    rng = np.random.default_rng(7)
    for _ in range(5):
        order = rng.permutation(scores.size)
        assert all_metrics(scores[order], labels[order]) == reference
        assert eer_det(scores[order], labels[order])[1] == threshold
    # Sorting so that, within ties, all spoofs come first / all bonafide first.
    for spoof_first in (True, False):
        order = np.lexsort((labels if spoof_first else -labels, scores))
        assert all_metrics(scores[order], labels[order]) == reference


def test_invariant_to_monotonic_transforms() -> None:
    scores, labels = random_trials(2, decimals=1)  # ties must survive the transform too
    reference = all_metrics(scores, labels)
    threshold = eer_det(scores, labels)[1]
    for transform in (lambda x: 3.0 * x + 5.0, lambda x: np.exp(x), lambda x: x**3):
        transformed = transform(scores)
        assert np.unique(transformed).size == np.unique(scores).size
        assert all_metrics(transformed, labels) == pytest.approx(reference, abs=1e-12)
        assert eer_det(transformed, labels)[1] == pytest.approx(transform(threshold))


def test_swapping_classes_and_negating_scores_swaps_the_aps() -> None:
    # ap_spoof ranks spoofs by -score: that is ap_bonafide of the relabelled,
    # negated problem. Negating alone flips the ranking: AUC -> 1 - AUC.
    scores, labels = random_trials(3, decimals=1)
    assert roc_auc(-scores, labels) == pytest.approx(1 - roc_auc(scores, labels))
    assert roc_auc(-scores, 1 - labels) == pytest.approx(roc_auc(scores, labels))
    assert ap_bonafide(-scores, 1 - labels) == pytest.approx(ap_spoof(scores, labels))
    assert ap_spoof(-scores, 1 - labels) == pytest.approx(ap_bonafide(scores, labels))
    assert average_precision(-scores, labels, positive=0) == pytest.approx(ap_spoof(scores, labels))


# ----------------------------------------------------------------- references


@pytest.mark.parametrize("seed", [10, 11, 12])
def test_ap_and_auc_match_sklearn_without_ties(seed: int) -> None:
    scores, labels = random_trials(seed, 57, 143)
    assert np.unique(scores).size == scores.size
    assert roc_auc(scores, labels) == pytest.approx(roc_auc_score(labels, scores), abs=1e-12)
    assert ap_bonafide(scores, labels) == pytest.approx(
        average_precision_score(labels, scores), abs=1e-12
    )
    assert ap_spoof(scores, labels) == pytest.approx(
        average_precision_score(1 - labels, -scores), abs=1e-12
    )
    assert average_precision(scores, labels, positive=1) == ap_bonafide(scores, labels)


def test_ap_and_auc_match_sklearn_with_ties() -> None:
    # Our documented tie handling is sklearn's (one step per distinct score).
    scores, labels = random_trials(13, 80, 90, decimals=1)
    assert np.unique(scores).size < scores.size / 2
    assert roc_auc(scores, labels) == pytest.approx(roc_auc_score(labels, scores), abs=1e-12)
    assert ap_bonafide(scores, labels) == pytest.approx(
        average_precision_score(labels, scores), abs=1e-12
    )


def brute_force_eer_det(scores: np.ndarray, labels: np.ndarray) -> tuple[Fraction, float]:
    """Try every threshold (below all scores, then each distinct score) exactly."""
    bonafide, spoof = scores[labels == 1], scores[labels == 0]
    candidates = [float(np.nextafter(scores.min(), -np.inf))] + sorted(set(scores.tolist()))
    best: tuple[Fraction, Fraction, float] | None = None
    for threshold in candidates:
        frr = Fraction(int(np.sum(bonafide <= threshold)), bonafide.size)
        far = Fraction(int(np.sum(spoof > threshold)), spoof.size)
        if best is None or abs(frr - far) < best[0]:  # strict: keeps the lowest threshold
            best = (abs(frr - far), (frr + far) / 2, threshold)
    assert best is not None
    return best[1], best[2]


def brute_force_eer_roc(scores: np.ndarray, labels: np.ndarray) -> float:
    """Walk the ROC points in a loop and interpolate the first sign change."""
    bonafide, spoof = scores[labels == 1], scores[labels == 0]
    points = [(0.0, 1.0)]  # (FPR, FNR) before any threshold
    for threshold in sorted(set(scores.tolist()), reverse=True):
        points.append((np.mean(spoof >= threshold), np.mean(bonafide < threshold)))
    for (f0, n0), (f1, n1) in zip(points, points[1:], strict=False):
        if f1 - n1 >= 0:
            t = (n0 - f0) / ((n0 - f0) - (n1 - f1))
            return f0 + t * (f1 - f0)
    raise AssertionError("ROC never crossed")


@pytest.mark.parametrize(("seed", "decimals"), [(20, None), (21, 1), (22, 0), (23, 2)])
def test_eer_det_and_eer_roc_match_brute_force(seed: int, decimals: int | None) -> None:
    scores, labels = random_trials(seed, 40, 75, decimals=decimals)
    eer, threshold = eer_det(scores, labels)
    expected_eer, expected_threshold = brute_force_eer_det(scores, labels)
    assert eer == pytest.approx(float(expected_eer), abs=1e-12)
    assert threshold == expected_threshold
    assert eer_roc(scores, labels) == pytest.approx(brute_force_eer_roc(scores, labels), abs=1e-12)


@pytest.mark.parametrize("seed", [30, 31, 32])
def test_eer_roc_and_eer_det_within_half_a_step(seed: int) -> None:
    # Without ties the DET minimum is an endpoint of the ROC step that brackets
    # the crossing, so |EER-ROC - EER-DET| <= 1 / (2 * min(nb, ns)).
    scores, labels = random_trials(seed, 200, 300)
    assert abs(eer_roc(scores, labels) - eer_det(scores, labels)[0]) <= 1 / (2 * 200) + 1e-12


# ----------------------------------------------------------------- per attack


def test_per_attack_eer() -> None:
    # Bonafide {5, 6, 7}. A01 spoofs {1, 2} all below -> EER 0.
    # A02 spoofs {8, 9} all above -> EER 1. A03 spoof {5.5} sits between
    # bonafide 5 and 6: ROC (0,1) -> 7b (0, 2/3) -> 6b (0, 1/3) -> 5.5s (1, 1/3)
    # [+2/3 from -1/3]: t = 1/3, FPR = 1/3 = FNR -> EER-ROC 1/3. DET, (FRR, FAR):
    # start (0, 1); t=5 (1/3, 1) |2/3|; t=5.5 (1/3, 0) |1/3|; t=6 (2/3, 0) |2/3|
    # -> minimum at t=5.5, EER-DET = (1/3 + 0) / 2 = 1/6.
    table = pd.DataFrame(
        {
            "utt_id": [f"u{i}" for i in range(8)],
            "label": ["bonafide"] * 3 + ["spoof"] * 5,
            "attack": ["-", "-", "-", "A01", "A01", "A02", "A02", "A03"],
            "score": [5, 6, 7, 1, 2, 8, 9, 5.5],
        }
    )
    result = compute_metrics(table)["per_attack"]
    assert list(result) == ["A01", "A02", "A03"]
    assert result["A01"] == {"n": 2, "eer_roc": 0.0, "eer_det": 0.0}
    assert result["A02"] == {"n": 2, "eer_roc": 1.0, "eer_det": 1.0}
    assert result["A03"]["n"] == 1
    assert result["A03"]["eer_roc"] == pytest.approx(1 / 3)
    assert result["A03"]["eer_det"] == pytest.approx(1 / 6)


def test_per_attack_matches_subset_eer() -> None:
    scores, labels = random_trials(40, 50, 90, decimals=1)
    attacks = np.where(labels == 1, "-", np.array(["A07", "A08", "A19"])[np.arange(140) % 3])
    result = per_attack_eer(scores, labels, attacks)
    for attack, row in result.items():
        keep = (labels == 1) | (attacks == attack)
        assert row["n"] == int(np.sum(attacks[labels == 0] == attack))
        assert row["eer_roc"] == eer_roc(scores[keep], labels[keep])
        assert row["eer_det"] == eer_det(scores[keep], labels[keep])[0]
    assert sum(row["n"] for row in result.values()) == int(np.sum(labels == 0))


def test_no_attack_column_gives_empty_per_attack() -> None:
    table = pd.DataFrame(
        {"utt_id": ["a", "b"], "label": ["bonafide", "spoof"], "score": [1.0, 0.0]}
    )
    assert compute_metrics(table)["per_attack"] == {}


# ----------------------------------------------------------------- bootstrap


def test_bootstrap_ci_deterministic_and_contains_estimate() -> None:
    scores, labels = random_trials(50, 150, 250)
    first = bootstrap_ci(eer_roc, scores, labels, n=200, seed=3)
    assert bootstrap_ci(eer_roc, scores, labels, n=200, seed=3) == first
    assert bootstrap_ci(eer_roc, scores, labels, n=200, seed=4) != first
    low, high = first
    assert low < eer_roc(scores, labels) < high
    # A wider confidence level gives a wider interval on the same resamples.
    wide = bootstrap_ci(eer_roc, scores, labels, n=200, alpha=0.01, seed=3)
    assert wide[0] <= low and wide[1] >= high


def test_compute_metrics_bootstrap_matches_bootstrap_ci() -> None:
    scores, labels = random_trials(51, 60, 90)
    table = pd.DataFrame(
        {
            "utt_id": [f"u{i}" for i in range(scores.size)],
            "label": np.where(labels == 1, "bonafide", "spoof"),
            "score": scores,
        }
    )
    result = compute_metrics(table, bootstrap=100, seed=9)
    assert compute_metrics(table, bootstrap=100, seed=9) == result
    assert set(result["ci"]) >= {"eer_roc", "eer_det", "auc", "map", "ap_bonafide", "ap_mean"}
    for name in ("eer_roc", "eer_det", "map", "ap_mean"):
        low, high = result["ci"][name]
        assert low <= result[name] <= high
    assert tuple(result["ci"]["eer_roc"]) == bootstrap_ci(eer_roc, scores, labels, n=100, seed=9)
    # "map" is the paper's mAP (spoof-positive AP); "ap_mean" the mean of both APs.
    assert tuple(result["ci"]["map"]) == pytest.approx(
        bootstrap_ci(ap_spoof, scores, labels, n=100, seed=9)
    )
    assert tuple(result["ci"]["ap_mean"]) == pytest.approx(
        bootstrap_ci(ap_mean, scores, labels, n=100, seed=9)
    )
    assert result["bootstrap"] == {"n": 100, "seed": 9, "alpha": 0.05, "resampled": "utterances"}
    assert "ci" not in compute_metrics(table)


# ----------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("scores", "labels", "message"),
    [
        ([], [], "empty"),
        ([0.1, 0.2], [1, 0, 1], "length mismatch"),
        ([0.1, np.nan], [1, 0], "NaN or Inf"),
        ([0.1, np.inf], [1, 0], "NaN or Inf"),
        ([0.1, 0.2], [1, 1], "only one class"),
        ([0.1, 0.2], [0, 0], "only one class"),
        ([0.1, 0.2], [1, 2], "labels must be"),
        ([[0.1, 0.2]], [[1, 0]], "1-D"),
    ],
)
def test_bad_arrays(scores: list, labels: list, message: str) -> None:
    for metric in (eer_roc, eer_det, roc_auc, ap_bonafide, ap_spoof, paper_map, ap_mean):
        with pytest.raises(ValueError, match=message):
            metric(np.array(scores), np.array(labels))


def good_table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "utt_id": ["a", "b", "c", "d"],
            "label": ["bonafide", "bonafide", "spoof", "spoof"],
            "attack": ["-", "-", "A01", "A02"],
            "score": ["1.5", "0.2", "-0.3", "0.4"],
        }
    )


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda t: t.drop(columns="score"), r"missing column\(s\) \['score'\]"),
        (lambda t: t.drop(columns="label"), r"missing column\(s\) \['label'\]"),
        (lambda t: t.iloc[:0], "empty input"),
        (lambda t: t.assign(label=["bonafide", "fake", "spoof", "spoof"]), r"found \['fake'\]"),
        (lambda t: t.assign(label=["spoof"] * 4), "only one class"),
        (lambda t: t.assign(score=["1", "x", "2", "3"]), "utt_id 'b'"),
        (lambda t: t.assign(score=["1", "nan", "2", "3"]), "NaN or Inf"),
        (lambda t: t.assign(score=["1", "2", "inf", "3"]), "utt_id 'c'"),
        (lambda t: t.assign(utt_id=["a", "b", "a", "d"]), "duplicate utt_id"),
    ],
)
def test_bad_tables(edit, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        compute_metrics(edit(good_table()))


def test_bad_bootstrap_arguments() -> None:
    with pytest.raises(ValueError, match="bootstrap must be >= 0"):
        compute_metrics(good_table(), bootstrap=-1)
    with pytest.raises(ValueError, match="alpha"):
        compute_metrics(good_table(), bootstrap=10, alpha=1.5)


# ----------------------------------------------------------------- files and CLI


def test_read_scores_csv_tsv_and_sniffed(tmp_path: Path) -> None:
    table = good_table()
    expected = compute_metrics(table)
    for name, sep in (("s.csv", ","), ("s.tsv", "\t"), ("s.txt", "\t"), ("s2.txt", ",")):
        path = tmp_path / name
        table.to_csv(path, sep=sep, index=False)
        read = read_scores(path)
        assert list(read.columns) == ["utt_id", "label", "attack", "score"]
        assert read["attack"].tolist() == ["-", "-", "A01", "A02"]
        assert compute_metrics(read) == expected


def test_read_scores_errors_name_the_file(tmp_path: Path) -> None:
    path = tmp_path / "scores.tsv"
    good_table().drop(columns="label").to_csv(path, sep="\t", index=False)
    with pytest.raises(
        ValueError, match=rf"{re.escape(str(path))}: missing column\(s\) \['label'\]"
    ):
        read_scores(path)
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(ValueError, match=f"{re.escape(str(empty))}: empty file"):
        read_scores(empty)
    header_only = tmp_path / "header.csv"
    header_only.write_text("utt_id,label,score\n")
    with pytest.raises(ValueError, match=f"{re.escape(str(header_only))}: empty input"):
        read_scores(header_only)
    with pytest.raises(ValueError, match="file not found"):
        read_scores(tmp_path / "absent.csv")


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return run_module("evaluate", *args, cwd=REPO, timeout=60)


def test_cli_csv_and_tsv(tmp_path: Path) -> None:
    scores, labels = random_trials(60, 30, 60)
    table = pd.DataFrame(
        {
            "utt_id": [f"u{i}" for i in range(scores.size)],
            "label": np.where(labels == 1, "bonafide", "spoof"),
            "attack": np.where(labels == 1, "-", np.array(["A01", "A02"])[np.arange(90) % 2]),
            "score": scores,
        }
    )
    csv_path, tsv_path = tmp_path / "scores.csv", tmp_path / "scores.tsv"
    table.to_csv(csv_path, index=False)
    table.to_csv(tsv_path, sep="\t", index=False)

    out = tmp_path / "out" / "metrics.json"
    done = run_cli(str(csv_path), "--bootstrap", "20", "--seed", "1", "--out", str(out))
    assert done.returncode == 0, done.stderr
    printed = json.loads(done.stdout)
    assert json.loads(out.read_text()) == printed
    for key in (
        "n_bonafide",
        "n_spoof",
        "eer_roc",
        "eer_det",
        "eer_det_threshold",
        "auc",
        "ap_bonafide",
        "ap_spoof",
        "ap_mean",
        "map",
        "per_attack",
        "ci",
    ):
        assert key in printed
    assert (printed["n_bonafide"], printed["n_spoof"]) == (30, 60)
    assert set(printed["per_attack"]) == {"A01", "A02"}
    assert printed["eer_roc"] == pytest.approx(eer_roc(scores, labels))

    done = run_cli(str(tsv_path))
    assert done.returncode == 0, done.stderr
    from_tsv = json.loads(done.stdout)
    assert "ci" not in from_tsv
    assert {k: from_tsv[k] for k in ("eer_roc", "eer_det", "map", "ap_mean")} == {
        k: printed[k] for k in ("eer_roc", "eer_det", "map", "ap_mean")
    }
    # The reported mAP is the paper's: AP with spoof positive, not the mean of both.
    assert printed["map"] == printed["ap_spoof"] == pytest.approx(ap_spoof(scores, labels))
    assert printed["ap_mean"] == pytest.approx((printed["ap_bonafide"] + printed["ap_spoof"]) / 2)


def test_cli_bad_file_exits_2_with_one_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    good_table().drop(columns="score").to_csv(path, index=False)
    out = tmp_path / "metrics.json"
    done = run_cli(str(path), "--out", str(out))
    assert done.returncode == 2
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1
    assert str(path) in lines[0] and "missing column" in lines[0] and "score" in lines[0]
    assert "Traceback" not in done.stderr
    assert not out.exists()
