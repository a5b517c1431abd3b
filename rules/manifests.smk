"""Native corpus layouts -> one manifest table per dataset."""


rule manifest:
    input:
        demo=get_demo_corpus,
    output:
        manifest="results/manifests/{dataset}.tsv",
        quarantine="results/manifests/{dataset}.quarantine.tsv",
    log:
        "results/logs/manifest/{dataset}.log",
    benchmark:
        "results/benchmarks/manifest/{dataset}.tsv"
    conda:
        "../envs/analysis.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=30,
    params:
        dataset=get_dataset_json,
        on_error=config["on_protocol_error"],
    shell:
        "python -m workflow_scripts.make_manifest --name {wildcards.dataset}"
        " --dataset-json {params.dataset:q} --on-protocol-error {params.on_error:q}"
        " --out {output.manifest} --quarantine-out {output.quarantine} 2> {log}"
