"""Write a Markdown page of result tables from a finished run (e.g. docs/demo-results.md).

Usage::

    python -m workflow_scripts.make_results_page \\
        [--results-dir results] [--section "Table 1"=results/table1.md ...] \\
        --command "snakemake --cores 2 all" --config config.yaml --commit abc1234 \\
        [--note "text" ...] --out docs/demo-results.md

``--results-dir`` adds the tables of docs/demo-results.md (``DEMO_SECTIONS``: Tables 1 and
2, their per-attack companions, Experiments 2 and 4, the best epochs) from that folder,
before any ``--section``. A missing or empty table is an error and nothing is written, so
the page never has a hole (:mod:`workflow_scripts.reporting.results_page`).

The page names the CPU this command runs on as the one that trained the models (run it on
the machine that ran the workflow), and what another CPU would change.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from workflow_scripts.cli import command, new_parser
from workflow_scripts.io.files import write_text
from workflow_scripts.reporting.results_page import (
    Machine,
    Section,
    demo_sections,
    results_page,
)
from workflow_scripts.training.device import cpu_description


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
        default=[],
        metavar="TITLE=PATH",
        help="heading and the Markdown table the workflow wrote",
    )
    add("--results-dir", type=Path, help="add docs/demo-results.md's tables from this folder")
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
    standard = demo_sections(args.results_dir) if args.results_dir is not None else []
    text = results_page(
        [*standard, *args.section],
        title=args.title,
        command=args.command,
        config=args.config,
        commit=args.commit,
        notes=args.note,
        machine=Machine(**cpu_description()),
    )
    write_text(text, args.out)


main = command(build_parser, run)

if __name__ == "__main__":
    raise SystemExit(main())
