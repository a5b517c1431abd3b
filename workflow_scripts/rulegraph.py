"""Render the workflow's rule graph to docs/rulegraph.{dot,svg}, or check the committed one.

Usage::

    python -m workflow_scripts.rulegraph --snakefile Snakefile --out docs/rulegraph.svg [--check]

The dot text is canonical (see :mod:`workflow_scripts.reporting.rulegraph`), so
it changes only when a rule or a dependency does. ``--check`` writes nothing
and exits 1, naming each difference, when the committed ``.dot`` next to
``--out`` no longer matches the Snakefile.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from workflow_scripts.cli import command, new_parser
from workflow_scripts.reporting import rulegraph


def build_parser() -> argparse.ArgumentParser:
    parser = new_parser(__file__, __doc__)
    add = parser.add_argument
    add("--snakefile", type=Path, default=Path("Snakefile"))
    add(
        "--configfile",
        type=Path,
        default=None,
        help="config for the graph (default: config.yaml next to the Snakefile)",
    )
    add("--target", default="all", help="target rule (default: all)")
    add(
        "--out",
        type=Path,
        default=Path("docs/rulegraph.svg"),
        help="SVG output; the .dot goes next to it",
    )
    add(
        "--check",
        action="store_true",
        help="write nothing; exit 1 when the committed .dot differs from a fresh rule graph",
    )
    return parser


def run(args: argparse.Namespace) -> int:
    snakefile: Path = args.snakefile
    if not snakefile.is_file():
        raise ValueError(f"no Snakefile at {snakefile}")
    configfile = args.configfile or snakefile.resolve().parent / "config.yaml"
    if not configfile.is_file():
        raise ValueError(f"no config file at {configfile}")
    dot_path = args.out.with_suffix(".dot")
    try:
        fresh = rulegraph.fresh_rulegraph(snakefile, configfile, args.target)
        problems = rulegraph.check_committed(fresh, dot_path) if args.check else []
        if not args.check:
            rulegraph.write_rulegraph(fresh, args.out)
    except rulegraph.RuleGraphError as err:
        raise ValueError(str(err)) from None
    size = f"{len(fresh.nodes)} rules, {len(fresh.edges)} edges"
    if problems:
        print("\n".join(problems), file=sys.stderr)
        print(
            "rule graph out of date; regenerate: python -m workflow_scripts.rulegraph "
            f"--snakefile {snakefile} --out {args.out}",
            file=sys.stderr,
        )
        return 1
    done = f"{dot_path} is current" if args.check else f"wrote {dot_path} and {args.out}"
    print(f"{done} ({size})", file=sys.stderr)
    return 0


main = command(build_parser, run)

if __name__ == "__main__":
    raise SystemExit(main())
