"""Experiment 3 (Table 2): random N per class per corpus, de-duplicated, merged, retrained."""


rule eval_data:
    input:
        caches=lambda w: exp3_caches("eval"),
        duplicates="results/duplicates/pairs.tsv",
    output:
        selection="results/sampling/eval_data.tsv",
        summary="results/sampling/eval_data.json",
    log:
        "results/logs/sampling/eval_data.log",
    benchmark:
        "results/benchmarks/sampling/eval_data.tsv"
    conda:
        "../envs/workflow.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        caches=lambda w: exp3_cache_args("eval"),
        n=config["experiment3"]["eval_n_per_class"],
        seed=config["seed"],
    shell:
        "python -m workflow_scripts.make_eval_subset {params.caches} --n-per-class {params.n}"
        " --seed {params.seed} --duplicates {input.duplicates} --out {output.selection}"
        " --summary-out {output.summary} 2> {log}"


rule sample_exp3:
    input:
        caches=lambda w: exp3_pool_caches(),
        duplicates="results/duplicates/pairs.tsv",
    output:
        selection="results/sampling/exp3/n{n}/seed{seed}.tsv",
        summary="results/sampling/exp3/n{n}/seed{seed}.json",
    log:
        "results/logs/sampling/exp3/n{n}/seed{seed}.log",
    benchmark:
        "results/benchmarks/sampling/exp3/n{n}/seed{seed}.tsv"
    conda:
        "../envs/workflow.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        caches=lambda w: exp3_pool_args(),  # experiment3.pool: train, or train + dev
        seed=lambda w: run_seed(w.seed),
    shell:
        "python -m workflow_scripts.sample_random {params.caches} --n-per-class {wildcards.n}"
        " --seed {params.seed} --duplicates {input.duplicates} --out {output.selection}"
        " --summary-out {output.summary} 2> {log}"


rule score_eval_data:
    input:
        checkpoint="results/models/{run}/best.pt",
        caches=lambda w: exp3_caches("eval"),
        selection="results/sampling/eval_data.tsv",
    output:
        "results/scores/{run}/eval_data.tsv",
    log:
        "results/logs/score/{run}/eval_data.log",
    benchmark:
        "results/benchmarks/score/{run}/eval_data.tsv"
    conda:
        "../envs/workflow.yaml"
    threads: config["training"]["threads"]
    resources:
        mem_mb=4000,
        runtime=120,
        gpu=config["training"]["gpus"],
    params:
        device=config["device"],
    shell:
        "python -m workflow_scripts.score --checkpoint {input.checkpoint} --caches {input.caches}"
        " --selection {input.selection} --device {params.device} --threads {threads}"
        " --out {output} 2> {log}"


rule table2:
    input:
        metrics=lambda w: [path for _, _, path in table2_cells()],
        summaries=lambda w: [path for _, _, path in table2_summaries()],
        duplicates="results/duplicates/summary.json",
    output:
        csv=report(
            "results/table2.csv",
            caption="../docs/report/table2.rst",
            category="Tables",
        ),
        markdown="results/table2.md",
        seeds="results/table2_seeds.json",
        counts=report(
            "results/table2_counts.csv",
            caption="../docs/report/table2_counts.rst",
            category="Tables",
        ),
    log:
        "results/logs/tables/table2.log",
    benchmark:
        "results/benchmarks/tables/table2.tsv"
    conda:
        "../envs/workflow.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        entries=lambda w: " ".join(
            f"--entry {n} {shlex.quote(name)} {path}"
            for n, name, path in table2_cells()
        ),
        summaries=lambda w: " ".join(
            f"--summary {n} {seed} {path}" for n, seed, path in table2_summaries()
        ),
    shell:
        "python -m workflow_scripts.make_table_exp3 {params.entries} {params.summaries} --out {output.csv}"
        " --markdown {output.markdown} --seeds-json {output.seeds}"
        " --counts-out {output.counts} 2> {log}"
