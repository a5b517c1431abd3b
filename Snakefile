"""Neural-collapse sampling for audio deepfake detection: the whole workflow.

Stages, in pipeline order, live in rules/*.smk; see README.md for the DAG in words.
"""

import os

from snakemake.utils import min_version, validate

min_version("9.0")

# Jobs run `python -m workflow_scripts.<command>` and import this workflow's own copy of the
# package, installed or not (the conda environments do not install it), wherever they run:
# job processes inherit this environment, and a SLURM job re-reads this Snakefile.
INHERITED_PYTHONPATH = [
    p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p
]
if INHERITED_PYTHONPATH[:1] != [workflow.basedir]:
    os.environ.update(
        PYTHONPATH=os.pathsep.join([workflow.basedir, *INHERITED_PYTHONPATH])
    )


configfile: "config.yaml"


validate(config, "schemas/config.schema.yaml")


report: "report/workflow.rst"


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
    table_exp1,
    table_exp2,
    table_exp3,
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
