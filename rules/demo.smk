"""Built-in demo corpora, written in the real corpora's on-disk layouts."""


rule demo_corpus:
    output:
        directory("results/demo/{dataset}"),
    log:
        "results/logs/demo/{dataset}.log",
    benchmark:
        "results/benchmarks/demo/{dataset}.tsv"
    conda:
        "../envs/workflow.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=30,
    params:
        fmt=lambda w: dataset_format(w.dataset),
        sizes=lambda w: json.dumps(
            config["demo"][dataset_format(w.dataset)], sort_keys=True
        ),
        seed=config["seed"],
        duration=" ".join(str(x) for x in config["demo"]["duration_s"]),
        options=lambda w: demo_options(w.dataset),
    shell:
        "python -m workflow_scripts.make_demo --format {params.fmt} --out {output}"
        " --seed {params.seed} --sizes-json {params.sizes:q} --duration {params.duration}"
        " {params.options} 2> {log}"
