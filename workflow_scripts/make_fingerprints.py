"""Content fingerprints of every row of one log-mel cache, from the audio files.

Usage::

    python -m workflow_scripts.make_fingerprints \
        --cache results/caches/for/train.h5 --manifest results/manifests/for.tsv \
        [--window-s 6] [--threads 2] \
        --out results/fingerprints/for/train.h5 --unchecked-out results/fingerprints/for/train.unchecked.tsv

Rows are the cache's rows, in the cache's order (its utt_ids, labels and
attacks are copied), so quarantined audio is already left out and listed in
the cache's quarantine list; each row's audio path comes from the manifest.
A row whose audio cannot be fingerprinted (unreadable now, silent, under
0.5 s of sound after trimming) keeps a zero fingerprint, which matches
nothing, and is listed in ``--unchecked-out`` (``utt_id, path, stage,
reason``, as the quarantine lists). See :mod:`workflow_scripts.features.fingerprint`.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from workflow_scripts import LABELS
from workflow_scripts.features.cache import QUARANTINE_COLUMNS
from workflow_scripts.features.fingerprint import FingerprintParams, build_fingerprints
from workflow_scripts.io.files import read_tsv, write_tsv
from workflow_scripts.io.selections import read_cache_table

log = logging.getLogger("workflow_scripts.make_fingerprints")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m workflow_scripts.make_fingerprints", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--cache", type=Path, required=True, help="log-mel cache whose rows are fingerprinted")
    parser.add_argument("--manifest", type=Path, required=True, help="the dataset's manifest TSV (audio paths)")
    parser.add_argument("--window-s", type=float, default=FingerprintParams.window_s,
                        help=f"seconds of trimmed speech fingerprinted (default {FingerprintParams.window_s:g})")
    parser.add_argument("--threads", type=int, default=1, help="files decoded and fingerprinted in parallel")
    parser.add_argument("--out", type=Path, required=True, help="fingerprint HDF5 to write")
    parser.add_argument("--unchecked-out", type=Path, required=True,
                        help="TSV of rows that got a zero fingerprint (utt_id, path, stage, reason)")
    return parser


def cache_paths(cache: pd.DataFrame, manifest: pd.DataFrame, where: str) -> list[str]:
    """Audio path of every cache row, from the manifest rows of the cache's dataset and split."""
    missing = [c for c in ("utt_id", "path") if c not in manifest.columns]
    if missing:
        raise ValueError(f"{where}: manifest lacks column(s) {missing}")
    rows = manifest
    for key in ("dataset", "split"):
        if key in manifest.columns:
            rows = rows[rows[key] == cache.attrs[key]]
    lookup = dict(zip(rows["utt_id"].astype(str), rows["path"].astype(str), strict=True))
    absent = [u for u in cache["utt_id"] if u not in lookup]
    if absent:
        raise ValueError(f"{where}: {len(absent)} cache row(s) are not in the manifest for "
                         f"{cache.attrs['dataset']}:{cache.attrs['split']}, e.g. {absent[:3]}")
    return [lookup[u] for u in cache["utt_id"]]


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        params = FingerprintParams(window_s=float(args.window_s))
        if args.threads < 1:
            raise ValueError(f"--threads must be >= 1, got {args.threads}")
        cache = read_cache_table(args.cache)
        manifest = read_tsv(args.manifest)
        paths = cache_paths(cache, manifest, str(args.manifest))
    except (ValueError, FileNotFoundError) as err:
        print(f"make_fingerprints: error: {err}", file=sys.stderr)
        return 2
    n = len(cache)
    log.info("fingerprinting %d rows of %s (%s:%s), window %.3g s, %d thread(s)",
             n, args.cache, cache.attrs["dataset"], cache.attrs["split"], params.window_s, args.threads)
    t0 = time.monotonic()
    step = max(1, n // 20)
    next_report = [step]

    def progress(done: int, total: int) -> None:
        if done >= next_report[0] or done == total:
            rate = done / max(time.monotonic() - t0, 1e-9)
            log.info("%d/%d files (%.1f files/s)", done, total, rate)
            while next_report[0] <= done:
                next_report[0] += step

    summary = build_fingerprints(
        cache["utt_id"].tolist(), paths,
        np.array([LABELS[x] for x in cache["label"]], dtype=np.int8),
        cache["attack"].tolist(), args.out, params,
        dataset=cache.attrs["dataset"], split=cache.attrs["split"], workers=args.threads, progress=progress,
    )
    write_tsv(pd.DataFrame(summary.unchecked, columns=QUARANTINE_COLUMNS), args.unchecked_out)
    if summary.unchecked:
        log.warning("%d of %d rows got no fingerprint (listed in %s), e.g. %s: %s", len(summary.unchecked),
                    n, args.unchecked_out, summary.unchecked[0][0], summary.unchecked[0][3])
    log.info("wrote %s (%d rows) in %.1f s", args.out, n, time.monotonic() - t0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
