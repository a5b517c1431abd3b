"""Write a Markdown page of result tables from a finished run (e.g. docs/demo-results.md).

Usage::

    python -m workflow_scripts.make_results_page \\
        --section "Table 1"=results/table1.md [--section ...] \\
        --command "snakemake --cores 2 all" --config config.yaml --commit abc1234 \\
        [--note "text" ...] --out docs/demo-results.md

A missing or empty table is an error and nothing is written, so the page
never has a hole (:mod:`workflow_scripts.reporting.results_page`).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from workflow_scripts.cli import command, new_parser
from workflow_scripts.io.files import write_text
from workflow_scripts.reporting.results_page import Section, results_page


def section(text: str) -> Section:
    """``TITLE=PATH``: a heading and the Markdown table the workflow wrote."""
    title, sep, path = text.partition("=")
    if not sep or not title or not path:
        raise argparse.ArgumentTypeError(f"expected TITLE=PATH, got {text!r}")
    return Section(title=title, path=Path(path))


def build_parser() -> argparse.ArgumentParser:
    parser = new_parser(__file__, __doc__)
    add = parser.add_argument
    add(
        "--section",
        type=section,
        action="append",
        required=True,
        metavar="TITLE=PATH",
        help="heading and the Markdown table the workflow wrote",
    )
    add("--title", default="Demo results")
    add("--command", required=True, help="the command that produced the results")
    add("--config", type=Path, required=True, help="configuration file of that run")
    add("--commit", help="commit the run was made from (omit for a page the tests check)")
    add(
        "--note",
        action="append",
        default=[],
        help="a measured fact about the run (e.g. its wall time)",
    )
    add("--out", type=Path, required=True)
    return parser


def run(args: argparse.Namespace) -> None:
    text = results_page(
        args.section,
        title=args.title,
        command=args.command,
        config=args.config,
        commit=args.commit,
        notes=args.note,
    )
    write_text(text, args.out)


main = command(build_parser, run)

if __name__ == "__main__":
    raise SystemExit(main())
