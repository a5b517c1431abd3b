"""Calibrate a detector's evaluation scores with an affine map fitted on its dev scores.

Usage::

    python -m workflow_scripts.calibrate_scores --dev-scores DEV.tsv --scores EVAL.tsv \\
        [--prior 0.5] --out CALIBRATED.tsv --params-out CALIBRATION.json

Both score files have the ``evaluate`` layout (``utt_id``, ``label``, ``score``, ...;
higher = more bonafide). ``llr = a * score + b`` is fitted by prior-weighted logistic
regression on the dev scores (``metrics.report.calibrate_score_table``) and applied to
the evaluation scores; the output keeps every other column. Cllr and actDCF of the
output read its scores as calibrated LLRs (docs/metrics.md).
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from workflow_scripts.cli import command, new_parser
from workflow_scripts.io.files import atomic_path, write_json
from workflow_scripts.metrics.report import calibrate_score_table, read_scores

log = logging.getLogger("workflow_scripts.calibrate_scores")


def build_parser() -> argparse.ArgumentParser:
    parser = new_parser(__file__, __doc__)
    add = parser.add_argument
    add("--dev-scores", type=Path, required=True, help="scores the calibration is fitted on")
    add("--scores", type=Path, required=True, help="scores to calibrate (evaluation set)")
    add("--prior", type=float, default=0.5, help="effective bonafide prior of the fit")
    add("--out", type=Path, required=True, help="calibrated score TSV")
    add("--params-out", type=Path, required=True, help="fitted a, b as JSON")
    return parser


def run(args: argparse.Namespace) -> None:
    if not 0.0 < args.prior < 1.0:
        raise ValueError(f"--prior must be in (0, 1), got {args.prior}")
    dev = read_scores(args.dev_scores)
    try:
        table, params = calibrate_score_table(dev, read_scores(args.scores), prior=args.prior)
    except ValueError as err:
        raise ValueError(f"{args.dev_scores}: {err}") from None
    with atomic_path(args.out) as tmp:
        table.to_csv(tmp, sep="\t", index=False)
    write_json({**params, "dev_scores": str(args.dev_scores)}, args.params_out)
    log.info(
        "llr = %.6g * score + %.6g (fitted on %s) -> %s",
        params["a"],
        params["b"],
        args.dev_scores,
        args.out,
    )


main = command(build_parser, run)

if __name__ == "__main__":
    raise SystemExit(main())
