"""Detectors pretrained on one corpus each (Experiment 1 and the sampling experiments' source models)."""


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
        runtime=720,
        gpu=config["training"]["gpus"],
    params:
        train_args=lambda w: training_args(w.model),
        val_args=lambda w: validation_args(w.dataset),
        resume="results/resume/pretrained/{dataset}/{model}.pt",
        out_dir=subpath(output.checkpoint, parent=True),
    shell:
        "python -m workflow_scripts.train --model {wildcards.model} {params.train_args}"
        " --train-caches {input.train} {params.val_args} --threads {threads}"
        " --out-dir {params.out_dir} --resume-path {params.resume} 2> {log}"
