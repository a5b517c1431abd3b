"""The paper-cost benchmark's arithmetic: a planted job list -> per-stage hours, and its page.

bench/bench_paper_cost.py times nothing here: the throughput is planted with round numbers,
so every expected total below is worked out by hand in the comments.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

REPO = Path(__file__).resolve().parents[1]


def _load_bench() -> ModuleType:
    """bench/ is not a package: load the script as a module (registered first, for dataclasses)."""
    spec = importlib.util.spec_from_file_location(
        "bench_paper_cost", REPO / "bench" / "bench_paper_cost.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


bpc = _load_bench()

CONFIG = {
    "datasets": {"asv": {"format": "asvspoof2019_la"}, "itw": {"format": "in_the_wild"}},
    "caches": {"n_shards": 2},
    "training": {"max_epochs": 20, "patience": 4},
    "experiment1": {"train_dataset": "asv", "models": ["resnet"]},
    "experiment2": {"source_dataset": "asv", "model": "tiny_resnet"},
    "experiment3": {"datasets": ["asv"], "model": "tiny_resnet", "eval_n_per_class": 10},
    "experiment4": {"bonafide_rate": 1.0, "spoof_rate": 0.5},
}
SIZES = {
    "asv": {"train": (100, 900), "dev": (50, 450), "eval": (200, 1800)},
    "itw": {"eval": (300, 200)},
}
CPU = bpc.Throughput(
    device="cpu",
    threads=2,
    train={"resnet": 10.0, "tiny_resnet": 20.0},
    score={"resnet": 100.0, "tiny_resnet": 250.0},
    embed={"resnet": 50.0},
    extract=10.0,
    fingerprint=5.0,
)
#: A GPU at 1000 rows/s for everything; no extraction or fingerprint rate (CPU-only rules).
FAST = {"resnet": 1000.0, "tiny_resnet": 1000.0}
GPU = bpc.Throughput("cuda", 2, train=FAST, score=FAST, embed={"resnet": 1000.0})
Job = bpc.Job
JOBS = [
    # 1000 rows in 2 shards: shard 0 has 500 files -> 50 s
    Job("cache_shard", {"dataset": "asv", "split": "train", "shard": "0"}),
    # 500 rows: shard 1 has 250 files -> 25 s
    Job("cache_shard", {"dataset": "itw", "split": "eval", "shard": "1"}),
    # 1000 train / 10 + 500 dev / 100 = 105 s per epoch; 5 (patience + 1) to 20 epochs
    Job("pretrain", {"dataset": "asv", "model": "resnet"}),
    # (100 + 0.5 x 900) / 20 + 500 / 250 = 29.5 s per epoch
    Job("train_selected", {"experiment": "exp2", "setting": "nc_b1.0_s0.5", "seed": "0"}),
    # In-the-Wild 500 rows / 100 = 5 s (Table 1 compares resnet: Experiment 1)
    Job("score", {"run": "pretrained/asv/resnet", "eval_dataset": "itw", "eval_split": "eval"}),
    # ASV eval 2000 rows / 250 = 8 s
    Job(
        "score",
        {"run": "exp2/nc_b1.0_s0.5/seed0", "eval_dataset": "asv", "eval_split": "eval"},
    ),
    # 1000 rows / 50 = 20 s
    Job("embed", {"dataset": "asv", "model": "resnet", "split": "train"}),
    Job("metrics", {"scored": "exp2/nc_b1.0_s0.5/seed0/asv/eval"}),
    Job("all", {}),
    # 2 x 10 x 1 corpus = 20 rows / 20 + 500 dev / 250 = 3 s per epoch
    Job("train_selected", {"experiment": "exp3", "setting": "n10", "seed": "0"}),
    # 20 rows / 250 = 0.08 s
    Job("score_eval_data", {"run": "exp3/n10/seed0"}),
    # (1.0 x 100 + 0.5 x 900) / 20 + 500 / 250 = 29.5 s per epoch
    Job("train_selected", {"experiment": "exp4", "setting": "full_method", "seed": "0"}),
]
#: Expected core-hours (seconds x 2 threads / 3600) at 5 and at 20 epochs, jobs, timed jobs.
EXPECTED = {
    "caches": ((75, 75), 2, 2),
    "pretraining": ((525, 2100), 1, 1),
    "embeddings": ((20, 20), 1, 1),
    "Experiment 1": ((5, 5), 1, 1),
    "Experiment 2": ((147.5 + 8, 590 + 8), 3, 2),
    "Experiment 3": ((15.08, 60.08), 2, 2),
    "Experiment 4": ((147.5, 590), 1, 1),
    "targets": ((0, 0), 1, 0),
}


def test_dry_run_listing_parses_to_rules_and_wildcards() -> None:
    text = (
        "Job stats:\njob count\n\n"
        "[Tue Dec  1 00:07:40 2026]\nrule cache_shard:\n"
        "    input: results/manifests/for.tsv\n"
        "    wildcards: dataset=for, split=train, shard=6\n"
        "    resources: tmpdir=/tmp, runtime=120\n\n"
        "rule train_selected:\n"
        "    wildcards: experiment=exp2, setting=random_all_b0.75_s0.5, seed=2\n\n"
        "localrule all:\n    input: results/table1.csv\n    jobid: 0\n"
    )
    jobs = bpc.parse_dry_run(text)
    assert [j.rule for j in jobs] == ["cache_shard", "train_selected", "all"]
    assert jobs[0].wildcards == {"dataset": "for", "split": "train", "shard": "6"}
    assert jobs[1].wildcards["setting"] == "random_all_b0.75_s0.5"
    assert jobs[2].wildcards == {}


def test_work_per_job_follows_sizes_and_rates() -> None:
    works = [bpc.job_work(job, CONFIG, SIZES) for job in JOBS]
    assert [(w.kind, w.rows, w.val_rows, w.model) for w in works[:5]] == [
        ("extract", 500, 0, None),
        ("extract", 250, 0, None),
        ("train", 1000, 500, "resnet"),
        ("train", 550, 500, "tiny_resnet"),
        ("score", 500, 0, "resnet"),
    ]
    assert works[9].rows == 20 and works[10].rows == 20 and works[11].rows == 550
    assert works[3].exact is False and works[2].exact is True
    assert works[7].kind == "untimed" and bpc.job_seconds(works[7], CPU, 20) is None
    assert bpc.job_seconds(works[2], CPU, 5) == pytest.approx(525)


def test_stage_totals_match_hand_computed_hours() -> None:
    costs = {c.name: c for c in bpc.project(JOBS, CONFIG, SIZES, CPU, None)}
    assert list(costs) == list(EXPECTED)
    for name, ((low, high), jobs, timed) in EXPECTED.items():
        cost = costs[name]
        assert (cost.jobs, cost.timed) == (jobs, timed), name
        assert cost.cpu_hours == pytest.approx([low / 1800, high / 1800]), name
        assert cost.gpu_hours is None
    total = bpc.total_cost(list(costs.values()))
    assert total.jobs == 12 and total.timed == 10
    assert total.cpu_hours == pytest.approx([943.08 / 1800, 3448.08 / 1800])
    assert total.estimated and not costs["pretraining"].estimated


def test_gpu_hours_cover_only_gpu_rules() -> None:
    costs = {c.name: c for c in bpc.project(JOBS, CONFIG, SIZES, CPU, GPU)}
    # pretrain: (1000 + 500) / 1000 = 1.5 s per epoch; 5 and 20 epochs
    assert costs["pretraining"].gpu_hours == pytest.approx([7.5 / 3600, 30 / 3600])
    assert costs["caches"].gpu_jobs == 0 and bpc.gpu_cell(costs["caches"], "pending") == "-"
    # Experiment 2: train (550 + 500) / 1000 x epochs + score 2000 / 1000
    assert costs["Experiment 2"].gpu_hours == pytest.approx([(5.25 + 2) / 3600, (21 + 2) / 3600])


def test_per_rule_totals_sum_to_the_stage_totals() -> None:
    by_stage = bpc.total_cost(bpc.project(JOBS, CONFIG, SIZES, CPU, None))
    by_rule = {c.name: c for c in bpc.project(JOBS, CONFIG, SIZES, CPU, None, by="rule")}
    assert by_rule["train_selected"].jobs == 3
    assert by_rule["train_selected"].cpu_hours == pytest.approx(
        [(147.5 + 15 + 147.5) / 1800, (590 + 60 + 590) / 1800]
    )
    summed = [sum(c.cpu_hours[i] for c in by_rule.values()) for i in (0, 1)]
    assert summed == pytest.approx(by_stage.cpu_hours)


def test_pretrained_detector_outside_table1_counts_for_experiment2() -> None:
    job = Job("score", {"run": "pretrained/asv/tiny_resnet", "eval_dataset": "asv"})
    assert bpc.job_stage(job, CONFIG) == "Experiment 2"


def test_corpus_sizes_are_the_real_ones() -> None:
    config = {
        "datasets": {
            "asvspoof2019": {"format": "asvspoof2019_la", "root": "/x"},
            "for": {"format": "for", "root": "/x", "variant": "for-original"},
            "wavefake": {
                "format": "wavefake",
                "root": "/x",
                "vocoders": [f"v{i}" for i in range(7)],
                "split_fractions": {"train": 0.7, "dev": 0.1, "eval": 0.2},
            },
        }
    }
    sizes, sources = bpc.corpus_sizes(config)
    asv = {split: sum(pair) for split, pair in sizes["asvspoof2019"].items()}
    assert asv == {"train": 25_380, "dev": 24_844, "eval": 71_237}
    wavefake = sizes["wavefake"]
    assert sum(b for b, _ in wavefake.values()) == 13_100
    assert sum(s for _, s in wavefake.values()) == 7 * 13_100
    for_bona = sum(b for b, _ in sizes["for"].values())
    for_spoof = sum(s for _, s in sizes["for"].values())
    assert abs(for_bona - 111_000) <= 2 and abs(for_spoof - 87_000) <= 2
    assert "estimate" in sources["for"] and "exact" in sources["asvspoof2019"]


def test_summary_line_and_page_carry_the_table() -> None:
    costs = bpc.project(JOBS, CONFIG, SIZES, CPU, None)
    caches = bpc.cache_sizes(CONFIG, SIZES, row_bytes=1e5)
    # 1000 + 500 + 2000 + 500 rows x 1e5 bytes = 0.4 GB
    assert sum(size for _, size in caches) == 400_000_000
    line = bpc.summary_line(costs, 4e8, "GPU-hours pending (no GPU on this machine)")
    assert line == (
        "paper cost: 12 jobs, 0.5-1.9 CPU-hours, GPU-hours pending (no GPU on this machine), "
        "caches 0.4 GB"
    )
    report = bpc.Report(
        costs=costs,
        rule_costs=bpc.project(JOBS, CONFIG, SIZES, CPU, None, by="rule"),
        caches=caches,
        cpu=CPU,
        gpu=None,
        epochs=(5, 20),
        sources={"asv": "published", "itw": "published"},
        sizes=SIZES,
        row_bytes=1e5,
        pending="pending",
        notes={"x": "a planted note"},
    )
    meta = {
        "command": "python bench/bench_paper_cost.py --write-doc x.md",
        "date": "2026-01-01",
        "commit": "abc1234",
        "cpu": "Planted CPU",
        "cores": "2",
        "torch": "2.11",
        "runtime": "1 s",
        "load": "0.5",
    }
    page = bpc.render_doc(report, meta)
    assert "| pretraining | 1 | 1 | 0.3-1.2 | pending |" in page
    assert "| caches | 2 | 2 | 0.0 | - |" in page
    assert "| whole paper (est.) | 12 | 10 | 0.5-1.9 | pending |" in page
    assert "| `train_selected` (est.) | 3 | 1,120 | 0.2-0.7 | pending |" in page
    assert "| `results/caches/asv/eval.h5` | 2,000 | 0.2 |" in page
    assert "GPU-hours are pending: this machine has no GPU" in page
    assert "Planted CPU" in page and "`abc1234`" in page and "a planted note" in page
