"""Wildcard constraints and the rules' input functions and params.

Every ``get_<what>`` function is a thin wrapper: the planning logic (paths, run specs,
argument lists) lives in the stage planners of ``workflow_scripts.planning`` (one module
per rules file, imported here as ``plan_<stage>``) and is tested there
(tests/test_planning.py). Argument lists are lists of words, passed as ``{params.x:q}``.
"""

from workflow_scripts.planning import best_epochs as plan_best_epochs
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
from workflow_scripts.sampling.methods import SELECTION_METHODS
from workflow_scripts.planning.config import (
    RATE_TAG_PATTERN,
    check_dataset_roles,
    check_eval_sets,
    exp2_grid,
)

DATASETS = list(config["datasets"])

# Fail at parse time, naming the entry, on a rate outside (0, 1] or a repeated grid point, and
# on an evaluation set of an unknown dataset or split, or with a label used twice, and on a
# training role given to a corpus without train and dev splits.
exp2_grid(config)
check_eval_sets(config)
check_dataset_roles(config)


wildcard_constraints:
    dataset="|".join(DATASETS),
    split="train|dev|eval",
    shard=r"\d+",
    eval_dataset="|".join(DATASETS),
    eval_split="train|dev|eval",
    run=r"(pretrained/[^/]+/[^/]+)|(exp[234]/[^/]+/seed\d+)",
    method="|".join(SELECTION_METHODS),
    brate=RATE_TAG_PATTERN,
    srate=RATE_TAG_PATTERN,
    seed=r"\d+",
    n=r"\d+",
    experiment="exp2|exp3|exp4",
    setting=r"[^/]+",
    model=r"[^/]+",
    source="attack_aware|stage[1-9]",


# ------------------------------------------------------- targets (Snakefile, rules/caches.smk)


def get_all_caches():
    """Every (dataset, split) log-mel cache."""
    return plan_caches.all_caches(config)


def get_all_quarantine_lists():
    return plan_caches.all_quarantine_lists(config)


# ------------------------------------------------------- demo corpora, manifests (demo.smk, ...)


def get_dataset_format(wildcards):
    return plan_corpora.dataset_format(config, wildcards.dataset)


def get_demo_sizes(wildcards):
    return plan_corpora.demo_sizes_json(config, wildcards.dataset)


def get_demo_durations(wildcards):
    return plan_corpora.demo_durations(config)


def get_demo_args(wildcards):
    return plan_corpora.demo_args(config, wildcards.dataset)


def get_demo_corpus(wildcards):
    """The generated demo corpus a manifest reads, for a dataset without a root."""
    if plan_corpora.is_demo(config, wildcards.dataset):
        return [plan_corpora.demo_dir(wildcards.dataset)]
    return []


def get_dataset_json(wildcards):
    return plan_corpora.dataset_json(config, wildcards.dataset)


# ------------------------------------------------------- caches (rules/caches.smk)


def get_features_json(wildcards):
    return plan_caches.features_json(config)


def get_cache_shards(wildcards):
    return plan_caches.shard_files(config, wildcards.dataset, wildcards.split, "h5")


def get_shard_quarantine_lists(wildcards):
    return plan_caches.shard_files(
        config, wildcards.dataset, wildcards.split, "quarantine.tsv"
    )


def get_split_quarantine_lists(wildcards):
    return plan_caches.split_quarantine_lists(config, wildcards.dataset)


# ------------------------------------------------------- training (rules/training.smk)


def get_pretrain_train_cache(wildcards):
    return plan_caches.cache_path(wildcards.dataset, "train")


def get_pretrain_val_caches(wildcards):
    return plan_training.validation_caches(config, wildcards.dataset)


def get_pretrain_training_args(wildcards):
    return plan_training.training_args(config, wildcards.model)


def get_pretrain_data_args(wildcards, input):
    return plan_training.pretrain_validation_args(input.val)


def get_experiment_train_caches(wildcards):
    return plan_training.experiment_train_caches(config, wildcards.experiment)


def get_experiment_val_caches(wildcards):
    return plan_training.experiment_val_caches(config, wildcards.experiment)


def get_experiment_val_selection(wildcards):
    return plan_training.experiment_val_selection(
        wildcards.experiment, wildcards.setting, wildcards.seed
    )


def get_selected_training_args(wildcards):
    return plan_training.selected_training_args(
        config, wildcards.experiment, wildcards.seed
    )


def get_selected_data_args(wildcards, input):
    return plan_training.selected_data_args(
        input.selection, input.val, input.val_selection
    )


def get_val_selection_cache_args(wildcards):
    return plan_training.exp34_val_cache_args(config, wildcards.experiment)


def get_run_seed(wildcards):
    """Seed of repetition ``{seed}`` (random draws and retraining)."""
    return plan_training.run_seed(config, wildcards.seed)


# ------------------------------------------------------- embeddings (rules/embeddings.smk)


def get_threshold_caches(wildcards):
    return plan_embeddings.embedding_threshold_caches(config, wildcards.dataset)


def get_threshold_args(wildcards, input):
    return plan_embeddings.threshold_args(input.threshold_caches)


def get_exp2_embeddings(wildcards):
    return plan_embeddings.exp2_embeddings(config)


def get_exp2_diagnostics(wildcards):
    """NC1 and the distance distributions of Experiment 2's samples of interest."""
    return plan_embeddings.exp2_diagnostics(config)


# ------------------------------------------------------- Experiment 1 (rules/evaluation.smk)


def get_exp1_table_metrics(wildcards):
    return plan_experiment1.exp1_table_metrics(config)


def get_exp1_table_args(wildcards):
    return plan_experiment1.exp1_table_args(config)


# ------------------------------------------------------- Experiment 2 (rules/experiment2.smk)


def get_bonafide_rate(wildcards):
    """The configured rate behind the path tag (exact, never re-parsed from the path)."""
    return plan_experiment2.exp2_rate_arg(config, wildcards.brate, "bonafide")


def get_spoof_rate(wildcards):
    return plan_experiment2.exp2_rate_arg(config, wildcards.srate, "spoof")


def get_exp2_table_inputs(wildcards):
    return plan_experiment2.exp2_table_inputs(config)


def get_exp2_table_args(wildcards):
    return plan_experiment2.exp2_table_args(config)


# ------------------------------------------------------- duplicates (rules/duplicates.smk)


def get_duplicate_scan_fingerprints(wildcards):
    return plan_duplicates.duplicate_scan_fingerprints(config)


def get_duplicate_scan_args(wildcards):
    return plan_duplicates.duplicate_scan_args(config)


def get_expected_demo_duplicates(wildcards):
    return plan_duplicates.expected_demo_duplicates(config)


def get_expected_demo_args(wildcards, input):
    return plan_duplicates.expected_demo_args(input.expected)


# ------------------------------------------------------- Experiment 3 (rules/experiment3.smk)


def get_exp3_eval_caches(wildcards):
    return plan_experiment3.exp3_caches(config, "eval")


def get_exp3_eval_cache_args(wildcards):
    return plan_experiment3.exp3_cache_args(config, "eval")


def get_exp3_pool_caches(wildcards):
    """experiment3.pool: train, or train + dev."""
    return plan_experiment3.exp3_pool_caches(config)


def get_exp3_pool_args(wildcards):
    return plan_experiment3.exp3_pool_args(config)


def get_score_selection_args(wildcards, input):
    return plan_experiment3.score_selection_args(input.selection)


def get_exp3_table_metrics(wildcards):
    return plan_experiment3.exp3_table_metrics(config)


def get_exp3_table_summaries(wildcards):
    return plan_experiment3.exp3_table_summary_files(config)


def get_exp3_table_entry_args(wildcards):
    return plan_experiment3.exp3_table_entry_args(config)


def get_exp3_table_summary_args(wildcards):
    return plan_experiment3.exp3_table_summary_args(config)


# ------------------------------------------------------- Experiment 4 (rules/experiment4.smk)


def get_exp4_embeddings(wildcards):
    """Train embeddings Algorithm 2 clusters: Experiment 4's own or an ablation source's."""
    return plan_experiment4.source_embedding_files(
        config, wildcards.get("source", "binary")
    )


def get_exp4_embedding_args(wildcards):
    return plan_experiment4.source_embedding_args(
        config, wildcards.get("source", "binary")
    )


def get_exp4_k_max_args(wildcards):
    return plan_experiment4.exp4_k_max_args(config)


def get_exp4_train_caches(wildcards):
    """The random control draws from the train splits, as the full method does."""
    return plan_experiment3.exp3_caches(config, "train")


def get_exp4_train_cache_args(wildcards):
    return plan_experiment3.exp3_cache_args(config, "train")


def get_exp4_table_files(wildcards):
    return plan_experiment4.exp4_table_files(config)


def get_exp4_table_args(wildcards):
    return plan_experiment4.exp4_table_args(config)


def get_table_metric_args(wildcards):
    return plan_common.table_metric_args(config)


def get_exp4_sources_table_files(wildcards):
    return plan_experiment4.exp4_sources_table_files(config)


def get_exp4_sources_table_args(wildcards):
    return plan_experiment4.exp4_sources_table_args(config)


# ------------------------------------------ embedding sources (training.smk, embeddings.smk)


def get_attack_aware_training_args(wildcards):
    return plan_experiment4.attack_aware_training_args(config, wildcards.model)


def get_embedding_checkpoint(wildcards):
    """The detector an embedding comes from (attack-aware or binary)."""
    source = wildcards.get("source", "binary")
    return plan_experiment4.source_checkpoint(
        source, wildcards.dataset, wildcards.model
    )


def get_embedding_layer_args(wildcards):
    return plan_experiment4.source_layer_args(wildcards.get("source", "binary"))


# ----------------------------------------------------- significance (rules/significance.smk)


def get_significance_scores(wildcards):
    return plan_significance.significance_files(config, wildcards.table)


def get_significance_manifests(wildcards):
    """Manifests of the evaluation sets compared: the bootstrap resamples their speakers."""
    return plan_significance.significance_manifests(config, wildcards.table)


def get_significance_args(wildcards):
    return plan_significance.significance_args(config, wildcards.table)


def get_exp2_significance(wildcards):
    """Experiment 2's significance table (nc vs controls, each method vs full data)."""
    return plan_significance.significance_table(config, "table_exp2")


def get_exp2_significance_args(wildcards):
    return plan_significance.significance_table_args(config, "table_exp2")


def get_exp3_significance(wildcards):
    return plan_significance.significance_table(config, "table2")


def get_exp3_significance_args(wildcards):
    return plan_significance.significance_table_args(config, "table2")


def get_exp4_significance(wildcards):
    return plan_significance.significance_table(config, "table_exp4")


def get_exp4_significance_args(wildcards):
    return plan_significance.significance_table_args(config, "table_exp4")


def get_exp4_sources_significance(wildcards):
    return plan_significance.significance_table(config, "table_exp4_sources")


def get_exp4_sources_significance_args(wildcards):
    return plan_significance.significance_table_args(config, "table_exp4_sources")


# ------------------------------------------------------------------------ scheduling


def get_demo_priority(wildcards):
    return plan_caches.demo_priority(config, wildcards.dataset)


def get_training_priority(wildcards):
    return plan_caches.training_priority(wildcards.experiment, wildcards.setting)


# ------------------------------------------------------- per-attack tables (rules/per_attack.smk)


def get_condition_tables(wildcards):
    """Per-condition companions, for tables with an evaluation set that has conditions."""
    return plan_per_attack.condition_tables(config)


def get_condition_files(wildcards):
    return plan_per_attack.condition_files(config, wildcards.table)


def get_condition_args(wildcards):
    return plan_per_attack.condition_args(config, wildcards.table)


def get_per_attack_files(wildcards):
    return plan_per_attack.per_attack_files(config, wildcards.table)


def get_per_attack_args(wildcards):
    return plan_per_attack.per_attack_args(config, wildcards.table)


# ------------------------------------------- kept epochs (rules/training.smk, table rules)


def get_table1_training(wildcards):
    """training.json of each run behind a table: its note names runs that kept epoch 1-2."""
    return plan_best_epochs.table_training_summaries(config, "table1")


def get_exp2_training(wildcards):
    return plan_best_epochs.table_training_summaries(config, "table_exp2")


def get_exp3_training(wildcards):
    return plan_best_epochs.table_training_summaries(config, "table2")


def get_exp4_training(wildcards):
    return plan_best_epochs.table_training_summaries(config, "table_exp4")


def get_exp4_sources_training(wildcards):
    return plan_best_epochs.table_training_summaries(config, "table_exp4_sources")


def get_training_summary_args(wildcards, input):
    return plan_best_epochs.training_summary_args(input.training)


def get_best_epochs_files(wildcards):
    """training.json of every run target all trains."""
    return plan_best_epochs.best_epochs_files(config)


def get_best_epochs_args(wildcards):
    return plan_best_epochs.best_epochs_args(config)
