"""Experiment 4 table and figure: the full method vs. random sampling at the same budget.

Usage::

    python -m workflow_scripts.make_table_exp4 \
        --run '{"method": "full_method", "seed": 1, "summary": "sel/full_1.json",
                "history": "runs/full_1/history.csv",
                "metrics": {"eval data": "m/full_1/eval.json", "In the wild": "m/full_1/itw.json"}}' \
        --run '{"method": "random_matched", "seed": 1, ...}' [...] \
        --out results/table_exp4.csv --markdown results/table_exp4.md \
        --figure results/figures/exp4_comparison.png

``summary`` is the selection summary (``sample_full_method`` or
``sample_random --match-counts``); its ``total`` gives the training samples per
class. ``history`` is the training ``history.csv``; the training time is the
sum of its ``seconds`` column. One table row per method: mean and standard
deviation over seeds of EER-ROC, mAP (the paper's: AP with spoof positive),
EER-DET, AP-bonafide and AP-mean per evaluation set.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from workflow_scripts.io.files import atomic_path
from workflow_scripts.reporting.exp34 import Exp4Run, exp4_markdown, exp4_summary, exp4_table, plot_exp4
from workflow_scripts.io.files import read_json
from workflow_scripts.io.selections import CLASS_NAMES

RUN_KEYS: tuple[str, ...] = ("method", "seed", "summary", "history", "metrics")


def training_seconds(path: str | Path) -> float:
    """Sum of the ``seconds`` column of a training history (CSV, or TSV if the header has a tab)."""
    file = Path(path)
    try:
        header = file.open(encoding="utf-8").readline()
        history = pd.read_csv(file, sep="\t" if "\t" in header else ",")
    except FileNotFoundError:
        raise ValueError(f"{file}: training history not found") from None
    except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as err:
        raise ValueError(f"{file}: cannot read training history ({str(err).splitlines()[0]})") from None
    if "seconds" not in history.columns:
        raise ValueError(f"{file}: no 'seconds' column (has {list(history.columns)})")
    seconds = pd.to_numeric(history["seconds"], errors="coerce").to_numpy(dtype=np.float64)
    if len(seconds) == 0 or not np.all(np.isfinite(seconds)) or np.any(seconds < 0):
        raise ValueError(f"{file}: 'seconds' must hold at least one non-negative number per epoch")
    return float(seconds.sum())


def train_counts(path: str | Path) -> dict[str, int]:
    """Training samples per class from a selection summary's ``total``."""
    summary = read_json(path, "selection summary")
    total = summary.get("total") if isinstance(summary, Mapping) else None
    if not isinstance(total, Mapping) or not all(isinstance(total.get(c), int) for c in CLASS_NAMES):
        raise ValueError(f"{path}: no integer total.bonafide / total.spoof")
    return {c: int(total[c]) for c in CLASS_NAMES}


def load_run(text: str) -> Exp4Run:
    """One ``--run`` JSON string -> :class:`Exp4Run` with its files read."""
    try:
        spec = json.loads(text)
    except json.JSONDecodeError as err:
        raise ValueError(f"--run {text!r}: not valid JSON ({err})") from None
    if not isinstance(spec, dict):
        raise ValueError(f"--run {text!r}: must be a JSON object")
    missing = [k for k in RUN_KEYS if k not in spec]
    if missing:
        raise ValueError(f"--run {text!r}: missing key(s) {missing}")
    seed = spec["seed"]
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise ValueError(f"--run {text!r}: seed must be an integer")
    if not isinstance(spec["metrics"], dict) or not spec["metrics"]:
        raise ValueError(f"--run {text!r}: metrics must map eval set names to metric files")
    metrics: dict[str, Any] = {}
    for eval_set, path in spec["metrics"].items():
        values = read_json(path, "metrics file")
        if not isinstance(values, dict):
            raise ValueError(f"{path}: metrics file must hold a JSON object")
        metrics[str(eval_set)] = values
    return Exp4Run(
        method=str(spec["method"]),
        seed=seed,
        train_counts=train_counts(spec["summary"]),
        train_seconds=training_seconds(spec["history"]),
        metrics=metrics,
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m workflow_scripts.make_table_exp4",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--run", action="append", required=True, metavar="JSON", help="one trained model (repeat)")
    parser.add_argument("--out", type=Path, required=True, help="CSV output")
    parser.add_argument("--markdown", type=Path, required=True, help="Markdown output")
    parser.add_argument("--figure", type=Path, required=True, help="PNG comparison figure")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        runs = [load_run(text) for text in args.run]
        table = exp4_table(runs)
        summary = exp4_summary(runs)
    except ValueError as err:
        print(f"make_table_exp4: error: {err}", file=sys.stderr)
        return 2
    with atomic_path(args.out) as tmp:
        table.to_csv(tmp, index=False)
    with atomic_path(args.markdown) as tmp:
        tmp.write_text(exp4_markdown(table), encoding="utf-8")
    plot_exp4(summary, args.figure)
    print(table.to_string(index=False), file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
