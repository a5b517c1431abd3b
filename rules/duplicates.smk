"""Cross-corpus duplicates: audio fingerprints per cache, then one scan over all of them."""


rule fingerprints:
    input:
        cache="results/caches/{dataset}/{split}.h5",
        manifest="results/manifests/{dataset}.tsv",
    output:
        h5="results/fingerprints/{dataset}/{split}.h5",
        unchecked="results/fingerprints/{dataset}/{split}.unchecked.tsv",
    log:
        "results/logs/fingerprints/{dataset}/{split}.log",
    benchmark:
        "results/benchmarks/fingerprints/{dataset}/{split}.tsv"
    conda:
        "../envs/torch.yaml"
    threads: config["caches"]["threads"]
    resources:
        mem_mb=2000,
        runtime=240,
    params:
        window_s=config["experiment3"]["duplicate_window_s"],
        # the file format the command writes: a new one reruns the rule on old results
        file_version=2,
    shell:
        "python -m workflow_scripts.make_fingerprints --cache {input.cache}"
        " --manifest {input.manifest} --window-s {params.window_s:q} --threads {threads}"
        " --file-version {params.file_version:q} --out {output.h5}"
        " --unchecked-out {output.unchecked} 2> {log}"


rule find_duplicates:
    input:
        fingerprints=get_duplicate_scan_fingerprints,
        expected=get_expected_demo_duplicates,
    output:
        pairs="results/duplicates/pairs.tsv",
        summary="results/duplicates/summary.json",
    log:
        "results/logs/duplicates/find_duplicates.log",
    benchmark:
        "results/benchmarks/duplicates/find_duplicates.tsv"
    conda:
        "../envs/analysis.yaml"
    threads: 2
    resources:
        mem_mb=8000,
        runtime=240,
    params:
        fingerprints=get_duplicate_scan_args,
        threshold=config["experiment3"]["duplicate_threshold"],
        expected=get_expected_demo_args,
    shell:
        "python -m workflow_scripts.find_duplicates {params.fingerprints:q}"
        " --threshold {params.threshold:q} {params.expected:q} --out {output.pairs}"
        " --summary-out {output.summary} 2> {log}"
