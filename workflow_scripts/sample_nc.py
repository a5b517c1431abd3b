"""Experiment 2 training selection: Algorithm 1 or a random control of the same size.

Usage::

    python -m workflow_scripts.sample_nc --embeddings emb.h5
        --method nc|random_interest|random_all --bonafide-rate 1.0 --spoof-rate 0.5
        [--metric euclidean|cosine] [--seed S] [--dataset D --split S]
        --out selection.tsv [--summary-out summary.json]

Methods (samples of interest = rows with ``correct`` True):

* ``nc``: Algorithm 1 (``sampling.nc_sample``) per class on the samples of
  interest, keeping ``round_half_up(rate * n_interest)`` nearest the class mean;
* ``random_interest``: the same per-class counts as ``nc`` at these rates,
  drawn uniformly (seeded) from the samples of interest;
* ``random_all``: the same counts drawn from the whole training set.

The selection TSV has columns ``dataset, split, utt_id`` (what
``train --train-selection`` reads) followed by ``label, attack, correct,
distance, rank``: ``distance`` is the distance to the class mean of the
samples of interest (eq. 1, the chosen metric), ``rank`` the 0-based rank
among the class's samples of interest (nearest first), ``-1`` for a row that
is not a sample of interest (only ``random_all`` selects those). Rows are in
cache order. The summary JSON holds the method, rates, metric, seed, the
kept counts, ``n_interest`` and ``n_total`` per class, and the largest
selected distance per class. ``nc`` ignores the seed; output is
deterministic given the inputs and the seed.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from workflow_scripts import BONAFIDE, SPOOF
from workflow_scripts.io.embeddings import Embeddings, LABEL_NAMES, read_embeddings
from workflow_scripts.cli import non_negative_int
from workflow_scripts.io.files import atomic_path, write_tsv
from workflow_scripts.sampling import distances_to_means, nc_sample, random_draw
from workflow_scripts.sampling.nc_sampling import METRICS, check_rate

METHODS: tuple[str, ...] = ("nc", "random_interest", "random_all")
SELECTION_COLUMNS: tuple[str, ...] = ("dataset", "split", "utt_id", "label", "attack", "correct", "distance", "rank")


def select_rows(
    emb: Embeddings, method: str, *, bonafide_rate: float, spoof_rate: float, metric: str = "euclidean", seed: int = 0
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The selection table and its summary for one method (see the module docstring).

    The random controls reuse Algorithm 1's per-class counts, so the three
    methods differ only in *which* samples they keep.
    """
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; expected one of {METHODS}")
    interest = emb.interest
    rates = {BONAFIDE: float(bonafide_rate), SPOOF: float(spoof_rate)}
    present = set(np.unique(emb.label).tolist())
    absent = [LABEL_NAMES[k] for k in sorted(rates) if k not in present]
    if absent:
        raise ValueError(f"{emb.path}: no {' or '.join(absent)} rows; both classes are needed")
    try:
        nc = nc_sample(emb.embedding, emb.label, interest, rates=rates, metric=metric)  # type: ignore[arg-type]
    except ValueError as err:
        raise ValueError(f"{emb.path}: {err}") from None
    if method == "nc":
        selected = nc.selected
    else:
        pool = interest if method == "random_interest" else None
        selected = random_draw(emb.label, nc.counts, pool_mask=pool, seed=seed)

    distance = distances_to_means(emb.embedding, emb.label, nc.means, metric)  # type: ignore[arg-type]
    rank = np.full(len(emb), -1, dtype=np.int64)
    for ranked in nc.ranked.values():
        rank[ranked] = np.arange(ranked.shape[0])
    table = emb.table().iloc[selected].reset_index(drop=True)
    table["distance"] = distance[selected]
    table["rank"] = rank[selected]
    table = table[list(SELECTION_COLUMNS)]

    chosen = np.zeros(len(emb), dtype=bool)
    chosen[selected] = True
    summary: dict[str, Any] = {
        "method": method,
        "bonafide_rate": float(bonafide_rate),
        "spoof_rate": float(spoof_rate),
        "metric": metric,
        "seed": int(seed),
        "embeddings": str(emb.path),
        "model": emb.attrs.get("model", ""),
        "checkpoint": emb.attrs.get("checkpoint", ""),
        "datasets": sorted(set(emb.dataset.tolist())),
        "splits": sorted(set(emb.split.tolist())),
        "counts": emb.counts_per_class(chosen),
        "n_interest": emb.counts_per_class(interest),
        "n_total": emb.counts_per_class(),
        "n_selected": int(chosen.sum()),
        "max_selected_distance": {
            LABEL_NAMES[k]: _max_or_zero(distance[chosen & (emb.label == k)])
            for k in sorted(LABEL_NAMES, key=LABEL_NAMES.get)
        },
    }
    return table, summary


def _max_or_zero(values: np.ndarray) -> float:
    """Largest value, 0 for none (the effective distance threshold of an empty selection)."""
    return float(values.max()) if values.size else 0.0


def _rate(text: str) -> float:
    """argparse type: a sampling rate in [0, 1]."""
    try:
        value = float(text)
        check_rate(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number in [0, 1], got {text!r}") from None
    return value




def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m workflow_scripts.sample_nc", description=__doc__.split("\n")[0])
    parser.add_argument("--embeddings", type=Path, required=True, help="embedding HDF5 of the training set")
    parser.add_argument("--method", choices=METHODS, required=True)
    parser.add_argument("--bonafide-rate", type=_rate, required=True,
                        help="fraction of bonafide samples of interest kept")
    parser.add_argument("--spoof-rate", type=_rate, required=True, help="fraction of spoof samples of interest kept")
    parser.add_argument("--metric", choices=METRICS, default="euclidean", help="distance to the class mean")
    parser.add_argument("--seed", type=non_negative_int, default=0, help="seed of the random controls (nc ignores it)")
    parser.add_argument("--dataset", default=None, help="dataset name if the file does not record it")
    parser.add_argument("--split", default=None, help="split if the file does not record it")
    parser.add_argument("--out", type=Path, required=True, help="selection TSV")
    parser.add_argument("--summary-out", type=Path, default=None, help="summary JSON")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        emb = read_embeddings(args.embeddings, dataset=args.dataset, split=args.split)
        table, summary = select_rows(
            emb, args.method, bonafide_rate=args.bonafide_rate, spoof_rate=args.spoof_rate,
            metric=args.metric, seed=args.seed,
        )
    except ValueError as err:
        print(f"sample_nc: error: {err}", file=sys.stderr)
        return 2
    write_tsv(table, args.out)
    text = json.dumps(summary, indent=2, allow_nan=False) + "\n"
    if args.summary_out is not None:
        with atomic_path(args.summary_out) as tmp:
            tmp.write_text(text)
    print(f"sample_nc: {args.method} kept {summary['counts']} of {summary['n_interest']} samples of interest "
          f"({summary['n_total']} in total) -> {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
