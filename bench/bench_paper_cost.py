"""Benchmark: what reproducing the whole paper costs, projected from measured throughput.

    python bench/bench_paper_cost.py [--steps 3] [--score-rows 128] [--files 32]
        [--threads 2] [--device auto] [--write-doc docs/paper-cost.md]

Plans ``config/paper.yaml``'s DAG with ``snakemake -n all`` on synthetic manifests of the
real corpora's sizes (bench/bench_dag.py writes them; no audio is needed) and reads every
planned job (rule and wildcards) from the dry run. Each job gets its work from the corpus
sizes and the config: files per cache shard, training and validation rows of a detector,
rows scored or embedded. On this machine it then measures, with the project's own code:

* one training step per model (``run_train_epoch`` on the in-memory source ``train`` uses,
  batch 64, 80 x 301 float16 rows of a random cache written by bench/bench_training.py;
  median of ``--steps`` steps after a warm-up step);
* scoring and embedding throughput (``score_rows`` on that cache, batch 128; embedding only
  for the models the plan embeds);
* log-mel extraction (``build_shard``) and duplicate fingerprints (``build_fingerprints``)
  per file, on ``--files`` synthetic 3-4 s files (bench/bench_features.py writes them);
* the size of a cache row, from the shard ``build_shard`` wrote.

Seconds per job = work / measured throughput (a training job: epochs x (training rows /
training rate + validation rows / scoring rate)), summed per experiment. A training job
runs at least ``patience + 1`` epochs (the first epoch always improves on nothing, then
``patience`` epochs without improvement stop it) and at most ``max_epochs``: both bounds are
given, no "expected" figure, since the stopping epoch depends on the data. Light jobs
(sampling, metrics, tables, t-SNE, k-means, the duplicate search) are counted but not timed.
GPU-hours are measured only with ``--device cuda`` (or ``auto`` on a machine with a GPU);
otherwise they read "pending". The machine is shared and step timings are noisy. The last
line reads ``paper cost: N jobs, X-Y CPU-hours, GPU-hours ..., caches Z GB``.
"""

from __future__ import annotations

import argparse
import copy
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import torch
import yaml
from snakemake.utils import validate

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from bench_dag import (  # noqa: E402
    CORPUS_SIZES,
    job_total,
    manifest_rows,
    paper_config,
    run,
    write_manifests,
)
from bench_features import manifest_for, write_corpus  # noqa: E402
from bench_training import N_FRAMES, N_MELS, write_random_cache  # noqa: E402

from workflow_scripts.features.cache import build_shard  # noqa: E402
from workflow_scripts.features.fingerprint import build_fingerprints  # noqa: E402
from workflow_scripts.features.logmel import FeatureParams  # noqa: E402
from workflow_scripts.models import create_model  # noqa: E402
from workflow_scripts.planning import caches as plan_caches  # noqa: E402
from workflow_scripts.planning import training as plan_training  # noqa: E402
from workflow_scripts.training.data import index_caches, open_features  # noqa: E402
from workflow_scripts.training.device import (  # noqa: E402
    resolve_device,
    seed_everything,
    uses_mixed_precision,
)
from workflow_scripts.training.inference import score_rows  # noqa: E402
from workflow_scripts.training.loop import run_train_epoch  # noqa: E402

#: (bonafide, spoof) per split of a corpus.
Sizes = dict[str, dict[str, tuple[int, int]]]

MODELS = ("resnet", "tiny_resnet", "convnext")
#: FoR ``for-original``: the paper's class totals (section 3.1). Its per-split counts are not
#: published with it, so they are split in the proportions of for-norm's folders (an estimate).
FOR_ORIGINAL_TOTALS = (111_000, 87_000)
#: Bytes of one cache row's features: 80 x 301 float16.
FEATURE_BYTES = N_MELS * N_FRAMES * 2
#: Stages in table order; Experiments 3 and 4 share the duplicate detection.
STAGES = (
    "caches",
    "duplicate detection",
    "pretraining",
    "embeddings",
    "Experiment 1",
    "Experiment 2",
    "Experiment 3",
    "Experiment 4",
    "targets",
)
#: Rules that belong to one stage whatever their wildcards.
RULE_STAGES = {
    "manifest": "caches",
    "demo_corpus": "caches",
    "cache_shard": "caches",
    "cache_merge": "caches",
    "quarantine_list": "caches",
    "caches": "caches",
    "fingerprints": "duplicate detection",
    "find_duplicates": "duplicate detection",
    "pretrain": "pretraining",
    "pretrain_attack_aware": "Experiment 4",
    "embed": "embeddings",
    "embed_source": "Experiment 4",
    "nc_diagnostics": "embeddings",
    "figure1": "embeddings",
    "table_exp1": "Experiment 1",
    "sample_exp2": "Experiment 2",
    "table_exp2": "Experiment 2",
    "eval_data": "Experiment 3",
    "sample_exp3": "Experiment 3",
    "table_exp3": "Experiment 3",
    "sample_full_method": "Experiment 4",
    "sample_random_matched": "Experiment 4",
    "table_exp4": "Experiment 4",
    "sample_full_method_source": "Experiment 4",
    "sample_random_matched_source": "Experiment 4",
    "table_exp4_sources": "Experiment 4",
    "all": "targets",
}
#: The experiment of a table, for the jobs named after one (significance, per-attack).
TABLE_STAGES = {
    "table1": "Experiment 1",
    "table_exp2": "Experiment 2",
    "table2": "Experiment 3",
    "table_exp4": "Experiment 4",
    "table_exp4_sources": "Experiment 4",
}
#: Rules that ask for a GPU on a cluster (resources ``gpu``); the others run on CPUs only.
GPU_RULES = frozenset(
    {
        "pretrain",
        "pretrain_attack_aware",
        "train_selected",
        "score",
        "score_eval_data",
        "embed",
        "embed_source",
    }
)
RULE_LINE = re.compile(r"^(?:local)?rule (\S+):$")
EXP2_SETTING = re.compile(r"^(?P<method>.+)_b(?P<b>[0-9.]+)_s(?P<s>[0-9.]+)$")
CACHE_PATH = re.compile(r"^results/caches/(?P<dataset>[^/]+)/(?P<split>[^/]+)\.h5$")


# --------------------------------------------------------------------------- the job list


@dataclass(frozen=True)
class Job:
    """One planned job: its rule and wildcards, as the dry run printed them."""

    rule: str
    wildcards: Mapping[str, str] = field(default_factory=dict)


def parse_dry_run(text: str) -> list[Job]:
    """Every job of a ``snakemake -n`` listing, in print order.

    Parsing the printed plan (not re-deriving it from the planning package) prices exactly
    the DAG that Snakemake would run.
    """
    jobs: list[Job] = []
    rule: str | None = None
    wildcards: dict[str, str] = {}
    for line in text.splitlines():
        match = RULE_LINE.match(line)
        if match:
            if rule is not None:
                jobs.append(Job(rule, wildcards))
            rule, wildcards = match.group(1), {}
        elif rule is not None and line.startswith("    wildcards: "):
            pairs = line.split(": ", 1)[1].split(", ")
            wildcards = dict(pair.split("=", 1) for pair in pairs)
    if rule is not None:
        jobs.append(Job(rule, wildcards))
    return jobs


def plan_jobs(workdir: Path, config: dict[str, Any]) -> tuple[list[Job], float]:
    """The jobs of ``snakemake -n all`` on synthetic manifests, and the dry run's seconds."""
    configfile = workdir / "bench_config.yaml"
    configfile.write_text(yaml.safe_dump(config, sort_keys=False))
    write_manifests(workdir, config)
    dry = run(workdir, configfile, "-n", "all")
    jobs = parse_dry_run(dry.output)
    n_jobs, _ = job_total(dry.output)
    if len(jobs) != n_jobs:
        raise SystemExit(f"error: parsed {len(jobs)} jobs but the dry run plans {n_jobs}")
    return jobs, dry.seconds


# --------------------------------------------------------------------------- corpus sizes


def for_original_sizes() -> dict[str, tuple[int, int]]:
    """Estimated for-original split sizes: the paper's class totals in for-norm's proportions."""
    norm = CORPUS_SIZES["for"]
    n_bona = sum(b for b, _ in norm.values())
    n_spoof = sum(s for _, s in norm.values())
    return {
        split: (
            round(FOR_ORIGINAL_TOTALS[0] * b / n_bona),
            round(FOR_ORIGINAL_TOTALS[1] * s / n_spoof),
        )
        for split, (b, s) in norm.items()
    }


def corpus_sizes(config: Mapping[str, Any]) -> tuple[Sizes, dict[str, str]]:
    """(bonafide, spoof) per split of every configured corpus, and where each figure comes from.

    WaveFake is split the way the workflow splits it (a hash of the LJSpeech id), so its
    counts come from the synthetic manifest that bench_dag writes.
    """
    sizes: Sizes = {}
    sources: dict[str, str] = {}
    for name, dataset in config["datasets"].items():
        fmt = dataset["format"]
        if fmt == "wavefake":
            df = manifest_rows(name, dataset)
            counts = df.groupby(["split", "label"]).size()
            sizes[name] = {
                split: (
                    int(counts.get((split, "bonafide"), 0)),
                    int(counts.get((split, "spoof"), 0)),
                )
                for split in ("train", "dev", "eval")
            }
            sources[name] = (
                f"13,100 LJSpeech clips x (1 + {len(dataset['vocoders'])} vocoders), "
                "split by the workflow's hash of the LJSpeech id: exact for a complete release"
            )
        elif fmt == "for" and dataset.get("variant") == "for-original":
            sizes[name] = for_original_sizes()
            sources[name] = (
                "for-original: the paper's 111,000 real / 87,000 fake split in for-norm's "
                "per-folder proportions: an estimate"
            )
        else:
            sizes[name] = dict(CORPUS_SIZES[name])
            sources[name] = "published split sizes: exact"
    return sizes, sources


def split_rows(sizes: Sizes, dataset: str, split: str) -> int:
    """Rows of one split (0 for a split the corpus does not have)."""
    return sum(sizes[dataset].get(split, (0, 0)))


def cache_rows(sizes: Sizes, paths: Iterable[str]) -> int:
    """Rows of the caches named by their workflow paths (``results/caches/{d}/{s}.h5``)."""
    total = 0
    for path in paths:
        match = CACHE_PATH.match(path)
        if match is None:
            raise ValueError(f"not a cache path: {path}")
        total += split_rows(sizes, match["dataset"], match["split"])
    return total


# --------------------------------------------------------------------------- work per job


@dataclass(frozen=True)
class Work:
    """What one job computes: ``rows`` files, training rows or scored rows (see ``kind``)."""

    kind: str
    rows: int = 0
    val_rows: int = 0
    model: str | None = None
    #: False where the row count is an estimate (sampling keeps a data-dependent number).
    exact: bool = True


def run_model(config: Mapping[str, Any], run_name: str) -> str:
    """The detector a run trained: ``pretrained/{dataset}/{model}`` or an experiment's model."""
    parts = run_name.split("/")
    if parts[0] == "pretrained":
        return parts[2]
    return plan_training.experiment_model(config, parts[0])


def selected_rows(config: Mapping[str, Any], sizes: Sizes, experiment: str, setting: str) -> int:
    """Training rows of a retrained detector.

    Experiment 2 and 4 keep ``rate x class size`` rows of a class's samples of interest (the
    rows the pretrained detector classifies correctly, at most all of them): an upper-bound
    estimate. Experiment 3 draws N per class per corpus: exact unless de-duplication leaves
    a corpus fewer than N.
    """
    if experiment == "exp2":
        match = EXP2_SETTING.match(setting)
        if match is None:
            raise ValueError(f"not an Experiment-2 setting: {setting}")
        n_bona, n_spoof = sizes[config["experiment2"]["source_dataset"]]["train"]
        return round(float(match["b"]) * n_bona) + round(float(match["s"]) * n_spoof)
    if experiment == "exp3":
        n = int(setting.removeprefix("n"))
        return 2 * n * len(config["experiment3"]["datasets"])
    exp = config["experiment4"]
    total = 0
    for name in config["experiment3"]["datasets"]:
        n_bona, n_spoof = sizes[name]["train"]
        total += round(exp["bonafide_rate"] * n_bona) + round(exp["spoof_rate"] * n_spoof)
    return total


def job_work(job: Job, config: Mapping[str, Any], sizes: Sizes) -> Work:
    """The work of one job, from the corpus sizes and the config (no data is read)."""
    wc = job.wildcards
    if job.rule == "cache_shard":
        n = split_rows(sizes, wc["dataset"], wc["split"])
        k, shard = config["caches"]["n_shards"], int(wc["shard"])
        return Work("extract", (shard + 1) * n // k - shard * n // k)
    if job.rule == "fingerprints":
        return Work("fingerprint", split_rows(sizes, wc["dataset"], wc["split"]))
    if job.rule in ("pretrain", "pretrain_attack_aware"):
        n_train = split_rows(sizes, wc["dataset"], "train")
        val = plan_training.validation_caches(config, wc["dataset"])
        if val:
            return Work("train", n_train, cache_rows(sizes, val), wc["model"])
        n_val = round(0.1 * n_train)  # the 10 % hold-out of pretrain_validation_args
        return Work("train", n_train - n_val, n_val, wc["model"])
    if job.rule == "train_selected":
        experiment = wc["experiment"]
        n_train = selected_rows(config, sizes, experiment, wc["setting"])
        n_val = cache_rows(sizes, plan_training.experiment_val_caches(config, experiment))
        model = plan_training.experiment_model(config, experiment)
        # Estimated: sampled training rows (Experiments 2, 4), or a validation set of the dev
        # splits less training rows and copies (Experiments 3, 4), priced whole.
        return Work("train", n_train, n_val, model, exact=False)
    if job.rule == "score":
        n = split_rows(sizes, wc["eval_dataset"], wc["eval_split"])
        return Work("score", n, model=run_model(config, wc["run"]))
    if job.rule == "score_eval_data":
        exp3 = config["experiment3"]
        n = 2 * exp3["eval_n_per_class"] * len(exp3["datasets"])
        return Work("score", n, model=run_model(config, wc["run"]), exact=False)
    if job.rule in ("embed", "embed_source"):
        return Work("embed", split_rows(sizes, wc["dataset"], wc["split"]), model=wc["model"])
    return Work("untimed")


def job_stage(job: Job, config: Mapping[str, Any]) -> str:
    """The experiment (or shared stage) a job is counted under.

    Scores of a pretrained detector count for Experiment 1 when Table 1 compares it, else
    for Experiment 2 (its full-data reference).
    """
    if job.rule in RULE_STAGES:
        return RULE_STAGES[job.rule]
    wc = job.wildcards
    if job.rule in ("significance", "per_attack_table"):
        return TABLE_STAGES[wc["table"]]
    if "experiment" in wc:
        return f"Experiment {wc['experiment'].removeprefix('exp')}"
    run_name = wc.get("run") or wc.get("scored", "")
    parts = run_name.split("/")
    if parts[0].startswith("exp"):
        return f"Experiment {parts[0].removeprefix('exp')}"
    if parts[0] == "pretrained":
        exp1 = config["experiment1"]
        if parts[1] == exp1["train_dataset"] and parts[2] in exp1["models"]:
            return "Experiment 1"
        return "Experiment 2"
    raise ValueError(f"no stage for job {job}")


# --------------------------------------------------------------------------- projection


@dataclass(frozen=True)
class Throughput:
    """Measured rates on one device: samples, rows or files per second."""

    device: str
    threads: int
    train: dict[str, float]
    score: dict[str, float]
    embed: dict[str, float]
    extract: float | None = None
    fingerprint: float | None = None


def epoch_bounds(config: Mapping[str, Any]) -> tuple[int, int]:
    """Fewest and most epochs a training job runs: ``patience + 1`` and ``max_epochs``."""
    t = config["training"]
    return min(t["patience"] + 1, t["max_epochs"]), t["max_epochs"]


def job_seconds(work: Work, rates: Throughput, epochs: int) -> float | None:
    """Projected seconds of one job at the measured rates; None when not timed.

    A GPU throughput has no extraction or fingerprint rate: those rules run on CPUs.
    """
    if work.kind == "extract":
        return None if rates.extract is None else work.rows / rates.extract
    if work.kind == "fingerprint":
        return None if rates.fingerprint is None else work.rows / rates.fingerprint
    if work.kind == "train":
        assert work.model is not None
        per_epoch = work.rows / rates.train[work.model] + work.val_rows / rates.score[work.model]
        return epochs * per_epoch
    if work.kind == "score":
        assert work.model is not None
        return work.rows / rates.score[work.model]
    if work.kind == "embed":
        assert work.model is not None
        return work.rows / rates.embed[work.model]
    return None


@dataclass
class StageCost:
    """Projected cost of one stage (or rule): hours at the fewest and the most epochs."""

    name: str
    jobs: int = 0
    timed: int = 0
    gpu_jobs: int = 0
    cpu_hours: list[float] = field(default_factory=lambda: [0.0, 0.0])
    gpu_hours: list[float] | None = None
    rows: int = 0
    estimated: bool = False


def project(
    jobs: Sequence[Job],
    config: Mapping[str, Any],
    sizes: Sizes,
    cpu: Throughput,
    gpu: Throughput | None,
    by: str = "stage",
) -> list[StageCost]:
    """Per-stage (``by="stage"``) or per-rule totals of the projected CPU- and GPU-hours.

    CPU-hours are core-hours: every job on the CPU at ``cpu``'s rates, seconds x threads.
    GPU-hours cover the GPU rules only, at ``gpu``'s rates (None: not measured).
    """
    low, high = epoch_bounds(config)
    costs: dict[str, StageCost] = {}
    order = list(STAGES) if by == "stage" else []
    for job in jobs:
        key = job_stage(job, config) if by == "stage" else job.rule
        if key not in costs:
            costs[key] = StageCost(key, gpu_hours=None if gpu is None else [0.0, 0.0])
            if key not in order:
                order.append(key)
        cost = costs[key]
        work = job_work(job, config, sizes)
        cost.jobs += 1
        cost.rows += work.rows
        cost.estimated |= not work.exact
        for i, epochs in enumerate((low, high)):
            seconds = job_seconds(work, cpu, epochs)
            if seconds is not None:
                cost.cpu_hours[i] += seconds * cpu.threads / 3600
            if gpu is not None and cost.gpu_hours is not None and job.rule in GPU_RULES:
                gpu_seconds = job_seconds(work, gpu, epochs)
                cost.gpu_hours[i] += (gpu_seconds or 0.0) / 3600
        cost.timed += int(job_seconds(work, cpu, high) is not None)
        cost.gpu_jobs += int(job.rule in GPU_RULES)
    return [costs[k] for k in order if k in costs]


def total_cost(costs: Sequence[StageCost]) -> StageCost:
    """The sum of several stages' costs."""
    total = StageCost("whole paper", gpu_hours=[0.0, 0.0])
    for cost in costs:
        total.jobs += cost.jobs
        total.timed += cost.timed
        total.gpu_jobs += cost.gpu_jobs
        total.rows += cost.rows
        total.estimated |= cost.estimated
        total.cpu_hours = [a + b for a, b in zip(total.cpu_hours, cost.cpu_hours, strict=True)]
        if cost.gpu_hours is None:
            total.gpu_hours = None
        elif total.gpu_hours is not None:
            total.gpu_hours = [a + b for a, b in zip(total.gpu_hours, cost.gpu_hours, strict=True)]
    return total


def cache_sizes(config: Mapping[str, Any], sizes: Sizes, row_bytes: float) -> list[tuple[str, int]]:
    """(cache path, bytes) of every cache the paper builds, at ``row_bytes`` per row."""
    paths = plan_caches.all_caches(config)
    return [(path, round(cache_rows(sizes, [path]) * row_bytes)) for path in paths]


# --------------------------------------------------------------------------- formatting


def hours(pair: Sequence[float]) -> str:
    """``a-b`` hours, or one figure when the epoch count does not matter."""
    low, high = (f"{h:,.1f}" if h < 100 else f"{h:,.0f}" for h in pair)
    return low if low == high else f"{low}-{high}"


def gpu_cell(cost: StageCost, pending: str) -> str:
    """The GPU-hours cell: measured hours, "-" for CPU-only stages, or ``pending``."""
    if cost.gpu_jobs == 0:
        return "-"
    if cost.gpu_hours is None:
        return pending
    return hours(cost.gpu_hours)


def cost_rows(costs: Sequence[StageCost], pending: str) -> list[list[str]]:
    """Table cells per stage, then the total: name, jobs, timed jobs, CPU-h, GPU-h."""
    rows = []
    for cost in [*costs, total_cost(costs)]:
        name = cost.name + (" (est.)" if cost.estimated else "")
        rows.append(
            [
                name,
                f"{cost.jobs}",
                f"{cost.timed}",
                hours(cost.cpu_hours),
                gpu_cell(cost, pending),
            ]
        )
    return rows


def text_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Left-aligned first column, right-aligned numbers, for the terminal."""
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(
            c.ljust(w) if i == 0 else c.rjust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        )

    return "\n".join([line(header), *(line(r) for r in rows)])


def markdown_table(
    header: Sequence[str], rows: Sequence[Sequence[str]], text_columns: int = 1
) -> str:
    """A GitHub-flavoured markdown table: the first ``text_columns`` left-aligned, numbers
    right-aligned."""
    align = [("---" if i < text_columns else "---:") for i in range(len(header))]
    lines = [header, align, *rows]
    return "\n".join("| " + " | ".join(cells) + " |" for cells in lines)


def gigabytes(n_bytes: float) -> str:
    """Decimal gigabytes, one decimal."""
    return f"{n_bytes / 1e9:,.1f}"


def summary_line(costs: Sequence[StageCost], cache_bytes: float, pending: str) -> str:
    """The benchmark's last line: jobs, CPU-hours, GPU-hours and cache disk for the paper."""
    total = total_cost(costs)
    gpu = pending if total.gpu_hours is None else f"{hours(total.gpu_hours)} GPU-hours"
    return (
        f"paper cost: {total.jobs} jobs, {hours(total.cpu_hours)} CPU-hours, {gpu}, "
        f"caches {gigabytes(cache_bytes)} GB"
    )


STAGE_HEADER = ("stage", "jobs", "timed jobs", "CPU-hours", "GPU-hours")
RULE_HEADER = ("rule", "jobs", "rows (files) in all", "CPU-hours", "GPU-hours")


@dataclass
class Report:
    """Everything the terminal output and the generated page show."""

    costs: list[StageCost]
    rule_costs: list[StageCost]
    caches: list[tuple[str, int]]
    cpu: Throughput
    gpu: Throughput | None
    epochs: tuple[int, int]
    sources: dict[str, str]
    sizes: Sizes
    row_bytes: float
    pending: str
    notes: dict[str, str] = field(default_factory=dict)

    @property
    def cache_bytes(self) -> int:
        """Disk taken by all the paper's caches."""
        return sum(size for _, size in self.caches)


def rule_rows(report: Report) -> list[list[str]]:
    """Per-rule cells of the timed rules: where the hours go."""
    return [
        [
            f"`{c.name}`" + (" (est.)" if c.estimated else ""),
            f"{c.jobs}",
            f"{c.rows:,}",
            hours(c.cpu_hours),
            gpu_cell(c, report.pending),
        ]
        for c in report.rule_costs
        if c.timed
    ]


def rate_rows(report: Report) -> list[list[str]]:
    """Measured throughput per model and device."""
    out = []
    devices = [report.cpu, *([report.gpu] if report.gpu is not None else [])]
    for model in sorted(report.cpu.train):
        for rates in devices:
            out.append(
                [
                    f"`{model}`",
                    f"{rates.device} ({rates.threads} threads)",
                    f"{rates.train[model]:,.1f}",
                    f"{rates.score[model]:,.1f}",
                    f"{rates.embed[model]:,.1f}" if model in rates.embed else "-",
                ]
            )
    return out


def render_doc(report: Report, meta: Mapping[str, str]) -> str:
    """The markdown page: machine, command, measured rates, and the projected costs."""
    low, high = report.epochs
    cpu = report.cpu
    pending_note = (
        "GPU-hours are pending: this machine has no GPU. Run the same command on a machine "
        "with one (`--device cuda`) to fill them in."
        if report.gpu is None
        else f"GPU-hours: measured on {meta.get('gpu', 'the GPU')}, mixed precision."
    )
    cache_cells = [
        [f"`{path}`", f"{cache_rows(report.sizes, [path]):,}", gigabytes(size)]
        for path, size in report.caches
    ]
    cache_cells.append(["all caches", "", gigabytes(report.cache_bytes)])
    size_cells = [
        [name, split, f"{b:,}", f"{s:,}"]
        for name, splits in report.sizes.items()
        for split, (b, s) in splits.items()
    ]
    extract = f"{cpu.extract:,.1f}" if cpu.extract else "not measured"
    fingerprint = f"{cpu.fingerprint:,.1f}" if cpu.fingerprint else "not measured"
    lines = [
        "# What the paper costs",
        "",
        "<!-- Generated by bench/bench_paper_cost.py; do not edit by hand. -->",
        "",
        "Projected compute of `config/paper.yaml` (every job of `snakemake -n all`), from "
        "throughput measured on one machine. It is a projection, not a measured run: seconds per "
        "job = work / measured per-sample throughput. Regenerate it with the command below.",
        "",
        f"- command: `{meta['command']}`",
        f"- date: {meta['date']}; git commit: `{meta['commit']}`",
        f"- machine: {meta['cpu']}, {meta['cores']} CPU cores usable; torch {meta['torch']}; "
        f"benchmark run time {meta['runtime']}; load average {meta['load']} (the machine is "
        "shared: a load above the core count slows every measured rate)",
        f"- {pending_note}",
        "",
        "## Cost per experiment",
        "",
        f"CPU-hours are core-hours ({cpu.threads}-thread wall seconds x {cpu.threads}) with every "
        "job on CPUs at the rates measured here; one job at a time on this machine takes CPU-hours "
        f"/ {cpu.threads} hours of wall time. GPU-hours cover the rules that ask for a GPU on a "
        "cluster (training, scoring, embedding); caches and fingerprints stay on CPUs. A range is "
        f"training at {low} epochs (the fewest: `patience` + 1) to {high} epochs "
        "(`max_epochs`, the most); the paper's early stopping ends each run somewhere between, "
        'depending on the data, so no single expected figure is given. "(est.)" marks rows whose '
        "row counts are estimates (see below).",
        "",
        markdown_table(STAGE_HEADER, cost_rows(report.costs, report.pending)),
        "",
        '"timed jobs" are the jobs projected from a measurement; the rest (manifests, cache '
        "merges, sampling, validation selections, metrics, tables, the t-SNE of Figure 1, the "
        "k-means of Experiment 4, the duplicate search, and the significance bootstraps, whose "
        "cost grows with evaluation rows x seeds x resamples) are counted but not timed, so "
        "the totals leave them out.",
        "",
        "## Where the hours go",
        "",
        markdown_table(RULE_HEADER, rule_rows(report)),
        "",
        "## Measured throughput",
        "",
        f"Training: samples/s of `run_train_epoch` (batch 64, {N_MELS} x {N_FRAMES} rows in "
        "memory, median step after a warm-up). Scoring and embedding: rows/s of `score_rows` "
        "(batch 128) on a cache of random rows; validation is priced at the scoring rate. "
        f"Log-mel extraction (`build_shard`): {extract} files/s; duplicate fingerprints "
        f"(`build_fingerprints`): {fingerprint} files/s, both on synthetic 3-4 s files "
        "(16 kHz FLAC and 22.05 kHz WAV); real files of other lengths and formats differ.",
        "",
        markdown_table(
            ("model", "device", "training samples/s", "scoring rows/s", "embedding rows/s"),
            rate_rows(report),
        ),
        "",
        "## Cache disk",
        "",
        f"{report.row_bytes:,.0f} bytes per row, measured on a shard written by `build_shard` "
        f"({FEATURE_BYTES:,} bytes of float16 features plus the row's index and the file's "
        "header); while a split is merged, its temporary shards take as much again.",
        "",
        markdown_table(("cache", "rows", "GB"), cache_cells),
        "",
        "## What is exact and what is an estimate",
        "",
        "- The job list is exact: the dry run of `config/paper.yaml` on synthetic manifests.",
        "- Corpus sizes:",
        "",
        markdown_table(("corpus", "split", "bonafide", "spoof"), size_cells, text_columns=2),
        "",
        *(f"  - {name}: {source}" for name, source in report.sources.items()),
        *(f"- {note}" for note in report.notes.values()),
        "",
    ]
    return "\n".join(lines)


ROW_NOTES = {
    "exp2": "Experiment 2 trains on rate x class size rows of ASVspoof 2019 LA train, "
    "assuming the pretrained detector classifies every row correctly (the samples of "
    "interest are at most all rows): an upper-bound estimate.",
    "exp3": "Experiment 3 trains on N x 2 classes x 3 corpora rows (exact unless "
    "de-duplication leaves a corpus fewer than N) and scores eval_n_per_class x 2 x 3 rows "
    'of "eval data" (at most).',
    "exp4": "Experiment 4 keeps bonafide_rate x bonafide + spoof_rate x spoof rows of each "
    "corpus' train split (Algorithm 2's cluster rule may keep fewer): an estimate.",
    "val": "Experiments 3 and 4 validate on the corpora's dev splits less training rows and "
    "copies; the whole dev splits are priced (at most).",
    "rates": "Throughput is measured on random features with freshly initialised models; a "
    "step costs the same whatever the values, but the machine may be shared, so timings are "
    "noisy.",
}


# --------------------------------------------------------------------------- measurement


def timed(action: Callable[[], object]) -> float:
    """Seconds ``action()`` takes (synchronised on CUDA so queued kernels count)."""
    if torch.cuda.is_available():
        torch.cuda.synchronize()
    started = time.perf_counter()
    action()
    if torch.cuda.is_available():
        torch.cuda.synchronize()
    return time.perf_counter() - started


def median_step_seconds(
    model: torch.nn.Module,
    source: Any,
    rows: Any,
    batches: Sequence[np.ndarray],
    device: torch.device,
) -> float:
    """Median seconds of one training step (``run_train_epoch`` on one batch), the first
    step left out as a warm-up.

    The median of single steps resists bursts of load on a shared machine better than a sum.
    """
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    scaler = torch.amp.GradScaler(device.type, enabled=uses_mixed_precision(device))
    times = [
        timed(lambda p=p: run_train_epoch(model, source, rows, [p], optimizer, scaler, device, 1))
        for p in batches
    ]
    return float(np.median(times[1:]))


def measure_models(
    models: Sequence[str],
    embedded: Iterable[str],
    device: torch.device,
    threads: int,
    steps: int,
    score_rows_n: int,
    batch_size: int = 64,
) -> Throughput:
    """Training and scoring rates of each model on ``device``; embedding rates of the models
    in ``embedded`` only (the others are never embedded, so timing them would waste minutes
    on a shared machine).

    Set up as ``train`` does: deterministic kernels on the CPU (``seed_everything``) and the
    in-memory feature source ``open_features`` picks; scoring reads the cache file, as the
    score and embed commands do.
    """
    torch.set_num_threads(threads)
    n_rows = max(score_rows_n, 4 * batch_size)
    rng = np.random.default_rng(0)
    batches = [rng.choice(n_rows, batch_size, replace=False) for _ in range(steps + 1)]
    train, score, embed = {}, {}, {}
    with tempfile.TemporaryDirectory(prefix="bench_paper_cost_") as tmp:
        cache = Path(tmp) / "random.h5"
        write_random_cache(cache, n_rows, seed=1)
        rows = index_caches([cache])
        source = open_features(rows, device=device)
        scored = rows.subset(np.arange(score_rows_n))
        warm = rows.subset(np.arange(min(batch_size, score_rows_n)))
        try:
            for name in models:
                seed_everything(0, device)
                model = create_model(name).to(device)
                train[name] = batch_size / median_step_seconds(model, source, rows, batches, device)
                score_rows(model, warm, device, 128)
                score[name] = score_rows_n / timed(
                    lambda m=model: score_rows(m, scored, device, 128)
                )
                if name in embedded:
                    embed[name] = score_rows_n / timed(
                        lambda m=model: score_rows(m, scored, device, 128, with_embeddings=True)
                    )
                embedding = f", embedding {embed[name]:,.1f} rows/s" if name in embed else ""
                print(
                    f"{name} on {device}: training {train[name]:,.1f} samples/s, "
                    f"scoring {score[name]:,.1f} rows/s{embedding}",
                    flush=True,
                )
        finally:
            source.close()
    return Throughput(str(device.type), threads, train, score, embed)


def measure_audio(n_files: int, threads: int) -> tuple[float, float, float]:
    """Files/s of log-mel extraction and of fingerprints, and bytes per cache row.

    The shard ``build_shard`` writes is a real cache, so its size per row is the disk a row
    takes (plus its share of the file header).
    """
    torch.set_num_threads(threads)
    with tempfile.TemporaryDirectory(prefix="bench_paper_cost_audio_") as tmp:
        folder = Path(tmp)
        paths = write_corpus(folder, max(1, n_files // 2), seed=0)
        manifest = manifest_for(paths)
        cache, quarantine = folder / "bench.h5", folder / "bench.quarantine.tsv"

        def extract_shard(rows: Any) -> None:
            build_shard(rows, cache, quarantine, FeatureParams(), seed=0, workers=threads)

        extract_shard(manifest.iloc[:8])  # warm-up: libraries, resampler, STFT buffers
        extract = len(paths) / timed(lambda: extract_shard(manifest))
        row_bytes = cache.stat().st_size / len(paths)
        labels = (manifest["label"] == "bonafide").to_numpy().astype(np.int8)
        columns = [manifest[c].tolist() for c in ("utt_id", "path")]
        fingerprint = len(paths) / timed(
            lambda: build_fingerprints(
                *columns,
                labels,
                manifest["attack"].tolist(),
                folder / "fingerprints.h5",
                dataset="bench",
                split="train",
                workers=threads,
            )
        )
    print(
        f"audio ({len(paths)} files, {threads} threads): log-mel {extract:,.1f} files/s, "
        f"fingerprints {fingerprint:,.1f} files/s, cache {row_bytes:,.0f} bytes/row",
        flush=True,
    )
    return extract, fingerprint, row_bytes


# --------------------------------------------------------------------------- main


def machine_meta(command: str, runtime_s: float, load: str, gpu: str | None) -> dict[str, str]:
    """Machine, software and provenance facts for the page's header."""
    cpu = platform.processor() or "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    proc = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True
    )
    meta = {
        "cpu": cpu,
        "cores": str(len(os.sched_getaffinity(0))),
        "torch": torch.__version__,
        "commit": proc.stdout.strip() or "unknown",
        "command": command,
        "date": datetime.now(UTC).strftime("%Y-%m-%d"),
        "runtime": f"{runtime_s:.0f} s",
        "load": load,
    }
    if gpu is not None:
        meta["gpu"] = gpu
    return meta


def validated(config: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``config`` with the schema's defaults filled in, as Snakemake sees it."""
    out = copy.deepcopy(config)
    validate(out, str(REPO / "schemas" / "config.schema.yaml"))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--steps", type=int, default=3, help="timed training steps per model")
    parser.add_argument(
        "--score-rows", type=int, default=128, help="rows scored and embedded per model"
    )
    parser.add_argument("--files", type=int, default=32, help="synthetic audio files timed")
    parser.add_argument("--threads", type=int, default=2, help="torch threads on the CPU")
    parser.add_argument("--models", nargs="+", default=list(MODELS), choices=MODELS)
    parser.add_argument(
        "--device",
        default="auto",
        choices=["auto", "cpu", "cuda"],
        help="cuda (or auto with a GPU) also measures the GPU rules on the GPU",
    )
    parser.add_argument("--write-doc", type=Path, default=None, help="write the markdown page")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    load_start = os.getloadavg()[0]
    try:
        device = resolve_device(args.device)  # before minutes of work: cuda without a GPU fails
    except RuntimeError as err:
        raise SystemExit(f"error: {err}") from None

    with tempfile.TemporaryDirectory(prefix="bench_paper_cost_dag_") as tmp:
        raw = yaml.safe_load((REPO / "config" / "paper.yaml").read_text())
        config = paper_config(Path(tmp) / "roots", raw["caches"]["n_shards"])
        workdir = Path(tmp) / "work"
        workdir.mkdir()
        jobs, dry_s = plan_jobs(workdir, config)
    full = validated(config)
    sizes, sources = corpus_sizes(full)
    print(f"plan: {len(jobs)} jobs of config/paper.yaml (dry run {dry_s:.1f} s)", flush=True)

    works = [job_work(job, full, sizes) for job in jobs]
    missing = {w.model for w in works} - set(args.models) - {None}
    if missing:
        raise SystemExit(f"error: the plan trains {sorted(missing)}; add them to --models")
    embedded = {w.model for w in works if w.kind == "embed"}
    cpu = measure_models(
        args.models, embedded, torch.device("cpu"), args.threads, args.steps, args.score_rows
    )
    extract, fingerprint, row_bytes = measure_audio(args.files, args.threads)
    cpu = Throughput(cpu.device, cpu.threads, cpu.train, cpu.score, cpu.embed, extract, fingerprint)
    gpu = gpu_name = None
    if device.type == "cuda":
        gpu = measure_models(
            args.models, embedded, device, args.threads, args.steps, args.score_rows
        )
        gpu_name = torch.cuda.get_device_name(device)
    pending = "GPU-hours pending (no GPU on this machine)"

    report = Report(
        costs=project(jobs, full, sizes, cpu, gpu),
        rule_costs=project(jobs, full, sizes, cpu, gpu, by="rule"),
        caches=cache_sizes(full, sizes, row_bytes),
        cpu=cpu,
        gpu=gpu,
        epochs=epoch_bounds(full),
        sources=sources,
        sizes=sizes,
        row_bytes=row_bytes,
        pending="pending" if gpu is None else "",
        notes=ROW_NOTES,
    )
    low, high = report.epochs
    print(
        f"\nprojected from measured per-sample throughput (not a measured run); CPU-hours are "
        f"core-hours at {cpu.threads} threads; ranges: {low} to {high} epochs per training job"
    )
    print(text_table(STAGE_HEADER, cost_rows(report.costs, report.pending)))
    print("(est.): row counts estimated from rates x class sizes; see --write-doc's page")
    if gpu is None:
        print("GPU-hours: pending (no GPU on this machine)")
    load = f"{load_start:.1f} at the start, {os.getloadavg()[0]:.1f} at the end"
    print(f"load average: {load} ({len(os.sched_getaffinity(0))} CPUs usable)")
    if args.write_doc is not None:
        command = "python bench/bench_paper_cost.py " + " ".join(
            argv if argv is not None else sys.argv[1:]
        )
        meta = machine_meta(command.strip(), time.perf_counter() - started, load, gpu_name)
        args.write_doc.write_text(render_doc(report, meta), encoding="utf-8")
        print(f"wrote {args.write_doc}")
    print(summary_line(report.costs, report.cache_bytes, pending if gpu is None else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
