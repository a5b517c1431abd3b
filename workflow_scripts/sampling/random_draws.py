"""Random control draws: the baselines Algorithm 1/2 are compared with.

* :func:`random_draw` draws the same per-class counts as a neural-collapse
  sample, uniformly without replacement from a pool (the samples of interest
  or the whole training set), so the only difference is *which* samples.
* :func:`draw_per_dataset` draws N bonafide and N spoof per dataset for
  Experiment 3. A (dataset, label) with fewer than N rows gives all it has;
  the shortfall is reported in the result, never silently hidden.
* A :class:`Pool` is the cache metadata of the datasets to draw from (a
  dataset's pool may span several splits) with the rows excluded as
  duplicates; :func:`draw_counts` draws a requested count per (dataset,
  class) from it: N everywhere (:func:`uniform_counts`; Experiment 3, the
  eval data) or the full method's counts (:func:`matched_counts`; the
  Experiment 4 control). :func:`draw_summary` is the summary JSON content.

Every random stream comes from :func:`rng_for`, which derives a child
``numpy.random.SeedSequence`` from the base seed and stable keys (names, not
positions), so adding a dataset or a class never changes another's draw.
"""

from __future__ import annotations

import logging
import os
import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from workflow_scripts.io.selections import (
    CLASS_NAMES,
    NamedPath,
    class_counts,
    read_cache_tables,
    read_duplicate_pairs,
)

from .exclusions import (
    ROW_COLUMNS,
    cache_priority,
    duplicate_exclusions,
    excluded_mask,
    refuse_split,
)
from .nc_sampling import check_labels, check_mask

log = logging.getLogger(__name__)

#: Columns of the per (dataset, class) count table of :func:`draw_counts`.
COUNT_COLUMNS: tuple[str, ...] = (
    "dataset",
    "label",
    "rows",
    "excluded",
    "requested",
    "available",
    "drawn",
)


def _key_words(keys: Iterable[object]) -> tuple[int, ...]:
    """Stable 32-bit words for keys (``hash()`` of a str changes between processes)."""
    return tuple(
        zlib.crc32(repr(k if not isinstance(k, np.generic) else k.item()).encode("utf-8"))
        for k in keys
    )


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
    if (
        isinstance(n_per_class, bool)
        or not isinstance(n_per_class, (int, np.integer))
        or n_per_class < 0
    ):
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


# --------------------------------------------------------------------------- pools


@dataclass(frozen=True)
class Pool:
    """Metadata of all given caches, positionally indexed, and the rows excluded as duplicates.

    ``caches`` holds one record (``dataset, split, path, rows``) per cache in
    the order given; ``duplicates`` the summary's ``file, pairs, excluded``.
    """

    table: pd.DataFrame
    excluded: np.ndarray
    caches: list[dict[str, Any]]
    duplicates: dict[str, Any]

    @property
    def datasets(self) -> list[str]:
        """Datasets in the order first given (a dataset may have several caches: its pool
        splits)."""
        return list(dict.fromkeys(c["dataset"] for c in self.caches))

    @property
    def splits(self) -> dict[str, list[str]]:
        """Splits of each dataset's pool, in the order given."""
        out: dict[str, list[str]] = {}
        for c in self.caches:
            out.setdefault(c["dataset"], []).append(c["split"])
        return out


def make_pool(
    table: pd.DataFrame,
    caches: list[dict[str, Any]],
    pairs: pd.DataFrame | None = None,
    pairs_file: str | os.PathLike[str] | None = None,
) -> Pool:
    """A pool of cache metadata (``read_cache_tables``) whose duplicate ``pairs`` are excluded.

    Exclusion priority is the order of ``caches`` (see ``duplicate_exclusions``:
    training splits outrank evaluation splits regardless of order);
    ``pairs_file`` only names the pairs in the summary.
    """
    info: dict[str, Any] = {"file": None, "pairs": 0, "excluded": 0}
    excluded = np.zeros(len(table), dtype=bool)
    if pairs is not None:
        excluded = excluded_mask(table, duplicate_exclusions(pairs, cache_priority(caches)))
        info = {
            "file": None if pairs_file is None else str(pairs_file),
            "pairs": int(len(pairs)),
            "excluded": int(excluded.sum()),
        }
    return Pool(table=table, excluded=excluded, caches=caches, duplicates=info)


def load_pool(specs: Sequence[NamedPath], duplicates: str | os.PathLike[str] | None = None) -> Pool:
    """Read the caches' metadata (one cache per (dataset, split); a dataset may have several,
    its pool) and the ``find_duplicates`` pairs, and build the :class:`Pool`."""
    table, caches = read_cache_tables(specs)
    pairs = read_duplicate_pairs(duplicates) if duplicates is not None else None
    return make_pool(table, caches, pairs, duplicates)


def draw_counts(
    pool: Pool, requested: Mapping[tuple[str, str], int], seed: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Draw ``requested[(dataset, class)]`` eligible rows of each dataset and class.

    Returns the selection (``ROW_COLUMNS``, pool order) and the count table
    (``COUNT_COLUMNS``). Every (dataset, class) of the pool must have a request.
    """
    table = pool.table
    exclude = set(np.flatnonzero(pool.excluded).tolist())
    drawn: list[pd.Index] = []
    rows: list[dict[str, Any]] = []
    for dataset in pool.datasets:
        part = table[table["dataset"] == dataset]
        for label in CLASS_NAMES:
            if (dataset, label) not in requested:
                raise ValueError(f"no requested count for dataset {dataset!r}, class {label!r}")
            n = int(requested[(dataset, label)])
            result = draw_per_dataset(part, n, seed, exclude, labels=[label])
            drawn.append(result.index)
            row = result.counts.iloc[0].to_dict()
            in_class = (part["label"] == label).to_numpy()
            rows.append(
                {
                    "dataset": dataset,
                    "label": label,
                    "rows": int(in_class.sum()),
                    "excluded": int(pool.excluded[part.index.to_numpy()][in_class].sum()),
                    "requested": int(row["requested"]),
                    "available": int(row["available"]),
                    "drawn": int(row["drawn"]),
                }
            )
    positions = np.sort(np.concatenate([idx.to_numpy(dtype=np.int64) for idx in drawn]))
    selection = table.iloc[positions][list(ROW_COLUMNS)].reset_index(drop=True)
    return selection, pd.DataFrame(rows, columns=list(COUNT_COLUMNS))


def uniform_counts(pool: Pool, n_per_class: int) -> dict[tuple[str, str], int]:
    """``n_per_class`` for every dataset and class of the pool."""
    if n_per_class < 0:
        raise ValueError(f"n_per_class must be >= 0, got {n_per_class}")
    return {(ds, label): int(n_per_class) for ds in pool.datasets for label in CLASS_NAMES}


def matched_counts(
    summary: Mapping[str, Any], datasets: Sequence[str], where: str
) -> dict[tuple[str, str], int]:
    """Per (dataset, class) counts a full-method summary reports (``datasets.<name>.counts``),
    so the random control draws exactly the full method's budget; ``where`` names the file."""
    per_dataset = summary.get("datasets") if isinstance(summary, Mapping) else None
    if not isinstance(per_dataset, Mapping):
        raise ValueError(f"{where}: no 'datasets' mapping; expected a sample_full_method summary")
    counts: dict[tuple[str, str], int] = {}
    for ds in datasets:
        entry = per_dataset.get(ds)
        if not isinstance(entry, Mapping) or not isinstance(entry.get("counts"), Mapping):
            raise ValueError(f"{where}: no counts for dataset {ds!r} (has {sorted(per_dataset)})")
        for label in CLASS_NAMES:
            value = entry["counts"].get(label)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(
                    f"{where}: datasets.{ds}.counts.{label} must be a non-negative integer, "
                    f"got {value!r}"
                )
            counts[(ds, label)] = value
    extra = sorted(set(per_dataset) - set(datasets))
    if extra:
        raise ValueError(f"{where}: counts for dataset(s) {extra} but no cache for them was given")
    return counts


def split_counts(selection: pd.DataFrame) -> dict[str, dict[str, dict[str, int]]]:
    """Selected rows per dataset, split and class (how much of a train + dev pool came from
    dev)."""
    return {
        str(ds): {
            str(sp): class_counts(rows, by_dataset=False)
            for sp, rows in part.groupby("split", sort=True)
        }
        for ds, part in selection.groupby("dataset", sort=True)
    }


def draw_summary(
    pool: Pool, counts: pd.DataFrame, selection: pd.DataFrame, *, seed: int, **extra: Any
) -> dict[str, Any]:
    """Summary JSON of a draw (``extra`` keys first: the mode) and a warning per shortfall,
    so a short (dataset, class) is visible in the log as well as in the file."""
    shortfall = counts[counts["drawn"] < counts["requested"]]
    for row in shortfall.itertuples(index=False):
        log.warning(
            "%s %s: %d requested but only %d eligible (%d excluded as duplicates)",
            row.dataset,
            row.label,
            row.requested,
            row.available,
            row.excluded,
        )
    return {
        **extra,
        "seed": int(seed),
        "caches": pool.caches,
        "pool": pool.splits,
        "counts": counts.to_dict(orient="records"),
        "shortfall": shortfall.to_dict(orient="records"),
        "duplicates": pool.duplicates,
        "per_dataset": class_counts(selection),
        "per_split": split_counts(selection),
        "total": {**class_counts(selection, by_dataset=False), "rows": int(len(selection))},
    }


def check_training_pool(pool: Pool) -> None:
    """Refuse an eval cache in a training pool (training rows are never drawn from evaluation
    data) and log each split other than ``train`` that joins a dataset's pool."""
    refuse_split(pool.caches, "eval", "training rows are never drawn from evaluation data")
    for cache in pool.caches:
        if cache["split"] != "train":
            log.info(
                "%s: the %r split is part of the %s pool",
                cache["path"],
                cache["split"],
                cache["dataset"],
            )
