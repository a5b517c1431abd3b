"""Experiment 3 (Table 2): random N per class per corpus, de-duplicated, merged, retrained."""


rule eval_data:
    input:
        caches=get_exp3_eval_caches,
        duplicates="results/duplicates/pairs.tsv",
    output:
        selection="results/sampling/eval_data.tsv",
        summary="results/sampling/eval_data.json",
    log:
        "results/logs/sampling/eval_data.log",
    benchmark:
        "results/benchmarks/sampling/eval_data.tsv"
    conda:
        "../envs/analysis.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        caches=get_exp3_eval_cache_args,
        n=config["experiment3"]["eval_n_per_class"],
        seed=config["seed"],
    shell:
        "python -m workflow_scripts.make_eval_subset {params.caches:q} --n-per-class {params.n:q}"
        " --seed {params.seed:q} --duplicates {input.duplicates} --out {output.selection}"
        " --summary-out {output.summary} 2> {log}"


rule sample_exp3:
    input:
        caches=get_exp3_pool_caches,
        duplicates="results/duplicates/pairs.tsv",
    output:
        selection="results/sampling/exp3/n{n}/seed{seed}.tsv",
        summary="results/sampling/exp3/n{n}/seed{seed}.json",
    log:
        "results/logs/sampling/exp3/n{n}/seed{seed}.log",
    benchmark:
        "results/benchmarks/sampling/exp3/n{n}/seed{seed}.tsv"
    conda:
        "../envs/analysis.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        caches=get_exp3_pool_args,
        seed=get_run_seed,
    shell:
        "python -m workflow_scripts.sample_random {params.caches:q} --n-per-class {wildcards.n}"
        " --seed {params.seed:q} --duplicates {input.duplicates} --out {output.selection}"
        " --summary-out {output.summary} 2> {log}"


use rule score as score_eval_data with:
    input:
        checkpoint="results/models/{run}/best.pt",
        caches=get_exp3_eval_caches,
        selection="results/sampling/eval_data.tsv",
    output:
        "results/scores/{run}/eval_data.tsv",
    log:
        "results/logs/score/{run}/eval_data.log",
    benchmark:
        "results/benchmarks/score/{run}/eval_data.tsv"
    params:
        selection=get_score_selection_args,


rule table_exp3:
    input:
        metrics=get_exp3_table_metrics,
        summaries=get_exp3_table_summaries,
        duplicates="results/duplicates/summary.json",
        significance=get_exp3_significance,
        training=get_exp3_training,
    output:
        csv=report(
            "results/table2.csv",
            caption="../report/table2.rst",
            category="Tables",
        ),
        markdown="results/table2.md",
        seeds="results/table2_seeds.json",
        counts=report(
            "results/table2_counts.csv",
            caption="../report/table2_counts.rst",
            category="Tables",
        ),
    log:
        "results/logs/tables/table2.log",
    benchmark:
        "results/benchmarks/tables/table2.tsv"
    conda:
        "../envs/analysis.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        entries=get_exp3_table_entry_args,
        summaries=get_exp3_table_summary_args,
        significance=get_exp3_significance_args,
        metrics=get_table_metric_args,
        training=get_training_summary_args,
    shell:
        "python -m workflow_scripts.make_table_exp3 {params.entries:q} {params.summaries:q}"
        " {params.significance:q} {params.metrics:q} {params.training:q}"
        " --out {output.csv} --markdown {output.markdown} --seeds-json {output.seeds}"
        " --counts-out {output.counts} --duplicates-summary {input.duplicates} 2> {log}"
