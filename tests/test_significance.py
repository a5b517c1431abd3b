"""The paired two-level bootstrap on synthetic score sets with a known truth.

Scores follow a model whose population EER is known in closed form: utterance
``i`` has a difficulty ``u_i`` shared by every model (this is what makes the
comparison paired), a model of method ``m`` trained with seed ``s`` separates
the classes by ``mu_m + d_s`` (training-seed variation), and every score
carries its own noise. The population EER of one seed is then
``Phi(-(mu_m + d_s) / (2 sigma))``; the truth a comparison estimates is the
difference of its means over seeds, integrated exactly (Gauss-Hermite).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.special import ndtr

from workflow_scripts import compare_runs
from workflow_scripts.metrics.significance import (
    align_score_tables,
    holm_adjust,
    paired_difference,
)
from workflow_scripts.reporting.significance import read_significance, significance_markdown

N_PER_CLASS = 150
SIGMA_U, SIGMA_E, SIGMA_D = 1.0, 0.7, 0.15
SEEDS = 3


def _draw(rng: np.random.Generator, mus: tuple[float, float]) -> tuple[list, list, np.ndarray]:
    labels = np.repeat([1, 0], N_PER_CLASS)
    difficulty = rng.normal(0.0, SIGMA_U, labels.size)
    sides = []
    for mu in mus:
        seeds = []
        for _ in range(SEEDS):
            separation = mu + rng.normal(0.0, SIGMA_D)
            noise = rng.normal(0.0, SIGMA_E, labels.size)
            seeds.append(labels * separation + difficulty + noise)
        sides.append(seeds)
    return sides[0], sides[1], labels


def _true_eer(mu: float) -> float:
    sigma = np.hypot(SIGMA_U, SIGMA_E)
    nodes, weights = np.polynomial.hermite_e.hermegauss(40)
    per_seed = ndtr(-(mu + SIGMA_D * nodes) / (2 * sigma))
    return float(weights @ per_seed / weights.sum())


def _repeat(mus: tuple[float, float], repetitions: int, seed: int) -> list:
    rng = np.random.default_rng(seed)
    results = []
    for r in range(repetitions):
        method, control, labels = _draw(rng, mus)
        results.append(
            paired_difference(method, control, labels, n_resamples=100, alpha=0.05, seed=r)
        )
    return results


def test_the_interval_covers_a_known_difference() -> None:
    mus = (2.0, 1.4)
    truth = _true_eer(mus[0]) - _true_eer(mus[1])
    results = _repeat(mus, repetitions=100, seed=1)
    eer = [r["eer_roc"] for r in results]
    coverage = np.mean([d.low <= truth <= d.high for d in eer])
    # nominal 95 %: 100 draws give a binomial spread of about 2 points
    assert 0.88 <= coverage <= 1.0, coverage
    # and the interval is informative: this difference (about 1.2 half-widths) is
    # found in most draws (69 of 100 when written)
    found = np.mean([d.high < 0 for d in eer])
    assert found >= 0.5, found
    assert abs(np.mean([d.difference for d in eer]) - truth) < 0.01


def test_no_difference_is_flagged_at_about_the_nominal_rate() -> None:
    results = _repeat((1.7, 1.7), repetitions=200, seed=2)
    for metric in ("eer_roc", "map"):
        p = np.array([r[metric].p_value for r in results])
        rate = float(np.mean(p < 0.05))
        assert 0.01 <= rate <= 0.10, (metric, rate)
        # the interval and the p-value come from the same t: they agree on every draw
        excludes_zero = np.array([r[metric].low > 0 or r[metric].high < 0 for r in results])
        assert np.array_equal(excludes_zero, p < 0.05)


def test_the_difference_is_method_minus_control_and_deterministic() -> None:
    rng = np.random.default_rng(3)
    method, control, labels = _draw(rng, (2.5, 0.5))
    first = paired_difference(method, control, labels, n_resamples=100, seed=7)
    again = paired_difference(method, control, labels, n_resamples=100, seed=7)
    assert first == again
    eer, ap = first["eer_roc"], first["map"]
    assert eer.difference == pytest.approx(eer.method_value - eer.control_value)
    assert eer.difference < 0 < ap.difference  # the better method: lower EER, higher mAP
    assert eer.p_value < 0.05 and ap.p_value < 0.05
    swapped = paired_difference(control, method, labels, n_resamples=100, seed=7)["eer_roc"]
    assert swapped.difference == pytest.approx(-eer.difference)


def test_identical_sides_give_zero_and_p_one() -> None:
    rng = np.random.default_rng(4)
    method, _, labels = _draw(rng, (1.0, 1.0))
    result = paired_difference(method, method, labels, n_resamples=50, seed=0)["eer_roc"]
    assert result.difference == 0.0
    assert result.low < 0.0 < result.high
    assert result.p_value == 1.0


def test_one_seed_per_side_uses_the_test_set_variation_only() -> None:
    rng = np.random.default_rng(5)
    method, control, labels = _draw(rng, (2.0, 1.0))
    single = paired_difference(method[:1], control[:1], labels, n_resamples=200, seed=0)
    d = single["eer_roc"]
    assert d.low < d.difference < d.high  # a z interval around the difference
    assert d.high - d.difference == pytest.approx(d.difference - d.low)
    assert d.p_value < 0.05


def test_holm_adjustment() -> None:
    adjusted = holm_adjust([0.01, 0.04, 0.03, 0.5])
    # sorted: 0.01*4, 0.03*3, 0.04*2, 0.5*1 -> running max 0.04, 0.09, 0.09, 0.5
    assert adjusted.tolist() == pytest.approx([0.04, 0.09, 0.09, 0.5])


def test_alignment_pairs_utterances_and_names_the_odd_table() -> None:
    first = pd.DataFrame(
        {"utt_id": ["b", "a", "c"], "label": ["spoof", "bonafide", "spoof"], "score": [0.1, 2, 3]}
    )
    second = first.iloc[::-1].assign(score=[5.0, 6.0, 7.0])
    scores, labels = align_score_tables({"one.tsv": first, "two.tsv": second})
    assert labels.tolist() == [1, 0, 0]  # a, b, c
    assert scores[0].tolist() == [2.0, 0.1, 3.0]
    assert scores[1].tolist() == [6.0, 7.0, 5.0]
    with pytest.raises(ValueError, match=r"three\.tsv: not scored on the same utterances"):
        align_score_tables({"one.tsv": first, "three.tsv": first.iloc[:2]})
    relabelled = first.assign(label=["spoof", "bonafide", "bonafide"])
    with pytest.raises(ValueError, match=r"four\.tsv: label of 'c' differs"):
        align_score_tables({"one.tsv": first, "four.tsv": relabelled})


def test_compare_runs_reads_score_files_and_names_a_bad_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rng = np.random.default_rng(6)
    method, control, labels = _draw(rng, (2.0, 1.0))
    ids = [f"u{i:03d}" for i in range(labels.size)]
    text = np.where(labels == 1, "bonafide", "spoof")
    files: dict[str, list[str]] = {"method": [], "control": []}
    for side, seeds in (("method", method), ("control", control)):
        for k, scores in enumerate(seeds):
            path = tmp_path / f"{side}{k}.tsv"
            pd.DataFrame({"utt_id": ids, "label": text, "score": scores}).to_csv(
                path, sep="\t", index=False
            )
            files[side].append(str(path))
    spec = {
        "setting": "-",
        "eval_set": "eval data",
        "method": "full_method",
        "control": "random_matched",
        "method_scores": files["method"],
        "control_scores": files["control"],
    }
    out = tmp_path / "significance.csv"
    args = ["--comparison", json.dumps(spec), "--n-resamples", "100", "--out", str(out)]
    assert compare_runs.main(args) == 0
    table = read_significance(out)
    assert table["metric"].tolist() == ["EER-ROC", "mAP"]
    direct = paired_difference(method, control, labels, n_resamples=100, seed=0)["eer_roc"]
    assert table.loc[0, "difference"] == pytest.approx(direct.difference)
    assert table.loc[0, "ci_low"] == pytest.approx(direct.low)
    assert (table["n_seeds_method"] == SEEDS).all() and (table["significant"] == "yes").all()
    markdown = significance_markdown(table, title="T")
    assert "Significant at alpha = 0.05 (2 of 2" in markdown
    # a control scored on other utterances: named, nothing written
    short = tmp_path / "short.tsv"
    pd.read_csv(files["control"][0], sep="\t").iloc[:-1].to_csv(short, sep="\t", index=False)
    bad = {**spec, "control_scores": [str(short)]}
    out.unlink()
    assert compare_runs.main(["--comparison", json.dumps(bad), "--out", str(out)]) == 2
    assert "short.tsv: not scored on the same utterances" in capsys.readouterr().err
    assert not out.exists()
    assert compare_runs.main(["--comparison", "{bad", "--out", str(out)]) == 2
    assert "--comparison is not valid JSON" in capsys.readouterr().err
