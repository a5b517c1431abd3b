"""Build the Experiment 2 table (NC sampling vs random controls vs full data) from per-run files.

Usage::

    python -m workflow_scripts.make_table_exp2 \
        --run '{"method": "nc", "bonafide_rate": 1.0, "spoof_rate": 0.5, "seed": 1,
                "summary": "summary.json", "history": "history.csv",
                "metrics": {"ASV eval": "eval.json", "In the wild": "itw.json"}}' [--run ...] \
        [--reference '{"seed": 1, "summary": "nc.json", "history": "history.csv", "metrics": {...}}' ...] \
        --out results/table_exp2.csv --markdown results/table_exp2.md

Each ``--run``/``--reference`` value is a JSON object, or the path of a file
holding one. The reference is the full-data tiny ResNet (method ``full``,
rates 1.0/1.0 by default). CSV columns: ``method, bonafide_rate,
spoof_rate, n_bonafide, n_spoof, n_seeds``, then for every eval set (slug
of its name) ``<slug>_eer_roc_mean, <slug>_eer_roc_std, <slug>_eer_det_mean,
..., <slug>_map_std, <slug>_ap_bonafide_mean, ..., <slug>_ap_mean_std`` (``map``
is the paper's mAP, AP with spoof positive; ``ap_mean`` the mean of the two
per-class APs), then ``train_seconds_mean``. Std uses ddof=1 over
>= 2 seeds and is 0 for one seed. Aggregation and row order:
``workflow_scripts/reporting/exp2.py``.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from workflow_scripts.io.files import atomic_path
from workflow_scripts.reporting.exp2 import build_table, markdown_frame
from workflow_scripts.reporting.tables import to_markdown

TITLE = "Experiment 2: tiny ResNet trained on NC-sampled, random and full ASVspoof 2019 LA training data"


def parse_spec_arg(text: str, flag: str) -> Any:
    """A run spec from the command line: inline JSON, or a path to a JSON file."""
    source = text
    if not text.lstrip().startswith("{"):
        try:
            source = Path(text).read_text()
        except OSError as err:
            raise ValueError(f"{flag} {text!r} is neither a JSON object nor a readable file ({err})") from None
    try:
        return json.loads(source)
    except json.JSONDecodeError as err:
        raise ValueError(f"{flag} {text!r} is not valid JSON ({err})") from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m workflow_scripts.make_table_exp2",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--run", action="append", required=True, metavar="JSON", help="one trained run (repeat)")
    parser.add_argument("--reference", action="append", default=[], metavar="JSON",
                        help="one full-data reference run (repeat for several seeds)")
    parser.add_argument("--out", type=Path, required=True, help="CSV output")
    parser.add_argument("--markdown", type=Path, required=True, help="Markdown output")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        runs = [parse_spec_arg(t, "--run") for t in args.run]
        references = [parse_spec_arg(t, "--reference") for t in args.reference]
        table, names = build_table(runs, references)
    except ValueError as err:
        print(f"make_table_exp2: error: {err}", file=sys.stderr)
        return 2
    with atomic_path(args.out) as tmp:
        table.to_csv(tmp, index=False, float_format="%.10g")  # drop float noise like 0.19999999999999998
    note = ("\nMean ± sample std (ddof=1) over seeds; a single seed shows the value alone. "
            "n bonafide / n spoof: training selection sizes; train time: mean total seconds of the epochs.\n")
    with atomic_path(args.markdown) as tmp:
        tmp.write_text(to_markdown(markdown_frame(table, names), title=TITLE) + note)
    print(f"make_table_exp2: {len(table)} rows from {len(runs) + len(references)} runs -> {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
