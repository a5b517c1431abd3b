"""Manifests -> sharded log-mel extraction -> one HDF5 cache per (dataset, split)."""


rule cache_shard:
    input:
        manifest="results/manifests/{dataset}.tsv",
    output:
        h5=temp("results/caches/{dataset}/{split}/shard{shard}.h5"),
        quarantine=temp("results/caches/{dataset}/{split}/shard{shard}.quarantine.tsv"),
    log:
        "results/logs/caches/{dataset}/{split}/shard{shard}.log",
    benchmark:
        "results/benchmarks/caches/{dataset}/{split}/shard{shard}.tsv"
    conda:
        "../envs/workflow.yaml"
    threads: 2
    resources:
        mem_mb=4000,
        runtime=120,
    params:
        features=json.dumps(config["features"], sort_keys=True),
        n_shards=config["caches"]["n_shards"],
        seed=config["seed"],
    shell:
        "python -m workflow_scripts.make_cache --manifest {input.manifest} --split {wildcards.split}"
        " --shard {wildcards.shard} --n-shards {params.n_shards} --features-json {params.features:q}"
        " --seed {params.seed} --threads {threads} --out {output.h5}"
        " --quarantine-out {output.quarantine} 2> {log}"


rule cache_merge:
    input:
        shards=lambda w: shard_files(w.dataset, w.split, "h5"),
        quarantine=lambda w: shard_files(w.dataset, w.split, "quarantine.tsv"),
    output:
        h5="results/caches/{dataset}/{split}.h5",
        quarantine="results/caches/{dataset}/{split}.quarantine.tsv",
    log:
        "results/logs/caches/{dataset}/{split}.merge.log",
    benchmark:
        "results/benchmarks/caches/{dataset}/{split}.merge.tsv"
    conda:
        "../envs/workflow.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=60,
    params:
        max_fraction=config["caches"]["max_quarantine_fraction"],
    shell:
        "python -m workflow_scripts.merge_cache --shards {input.shards} --quarantine {input.quarantine}"
        " --max-quarantine-fraction {params.max_fraction} --out {output.h5}"
        " --quarantine-out {output.quarantine} 2> {log}"


rule quarantine_list:
    input:
        manifest="results/manifests/{dataset}.quarantine.tsv",
        splits=lambda w: [
            f"results/caches/{w.dataset}/{s}.quarantine.tsv"
            for s in splits_of(w.dataset)
        ],
    output:
        "results/quarantine/{dataset}.tsv",
    log:
        "results/logs/quarantine/{dataset}.log",
    benchmark:
        "results/benchmarks/quarantine/{dataset}.tsv"
    conda:
        "../envs/workflow.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    shell:
        "python -m workflow_scripts.gather_tables --out {output} {input.manifest} {input.splits} 2> {log}"


rule caches:
    input:
        all_caches(),
        all_quarantine_lists(),
