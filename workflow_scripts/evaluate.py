"""Compute detection metrics for one score file and print them as JSON.

Usage::

    python -m workflow_scripts.evaluate SCORES [--bootstrap N] [--seed S]
        [--alpha A] [--out metrics.json]

``SCORES`` is a CSV or TSV with columns ``utt_id``, ``label``
(bonafide/spoof), ``score`` (higher = more bonafide) and optionally
``attack``. Bad input exits with status 2 and a one-line message naming the
file, without a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from workflow_scripts.io.files import atomic_path
from workflow_scripts.metrics.report import compute_metrics, read_scores


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m workflow_scripts.evaluate",
        description=(
            "EER-ROC, EER-DET, AUC, per-class APs (ap_bonafide, ap_spoof, their mean ap_mean) and "
            "the paper's mAP (key map: AP with spoof as the positive class) of a score table "
            "(see docs/metrics.md)."
        ),
    )
    parser.add_argument("scores", type=Path, help="score table (.csv or .tsv)")
    parser.add_argument(
        "--bootstrap",
        type=int,
        default=0,
        metavar="N",
        help="stratified bootstrap resamples for confidence intervals (0 = none)",
    )
    parser.add_argument("--seed", type=int, default=0, help="bootstrap seed")
    parser.add_argument(
        "--alpha", type=float, default=0.05, help="1 - confidence level of the intervals"
    )
    parser.add_argument("--out", type=Path, default=None, help="also write the JSON here")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        table = read_scores(args.scores)  # its errors already name the file
        try:
            metrics = compute_metrics(
                table, bootstrap=args.bootstrap, seed=args.seed, alpha=args.alpha
            )
        except ValueError as exc:
            raise ValueError(f"{args.scores}: {exc}") from None
    except ValueError as exc:
        print(f"evaluate: error: {exc}", file=sys.stderr)
        return 2
    text = json.dumps(metrics, indent=2, allow_nan=False)
    if args.out is not None:
        with atomic_path(args.out) as tmp:
            tmp.write_text(text + "\n", encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
