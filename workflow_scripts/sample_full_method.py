"""Experiment 4, the paper's "full method": Algorithm 1 for bonafide + Algorithm 2 for spoofs.

Usage::

    python -m workflow_scripts.sample_full_method \
        --embeddings asvspoof2019=emb_asv.h5 --embeddings for=emb_for.h5 ... \
        --bonafide-rate 1.0 --spoof-rate 0.5 [--k-max for=4 ...] --seed S \
        [--duplicates duplicates.tsv] --out selection.tsv --summary-out summary.json \
        [--clusters-out clusters.tsv] [--source attack_aware --fallback for ...]

Each ``--embeddings`` file holds one dataset's training rows embedded by *that
dataset's* pretrained detector (``DATASET:SPLIT=PATH`` names the split for
files without one). Per dataset (``sampling.full_method``): Algorithm 1 on the
bonafide samples of interest at ``--bonafide-rate``; Algorithm 2 on the spoof
samples of interest at ``--spoof-rate``, ``k_max`` = the number of distinct
attack ids unless ``--k-max DATASET=K`` overrides it (needed where spoofs
carry no attack id, e.g. FoR; else 4, with a warning). Rows excluded as duplicates
(priority: the order of ``--embeddings``, training splits first) are removed
after sampling; ``sample_random --match-counts`` never draws them either.

Selection columns: ``dataset, split, utt_id, label, attack, algorithm``
(``nc``/``cluster``), ``cluster`` (``-`` for bonafide), ``distance``. The
summary reports per dataset the counts per class after de-duplication
(``counts``, which ``sample_random --match-counts`` reads), the chosen k,
silhouettes, overlap groups, the cluster/attack agreement and NC1 per class.
``--source`` names the embedding source (``binary``, ``attack_aware``, ``stage<N>``);
``--fallback DATASET`` says that dataset's file comes from the binary detector instead
(it has no attack ids), which is logged and recorded in the summary.
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from workflow_scripts.cli import add_draw_options, add_named_inputs, command, new_parser, rate
from workflow_scripts.io.embeddings import read_embeddings
from workflow_scripts.io.files import write_json
from workflow_scripts.io.selections import read_duplicate_pairs, write_selection
from workflow_scripts.sampling.full_method import full_method, full_method_summary, parse_k_max

log = logging.getLogger("workflow_scripts.sample_full_method")


def build_parser() -> argparse.ArgumentParser:
    parser = new_parser(__file__, __doc__)
    embeddings_help = "a dataset's training embeddings from its own pretrained detector (repeat)"
    add_named_inputs(parser, "--embeddings", help=embeddings_help)
    parser.add_argument("--bonafide-rate", type=rate, default=1.0, help="Algorithm 1 rate")
    parser.add_argument("--spoof-rate", type=rate, default=0.5, help="Algorithm 2 rate")
    parser.add_argument("--k-max", action="append", default=[], metavar="DATASET=K")
    add_draw_options(parser)
    parser.add_argument("--clusters-out", type=Path, default=None, help="spoof clusters TSV")
    parser.add_argument("--source", default="binary", help="embedding source of the files")
    parser.add_argument("--fallback", action="append", default=[], metavar="DATASET",
                        help="dataset embedded by the binary detector instead (repeat)")
    return parser


def run(args: argparse.Namespace) -> None:
    k_max = parse_k_max(args.k_max)
    stray = sorted(set(args.fallback) - {spec.dataset for spec in args.embeddings})
    if stray:
        raise ValueError(f"--fallback for dataset(s) {stray} without --embeddings")
    for name in args.fallback:
        log.info("%s: no attack ids in this corpus, so no %s detector; Algorithm 2 uses the "
                 "binary detector's embeddings", name, args.source)
    inputs = [
        (spec.dataset, read_embeddings(spec.path, dataset=spec.dataset, split=spec.split))
        for spec in args.embeddings
    ]
    pairs = None if args.duplicates is None else read_duplicate_pairs(args.duplicates)
    rates = {"bonafide_rate": args.bonafide_rate, "spoof_rate": args.spoof_rate}
    sample = full_method(inputs, **rates, k_max=k_max, seed=args.seed, pairs=pairs)
    write_selection(sample.selection, args.out)
    if args.clusters_out is not None:
        write_selection(sample.clusters, args.clusters_out)
    summary = full_method_summary(sample, seed=args.seed, **rates, pairs_file=args.duplicates,
                                  source=args.source, fallbacks=args.fallback)
    write_json(summary, args.summary_out)
    log.info("selected %d rows -> %s", len(sample.selection), args.out)


main = command(build_parser, run)

if __name__ == "__main__":
    raise SystemExit(main())
