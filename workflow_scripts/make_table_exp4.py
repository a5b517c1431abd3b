"""Experiment 4 table and figure: the full method vs. random sampling at the same budget.

Usage::

    python -m workflow_scripts.make_table_exp4 \\
        --run '{"method": "full_method", "seed": 1, "summary": "sel/full_1.json",
                "history": "runs/full_1/history.csv",
                "metrics": {"eval data": "m/full_1/eval.json",
                            "In the wild": "m/full_1/itw.json"}}' \\
        --run '{"method": "random_matched", "seed": 1, ...}' [...] \\
        [--significance results/table_exp4_significance.csv] \\
        --out results/table_exp4.csv --markdown results/table_exp4.md \\
        --figure results/figures/exp4_comparison.png

``summary`` is the selection summary (``sample_full_method`` or
``sample_random --match-counts``); its ``total`` gives the training samples per
class. ``history`` is the training ``history.csv``; the training time is the
sum of its ``seconds`` column. One table row per method: mean and standard
deviation over seeds of EER-ROC, mAP (the paper's: AP with spoof positive),
EER-DET, AP-bonafide and AP-mean per evaluation set.

``--training-summary JSON`` (repeat: each run's ``training.json``) adds a note under the
Markdown table naming the runs that kept epoch 1 or 2 (``reporting.best_epochs``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from workflow_scripts.cli import add_table_options, command, new_parser
from workflow_scripts.reporting import exp4
from workflow_scripts.reporting.companions import write_table_markdown
from workflow_scripts.reporting.tables import chosen_metrics, write_csv


def build_parser() -> argparse.ArgumentParser:
    parser = new_parser(__file__, __doc__)
    add = parser.add_argument
    add("--run", action="append", required=True, metavar="JSON", help="one trained model (repeat)")
    add("--out", type=Path, required=True, help="CSV output")
    add("--markdown", type=Path, required=True, help="Markdown output")
    add("--figure", type=Path, required=True, help="PNG comparison figure")
    add_table_options(parser)
    return parser


def run(args: argparse.Namespace) -> None:
    runs = [exp4.read_run(text) for text in args.run]
    metrics = chosen_metrics(args.metric)
    table = exp4.exp4_table(runs, metrics=metrics)
    summary = exp4.exp4_summary(runs)
    write_csv(table, args.out)
    write_table_markdown(
        exp4.exp4_markdown(table, metrics=metrics),
        args.markdown,
        training_summaries=args.training_summary,
        significance=args.significance,
        title="Experiment 4: full method minus matched random sampling",
    )
    exp4.plot_exp4(summary, args.figure)
    print(table.to_string(index=False), file=sys.stderr)


main = command(build_parser, run)

if __name__ == "__main__":
    raise SystemExit(main())
