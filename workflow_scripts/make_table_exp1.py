"""Build Table 1 (Experiment 1) from per-run metric JSON files.

Usage::

    python -m workflow_scripts.make_table_exp1 \
        --entry "ASV eval" resnet results/metrics/.../eval.json [--entry ...] \
        --out results/table1.csv --markdown results/table1.md

Rows: evaluation set x metric (``reporting.tables.TABLE_METRICS``: EER-ROC,
mAP = the paper's AP with spoof positive, then EER-DET, AP-bonafide, AP-mean);
columns: models.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from workflow_scripts.io.files import atomic_path
from workflow_scripts.reporting.tables import metric_grid, to_markdown


def _unique(values: list[str]) -> list[str]:
    return list(dict.fromkeys(values))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build Table 1 from metric JSON files.")
    parser.add_argument(
        "--entry",
        nargs=3,
        action="append",
        required=True,
        metavar=("EVAL_SET", "MODEL", "METRICS_JSON"),
        help="one cell group: row label, column (model), metrics file",
    )
    parser.add_argument("--out", required=True, help="CSV output")
    parser.add_argument("--markdown", required=True, help="Markdown output")
    args = parser.parse_args(argv)

    cells = []
    for eval_set, model, path in args.entry:
        try:
            values = json.loads(Path(path).read_text())
        except (OSError, json.JSONDecodeError) as err:
            print(f"error: cannot read metrics {path}: {err}", file=sys.stderr)
            return 2
        cells.append((eval_set, model, values))
    table = metric_grid(
        cells,
        row_order=_unique([e[0] for e in args.entry]),
        column_order=_unique([e[1] for e in args.entry]),
    )
    with atomic_path(args.out) as tmp:
        table.to_csv(tmp, index=False)
    with atomic_path(args.markdown) as tmp:
        tmp.write_text(to_markdown(table, title="Table 1: detectors trained on one corpus"))
    print(table.to_string(index=False), file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
