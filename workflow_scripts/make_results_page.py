"""Write a Markdown page of result tables from a finished run (e.g. docs/demo-results.md).

Usage::

    python -m workflow_scripts.make_results_page \
        --section "Table 1"=results/table1.md [--section ...] \
        --command "snakemake --cores 2 all" --config config.yaml --commit abc1234 \
        [--note "text" ...] --out docs/demo-results.md
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from workflow_scripts.io.files import atomic_path
from workflow_scripts.reporting.results_page import Section, results_page


def _section(text: str) -> Section:
    title, sep, path = text.partition("=")
    if not sep or not title or not path:
        raise argparse.ArgumentTypeError(f"expected TITLE=PATH, got {text!r}")
    return Section(title=title, path=Path(path))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m workflow_scripts.make_results_page",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--section", type=_section, action="append", required=True,
                        metavar="TITLE=PATH", help="heading and the Markdown table the workflow wrote")
    parser.add_argument("--title", default="Demo results")
    parser.add_argument("--command", required=True, help="the command that produced the results")
    parser.add_argument("--config", type=Path, required=True, help="configuration file of that run")
    parser.add_argument("--commit", required=True, help="commit the run was made from")
    parser.add_argument("--note", action="append", default=[], help="a measured fact about the run (e.g. its wall time)")
    parser.add_argument("--out", type=Path, required=True)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        text = results_page(args.section, title=args.title, command=args.command, config=args.config,
                            commit=args.commit, notes=args.note)
    except ValueError as err:
        parser.error(str(err))
    with atomic_path(args.out) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
