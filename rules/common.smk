"""Shared input functions, wildcard constraints and config helpers."""

import json
import shlex

from workflow_scripts.planning.config import exp2_grid, exp2_rate, exp2_settings as _exp2_settings, exp3_pool, RATE_TAG_PATTERN, resolve_dataset, SPLITS_BY_FORMAT_NAMES

DATASETS = list(config["datasets"])


wildcard_constraints:
    dataset="|".join(DATASETS),
    split="train|dev|eval",
    shard=r"\d+",
    eval_dataset="|".join(DATASETS),
    eval_split="train|dev|eval",
    run=r"(pretrained/[^/]+/[^/]+)|(exp[234]/[^/]+/seed\d+)",
    method="nc|random_interest|random_all",
    brate=RATE_TAG_PATTERN,
    srate=RATE_TAG_PATTERN,
    seed=r"\d+",
    n=r"\d+",
    experiment="exp2|exp3|exp4",
    setting=r"[^/]+",


def dataset_format(name):
    return config["datasets"][name]["format"]


def is_demo(name):
    return config["datasets"][name].get("root") is None


def demo_dir(name):
    return f"results/demo/{name}"


def dataset_json(name):
    """The adapter config of a dataset, with the demo folder as root when root is null."""
    return json.dumps(
        resolve_dataset(name, config["datasets"][name], demo_dir(name)), sort_keys=True
    )


def splits_of(name):
    return SPLITS_BY_FORMAT_NAMES[dataset_format(name)]


def cache_path(name, split):
    return f"results/caches/{name}/{split}.h5"


def all_caches():
    return [cache_path(d, s) for d in DATASETS for s in splits_of(d)]


def all_quarantine_lists():
    return [f"results/quarantine/{d}.tsv" for d in DATASETS]


def shard_files(name, split, suffix):
    n = config["caches"]["n_shards"]
    return [f"results/caches/{name}/{split}/shard{i}.{suffix}" for i in range(n)]


def demo_options(name):
    """Format-specific demo flags (FoR variant, WaveFake vocoders)."""
    cfg = resolve_dataset(name, config["datasets"][name], demo_dir(name))
    if cfg["format"] == "for":
        return f"--variant {cfg['variant']}"
    if cfg["format"] == "wavefake":
        return "--vocoders " + " ".join(cfg["vocoders"])
    return ""


def validation_caches(name):
    """The dev split validates where a corpus has one; otherwise a hold-out of train does."""
    return [cache_path(name, "dev")] if "dev" in splits_of(name) else []


def validation_args(name):
    caches = validation_caches(name)
    if caches:
        return "--val-caches " + " ".join(caches)
    return "--val-fraction 0.1"


def run_seed(index):
    """Seed of repetition ``index`` of a configuration (training and random draws)."""
    return config["seed"] + 1000 * int(index)


def training_args(model, seed=None):
    """Recipe flags shared by every training job; a changed value reruns the jobs it affects."""
    t = config["training"]
    kwargs = json.dumps(config["models"].get(model, {}), sort_keys=True)
    seed = config["seed"] if seed is None else seed
    return (
        f"--model {model} --model-kwargs-json '{kwargs}' --max-epochs {t['max_epochs']}"
        f" --patience {t['patience']} --batch-size {t['batch_size']}"
        f" --learning-rate {t['learning_rate']} --seed {seed}"
        f" --device {config['device']} --max-memory-mb {t['max_memory_mb']}"
        f" --val-loss {t['val_loss']}"
    )


def embedding_threshold_caches(name):
    """Dev caches that calibrate the "correctly classified" decision (embeddings.decision_threshold: dev_eer)."""
    if config["embeddings"]["decision_threshold"] == "dev_eer":
        return validation_caches(name)
    return []


def exp2_embeddings():
    exp = config["experiment2"]
    return f"results/embeddings/{exp['source_dataset']}/{exp['source_model']}/train.h5"


def exp2_settings():
    """(method, bonafide rate tag, spoof rate tag) for every Experiment-2 grid point (lossless tags)."""
    return _exp2_settings(config)


def exp2_rate_arg(tag, which):
    """The configured rate behind a path tag, as exact text for the sampler's command line."""
    return repr(exp2_rate(config, tag, which))


# Fail at parse time, naming the grid entry, on a rate outside (0, 1] or a repeated grid point.
exp2_grid(config)


def experiment_datasets(experiment):
    if experiment == "exp2":
        return [config["experiment2"]["source_dataset"]]
    return list(config["experiment3"]["datasets"])


def experiment_model(experiment):
    if experiment == "exp2":
        return config["experiment2"]["model"]
    return config["experiment3"]["model"]


def experiment_train_caches(experiment):
    """Caches the training selection draws from: Experiment 3's pool (experiment3.pool), else train splits."""
    if experiment == "exp3":
        return exp3_pool_caches()
    return [cache_path(d, "train") for d in experiment_datasets(experiment)]


def experiment_val_caches(experiment):
    """Dev splits validate; a corpus without one contributes no validation rows."""
    caches = [c for d in experiment_datasets(experiment) for c in validation_caches(d)]
    if not caches:
        raise ValueError(
            f"{experiment}: none of {experiment_datasets(experiment)} has a dev split to validate on"
        )
    return caches


def experiment_val_selection(wildcards):
    """Experiments 3 and 4 validate on a de-duplicated dev selection; Experiment 2 on its whole dev split."""
    if wildcards.experiment in ("exp3", "exp4"):
        return f"results/sampling/{wildcards.experiment}/{wildcards.setting}/seed{wildcards.seed}.val.tsv"
    return []


def eval_set_metrics(run):
    """{row label: metrics path} of a model run on the Table-1 evaluation sets."""
    return {
        ev["name"]: f"results/metrics/{run}/{ev['dataset']}/{ev['split']}.json"
        for ev in config["experiment1"]["eval_sets"]
    }


def table1_cells():
    """(row label, model, metrics path) for every cell group of Table 1."""
    exp = config["experiment1"]
    cells = []
    for model in exp["models"]:
        metrics = eval_set_metrics(f"pretrained/{exp['train_dataset']}/{model}")
        cells += [(name, model, path) for name, path in metrics.items()]
    return cells


def table1_metrics(wildcards):
    return [path for _, _, path in table1_cells()]


def table1_entries(wildcards):
    return " ".join(
        f"--entry {shlex.quote(name)} {model} {path}"
        for name, model, path in table1_cells()
    )


def exp2_runs():
    """One spec per trained Experiment-2 run (JSON-ready), and the full-data reference."""
    exp = config["experiment2"]
    runs = []
    for method, b, s in exp2_settings():
        for seed in range(exp["seeds"]):
            setting = f"{method}_b{b}_s{s}"
            run = f"exp2/{setting}/seed{seed}"
            runs.append(
                {
                    "method": method,
                    "bonafide_rate": exp2_rate(config, b, "bonafide"),
                    "spoof_rate": exp2_rate(config, s, "spoof"),
                    "seed": seed,
                    "summary": f"results/sampling/exp2/{setting}/seed{seed}.json",
                    "history": f"results/models/{run}/history.csv",
                    "metrics": eval_set_metrics(run),
                }
            )
    src = exp["source_dataset"]
    reference_run = f"pretrained/{src}/{exp['model']}"
    reference = {
        "seed": 0,
        "summary": f"results/nc/{src}/{exp['source_model']}/diagnostics.json",
        "history": f"results/models/{reference_run}/history.csv",
        "metrics": eval_set_metrics(reference_run),
    }
    return runs, reference


def _spec_files(spec):
    return [spec["summary"], spec["history"], *spec["metrics"].values()]


def exp2_table_inputs(wildcards):
    runs, reference = exp2_runs()
    return {
        "runs": [f for spec in runs for f in _spec_files(spec)],
        "reference": _spec_files(reference),
    }


def exp2_table_args(wildcards):
    runs, reference = exp2_runs()
    args = [f"--run {shlex.quote(json.dumps(spec, sort_keys=True))}" for spec in runs]
    args.append(f"--reference {shlex.quote(json.dumps(reference, sort_keys=True))}")
    return " ".join(args)


def exp3_caches(split):
    return [cache_path(d, split) for d in config["experiment3"]["datasets"]]


def exp3_cache_args(split):
    """``--cache name=path`` flags, always in the configured corpus order (it decides which duplicate is kept)."""
    return " ".join(
        f"--cache {d}={cache_path(d, split)}" for d in config["experiment3"]["datasets"]
    )


def exp3_pool_caches():
    """Caches of the Experiment-3 training pool (experiment3.pool: train, or train + dev)."""
    return [cache_path(d, s) for d, s in exp3_pool(config, splits_of)]


def exp3_pool_args():
    """``--cache name:split=path`` flags of the pool, corpora in configured order."""
    return " ".join(
        f"--cache {d}:{s}={cache_path(d, s)}" for d, s in exp3_pool(config, splits_of)
    )


def exp34_val_cache_args(experiment):
    """``--cache name:dev=path`` flags of the dev splits that validate Experiments 3 and 4."""
    return " ".join(
        f"--cache {d}:dev={cache_path(d, 'dev')}"
        for d in experiment_datasets(experiment)
        if "dev" in splits_of(d)
    )


def exp3_dedup_caches():
    """(dataset, split, cache) scanned for cross-corpus duplicates: every split of the Exp-3 corpora."""
    return [
        (d, s, cache_path(d, s))
        for d in config["experiment3"]["datasets"]
        for s in splits_of(d)
    ]


def exp3_expected_duplicates(wildcards):
    """The demo FoR corpus lists its planted LJSpeech duplicates; check the detector finds them."""
    for name in config["experiment3"]["datasets"]:
        if dataset_format(name) == "for" and is_demo(name):
            return [demo_dir(name)]
    return []


def exp34_eval_metrics(run):
    """{row label: metrics path} on "eval data" and In-the-Wild."""
    itw = config["experiment3"]["itw_dataset"]
    return {
        "eval data": f"results/metrics/{run}/eval_data.json",
        "In the wild": f"results/metrics/{run}/{itw}/eval.json",
    }


def table2_cells():
    """(N, row label, metrics path) for every run of Experiment 3."""
    exp = config["experiment3"]
    cells = []
    for n in exp["n_per_class"]:
        for seed in range(exp["seeds"]):
            metrics = exp34_eval_metrics(f"exp3/n{n}/seed{seed}")
            cells += [(n, name, path) for name, path in metrics.items()]
    return cells


def table2_summaries():
    """(N, repetition, sampling summary) of every Experiment-3 run: the realised counts of Table 2."""
    exp = config["experiment3"]
    return [
        (n, seed, f"results/sampling/exp3/n{n}/seed{seed}.json")
        for n in exp["n_per_class"]
        for seed in range(exp["seeds"])
    ]


def exp4_embeddings():
    model = config["experiment4"]["source_model"]
    return [
        (d, f"results/embeddings/{d}/{model}/train.h5")
        for d in config["experiment3"]["datasets"]
    ]


def exp4_runs():
    runs = []
    for method in ("full_method", "random_matched"):
        for seed in range(config["experiment4"]["seeds"]):
            run = f"exp4/{method}/seed{seed}"
            runs.append(
                {
                    "method": method,
                    "seed": seed,
                    "summary": f"results/sampling/{run}.json",
                    "history": f"results/models/{run}/history.csv",
                    "metrics": exp34_eval_metrics(run),
                }
            )
    return runs


# ------------------------------------------------------- duplicates (rules/duplicates.smk)


def fingerprint_path(name, split):
    return f"results/fingerprints/{name}/{split}.h5"


def get_dedup_fingerprints(wildcards):
    """Fingerprint files of every split of the Experiment-3 corpora, in the configured order."""
    return [fingerprint_path(d, s) for d, s, _ in exp3_dedup_caches()]


def get_dedup_fingerprint_args(wildcards):
    """``--fingerprints dataset:split=path`` flags for find_duplicates, in the configured corpus order."""
    return " ".join(
        f"--fingerprints {d}:{s}={fingerprint_path(d, s)}"
        for d, s, _ in exp3_dedup_caches()
    )
