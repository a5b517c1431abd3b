"""Experiment 2 training selection from one embedding file: Algorithm 1 or a random control.

Methods (samples of interest = rows with ``correct`` True):

* ``nc``: Algorithm 1 (:func:`~.nc_sampling.nc_sample`) per class on the
  samples of interest, keeping ``round_half_up(rate * n_interest)`` nearest
  the class mean;
* ``random_interest``: the same per-class counts drawn uniformly (seeded)
  from the samples of interest;
* ``random_all``: the same counts drawn from the whole training set;
* ``full``: every row (rates 1.0 only), the full-data reference trained
  beside the samples, so that it runs through the same training rule.

The random controls reuse Algorithm 1's per-class counts, so the three
methods differ only in *which* samples they keep.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from workflow_scripts import BONAFIDE, SPOOF
from workflow_scripts.io.embeddings import LABEL_NAMES, Embeddings
from workflow_scripts.io.selections import SELECTION_COLUMNS

from .methods import FULL_METHOD, selection_method
from .nc_sampling import Metric, distances_to_means, max_or_zero, nc_sample
from .random_draws import random_draw

#: Columns of the selection TSV: the row key (what ``train --train-selection`` reads), then
#: the distance to the class mean and the rank among the class's samples of interest.
NC_SELECTION_COLUMNS: tuple[str, ...] = (
    *SELECTION_COLUMNS,
    "label",
    "attack",
    "correct",
    "distance",
    "rank",
)


def nc_selection(
    emb: Embeddings,
    method: str,
    *,
    bonafide_rate: float,
    spoof_rate: float,
    metric: Metric = "euclidean",
    seed: int = 0,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The selection table (``NC_SELECTION_COLUMNS``, cache order) and its summary.

    ``distance`` is to the class mean of the samples of interest (eq. 1, in
    ``metric``); ``rank`` is 0-based among the class's samples of interest,
    nearest first, and ``-1`` for a row that is not one (only ``random_all``
    selects those, and ``full``, which keeps every row). ``nc`` and ``full``
    ignore ``seed``. The summary holds the method,
    rates, metric, seed, the kept counts, ``n_interest`` and ``n_total`` per
    class and the largest selected distance per class.
    """
    pool_kind = selection_method(method).pool
    interest = emb.interest
    rates = {BONAFIDE: float(bonafide_rate), SPOOF: float(spoof_rate)}
    if method == FULL_METHOD and set(rates.values()) != {1.0}:
        raise ValueError(f"method {FULL_METHOD!r} keeps every row; both rates must be 1.0")
    present = set(np.unique(emb.label).tolist())
    absent = [LABEL_NAMES[k] for k in sorted(rates) if k not in present]
    if absent:
        raise ValueError(f"{emb.path}: no {' or '.join(absent)} rows; both classes are needed")
    try:
        nc = nc_sample(emb.embedding, emb.label, interest, rates=rates, metric=metric)
    except ValueError as err:
        raise ValueError(f"{emb.path}: {err}") from None
    if pool_kind == "nearest":
        selected = nc.selected
    elif pool_kind == "every_row":
        selected = np.arange(len(emb))
    else:
        pool = interest if pool_kind == "interest" else None
        selected = random_draw(emb.label, nc.counts, pool_mask=pool, seed=seed)

    distance = distances_to_means(emb.embedding, emb.label, nc.means, metric)
    rank = np.full(len(emb), -1, dtype=np.int64)
    for ranked in nc.ranked.values():
        rank[ranked] = np.arange(ranked.shape[0])
    table = emb.table().iloc[selected].reset_index(drop=True)
    table["distance"] = distance[selected]
    table["rank"] = rank[selected]
    table = table[list(NC_SELECTION_COLUMNS)]

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
            LABEL_NAMES[k]: max_or_zero(distance[chosen & (emb.label == k)])
            for k in sorted(LABEL_NAMES, key=LABEL_NAMES.get)
        },
    }
    return table, summary
