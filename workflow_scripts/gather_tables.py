"""Concatenate TSV tables with the same columns (e.g. quarantine lists) into one.

Usage: ``python -m workflow_scripts.gather_tables --out OUT.tsv A.tsv B.tsv ...``
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Sequence

import pandas as pd

from workflow_scripts.cli import command, new_parser
from workflow_scripts.io.files import read_input_tsv, write_tsv

log = logging.getLogger("workflow_scripts.gather_tables")


def gather(paths: Sequence[str]) -> pd.DataFrame:
    """Concatenate tables in the given order; all must share the first table's columns, so
    lists from different stages are never mixed."""
    tables = [read_input_tsv(p, "table") for p in paths]
    columns = list(tables[0].columns)
    for path, table in zip(paths, tables, strict=True):
        if list(table.columns) != columns:
            raise ValueError(
                f"{path}: columns {list(table.columns)} differ from {columns} ({paths[0]})"
            )
    return pd.concat(tables, ignore_index=True)


def build_parser() -> argparse.ArgumentParser:
    parser = new_parser(__file__, __doc__)
    parser.add_argument("--out", required=True, help="output TSV")
    parser.add_argument("tables", nargs="+", help="input TSVs with identical columns")
    return parser


def run(args: argparse.Namespace) -> None:
    table = gather(args.tables)
    write_tsv(table, args.out)
    log.info("%s: %d rows from %d tables", args.out, len(table), len(args.tables))


main = command(build_parser, run)

if __name__ == "__main__":
    raise SystemExit(main())
