"""Extract penultimate embeddings (and logits) of cache rows for neural-collapse sampling.

Usage::

    python -m workflow_scripts.embed --checkpoint best.pt --caches train.h5 [...]
        [--selection sel.tsv] --out emb.h5 [--device auto] [--batch-size 128] [--threads T]

Writes HDF5 with datasets utt_id, embedding float32 (N, num_features),
label int8 (1 bonafide), attack, logit float32, correct bool (logit above the
decision threshold predicts bonafide; correct when that matches the label),
dataset, split; attributes checkpoint, model, decision_threshold,
threshold_source, num_features.

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
import os
import sys
from collections.abc import Sequence
from pathlib import Path

import h5py
import numpy as np

from workflow_scripts.io.files import atomic_path
from workflow_scripts.metrics.eer import eer_det
from workflow_scripts.training.data import index_caches
from workflow_scripts.training.inference import (
    DECISION_THRESHOLD,
    ScoredRows,
    add_cache_scoring_arguments,
    score_cache_files,
    score_rows,
)

log = logging.getLogger("workflow_scripts.embed")
_STR = h5py.string_dtype("utf-8")


def write_embeddings(
    scored: ScoredRows,
    path: str | os.PathLike[str],
    checkpoint_path: str | os.PathLike[str],
    model_name: str,
    *,
    threshold: float = DECISION_THRESHOLD,
    threshold_source: str = "logit 0",
) -> None:
    """Write the embedding file (layout in the module docstring) atomically."""
    assert scored.embedding is not None
    rows = scored.rows
    correct = (scored.score > threshold) == (rows.label == 1)
    with atomic_path(path) as tmp, h5py.File(tmp, "w") as h5:
        h5.create_dataset("utt_id", data=rows.utt_id.astype(object), dtype=_STR)
        h5.create_dataset("embedding", data=scored.embedding.astype(np.float32))
        h5.create_dataset("label", data=rows.label.astype(np.int8))
        h5.create_dataset("attack", data=rows.attack.astype(object), dtype=_STR)
        h5.create_dataset("logit", data=scored.score.astype(np.float32))
        h5.create_dataset("correct", data=correct.astype(bool))
        h5.create_dataset("dataset", data=rows.dataset.astype(object), dtype=_STR)
        h5.create_dataset("split", data=rows.split.astype(object), dtype=_STR)
        h5.attrs.update({
            "checkpoint": str(checkpoint_path),
            "model": model_name,
            "decision_threshold": float(threshold),
            "threshold_source": threshold_source,
            "num_features": int(scored.embedding.shape[1]),
        })


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m workflow_scripts.embed", description=__doc__.split("\n")[0])
    add_cache_scoring_arguments(parser, what="embed")
    parser.add_argument("--out", type=Path, required=True, help="embedding HDF5")
    parser.add_argument("--threshold-caches", nargs="+", type=Path, default=None, metavar="H5",
                        help="validation caches whose EER-DET threshold decides 'correct' (default: logit 0)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        scored, checkpoint, model, device = score_cache_files(
            args.checkpoint, args.caches, selection_path=args.selection, device=args.device,
            threads=args.threads, batch_size=args.batch_size, with_embeddings=True,
        )
        threshold, source = DECISION_THRESHOLD, "logit 0"
        if args.threshold_caches:
            dev = score_rows(model, index_caches(args.threshold_caches), device, args.batch_size,
                             expected_features=checkpoint["config"]["features"])
            threshold = float(eer_det(dev.score, (dev.rows.label == 1).astype(np.int64))[1])
            source = "EER-DET threshold on " + " ".join(str(p) for p in args.threshold_caches)
    except (ValueError, KeyError, FileNotFoundError) as err:
        print(f"embed: error: {err.args[0] if isinstance(err, KeyError) else err}", file=sys.stderr)
        return 2
    rows = scored.rows
    write_embeddings(scored, args.out, args.checkpoint, checkpoint["config"]["model"]["name"],
                     threshold=threshold, threshold_source=source)
    correct = (scored.score > threshold) == (rows.label == 1)
    log.info("embedded %d rows with %s -> %s; decision threshold %.4f (%s); correct: %d bonafide, %d spoof",
             len(rows), args.checkpoint, args.out, threshold, source,
             int((correct & (rows.label == 1)).sum()), int((correct & (rows.label == 0)).sum()))
    for label, name in ((1, "bonafide"), (0, "spoof")):
        if not (correct & (rows.label == label)).any():
            log.warning("no %s row is correctly classified at threshold %.4f: that class has no samples of "
                        "interest (sampling will stop); consider embeddings.decision_threshold: dev_eer",
                        name, threshold)
    return 0


if __name__ == "__main__":
    sys.exit(main())
