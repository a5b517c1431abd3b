"""Experiments 3 and 4: random N bonafide + N spoof per dataset, duplicates removed, merged.

Usage::

    python -m workflow_scripts.sample_random \
        --cache asvspoof2019=results/caches/asvspoof2019/train.h5 \
        --cache for=... --cache wavefake=... \
        --n-per-class N --seed S [--duplicates duplicates.tsv] \
        --out selection.tsv --summary-out summary.json

    # random control at the full method's budget (Experiment 4):
    python -m workflow_scripts.sample_random --cache ... --match-counts full_method_summary.json \
        --seed S [--duplicates duplicates.tsv] --out ... --summary-out ...

A dataset's pool is its caches (``train``, or ``train`` and ``dev`` given as
``--cache DATASET:SPLIT=H5``; never ``eval``). Rows excluded as duplicates
(priority: the order of ``--cache``, training splits first) are never drawn; a
(dataset, class) with fewer eligible rows than requested gives all it has, and
the shortfall is logged and in the summary. Each (dataset, class) has its own
random stream, so ``--match-counts`` with one count everywhere equals
``--n-per-class`` (``sampling.random_draws``). Selection columns: ``dataset,
split, utt_id, label, attack``; summary keys as in
``sampling.random_draws.draw_summary`` after ``mode``, ``n_per_class`` and
``match_counts``.
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from workflow_scripts.cli import (
    add_draw_options,
    add_named_inputs,
    command,
    new_parser,
    non_negative_int,
)
from workflow_scripts.io.files import read_json, write_json
from workflow_scripts.io.selections import write_selection
from workflow_scripts.sampling import random_draws

log = logging.getLogger("workflow_scripts.sample_random")


def build_parser() -> argparse.ArgumentParser:
    parser = new_parser(__file__, __doc__)
    cache_help = "a training-pool cache (repeat; one per dataset and split, e.g. train and dev)"
    add_named_inputs(parser, "--cache", help=cache_help)
    budget = parser.add_mutually_exclusive_group(required=True)
    budget.add_argument("--n-per-class", type=non_negative_int, help="N per dataset and class")
    budget.add_argument("--match-counts", type=Path, help="sample_full_method summary to match")
    add_draw_options(parser)
    return parser


def run(args: argparse.Namespace) -> None:
    pool = random_draws.load_pool(args.cache, args.duplicates)
    random_draws.check_training_pool(pool)
    if args.match_counts is not None:
        summary = read_json(args.match_counts, "match-counts summary")
        requested = random_draws.matched_counts(summary, pool.datasets, str(args.match_counts))
        mode = {"mode": "match_counts", "n_per_class": None, "match_counts": str(args.match_counts)}
    else:
        requested = random_draws.uniform_counts(pool, args.n_per_class)
        mode = {"mode": "n_per_class", "n_per_class": args.n_per_class, "match_counts": None}
    selection, counts = random_draws.draw_counts(pool, requested, args.seed)
    write_selection(selection, args.out)
    summary = random_draws.draw_summary(pool, counts, selection, seed=args.seed, **mode)
    write_json(summary, args.summary_out)
    log.info("selected %d rows from %d caches -> %s", len(selection), len(pool.caches), args.out)


main = command(build_parser, run)

if __name__ == "__main__":
    raise SystemExit(main())
