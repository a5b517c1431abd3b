"""Detectors pretrained per corpus (Experiment 1, sampling sources) and retrained on samples."""


rule pretrain:
    input:
        train=get_pretrain_train_cache,
        val=get_pretrain_val_caches,
    output:
        checkpoint="results/models/pretrained/{dataset}/{model}/best.pt",
        history="results/models/pretrained/{dataset}/{model}/history.csv",
        summary="results/models/pretrained/{dataset}/{model}/training.json",
        curve=report(
            "results/models/pretrained/{dataset}/{model}/curve.png",
            caption="../report/curve.rst",
            category="Training curves",
            labels={"dataset": "{dataset}", "model": "{model}"},
        ),
    log:
        "results/logs/pretrain/{dataset}/{model}.log",
    benchmark:
        "results/benchmarks/pretrain/{dataset}/{model}.tsv"
    conda:
        "../envs/torch.yaml"
    threads: config["training"]["threads"]
    resources:
        mem_mb=8000,
        runtime=lambda wc, attempt: 720 * attempt,
        gpu=config["training"]["gpus"],
    params:
        train_args=get_pretrain_training_args,
        # after --train-caches: the training selection, if any, and the validation data
        data_args=get_pretrain_data_args,
        resume="results/resume/pretrained/{dataset}/{model}.pt",
        out_dir=subpath(output.checkpoint, parent=True),
    shell:
        "python -m workflow_scripts.train {params.train_args:q}"
        " --train-caches {input.train} {params.data_args:q} --threads {threads}"
        " --out-dir {params.out_dir:q} --resume-path {params.resume:q} 2> {log}"


# The same detector with an attack-id head next to the binary one (experiment4.embedding_sources:
# attack_aware); only its embeddings are used, as a source for Algorithm 2.
use rule pretrain as pretrain_attack_aware with:
    output:
        checkpoint="results/models/pretrained_attack_aware/{dataset}/{model}/best.pt",
        history="results/models/pretrained_attack_aware/{dataset}/{model}/history.csv",
        summary="results/models/pretrained_attack_aware/{dataset}/{model}/training.json",
        curve="results/models/pretrained_attack_aware/{dataset}/{model}/curve.png",
    log:
        "results/logs/pretrain_attack_aware/{dataset}/{model}.log",
    benchmark:
        "results/benchmarks/pretrain_attack_aware/{dataset}/{model}.tsv"
    params:
        train_args=get_attack_aware_training_args,
        data_args=get_pretrain_data_args,
        resume="results/resume/pretrained_attack_aware/{dataset}/{model}.pt",


use rule pretrain as train_selected with:
    input:
        selection="results/sampling/{experiment}/{setting}/seed{seed}.tsv",
        train=get_experiment_train_caches,
        val=get_experiment_val_caches,
        val_selection=get_experiment_val_selection,
    output:
        checkpoint="results/models/{experiment}/{setting}/seed{seed}/best.pt",
        history="results/models/{experiment}/{setting}/seed{seed}/history.csv",
        summary="results/models/{experiment}/{setting}/seed{seed}/training.json",
        curve="results/models/{experiment}/{setting}/seed{seed}/curve.png",
    log:
        "results/logs/train/{experiment}/{setting}/seed{seed}.log",
    benchmark:
        "results/benchmarks/train/{experiment}/{setting}/seed{seed}.tsv"
    priority: get_training_priority
    params:
        train_args=get_selected_training_args,
        data_args=get_selected_data_args,
        resume="results/resume/{experiment}/{setting}/seed{seed}.pt",


rule validation_selection:
    """Dev rows that validate an Experiment-3/4 run: no copy of a kept row, no training row."""
    input:
        caches=get_experiment_val_caches,
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
        "../envs/analysis.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        caches=get_val_selection_cache_args,
    shell:
        "python -m workflow_scripts.make_val_selection {params.caches:q}"
        " --duplicates {input.duplicates} --training-selection {input.training}"
        " --out {output.selection} --summary-out {output.summary} 2> {log}"


rule best_epochs_table:
    """Which epoch every trained run kept, of how many, and why it stopped."""
    input:
        get_best_epochs_files,
    output:
        csv=report(
            "results/best_epochs.csv",
            caption="../report/best_epochs.rst",
            category="Tables",
        ),
        markdown="results/best_epochs.md",
    log:
        "results/logs/tables/best_epochs.log",
    benchmark:
        "results/benchmarks/tables/best_epochs.tsv"
    conda:
        "../envs/analysis.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        entries=get_best_epochs_args,
    shell:
        "python -m workflow_scripts.make_best_epochs {params.entries:q}"
        " --out {output.csv} --markdown {output.markdown} 2> {log}"
