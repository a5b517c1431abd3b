"""The stage planners (workflow_scripts.planning.<stage>) on the tiny config and on small dicts.

The rules reach them only through thin ``get_<what>`` wrappers in rules/common.smk;
the last tests check that the rule files keep to that (no logic, no lambdas spread over
lines, every param quoted the one way).
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import pytest
import yaml
from conftest import SNAKEMAKE, TINY, job_counts, snakemake

from workflow_scripts.planning import caches as plan_caches
from workflow_scripts.planning import common as plan_common
from workflow_scripts.planning import corpora as plan_corpora
from workflow_scripts.planning import duplicates as plan_duplicates
from workflow_scripts.planning import embeddings as plan_embeddings
from workflow_scripts.planning import experiment1 as plan_experiment1
from workflow_scripts.planning import experiment2 as plan_experiment2
from workflow_scripts.planning import experiment3 as plan_experiment3
from workflow_scripts.planning import experiment4 as plan_experiment4
from workflow_scripts.planning import per_attack as plan_per_attack
from workflow_scripts.planning import significance as plan_significance
from workflow_scripts.planning import training as plan_training
from workflow_scripts.planning.config import ConfigError, check_dataset_roles, check_eval_sets

REPO = Path(__file__).resolve().parents[1]


def with_defaults(path: Path) -> dict:
    """A config file as the Snakefile sees it: validated, schema defaults filled in."""
    utils = pytest.importorskip("snakemake.utils")
    config = yaml.safe_load(path.read_text())
    utils.validate(config, str(REPO / "schemas" / "config.schema.yaml"))
    return config


@pytest.fixture(scope="module")
def tiny() -> dict:
    return with_defaults(TINY)


@pytest.fixture
def cfg(tiny: dict) -> dict:
    """A copy of the tiny config that a test may change."""
    return copy.deepcopy(tiny)


def flags(words: list[str]) -> dict[str, list[str]]:
    """{flag: the words up to the next flag} of an argument list (each flag once)."""
    out: dict[str, list[str]] = {}
    for word in words:
        if word.startswith("--"):
            assert word not in out, f"{word} twice in {words}"
            out[word] = []
            current = out[word]
        else:
            current.append(word)
    return out


def groups(words: list[str], flag: str, size: int) -> list[list[str]]:
    """The values after each repetition of ``flag`` in an argument list of fixed-size groups."""
    assert len(words) % (size + 1) == 0
    chunks = [words[i : i + size + 1] for i in range(0, len(words), size + 1)]
    assert all(chunk[0] == flag for chunk in chunks), chunks
    return [chunk[1:] for chunk in chunks]


# --------------------------------------------------------------------------- datasets and caches


def test_every_split_of_every_dataset_has_a_cache_and_a_quarantine_list(
    tiny: dict, cfg: dict
) -> None:
    assert plan_caches.all_caches(tiny) == [
        f"results/caches/{d}/{s}.h5"
        for d in ("asvspoof2019", "for", "wavefake")
        for s in ("train", "dev", "eval")
    ] + ["results/caches/itw/eval.h5"]
    assert plan_caches.all_quarantine_lists(tiny) == [
        f"results/quarantine/{d}.tsv" for d in ("asvspoof2019", "for", "wavefake", "itw")
    ]
    assert plan_caches.split_quarantine_lists(tiny, "itw") == [
        "results/caches/itw/eval.quarantine.tsv"
    ]
    assert plan_caches.shard_files(tiny, "for", "dev", "h5") == ["results/caches/for/dev/shard0.h5"]
    cfg["caches"]["n_shards"] = 2
    assert plan_caches.shard_files(cfg, "for", "dev", "h5") == [
        "results/caches/for/dev/shard0.h5",
        "results/caches/for/dev/shard1.h5",
    ]
    assert json.loads(plan_caches.features_json(tiny))["n_mels"] == 80  # a schema default


def test_demo_corpora_get_their_format_options(tiny: dict, cfg: dict) -> None:
    assert plan_corpora.demo_args(tiny, "for") == ["--variant", "for-norm"]
    assert plan_corpora.demo_args(tiny, "wavefake") == [
        "--vocoders",
        "ljspeech_melgan",
        "ljspeech_hifiGAN",
        "ljspeech_waveglow",
    ]
    assert plan_corpora.demo_args(tiny, "itw") == []
    assert plan_corpora.demo_durations(tiny) == ["1.0", "2.0"]
    assert json.loads(plan_corpora.demo_sizes_json(tiny, "itw")) == {
        "bonafide": 6,
        "spoof": 6,
        "mode": "learnable",  # the schema's defaults
        "n_speakers": None,
        "duration_s": None,
    }
    resolved = json.loads(plan_corpora.dataset_json(tiny, "wavefake"))
    assert resolved["root"] == resolved["ljspeech_root"] == "results/demo/wavefake"
    assert plan_corpora.is_demo(tiny, "for")
    cfg["datasets"]["for"]["root"] = "/data/FoR"
    assert not plan_corpora.is_demo(cfg, "for")
    assert json.loads(plan_corpora.dataset_json(cfg, "for"))["root"] == "/data/FoR"
    del cfg["demo"]["for"]
    with pytest.raises(ConfigError, match="demo.for"):
        plan_corpora.demo_sizes_json(cfg, "for")


# --------------------------------------------------------------------------- training


def test_training_args_carry_the_recipe_and_the_seed(tiny: dict, cfg: dict) -> None:
    args = flags(plan_training.training_args(tiny, "resnet"))
    assert args == {
        "--model": ["resnet"],
        "--model-kwargs-json": ["{}"],
        "--max-epochs": ["4"],
        "--patience": ["4"],
        "--batch-size": ["8"],
        "--learning-rate": ["0.001"],
        "--seed": ["7"],
        "--device": ["cpu"],
        "--max-memory-mb": ["4096"],
        "--val-loss": ["balanced"],
    }
    cfg["models"]["convnext"] = {"depths": [1, 1], "note": "a b"}
    words = plan_training.training_args(cfg, "convnext", seed=42)
    assert json.loads(flags(words)["--model-kwargs-json"][0]) == cfg["models"]["convnext"]
    assert flags(words)["--seed"] == ["42"]
    # a retrained detector: the experiment's model, repetition i -> seed + 1000 i
    assert plan_training.run_seed(tiny, "2") == 2007
    retrained = flags(plan_training.selected_training_args(tiny, "exp3", "1"))
    assert retrained["--model"] == ["tiny_resnet"] and retrained["--seed"] == ["1007"]


def test_validation_data_of_pretrained_and_retrained_detectors(tiny: dict) -> None:
    assert plan_training.validation_caches(tiny, "asvspoof2019") == [
        "results/caches/asvspoof2019/dev.h5"
    ]
    assert plan_training.validation_caches(tiny, "itw") == []
    assert plan_training.pretrain_validation_args("results/caches/for/dev.h5") == [
        "--val-caches",
        "results/caches/for/dev.h5",
    ]
    assert plan_training.pretrain_validation_args([]) == ["--val-fraction", "0.1"]

    assert plan_training.experiment_val_selection("exp2", "nc_b1.0_s0.5", "0") == []
    val_selection = plan_training.experiment_val_selection("exp4", "full_method", "0")
    assert val_selection == ["results/sampling/exp4/full_method/seed0.val.tsv"]
    # a named input is a string for one file: never split into characters
    for given in (val_selection, val_selection[0]):
        args = plan_training.selected_data_args("sel.tsv", ["a.h5", "b.h5"], given)
        assert flags(args) == {
            "--train-selection": ["sel.tsv"],
            "--val-caches": ["a.h5", "b.h5"],
            "--val-selection": val_selection,
        }
    assert "--val-selection" not in plan_training.selected_data_args("sel.tsv", "a.h5", [])

    assert plan_training.experiment_train_caches(tiny, "exp2") == [
        "results/caches/asvspoof2019/train.h5"
    ]
    assert plan_training.experiment_val_caches(tiny, "exp3") == [
        f"results/caches/{d}/dev.h5" for d in ("asvspoof2019", "for", "wavefake")
    ]
    assert groups(plan_training.exp34_val_cache_args(tiny, "exp4"), "--cache", 1) == [
        [f"{d}:dev=results/caches/{d}/dev.h5"] for d in ("asvspoof2019", "for", "wavefake")
    ]


def test_an_experiment_without_any_dev_split_fails_by_name(cfg: dict) -> None:
    cfg["experiment3"]["datasets"] = ["itw"]
    with pytest.raises(ValueError, match="exp3: none of \\['itw'\\] has a dev split"):
        plan_training.experiment_val_caches(cfg, "exp3")


def test_threshold_calibration_follows_the_decision_threshold(tiny: dict, cfg: dict) -> None:
    caches = plan_embeddings.embedding_threshold_caches(tiny, "asvspoof2019")
    assert caches == ["results/caches/asvspoof2019/dev.h5"]
    assert plan_embeddings.threshold_args(caches[0]) == ["--threshold-caches", caches[0]]
    cfg["embeddings"]["decision_threshold"] = "zero"
    assert plan_embeddings.embedding_threshold_caches(cfg, "asvspoof2019") == []
    assert plan_embeddings.threshold_args([]) == []


# --------------------------------------------------------------------------- Experiments 1 and 2


def test_exp1_table_has_one_entry_per_model_and_eval_set(tiny: dict) -> None:
    cells = plan_experiment1.exp1_table_cells(tiny)
    assert cells == [
        (label, model, f"results/metrics/pretrained/asvspoof2019/{model}/{ds}/eval.json")
        for model in ("resnet", "convnext")
        for label, ds in (("ASV eval", "asvspoof2019"), ("In the wild", "itw"))
    ]
    assert plan_experiment1.exp1_table_metrics(tiny) == [path for _, _, path in cells]
    # a label with a space stays one word
    assert groups(plan_experiment1.exp1_table_args(tiny), "--entry", 3) == [
        list(cell) for cell in cells
    ]


def test_exp2_runs_cover_the_grid_with_exact_rates(tiny: dict, cfg: dict) -> None:
    specs, references = plan_experiment2.exp2_runs(tiny)
    assert [s["method"] for s in specs] == ["nc", "random_interest", "random_all"]
    nc = specs[0]
    assert (nc["bonafide_rate"], nc["spoof_rate"], nc["seed"]) == (1.0, 0.5, 0)
    assert nc["summary"] == "results/sampling/exp2/nc_b1.0_s0.5/seed0.json"
    assert nc["history"] == "results/models/exp2/nc_b1.0_s0.5/seed0/history.csv"
    assert nc["metrics"]["In the wild"] == "results/metrics/exp2/nc_b1.0_s0.5/seed0/itw/eval.json"
    assert "trained_as" not in nc
    # the full-data reference: the same tiny ResNet on every training row, one run per seed
    [reference] = references
    assert (reference["method"], reference["bonafide_rate"], reference["spoof_rate"]) == (
        "full",
        1.0,
        1.0,
    )
    assert reference["summary"] == "results/sampling/exp2/full_b1.0_s1.0/seed0.json"
    assert reference["history"] == "results/models/exp2/full_b1.0_s1.0/seed0/history.csv"
    assert plan_experiment2.spec_files(nc) == [
        nc["summary"],
        nc["history"],
        *nc["metrics"].values(),
    ]
    inputs = plan_experiment2.exp2_table_inputs(tiny)
    assert len(inputs["runs"]) == 3 * 4 and inputs["reference"] == plan_experiment2.spec_files(
        reference
    )
    args = plan_experiment2.exp2_table_args(tiny)
    assert args[-2] == "--reference" and json.loads(args[-1]) == reference
    assert [json.loads(spec) for spec in args[1:-2:2]] == specs
    # the sampler gets rate 1.0 for the reference whether or not a grid point has it
    assert plan_experiment2.exp2_rate_arg(tiny, "1.0", "spoof") == "1.0"

    cfg["experiment2"]["seeds"] = 3
    _, references = plan_experiment2.exp2_runs(cfg)
    assert [r["seed"] for r in references] == [0, 1, 2]
    assert references[2]["history"] == "results/models/exp2/full_b1.0_s1.0/seed2/history.csv"
    args = plan_experiment2.exp2_table_args(cfg)
    assert args[::2] == ["--run"] * 3 * 3 + ["--reference"] * 3
    assert [json.loads(w) for w in args[-5::2]] == references

    cfg["experiment2"]["grid"] = [[0.125, 0.5], [0.12, 0.5]]
    assert plan_experiment2.exp2_rate_arg(cfg, "0.125", "bonafide") == "0.125"
    assert plan_experiment2.exp2_rate_arg(cfg, "0.12", "bonafide") == "0.12"
    rates = {(s["method"], s["bonafide_rate"]) for s in plan_experiment2.exp2_runs(cfg)[0]}
    assert len(rates) == 6
    assert (
        plan_embeddings.exp2_embeddings(tiny) == "results/embeddings/asvspoof2019/resnet/train.h5"
    )
    # no table reads the NC diagnostics any more: target all asks for them
    assert (
        plan_embeddings.exp2_diagnostics(tiny) == "results/nc/asvspoof2019/resnet/diagnostics.json"
    )


# --------------------------------------------------------------------------- Experiment 3


def test_exp3_pool_and_cache_flags_keep_the_configured_corpus_order(tiny: dict, cfg: dict) -> None:
    corpora = ["asvspoof2019", "for", "wavefake"]
    assert plan_experiment3.exp3_caches(tiny, "eval") == [
        f"results/caches/{d}/eval.h5" for d in corpora
    ]
    assert groups(plan_experiment3.exp3_cache_args(tiny, "train"), "--cache", 1) == [
        [f"{d}=results/caches/{d}/train.h5"] for d in corpora
    ]
    assert plan_experiment3.exp3_pool_caches(tiny) == [
        f"results/caches/{d}/train.h5" for d in corpora
    ]
    cfg["experiment3"]["pool"] = "train_dev"
    cfg["experiment3"]["datasets"] = ["wavefake", "asvspoof2019"]
    assert groups(plan_experiment3.exp3_pool_args(cfg), "--cache", 1) == [
        [f"{d}:{s}=results/caches/{d}/{s}.h5"]
        for d in ("wavefake", "asvspoof2019")
        for s in ("train", "dev")
    ]


def test_exp3_table_lists_every_n_seed_and_eval_set(tiny: dict, cfg: dict) -> None:
    cfg["experiment3"]["seeds"] = 2
    cells = plan_experiment3.exp3_table_cells(cfg)
    assert len(cells) == 2 * 2 * 2  # N x seeds x ("eval data", "In the wild")
    assert cells[:2] == [
        (2, "eval data", "results/metrics/exp3/n2/seed0/eval_data.json"),
        (2, "In the wild", "results/metrics/exp3/n2/seed0/itw/eval.json"),
    ]
    assert groups(plan_experiment3.exp3_table_entry_args(cfg), "--entry", 3)[1] == [
        "2",
        "In the wild",
        "results/metrics/exp3/n2/seed0/itw/eval.json",
    ]
    summaries = plan_experiment3.exp3_table_summaries(cfg)
    assert [(n, seed) for n, seed, _ in summaries] == [(2, 0), (2, 1), (3, 0), (3, 1)]
    assert (
        plan_experiment3.exp3_table_summary_files(cfg)[-1] == "results/sampling/exp3/n3/seed1.json"
    )
    assert groups(plan_experiment3.exp3_table_summary_args(cfg), "--summary", 3)[0] == [
        "2",
        "0",
        "results/sampling/exp3/n2/seed0.json",
    ]
    assert plan_experiment3.exp3_table_metrics(tiny) == [
        path for _, _, path in plan_experiment3.exp3_table_cells(tiny)
    ]
    assert plan_experiment3.score_selection_args("results/sampling/eval_data.tsv") == [
        "--selection",
        "results/sampling/eval_data.tsv",
    ]


def test_duplicate_scan_covers_every_split_and_checks_the_planted_copies(
    tiny: dict, cfg: dict
) -> None:
    splits = plan_duplicates.duplicate_scan_splits(tiny)
    assert len(splits) == 9 and splits[0] == ("asvspoof2019", "train")
    assert (
        plan_duplicates.duplicate_scan_fingerprints(tiny)[3] == "results/fingerprints/for/train.h5"
    )
    assert groups(plan_duplicates.duplicate_scan_args(tiny), "--fingerprints", 1)[3] == [
        "for:train=results/fingerprints/for/train.h5"
    ]
    assert plan_duplicates.expected_demo_duplicates(tiny) == ["results/demo/for"]
    assert plan_duplicates.expected_demo_args("results/demo/for") == [
        "--expected-demo",
        "results/demo/for/demo_duplicates.tsv",
    ]
    cfg["datasets"]["for"]["root"] = "/data/FoR"  # a real FoR has no list of planted copies
    assert plan_duplicates.expected_demo_duplicates(cfg) == []
    assert plan_duplicates.expected_demo_args([]) == []


# --------------------------------------------------------------------------- Experiment 4


def test_exp4_runs_compare_the_full_method_with_matched_random(tiny: dict, cfg: dict) -> None:
    cfg["experiment4"]["seeds"] = 2
    cfg["experiment4"]["k_max"] = {"for": 7, "wavefake": 3}
    specs = plan_experiment4.exp4_runs(cfg)
    assert [(s["method"], s["seed"]) for s in specs] == [
        ("full_method", 0),
        ("full_method", 1),
        ("random_matched", 0),
        ("random_matched", 1),
    ]
    assert specs[2]["summary"] == "results/sampling/exp4/random_matched/seed0.json"
    metrics = specs[2]["metrics"]
    assert metrics["eval data"] == "results/metrics/exp4/random_matched/seed0/eval_data.json"
    assert plan_experiment4.exp4_table_files(cfg) == [
        f for s in specs for f in plan_experiment2.spec_files(s)
    ]
    assert [
        json.loads(g[0]) for g in groups(plan_experiment4.exp4_table_args(cfg), "--run", 1)
    ] == specs
    assert groups(plan_experiment4.exp4_k_max_args(cfg), "--k-max", 1) == [
        ["for=7"],
        ["wavefake=3"],
    ]
    assert plan_experiment4.exp4_k_max_args(tiny) == []
    binary = plan_experiment4.source_embedding_args(tiny, "binary")
    assert groups(binary, "--embeddings", 1)[0] == [
        "asvspoof2019:train=results/embeddings/asvspoof2019/resnet/train.h5"
    ]
    assert "--source" not in binary  # Experiment 4's own command is unchanged
    binary_files = plan_experiment4.source_embedding_files(tiny, "binary")
    assert binary_files[1] == "results/embeddings/for/resnet/train.h5"


def test_significance_compares_each_method_with_its_control(tiny: dict, cfg: dict) -> None:
    assert plan_significance.scores_of_metrics(
        "results/metrics/exp4/full_method/seed0/eval_data.json"
    ) == ("results/scores/exp4/full_method/seed0/eval_data.tsv")
    with pytest.raises(ValueError, match="not a metrics path"):
        plan_significance.scores_of_metrics("results/scores/x.tsv")
    cfg["experiment4"]["seeds"] = 2
    exp4 = plan_significance.significance_comparisons(cfg, "table_exp4")
    assert [(c["eval_set"], c["method"], c["control"]) for c in exp4] == [
        ("eval data", "full_method", "random_matched"),
        ("In the wild", "full_method", "random_matched"),
    ]
    assert exp4[0]["control_scores"] == [
        f"results/scores/exp4/random_matched/seed{i}/eval_data.tsv" for i in range(2)
    ]
    cfg["experiment3"]["n_per_class"] = [40, 10, 20]
    table2 = plan_significance.significance_comparisons(cfg, "table2")
    assert [(c["method"], c["control"]) for c in table2[::2]] == [
        ("N=20", "N=10"),
        ("N=40", "N=20"),
    ]
    exp2 = plan_significance.significance_comparisons(tiny, "table_exp2")
    methods = tiny["experiment2"]["methods"]
    controls = [m for m in methods if m != "nc"]
    grid, eval_sets = tiny["experiment2"]["grid"], tiny["experiment1"]["eval_sets"]
    # nc against each random control, then every method against the full training set
    assert len(exp2) == len(grid) * (len(controls) + len(methods)) * len(eval_sets)
    assert [(c["method"], c["control"]) for c in exp2[:: len(eval_sets)]] == [
        ("nc", "random_interest"),
        ("nc", "random_all"),
        ("nc", "full"),
        ("random_interest", "full"),
        ("random_all", "full"),
    ]
    first = exp2[0]
    assert first["method_scores"][0].startswith(f"results/scores/exp2/nc_{first['setting']}/seed0/")
    assert first["method_summary"] == "results/sampling/exp2/nc_b1.0_s0.5/seed0.json"
    to_full = exp2[-1]
    assert to_full["control_scores"] == ["results/scores/exp2/full_b1.0_s1.0/seed0/itw/eval.tsv"]
    assert to_full["control_summary"] == "results/sampling/exp2/full_b1.0_s1.0/seed0.json"
    files = plan_significance.significance_files(tiny, "table_exp2")
    assert len(files) == len(set(files)) and first["control_scores"][0] in files
    assert to_full["control_summary"] in files and first["method_summary"] in files
    assert plan_significance.significance_table_args(tiny, "table2") == [
        "--significance",
        "results/table2_significance.csv",
    ]
    cfg["experiment2"]["methods"] = ["random_interest", "random_all"]
    assert {
        c["control"] for c in plan_significance.significance_comparisons(cfg, "table_exp2")
    } == {"full"}
    cfg["experiment2"]["methods"] = []
    assert plan_significance.significance_table(cfg, "table_exp2") == []
    with pytest.raises(ValueError, match="no significance table"):
        plan_significance.significance_comparisons(tiny, "table1")


def test_exp2_identical_selections_share_one_run_and_are_not_compared(cfg: dict) -> None:
    """At rates (1.0, 1.0) nc and random_interest select every sample of interest: one run per
    seed (nc's) stands for both, and no comparison pits it against itself or repeats one."""
    cfg["experiment2"]["grid"] = [[1.0, 1.0], [1.0, 0.5]]
    cfg["experiment2"]["seeds"] = 2
    specs, references = plan_experiment2.exp2_runs(cfg)
    shared = [s for s in specs if s["method"] == "random_interest" and s["spoof_rate"] == 1.0]
    assert [s["trained_as"] for s in shared] == ["nc", "nc"]
    assert [s["history"] for s in shared] == [
        f"results/models/exp2/nc_b1.0_s1.0/seed{i}/history.csv" for i in range(2)
    ]
    assert shared[0]["summary"] == "results/sampling/exp2/nc_b1.0_s1.0/seed0.json"
    # random_all at (1.0, 1.0) draws as many rows as there are samples of interest from all
    # rows: not the full set by construction, so it keeps its own runs
    own = {s["method"]: s for s in specs if s["spoof_rate"] == 1.0 and s["seed"] == 0}
    assert "trained_as" not in own["random_all"]
    assert own["random_all"]["history"] != references[0]["history"]
    # one trained run per distinct selection: 2 grid points x 3 methods - 1 shared, + full
    trained = {s["history"] for s in [*specs, *references]}
    assert len(trained) == (2 * 3 - 1 + 1) * 2
    inputs = plan_experiment2.exp2_table_inputs(cfg)
    assert len(inputs["runs"]) == len(set(inputs["runs"]))
    assert not any("random_interest_b1.0_s1.0" in f for f in inputs["runs"])

    comparisons = plan_significance.significance_comparisons(cfg, "table_exp2")
    pairs = [(c["setting"], c["method"], c["control"]) for c in comparisons[::2]]
    assert ("b1.0_s1.0", "nc", "random_interest") not in pairs  # a run against itself
    assert ("b1.0_s1.0", "random_interest", "full") not in pairs  # the same as nc - full
    assert ("b1.0_s1.0", "nc", "random_all") in pairs and ("b1.0_s1.0", "nc", "full") in pairs
    assert ("b1.0_s0.5", "random_interest", "full") in pairs
    assert len(pairs) == len(set(pairs)) == 2 * (2 + 3) - 2
    for c in comparisons:
        assert set(c["method_scores"]).isdisjoint(c["control_scores"]), c
    files = plan_significance.significance_files(cfg, "table_exp2")
    assert not any("random_interest_b1.0_s1.0" in f for f in files)
    # without nc, random_interest at (1.0, 1.0) is nobody's copy and trains itself
    cfg["experiment2"]["methods"] = ["random_interest"]
    assert all("trained_as" not in s for s in plan_experiment2.exp2_runs(cfg)[0])


@pytest.mark.skipif(SNAKEMAKE is None, reason="snakemake is not installed in this environment")
def test_exp2_dag_trains_the_shared_selection_once(tmp_path: Path) -> None:
    """Snakemake's own plan (a dry run) of Experiment 2 with the (1.0, 1.0) point and two seeds:
    one training job per distinct selection and seed, the full-data reference included."""
    config = tmp_path / "grid.yaml"
    point = "    - [1.0, 0.5]\n"
    config.write_text(TINY.read_text().replace(point, "    - [1.0, 1.0]\n" + point, 1))
    config.write_text(config.read_text().replace("  seeds: 1\nfigure1:", "  seeds: 2\nfigure1:"))
    assert "[1.0, 1.0]" in config.read_text() and "seeds: 2\nfigure1:" in config.read_text()
    dry = snakemake(tmp_path, "-n", "results/table_exp2.csv", config=config).stdout
    trained = re.findall(r"rule train_selected:\n(?:    .*\n)*?    wildcards: (.*)\n", dry)
    settings = sorted(w.split(", ")[1].removeprefix("setting=") for w in trained)
    expected = ["full_b1.0_s1.0", "nc_b1.0_s0.5", "nc_b1.0_s1.0"]
    expected += ["random_all_b1.0_s0.5", "random_all_b1.0_s1.0", "random_interest_b1.0_s0.5"]
    assert settings == sorted(expected * 2)
    assert "random_interest_b1.0_s1.0" not in dry  # no sampling, training or scoring of it
    assert job_counts(dry)["train_selected"] == 12 and "pretrain" in job_counts(dry)


def test_embedding_sources_plan_their_detectors_layers_and_fallbacks(tiny: dict, cfg: dict) -> None:
    assert tiny["experiment4"]["embedding_sources"] == ["binary", "attack_aware", "stage3"]
    # attack-aware: corpora with attack ids get their own detector, FoR falls back to binary
    aware = plan_experiment4.source_embedding_args(tiny, "attack_aware")
    assert flags(aware[-4:]) == {"--source": ["attack_aware"], "--fallback": ["for"]}
    assert groups(aware[:-4], "--embeddings", 1) == [
        ["asvspoof2019:train=results/embeddings/asvspoof2019/resnet/attack_aware/train.h5"],
        ["for:train=results/embeddings/for/resnet/train.h5"],
        ["wavefake:train=results/embeddings/wavefake/resnet/attack_aware/train.h5"],
    ]
    assert plan_experiment4.source_checkpoint("attack_aware", "wavefake", "resnet") == (
        "results/models/pretrained_attack_aware/wavefake/resnet/best.pt"
    )
    assert plan_experiment4.source_checkpoint("stage3", "for", "resnet") == (
        "results/models/pretrained/for/resnet/best.pt"
    )
    train = flags(plan_experiment4.attack_aware_training_args(tiny, "resnet"))
    assert train["--attack-loss-weight"] == ["1.0"] and train["--model"] == ["resnet"]
    # an earlier stage: every corpus (no attack ids needed), the binary detector, --stage N
    stage = plan_experiment4.source_embedding_args(tiny, "stage3")
    assert stage[-2:] == ["--source", "stage3"] and "--fallback" not in stage
    assert plan_experiment4.source_embedding_files(tiny, "stage3")[1] == (
        "results/embeddings/for/resnet/stage3/train.h5"
    )
    assert plan_experiment4.source_layer_args("stage3") == ["--stage", "3"]
    assert (
        plan_experiment4.source_layer_args("binary")
        == plan_experiment4.source_layer_args("attack_aware")
        == []
    )
    assert plan_experiment4.source_setting("random_matched", "stage3") == "random_matched-stage3"
    assert plan_experiment4.source_setting("full_method", "binary") == "full_method"
    # one run per source, arm and seed; the binary source reuses Experiment 4's own runs
    cfg["experiment4"]["seeds"] = 2
    specs = plan_experiment4.exp4_source_runs(cfg)
    assert len(specs) == 3 * 2 * 2
    binary = [{k: v for k, v in s.items() if k != "source"} for s in specs[:4]]
    assert binary == plan_experiment4.exp4_runs(cfg)
    assert specs[4]["summary"] == "results/sampling/exp4/full_method-attack_aware/seed0.json"
    comparisons = plan_significance.significance_comparisons(cfg, "table_exp4_sources")
    assert [c["setting"] for c in comparisons[::2]] == ["binary", "attack_aware", "stage3"]
    assert comparisons[-1]["control_scores"] == [
        f"results/scores/exp4/random_matched-stage3/seed{i}/{tiny['experiment3']['itw_dataset']}"
        "/eval.tsv"
        for i in range(2)
    ]
    cfg["experiment4"]["embedding_sources"] = ["stage2"]
    assert [s["source"] for s in plan_experiment4.exp4_source_runs(cfg)] == ["stage2"] * 4


def test_table_metrics_pass_flags_only_when_changed(tiny: dict, cfg: dict) -> None:
    assert plan_common.table_metric_args(tiny) == []  # each table keeps its own default set
    cfg["tables"]["metrics"] = ["eer_roc", "map", "min_dcf", "cllr"]
    assert groups(plan_common.table_metric_args(cfg), "--metric", 1) == [
        ["eer_roc"],
        ["map"],
        ["min_dcf"],
        ["cllr"],
    ]


def runs_config_without_extras(cfg: dict) -> dict:
    return {**cfg, "extra_eval_sets": []}


def test_extra_eval_sets_join_every_table_and_bad_ones_fail_by_name(cfg: dict) -> None:
    cfg["datasets"]["asv5"] = {"format": "asvspoof5", "root": None}
    cfg["extra_eval_sets"] = [{"name": "ASVspoof 5", "dataset": "asv5", "split": "eval"}]
    check_eval_sets(cfg)
    run = "pretrained/asvspoof2019/resnet"
    assert list(plan_experiment1.eval_set_metrics(cfg, run)) == [
        "ASV eval",
        "In the wild",
        "ASVspoof 5",
    ]
    assert plan_experiment3.exp34_eval_metrics(cfg, "exp3/n2/seed0")["ASVspoof 5"] == (
        "results/metrics/exp3/n2/seed0/asv5/eval.json"
    )
    assert [
        c["eval_set"] for c in plan_significance.significance_comparisons(cfg, "table_exp4")
    ] == [
        "eval data",
        "In the wild",
        "ASVspoof 5",
    ]
    assert {name for name, _, _ in plan_experiment1.exp1_table_cells(cfg)} >= {"ASVspoof 5"}
    # both tables get a per-condition companion; Table 2's columns are the N (per seed)
    assert plan_per_attack.condition_tables(cfg) == [
        "results/table1_per_condition.csv",
        "results/table2_per_condition.csv",
    ]
    cells = plan_per_attack.condition_cells(cfg, "table2")
    assert cells[0] == (
        "ASVspoof 5",
        "2",
        "results/scores/exp3/n2/seed0/asv5/eval.tsv",
        "results/manifests/asv5.tsv",
    )
    assert plan_per_attack.condition_tables(runs_config_without_extras(cfg)) == []
    for bad, message in (
        ({"name": "x", "dataset": "nope", "split": "eval"}, "dataset 'nope' is not in datasets"),
        ({"name": "x", "dataset": "itw", "split": "train"}, "has no split 'train'"),
        ({"name": "In the wild", "dataset": "asv5", "split": "dev"}, "used twice"),
    ):
        cfg["extra_eval_sets"] = [bad]
        with pytest.raises(ConfigError, match=message):
            check_eval_sets(cfg)


def test_training_roles_need_train_and_dev_splits(cfg: dict) -> None:
    """Any corpus with train and dev splits can train; an evaluation-only one is refused by role."""
    cfg["datasets"].update(
        {
            "asv5": {"format": "asvspoof5", "root": None},
            "mlaad": {"format": "mlaad", "root": None},
            "asv21df": {"format": "asvspoof2021_df", "root": None},
        }
    )
    cfg["experiment1"]["train_dataset"] = "asv5"
    cfg["experiment2"]["source_dataset"] = "mlaad"
    cfg["experiment3"]["datasets"] = ["asv5", "mlaad", "for"]
    check_dataset_roles(cfg)
    for section, key, value, message in (
        ("experiment1", "train_dataset", "asv21df", r"\(asvspoof2021_df\) has no train or dev"),
        ("experiment2", "source_dataset", "itw", "has no train or dev split"),
        ("experiment3", "datasets", ["asv5", "asv21df"], "experiment3.datasets: dataset 'asv21df'"),
        ("experiment3", "itw_dataset", "nope", "'nope' is not in datasets"),
    ):
        bad = {**cfg, section: {**cfg[section], key: value}}
        with pytest.raises(ConfigError, match=message):
            check_dataset_roles(bad)


def test_per_attack_tables_read_the_table_metrics_and_the_training_manifests(
    tiny: dict, cfg: dict
) -> None:
    table1 = plan_per_attack.per_attack_args(tiny, "table1")
    entries = groups(table1[: table1.index("--seen")], "--entry", 3)
    assert [tuple(e) for e in entries] == plan_experiment1.exp1_table_cells(tiny)
    train = tiny["experiment1"]["train_dataset"]
    assert table1[table1.index("--seen") : table1.index("--title")] == [
        "--seen",
        f"results/manifests/{train}.tsv",
        "train",
    ]
    files = plan_per_attack.per_attack_files(tiny, "table2")
    assert f"results/manifests/{tiny['experiment3']['datasets'][0]}.tsv" in files
    assert set(plan_experiment3.exp3_table_metrics(tiny)) <= set(files)
    cfg["experiment3"]["pool"] = "train_dev"
    assert ("asvspoof2019", "dev") in plan_per_attack.per_attack_training(cfg, "table2")
    assert plan_per_attack.figure1_other_png(tiny).startswith("results/figures/figure1_tsne_by_")
    with pytest.raises(ValueError, match="no per-attack table"):
        plan_per_attack.per_attack_cells(tiny, "table_exp4")


def test_the_paper_config_plans_its_tables() -> None:
    paper = with_defaults(REPO / "config" / "paper.yaml")
    assert len(plan_experiment3.exp3_table_cells(paper)) == 3 * paper["experiment3"]["seeds"] * 2
    assert ("asvspoof2019", "dev") in {
        tuple(word.split("=")[0].split(":"))
        for word in plan_experiment3.exp3_pool_args(paper)[1::2]
    }
    assert plan_experiment4.exp4_k_max_args(paper) == ["--k-max", "for=7"]


# --------------------------------------------------------------------------- the rule files


RULE_FILES = sorted((REPO / "rules").glob("*.smk"))


def test_common_smk_holds_only_thin_get_wrappers() -> None:
    text = (REPO / "rules" / "common.smk").read_text()
    functions = re.findall(r"^def (\w+)\((.*)\):\n((?:    .*\n|\n)+)", text, flags=re.M)
    assert len(functions) > 30
    for name, args, body in functions:
        assert name.startswith("get_"), f"rules/common.smk: {name} is not a get_<what> function"
        assert args in ("", "wildcards", "wildcards, input"), f"{name}({args})"
        code = [line for line in body.strip().splitlines() if not line.strip().startswith('"')]
        assert len(code) <= 4, (
            f"rules/common.smk: {name} holds logic; move it to its stage planner "
            "(workflow_scripts/planning/)"
        )


def test_rules_use_named_functions_and_quote_every_param() -> None:
    defined = set(re.findall(r"^def (\w+)", (REPO / "rules" / "common.smk").read_text(), re.M))
    for path in RULE_FILES:
        text = path.read_text()
        for line in text.splitlines():
            if "lambda" in line:
                assert line.strip().startswith("runtime=lambda"), f"{path.name}: {line.strip()}"
        params = re.findall(r"\{params\.(\w+)(:q)?\}", text)
        unquoted = [name for name, quoted in params if not quoted]
        assert not unquoted, f"{path.name}: params without :q: {unquoted}"
        assert "shlex" not in text, f"{path.name}: quote with {{params.x:q}}, not shlex"
        called = set(re.findall(r"\b(get_\w+)\b", text))
        assert called <= defined, f"{path.name}: unknown {sorted(called - defined)}"
        assert not re.search(r"\b_\w+\(", text), f"{path.name} calls a private helper"
