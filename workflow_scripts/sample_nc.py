"""Experiment 2 training selection: Algorithm 1 or a random control of the same size.

Usage::

    python -m workflow_scripts.sample_nc --embeddings emb.h5
        --method nc|random_interest|random_all|full --bonafide-rate 1.0 --spoof-rate 0.5
        [--metric euclidean|cosine] [--seed S] [--dataset D --split S]
        --out selection.tsv [--summary-out summary.json]

Methods: ``nc`` (Algorithm 1: per class, the samples of interest nearest the
class mean), ``random_interest`` and ``random_all`` (the same per-class counts
drawn from the samples of interest or from all rows), and ``full`` (every
row, rates 1.0: Experiment 2's full-data reference); see
``sampling.nc_selection``. The TSV has columns ``dataset, split, utt_id, label,
attack, correct, distance, rank`` in cache order; the JSON summarises counts,
rates and the largest selected distance per class.
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from workflow_scripts.cli import command, new_parser, non_negative_int, rate
from workflow_scripts.io.embeddings import read_embeddings
from workflow_scripts.io.files import write_json, write_tsv
from workflow_scripts.sampling.methods import SELECTION_METHODS
from workflow_scripts.sampling.nc_sampling import METRICS
from workflow_scripts.sampling.nc_selection import nc_selection

log = logging.getLogger("workflow_scripts.sample_nc")


def build_parser() -> argparse.ArgumentParser:
    parser = new_parser(__file__, __doc__)
    parser.add_argument("--embeddings", type=Path, required=True, help="training embeddings")
    parser.add_argument("--method", choices=SELECTION_METHODS, required=True)
    parser.add_argument("--bonafide-rate", type=rate, required=True, help="bonafide share kept")
    parser.add_argument("--spoof-rate", type=rate, required=True, help="spoof share kept")
    parser.add_argument("--metric", choices=METRICS, default="euclidean", help="to class mean")
    parser.add_argument("--seed", type=non_negative_int, default=0, help="nc and full ignore it")
    parser.add_argument("--dataset", default=None, help="if the file does not record it")
    parser.add_argument("--split", default=None, help="if the file does not record it")
    parser.add_argument("--out", type=Path, required=True, help="selection TSV")
    parser.add_argument("--summary-out", type=Path, default=None, help="summary JSON")
    return parser


def run(args: argparse.Namespace) -> None:
    emb = read_embeddings(args.embeddings, dataset=args.dataset, split=args.split)
    table, summary = nc_selection(
        emb,
        args.method,
        bonafide_rate=args.bonafide_rate,
        spoof_rate=args.spoof_rate,
        metric=args.metric,
        seed=args.seed,
    )
    write_tsv(table, args.out)
    if args.summary_out is not None:
        write_json(summary, args.summary_out)
    counts, interest = summary["counts"], summary["n_interest"]
    log.info("%s kept %s of %s samples of interest -> %s", args.method, counts, interest, args.out)


main = command(build_parser, run)

if __name__ == "__main__":
    raise SystemExit(main())
