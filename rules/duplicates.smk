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
        "../envs/workflow.yaml"
    threads: 2
    resources:
        mem_mb=2000,
        runtime=240,
    params:
        window_s=config["experiment3"]["duplicate_window_s"],
    shell:
        "python -m workflow_scripts.make_fingerprints --cache {input.cache} --manifest {input.manifest}"
        " --window-s {params.window_s} --threads {threads} --out {output.h5}"
        " --unchecked-out {output.unchecked} 2> {log}"


rule find_duplicates:
    input:
        fingerprints=get_dedup_fingerprints,
        expected=exp3_expected_duplicates,
    output:
        pairs="results/duplicates/pairs.tsv",
        summary="results/duplicates/summary.json",
    log:
        "results/logs/duplicates/find_duplicates.log",
    benchmark:
        "results/benchmarks/duplicates/find_duplicates.tsv"
    conda:
        "../envs/workflow.yaml"
    threads: 2
    resources:
        mem_mb=8000,
        runtime=240,
    params:
        fingerprints=get_dedup_fingerprint_args,
        threshold=config["experiment3"]["duplicate_threshold"],
        expected=lambda w, input: (
            f"--expected-demo {input.expected}/demo_duplicates.tsv"
            if input.expected
            else ""
        ),
    shell:
        "python -m workflow_scripts.find_duplicates {params.fingerprints} --threshold {params.threshold}"
        " {params.expected} --out {output.pairs} --summary-out {output.summary} 2> {log}"
