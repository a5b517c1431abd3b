"""Build Table 1 (Experiment 1) from per-run metric JSON files.

Usage::

    python -m workflow_scripts.make_table_exp1 \\
        --entry "ASV eval" resnet results/metrics/.../eval.json [--entry ...] \\
        --out results/table1.csv --markdown results/table1.md

Rows: evaluation set x metric (``reporting.tables.TABLE_METRICS``: EER-ROC,
mAP = the paper's AP with spoof positive, then EER-DET, AP-bonafide, AP-mean);
columns: models, in the order first given.

``--training-summary JSON`` (repeat: each run's ``training.json``) adds a note under the
Markdown table naming the runs that kept epoch 1 or 2 (``reporting.best_epochs``).
"""

from __future__ import annotations

import argparse
import sys

from workflow_scripts.cli import add_table_options, command, new_parser
from workflow_scripts.reporting.companions import write_table_markdown
from workflow_scripts.reporting.exp1 import TITLE, table1
from workflow_scripts.reporting.tables import chosen_metrics, to_markdown, write_csv


def build_parser() -> argparse.ArgumentParser:
    parser = new_parser(__file__, __doc__)
    parser.add_argument(
        "--entry",
        nargs=3,
        action="append",
        required=True,
        metavar=("EVAL_SET", "MODEL", "METRICS_JSON"),
        help="one cell group: row label, column (model), metrics file",
    )
    parser.add_argument("--out", required=True, help="CSV output")
    parser.add_argument("--markdown", required=True, help="Markdown output")
    add_table_options(parser, significance=False)
    return parser


def run(args: argparse.Namespace) -> None:
    table = table1(args.entry, chosen_metrics(args.metric))
    write_csv(table, args.out)
    write_table_markdown(
        to_markdown(table, title=TITLE), args.markdown, training_summaries=args.training_summary
    )
    print(table.to_string(index=False), file=sys.stderr)


main = command(build_parser, run)

if __name__ == "__main__":
    raise SystemExit(main())
