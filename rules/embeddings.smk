"""Penultimate embeddings of pretrained detectors, neural-collapse diagnostics and Figure 1."""


rule embed:
    input:
        checkpoint=get_embedding_checkpoint,
        cache="results/caches/{dataset}/{split}.h5",
        threshold_caches=get_threshold_caches,
    output:
        "results/embeddings/{dataset}/{model}/{split}.h5",
    log:
        "results/logs/embed/{dataset}/{model}/{split}.log",
    benchmark:
        "results/benchmarks/embed/{dataset}/{model}/{split}.tsv"
    conda:
        "../envs/torch.yaml"
    threads: config["training"]["threads"]
    resources:
        mem_mb=4000,
        runtime=120,
        gpu=config["training"]["gpus"],
    params:
        device=config["device"],
        threshold=get_threshold_args,
        layer=get_embedding_layer_args,
    shell:
        "python -m workflow_scripts.embed --checkpoint {input.checkpoint} --caches {input.cache}"
        " {params.threshold:q} {params.layer:q} --device {params.device:q} --threads {threads}"
        " --out {output} 2> {log}"


# Embedding sources of the Algorithm-2 ablation (experiment4.embedding_sources): the
# attack-aware detector's penultimate layer, or a pooled earlier stage of the binary one.
use rule embed as embed_source with:
    output:
        "results/embeddings/{dataset}/{model}/{source}/{split}.h5",
    log:
        "results/logs/embed/{dataset}/{model}/{source}/{split}.log",
    benchmark:
        "results/benchmarks/embed/{dataset}/{model}/{source}/{split}.tsv"


rule nc_diagnostics:
    input:
        "results/embeddings/{dataset}/{model}/train.h5",
    output:
        json="results/nc/{dataset}/{model}/diagnostics.json",
        tsv="results/nc/{dataset}/{model}/distances.tsv",
        plot=report(
            "results/nc/{dataset}/{model}/distances.png",
            caption="../report/distances.rst",
            category="Neural collapse",
            labels={"dataset": "{dataset}", "model": "{model}"},
        ),
    log:
        "results/logs/nc/{dataset}/{model}.log",
    benchmark:
        "results/benchmarks/nc/{dataset}/{model}.tsv"
    conda:
        "../envs/analysis.yaml"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=30,
    shell:
        "python -m workflow_scripts.nc_diagnostics --embeddings {input} --out-json {output.json}"
        " --out-tsv {output.tsv} --plot {output.plot} 2> {log}"


rule figure1:
    input:
        get_exp2_embeddings,
    output:
        png=report(
            "results/figures/figure1_tsne.png",
            caption="../report/figure1.rst",
            category="Figures",
        ),
        pdf="results/figures/figure1_tsne.pdf",
        coords="results/figures/figure1_tsne.tsv",
        other=report(
            plan_per_attack.figure1_other_png(config),
            caption="../report/figure1_other.rst",
            category="Figures",
        ),
    log:
        "results/logs/figures/figure1.log",
    benchmark:
        "results/benchmarks/figures/figure1.tsv"
    conda:
        "../envs/analysis.yaml"
    threads: 2
    resources:
        mem_mb=8000,
        runtime=60,
    params:
        max_points=config["figure1"]["max_points"],
        color_by=config["figure1"]["color_by"],
        perplexity=config["figure1"]["perplexity"],
        seed=config["seed"],
    shell:
        "python -m workflow_scripts.make_figure1 --embeddings {input} --out-png {output.png}"
        " --out-pdf {output.pdf} --max-points {params.max_points:q} --seed {params.seed:q}"
        " --color-by {params.color_by:q} --perplexity {params.perplexity:q}"
        " --threads {threads} --other-png {output.other} 2> {log}"
