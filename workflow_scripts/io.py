"""Small I/O helpers shared by every layer (layer 0)."""

from __future__ import annotations

import argparse
import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

import pandas as pd


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary sibling path and rename it to ``path`` on success.

    A killed or failing writer leaves no file under the final name, so an
    output that exists is always complete.
    """
    final = Path(path)
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = final.with_name(f".{final.name}.tmp-{os.getpid()}")
    try:
        yield tmp
        os.replace(tmp, final)
    finally:
        if tmp.exists():
            tmp.unlink()


def write_tsv(df: pd.DataFrame, path: str | os.PathLike[str]) -> None:
    """Write a table as TSV atomically (no index)."""
    with atomic_path(path) as tmp:
        df.to_csv(tmp, sep="\t", index=False)


def read_tsv(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read a TSV written by :func:`write_tsv`, keeping ids and ``-`` as strings."""
    return pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False)


def non_negative_int(text: str) -> int:
    """argparse ``type=`` for counts and seeds: a clear message instead of a traceback."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a non-negative integer, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be a non-negative integer, got {text!r}")
    return value
