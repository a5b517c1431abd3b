"""Experiment 2: Algorithm 1 sampling grid, random controls, retrained tiny models, its table."""


rule sample_exp2:
    input:
        exp2_embeddings(),
    output:
        selection="results/sampling/exp2/{method}_b{brate}_s{srate}/seed{seed}.tsv",
        summary="results/sampling/exp2/{method}_b{brate}_s{srate}/seed{seed}.json",
    log:
        "results/logs/sampling/exp2/{method}_b{brate}_s{srate}/seed{seed}.log",
    benchmark:
        "results/benchmarks/sampling/exp2/{method}_b{brate}_s{srate}/seed{seed}.tsv"
    conda:
        "../envs/workflow.yaml"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=30,
    params:
        metric=config["experiment2"]["metric"],
        seed=lambda w: run_seed(w.seed),
        # the configured values behind the path tags (exact, never re-parsed from the path)
        bonafide_rate=lambda w: exp2_rate_arg(w.brate, "bonafide"),
        spoof_rate=lambda w: exp2_rate_arg(w.srate, "spoof"),
    shell:
        "python -m workflow_scripts.sample_nc --embeddings {input} --method {wildcards.method}"
        " --bonafide-rate {params.bonafide_rate} --spoof-rate {params.spoof_rate} --metric {params.metric}"
        " --seed {params.seed} --out {output.selection} --summary-out {output.summary} 2> {log}"


rule table_exp2:
    input:
        unpack(exp2_table_inputs),
    output:
        csv=report(
            "results/table_exp2.csv",
            caption="../docs/report/table_exp2.rst",
            category="Tables",
        ),
        markdown="results/table_exp2.md",
    log:
        "results/logs/tables/table_exp2.log",
    benchmark:
        "results/benchmarks/tables/table_exp2.tsv"
    conda:
        "../envs/workflow.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        runs=exp2_table_args,
    shell:
        "python -m workflow_scripts.make_table_exp2 {params.runs} --out {output.csv}"
        " --markdown {output.markdown} 2> {log}"
