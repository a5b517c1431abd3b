"""Neural-collapse sampling for audio deepfake detection: the whole workflow.

Stages, in pipeline order, live in rules/*.smk; see README.md for the DAG in words.
"""

from snakemake.utils import min_version, validate

min_version("9.0")


configfile: "config.yaml"


validate(config, "schemas/config.schema.yaml")


report: "docs/report/workflow.rst"


include: "rules/common.smk"
include: "rules/demo.smk"
include: "rules/manifests.smk"
include: "rules/caches.smk"
include: "rules/training.smk"
include: "rules/evaluation.smk"
include: "rules/embeddings.smk"
include: "rules/experiment2.smk"
include: "rules/duplicates.smk"
include: "rules/experiment3.smk"
include: "rules/experiment4.smk"


localrules:
    all,
    caches,
    quarantine_list,
    metrics,
    table1,
    table2,
    table_exp2,
    table_exp4,


rule all:
    default_target: True
    input:
        rules.caches.input,
        "results/table1.csv",
        "results/table_exp2.csv",
        "results/figures/figure1_tsne.png",
        "results/table2.csv",
        "results/table_exp4.csv",
