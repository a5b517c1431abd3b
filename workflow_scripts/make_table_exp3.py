"""Build Table 2 (Experiment 3: training on three datasets, N random samples per class per dataset).

Usage::

    python -m workflow_scripts.make_table_exp3 \
        --entry 100 "eval data" results/metrics/exp3/n100_seed1/eval_data.json \
        --entry 100 "In the wild" results/metrics/exp3/n100_seed1/itw.json [--entry ...] \
        --out results/table2.csv --markdown results/table2.md [--seeds-json results/table2_runs.json] \
        [--summary 100 0 results/sampling/exp3/n100/seed0.json ... --counts-out results/table2_counts.csv]

Rows: evaluation set x metric (EER-ROC, mAP, EER-DET, AP-bonafide, AP-mean;
``reporting.tables.TABLE_METRICS``; mAP is the paper's, AP with spoof positive);
columns: N. An N and
evaluation set given several times (runs with other seeds) is averaged; the
CSV then gains ``{N}_std`` columns after the N columns (sample standard
deviation over the runs) and the Markdown a second block, so the block of
means keeps the paper's layout. ``--seeds-json`` (an output) lists, per cell,
the metric files averaged and their values.

``--summary N SEED JSON`` (the ``sample_random`` summary of every run) adds the
realised training rows: rows ``training rows`` x "<dataset> <class>" (rows
drawn, mean over seeds), a caption sentence in the Markdown naming every
shortfall (a corpus with fewer eligible rows than N gives all it has), and
``--counts-out``, the long table (``reporting.exp34.TABLE2_COUNT_COLUMNS``).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from workflow_scripts.io.files import atomic_path
from workflow_scripts.reporting.exp34 import (
    add_training_counts,
    counts_caption,
    metric_value,
    table2,
    table2_counts,
    table2_markdown,
)
from workflow_scripts.reporting.tables import TABLE_METRICS
from workflow_scripts.io.files import read_json, write_json


def parse_n(text: str) -> int:
    """N of an entry: a positive integer."""
    try:
        n = int(text)
    except ValueError:
        n = 0
    if n < 1:
        raise ValueError(f"--entry N must be a positive integer, got {text!r}")
    return n


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m workflow_scripts.make_table_exp3", description=__doc__.split("\n")[0])
    parser.add_argument("--entry", nargs=3, action="append", required=True, metavar=("N", "EVAL_NAME", "METRICS_JSON"),
                        help="one run's metrics on one evaluation set (repeat; repeated N + eval name = seeds)")
    parser.add_argument("--out", type=Path, required=True, help="CSV output")
    parser.add_argument("--markdown", type=Path, required=True, help="Markdown output")
    parser.add_argument("--seeds-json", type=Path, default=None, help="optional JSON output: the runs behind each cell")
    parser.add_argument("--summary", nargs=3, action="append", default=[], metavar=("N", "SEED", "SUMMARY_JSON"),
                        help="one run's sample_random summary (repeat): adds its realised training counts")
    parser.add_argument("--counts-out", type=Path, default=None,
                        help="CSV output: realised counts per N, seed, dataset and class (needs --summary)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        entries = []
        for n_text, eval_name, path in args.entry:
            values = read_json(path, "metrics file")
            if not isinstance(values, dict):
                raise ValueError(f"{path}: metrics file must hold a JSON object")
            entries.append((parse_n(n_text), eval_name, values, str(path)))
        table = table2(entries)
        counts = None
        if args.counts_out is not None and not args.summary:
            raise ValueError("--counts-out needs the runs' sampling summaries (--summary)")
        if args.summary:
            summaries = []
            for n_text, seed_text, path in args.summary:
                if not seed_text.isdigit():
                    raise ValueError(f"--summary SEED must be a non-negative integer, got {seed_text!r}")
                summaries.append((parse_n(n_text), int(seed_text), read_json(path, "sampling summary"), str(path)))
            counts = table2_counts(summaries)
            table = add_training_counts(table, counts)
    except ValueError as err:
        print(f"make_table_exp3: error: {err}", file=sys.stderr)
        return 2
    with atomic_path(args.out) as tmp:
        table.combined().to_csv(tmp, index=False)
    markdown = table2_markdown(table)
    if counts is not None:
        markdown += "\n" + counts_caption(counts) + "\n"
    with atomic_path(args.markdown) as tmp:
        tmp.write_text(markdown, encoding="utf-8")
    if args.counts_out is not None and counts is not None:
        with atomic_path(args.counts_out) as tmp:
            counts.to_csv(tmp, index=False)
    if args.seeds_json is not None:
        cells: dict[str, dict[str, object]] = {}
        for n, eval_name, values, source in entries:
            cell = cells.setdefault(f"{eval_name} | N={n}", {"eval_set": eval_name, "N": n, "files": [],
                                                             **{key: [] for key, _ in TABLE_METRICS}})
            cell["files"].append(source)  # type: ignore[union-attr]
            for key, _ in TABLE_METRICS:
                cell[key].append(metric_value(values, key, source))  # type: ignore[union-attr]
        write_json({"cells": list(cells.values())}, args.seeds_json)
    print(table.combined().to_string(index=False), file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
