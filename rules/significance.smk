"""Method-versus-control differences of the experiment tables, with paired-bootstrap intervals."""


rule significance:
    input:
        get_significance_scores,
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
        table="|".join(runs.SIGNIFICANCE_TABLES),
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
        seed=config["seed"],
    shell:
        "python -m workflow_scripts.compare_runs {params.comparisons:q}"
        " --n-resamples {params.n_resamples:q} --alpha {params.alpha:q} --seed {params.seed:q}"
        " --out {output} 2> {log}"
