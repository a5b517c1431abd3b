"""Native corpus layouts -> one manifest table per dataset."""


rule manifest:
    input:
        demo=lambda w: [demo_dir(w.dataset)] if is_demo(w.dataset) else [],
    output:
        manifest="results/manifests/{dataset}.tsv",
        quarantine="results/manifests/{dataset}.quarantine.tsv",
    log:
        "results/logs/manifest/{dataset}.log",
    benchmark:
        "results/benchmarks/manifest/{dataset}.tsv"
    conda:
        "../envs/workflow.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=30,
    params:
        dataset=lambda w: dataset_json(w.dataset),
        on_error=config["on_protocol_error"],
    shell:
        "python -m workflow_scripts.make_manifest --name {wildcards.dataset}"
        " --dataset-json {params.dataset:q} --on-protocol-error {params.on_error}"
        " --out {output.manifest} --quarantine-out {output.quarantine} 2> {log}"
