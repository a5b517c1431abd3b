"""Atomic writes, TSV and JSON: an output that exists is always complete."""

from __future__ import annotations

import contextlib
import json
import math
import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np
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


def read_input_tsv(path: str | os.PathLike[str], what: str) -> pd.DataFrame:
    """:func:`read_tsv` of an input; a missing or empty file is an error naming it and ``what``
    (``"selection file"``)."""
    try:
        return read_tsv(path)
    except FileNotFoundError:
        raise ValueError(f"{path}: {what} not found") from None
    except pd.errors.EmptyDataError:
        raise ValueError(f"{path}: empty {what} (no header)") from None


def write_text(text: str, path: str | os.PathLike[str]) -> None:
    """Write UTF-8 text atomically."""
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


def json_ready(value: Any) -> Any:
    """Plain JSON types; numpy scalars unwrapped and non-finite floats written as ``null``.

    Diagnostics such as a silhouette can be undefined; ``null`` says so
    without ever writing NaN (which is not JSON).
    """
    if isinstance(value, Mapping):
        return {str(k): json_ready(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_ready(v) for v in value]
    if isinstance(value, np.ndarray):
        return [json_ready(v) for v in value.tolist()]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, Path):
        return str(value)
    return value


def write_json(data: Any, path: str | os.PathLike[str]) -> None:
    """Write ``data`` as indented JSON atomically (NaN/inf become ``null``)."""
    write_text(json.dumps(json_ready(data), indent=2, allow_nan=False) + "\n", path)


def parse_json_object(text: str, flag: str) -> dict[str, Any]:
    """A JSON object given on the command line (``flag`` names it in errors)."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError as err:
        raise ValueError(f"{flag} is not valid JSON ({err}): {text!r}") from None
    if not isinstance(value, dict):
        raise ValueError(f"{flag} must be a JSON object, got {text!r}")
    return value


def read_json(path: str | os.PathLike[str], what: str = "JSON file") -> Any:
    """Read a JSON file; a missing or malformed file gives an error naming it."""
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ValueError(f"{path}: {what} not found") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ValueError(f"{path}: cannot read {what} ({err})") from None
