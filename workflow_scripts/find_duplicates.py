"""Find copies of one recording within and across corpora (LJSpeech in FoR and WaveFake).

Usage::

    python -m workflow_scripts.find_duplicates \\
        --fingerprints asvspoof2019:train=results/fingerprints/asvspoof2019/train.h5 \\
        --fingerprints for:train=... --fingerprints wavefake:eval=... [...] \\
        [--threshold 0.9] [--candidate-from 0.5] [--expected-demo demo_duplicates.tsv] \\
        --out duplicates.tsv --summary-out duplicates.json

The fingerprint files (``make_fingerprints``, one per cache, same rows) are
compared within each file and across any two (``sampling.duplicates.scan_files``):
pairs of the same label (for spoofs the same attack) whose candidate vectors
reach ``--candidate-from`` are aligned frame by frame, and those whose frame
similarity reaches ``--threshold`` go to ``--out`` (``dataset_a, split_a, utt_a,
dataset_b, split_b, utt_b, similarity``; ``a`` is the earlier file on the
command line, or the earlier row within one file). The summary JSON
(``scan_summary``) gives the counts per file pair, the candidates rejected by
their frames (closest first), similarity histograms and the rows that could not
be checked (``rows_unchecked``), so the threshold can be checked on real data.
``--expected-demo`` checks the pairs planted in the FoR-like demo corpus
(``demo.planted_duplicates``: recall and precision).
"""

from __future__ import annotations

import argparse
import contextlib
import logging
from pathlib import Path

from workflow_scripts.cli import command, named_path, new_parser
from workflow_scripts.demo.planted_duplicates import planted_pairs_report
from workflow_scripts.io.files import write_json
from workflow_scripts.io.fingerprints import open_fingerprint_sets, write_duplicate_pairs
from workflow_scripts.sampling import duplicates

log = logging.getLogger("workflow_scripts.find_duplicates")


def build_parser() -> argparse.ArgumentParser:
    parser = new_parser(__file__, __doc__)
    add = parser.add_argument
    add("--fingerprints", type=named_path, action="append", required=True, metavar="NAME:SPLIT=H5")
    add(
        "--threshold",
        type=float,
        default=duplicates.DEFAULT_THRESHOLD,
        help="copy: frame similarity >= this",
    )
    add(
        "--candidate-from",
        type=float,
        default=duplicates.DEFAULT_CANDIDATE_FROM,
        help="vector similarity from which a pair is checked by its frames",
    )
    add("--expected-demo", type=Path, default=None, help="demo_duplicates.tsv to check")
    add("--for-name", default="for", help="dataset name of FoR (for --expected-demo)")
    add("--wavefake-name", default="wavefake", help="dataset name of WaveFake (ditto)")
    add("--out", type=Path, required=True, help="duplicate pairs TSV")
    add("--summary-out", type=Path, required=True, help="summary JSON")
    return parser


def run(args: argparse.Namespace) -> None:
    settings = {"threshold": args.threshold, "candidate_from": args.candidate_from}
    for name, value in settings.items():
        if not -1.0 <= value <= 1.0:
            raise ValueError(f"--{name.replace('_', '-')} must be in [-1, 1], got {value}")
    with contextlib.ExitStack() as stack:
        sets = open_fingerprint_sets(args.fingerprints, stack)
        found = duplicates.scan_files(sets, **settings)
        summary = duplicates.scan_summary(sets, *found, **settings)
        pairs = found[0]
        if args.expected_demo is not None:
            metas = [s.meta for s in sets]
            names = {"for_name": args.for_name, "wavefake_name": args.wavefake_name}
            summary["expected_demo"] = planted_pairs_report(
                args.expected_demo, pairs, metas, **names
            )
    write_duplicate_pairs(pairs, args.out)
    write_json(summary, args.summary_out)
    log.info("%d duplicate pairs in %d rows -> %s", len(pairs), summary["rows_scanned"], args.out)


main = command(build_parser, run)

if __name__ == "__main__":
    raise SystemExit(main())
