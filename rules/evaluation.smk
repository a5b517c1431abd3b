"""Scores of every detector on every evaluation set, their metrics, and Table 1 (Experiment 1)."""

from workflow_scripts.metrics.report import METRIC_DEFINITIONS_VERSION


rule score:
    input:
        checkpoint="results/models/{run}/best.pt",
        caches="results/caches/{eval_dataset}/{eval_split}.h5",
    output:
        "results/scores/{run}/{eval_dataset}/{eval_split}.tsv",
    log:
        "results/logs/score/{run}/{eval_dataset}/{eval_split}.log",
    benchmark:
        "results/benchmarks/score/{run}/{eval_dataset}/{eval_split}.tsv"
    conda:
        "../envs/torch.yaml"
    threads: config["training"]["threads"]
    resources:
        mem_mb=4000,
        runtime=120,
        gpu=config["training"]["gpus"],
    params:
        # a subset of the caches' rows to score (score_eval_data); none: every row
        selection=[],
        device=config["device"],
    shell:
        "python -m workflow_scripts.score --checkpoint {input.checkpoint}"
        " --caches {input.caches} {params.selection:q} --device {params.device:q}"
        " --threads {threads} --out {output} 2> {log}"


rule metrics:
    input:
        "results/scores/{scored}.tsv",
    output:
        "results/metrics/{scored}.json",
    log:
        "results/logs/metrics/{scored}.log",
    benchmark:
        "results/benchmarks/metrics/{scored}.tsv"
    conda:
        "../envs/analysis.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        # a new metric definition re-runs every evaluation (rerun trigger: params)
        definitions=METRIC_DEFINITIONS_VERSION,
    shell:
        "python -m workflow_scripts.evaluate {input} --out {output} > /dev/null 2> {log}"


# Optional (request its metrics, e.g. results/metrics/calibrated/pretrained/<corpus>/<model>/
# <eval corpus>/eval.json): a pretrained detector's scores calibrated on its own corpus' dev
# split, so that Cllr and actDCF read calibrated LLRs (docs/metrics.md).
rule calibrate_scores:
    input:
        dev="results/scores/pretrained/{dataset}/{model}/{dataset}/dev.tsv",
        scores="results/scores/pretrained/{dataset}/{model}/{eval_dataset}/{eval_split}.tsv",
    output:
        scores="results/scores/calibrated/pretrained/{dataset}/{model}/{eval_dataset}/{eval_split}.tsv",
        params="results/calibration/pretrained/{dataset}/{model}/{eval_dataset}/{eval_split}.json",
    log:
        "results/logs/calibrate/{dataset}/{model}/{eval_dataset}/{eval_split}.log",
    benchmark:
        "results/benchmarks/calibrate/{dataset}/{model}/{eval_dataset}/{eval_split}.tsv"
    conda:
        "../envs/analysis.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        prior=0.5,
    shell:
        "python -m workflow_scripts.calibrate_scores --dev-scores {input.dev}"
        " --scores {input.scores} --prior {params.prior:q} --out {output.scores}"
        " --params-out {output.params} 2> {log}"


rule table_exp1:
    input:
        metrics=get_exp1_table_metrics,
        training=get_table1_training,
    output:
        csv=report(
            "results/table1.csv",
            caption="../report/table1.rst",
            category="Tables",
        ),
        markdown="results/table1.md",
    log:
        "results/logs/tables/table1.log",
    benchmark:
        "results/benchmarks/tables/table1.tsv"
    conda:
        "../envs/analysis.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        entries=get_exp1_table_args,
        metrics=get_table_metric_args,
        training=get_training_summary_args,
    shell:
        "python -m workflow_scripts.make_table_exp1 {params.entries:q} {params.metrics:q}"
        " {params.training:q}"
        " --out {output.csv}"
        " --markdown {output.markdown} 2> {log}"
