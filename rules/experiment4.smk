"""Experiment 4 (the paper's Figure 2, future work): Algorithms 1 + 2 per corpus vs matched random."""


rule sample_full_method:
    input:
        embeddings=lambda w: [e for _, e in exp4_embeddings()],
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
        "../envs/workflow.yaml"
    threads: 2
    resources:
        mem_mb=8000,
        runtime=60,
    params:
        embeddings=lambda w: " ".join(
            f"--embeddings {d}:train={e}" for d, e in exp4_embeddings()
        ),
        k_max=" ".join(
            f"--k-max {d}={k}" for d, k in config["experiment4"]["k_max"].items()
        ),
        bonafide_rate=config["experiment4"]["bonafide_rate"],
        spoof_rate=config["experiment4"]["spoof_rate"],
        seed=lambda w: run_seed(w.seed),
    shell:
        "python -m workflow_scripts.sample_full_method {params.embeddings} {params.k_max}"
        " --bonafide-rate {params.bonafide_rate} --spoof-rate {params.spoof_rate}"
        " --seed {params.seed} --duplicates {input.duplicates} --out {output.selection}"
        " --summary-out {output.summary} --clusters-out {output.clusters} 2> {log}"


# Experiment 4 stays on the train splits whatever experiment3.pool says: the full method samples
# train embeddings, and its random control must draw from the same pool to be a fair comparison.
rule sample_random_matched:
    input:
        caches=lambda w: exp3_caches("train"),
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
        "../envs/workflow.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        caches=lambda w: exp3_cache_args("train"),
        seed=lambda w: run_seed(w.seed),
    shell:
        "python -m workflow_scripts.sample_random {params.caches} --match-counts {input.match}"
        " --seed {params.seed} --duplicates {input.duplicates} --out {output.selection}"
        " --summary-out {output.summary} 2> {log}"


rule table_exp4:
    input:
        files=lambda w: [f for spec in exp4_runs() for f in _spec_files(spec)],
    output:
        csv=report(
            "results/table_exp4.csv",
            caption="../docs/report/table_exp4.rst",
            category="Tables",
        ),
        markdown="results/table_exp4.md",
        figure=report(
            "results/figures/exp4_comparison.png",
            caption="../docs/report/exp4_comparison.rst",
            category="Figures",
        ),
    log:
        "results/logs/tables/table_exp4.log",
    benchmark:
        "results/benchmarks/tables/table_exp4.tsv"
    conda:
        "../envs/workflow.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        runs=lambda w: " ".join(
            f"--run {shlex.quote(json.dumps(spec, sort_keys=True))}"
            for spec in exp4_runs()
        ),
    shell:
        "python -m workflow_scripts.make_table_exp4 {params.runs} --out {output.csv}"
        " --markdown {output.markdown} --figure {output.figure} 2> {log}"
