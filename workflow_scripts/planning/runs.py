"""Plan the workflow's jobs from the validated config: paths, run specs and argument lists.

Every function here is pure: it takes the config dict as Snakemake holds it after
``validate`` (schema defaults filled in) plus plain values (a dataset name, a
wildcard value) and returns paths, run specs or command-line words. The rules see
them through thin ``get_<what>(wildcards)`` wrappers in ``rules/common.smk``;
keeping the logic here makes it testable without Snakemake
(``tests/test_planning.py``).

Argument lists (``*_args``) hold one string per command-line word; a rule passes
them as ``{params.x:q}``, which quotes each word on its own. An empty list adds
nothing to the command.

Path conventions: ``results/caches/{dataset}/{split}.h5`` (log-mel caches),
``results/metrics/{run}/...json`` (metrics of a model run), where a run is
``pretrained/{dataset}/{model}`` or ``exp{2,3,4}/{setting}/seed{i}``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from workflow_scripts.datasets import ATTACK_ID_FORMATS, CONDITION_FORMATS
from workflow_scripts.metrics.table_metrics import DEFAULT_TABLE_METRICS
from workflow_scripts.planning.config import (
    SPLITS_BY_FORMAT_NAMES,
    demo_sizes,
    exp2_rate,
    exp2_settings,
    exp3_pool,
    rate_tag,
    resolve_dataset,
)
from workflow_scripts.sampling.methods import (
    FULL_METHOD,
    TREATMENT,
    selection_method,
)

Config = Mapping[str, Any]
#: One path or several: a named input of a rule is a string for one file, else a list.
Paths = str | Sequence[str]
#: A run spec of the Experiment-2/4 tables: method, seed, summary, history, metrics, ...
RunSpec = dict[str, Any]

#: The two arms of Experiment 4, in table order.
EXP4_METHODS = ("full_method", "random_matched")
#: Embedding source of Experiment 4 itself: its paths carry no source suffix.
BINARY_SOURCE = "binary"
#: Source pretrained with an attack-id head (corpora without attack ids fall back to binary).
ATTACK_AWARE_SOURCE = "attack_aware"


def _paths(paths: Paths) -> list[str]:
    return [paths] if isinstance(paths, str) else list(paths)


def repeat_option(option: str, values: Iterable[str | Sequence[str]]) -> list[str]:
    """The words of ``option`` given once per value; a sequence value is several words after
    one ``option`` (``--entry N LABEL PATH``)."""
    return [word for v in values for word in (option, *([v] if isinstance(v, str) else v))]


# --------------------------------------------------------------------------- datasets


def dataset_format(config: Config, name: str) -> str:
    return config["datasets"][name]["format"]


def is_demo(config: Config, name: str) -> bool:
    """A dataset without a ``root`` is the built-in demo corpus."""
    return config["datasets"][name].get("root") is None


def demo_dir(name: str) -> str:
    return f"results/demo/{name}"


def dataset_splits(config: Config, name: str) -> tuple[str, ...]:
    """The splits dataset ``name`` provides (by its format)."""
    return SPLITS_BY_FORMAT_NAMES[dataset_format(config, name)]


def resolved_dataset(config: Config, name: str) -> dict[str, Any]:
    """The adapter config of a dataset, with the demo folder as root when root is null."""
    return resolve_dataset(name, config["datasets"][name], demo_dir(name))


def dataset_json(config: Config, name: str) -> str:
    return json.dumps(resolved_dataset(config, name), sort_keys=True)


def demo_sizes_json(config: Config, name: str) -> str:
    """The ``demo.<format>`` block of a dataset's format, as JSON."""
    return json.dumps(demo_sizes(config, dataset_format(config, name)), sort_keys=True)


def demo_durations(config: Config) -> list[str]:
    """``demo.duration_s`` (shortest and longest clip), one word each."""
    return [str(x) for x in config["demo"]["duration_s"]]


def demo_args(config: Config, name: str) -> list[str]:
    """Format-specific demo flags (FoR variant, WaveFake vocoders)."""
    cfg = resolved_dataset(config, name)
    if cfg["format"] == "for":
        return ["--variant", cfg["variant"]]
    if cfg["format"] == "wavefake":
        return ["--vocoders", *cfg["vocoders"]]
    return []


# --------------------------------------------------------------------------- caches


def demo_priority(config: Config, name: str) -> int:
    """Files the demo generator writes for ``name``: its scheduling priority.

    Snakemake starts the jobs of higher priority first; starting the longest demo
    generator first keeps the two cores of a laptop busy instead of leaving the longest
    one (and everything that waits on it) for last.
    """
    fmt = dataset_format(config, name)
    sizes = demo_sizes(config, fmt)
    if fmt == "wavefake":
        vocoders = resolved_dataset(config, name).get("vocoders") or []
        return int(sizes["n_utterances"]) * (1 + len(vocoders))
    if fmt == "mlaad":
        per_language = int(sizes["bonafide_per_language"]) + int(
            sizes["models_per_language"]
        ) * int(sizes["spoof_per_model"])
        return int(sizes["n_languages"]) * per_language
    blocks = [sizes] if "bonafide" in sizes else [v for v in sizes.values() if isinstance(v, dict)]
    return sum(int(b["bonafide"]) + int(b["spoof"]) for b in blocks)


def training_priority(experiment: str, setting: str) -> int:
    """Scheduling priority of a retraining: N for Experiment 3's ``n{N}`` (largest first), else 0.

    Of the runs ready at the same time the one with the most data takes longest; started
    first, it finishes while the shorter ones share the other cores.
    """
    match = re.fullmatch(r"n(\d+)", setting)
    return int(match.group(1)) if experiment == "exp3" and match else 0


def cache_path(name: str, split: str) -> str:
    return f"results/caches/{name}/{split}.h5"


def all_caches(config: Config) -> list[str]:
    """Every (dataset, split) cache, datasets in configured order."""
    return [cache_path(d, s) for d in config["datasets"] for s in dataset_splits(config, d)]


def all_quarantine_lists(config: Config) -> list[str]:
    return [f"results/quarantine/{d}.tsv" for d in config["datasets"]]


def split_quarantine_lists(config: Config, name: str) -> list[str]:
    """The per-split quarantine lists of a dataset's caches (gathered into one list)."""
    return [f"results/caches/{name}/{s}.quarantine.tsv" for s in dataset_splits(config, name)]


def shard_files(config: Config, name: str, split: str, suffix: str) -> list[str]:
    n = config["caches"]["n_shards"]
    return [f"results/caches/{name}/{split}/shard{i}.{suffix}" for i in range(n)]


def features_json(config: Config) -> str:
    return json.dumps(config["features"], sort_keys=True)


# --------------------------------------------------------------------------- training


def validation_caches(config: Config, name: str) -> list[str]:
    """The dev split validates where a corpus has one; otherwise a hold-out of train does."""
    return [cache_path(name, "dev")] if "dev" in dataset_splits(config, name) else []


def pretrain_validation_args(val_caches: Paths) -> list[str]:
    """``--val-caches`` of a pretrained detector; without a dev split, a 10 % hold-out of train."""
    if _paths(val_caches):
        return ["--val-caches", *_paths(val_caches)]
    return ["--val-fraction", "0.1"]


def run_seed(config: Config, index: int | str) -> int:
    """Seed of repetition ``index`` of a configuration (training and random draws)."""
    return config["seed"] + 1000 * int(index)


def training_args(config: Config, model: str, seed: int | None = None) -> list[str]:
    """Recipe flags shared by every training job; a changed value reruns the jobs it affects."""
    t = config["training"]
    kwargs = json.dumps(config["models"].get(model, {}), sort_keys=True)
    seed = config["seed"] if seed is None else seed
    flags = {
        "--model": model,
        "--model-kwargs-json": kwargs,
        "--max-epochs": t["max_epochs"],
        "--patience": t["patience"],
        "--batch-size": t["batch_size"],
        "--learning-rate": t["learning_rate"],
        "--seed": seed,
        "--device": config["device"],
        "--max-memory-mb": t["max_memory_mb"],
        "--val-loss": t["val_loss"],
    }
    return [word for flag, value in flags.items() for word in (flag, str(value))]


def experiment_datasets(config: Config, experiment: str) -> list[str]:
    if experiment == "exp2":
        return [config["experiment2"]["source_dataset"]]
    return list(config["experiment3"]["datasets"])


def experiment_model(config: Config, experiment: str) -> str:
    if experiment == "exp2":
        return config["experiment2"]["model"]
    return config["experiment3"]["model"]


def selected_training_args(config: Config, experiment: str, seed: int | str) -> list[str]:
    """Recipe flags of a detector retrained on a sampled set (repetition ``seed``)."""
    return training_args(config, experiment_model(config, experiment), seed=run_seed(config, seed))


def experiment_train_caches(config: Config, experiment: str) -> list[str]:
    """Caches the training selection draws from: Experiment 3's pool, else train splits."""
    if experiment == "exp3":
        return exp3_pool_caches(config)
    return [cache_path(d, "train") for d in experiment_datasets(config, experiment)]


def experiment_val_caches(config: Config, experiment: str) -> list[str]:
    """Dev splits validate; a corpus without one contributes no validation rows."""
    datasets = experiment_datasets(config, experiment)
    caches = [c for d in datasets for c in validation_caches(config, d)]
    if not caches:
        raise ValueError(f"{experiment}: none of {datasets} has a dev split to validate on")
    return caches


def experiment_val_selection(experiment: str, setting: str, seed: str) -> list[str]:
    """Experiments 3 and 4 validate on a de-duplicated dev selection; Experiment 2 on all dev."""
    if experiment in ("exp3", "exp4"):
        return [f"results/sampling/{experiment}/{setting}/seed{seed}.val.tsv"]
    return []


def selected_data_args(selection: str, val_caches: Paths, val_selection: Paths) -> list[str]:
    """Training rows and validation data of a detector retrained on a sampled set."""
    args = ["--train-selection", selection, "--val-caches", *_paths(val_caches)]
    if _paths(val_selection):
        args += ["--val-selection", *_paths(val_selection)]
    return args


def exp34_val_cache_args(config: Config, experiment: str) -> list[str]:
    """``--cache name:dev=path`` flags of the dev splits that validate Experiments 3 and 4."""
    dev = [d for d in experiment_datasets(config, experiment) if "dev" in dataset_splits(config, d)]
    return repeat_option("--cache", (f"{d}:dev={cache_path(d, 'dev')}" for d in dev))


# --------------------------------------------------------------------------- embeddings


def embedding_threshold_caches(config: Config, name: str) -> list[str]:
    """Dev caches that calibrate "correctly classified" (embeddings.decision_threshold: dev_eer)."""
    if config["embeddings"]["decision_threshold"] == "dev_eer":
        return validation_caches(config, name)
    return []


def threshold_args(threshold_caches: Paths) -> list[str]:
    """``--threshold-caches`` of the decision-threshold calibration, if any."""
    caches = _paths(threshold_caches)
    return ["--threshold-caches", *caches] if caches else []


def exp2_embeddings(config: Config) -> str:
    exp = config["experiment2"]
    return f"results/embeddings/{exp['source_dataset']}/{exp['source_model']}/train.h5"


def exp2_diagnostics(config: Config) -> str:
    """The neural-collapse diagnostics of Experiment 2's samples of interest (target ``all``)."""
    exp = config["experiment2"]
    return f"results/nc/{exp['source_dataset']}/{exp['source_model']}/diagnostics.json"


# --------------------------------------------------------------------------- tables



def table_metric_args(config: Config) -> list[str]:
    """``--metric`` per ``tables.metrics`` entry, or nothing for the default (each table's own
    set and order, so the paper's tables and their rule params stay as they were)."""
    metrics = tuple(config["tables"]["metrics"])
    return [] if metrics == DEFAULT_TABLE_METRICS else repeat_option("--metric", metrics)


# --------------------------------------------------------------------------- Experiment 1


def extra_eval_metrics(config: Config, run: str) -> dict[str, str]:
    """{label: metrics path} of a model run on ``extra_eval_sets`` (every table's extras)."""
    return {
        ev["name"]: f"results/metrics/{run}/{ev['dataset']}/{ev['split']}.json"
        for ev in config["extra_eval_sets"]
    }


def eval_set_metrics(config: Config, run: str) -> dict[str, str]:
    """{row label: metrics path} of a model run on the Table-1 evaluation sets and the extras."""
    return {
        **{
            ev["name"]: f"results/metrics/{run}/{ev['dataset']}/{ev['split']}.json"
            for ev in config["experiment1"]["eval_sets"]
        },
        **extra_eval_metrics(config, run),
    }


def exp1_table_cells(config: Config) -> list[tuple[str, str, str]]:
    """(row label, model, metrics path) for every cell group of Table 1."""
    exp = config["experiment1"]
    cells = []
    for model in exp["models"]:
        metrics = eval_set_metrics(config, f"pretrained/{exp['train_dataset']}/{model}")
        cells += [(name, model, path) for name, path in metrics.items()]
    return cells


def exp1_table_metrics(config: Config) -> list[str]:
    return [path for _, _, path in exp1_table_cells(config)]


def exp1_table_args(config: Config) -> list[str]:
    """``--entry <row label> <model> <metrics>`` for every cell group of Table 1."""
    return repeat_option("--entry", exp1_table_cells(config))


# --------------------------------------------------------------------------- Experiment 2


#: Method of Experiment 2's full-data reference (``sample_nc --method full``: every row).
EXP2_FULL = FULL_METHOD
#: Path tag of rate 1.0, the rates of the full-data reference.
FULL_RATE_TAG = rate_tag(1.0)


def exp2_rate_arg(config: Config, tag: str, which: str) -> str:
    """The configured rate behind a path tag, as exact text for the sampler's command line.

    Tag ``1.0`` is always valid: the full-data reference samples at rates 1.0 / 1.0 whether
    or not a grid point does.
    """
    if tag == FULL_RATE_TAG:
        return repr(1.0)
    return repr(exp2_rate(config, tag, which))


def exp2_trained_as(config: Config, method: str, bonafide_rate: float, spoof_rate: float) -> str:
    """The method whose training runs stand for ``method`` at a grid point: itself, unless a
    method before it selects the same rows by construction.

    At rates (1.0, 1.0) ``nc`` keeps every sample of interest and ``random_interest`` draws
    them all too: the same rows, so one run per seed serves both (training reads a selection
    in cache order, so the two files' row orders do not matter). ``random_all`` at (1.0, 1.0)
    draws as many rows as there are samples of interest from the whole split, which is the
    full set only when every training row is a sample of interest; the config cannot know
    that, so it keeps its own runs.
    """
    shared = (bonafide_rate, spoof_rate) == (1.0, 1.0) and selection_method(
        method
    ).pool == "interest"
    return TREATMENT if shared and TREATMENT in config["experiment2"]["methods"] else method


def exp2_run_spec(config: Config, method: str, b: str, s: str, seed: int) -> RunSpec:
    """The spec of ``method`` at rate tags (b, s), repetition ``seed``: its own run's files, or
    those of the run it shares (key ``trained_as``, see :func:`exp2_trained_as`)."""
    rates = {
        "bonafide_rate": 1.0 if method == EXP2_FULL else exp2_rate(config, b, "bonafide"),
        "spoof_rate": 1.0 if method == EXP2_FULL else exp2_rate(config, s, "spoof"),
    }
    trained_as = method
    if method != EXP2_FULL:
        trained_as = exp2_trained_as(config, method, rates["bonafide_rate"], rates["spoof_rate"])
    setting = f"{trained_as}_b{b}_s{s}"
    run = f"exp2/{setting}/seed{seed}"
    spec: RunSpec = {
        "method": method,
        **rates,
        "seed": seed,
        "summary": f"results/sampling/exp2/{setting}/seed{seed}.json",
        "history": f"results/models/{run}/history.csv",
        "metrics": eval_set_metrics(config, run),
    }
    if trained_as != method:
        spec["trained_as"] = trained_as
    return spec


def exp2_runs(config: Config) -> tuple[list[RunSpec], list[RunSpec]]:
    """One spec per Experiment-2 table entry (JSON-ready), and the full-data reference's, one
    per seed: the tiny ResNet trained on every training row with the same seeds."""
    seeds = range(config["experiment2"]["seeds"])
    runs = [
        exp2_run_spec(config, method, b, s, seed)
        for method, b, s in exp2_settings(config)
        for seed in seeds
    ]
    tag = FULL_RATE_TAG
    references = [exp2_run_spec(config, EXP2_FULL, tag, tag, seed) for seed in seeds]
    return runs, references


def spec_files(spec: RunSpec) -> list[str]:
    """The files a run spec points at: sampling summary, training history, metrics."""
    return [spec["summary"], spec["history"], *spec["metrics"].values()]


def spec_json(spec: RunSpec) -> str:
    return json.dumps(spec, sort_keys=True)


def exp2_table_inputs(config: Config) -> dict[str, list[str]]:
    """The files of every run spec; a shared run's files appear once."""
    runs, references = exp2_runs(config)
    return {
        "runs": list(dict.fromkeys(f for spec in runs for f in spec_files(spec))),
        "reference": [f for spec in references for f in spec_files(spec)],
    }


def exp2_table_args(config: Config) -> list[str]:
    """``--run <spec JSON>`` per run, then ``--reference <spec JSON>`` per reference seed."""
    runs, references = exp2_runs(config)
    return [
        *repeat_option("--run", map(spec_json, runs)),
        *repeat_option("--reference", map(spec_json, references)),
    ]


# --------------------------------------------------------------------------- Experiment 3


def exp3_caches(config: Config, split: str) -> list[str]:
    return [cache_path(d, split) for d in config["experiment3"]["datasets"]]


def exp3_cache_args(config: Config, split: str) -> list[str]:
    """``--cache name=path`` flags, always in the configured corpus order.

    The order decides which copy of a duplicate is kept.
    """
    datasets = config["experiment3"]["datasets"]
    return repeat_option("--cache", (f"{d}={cache_path(d, split)}" for d in datasets))


def _exp3_pool(config: Config) -> list[tuple[str, str]]:
    return exp3_pool(config, lambda name: dataset_splits(config, name))


def exp3_pool_caches(config: Config) -> list[str]:
    """Caches of the Experiment-3 training pool (experiment3.pool: train, or train + dev)."""
    return [cache_path(d, s) for d, s in _exp3_pool(config)]


def exp3_pool_args(config: Config) -> list[str]:
    """``--cache name:split=path`` flags of the pool, corpora in configured order."""
    return repeat_option("--cache", (f"{d}:{s}={cache_path(d, s)}" for d, s in _exp3_pool(config)))


def score_selection_args(selection: str) -> list[str]:
    """``--selection``: score only these rows of the caches (the "eval data" subset)."""
    return ["--selection", selection]


def exp34_eval_metrics(config: Config, run: str) -> dict[str, str]:
    """{row label: metrics path} on "eval data" and In-the-Wild."""
    itw = config["experiment3"]["itw_dataset"]
    return {
        "eval data": f"results/metrics/{run}/eval_data.json",
        "In the wild": f"results/metrics/{run}/{itw}/eval.json",
        **extra_eval_metrics(config, run),
    }


def exp3_table_cells(config: Config) -> list[tuple[int, str, str]]:
    """(N, row label, metrics path) for every run of Experiment 3."""
    exp = config["experiment3"]
    cells = []
    for n in exp["n_per_class"]:
        for seed in range(exp["seeds"]):
            metrics = exp34_eval_metrics(config, f"exp3/n{n}/seed{seed}")
            cells += [(n, name, path) for name, path in metrics.items()]
    return cells


def exp3_table_summaries(config: Config) -> list[tuple[int, int, str]]:
    """(N, repetition, sampling summary) of every Experiment-3 run: the realised counts."""
    exp = config["experiment3"]
    return [
        (n, seed, f"results/sampling/exp3/n{n}/seed{seed}.json")
        for n in exp["n_per_class"]
        for seed in range(exp["seeds"])
    ]


def exp3_table_metrics(config: Config) -> list[str]:
    return [path for _, _, path in exp3_table_cells(config)]


def exp3_table_summary_files(config: Config) -> list[str]:
    return [path for _, _, path in exp3_table_summaries(config)]


def exp3_table_entry_args(config: Config) -> list[str]:
    """``--entry <N> <row label> <metrics>`` for every run of Experiment 3."""
    cells = exp3_table_cells(config)
    return repeat_option("--entry", ((str(n), name, path) for n, name, path in cells))


def exp3_table_summary_args(config: Config) -> list[str]:
    """``--summary <N> <repetition> <sampling summary>`` for every run of Experiment 3."""
    summaries = exp3_table_summaries(config)
    return repeat_option("--summary", ((str(n), str(seed), path) for n, seed, path in summaries))


# --------------------------------------------------------------------------- duplicates


def fingerprint_path(name: str, split: str) -> str:
    return f"results/fingerprints/{name}/{split}.h5"


def duplicate_scan_splits(config: Config) -> list[tuple[str, str]]:
    """(dataset, split) scanned for cross-corpus duplicates: every split of the Exp-3 corpora."""
    return [(d, s) for d in config["experiment3"]["datasets"] for s in dataset_splits(config, d)]


def duplicate_scan_fingerprints(config: Config) -> list[str]:
    """Fingerprint files of the scanned splits, in the configured order."""
    return [fingerprint_path(d, s) for d, s in duplicate_scan_splits(config)]


def duplicate_scan_args(config: Config) -> list[str]:
    """``--fingerprints dataset:split=path`` flags, in the configured corpus order."""
    splits = duplicate_scan_splits(config)
    return repeat_option("--fingerprints", (f"{d}:{s}={fingerprint_path(d, s)}" for d, s in splits))


def expected_demo_duplicates(config: Config) -> list[str]:
    """The demo FoR corpus lists its planted LJSpeech duplicates; check the scan finds them."""
    for name in config["experiment3"]["datasets"]:
        if dataset_format(config, name) == "for" and is_demo(config, name):
            return [demo_dir(name)]
    return []


def expected_demo_args(demo_dirs: Paths) -> list[str]:
    """``--expected-demo`` with the planted-duplicates list of the demo FoR corpus, if any."""
    return repeat_option("--expected-demo", (f"{d}/demo_duplicates.tsv" for d in _paths(demo_dirs)))


# --------------------------------------------------------------------------- Experiment 4


def exp4_k_max_args(config: Config) -> list[str]:
    """``--k-max dataset=k`` flags (the number of spoof clusters Algorithm 2 may try)."""
    return repeat_option("--k-max", (f"{d}={k}" for d, k in config["experiment4"]["k_max"].items()))


def exp4_run_spec(config: Config, method: str, seed: int, setting: str) -> RunSpec:
    """The spec of one Experiment-4 run of ``method`` trained as ``exp4/{setting}/seed{seed}``."""
    run = f"exp4/{setting}/seed{seed}"
    return {
        "method": method,
        "seed": seed,
        "summary": f"results/sampling/{run}.json",
        "history": f"results/models/{run}/history.csv",
        "metrics": exp34_eval_metrics(config, run),
    }


def exp4_runs(config: Config) -> list[RunSpec]:
    """One spec per trained Experiment-4 run (JSON-ready): full method, then matched random."""
    seeds = range(config["experiment4"]["seeds"])
    return [exp4_run_spec(config, m, seed, m) for m in EXP4_METHODS for seed in seeds]


def exp4_table_files(config: Config) -> list[str]:
    return [f for spec in exp4_runs(config) for f in spec_files(spec)]


def exp4_table_args(config: Config) -> list[str]:
    """``--run <spec JSON>`` per Experiment-4 run."""
    return repeat_option("--run", map(spec_json, exp4_runs(config)))


# --------------------------------------------------------------------------- embedding sources


def exp4_sources(config: Config) -> list[str]:
    """Embedding sources of the Algorithm-2 ablation, in configured order."""
    return list(config["experiment4"]["embedding_sources"])


def source_stage(source: str) -> int | None:
    """N of a ``stage<N>`` source, else ``None``."""
    match = re.fullmatch(r"stage([1-9])", source)
    return int(match.group(1)) if match else None


def source_setting(method: str, source: str) -> str:
    """Experiment-4 setting of ``method`` on ``source``: ``full_method``, ``full_method-stage3``."""
    return method if source == BINARY_SOURCE else f"{method}-{source}"


def falls_back_to_binary(config: Config, name: str, source: str) -> bool:
    """An attack-aware detector needs attack ids; a corpus without them (FoR) uses binary."""
    return source == ATTACK_AWARE_SOURCE and dataset_format(config, name) not in ATTACK_ID_FORMATS


def attack_aware_checkpoint(name: str, model: str) -> str:
    return f"results/models/pretrained_attack_aware/{name}/{model}/best.pt"


def source_checkpoint(source: str, name: str, model: str) -> str:
    """The detector whose layers give ``source``'s embeddings (stages: the binary one)."""
    if source == ATTACK_AWARE_SOURCE:
        return attack_aware_checkpoint(name, model)
    return f"results/models/pretrained/{name}/{model}/best.pt"


def source_layer_args(source: str) -> list[str]:
    """``--stage N`` of a ``stage<N>`` source for ``embed``, else nothing (penultimate)."""
    stage = source_stage(source)
    return [] if stage is None else ["--stage", str(stage)]


def source_embeddings(config: Config, source: str) -> list[tuple[str, str]]:
    """(dataset, train embeddings) Algorithm 2 clusters for ``source``, per Experiment-3 corpus."""
    model = config["experiment4"]["source_model"]
    out = []
    for name in config["experiment3"]["datasets"]:
        if source == BINARY_SOURCE or falls_back_to_binary(config, name, source):
            out.append((name, f"results/embeddings/{name}/{model}/train.h5"))
        else:
            out.append((name, f"results/embeddings/{name}/{model}/{source}/train.h5"))
    return out


def source_embedding_files(config: Config, source: str) -> list[str]:
    return [path for _, path in source_embeddings(config, source)]


def source_embedding_args(config: Config, source: str) -> list[str]:
    """``--embeddings`` per corpus; for an ablation source also ``--source`` and ``--fallback``
    per corpus that falls back to binary."""
    embeddings = repeat_option(
        "--embeddings", (f"{d}:train={path}" for d, path in source_embeddings(config, source))
    )
    if source == BINARY_SOURCE:  # Experiment 4's own command, unchanged
        return embeddings
    fallbacks = [
        name
        for name in config["experiment3"]["datasets"]
        if falls_back_to_binary(config, name, source)
    ]
    return [*embeddings, "--source", source, *repeat_option("--fallback", fallbacks)]


def attack_aware_training_args(config: Config, model: str) -> list[str]:
    """Recipe flags of an attack-aware detector: the binary recipe plus the attack-loss weight."""
    weight = config["experiment4"]["attack_loss_weight"]
    return [*training_args(config, model), "--attack-loss-weight", str(weight)]


def exp4_source_runs(config: Config) -> list[RunSpec]:
    """Experiment-4 run specs of every embedding source (binary: Experiment 4's own runs)."""
    seeds = range(config["experiment4"]["seeds"])
    return [
        {"source": source, **exp4_run_spec(config, m, seed, source_setting(m, source))}
        for source in exp4_sources(config)
        for m in EXP4_METHODS
        for seed in seeds
    ]


def exp4_sources_table_files(config: Config) -> list[str]:
    return [f for spec in exp4_source_runs(config) for f in spec_files(spec)]


def exp4_sources_table_args(config: Config) -> list[str]:
    """``--run <spec JSON>`` per run of the embedding-source ablation."""
    return repeat_option("--run", map(spec_json, exp4_source_runs(config)))


# --------------------------------------------------------------------------- significance

#: Tables that get a significance companion ``results/{table}_significance.csv``.
SIGNIFICANCE_TABLES = ("table_exp2", "table2", "table_exp4", "table_exp4_sources")


def scores_of_metrics(path: str) -> str:
    """The score file a metrics file is computed from (rule ``metrics``)."""
    prefix, suffix = "results/metrics/", ".json"
    if not (path.startswith(prefix) and path.endswith(suffix)):
        raise ValueError(f"not a metrics path: {path!r}")
    return f"results/scores/{path[len(prefix) : -len(suffix)]}.tsv"


def _comparisons(
    setting: str,
    method: str,
    control: str,
    method_runs: Sequence[Mapping[str, str]],
    control_runs: Sequence[Mapping[str, str]],
) -> list[RunSpec]:
    """One comparison per evaluation set; each run is ``{eval set: metrics path}``."""
    return [
        {
            "setting": setting,
            "eval_set": name,
            "method": method,
            "control": control,
            "method_scores": [scores_of_metrics(run[name]) for run in method_runs],
            "control_scores": [scores_of_metrics(run[name]) for run in control_runs],
        }
        for name in method_runs[0]
    ]


def exp2_comparisons(config: Config) -> list[RunSpec]:
    """NC sampling against each random control at every grid point, then every method against
    the full-data reference; each with the sampling summaries that give its training shares.

    A comparison of a run with itself (``nc`` and a control sharing one run) or one already
    made (``random_interest`` sharing ``nc``'s run against the full set) is left out: it
    would add a zero or a repeated test to the Holm family.
    """
    runs, references = exp2_runs(config)
    by_setting: dict[tuple[str, float, float], list[RunSpec]] = {}
    for spec in runs:
        key = (spec["method"], spec["bonafide_rate"], spec["spoof_rate"])
        by_setting.setdefault(key, []).append(spec)
    methods = config["experiment2"]["methods"]
    pairs = []  # (setting, method, control, method runs, control runs)
    for method, b, s in by_setting:
        if method == TREATMENT:
            setting = f"b{rate_tag(b)}_s{rate_tag(s)}"
            for control in (m for m in methods if selection_method(m).role == "control"):
                pairs.append(
                    (
                        setting,
                        TREATMENT,
                        control,
                        by_setting[(method, b, s)],
                        by_setting[(control, b, s)],
                    )
                )
    for (method, b, s), specs in by_setting.items():
        pairs.append((f"b{rate_tag(b)}_s{rate_tag(s)}", method, EXP2_FULL, specs, references))
    comparisons: list[RunSpec] = []
    made: set[tuple[tuple[str, ...], tuple[str, ...]]] = set()
    for setting, method, control, method_runs, control_runs in pairs:
        sides = tuple(
            tuple(spec["history"] for spec in side) for side in (method_runs, control_runs)
        )
        if sides[0] == sides[1] or sides in made:
            continue
        made.add(sides)
        summaries = {
            "method_summary": method_runs[0]["summary"],
            "control_summary": control_runs[0]["summary"],
        }
        per_eval_set = _comparisons(
            setting,
            method,
            control,
            [run["metrics"] for run in method_runs],
            [run["metrics"] for run in control_runs],
        )
        comparisons += [{**spec, **summaries} for spec in per_eval_set]
    return comparisons


def exp3_comparisons(config: Config) -> list[RunSpec]:
    """Each N of Table 2 against the next smaller one (does doubling the data help?)."""
    cells = exp3_table_cells(config)
    by_n: dict[int, dict[str, list[str]]] = {}
    for n, name, path in cells:
        by_n.setdefault(n, {}).setdefault(name, []).append(path)
    sizes = sorted(by_n)
    comparisons = []
    for small, large in zip(sizes, sizes[1:], strict=False):
        runs = {
            n: [
                {name: paths[i] for name, paths in by_n[n].items()}
                for i in range(config["experiment3"]["seeds"])
            ]
            for n in (small, large)
        }
        comparisons += _comparisons("-", f"N={large}", f"N={small}", runs[large], runs[small])
    return comparisons


def exp4_comparisons(config: Config) -> list[RunSpec]:
    """The full method against matched random sampling, on every evaluation set."""
    runs = exp4_runs(config)
    arms = {m: [spec["metrics"] for spec in runs if spec["method"] == m] for m in EXP4_METHODS}
    return _comparisons("-", EXP4_METHODS[0], EXP4_METHODS[1], *arms.values())


def exp4_source_comparisons(config: Config) -> list[RunSpec]:
    """Per embedding source, its full method against its matched random control."""
    runs = exp4_source_runs(config)
    comparisons = []
    for source in exp4_sources(config):
        arms = [
            [spec["metrics"] for spec in runs if (spec["source"], spec["method"]) == (source, m)]
            for m in EXP4_METHODS
        ]
        comparisons += _comparisons(source, *EXP4_METHODS, *arms)
    return comparisons


def significance_comparisons(config: Config, table: str) -> list[RunSpec]:
    """The comparisons behind ``results/{table}_significance.csv``."""
    planners = {
        "table_exp2": exp2_comparisons,
        "table2": exp3_comparisons,
        "table_exp4": exp4_comparisons,
        "table_exp4_sources": exp4_source_comparisons,
    }
    if table not in planners:
        raise ValueError(f"no significance table for {table!r}; choose from {SIGNIFICANCE_TABLES}")
    return [
        {**spec, "manifests": eval_manifests(config, spec["method_scores"][0])}
        for spec in planners[table](config)
    ]


def eval_manifests(config: Config, scores: str) -> list[str]:
    """The manifests naming the speakers of a score file's evaluation set: its corpus', or
    for the "eval data" (``results/scores/<run>/eval_data.tsv``) those of the Experiment-3
    corpora it merges (its scores carry a ``dataset`` column to join on)."""
    if scores.endswith("/eval_data.tsv"):
        return [manifest_path(name) for name in config["experiment3"]["datasets"]]
    parts = scores.split("/")
    if len(parts) < 3 or parts[-2] not in config["datasets"]:
        raise ValueError(f"no dataset in score path {scores!r}")
    return [manifest_path(parts[-2])]


def significance_manifests(config: Config, table: str) -> list[str]:
    """Every manifest the comparisons of ``table`` read for speakers, each once."""
    specs = significance_comparisons(config, table)
    return list(dict.fromkeys(m for spec in specs for m in spec["manifests"]))


#: Optional comparison keys: the sampling summary of each side (its share of the training set).
SUMMARY_KEYS = ("method_summary", "control_summary")


def significance_files(config: Config, table: str) -> list[str]:
    """Every score file (and sampling summary) the comparisons of ``table`` read, each once."""
    files = [
        f
        for spec in significance_comparisons(config, table)
        for f in (
            *spec["method_scores"],
            *spec["control_scores"],
            *(spec[key] for key in SUMMARY_KEYS if key in spec),
        )
    ]
    return list(dict.fromkeys(files))


def significance_args(config: Config, table: str) -> list[str]:
    """``--comparison <JSON>`` per comparison of ``table``."""
    return repeat_option("--comparison", map(spec_json, significance_comparisons(config, table)))


def significance_table(config: Config, table: str) -> list[str]:
    """``[results/{table}_significance.csv]`` when ``table`` has comparisons, else ``[]``."""
    return [f"results/{table}_significance.csv"] if significance_comparisons(config, table) else []


def significance_table_args(config: Config, table: str) -> list[str]:
    """``--significance <table>`` for a table command, or nothing."""
    return repeat_option("--significance", significance_table(config, table))


# --------------------------------------------------------------------------- per-attack tables

#: Tables that get a per-attack companion ``results/{table}_per_attack.csv``.
PER_ATTACK_TABLES = ("table1", "table2")
PER_ATTACK_TITLES = {
    "table1": "Table 1 per attack: detectors trained on one corpus (EER-ROC)",
    "table2": "Table 2 per attack: N samples per class per corpus (EER-ROC)",
}


def manifest_path(name: str) -> str:
    return f"results/manifests/{name}.tsv"


def per_attack_cells(config: Config, table: str) -> list[tuple[str, str, str]]:
    """(evaluation set, column, metrics path): models of Table 1, N of Table 2."""
    if table == "table1":
        return exp1_table_cells(config)
    if table == "table2":
        return [(name, str(n), path) for n, name, path in exp3_table_cells(config)]
    raise ValueError(f"no per-attack table for {table!r}; choose from {PER_ATTACK_TABLES}")


def per_attack_training(config: Config, table: str) -> list[tuple[str, str]]:
    """(dataset, split) whose spoofs the table's detectors were trained on."""
    if table == "table1":
        return [(config["experiment1"]["train_dataset"], "train")]
    return _exp3_pool(config)


def per_attack_files(config: Config, table: str) -> list[str]:
    metrics = [path for _, _, path in per_attack_cells(config, table)]
    manifests = [manifest_path(name) for name, _ in per_attack_training(config, table)]
    return list(dict.fromkeys([*metrics, *manifests]))


def per_attack_args(config: Config, table: str) -> list[str]:
    """``--entry`` per cell, ``--seen`` per training split, ``--title``."""
    seen = ((manifest_path(name), split) for name, split in per_attack_training(config, table))
    return [
        *repeat_option("--entry", per_attack_cells(config, table)),
        *repeat_option("--seen", seen),
        "--title",
        PER_ATTACK_TITLES[table],
    ]


# --------------------------------------------------------------------------- per-condition tables

#: Tables that get a per-condition companion ``results/{table}_per_condition.csv`` when one of
#: their evaluation sets comes from a format with condition columns.
PER_CONDITION_TABLES = ("table1", "table2")
PER_CONDITION_TITLES = {
    "table1": "Table 1 per condition: detectors trained on one corpus (EER-ROC)",
    "table2": "Table 2 per condition: N samples per class per corpus (EER-ROC)",
}


def _condition_sets(config: Config, sets: Sequence[Mapping[str, str]]) -> list[Mapping[str, str]]:
    return [ev for ev in sets if dataset_format(config, ev["dataset"]) in CONDITION_FORMATS]


def condition_cells(config: Config, table: str) -> list[tuple[str, str, str, str]]:
    """(evaluation set, column, scores, manifest) of a table's cells whose corpus' manifest has
    condition columns (ASVspoof 2021, ASVspoof 5, MLAAD formats): the models of Table 1, each
    N and seed of Table 2 (its "eval data" mixes corpora and has no single manifest)."""
    if table == "table1":
        exp = config["experiment1"]
        sets = _condition_sets(config, [*exp["eval_sets"], *config["extra_eval_sets"]])
        runs = [(model, f"pretrained/{exp['train_dataset']}/{model}") for model in exp["models"]]
    elif table == "table2":
        exp = config["experiment3"]
        sets = _condition_sets(config, config["extra_eval_sets"])
        runs = [
            (str(n), f"exp3/n{n}/seed{seed}")
            for n in exp["n_per_class"]
            for seed in range(exp["seeds"])
        ]
    else:
        raise ValueError(
            f"no per-condition table for {table!r}; choose from {PER_CONDITION_TABLES}"
        )
    return [
        (
            ev["name"],
            column,
            f"results/scores/{run}/{ev['dataset']}/{ev['split']}.tsv",
            manifest_path(ev["dataset"]),
        )
        for column, run in runs
        for ev in sets
    ]


def condition_tables(config: Config) -> list[str]:
    """``results/{table}_per_condition.csv`` of each table with condition cells."""
    return [
        f"results/{table}_per_condition.csv"
        for table in PER_CONDITION_TABLES
        if condition_cells(config, table)
    ]


def condition_files(config: Config, table: str) -> list[str]:
    return list(dict.fromkeys(f for cell in condition_cells(config, table) for f in cell[2:]))


def condition_args(config: Config, table: str) -> list[str]:
    """``--entry`` per cell (repeated seeds are averaged), and the title."""
    cells = condition_cells(config, table)
    return [*repeat_option("--entry", cells), "--title", PER_CONDITION_TITLES[table]]


def figure1_other_png(config: Config) -> str:
    """Figure 1 in the colouring ``figure1.color_by`` does not choose (both go to the report)."""
    other = {"label": "attack", "attack": "label"}[config["figure1"]["color_by"]]
    return f"results/figures/figure1_tsne_by_{other}.png"


# --------------------------------------------------------------------------- kept epochs

#: The run summary each training job writes beside its checkpoint (docs/training.md).
TRAINING_SUMMARY_NAME = "training.json"
#: Tables whose Markdown names their runs that kept epoch 1 or 2, with their labels in
#: ``results/best_epochs.csv`` (``used_by``), in the order the best-epoch table lists runs.
BEST_EPOCH_TABLES = {
    "table1": "Table 1",
    "table_exp2": "Experiment 2",
    "table2": "Table 2",
    "table_exp4": "Experiment 4",
    "table_exp4_sources": "Experiment 4 sources",
}


def training_summary(run: str) -> str:
    """``results/models/{run}/training.json``: which epoch run ``run`` kept, and why."""
    return f"results/models/{run}/{TRAINING_SUMMARY_NAME}"


def _summaries_beside_histories(files: Iterable[str]) -> list[str]:
    """The training summary beside each ``history.csv`` among a table's input files."""
    suffix = "/history.csv"
    return list(
        dict.fromkeys(
            f"{f[: -len(suffix)]}/{TRAINING_SUMMARY_NAME}" for f in files if f.endswith(suffix)
        )
    )


def table_training_summaries(config: Config, table: str) -> list[str]:
    """The ``training.json`` of every run behind ``table``, each once, in table order."""
    if table == "table1":
        exp = config["experiment1"]
        return [training_summary(f"pretrained/{exp['train_dataset']}/{m}") for m in exp["models"]]
    if table == "table2":
        exp = config["experiment3"]
        return [
            training_summary(f"exp3/n{n}/seed{seed}")
            for n in exp["n_per_class"]
            for seed in range(exp["seeds"])
        ]
    if table == "table_exp2":
        return _summaries_beside_histories(
            f for files in exp2_table_inputs(config).values() for f in files
        )
    if table == "table_exp4":
        return _summaries_beside_histories(exp4_table_files(config))
    if table == "table_exp4_sources":
        return _summaries_beside_histories(exp4_sources_table_files(config))
    raise ValueError(f"no best-epoch note for {table!r}; choose from {list(BEST_EPOCH_TABLES)}")


def training_summary_args(summaries: Paths) -> list[str]:
    """``--training-summary`` per run of a table (its note names runs that kept epoch 1-2)."""
    return repeat_option("--training-summary", _paths(summaries))


def _checkpoint_run(checkpoint: str) -> str:
    """``pretrained/asvspoof2019/resnet`` of ``results/models/pretrained/.../best.pt``."""
    return checkpoint.removeprefix("results/models/").removesuffix("/best.pt")


def sampling_source_runs(config: Config) -> list[tuple[str, str]]:
    """(run, what uses it) of the pretrained detectors whose embeddings the samplers read:
    Experiment 2's source (Algorithm 1, Figure 1) and Experiment 4's per corpus and source."""
    exp2 = config["experiment2"]
    out = [
        (
            f"pretrained/{exp2['source_dataset']}/{exp2['source_model']}",
            "Experiment 2 embeddings",
        )
    ]
    model = config["experiment4"]["source_model"]
    sources: dict[str, list[str]] = {}  # run -> the Experiment-4 sources it gives
    for source in dict.fromkeys([BINARY_SOURCE, *exp4_sources(config)]):
        for name in config["experiment3"]["datasets"]:
            used = BINARY_SOURCE if falls_back_to_binary(config, name, source) else source
            run = _checkpoint_run(source_checkpoint(used, name, model))
            sources.setdefault(run, []).append(source)
    out += [(run, f"Experiment 4 embeddings ({', '.join(s)})") for run, s in sources.items()]
    return out


def best_epoch_runs(config: Config) -> list[tuple[str, str]]:
    """(training summary, what uses the run) of every run target ``all`` trains, each once:
    the runs of each table in :data:`BEST_EPOCH_TABLES` order, then the sampling sources."""
    used: dict[str, list[str]] = {}
    for table, label in BEST_EPOCH_TABLES.items():
        for path in table_training_summaries(config, table):
            used.setdefault(path, []).append(label)
    for run, label in sampling_source_runs(config):
        used.setdefault(training_summary(run), []).append(label)
    return [(path, "; ".join(dict.fromkeys(labels))) for path, labels in used.items()]


def best_epochs_files(config: Config) -> list[str]:
    return [path for path, _ in best_epoch_runs(config)]


def best_epochs_args(config: Config) -> list[str]:
    """``--entry <training.json> <used by>`` per trained run."""
    return repeat_option("--entry", best_epoch_runs(config))
