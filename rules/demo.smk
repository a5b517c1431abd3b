"""Built-in demo corpora, written in the real corpora's on-disk layouts."""


rule demo_corpus:
    output:
        directory("results/demo/{dataset}"),
    log:
        "results/logs/demo/{dataset}.log",
    benchmark:
        "results/benchmarks/demo/{dataset}.tsv"
    priority: get_demo_priority
    conda:
        "../envs/analysis.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=30,
    params:
        fmt=get_dataset_format,
        sizes=get_demo_sizes,
        seed=config["seed"],
        duration=get_demo_durations,
        options=get_demo_args,
    shell:
        "python -m workflow_scripts.make_demo --format {params.fmt:q} --out {output}"
        " --seed {params.seed:q} --sizes-json {params.sizes:q} --duration {params.duration:q}"
        " {params.options:q} 2> {log}"
