"""Per-condition companion of Table 1 or 2: EER-ROC per codec, language, vocoder family, ...

Usage::

    python -m workflow_scripts.make_condition_table \\
        --entry "ASV21 LA" resnet results/scores/pretrained/asvspoof2019/resnet/asv21la/eval.tsv \\
            results/manifests/asv21la.tsv [--entry ...] \\
        --title "Table 1 per condition" --out results/table1_per_condition.csv \\
        --markdown results/table1_per_condition.md

``--entry EVAL_SET COLUMN SCORES MANIFEST``: one detector's scores on one evaluation set
(a column is a model in Table 1, an N in Table 2; repeated seeds are averaged) and the
manifest of that set's corpus, whose condition columns (``codec``, ``language``,
...) group the trials (``reporting/per_condition.py``). CSV columns: ``eval_set,
condition, value, n_bonafide, n_spoof``, then one EER-ROC column per table column.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from workflow_scripts.cli import command, new_parser
from workflow_scripts.io.files import write_text
from workflow_scripts.reporting.per_condition import per_condition_markdown, per_condition_table
from workflow_scripts.reporting.tables import write_csv

ENTRY = ("EVAL_SET", "COLUMN", "SCORES", "MANIFEST")


def build_parser() -> argparse.ArgumentParser:
    parser = new_parser(__file__, __doc__)
    add = parser.add_argument
    add("--entry", nargs=4, action="append", required=True, metavar=ENTRY, help="one run, one set")
    add("--title", required=True, help="table title")
    add("--out", type=Path, required=True, help="CSV output")
    add("--markdown", type=Path, required=True, help="Markdown output")
    return parser


def run(args: argparse.Namespace) -> None:
    table = per_condition_table([tuple(entry) for entry in args.entry])
    write_csv(table, args.out)
    write_text(per_condition_markdown(table, title=args.title), args.markdown)
    print(f"make_condition_table: {len(table)} rows -> {args.out}", file=sys.stderr)


main = command(build_parser, run)

if __name__ == "__main__":
    raise SystemExit(main())
