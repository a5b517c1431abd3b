"""Real Snakemake runs of the workflow on the tiny test config, in a temporary directory."""

from __future__ import annotations

import json
from pathlib import Path

import h5py
import numpy as np
import pandas as pd
import pytest
import yaml
from conftest import SNAKEMAKE, TINY, job_counts, malformed_asvspoof_config, snakemake

from workflow_scripts.training.checkpoint import load_checkpoint

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(SNAKEMAKE is None, reason="snakemake is not installed in this environment"),
]


def test_caches_target_builds_every_manifest_and_cache(cached_workdir: Path) -> None:
    expected = {
        "asvspoof2019": ("train", "dev", "eval"),
        "for": ("train", "dev", "eval"),
        "wavefake": ("train", "dev", "eval"),
        "itw": ("eval",),
    }
    for dataset, splits in expected.items():
        manifest = pd.read_csv(
            cached_workdir / f"results/manifests/{dataset}.tsv", sep="\t", dtype=str
        )
        assert set(manifest["split"]) == set(splits)
        assert set(manifest["label"]) == {"bonafide", "spoof"}
        assert (cached_workdir / f"results/quarantine/{dataset}.tsv").exists()
        for split in splits:
            with h5py.File(cached_workdir / f"results/caches/{dataset}/{split}.h5", "r") as h5:
                feats = h5["features"][:]
                assert feats.shape[1:] == (80, 301)
                assert feats.dtype == np.float16
                assert np.isfinite(feats.astype(np.float32)).all()
                n_rows = int((manifest["split"] == split).sum())
                assert feats.shape[0] + int(h5.attrs["n_quarantined"]) == n_rows
                assert h5.attrs["sample_rate"] == 16000
            # shards are temporary: merged away once the split cache exists
            assert not list(
                (cached_workdir / f"results/caches/{dataset}/{split}").glob("shard*.h5")
            )
    # a tiny demo ASVspoof train split keeps its class sizes (10 bonafide, 20 spoof)
    with h5py.File(cached_workdir / "results/caches/asvspoof2019/train.h5", "r") as h5:
        labels = h5["label"][:]
    assert (labels == 1).sum() == 10 and (labels == 0).sum() == 20


def test_noop_rerun_and_changed_feature_param_reruns_only_caches(cached_workdir: Path) -> None:
    dry = snakemake(cached_workdir, "caches", "-n")
    assert "Nothing to be done" in dry.stdout + dry.stderr

    changed = cached_workdir / "changed.yaml"
    changed.write_text(TINY.read_text() + "features:\n  pad: zero\n")
    dry = snakemake(cached_workdir, "caches", "-n", config=changed)
    out = dry.stdout + dry.stderr
    assert "cache_shard" in out
    assert "demo_corpus" not in out
    assert "rule manifest:" not in out


def test_config_typo_fails_before_anything_runs(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(TINY.read_text().replace("n_shards: 1", "n_shard: 1"))
    proc = snakemake(tmp_path, "caches", config=bad, check=False)  # a real run, not -n
    assert proc.returncode != 0
    assert "n_shard" in proc.stdout + proc.stderr
    assert not (tmp_path / "results").exists()


def test_all_targets_produce_tables_and_figures(full_workdir: Path) -> None:
    results = full_workdir / "results"
    table1 = pd.read_csv(results / "table1.csv")
    assert list(table1.columns) == ["eval_set", "metric", "resnet", "convnext"]
    assert list(table1["eval_set"].unique()) == ["ASV eval", "In the wild"]
    assert {"EER-ROC", "mAP", "EER-DET"} <= set(table1["metric"])
    values = table1[["resnet", "convnext"]].to_numpy(dtype=float)
    assert np.isfinite(values).all() and (values >= 0).all() and (values <= 1).all()

    table2 = pd.read_csv(results / "table2.csv")
    assert {"2", "3"} <= set(table2.columns)
    assert set(table2["eval_set"]) == {"eval data", "In the wild", "training rows"}
    counts = pd.read_csv(results / "table2_counts.csv")
    assert set(counts["n_per_class"]) == {2, 3} and (counts["drawn"] <= counts["requested"]).all()
    # Experiments 3 and 4 validate on de-duplicated dev rows, never on a training row
    for run in ("exp3/n2/seed0", "exp4/full_method/seed0"):
        train = pd.read_csv(results / f"sampling/{run}.tsv", sep="\t", dtype=str)
        val = pd.read_csv(results / f"sampling/{run}.val.tsv", sep="\t", dtype=str)
        assert set(val["split"]) == {"dev"} and len(val) > 0
        keys = ["dataset", "split", "utt_id"]
        assert train[keys].merge(val[keys]).empty

    exp2 = pd.read_csv(results / "table_exp2.csv")
    assert len(exp2) == 4  # full-data reference + nc, random_interest, random_all at one grid point
    exp4 = pd.read_csv(results / "table_exp4.csv")
    assert len(exp4) == 2
    for figure in ("figure1_tsne.png", "figure1_tsne.pdf", "exp4_comparison.png"):
        assert (results / "figures" / figure).stat().st_size > 1000
    assert (results / "table1.md").read_text().startswith("### Table 1")

    # the Algorithm-2 ablation: an attack-aware detector for each corpus with attack ids (its
    # classes: bonafide + the training spoofs' ids), none for FoR; a pooled stage-3 embedding
    aware = load_checkpoint(results / "models/pretrained_attack_aware/asvspoof2019/resnet/best.pt")
    manifest = pd.read_csv(results / "manifests/asvspoof2019.tsv", sep="\t", dtype=str)
    spoofs = manifest[(manifest["split"] == "train") & (manifest["label"] == "spoof")]
    assert aware["config"]["attack_head"]["classes"] == ["bonafide", *sorted(set(spoofs["attack"]))]
    assert not (results / "models/pretrained_attack_aware/for").exists()
    with h5py.File(results / "embeddings/wavefake/resnet/stage3/train.h5") as h5:
        assert h5.attrs["embedding_layer"] == "stage3" and h5["embedding"].shape[1] == 64
    clusters = pd.read_csv(results / "table_exp4_sources_clusters.csv")
    assert len(clusters) == 3 * 3  # sources x corpora

    # the planted FoR/LJSpeech copies are found by the content fingerprint
    summary = json.loads((results / "duplicates" / "summary.json").read_text())
    planted = summary["expected_demo"]
    assert (
        planted["listed"] == 3 and planted["scanned"] == 3
    )  # tiny config: 3 planted LJSpeech copies
    assert planted["found"] == planted["scanned"] and planted["missed"] == 0
    assert summary["pairs"] >= planted["found"]
    assert planted["precision"] == 1.0 and summary["rows_unchecked"] == 0  # no false merge


def dry_run_counts(workdir: Path, name: str, old: str, new: str) -> dict[str, int]:
    """Jobs per rule a dry run of ``all`` plans with the tiny config edited (``old`` -> ``new``)
    and saved in ``workdir`` as ``name``."""
    config = workdir / name
    config.write_text(TINY.read_text().replace(old, new))
    return job_counts(snakemake(workdir, "all", "-n", config=config).stdout)


def test_adding_a_grid_point_or_n_reruns_only_its_branch(full_workdir: Path) -> None:
    point = "    - [1.0, 0.5]\n"
    counts = dry_run_counts(full_workdir, "grid.yaml", point, point + "    - [1.0, 0.25]\n")
    # one new grid point x 3 methods x 1 seed: sample, train, 2 scores, 2 metrics each; the
    # table and its significance companion
    assert counts == {
        "sample_exp2": 3,
        "train_selected": 3,
        "score": 6,
        "metrics": 6,
        "significance": 1,
        "table_exp2": 1,
        "best_epochs_table": 1,
        "all": 1,
    }

    counts = dry_run_counts(full_workdir, "n.yaml", "n_per_class: [2, 3]", "n_per_class: [2, 3, 4]")
    assert counts == {
        "sample_exp3": 1,
        "validation_selection": 1,
        "train_selected": 1,
        "score": 1,
        "score_eval_data": 1,
        "metrics": 2,
        "significance": 1,
        "per_attack_table": 1,
        "table_exp3": 1,
        "best_epochs_table": 1,
        "all": 1,
    }


def test_adding_an_embedding_source_runs_only_its_ablation_branch(full_workdir: Path) -> None:
    """A new Algorithm-2 source embeds each corpus' train split from the binary detectors
    already trained, and adds one full-method run and its matched control per seed."""
    sources = "  embedding_sources: [binary, attack_aware, stage3, stage2]\n"
    counts = dry_run_counts(
        full_workdir,
        "sources.yaml",
        "experiment4:\n  seeds: 1\n",
        f"experiment4:\n  seeds: 1\n{sources}",
    )
    assert counts == {
        "embed_source": 3,
        "sample_full_method_source": 1,
        "sample_random_matched_source": 1,
        "validation_selection": 2,
        "train_selected": 2,
        "score_eval_data": 2,
        "score": 2,
        "metrics": 4,
        "significance": 1,
        "table_exp4_sources": 1,
        "best_epochs_table": 1,
        "all": 1,
    }


def test_calibrated_scores_keep_the_ranking_and_record_the_fit(full_workdir: Path) -> None:
    """The optional calibration rule: fitted on the detector's dev scores, applied to In the
    Wild; an increasing map, so the ranking metrics are those of the raw scores. A detector
    whose dev scores rank spoofs first (the tiny ResNet, 4 epochs on 30 rows) is refused."""
    target = "results/metrics/calibrated/pretrained/asvspoof2019/convnext/itw/eval.json"
    snakemake(full_workdir, target)
    results = full_workdir / "results"
    calibrated = json.loads((results / target.removeprefix("results/")).read_text())
    raw_path = results / "metrics/pretrained/asvspoof2019/convnext/itw/eval.json"
    raw = json.loads(raw_path.read_text())
    for key in ("eer_roc", "map", "min_dcf", "min_cllr"):
        assert calibrated[key] == pytest.approx(raw[key], abs=1e-9), key
    fit_path = results / "calibration/pretrained/asvspoof2019/convnext/itw/eval.json"
    fit = json.loads(fit_path.read_text())
    assert fit["a"] > 0 and fit["dev_scores"].endswith("convnext/asvspoof2019/dev.tsv")
    assert fit["n_dev_bonafide"] > 0 and fit["n_dev_spoof"] > 0

    inverted = "results/metrics/calibrated/pretrained/asvspoof2019/resnet/itw/eval.json"
    proc = snakemake(full_workdir, inverted, check=False)
    assert proc.returncode != 0
    assert "rank spoofs above bonafide" in proc.stdout + proc.stderr
    assert not (full_workdir / inverted).exists()


EXTRA_EVAL = """
datasets:
  asv21la: {format: asvspoof2021_la, root: null}
  asv21df: {format: asvspoof2021_df, root: null}
  asv5: {format: asvspoof5, root: null}
  mlaad: {format: mlaad, root: null}
extra_eval_sets:
  - {name: ASV21 LA, dataset: asv21la, split: eval}
  - {name: ASV21 DF, dataset: asv21df, split: eval}
  - {name: ASVspoof 5, dataset: asv5, split: eval}
  - {name: MLAAD, dataset: mlaad, split: eval}
demo:
  asvspoof2021_la:
    n_speakers: 2
    eval: {bonafide: 4, spoof: 8}
    progress: {bonafide: 2, spoof: 2}
    hidden: {bonafide: 2, spoof: 2}
  asvspoof2021_df:
    n_speakers: 2
    eval: {bonafide: 4, spoof: 8}
    progress: {bonafide: 2, spoof: 2}
    hidden: {bonafide: 2, spoof: 2}
  asvspoof5:
    n_speakers: 2
    train: {bonafide: 4, spoof: 4}
    dev: {bonafide: 4, spoof: 4}
    eval: {bonafide: 4, spoof: 8}
  mlaad: {n_languages: 2, models_per_language: 2, bonafide_per_language: 6, spoof_per_model: 4}
"""


def test_extra_eval_corpora_of_the_new_formats_add_their_rows(full_workdir: Path) -> None:
    """One corpus of each new format (demo, released layout) as an extra evaluation set: Table 1
    gains its rows, from scores of the same detectors; manifests keep condition columns."""
    config = full_workdir / "extra_eval.yaml"
    base, extra = yaml.safe_load(TINY.read_text()), yaml.safe_load(EXTRA_EVAL)
    base["demo"].update(extra.pop("demo"))
    base["datasets"].update(extra.pop("datasets"))
    config.write_text(yaml.safe_dump({**base, **extra}, sort_keys=False))
    results = full_workdir / "results"
    try:
        targets = [
            f"results/{t}{s}.csv" for t in ("table1", "table2") for s in ("", "_per_condition")
        ]
        snakemake(full_workdir, *targets, config=config)
        table1 = pd.read_csv(results / "table1.csv")
        table2 = pd.read_csv(results / "table2.csv")
        conditions_table = pd.read_csv(results / "table1_per_condition.csv")
        conditions_table2 = pd.read_csv(results / "table2_per_condition.csv")
    finally:  # later tests of the shared work directory read the tiny config's tables
        snakemake(full_workdir, "results/table1.csv", "results/table2.csv")
    names = ["ASV eval", "In the wild", "ASV21 LA", "ASV21 DF", "ASVspoof 5", "MLAAD"]
    assert list(dict.fromkeys(table1["eval_set"])) == names
    for dataset, name in (("asv21la", "ASV21 LA"), ("mlaad", "MLAAD")):
        metrics = json.loads(
            (results / f"metrics/pretrained/asvspoof2019/resnet/{dataset}/eval.json").read_text()
        )
        row = table1[(table1["eval_set"] == name) & (table1["metric"] == "EER-ROC")]
        assert row["resnet"].iloc[0] == round(metrics["eer_roc"], 4)
    conditions = {
        "asv21la": ["subset", "codec", "transmission"],
        "asv21df": ["subset", "codec", "source_corpus", "vocoder_family"],
        "asv5": ["codec", "codec_quality", "attack_tag", "gender"],
        "mlaad": ["gender", "language", "architecture"],
    }
    for dataset, columns in conditions.items():
        manifest = pd.read_csv(results / f"manifests/{dataset}.tsv", sep="\t", dtype=str)
        assert list(manifest.columns[7:]) == columns, dataset
        assert set(manifest["split"]) >= {"eval"} and (manifest["label"] == "spoof").any()
    # the per-condition companion: every eval set of a new format, its conditions, both models
    assert set(conditions_table["eval_set"]) == set(names[2:])
    assert {"codec", "language"} <= set(conditions_table["condition"])
    assert list(conditions_table.columns[5:]) == ["resnet", "convnext"]
    assert conditions_table[["resnet", "convnext"]].notna().all().all()
    # Table 2 gains the four sets after "eval data" and In the wild, and its own companion
    assert set(names[2:]) <= set(table2["eval_set"])
    assert set(conditions_table2["eval_set"]) == set(names[2:])
    assert list(conditions_table2.columns[5:]) == ["2", "3"]


NEW_CORPORA_TRAINING = """
datasets:
  asv5: {format: asvspoof5, root: null}
  mlaad: {format: mlaad, root: null}
experiment1:
  train_dataset: asv5
  models: [resnet]
  eval_sets:
    - {name: ASVspoof 5 eval, dataset: asv5, split: eval}
    - {name: In the wild, dataset: itw, split: eval}
experiment3:
  datasets: [asv5, mlaad]
  n_per_class: [2]
experiment4:
  embedding_sources: [binary, attack_aware]
demo:
  asvspoof5:
    n_speakers: 2
    train: {bonafide: 8, spoof: 12}
    dev: {bonafide: 4, spoof: 6}
    eval: {bonafide: 4, spoof: 6}
  mlaad: {n_languages: 2, models_per_language: 2, bonafide_per_language: 12, spoof_per_model: 6}
"""


def test_new_corpora_train_the_detectors_of_experiments_1_3_and_4(tmp_path: Path) -> None:
    """ASVspoof 5 and MLAAD (demo, released layouts) in training roles: Experiment 1 detectors
    trained on ASVspoof 5, Experiments 3 and 4 on both corpora, attack-aware pretraining on
    their attack ids (ASVspoof 5 attacks, MLAAD TTS models)."""
    base, new = yaml.safe_load(TINY.read_text()), yaml.safe_load(NEW_CORPORA_TRAINING)
    for section in ("datasets", "demo", "experiment1", "experiment3", "experiment4"):
        base[section].update(new[section])
    config = tmp_path / "new_corpora.yaml"
    config.write_text(yaml.safe_dump(base, sort_keys=False))
    targets = ["results/table1.csv", "results/table2.csv", "results/table_exp4_sources.csv"]
    snakemake(tmp_path, *targets, config=config)
    results = tmp_path / "results"
    table1 = pd.read_csv(results / "table1.csv")
    assert list(dict.fromkeys(table1["eval_set"])) == ["ASVspoof 5 eval", "In the wild"]
    assert list(table1.columns[2:]) == ["resnet"] and table1["resnet"].notna().all()
    for dataset in ("asv5", "mlaad"):
        pretrained = load_checkpoint(results / f"models/pretrained/{dataset}/resnet/best.pt")
        assert [c["dataset"] for c in pretrained["config"]["data"]["train"]] == [dataset]
        aware = load_checkpoint(
            results / f"models/pretrained_attack_aware/{dataset}/resnet/best.pt"
        )
        manifest = pd.read_csv(results / f"manifests/{dataset}.tsv", sep="\t", dtype=str)
        train = manifest[(manifest["split"] == "train") & (manifest["label"] == "spoof")]
        # the head's classes: bonafide and each attack id of the corpus' spoof training rows
        classes = aware["config"]["attack_head"]["classes"]
        assert classes == ["bonafide", *sorted(set(train["attack"]))], dataset
        assert len(classes) >= 3, dataset
    table2 = pd.read_csv(results / "table2.csv")
    assert {"eval data", "In the wild"} <= set(table2["eval_set"])
    sources = pd.read_csv(results / "table_exp4_sources.csv")
    assert {"binary", "attack_aware"} <= set(sources["source"])


def test_a_failing_rule_shows_its_cause_on_the_console_without_a_profile(tmp_path: Path) -> None:
    """profiles/default (the workflow profile) prints the failed job's log with the bare command."""
    config = malformed_asvspoof_config(tmp_path)
    proc = snakemake(
        tmp_path / "run", "results/manifests/asvspoof2019.tsv", config=config, check=False
    )
    assert proc.returncode != 0
    console = proc.stdout + proc.stderr
    # the rule's own message (file and the problem), not only "check log file(s)"
    assert "ASVspoof2019.LA.cm.train.trn.txt" in console and "expected 5" in console, console[
        -3000:
    ]
    assert not (tmp_path / "run" / "results" / "manifests" / "asvspoof2019.tsv").exists()
