"""Which rows to drop when one recording sits in several places (duplicate pairs -> exclusions).

Duplicate pairs (``io.selections.read_duplicate_pairs``) are joined into
groups (:func:`workflow_scripts.sampling.duplicates.connected_components`);
each group keeps one member by split rank and corpus priority. Row keys are
``(dataset, split, utt_id)`` tuples of ``str``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from .duplicates import connected_components

RowKey = tuple[str, str, str]

#: Columns of a selection taken from cache metadata: the row key, the class and the attack.
ROW_COLUMNS: tuple[str, ...] = ("dataset", "split", "utt_id", "label", "attack")

#: Rank of a split when choosing which copy of a recording to keep (lower wins).
#: Training pools outrank dev, dev outranks eval, so a recording that is in
#: some training pool is never kept in evaluation data.
SPLIT_RANK: dict[str, int] = {"train": 0, "dev": 1, "eval": 2}
_OTHER_SPLIT_RANK = 3


def row_keys(table: pd.DataFrame) -> list[RowKey]:
    """``(dataset, split, utt_id)`` of every row, as plain strings."""
    return list(
        zip(
            table["dataset"].astype(str).tolist(),
            table["split"].astype(str).tolist(),
            table["utt_id"].astype(str).tolist(),
            strict=True,
        )
    )


def cache_priority(caches: Iterable[Mapping[str, Any]]) -> list[tuple[str, str]]:
    """``(dataset, split)`` of cache records in the order given: the corpus priority of
    :func:`duplicate_exclusions` is the order of the command line."""
    return [(c["dataset"], c["split"]) for c in caches]


def refuse_split(caches: Iterable[Mapping[str, Any]], split: str, why: str) -> None:
    """Raise ``ValueError`` naming the first cache of ``split``: a role (training pool,
    validation, eval data) that must never see that split says ``why``."""
    article = "an" if split[:1] in ("a", "e", "i", "o", "u") else "a"
    for cache in caches:
        if cache["split"] == split:
            raise ValueError(f"{cache['path']} is {article} {split} split; {why}")


def _priority_key(
    key: RowKey, position: Mapping[tuple[str, str], int]
) -> tuple[int, int, str, str, str]:
    dataset, split, utt_id = key
    listed = position.get((dataset, split), len(position))
    return (SPLIT_RANK.get(split, _OTHER_SPLIT_RANK), listed, dataset, split, utt_id)


def duplicate_groups(pairs: pd.DataFrame) -> list[list[RowKey]]:
    """Connected components of the duplicate pairs: each a sorted list of row keys."""
    columns_a = ["dataset_a", "split_a", "utt_a"]
    columns_b = ["dataset_b", "split_b", "utt_b"]
    edges = zip(
        pairs[columns_a].astype(str).itertuples(index=False, name=None),
        pairs[columns_b].astype(str).itertuples(index=False, name=None),
        strict=True,
    )
    return connected_components(edges)


def duplicate_exclusions(pairs: pd.DataFrame, priority: Sequence[tuple[str, str]]) -> set[RowKey]:
    """Rows to drop so that each recording found in several places is kept once.

    Pairs are joined into groups (connected components: a copy of a copy is
    the same recording). Each group keeps exactly one member and excludes the
    others. The keeper is the member with the smallest
    ``(split rank, position of its (dataset, split) in priority, dataset, split, utt_id)``:

    * split rank first (``train`` < ``dev`` < ``eval`` < anything else), so a
      recording that sits in any training pool is kept there and dropped
      from every evaluation split, whatever the priority list says;
    * then the order of ``priority`` ((dataset, split) pairs, e.g. the order
      of the command-line caches); pairs not listed come after listed ones;
    * then names, so the choice is deterministic for within-cache copies.
    """
    position: dict[tuple[str, str], int] = {}
    for i, (dataset, split) in enumerate(priority):
        position.setdefault((str(dataset), str(split)), i)
    excluded: set[RowKey] = set()
    for group in duplicate_groups(pairs):
        keeper = min(group, key=lambda k: _priority_key(k, position))
        excluded.update(k for k in group if k != keeper)
    return excluded


#: Why a row may not validate a model (:func:`validation_exclusions`), in the order checked.
VALIDATION_EXCLUSION_REASONS: tuple[str, ...] = ("training", "duplicate", "copy_of_training")


def validation_exclusions(
    pairs: pd.DataFrame, priority: Sequence[tuple[str, str]], training: Iterable[RowKey]
) -> dict[RowKey, str]:
    """Rows that must not validate a model trained on the rows ``training``, each with its reason.

    * ``training``: the row is a training row (a train + dev pool draws from dev);
    * ``duplicate``: :func:`duplicate_exclusions` drops it (another copy of the
      recording is kept: a training split outranks dev, so a dev copy of any
      train-split recording goes, drawn or not);
    * ``copy_of_training``: it shares a duplicate group with a training row,
      whichever copy the priority kept.

    The first reason that applies is given. Together they guarantee that no
    validation row is a training row or a copy of one.
    """
    train_keys = {tuple(str(v) for v in k) for k in training}
    out: dict[RowKey, str] = {k: "training" for k in train_keys}  # type: ignore[misc]
    for key in sorted(duplicate_exclusions(pairs, priority)):
        out.setdefault(key, "duplicate")
    for group in duplicate_groups(pairs):
        if any(k in train_keys for k in group):
            for key in group:
                out.setdefault(key, "copy_of_training")
    return out


def excluded_mask(table: pd.DataFrame, exclusions: Iterable[RowKey]) -> np.ndarray:
    """Boolean mask of the rows of ``table`` whose ``(dataset, split, utt_id)`` is excluded."""
    excluded = set(exclusions)
    if not excluded:
        return np.zeros(len(table), dtype=bool)
    return np.array([k in excluded for k in row_keys(table)], dtype=bool)
