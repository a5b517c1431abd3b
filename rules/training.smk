"""Detector training: pretrained per corpus (Experiment 1, sampling sources) and retrained on sampled sets."""


rule pretrain:
    input:
        train=lambda w: cache_path(w.dataset, "train"),
        val=lambda w: validation_caches(w.dataset),
    output:
        checkpoint="results/models/pretrained/{dataset}/{model}/best.pt",
        history="results/models/pretrained/{dataset}/{model}/history.csv",
        curve=report(
            "results/models/pretrained/{dataset}/{model}/curve.png",
            caption="../docs/report/curve.rst",
            category="Training curves",
            labels={"dataset": "{dataset}", "model": "{model}"},
        ),
    log:
        "results/logs/pretrain/{dataset}/{model}.log",
    benchmark:
        "results/benchmarks/pretrain/{dataset}/{model}.tsv"
    conda:
        "../envs/workflow.yaml"
    threads: config["training"]["threads"]
    resources:
        mem_mb=8000,
        runtime=lambda wc, attempt: 720 * attempt,
        gpu=config["training"]["gpus"],
    params:
        train_args=lambda w: training_args(w.model),
        val_args=lambda w: validation_args(w.dataset),
        resume="results/resume/pretrained/{dataset}/{model}.pt",
        out_dir=subpath(output.checkpoint, parent=True),
    shell:
        "python -m workflow_scripts.train {params.train_args}"
        " --train-caches {input.train} {params.val_args} --threads {threads}"
        " --out-dir {params.out_dir} --resume-path {params.resume} 2> {log}"


rule validation_selection:
    """Dev rows that validate an Experiment-3/4 run: no duplicate of another kept row, no training row."""
    input:
        caches=lambda w: experiment_val_caches(w.experiment),
        duplicates="results/duplicates/pairs.tsv",
        training="results/sampling/{experiment}/{setting}/seed{seed}.tsv",
    output:
        selection="results/sampling/{experiment}/{setting}/seed{seed}.val.tsv",
        summary="results/sampling/{experiment}/{setting}/seed{seed}.val.json",
    log:
        "results/logs/sampling/{experiment}/{setting}/seed{seed}.val.log",
    benchmark:
        "results/benchmarks/sampling/{experiment}/{setting}/seed{seed}.val.tsv"
    wildcard_constraints:
        experiment="exp3|exp4",
    conda:
        "../envs/workflow.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        caches=lambda w: exp34_val_cache_args(w.experiment),
    shell:
        "python -m workflow_scripts.make_val_selection {params.caches}"
        " --duplicates {input.duplicates} --training-selection {input.training}"
        " --out {output.selection} --summary-out {output.summary} 2> {log}"


rule train_selected:
    input:
        selection="results/sampling/{experiment}/{setting}/seed{seed}.tsv",
        train=lambda w: experiment_train_caches(w.experiment),
        val=lambda w: experiment_val_caches(w.experiment),
        val_selection=experiment_val_selection,
    output:
        checkpoint="results/models/{experiment}/{setting}/seed{seed}/best.pt",
        history="results/models/{experiment}/{setting}/seed{seed}/history.csv",
        curve="results/models/{experiment}/{setting}/seed{seed}/curve.png",
    log:
        "results/logs/train/{experiment}/{setting}/seed{seed}.log",
    benchmark:
        "results/benchmarks/train/{experiment}/{setting}/seed{seed}.tsv"
    conda:
        "../envs/workflow.yaml"
    threads: config["training"]["threads"]
    resources:
        mem_mb=8000,
        runtime=lambda wc, attempt: 720 * attempt,
        gpu=config["training"]["gpus"],
    params:
        train_args=lambda w: training_args(
            experiment_model(w.experiment), seed=run_seed(w.seed)
        ),
        resume="results/resume/{experiment}/{setting}/seed{seed}.pt",
        out_dir=subpath(output.checkpoint, parent=True),
        val_selection=lambda w, input: (
            f"--val-selection {input.val_selection}" if input.val_selection else ""
        ),
    shell:
        "python -m workflow_scripts.train {params.train_args}"
        " --train-caches {input.train} --train-selection {input.selection}"
        " --val-caches {input.val} {params.val_selection} --threads {threads}"
        " --out-dir {params.out_dir} --resume-path {params.resume} 2> {log}"
