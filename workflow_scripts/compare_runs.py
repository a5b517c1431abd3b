"""Compare a method with its control: metric differences, paired-bootstrap intervals, p-values.

Usage::

    python -m workflow_scripts.compare_runs \\
        --comparison '{"setting": "b1.0_s0.5", "eval_set": "ASV eval",
                       "method": "nc", "control": "random_interest",
                       "method_scores": ["nc/seed0.tsv", "nc/seed1.tsv"],
                       "control_scores": ["ri/seed0.tsv", "ri/seed1.tsv"]}' [--comparison ...] \\
        --n-resamples 1000 --alpha 0.05 --seed 0 --out results/table_exp4_significance.csv

Each ``--comparison`` is a JSON object (or a file holding one); every score
file of a comparison must cover the same evaluation utterances. Optional keys
``method_summary`` and ``control_summary`` (sampling summaries with per-class
``counts`` and ``n_total``) add each side's share of the training set
(``train_fraction_method``, ``train_fraction_control``); optional key
``manifests`` (the evaluation set's corpus manifests) makes the bootstrap draw
whole speakers, not utterances, where they name speakers (corpora with fewer
than ``--min-speakers`` named speakers are drawn by utterance). One CSV row
per comparison and metric (EER-ROC, mAP): the method-minus-control difference
of the means over seeds, its interval (test-set variation from a paired
bootstrap, column ``resampled`` saying what it drew, plus training-seed
variation), the p-value, Holm's adjusted p-value over all rows, and the
verdicts (``reporting.significance.SIGNIFICANCE_COLUMNS``; ``docs/metrics.md``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from workflow_scripts.cli import command, new_parser, positive_int
from workflow_scripts.metrics.resampling import DEFAULT_MIN_SPEAKERS
from workflow_scripts.reporting.significance import (
    compare,
    read_comparison_spec,
    significance_sentence,
)
from workflow_scripts.reporting.tables import write_csv


def build_parser() -> argparse.ArgumentParser:
    parser = new_parser(__file__, __doc__)
    add = parser.add_argument
    add("--comparison", action="append", required=True, metavar="JSON", help="one (repeat)")
    add("--n-resamples", type=positive_int, default=1000, help="bootstrap replicates")
    add("--alpha", type=float, default=0.05, help="significance level (interval 1 - alpha)")
    add("--seed", type=int, default=0, help="bootstrap seed")
    add("--min-speakers", type=positive_int, default=DEFAULT_MIN_SPEAKERS, help="per corpus")
    add("--out", type=Path, required=True, help="CSV output")
    return parser


def run(args: argparse.Namespace) -> None:
    if not 0.0 < args.alpha < 1.0:
        raise ValueError(f"--alpha must be in (0, 1), got {args.alpha}")
    specs = [read_comparison_spec(text) for text in args.comparison]
    table = compare(
        specs,
        n_resamples=args.n_resamples,
        alpha=args.alpha,
        seed=args.seed,
        min_speakers=args.min_speakers,
    )
    write_csv(table, args.out, float_format="%.10g")
    print(significance_sentence(table), file=sys.stderr)


main = command(build_parser, run)

if __name__ == "__main__":
    raise SystemExit(main())
