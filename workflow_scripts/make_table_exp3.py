"""Build Table 2 (Experiment 3: training on three datasets, N random samples per class per dataset).

Usage::

    python -m workflow_scripts.make_table_exp3 \\
        --entry 100 "eval data" results/metrics/exp3/n100_seed1/eval_data.json \\
        --entry 100 "In the wild" results/metrics/exp3/n100_seed1/itw.json [--entry ...] \\
        --out results/table2.csv --markdown results/table2.md \\
        [--seeds-json results/table2_runs.json] \\
        [--summary 100 0 results/sampling/exp3/n100/seed0.json ... \\
         --counts-out results/table2_counts.csv] \\
        [--significance results/table2_significance.csv]

Rows: evaluation set x metric (EER-ROC, mAP, EER-DET, AP-bonafide, AP-mean;
``reporting.tables.TABLE_METRICS``; mAP is the paper's, AP with spoof positive);
columns: N. An N and evaluation set given several times (runs with other
seeds) is averaged; the CSV then gains ``{N}_std`` columns after the N columns
(sample standard deviation over the runs) and the Markdown a second block, so
the block of means keeps the paper's layout. ``--seeds-json`` (an output) lists,
per cell, the metric files averaged and their values.

``--summary N SEED JSON`` (the ``sample_random`` summary of every run) adds the
realised training rows: rows ``training rows`` x "<dataset> <class>" (rows
drawn, mean over seeds), a caption sentence in the Markdown naming every
shortfall (a corpus with fewer eligible rows than N gives all it has), and
``--counts-out``, the long table (``reporting.exp3.TABLE2_COUNT_COLUMNS``).

``--training-summary JSON`` (repeat: each run's ``training.json``) adds a note under the
Markdown table naming the runs that kept epoch 1 or 2 (``reporting.best_epochs``).
``--duplicates-summary`` adds the duplicate search's pairs and unchecked rows to the caption.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from workflow_scripts.cli import add_table_options, command, new_parser
from workflow_scripts.io.files import read_json, write_json
from workflow_scripts.reporting.companions import write_table_markdown
from workflow_scripts.reporting.exp3 import duplicates_caption as dup_caption
from workflow_scripts.reporting.exp3 import table2_from_files, table2_markdown, table2_runs
from workflow_scripts.reporting.tables import chosen_metrics, write_csv

ENTRY = ("N", "EVAL_NAME", "METRICS_JSON")
SUMMARY = ("N", "SEED", "SUMMARY_JSON")


def build_parser() -> argparse.ArgumentParser:
    parser = new_parser(__file__, __doc__)
    add = parser.add_argument
    add("--entry", nargs=3, action="append", required=True, metavar=ENTRY, help="one run, one set")
    add("--out", type=Path, required=True, help="CSV output")
    add("--markdown", type=Path, required=True, help="Markdown output")
    add("--seeds-json", type=Path, default=None, help="JSON output: the runs behind each cell")
    add("--summary", nargs=3, action="append", default=[], metavar=SUMMARY, help="one run's draw")
    add("--counts-out", type=Path, default=None, help="CSV output: realised training counts")
    add("--duplicates-summary", type=Path, default=None, help="find_duplicates summary JSON")
    add_table_options(parser)
    return parser


def run(args: argparse.Namespace) -> None:
    metrics = chosen_metrics(args.metric)
    table, counts, entries = table2_from_files(
        args.entry, args.summary, counts_wanted=args.counts_out is not None, metrics=metrics
    )
    write_csv(table.combined(), args.out)
    caption = None
    if args.duplicates_summary is not None:
        caption = dup_caption(read_json(args.duplicates_summary))
    write_table_markdown(
        table2_markdown(table, counts),
        args.markdown,
        training_summaries=args.training_summary,
        significance=args.significance,
        title="Table 2: each N minus the next smaller N",
        caption=caption,
    )
    if args.counts_out is not None and counts is not None:
        write_csv(counts, args.counts_out)
    if args.seeds_json is not None:
        write_json(table2_runs(entries, metrics), args.seeds_json)
    print(table.combined().to_string(index=False), file=sys.stderr)


main = command(build_parser, run)

if __name__ == "__main__":
    raise SystemExit(main())
