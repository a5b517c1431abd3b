"""Build the best-epoch table: which epoch every trained run of the workflow kept, and why.

Usage::

    python -m workflow_scripts.make_best_epochs \\
        --entry results/models/pretrained/asvspoof2019/resnet/training.json "Table 1" \\
        --entry results/models/exp3/n100/seed0/training.json "Table 2" [--entry ...] \\
        --out results/best_epochs.csv --markdown results/best_epochs.md

Each ``--entry`` is a run's ``training.json`` (written by ``train``) and what uses the
run. CSV columns: ``reporting.best_epochs.BEST_EPOCH_COLUMNS`` (run, experiment,
training data, model, seed, best epoch, epochs run, max_epochs, patience, stop reason,
val_loss kind, the kept epoch's validation loss and EER, rows per class, ``early`` =
kept epoch 1 or 2, used_by). The Markdown ends with a sentence naming how many runs
kept epoch 1 or 2.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from workflow_scripts.cli import command, new_parser
from workflow_scripts.io.files import write_text
from workflow_scripts.reporting.best_epochs import best_epoch_table, best_epochs_markdown
from workflow_scripts.reporting.tables import write_csv


def build_parser() -> argparse.ArgumentParser:
    parser = new_parser(__file__, __doc__)
    add = parser.add_argument
    add(
        "--entry",
        nargs=2,
        action="append",
        required=True,
        metavar=("TRAINING_JSON", "USED_BY"),
        help="one trained run: its training.json and the tables that use it",
    )
    add("--out", type=Path, required=True, help="CSV output")
    add("--markdown", type=Path, required=True, help="Markdown output")
    return parser


def run(args: argparse.Namespace) -> None:
    table = best_epoch_table([(path, used_by) for path, used_by in args.entry])
    write_csv(table, args.out)
    write_text(best_epochs_markdown(table), args.markdown)
    print(
        f"make_best_epochs: {len(table)} runs, {int(table['early'].sum())} kept epoch 1 or 2",
        file=sys.stderr,
    )


main = command(build_parser, run)

if __name__ == "__main__":
    raise SystemExit(main())
