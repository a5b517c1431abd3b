"""Experiment 2: Algorithm 1 sampling grid, random controls, retrained tiny models, its table."""


rule sample_exp2:
    input:
        get_exp2_embeddings,
    output:
        selection="results/sampling/exp2/{method}_b{brate}_s{srate}/seed{seed}.tsv",
        summary="results/sampling/exp2/{method}_b{brate}_s{srate}/seed{seed}.json",
    log:
        "results/logs/sampling/exp2/{method}_b{brate}_s{srate}/seed{seed}.log",
    benchmark:
        "results/benchmarks/sampling/exp2/{method}_b{brate}_s{srate}/seed{seed}.tsv"
    conda:
        "../envs/analysis.yaml"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=30,
    params:
        metric=config["experiment2"]["metric"],
        seed=get_run_seed,
        # the configured values behind the path tags (exact, never re-parsed from the path)
        bonafide_rate=get_bonafide_rate,
        spoof_rate=get_spoof_rate,
    shell:
        "python -m workflow_scripts.sample_nc --embeddings {input} --method {wildcards.method}"
        " --bonafide-rate {params.bonafide_rate:q} --spoof-rate {params.spoof_rate:q}"
        " --metric {params.metric:q} --seed {params.seed:q} --out {output.selection}"
        " --summary-out {output.summary} 2> {log}"


rule table_exp2:
    input:
        unpack(get_exp2_table_inputs),
        significance=get_exp2_significance,
        training=get_exp2_training,
    output:
        csv=report(
            "results/table_exp2.csv",
            caption="../report/table_exp2.rst",
            category="Tables",
        ),
        markdown="results/table_exp2.md",
    log:
        "results/logs/tables/table_exp2.log",
    benchmark:
        "results/benchmarks/tables/table_exp2.tsv"
    conda:
        "../envs/analysis.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        runs=get_exp2_table_args,
        significance=get_exp2_significance_args,
        metrics=get_table_metric_args,
        training=get_training_summary_args,
    shell:
        "python -m workflow_scripts.make_table_exp2 {params.runs:q} {params.significance:q}"
        " {params.metrics:q} {params.training:q}"
        " --out {output.csv} --markdown {output.markdown} 2> {log}"
