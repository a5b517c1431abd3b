"""Experiment 4 (the paper's Figure 2, future work): Algorithms 1 + 2 per corpus vs random."""


rule sample_full_method:
    input:
        embeddings=get_exp4_embeddings,
        duplicates="results/duplicates/pairs.tsv",
    output:
        selection="results/sampling/exp4/full_method/seed{seed}.tsv",
        summary="results/sampling/exp4/full_method/seed{seed}.json",
        clusters="results/sampling/exp4/full_method/seed{seed}.clusters.tsv",
    log:
        "results/logs/sampling/exp4/full_method/seed{seed}.log",
    benchmark:
        "results/benchmarks/sampling/exp4/full_method/seed{seed}.tsv"
    conda:
        "../envs/analysis.yaml"
    threads: 2
    resources:
        mem_mb=8000,
        runtime=60,
    params:
        embeddings=get_exp4_embedding_args,
        k_max=get_exp4_k_max_args,
        bonafide_rate=config["experiment4"]["bonafide_rate"],
        spoof_rate=config["experiment4"]["spoof_rate"],
        seed=get_run_seed,
    shell:
        "python -m workflow_scripts.sample_full_method {params.embeddings:q} {params.k_max:q}"
        " --bonafide-rate {params.bonafide_rate:q} --spoof-rate {params.spoof_rate:q}"
        " --seed {params.seed:q} --duplicates {input.duplicates} --out {output.selection}"
        " --summary-out {output.summary} --clusters-out {output.clusters} 2> {log}"


# The Algorithm-2 ablation: the full method on another embedding source (attack_aware, stage<N>).
use rule sample_full_method as sample_full_method_source with:
    output:
        selection="results/sampling/exp4/full_method-{source}/seed{seed}.tsv",
        summary="results/sampling/exp4/full_method-{source}/seed{seed}.json",
        clusters="results/sampling/exp4/full_method-{source}/seed{seed}.clusters.tsv",
    log:
        "results/logs/sampling/exp4/full_method-{source}/seed{seed}.log",
    benchmark:
        "results/benchmarks/sampling/exp4/full_method-{source}/seed{seed}.tsv"


# Experiment 4 stays on the train splits whatever experiment3.pool says: the full method samples
# train embeddings, and its random control must draw from the same pool to be a fair comparison.
rule sample_random_matched:
    input:
        caches=get_exp4_train_caches,
        duplicates="results/duplicates/pairs.tsv",
        match="results/sampling/exp4/full_method/seed{seed}.json",
    output:
        selection="results/sampling/exp4/random_matched/seed{seed}.tsv",
        summary="results/sampling/exp4/random_matched/seed{seed}.json",
    log:
        "results/logs/sampling/exp4/random_matched/seed{seed}.log",
    benchmark:
        "results/benchmarks/sampling/exp4/random_matched/seed{seed}.tsv"
    conda:
        "../envs/analysis.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        caches=get_exp4_train_cache_args,
        seed=get_run_seed,
    shell:
        "python -m workflow_scripts.sample_random {params.caches:q} --match-counts {input.match}"
        " --seed {params.seed:q} --duplicates {input.duplicates} --out {output.selection}"
        " --summary-out {output.summary} 2> {log}"


use rule sample_random_matched as sample_random_matched_source with:
    input:
        caches=get_exp4_train_caches,
        duplicates="results/duplicates/pairs.tsv",
        match="results/sampling/exp4/full_method-{source}/seed{seed}.json",
    output:
        selection="results/sampling/exp4/random_matched-{source}/seed{seed}.tsv",
        summary="results/sampling/exp4/random_matched-{source}/seed{seed}.json",
    log:
        "results/logs/sampling/exp4/random_matched-{source}/seed{seed}.log",
    benchmark:
        "results/benchmarks/sampling/exp4/random_matched-{source}/seed{seed}.tsv"


rule table_exp4:
    input:
        files=get_exp4_table_files,
        significance=get_exp4_significance,
        training=get_exp4_training,
    output:
        csv=report(
            "results/table_exp4.csv",
            caption="../report/table_exp4.rst",
            category="Tables",
        ),
        markdown="results/table_exp4.md",
        figure=report(
            "results/figures/exp4_comparison.png",
            caption="../report/exp4_comparison.rst",
            category="Figures",
        ),
    log:
        "results/logs/tables/table_exp4.log",
    benchmark:
        "results/benchmarks/tables/table_exp4.tsv"
    conda:
        "../envs/analysis.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        runs=get_exp4_table_args,
        significance=get_exp4_significance_args,
        metrics=get_table_metric_args,
        training=get_training_summary_args,
    shell:
        "python -m workflow_scripts.make_table_exp4 {params.runs:q} {params.significance:q}"
        " {params.metrics:q} {params.training:q}"
        " --out {output.csv} --markdown {output.markdown} --figure {output.figure} 2> {log}"


rule table_exp4_sources:
    """Experiment 4 per embedding source: cluster recovery and full method vs. random."""
    input:
        files=get_exp4_sources_table_files,
        significance=get_exp4_sources_significance,
        training=get_exp4_sources_training,
    output:
        csv=report(
            "results/table_exp4_sources.csv",
            caption="../report/table_exp4_sources.rst",
            category="Tables",
        ),
        clusters=report(
            "results/table_exp4_sources_clusters.csv",
            caption="../report/table_exp4_sources_clusters.rst",
            category="Tables",
        ),
        markdown="results/table_exp4_sources.md",
        figure=report(
            "results/figures/exp4_sources.png",
            caption="../report/exp4_sources.rst",
            category="Figures",
        ),
    log:
        "results/logs/tables/table_exp4_sources.log",
    benchmark:
        "results/benchmarks/tables/table_exp4_sources.tsv"
    conda:
        "../envs/analysis.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        runs=get_exp4_sources_table_args,
        significance=get_exp4_sources_significance_args,
        metrics=get_table_metric_args,
        training=get_training_summary_args,
    shell:
        "python -m workflow_scripts.make_table_exp4_sources {params.runs:q}"
        " {params.significance:q} {params.metrics:q} {params.training:q}"
        " --out {output.csv} --clusters-out {output.clusters}"
        " --markdown {output.markdown} --figure {output.figure} 2> {log}"
