"""Compute detection metrics for one score file and print them as JSON.

Usage::

    python -m workflow_scripts.evaluate SCORES [--bootstrap N [--manifest M ...]] [--seed S]
        [--alpha A] [--asv-scores FILE [--tdcf-edition {2019,2021}]] [--out metrics.json]

``SCORES`` is a CSV or TSV with columns ``utt_id``, ``label``
(bonafide/spoof), ``score`` (higher = more bonafide) and optionally
``attack``. Bad input exits with status 2 and a one-line message naming the
file, without a traceback. Metrics: EER-ROC, EER-DET, AUC, per-class APs
(ap_bonafide, ap_spoof, their mean ap_mean), the paper's mAP (key map: AP
with spoof as the positive class), Cllr and minCllr (scores read as LLRs) and
the ASVspoof 5 min/actual DCF; with ``--asv-scores`` (an ASV score file in the
ASVspoof 2019 LA layout ``cm_key asv_key score``) also the min t-DCF of the
given edition. With ``--manifest`` (the evaluation set's corpus manifests) the
bootstrap draws whole speakers, not utterances. See docs/metrics.md.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from workflow_scripts.cli import command, new_parser, non_negative_int, positive_int
from workflow_scripts.io.files import write_text
from workflow_scripts.metrics.report import metrics_of_score_file
from workflow_scripts.metrics.resampling import DEFAULT_MIN_SPEAKERS


def build_parser() -> argparse.ArgumentParser:
    parser = new_parser(__file__, __doc__)
    parser.add_argument("scores", type=Path, help="score table (.csv or .tsv)")
    parser.add_argument(
        "--bootstrap",
        type=non_negative_int,
        default=0,
        metavar="N",
        help="stratified bootstrap resamples for confidence intervals (0 = none)",
    )
    parser.add_argument(
        "--manifest",
        action="append",
        default=[],
        type=Path,
        help="manifest naming the speakers: the bootstrap draws speakers (repeat)",
    )
    parser.add_argument(
        "--min-speakers",
        type=positive_int,
        default=DEFAULT_MIN_SPEAKERS,
        help="a corpus with fewer named speakers is drawn by utterance",
    )
    parser.add_argument("--seed", type=int, default=0, help="bootstrap seed")
    parser.add_argument(
        "--alpha", type=float, default=0.05, help="1 - confidence level of the intervals"
    )
    parser.add_argument(
        "--asv-scores",
        type=Path,
        default=None,
        metavar="FILE",
        help="ASV scores (lines 'cm_key target|nontarget|spoof score') for the min t-DCF",
    )
    parser.add_argument(
        "--tdcf-edition",
        type=int,
        choices=(2019, 2021),
        default=2019,
        help="t-DCF definition: 2019 (legacy, ASVspoof 2019) or 2021 (revised)",
    )
    parser.add_argument("--out", type=Path, default=None, help="also write the JSON here")
    return parser


def run(args: argparse.Namespace) -> None:
    metrics = metrics_of_score_file(
        args.scores,
        bootstrap=args.bootstrap,
        seed=args.seed,
        alpha=args.alpha,
        asv_scores=args.asv_scores,
        tdcf_edition=args.tdcf_edition,
        manifests=args.manifest,
        min_speakers=args.min_speakers,
    )
    text = json.dumps(metrics, indent=2, allow_nan=False)
    if args.out is not None:
        write_text(text + "\n", args.out)
    print(text)


main = command(build_parser, run)

if __name__ == "__main__":
    raise SystemExit(main())
