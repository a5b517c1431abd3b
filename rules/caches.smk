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
        "../envs/torch.yaml"
    threads: config["caches"]["threads"]
    resources:
        mem_mb=4000,
        runtime=120,
    params:
        features=get_features_json,
        n_shards=config["caches"]["n_shards"],
        seed=config["seed"],
    shell:
        "python -m workflow_scripts.make_cache --manifest {input.manifest}"
        " --split {wildcards.split} --shard {wildcards.shard} --n-shards {params.n_shards:q}"
        " --features-json {params.features:q} --seed {params.seed:q} --threads {threads}"
        " --out {output.h5} --quarantine-out {output.quarantine} 2> {log}"


rule cache_merge:
    input:
        shards=get_cache_shards,
        quarantine=get_shard_quarantine_lists,
    output:
        h5="results/caches/{dataset}/{split}.h5",
        quarantine="results/caches/{dataset}/{split}.quarantine.tsv",
    log:
        "results/logs/caches/{dataset}/{split}.merge.log",
    benchmark:
        "results/benchmarks/caches/{dataset}/{split}.merge.tsv"
    conda:
        "../envs/torch.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=60,
    params:
        max_fraction=config["caches"]["max_quarantine_fraction"],
    shell:
        "python -m workflow_scripts.merge_cache --shards {input.shards}"
        " --quarantine {input.quarantine} --max-quarantine-fraction {params.max_fraction:q}"
        " --out {output.h5} --quarantine-out {output.quarantine} 2> {log}"


rule quarantine_list:
    input:
        manifest="results/manifests/{dataset}.quarantine.tsv",
        splits=get_split_quarantine_lists,
    output:
        "results/quarantine/{dataset}.tsv",
    log:
        "results/logs/quarantine/{dataset}.log",
    benchmark:
        "results/benchmarks/quarantine/{dataset}.tsv"
    conda:
        "../envs/analysis.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    shell:
        "python -m workflow_scripts.gather_tables --out {output}"
        " {input.manifest} {input.splits} 2> {log}"


rule caches:
    input:
        get_all_caches(),
        get_all_quarantine_lists(),
