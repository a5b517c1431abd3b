"""Content fingerprints of every row of one log-mel cache, from the audio files.

Usage::

    python -m workflow_scripts.make_fingerprints \\
        --cache results/caches/for/train.h5 --manifest results/manifests/for.tsv \\
        [--window-s 6] [--threads 2] [--file-version 2] \\
        --out results/fingerprints/for/train.h5 \\
        --unchecked-out results/fingerprints/for/train.unchecked.tsv

Rows are the cache's rows, in the cache's order (its utt_ids, labels and
attacks are copied), so quarantined audio is already left out and listed in
the cache's quarantine list; each row's audio path comes from the manifest.
Every row with sound gets its candidate vector and its frame sequence, however
short the sound (the cache already refused files under
``features.min_duration_s``). A row whose audio cannot be fingerprinted
(unreadable now, no sample above digital silence) keeps a zero fingerprint
and no frames, which match nothing, and is listed in ``--unchecked-out``
(``utt_id, path, stage, reason``, as the quarantine lists). See
:mod:`workflow_scripts.features.fingerprint`. ``--file-version`` (given by
the rule) must be the format this command writes: the rule names it, so a new
format reruns the rule on old results.
"""

from __future__ import annotations

import argparse
import logging
import time
from pathlib import Path

from workflow_scripts.cli import command, new_parser, positive_int
from workflow_scripts.features.fingerprint import (
    FINGERPRINT_VERSION,
    FingerprintParams,
    fingerprint_cache,
)
from workflow_scripts.io.files import write_tsv

log = logging.getLogger("workflow_scripts.make_fingerprints")


def build_parser() -> argparse.ArgumentParser:
    parser = new_parser(__file__, __doc__)
    add = parser.add_argument
    add("--cache", type=Path, required=True, help="log-mel cache whose rows are fingerprinted")
    add("--manifest", type=Path, required=True, help="the dataset's manifest TSV (audio paths)")
    add("--window-s", type=float, default=FingerprintParams.window_s, help="seconds fingerprinted")
    add("--threads", type=positive_int, default=1, help="files fingerprinted in parallel")
    add("--file-version", type=int, default=None, help="the format the caller expects")
    add("--out", type=Path, required=True, help="fingerprint HDF5 to write")
    add("--unchecked-out", type=Path, required=True, help="TSV of rows without frames")
    return parser


def run(args: argparse.Namespace) -> None:
    if args.file_version not in (None, FINGERPRINT_VERSION):
        raise ValueError(
            f"--file-version {args.file_version}: this command writes version "
            f"{FINGERPRINT_VERSION} (update rules/duplicates.smk)"
        )
    params = FingerprintParams(window_s=float(args.window_s))
    start = time.monotonic()
    summary = fingerprint_cache(args.cache, args.manifest, args.out, params, workers=args.threads)
    write_tsv(summary.unchecked_table(), args.unchecked_out)
    if summary.unchecked:
        first = f"{summary.unchecked[0][0]}: {summary.unchecked[0][3]}"
        log.warning(
            "%d of %d rows got no fingerprint and will not be checked (listed in %s), e.g. %s",
            len(summary.unchecked),
            summary.n_rows,
            args.unchecked_out,
            first,
        )
    log.info("wrote %s (%d rows) in %.1f s", args.out, summary.n_rows, time.monotonic() - start)


main = command(build_parser, run)

if __name__ == "__main__":
    raise SystemExit(main())
