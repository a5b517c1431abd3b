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
(``selections.duplicate_exclusions``: training splits outrank evaluation
splits). Output columns and summary keys as in ``sample_random``.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from workflow_scripts.sample_random import draw_counts, load_pool, report, uniform_counts
from workflow_scripts.io.files import write_json
from workflow_scripts.io.selections import parse_named_path, write_selection

log = logging.getLogger("workflow_scripts.make_eval_subset")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m workflow_scripts.make_eval_subset",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--cache", action="append", required=True, metavar="DATASET=H5",
                        help="a dataset's evaluation cache (repeat, one per dataset)")
    parser.add_argument("--n-per-class", type=int, required=True, help="M bonafide and M spoof per dataset")
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--duplicates", type=Path, default=None, help="find_duplicates pair TSV")
    parser.add_argument("--out", type=Path, required=True, help="selection TSV")
    parser.add_argument("--summary-out", type=Path, required=True, help="summary JSON")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        if args.seed < 0:
            raise ValueError(f"--seed must be >= 0, got {args.seed}")
        pool = load_pool([parse_named_path(t, option="--cache") for t in args.cache], args.duplicates)
        for cache in pool.caches:
            if cache["split"] == "train":
                raise ValueError(f"{cache['path']} is a train split; the eval subset takes evaluation caches")
        selection, counts = draw_counts(pool, uniform_counts(pool, args.n_per_class), args.seed)
    except ValueError as err:
        print(f"make_eval_subset: error: {err}", file=sys.stderr)
        return 2
    write_selection(selection, args.out)
    summary = report(pool, counts, selection, seed=args.seed, mode="eval_subset", n_per_class=int(args.n_per_class))
    write_json(summary, args.summary_out)
    log.info("eval subset: %d rows from %d datasets -> %s", len(selection), len(pool.caches), args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
