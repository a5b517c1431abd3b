"""Neural-collapse sampling for audio deepfake detection: the whole workflow.

Stages, in pipeline order, live in rules/*.smk; see README.md for the DAG in words.
"""

import os

from snakemake.logging import logger
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


# A local run never starts more job threads at once than this machine has CPUs: with
# --cores above that, torch jobs would share CPUs and all of them would slow down.
# (A cluster run sets --jobs, hence _nodes, and is left alone.)
if workflow.global_resources["_nodes"].value is None:
    USABLE_CPUS = len(os.sched_getaffinity(0))
    REQUESTED_CORES = workflow.global_resources["_cores"].value
    if REQUESTED_CORES is not None and REQUESTED_CORES > USABLE_CPUS:
        logger.warning(
            f"--cores {REQUESTED_CORES} is more than the {USABLE_CPUS} CPUs available here:"
            f" running at most {USABLE_CPUS} job threads at once (docs/performance.md)"
        )
        workflow.global_resources["_cores"] = USABLE_CPUS


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
include: "rules/significance.smk"
include: "rules/per_attack.smk"


localrules:
    all,
    caches,
    quarantine_list,
    metrics,
    table_exp1,
    table_exp2,
    table_exp3,
    table_exp4,
    table_exp4_sources,
    best_epochs_table,
    per_attack_table,
    per_condition_table,


rule all:
    default_target: True
    input:
        rules.caches.input,
        "results/table1.csv",
        "results/table_exp2.csv",
        "results/figures/figure1_tsne.png",
        get_exp2_diagnostics,
        "results/table2.csv",
        "results/table_exp4.csv",
        "results/table_exp4_sources.csv",
        "results/table1_per_attack.csv",
        "results/table2_per_attack.csv",
        "results/best_epochs.csv",
        get_condition_tables,
