"""Neural-collapse diagnostics of a pretrained detector's training embeddings.

Usage::

    python -m workflow_scripts.nc_diagnostics --embeddings emb.h5
        --out-json nc.json --out-tsv distances.tsv --plot distances.png
        [--metric euclidean|cosine] [--dataset D --split S]

On the samples of interest (``correct`` True), as Algorithm 1 sees them:

* JSON: ``nc1``, ``within_between_ratio``, ``mean_class_mean_distance``
  (``sampling.collapse_metrics``, always Euclidean), ``n`` (samples of
  interest), ``n_interest``/``n_total`` per class, ``accuracy`` (share of
  correct rows), the distance ``metric``, and the per-class distance
  summary under ``distances``;
* TSV: ``sampling.distance_summary`` of each sample of interest's distance
  to its class mean, one row per class (``label`` as bonafide/spoof);
* PNG: histograms of those distances, bonafide vs spoof.

Tells whether the classes collapse around their means, i.e. whether
nearest-to-mean sampling ranks samples by how typical they are.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from workflow_scripts.io.embeddings import Embeddings, LABEL_NAMES, read_embeddings
from workflow_scripts.io.files import atomic_path, write_tsv
from workflow_scripts.reporting.figures import plot_distance_distributions
from workflow_scripts.sampling import class_means, collapse_metrics, distance_summary, distances_to_means
from workflow_scripts.sampling.nc_sampling import METRICS


def diagnose(emb: Embeddings, metric: str = "euclidean") -> tuple[dict[str, Any], pd.DataFrame, dict[str, np.ndarray]]:
    """Collapse measures (JSON dict), per-class distance summary and the distances per class name."""
    interest = emb.interest
    try:
        collapse = collapse_metrics(emb.embedding, emb.label, interest)
        means = class_means(emb.embedding, emb.label, interest)
    except ValueError as err:
        raise ValueError(f"{emb.path}: {err}") from None
    x, y = emb.embedding[interest], emb.label[interest]
    d = distances_to_means(x, y, means, metric)  # type: ignore[arg-type]
    summary = distance_summary(d, y)
    summary["label"] = [LABEL_NAMES[int(k)] for k in summary["label"]]
    summary = summary.sort_values("label", kind="stable").reset_index(drop=True)  # bonafide first
    per_class = {LABEL_NAMES[k]: d[y == k] for k in sorted(LABEL_NAMES) if np.any(y == k)}
    result: dict[str, Any] = {
        **collapse,
        "n_interest": emb.counts_per_class(interest),
        "n_total": emb.counts_per_class(),
        "accuracy": float(interest.mean()),
        "metric": metric,
        "embeddings": str(emb.path),
        "model": emb.attrs.get("model", ""),
        "distances": {
            row["label"]: {k: v for k, v in row.items() if k != "label"} for row in summary.to_dict("records")
        },
    }
    return result, summary, per_class


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m workflow_scripts.nc_diagnostics",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--embeddings", type=Path, required=True)
    parser.add_argument("--out-json", type=Path, required=True)
    parser.add_argument("--out-tsv", type=Path, required=True)
    parser.add_argument("--plot", type=Path, required=True, help="PNG histogram of distances to the class means")
    parser.add_argument("--metric", choices=METRICS, default="euclidean", help="distance used for the distributions")
    parser.add_argument("--dataset", default=None, help="dataset name if the file does not record it")
    parser.add_argument("--split", default=None, help="split if the file does not record it")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        emb = read_embeddings(args.embeddings, dataset=args.dataset, split=args.split)
        result, summary, per_class = diagnose(emb, args.metric)
        text = json.dumps(result, indent=2, allow_nan=False) + "\n"
    except ValueError as err:
        print(f"nc_diagnostics: error: {err}", file=sys.stderr)
        return 2
    with atomic_path(args.out_json) as tmp:
        tmp.write_text(text)
    write_tsv(summary, args.out_tsv)
    model = result["model"] or args.embeddings.name
    plot_distance_distributions(per_class, args.plot, metric=args.metric,
                                title=f"{model}: distance to class mean (samples of interest)")
    print(f"nc_diagnostics: NC1 {result['nc1']:.4g}, within/between {result['within_between_ratio']:.4g} "
          f"on {result['n']} samples of interest", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
