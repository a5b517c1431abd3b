"""Build the Experiment 2 table (NC sampling vs random controls vs full data) from per-run files.

Usage::

    python -m workflow_scripts.make_table_exp2 \\
        --run '{"method": "nc", "bonafide_rate": 1.0, "spoof_rate": 0.5, "seed": 1,
                "summary": "summary.json", "history": "history.csv",
                "metrics": {"ASV eval": "eval.json", "In the wild": "itw.json"}}' [--run ...] \\
        [--reference '{"seed": 1, "summary": "full.json", "history": "history.csv",
                       "metrics": {...}}' ...] \\
        [--significance results/table_exp2_significance.csv] \\
        --out results/table_exp2.csv --markdown results/table_exp2.md

Each ``--run``/``--reference`` value is a JSON object, or the path of a file
holding one. The reference is the full-data tiny ResNet (method ``full``,
rates 1.0/1.0 by default; one ``--reference`` per seed). A ``--run`` with
``"trained_as": "nc"`` reuses that method's runs (same rows by construction).
CSV columns: ``method, bonafide_rate, spoof_rate, n_bonafide, n_spoof,
n_seeds, trained_as`` (the method whose runs the row shows), then for every
eval set (slug of its name) ``<slug>_eer_roc_mean, <slug>_eer_roc_std, <slug>_eer_det_mean,
..., <slug>_map_std, <slug>_ap_bonafide_mean, ..., <slug>_ap_mean_std`` (``map``
is the paper's mAP, AP with spoof positive; ``ap_mean`` the mean of the two
per-class APs), then ``train_seconds_mean``. Std uses ddof=1 over
>= 2 seeds and is 0 for one seed. Aggregation and row order:
``workflow_scripts/reporting/exp2.py``.

``--training-summary JSON`` (repeat: each run's ``training.json``) adds a note under the
Markdown table naming the runs that kept epoch 1 or 2 (``reporting.best_epochs``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from workflow_scripts.cli import add_table_options, command, new_parser
from workflow_scripts.reporting.companions import write_table_markdown
from workflow_scripts.reporting.exp2 import EXP2_METRICS, build_table, exp2_markdown, read_run_spec
from workflow_scripts.reporting.tables import chosen_metrics, write_csv


def build_parser() -> argparse.ArgumentParser:
    parser = new_parser(__file__, __doc__)
    add = parser.add_argument
    add("--run", action="append", required=True, metavar="JSON", help="one trained run (repeat)")
    add(
        "--reference",
        action="append",
        default=[],
        metavar="JSON",
        help="one full-data reference run (repeat for several seeds)",
    )
    add("--out", type=Path, required=True, help="CSV output")
    add("--markdown", type=Path, required=True, help="Markdown output")
    add_table_options(parser)
    return parser


def run(args: argparse.Namespace) -> None:
    runs = [read_run_spec(text, "--run") for text in args.run]
    references = [read_run_spec(text, "--reference") for text in args.reference]
    metrics = chosen_metrics(args.metric, EXP2_METRICS)
    table, names = build_table(runs, references, metrics)
    # %.10g drops float noise like 0.19999999999999998
    write_csv(table, args.out, float_format="%.10g")
    write_table_markdown(
        exp2_markdown(table, names, metrics),
        args.markdown,
        training_summaries=args.training_summary,
        significance=args.significance,
        title="Experiment 2: NC sampling minus each random control; each method minus full data",
    )
    print(
        f"make_table_exp2: {len(table)} rows from {len(runs) + len(references)} runs -> {args.out}",
        file=sys.stderr,
    )


main = command(build_parser, run)

if __name__ == "__main__":
    raise SystemExit(main())
