"""Per-attack companion of Table 1 or Table 2: EER-ROC of every attack, unseen attacks marked.

Usage::

    python -m workflow_scripts.make_per_attack_table \\
        --entry "ASV eval" resnet results/metrics/pretrained/asvspoof2019/resnet/.../eval.json \\
        [--entry ...] --seen results/manifests/asvspoof2019.tsv train [--seen ...] \\
        --title "Table 1 per attack" --out results/table1_per_attack.csv \\
        --markdown results/table1_per_attack.md --figure results/figures/table1_per_attack.png

``--entry EVAL_SET COLUMN METRICS_JSON``: one run's metrics on one evaluation set
(a column is a model in Table 1, an N in Table 2; repeated seeds are averaged).
``--seen MANIFEST SPLIT``: spoofs of that split of that manifest were trained on;
their attack ids count as seen. CSV columns: ``eval_set, attack, n_spoof, seen``,
then one EER-ROC column per table column (``reporting/per_attack.py``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from workflow_scripts.cli import command, new_parser
from workflow_scripts.io.files import read_json, write_text
from workflow_scripts.reporting.per_attack import (
    per_attack_markdown,
    per_attack_table,
    plot_per_attack,
    seen_attacks,
)
from workflow_scripts.reporting.tables import write_csv

ENTRY = ("EVAL_SET", "COLUMN", "METRICS_JSON")


def build_parser() -> argparse.ArgumentParser:
    parser = new_parser(__file__, __doc__)
    add = parser.add_argument
    add("--entry", nargs=3, action="append", required=True, metavar=ENTRY, help="one run, one set")
    add("--seen", nargs=2, action="append", required=True, metavar=("MANIFEST", "SPLIT"))
    add("--title", required=True, help="table and figure title")
    add("--out", type=Path, required=True, help="CSV output")
    add("--markdown", type=Path, required=True, help="Markdown output")
    add("--figure", type=Path, required=True, help="PNG heat map")
    return parser


def run(args: argparse.Namespace) -> None:
    cells = [(e, c, read_json(path, "metrics file"), path) for e, c, path in args.entry]
    seen = seen_attacks((manifest, [split]) for manifest, split in args.seen)
    table = per_attack_table(cells, seen)
    training = ", ".join(f"{Path(m).stem} {split}" for m, split in args.seen)
    write_csv(table, args.out)
    write_text(per_attack_markdown(table, title=args.title, training=training), args.markdown)
    plot_per_attack(table, args.figure, title=args.title)
    print(f"make_per_attack_table: {len(table)} rows -> {args.out}", file=sys.stderr)


main = command(build_parser, run)

if __name__ == "__main__":
    raise SystemExit(main())
