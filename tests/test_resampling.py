"""Speaker-aware bootstrap units: clusters, strata, fallback, the manifest join, and coverage.

The coverage tests draw synthetic evaluation sets whose scores are correlated within a
speaker: every speaker has its own offset per class, shared by all of its utterances of
that class, plus a part that differs between the two compared detectors (a detector is
better on some voices than another). The population EER of a detector that separates the
classes by ``mu`` is then ``Phi(-mu / (2 sigma))`` with ``sigma`` the total score spread, so
the truth an interval should cover is known in closed form.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from scipy.special import ndtr

from workflow_scripts import compare_runs, evaluate
from workflow_scripts.metrics.eer import eer_roc
from workflow_scripts.metrics.report import bootstrap_ci, stratified_resamples
from workflow_scripts.metrics.resampling import (
    read_speaker_manifests,
    resampling_units,
    speakers_of_scores,
)
from workflow_scripts.metrics.significance import paired_difference
from workflow_scripts.planning import significance as plan_significance
from workflow_scripts.reporting.significance import read_significance, significance_markdown

REPO = Path(__file__).resolve().parents[1]

# 30 speakers with 6 bonafide and 6 spoof utterances each; speaker offsets dominate.
N_SPEAKERS, PER_CLASS = 30, 6
SIGMA_SHARED, SIGMA_SIDE, SIGMA_UTT = 0.3, 1.2, 1.0
MUS = (2.0, 1.5)
REPETITIONS, RESAMPLES = 100, 40


def _population_eer(mu: float) -> float:
    return float(ndtr(-mu / (2 * np.sqrt(SIGMA_SHARED**2 + SIGMA_SIDE**2 + SIGMA_UTT**2))))


def _speaker_set() -> tuple[np.ndarray, np.ndarray]:
    labels = np.tile(np.repeat([1, 0], PER_CLASS), N_SPEAKERS)
    speakers = np.repeat([f"spk{g:02d}" for g in range(N_SPEAKERS)], 2 * PER_CLASS)
    return labels, speakers


def _draw_scores(rng: np.random.Generator, labels: np.ndarray) -> list[np.ndarray]:
    """One evaluation set scored by two detectors (separations ``MUS``), speaker-correlated."""
    speaker = np.repeat(np.arange(N_SPEAKERS), 2 * PER_CLASS)
    klass = 1 - labels
    shared = rng.normal(0.0, SIGMA_SHARED, (N_SPEAKERS, 2))[speaker, klass]
    sides = []
    for mu in MUS:
        own = rng.normal(0.0, SIGMA_SIDE, (N_SPEAKERS, 2))[speaker, klass]
        sides.append(labels * mu + shared + own + rng.normal(0.0, SIGMA_UTT, labels.size))
    return sides


def test_utterance_bootstrap_under_covers_a_difference_that_the_speaker_bootstrap_covers() -> None:
    labels, speakers = _speaker_set()
    units = {"utterances": resampling_units(labels), "speakers": resampling_units(labels, speakers)}
    assert units["speakers"].description == f"speakers ({N_SPEAKERS})"
    truth = _population_eer(MUS[0]) - _population_eer(MUS[1])
    rng = np.random.default_rng(1)
    covered: dict[str, list[bool]] = {name: [] for name in units}
    for r in range(REPETITIONS):
        method, control = _draw_scores(rng, labels)
        for name, unit in units.items():
            d = paired_difference(
                method,
                control,
                labels,
                metrics=("eer_roc",),
                n_resamples=RESAMPLES,
                seed=r,
                units=unit,
            )["eer_roc"]
            covered[name].append(d.low <= truth <= d.high)
    coverage = {name: float(np.mean(hits)) for name, hits in covered.items()}
    # nominal 95 %; 100 draws give a binomial spread of about 2-3 points
    # (utterances 0.76, speakers 0.97 when written; 0.69-0.76 and 0.91-0.97 over three
    # simulation seeds)
    assert coverage["utterances"] <= 0.85, coverage
    assert coverage["speakers"] >= 0.88, coverage


def test_speaker_bootstrap_covers_a_single_metric_better() -> None:
    labels, speakers = _speaker_set()
    units = {"utterances": resampling_units(labels), "speakers": resampling_units(labels, speakers)}
    truth = _population_eer(MUS[0])
    rng = np.random.default_rng(2)
    covered: dict[str, list[bool]] = {name: [] for name in units}
    for r in range(REPETITIONS):
        scores = _draw_scores(rng, labels)[0]
        for name, unit in units.items():
            low, high = bootstrap_ci(eer_roc, scores, labels, n=RESAMPLES, seed=r, units=unit)
            covered[name].append(low <= truth <= high)
    coverage = {name: float(np.mean(hits)) for name, hits in covered.items()}
    # a percentile interval from 40 resamples runs a little short of 95 % even with the
    # right units (utterances 0.69, speakers 0.86 when written; 0.55-0.70 and 0.86-0.89
    # over three simulation seeds)
    assert coverage["utterances"] <= 0.80, coverage
    assert coverage["speakers"] >= 0.84, coverage
    assert coverage["speakers"] - coverage["utterances"] >= 0.1, coverage


def test_without_speakers_the_draws_are_the_utterance_bootstrap() -> None:
    labels = np.random.default_rng(3).integers(0, 2, 50)
    unknown = np.full(labels.size, "-")
    for units in (resampling_units(labels), resampling_units(labels, unknown)):
        assert units.description == "utterances" and units.n_single == labels.size
        old = list(stratified_resamples(labels, 5, seed=9))
        assert all(np.array_equal(a, b) for a, b in zip(old, units.resamples(5, 9), strict=True))


def test_a_resample_draws_whole_speakers_within_class_strata() -> None:
    # a: both classes; b, c: bonafide only; d, e: spoof only; two utterances without speaker
    speakers = np.array(["a", "a", "a", "b", "b", "c", "d", "e", "e", "-", ""])
    labels = np.array([1, 0, 0, 1, 1, 1, 0, 0, 0, 1, 0])
    units = resampling_units(labels, speakers, min_speakers=2)
    assert units.description == "speakers (5) + utterances (2)"
    # strata: bonafide-only clusters (b, c, the unknown bonafide), spoof-only (d, e, the
    # unknown spoof), both (a)
    assert [stratum.sizes.tolist() for stratum in units.strata] == [[2, 1, 1], [1, 2, 1], [3]]
    rng = np.random.default_rng(0)
    for _ in range(50):
        idx = units.draw(rng)
        counts = np.bincount(idx, minlength=labels.size)
        for name in ("a", "b", "e"):  # a drawn speaker brings every utterance, as often
            assert len(set(counts[speakers == name])) == 1
        assert counts[speakers == "a"][0] == 1  # the only two-class speaker: always once
        assert (labels[idx] == 1).any() and (labels[idx] == 0).any()


def test_few_speakers_fall_back_to_utterances_per_corpus_and_names_are_per_corpus() -> None:
    labels = np.tile([1, 0], 20)
    datasets = np.repeat(["asv", "wavefake"], 20)
    speakers = np.where(datasets == "asv", np.tile(["s1", "s2", "s3", "s4", "s5"], 8), "LJ")
    units = resampling_units(labels, speakers, datasets, min_speakers=5)
    assert units.description == "speakers (5) + utterances (20)"
    assert units.notes == (
        "wavefake: 1 named speaker(s), fewer than min_speakers = 5: its 20 utterances are "
        "resampled one by one",
    )
    # each corpus is its own stratum: a resample keeps the corpus sizes of the merged set
    idx = units.draw(np.random.default_rng(1))
    assert (datasets[idx] == "wavefake").sum() == 20
    same_name = resampling_units(labels, np.full(40, "x"), datasets, min_speakers=1)
    assert same_name.description == "speakers (2)"  # "x" of asv and "x" of wavefake
    assert resampling_units(labels, speakers, datasets, min_speakers=6).description == (
        "utterances"
    )
    with pytest.raises(ValueError, match="speakers has shape"):
        resampling_units(labels, speakers[:3])


def _manifest(path: Path, dataset: str, ids: list[str], labels: list[str], spk: list[str]) -> str:
    pd.DataFrame(
        {
            "utt_id": ids,
            "dataset": dataset,
            "split": "eval",
            "label": labels,
            "attack": "-",
            "speaker": spk,
            "path": [f"{i}.wav" for i in ids],
        }
    ).to_csv(path, sep="\t", index=False)
    return str(path)


def test_speakers_are_joined_from_the_manifests(tmp_path: Path) -> None:
    labels = ["bonafide", "spoof", "spoof"]
    one = _manifest(tmp_path / "one.tsv", "one", ["u1", "u2", "u3"], labels, ["a", "b", "-"])
    two = _manifest(tmp_path / "two.tsv", "two", ["u1", "v2"], ["spoof", "bonafide"], ["c", "d"])
    manifests = read_speaker_manifests([one, two])
    scores = pd.DataFrame({"utt_id": ["u3", "u1"], "label": ["spoof", "bonafide"], "score": [0, 1]})
    with pytest.raises(ValueError, match=r"where: 'u1' is in the manifests more than once"):
        speakers_of_scores(scores, manifests, "where")
    speaker, dataset = speakers_of_scores(scores, read_speaker_manifests([one]), "where")
    assert speaker.tolist() == ["-", "a"] and dataset.tolist() == ["one", "one"]
    merged = scores.assign(dataset=["one", "two"], label=["spoof", "spoof"])
    speaker, dataset = speakers_of_scores(merged, manifests, "where")  # on (dataset, utt_id)
    assert speaker.tolist() == ["-", "c"] and dataset.tolist() == ["one", "two"]
    with pytest.raises(ValueError, match=r"where: 1 scored utt_id\(s\) are not in the manifests"):
        speakers_of_scores(scores.assign(utt_id=["u3", "zz"]), manifests, "where")
    with pytest.raises(ValueError, match=r"where: 'u1' has another label in its manifest"):
        speakers_of_scores(merged.assign(label=["spoof", "bonafide"]), manifests, "where")
    pd.DataFrame({"utt_id": ["u1"]}).to_csv(tmp_path / "bad.tsv", sep="\t", index=False)
    with pytest.raises(ValueError, match=r"bad\.tsv: not a manifest \(missing"):
        read_speaker_manifests([tmp_path / "bad.tsv"])


def _write_set(tmp_path: Path) -> tuple[list[str], list[str], str]:
    """Two detectors' score files on one speaker-correlated set, and its manifest."""
    labels, speakers = _speaker_set()
    ids = [f"utt{i:03d}" for i in range(labels.size)]
    text = np.where(labels == 1, "bonafide", "spoof")
    files = []
    for k, scores in enumerate(_draw_scores(np.random.default_rng(4), labels)):
        path = tmp_path / f"side{k}.tsv"
        pd.DataFrame({"utt_id": ids, "label": text, "score": scores}).iloc[::-1].to_csv(
            path, sep="\t", index=False
        )
        files.append(str(path))
    manifest = _manifest(tmp_path / "manifest.tsv", "itw", ids, text.tolist(), speakers.tolist())
    return [files[0]], [files[1]], manifest


def test_compare_runs_draws_speakers_from_the_manifest(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    method, control, manifest = _write_set(tmp_path)
    spec = {
        "setting": "-",
        "eval_set": "In the wild",
        "method": "nc",
        "control": "random_all",
        "method_scores": method,
        "control_scores": control,
    }
    tables = {}
    for name, extra in (("utterances", {}), ("speakers", {"manifests": [manifest]})):
        out = tmp_path / f"{name}.csv"
        args = ["--comparison", json.dumps({**spec, **extra}), "--n-resamples", "100"]
        assert compare_runs.main([*args, "--out", str(out)]) == 0
        tables[name] = read_significance(out)
    assert tables["utterances"]["resampled"].tolist() == ["utterances"] * 2
    assert tables["speakers"]["resampled"].tolist() == [f"speakers ({N_SPEAKERS})"] * 2
    widths = {n: (t["ci_high"] - t["ci_low"]).to_numpy() for n, t in tables.items()}
    assert (widths["speakers"] > widths["utterances"]).all(), widths
    assert (tables["speakers"]["difference"] == tables["utterances"]["difference"]).all()
    markdown = significance_markdown(tables["speakers"], title="T")
    assert f"paired bootstrap of the evaluation set, drawing speakers ({N_SPEAKERS})" in markdown
    # few speakers: utterances, and the log says why
    out = tmp_path / "few.csv"
    args = ["--comparison", json.dumps({**spec, "manifests": [manifest]}), "--min-speakers", "40"]
    assert compare_runs.main([*args, "--n-resamples", "100", "--out", str(out)]) == 0
    assert read_significance(out)["resampled"].tolist() == ["utterances"] * 2
    assert f"{N_SPEAKERS} named speaker(s), fewer than min_speakers = 40" in caplog.text
    # a manifest without the scored utterances: named, nothing written
    other = _manifest(tmp_path / "other.tsv", "itw", ["x"], ["spoof"], ["s"])
    bad = json.dumps({**spec, "manifests": [other]})
    assert compare_runs.main(["--comparison", bad, "--out", str(tmp_path / "bad.csv")]) == 2
    assert (
        f"{2 * N_SPEAKERS * PER_CLASS} scored utt_id(s) are not in the manifests"
        in capsys.readouterr().err
    )
    assert not (tmp_path / "bad.csv").exists()


def test_evaluate_reports_speaker_intervals(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    method, _, manifest = _write_set(tmp_path)
    base = [method[0], "--bootstrap", "50"]
    assert evaluate.main(base) == 0
    plain = json.loads(capsys.readouterr().out)
    assert evaluate.main([*base, "--manifest", manifest]) == 0
    speakers = json.loads(capsys.readouterr().out)
    assert plain["bootstrap"]["resampled"] == "utterances"
    assert speakers["bootstrap"]["resampled"] == f"speakers ({N_SPEAKERS})"
    assert speakers["eer_roc"] == plain["eer_roc"]
    width = [r["ci"]["eer_roc"][1] - r["ci"]["eer_roc"][0] for r in (plain, speakers)]
    assert width[1] > width[0], width


def test_comparisons_name_the_manifests_of_their_evaluation_sets() -> None:
    utils = pytest.importorskip("snakemake.utils")
    config = yaml.safe_load((REPO / "tests" / "data" / "tiny_config.yaml").read_text())
    utils.validate(config, str(REPO / "schemas" / "config.schema.yaml"))
    assert config["statistics"]["min_speakers"] == 8
    for table in ("table2", "table_exp4"):
        specs = plan_significance.significance_comparisons(config, table)
        by_set = {spec["eval_set"]: spec["manifests"] for spec in specs}
        assert by_set["eval data"] == [
            f"results/manifests/{name}.tsv" for name in config["experiment3"]["datasets"]
        ]
        assert by_set["In the wild"] == ["results/manifests/itw.tsv"]
    assert plan_significance.significance_manifests(config, "table_exp2") == [
        "results/manifests/asvspoof2019.tsv",
        "results/manifests/itw.tsv",
    ]
    with pytest.raises(ValueError, match="no dataset in score path"):
        plan_significance.eval_manifests(config, "results/scores/run/nowhere/eval.tsv")
