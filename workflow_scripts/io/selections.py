"""Tables keyed by ``(dataset, split, utt_id)``: selections, cache metadata, duplicate pairs
(no torch).

* ``name[:split]=path`` arguments (:func:`parse_named_path`);
* cache metadata tables: utt_id, label, attack of a log-mel cache, read with
  h5py without touching the features (:func:`read_cache_table`);
* selection TSVs (``dataset, split, utt_id`` first, then optional columns),
  the format ``train --train-selection`` and ``score --selection`` read;
* duplicate-pair tables from ``find_duplicates`` (:func:`read_duplicate_pairs`;
  which rows they exclude is decided in :mod:`workflow_scripts.sampling.exclusions`).

Row keys are ``(dataset, split, utt_id)`` tuples of ``str`` throughout.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from workflow_scripts import LABEL_NAMES
from workflow_scripts.io.files import atomic_path, read_input_tsv
from workflow_scripts.io.hdf5 import attr_str, decode_strings, open_hdf5

#: First columns of every selection table, in this order.
SELECTION_COLUMNS: tuple[str, ...] = ("dataset", "split", "utt_id")
#: Columns of the duplicate-pair table written by ``find_duplicates``.
DUPLICATE_COLUMNS: tuple[str, ...] = (
    "dataset_a", "split_a", "utt_a", "dataset_b", "split_b", "utt_b", "similarity"
)
CLASS_NAMES: tuple[str, ...] = ("bonafide", "spoof")
RowKey = tuple[str, str, str]


@dataclass(frozen=True)
class NamedPath:
    """A ``name[:split]=path`` argument: the dataset name, optional split, file."""

    dataset: str
    split: str | None
    path: Path


def parse_named_path(text: str, *, option: str = "--cache") -> NamedPath:
    """Parse ``dataset=path`` or ``dataset:split=path``; the error names the option and value."""
    name, sep, path = text.partition("=")
    if not sep or not name or not path:
        raise ValueError(f"{option} {text!r}: expected DATASET=PATH or DATASET:SPLIT=PATH")
    dataset, colon, split = name.partition(":")
    if not dataset or (colon and not split):
        raise ValueError(f"{option} {text!r}: empty dataset or split name")
    return NamedPath(dataset=dataset, split=split or None, path=Path(path))


def _origin(attrs: Mapping[str, Any], key: str, given: str | None, path: Path) -> str:
    """Dataset/split of a cache from its attribute, checked against the command-line name."""
    stored = attr_str(attrs[key]) if key in attrs else None
    if stored is not None and given is not None and stored != given:
        raise ValueError(
            f"{path}: cache attribute {key}={stored!r} but the command line names it {given!r}"
        )
    value = stored if stored is not None else given
    if not value:
        raise ValueError(
            f"{path}: no {key!r} attribute; name it on the command line (DATASET:SPLIT=PATH)"
        )
    return value


def read_cache_table(
    path: str | os.PathLike[str], *, dataset: str | None = None, split: str | None = None
) -> pd.DataFrame:
    """Metadata of a log-mel cache, one row per utterance, without reading the features.

    Columns ``dataset, split, utt_id, label`` (``bonafide``/``spoof``),
    ``attack``, ``row`` (position in the cache); ``table.attrs`` holds the
    cache's ``dataset``, ``split`` and ``path``. ``dataset``/``split`` come
    from the cache attributes; values given here must agree with them and
    are used only when an attribute is missing. Errors name the file.
    """
    file = Path(path)
    with open_hdf5(file, "cache", ("utt_id", "label", "attack")) as h5:
        utt_id = decode_strings(h5["utt_id"][()])
        label = np.asarray(h5["label"][()])
        attack = decode_strings(h5["attack"][()])
        n_features = int(h5["features"].shape[0]) if "features" in h5 else None
        ds = _origin(h5.attrs, "dataset", dataset, file)
        sp = _origin(h5.attrs, "split", split, file)
    n = utt_id.shape[0]
    if label.shape != (n,) or attack.shape != (n,) or (n_features is not None and n_features != n):
        raise ValueError(
            f"{file}: utt_id ({n}), label ({label.shape[0]}), attack ({attack.shape[0]})"
            + (f", features ({n_features})" if n_features is not None else "")
            + " differ in length"
        )
    bad = sorted(set(np.unique(label).tolist()) - set(LABEL_NAMES))
    if bad:
        raise ValueError(f"{file}: label values must be 1 (bonafide) or 0 (spoof), found {bad}")
    dup = pd.Index(utt_id).duplicated()
    if dup.any():
        raise ValueError(f"{file}: utt_id {utt_id[dup][0]!r} occurs more than once")
    table = pd.DataFrame(
        {
            "dataset": np.full(n, ds, dtype=object),
            "split": np.full(n, sp, dtype=object),
            "utt_id": utt_id,
            "label": np.array([LABEL_NAMES[int(k)] for k in label], dtype=object),
            "attack": attack,
            "row": np.arange(n, dtype=np.int64),
        }
    )
    table.attrs.update({"dataset": ds, "split": sp, "path": str(file)})
    return table


def read_cache_tables(specs: Sequence[NamedPath]) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    """Metadata of several caches, concatenated in the order given, and one record per cache.

    One cache per (dataset, split): a repeated pair is an error naming the
    file. The records (``dataset, split, path, rows``) keep the order, which
    is the priority for :func:`duplicate_exclusions`.
    """
    if not specs:
        raise ValueError("no caches given")
    parts: list[pd.DataFrame] = []
    caches: list[dict[str, Any]] = []
    for spec in specs:
        meta = read_cache_table(spec.path, dataset=spec.dataset, split=spec.split)
        dataset, split = meta.attrs["dataset"], meta.attrs["split"]
        if any((c["dataset"], c["split"]) == (dataset, split) for c in caches):
            raise ValueError(
                f"{spec.path}: ({dataset}, {split}) was already given; "
                "give one cache per dataset and split"
            )
        caches.append(
            {"dataset": dataset, "split": split, "path": str(spec.path), "rows": int(len(meta))}
        )
        parts.append(meta)
    return pd.concat(parts, ignore_index=True), caches


# --------------------------------------------------------------------------- selections


def check_selection(table: pd.DataFrame, where: str = "selection") -> pd.DataFrame:
    """Selection with ``dataset, split, utt_id`` first; no empty cell, NaN or repeated row key."""
    missing = [c for c in SELECTION_COLUMNS if c not in table.columns]
    if missing:
        raise ValueError(f"{where}: lacks column(s) {missing}; it needs {list(SELECTION_COLUMNS)}")
    ordered = table[[*SELECTION_COLUMNS, *(c for c in table.columns if c not in SELECTION_COLUMNS)]]
    if ordered.isna().any().any():
        column = ordered.columns[ordered.isna().any()][0]
        raise ValueError(f"{where}: column {column!r} has missing values")
    keys = ordered[list(SELECTION_COLUMNS)].astype(str)
    if (keys == "").any().any():
        raise ValueError(f"{where}: empty dataset, split or utt_id")
    dup = keys.duplicated()
    if dup.any():
        first = keys[dup].iloc[0]
        raise ValueError(
            f"{where}: ({first.dataset}, {first.split}, {first.utt_id}) is listed more than once"
        )
    return ordered.reset_index(drop=True)


def write_selection(table: pd.DataFrame, path: str | os.PathLike[str]) -> None:
    """Write a selection TSV atomically (checked by :func:`check_selection`)."""
    checked = check_selection(table, str(path))
    with atomic_path(path) as tmp:
        checked.to_csv(tmp, sep="\t", index=False)


def read_selection(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read a selection TSV (all columns as strings); errors name the file."""
    return check_selection(read_input_tsv(path, "selection file"), str(path))


# --------------------------------------------------------------------------- duplicates


def read_duplicate_pairs(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read a ``find_duplicates`` pair TSV; errors name the file."""
    table = read_input_tsv(path, "duplicates file")
    missing = [c for c in DUPLICATE_COLUMNS if c not in table.columns]
    if missing:
        raise ValueError(f"{path}: lacks column(s) {missing}; expected {list(DUPLICATE_COLUMNS)}")
    similarity = pd.to_numeric(table["similarity"], errors="coerce")
    if similarity.isna().any():
        raise ValueError(
            f"{path}: non-numeric similarity in row {int(np.flatnonzero(similarity.isna())[0]) + 2}"
        )
    table = table.copy()
    table["similarity"] = similarity.astype(np.float64)
    return table


def class_counts(table: pd.DataFrame, by_dataset: bool = True) -> dict[str, Any]:
    """Rows per class (``bonafide``/``spoof``, zeros included), per dataset when ``by_dataset``."""

    def count(part: pd.DataFrame) -> dict[str, int]:
        return {name: int((part["label"] == name).sum()) for name in CLASS_NAMES}

    if not by_dataset:
        return count(table)
    return {str(ds): count(part) for ds, part in table.groupby("dataset", sort=True)}
