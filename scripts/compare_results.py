"""Compare two results/ trees of clean runs, file by file, for a change meant to change no result.

Usage::

    .venv/bin/python scripts/compare_results.py BEFORE/results AFTER/results

Logs and benchmarks (timings) are left out. Every other file must be
byte-identical, except the wall-clock training time, which no two runs share:
the ``seconds`` column of ``history.csv`` (also inside ``best.pt``) and the
training-time columns of the Experiment 2 and 4 tables. Those files are
compared with that field masked and everything else exact (checkpoint tensors
with ``torch.equal``). Prints one line per file class and exits 1 on any
other difference.
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

import pandas as pd

SKIPPED_TOP = ("logs", "benchmarks")
#: Columns of CSV tables that hold wall-clock seconds.
TIME_COLUMNS = ("seconds", "train_seconds_mean", "train_seconds_std")
#: Markdown table headers of those columns.
TIME_HEADERS = ("training time (s)", "train time (s)")


def digest(path: Path) -> bytes:
    return hashlib.sha256(path.read_bytes()).digest()


def files(root: Path) -> dict[str, Path]:
    out = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if path.is_file() and rel.parts[0] not in SKIPPED_TOP:
            out[rel.as_posix()] = path
    return out


def csv_without_time(path: Path) -> pd.DataFrame:
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    return table.drop(columns=[c for c in TIME_COLUMNS if c in table.columns])


def markdown_without_time(path: Path) -> list[list[str]]:
    """Table rows as cells, the training-time column blanked (found by its header)."""
    rows, masked = [], None
    for line in path.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.split("|")]
        if masked is None:
            masked = next((i for i, c in enumerate(cells) if c in TIME_HEADERS), None)
        if masked is not None and line.startswith("|") and len(cells) > masked:
            cells[masked] = "<time>"
        rows.append(cells)
    return rows


def checkpoint_without_time(path: Path) -> object:
    import torch

    state = torch.load(path, map_location="cpu", weights_only=True)
    for row in state.get("history", []):
        row.pop("seconds", None)
    return state


def same_checkpoint(a: object, b: object) -> bool:
    import torch

    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same_checkpoint(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(same_checkpoint(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, torch.Tensor) and isinstance(b, torch.Tensor):
        return a.dtype == b.dtype and torch.equal(a, b)
    return type(a) is type(b) and a == b


def compare(before: Path, after: Path) -> int:
    a, b = files(before), files(after)
    problems = [f"only in {before}: {k}" for k in sorted(set(a) - set(b))]
    problems += [f"only in {after}: {k}" for k in sorted(set(b) - set(a))]
    identical = masked = 0
    for key in sorted(set(a) & set(b)):
        if digest(a[key]) == digest(b[key]):
            identical += 1
            continue
        name = Path(key).name
        if name == "history.csv" or (name.startswith("table_exp") and name.endswith(".csv")):
            same = csv_without_time(a[key]).equals(csv_without_time(b[key]))
        elif name.startswith("table_exp") and name.endswith(".md"):
            same = markdown_without_time(a[key]) == markdown_without_time(b[key])
        elif name.endswith(".pt"):
            same = same_checkpoint(checkpoint_without_time(a[key]), checkpoint_without_time(b[key]))
        else:
            same = False
        if same:
            masked += 1
        else:
            problems.append(f"differs: {key}")
    print(f"{before} vs {after}: {len(set(a) & set(b))} common files, {identical} byte-identical, "
          f"{masked} identical but for wall-clock training time, {len(problems)} problem(s)")
    for line in problems:
        print("  " + line)
    return 1 if problems else 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    sys.exit(compare(Path(sys.argv[1]), Path(sys.argv[2])))
