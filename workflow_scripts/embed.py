"""Extract penultimate embeddings (and logits) of cache rows for neural-collapse sampling.

Usage::

    python -m workflow_scripts.embed --checkpoint best.pt --caches train.h5 [...]
        [--selection sel.tsv] --out emb.h5 [--device auto] [--batch-size 128] [--threads T]
        [--threshold-caches DEV.h5 ...] [--stage N]

Writes HDF5 with datasets utt_id, embedding float32 (N, num_features),
label int8 (1 bonafide), attack, logit float32, correct bool (logit above the
decision threshold predicts bonafide; correct when that matches the label),
dataset, split; attributes checkpoint, model, decision_threshold,
threshold_source, num_features, embedding_layer ("penultimate", or "stage<N>"
with ``--stage N``: the global-average-pooled output of backbone stage N,
1-based; logit and correct stay the full model's; see docs/models.md).

The decision threshold is 0 (probability 0.5, the paper's "correctly
predicted"), or, with ``--threshold-caches DEV.h5``, the EER-DET threshold of
the detector's scores on those (validation) caches: a detector trained with
plain BCE on a 1:9 bonafide:spoof set is biased towards spoof at logit 0, and an
undertrained one may call every bonafide spoof, leaving that class no samples of
interest at all.
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from workflow_scripts.cli import command, new_parser
from workflow_scripts.io.embeddings import write_embeddings
from workflow_scripts.training.inference import CacheScoringRun, embed_cache_files

log = logging.getLogger("workflow_scripts.embed")


def build_parser() -> argparse.ArgumentParser:
    parser = new_parser(__file__, __doc__)
    CacheScoringRun.add_arguments(parser, what="embed")
    parser.add_argument("--out", type=Path, required=True, help="embedding HDF5")
    parser.add_argument("--threshold-caches", nargs="+", type=Path, default=None, metavar="H5",
                        help="validation caches whose EER-DET threshold decides 'correct' "
                        "(default: logit 0)")
    parser.add_argument("--stage", type=int, default=None, metavar="N",
                        help="embed the pooled output of backbone stage N (1-based) instead of "
                        "the penultimate layer")
    return parser


def run(args: argparse.Namespace) -> None:
    result = embed_cache_files(CacheScoringRun.from_args(args), args.threshold_caches, args.stage)
    scored, rows, correct = result.scored, result.scored.rows, result.correct
    assert scored.embedding is not None
    write_embeddings(
        args.out, utt_id=rows.utt_id, embedding=scored.embedding, label=rows.label,
        attack=rows.attack, logit=scored.score, correct=correct, dataset=rows.dataset,
        split=rows.split, attrs={
            "checkpoint": str(args.checkpoint), "model": result.model_name,
            "decision_threshold": float(result.threshold),
            "threshold_source": result.threshold_source,
            "num_features": int(scored.embedding.shape[1]),
            "embedding_layer": result.embedding_layer,
        },
    )
    log.info("embedded %d rows (%s) with %s -> %s; decision threshold %.4f (%s); correct: "
             "%d bonafide, %d spoof", len(rows), result.embedding_layer, args.checkpoint,
             args.out, result.threshold, result.threshold_source,
             int((correct & (rows.label == 1)).sum()), int((correct & (rows.label == 0)).sum()))
    for label, name in ((1, "bonafide"), (0, "spoof")):
        if not (correct & (rows.label == label)).any():
            log.warning("no %s row is correctly classified at threshold %.4f: that class has no "
                        "samples of interest (sampling will stop); consider "
                        "embeddings.decision_threshold: dev_eer", name, result.threshold)


main = command(build_parser, run)

if __name__ == "__main__":
    raise SystemExit(main())
