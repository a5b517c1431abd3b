"""Experiment 3 (Table 2): random N per class per corpus, de-duplicated, merged, retrained."""


rule find_duplicates:
    input:
        caches=lambda w: [c for _, _, c in exp3_dedup_caches()],
        expected=exp3_expected_duplicates,
    output:
        pairs="results/duplicates/pairs.tsv",
        summary="results/duplicates/summary.json",
    log:
        "results/logs/duplicates/find_duplicates.log",
    benchmark:
        "results/benchmarks/duplicates/find_duplicates.tsv"
    conda:
        "../envs/workflow.yaml"
    threads: 2
    resources:
        mem_mb=8000,
        runtime=120,
    params:
        caches=lambda w: " ".join(
            f"--cache {d}:{s}={c}" for d, s, c in exp3_dedup_caches()
        ),
        threshold=config["experiment3"]["duplicate_threshold"],
        expected=lambda w, input: (
            f"--expected-demo {input.expected}/demo_duplicates.tsv"
            if input.expected
            else ""
        ),
    shell:
        "python -m workflow_scripts.find_duplicates {params.caches} --threshold {params.threshold}"
        " {params.expected} --out {output.pairs} --summary-out {output.summary} 2> {log}"


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
        caches=lambda w: exp3_caches("train"),
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
        caches=lambda w: exp3_cache_args("train"),
        seed=lambda w: run_seed(w.seed),
    shell:
        "python -m workflow_scripts.sample_exp3 {params.caches} --n-per-class {wildcards.n}"
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
        duplicates="results/duplicates/summary.json",
    output:
        csv=report(
            "results/table2.csv",
            caption="../docs/report/table2.rst",
            category="Tables",
        ),
        markdown="results/table2.md",
        seeds="results/table2_seeds.json",
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
    shell:
        "python -m workflow_scripts.make_table2 {params.entries} --out {output.csv}"
        " --markdown {output.markdown} --seeds-json {output.seeds} 2> {log}"
