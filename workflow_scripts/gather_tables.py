"""Concatenate TSV tables with the same columns (e.g. quarantine lists) into one.

Usage: ``python -m workflow_scripts.gather_tables --out OUT.tsv A.tsv B.tsv ...``
"""

from __future__ import annotations

import argparse
import sys

import pandas as pd

from workflow_scripts.io.files import read_tsv, write_tsv


def gather(paths: list[str]) -> pd.DataFrame:
    """Concatenate tables in the given order; all must share the first table's columns."""
    tables = [read_tsv(p) for p in paths]
    columns = list(tables[0].columns)
    for path, table in zip(paths, tables):
        if list(table.columns) != columns:
            raise ValueError(f"{path}: columns {list(table.columns)} differ from {columns} ({paths[0]})")
    return pd.concat(tables, ignore_index=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, help="output TSV")
    parser.add_argument("tables", nargs="+", help="input TSVs with identical columns")
    args = parser.parse_args(argv)
    table = gather(args.tables)
    write_tsv(table, args.out)
    print(f"{args.out}: {len(table)} rows from {len(args.tables)} tables", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
