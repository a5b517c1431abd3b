"""Per-attack (unseen attacks marked) and per-condition companions of Tables 1 and 2."""


rule per_attack_table:
    input:
        get_per_attack_files,
    output:
        csv=report(
            "results/{table}_per_attack.csv",
            caption="../report/per_attack_table.rst",
            category="Tables",
        ),
        markdown="results/{table}_per_attack.md",
        figure=report(
            "results/figures/{table}_per_attack.png",
            caption="../report/per_attack_figure.rst",
            category="Figures",
        ),
    log:
        "results/logs/tables/{table}_per_attack.log",
    benchmark:
        "results/benchmarks/tables/{table}_per_attack.tsv"
    wildcard_constraints:
        table="|".join(plan_per_attack.PER_ATTACK_TABLES),
    conda:
        "../envs/analysis.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        args=get_per_attack_args,
    shell:
        "python -m workflow_scripts.make_per_attack_table {params.args:q} --out {output.csv}"
        " --markdown {output.markdown} --figure {output.figure} 2> {log}"


rule per_condition_table:
    """EER-ROC per codec, language, vocoder family ... of corpora whose manifests have them."""
    input:
        get_condition_files,
    output:
        csv=report(
            "results/{table}_per_condition.csv",
            caption="../report/per_condition_table.rst",
            category="Tables",
        ),
        markdown="results/{table}_per_condition.md",
    log:
        "results/logs/tables/{table}_per_condition.log",
    benchmark:
        "results/benchmarks/tables/{table}_per_condition.tsv"
    wildcard_constraints:
        table="|".join(plan_per_attack.PER_CONDITION_TABLES),
    conda:
        "../envs/analysis.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        args=get_condition_args,
    shell:
        "python -m workflow_scripts.make_condition_table {params.args:q} --out {output.csv}"
        " --markdown {output.markdown} 2> {log}"
