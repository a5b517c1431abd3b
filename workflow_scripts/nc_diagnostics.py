"""Neural-collapse diagnostics of a pretrained detector's training embeddings.

Usage::

    python -m workflow_scripts.nc_diagnostics --embeddings emb.h5
        --out-json nc.json --out-tsv distances.tsv --plot distances.png
        [--metric euclidean|cosine] [--dataset D --split S]

On the samples of interest (``correct`` True), as Algorithm 1 sees them
(``sampling.diagnostics.embedding_diagnostics``):

* JSON: ``nc1``, ``within_between_ratio``, ``mean_class_mean_distance``
  (always Euclidean), ``n``, ``n_interest``/``n_total`` per class,
  ``accuracy``, the distance ``metric`` and the per-class distance summary;
* TSV: that summary of each sample of interest's distance to its class mean,
  one row per class (``label`` as bonafide/spoof);
* PNG: histograms of those distances, bonafide vs spoof.

Tells whether the classes collapse around their means, i.e. whether
nearest-to-mean sampling ranks samples by how typical they are.
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from workflow_scripts.cli import command, new_parser
from workflow_scripts.io.embeddings import read_embeddings
from workflow_scripts.io.files import write_json, write_tsv
from workflow_scripts.reporting.figures import plot_distance_distributions
from workflow_scripts.sampling.diagnostics import embedding_diagnostics
from workflow_scripts.sampling.nc_sampling import METRICS

log = logging.getLogger("workflow_scripts.nc_diagnostics")


def build_parser() -> argparse.ArgumentParser:
    parser = new_parser(__file__, __doc__)
    parser.add_argument("--embeddings", type=Path, required=True)
    parser.add_argument("--out-json", type=Path, required=True)
    parser.add_argument("--out-tsv", type=Path, required=True)
    parser.add_argument("--plot", type=Path, required=True, help="PNG histogram of distances")
    parser.add_argument("--metric", choices=METRICS, default="euclidean", help="to class mean")
    parser.add_argument("--dataset", default=None, help="if the file does not record it")
    parser.add_argument("--split", default=None, help="if the file does not record it")
    return parser


def run(args: argparse.Namespace) -> None:
    emb = read_embeddings(args.embeddings, dataset=args.dataset, split=args.split)
    result, summary, per_class = embedding_diagnostics(emb, args.metric)
    write_json(result, args.out_json)
    write_tsv(summary, args.out_tsv)
    title = (
        f"{result['model'] or args.embeddings.name}: distance to class mean (samples of interest)"
    )
    plot_distance_distributions(per_class, args.plot, metric=args.metric, title=title)
    log.info(
        "NC1 %.4g, within/between %.4g on %d samples of interest",
        result["nc1"],
        result["within_between_ratio"],
        result["n"],
    )


main = command(build_parser, run)

if __name__ == "__main__":
    raise SystemExit(main())
