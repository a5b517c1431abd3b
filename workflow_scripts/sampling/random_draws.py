"""Random control draws: the baselines Algorithm 1/2 are compared with.

* :func:`random_draw` draws the same per-class counts as a neural-collapse
  sample, uniformly without replacement from a pool (the samples of interest
  or the whole training set), so the only difference is *which* samples.
* :func:`draw_per_dataset` draws N bonafide and N spoof per dataset for
  Experiment 3. A (dataset, label) with fewer than N rows gives all it has;
  the shortfall is reported in the result, never silently hidden.

Every random stream comes from :func:`rng_for`, which derives a child
``numpy.random.SeedSequence`` from the base seed and stable keys (names, not
positions), so adding a dataset or a class never changes another's draw.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .nc_sampling import check_labels, check_mask


def _key_words(keys: Iterable[object]) -> tuple[int, ...]:
    """Stable 32-bit words for keys (``hash()`` of a str changes between processes)."""
    return tuple(zlib.crc32(repr(k if not isinstance(k, np.generic) else k.item()).encode("utf-8")) for k in keys)


def _check_seed(seed: int) -> int:
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or int(seed) < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    return int(seed)


def seed_sequence(seed: int, *keys: object) -> np.random.SeedSequence:
    """Child seed sequence for ``keys`` under ``seed`` (independent streams per key tuple)."""
    return np.random.SeedSequence(entropy=_check_seed(seed), spawn_key=_key_words(keys))


def rng_for(seed: int, *keys: object) -> np.random.Generator:
    """Random generator for one named purpose, e.g. ``rng_for(seed, "draw", "for", "spoof")``."""
    return np.random.default_rng(seed_sequence(seed, *keys))


def derive_seed(seed: int, *keys: object) -> int:
    """A 32-bit integer seed for libraries that take an int (scikit-learn ``random_state``)."""
    return int(seed_sequence(seed, *keys).generate_state(1, dtype=np.uint32)[0])


def random_draw(
    labels: np.ndarray,
    counts: Mapping[int, int],
    *,
    pool_mask: np.ndarray | None = None,
    seed: int,
) -> np.ndarray:
    """Indices of ``counts[k]`` samples of each class ``k`` drawn uniformly without replacement.

    Only rows where ``pool_mask`` is True are eligible (all rows when None).
    Classes not in ``counts`` are not drawn. Raises ``ValueError`` when a
    class's pool is smaller than its count. Returns ascending indices.
    """
    raw = np.asarray(labels)
    if raw.ndim != 1:
        raise ValueError(f"labels must be a 1-D array, got shape {raw.shape}")
    y = check_labels(raw, raw.shape[0])
    pool = check_mask(pool_mask, y.shape[0], "pool")
    chosen: list[np.ndarray] = []
    for k in sorted(counts):
        c = counts[k]
        if isinstance(c, bool) or not isinstance(c, (int, np.integer)) or c < 0:
            raise ValueError(f"count for class {k} must be a non-negative integer, got {c!r}")
        candidates = np.flatnonzero(pool & (y == k))
        if candidates.shape[0] < c:
            raise ValueError(
                f"class {k}: {c} samples requested but the pool holds only {candidates.shape[0]}"
            )
        rng = rng_for(seed, "random_draw", int(k))
        chosen.append(rng.choice(candidates, size=int(c), replace=False))
    if not chosen:
        return np.empty(0, dtype=np.int64)
    return np.sort(np.concatenate(chosen)).astype(np.int64)


@dataclass(frozen=True)
class PerDatasetDraw:
    """Result of :func:`draw_per_dataset`.

    ``index`` holds the drawn rows' table index labels in table order;
    ``counts`` has one row per (dataset, label) with ``requested``,
    ``available`` (after exclusions) and ``drawn``.
    """

    index: pd.Index
    counts: pd.DataFrame

    @property
    def shortfall(self) -> pd.DataFrame:
        """The (dataset, label) rows that could not supply the requested number."""
        return self.counts[self.counts["drawn"] < self.counts["requested"]].reset_index(drop=True)


def draw_per_dataset(
    table: pd.DataFrame,
    n_per_class: int,
    seed: int,
    exclude: set[object] | None = None,
    *,
    labels: Iterable[object] | None = None,
) -> PerDatasetDraw:
    """Experiment 3: draw ``n_per_class`` rows of each label from each dataset.

    ``table`` needs columns ``dataset`` and ``label``; rows whose index label
    is in ``exclude`` (e.g. cross-dataset duplicates) are never drawn.
    ``labels`` fixes the classes expected in every dataset (default: every
    label occurring in the table), so a dataset missing a class shows up in
    the shortfall with ``available`` 0. A short (dataset, label) gives all
    its rows. Each (dataset, label) has its own random stream keyed by name,
    so the draw does not depend on which other datasets are in the table.
    """
    missing = [c for c in ("dataset", "label") if c not in table.columns]
    if missing:
        raise ValueError(f"table lacks column(s) {missing}; has {list(table.columns)}")
    if isinstance(n_per_class, bool) or not isinstance(n_per_class, (int, np.integer)) or n_per_class < 0:
        raise ValueError(f"n_per_class must be a non-negative integer, got {n_per_class!r}")
    if not table.index.is_unique:
        raise ValueError("table index must be unique (it identifies the drawn rows)")
    eligible = np.ones(len(table), dtype=bool)
    if exclude:
        eligible &= ~table.index.isin(list(exclude))
    wanted = sorted(set(table["label"].tolist()) if labels is None else set(labels), key=str)
    datasets = sorted(set(table["dataset"].tolist()), key=str)

    dataset_col = table["dataset"].to_numpy()
    label_col = table["label"].to_numpy()
    positions: list[np.ndarray] = []
    rows = []
    for ds in datasets:
        for lab in wanted:
            candidates = np.flatnonzero(eligible & (dataset_col == ds) & (label_col == lab))
            take = min(int(n_per_class), candidates.shape[0])
            rng = rng_for(seed, "draw_per_dataset", str(ds), str(lab))
            positions.append(rng.choice(candidates, size=take, replace=False))
            rows.append(
                {
                    "dataset": ds,
                    "label": lab,
                    "requested": int(n_per_class),
                    "available": int(candidates.shape[0]),
                    "drawn": int(take),
                }
            )
    pos = np.sort(np.concatenate(positions)) if positions else np.empty(0, dtype=np.int64)
    counts = pd.DataFrame(rows, columns=["dataset", "label", "requested", "available", "drawn"])
    return PerDatasetDraw(index=table.index[pos.astype(np.int64)], counts=counts)
