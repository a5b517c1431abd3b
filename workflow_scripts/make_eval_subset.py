"""The paper's "eval data": a seeded subset of several datasets' evaluation splits combined.

Usage::

    python -m workflow_scripts.make_eval_subset \
        --cache asvspoof2019=results/caches/asvspoof2019/eval.h5 \
        --cache for=... --cache wavefake=... \
        --n-per-class M --seed S [--duplicates duplicates.tsv] \
        --out eval_selection.tsv --summary-out eval_summary.json

M bonafide and M spoof utterances per dataset (all of them where fewer are
eligible). With ``--duplicates`` (a ``find_duplicates`` table that also
covers the training caches), every recording that has a copy in a training
split is left out, and of copies within the evaluation data one is kept
(``sampling.exclusions.duplicate_exclusions``: training splits outrank
evaluation splits). Output columns and summary keys as in ``sample_random``.
"""

from __future__ import annotations

import argparse
import logging

from workflow_scripts.cli import (
    add_draw_options,
    add_named_inputs,
    command,
    new_parser,
    non_negative_int,
)
from workflow_scripts.io.files import write_json
from workflow_scripts.io.selections import write_selection
from workflow_scripts.sampling import random_draws
from workflow_scripts.sampling.exclusions import refuse_split

log = logging.getLogger("workflow_scripts.make_eval_subset")


def build_parser() -> argparse.ArgumentParser:
    parser = new_parser(__file__, __doc__)
    cache_help = "a dataset's evaluation cache (repeat, one per dataset)"
    add_named_inputs(parser, "--cache", help=cache_help, metavar="DATASET=H5")
    parser.add_argument("--n-per-class", type=non_negative_int, required=True, help="M per class")
    add_draw_options(parser)
    return parser


def run(args: argparse.Namespace) -> None:
    pool = random_draws.load_pool(args.cache, args.duplicates)
    refuse_split(pool.caches, "train", "the eval subset takes evaluation caches")
    requested = random_draws.uniform_counts(pool, args.n_per_class)
    selection, counts = random_draws.draw_counts(pool, requested, args.seed)
    write_selection(selection, args.out)
    mode = {"mode": "eval_subset", "n_per_class": args.n_per_class}
    summary = random_draws.draw_summary(pool, counts, selection, seed=args.seed, **mode)
    write_json(summary, args.summary_out)
    log.info(
        "eval subset: %d rows from %d caches -> %s", len(selection), len(pool.caches), args.out
    )


main = command(build_parser, run)

if __name__ == "__main__":
    raise SystemExit(main())
