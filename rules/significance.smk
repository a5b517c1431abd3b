"""Method-versus-control differences of the experiment tables, with paired-bootstrap intervals
(drawing whole speakers where the evaluation set's manifests name them)."""


rule significance:
    input:
        scores=get_significance_scores,
        manifests=get_significance_manifests,
    output:
        report(
            "results/{table}_significance.csv",
            caption="../report/significance.rst",
            category="Tables",
        ),
    log:
        "results/logs/tables/{table}_significance.log",
    benchmark:
        "results/benchmarks/tables/{table}_significance.tsv"
    wildcard_constraints:
        table="|".join(plan_significance.SIGNIFICANCE_TABLES),
    conda:
        "../envs/analysis.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=30,
    params:
        comparisons=get_significance_args,
        n_resamples=config["statistics"]["n_resamples"],
        alpha=config["statistics"]["alpha"],
        min_speakers=config["statistics"]["min_speakers"],
        seed=config["seed"],
    shell:
        "python -m workflow_scripts.compare_runs {params.comparisons:q}"
        " --n-resamples {params.n_resamples:q} --alpha {params.alpha:q} --seed {params.seed:q}"
        " --min-speakers {params.min_speakers:q} --out {output} 2> {log}"
