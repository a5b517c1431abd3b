"""Penultimate-embedding HDF5 files: written by the ``embed`` command, read by the samplers.

Layout: datasets ``utt_id`` (str), ``embedding`` float32 (N, D), ``label``
int8 (1 bonafide, 0 spoof), ``attack`` (str), ``correct`` bool (the
pretrained detector's decision matches the label: the *samples of
interest*), optionally ``logit`` float32 and per-row ``dataset``/``split``
(str); attributes such as ``model``, ``checkpoint``, ``decision_threshold``
and, in older files, ``dataset``/``split``.

The origin of every row (dataset, split) is needed to write a training
selection. It is taken from the per-row datasets, else from the file
attributes, else from the caller (the ``--dataset``/``--split`` flags); a
caller value that contradicts the file is an error rather than a silent
override. Plain numpy/pandas/h5py, no torch, so the sampling adapters stay
light.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import h5py
import numpy as np
import pandas as pd

from workflow_scripts import LABEL_NAMES
from workflow_scripts.io.files import atomic_path
from workflow_scripts.io.hdf5 import attr_str, decode_strings, open_hdf5, plain

#: Datasets every embedding file must hold.
REQUIRED_DATASETS: tuple[str, ...] = ("utt_id", "embedding", "label", "attack", "correct")
_STR = h5py.string_dtype("utf-8")


@dataclass(frozen=True)
class Embeddings:
    """Arrays of one embedding file, aligned row by row (cache order).

    ``embedding`` is float64 (n, d); ``label`` int64 (1/0); ``correct`` bool
    (samples of interest); string arrays are numpy object arrays of ``str``.
    """

    path: Path
    utt_id: np.ndarray
    embedding: np.ndarray
    label: np.ndarray
    attack: np.ndarray
    correct: np.ndarray
    dataset: np.ndarray
    split: np.ndarray
    logit: np.ndarray | None = None
    attrs: dict[str, Any] = field(default_factory=dict)

    def __len__(self) -> int:
        return int(self.label.shape[0])

    @property
    def interest(self) -> np.ndarray:
        """Boolean mask of the samples of interest (correctly classified)."""
        return self.correct

    def label_names(self) -> np.ndarray:
        """Labels as the table strings ``bonafide``/``spoof``."""
        return np.array([LABEL_NAMES[int(k)] for k in self.label], dtype=object)

    def table(self) -> pd.DataFrame:
        """One row per embedding: dataset, split, utt_id, label (str), attack, correct[, logit]."""
        columns: dict[str, Any] = {
            "dataset": self.dataset,
            "split": self.split,
            "utt_id": self.utt_id,
            "label": self.label_names(),
            "attack": self.attack,
            "correct": self.correct,
        }
        if self.logit is not None:
            columns["logit"] = self.logit
        return pd.DataFrame(columns)

    def counts_per_class(self, mask: np.ndarray | None = None) -> dict[str, int]:
        """Rows per class name (``bonafide``, ``spoof``), optionally within ``mask``."""
        y = self.label if mask is None else self.label[mask]
        return {
            name: int(np.sum(y == k))
            for k, name in sorted(LABEL_NAMES.items(), key=lambda kv: kv[1])
        }


def _origin(h5: h5py.File, name: str, n: int, flag: str | None, path: Path) -> np.ndarray:
    """Per-row ``dataset`` or ``split``: from the file (rows, then attribute), else from the
    flag."""
    if name in h5:
        values = decode_strings(h5[name][()])
        if values.shape != (n,):
            raise ValueError(f"{path}: dataset {name!r} has shape {values.shape}, expected ({n},)")
    elif name in h5.attrs:
        values = np.full(n, attr_str(h5.attrs[name]), dtype=object)
    elif flag is not None:
        return np.full(n, flag, dtype=object)
    else:
        raise ValueError(
            f"{path}: no {name!r} dataset or attribute; "
            f"pass --{name} to say where the rows come from"
        )
    if flag is not None and n and set(values.tolist()) != {flag}:
        raise ValueError(
            f"{path}: file says {name} {sorted(set(values.tolist()))} "
            f"but --{name} {flag!r} was given"
        )
    return values


def read_embeddings(
    path: str | os.PathLike[str], *, dataset: str | None = None, split: str | None = None
) -> Embeddings:
    """Read and check an embedding file; errors name the file and the problem.

    Checks: required datasets present, consistent lengths, 2-D finite
    embeddings, labels in {0, 1}, unique (dataset, split, utt_id), at least
    one row. ``dataset``/``split`` are fallbacks for files without them.
    """
    file = Path(path)
    with open_hdf5(file, "embedding", REQUIRED_DATASETS) as h5:
        x = np.asarray(h5["embedding"][()])
        if x.ndim != 2:
            raise ValueError(f"{file}: 'embedding' must be 2-D (N, D), got shape {x.shape}")
        n = int(x.shape[0])
        if n == 0:
            raise ValueError(f"{file}: no rows")
        arrays = {name: h5[name][()] for name in ("utt_id", "label", "attack", "correct")}
        logit = np.asarray(h5["logit"][()], dtype=np.float64) if "logit" in h5 else None
        for name, values in [*arrays.items(), *([("logit", logit)] if logit is not None else [])]:
            if np.shape(values) != (n,):
                raise ValueError(
                    f"{file}: dataset {name!r} has shape {np.shape(values)}, expected ({n},)"
                )
        origin_dataset = _origin(h5, "dataset", n, dataset, file)
        origin_split = _origin(h5, "split", n, split, file)
        attrs = {key: plain(value) for key, value in h5.attrs.items()}

    if not np.issubdtype(x.dtype, np.number):
        raise ValueError(f"{file}: 'embedding' must be numeric, got dtype {x.dtype}")
    x = x.astype(np.float64)
    finite = np.all(np.isfinite(x), axis=1)
    if not finite.all():
        first = int(np.flatnonzero(~finite)[0])
        raise ValueError(
            f"{file}: embedding has NaN or inf in {int((~finite).sum())} row(s), first row {first}"
        )
    label = np.asarray(arrays["label"]).astype(np.int64)
    bad = sorted(set(np.unique(label).tolist()) - set(LABEL_NAMES))
    if bad:
        raise ValueError(f"{file}: label values must be 1 (bonafide) or 0 (spoof), found {bad}")
    correct = np.asarray(arrays["correct"])
    if correct.dtype != bool:
        if not np.all(np.isin(correct, (0, 1))):
            raise ValueError(f"{file}: 'correct' must be boolean, got dtype {correct.dtype}")
        correct = correct.astype(bool)
    utt_id = decode_strings(arrays["utt_id"])
    keys = pd.DataFrame({"dataset": origin_dataset, "split": origin_split, "utt_id": utt_id})
    dup = keys.duplicated()
    if dup.any():
        first = keys[dup].iloc[0]
        raise ValueError(
            f"{file}: ({first.dataset}, {first.split}, {first.utt_id}) occurs more than once"
        )
    if logit is not None and not np.all(np.isfinite(logit)):
        raise ValueError(
            f"{file}: 'logit' has NaN or inf "
            f"(first row {int(np.flatnonzero(~np.isfinite(logit))[0])})"
        )
    return Embeddings(
        path=file,
        utt_id=utt_id,
        embedding=x,
        label=label,
        attack=decode_strings(arrays["attack"]),
        correct=correct,
        dataset=origin_dataset,
        split=origin_split,
        logit=logit,
        attrs=attrs,
    )


def write_embeddings(
    path: str | os.PathLike[str],
    *,
    utt_id: np.ndarray,
    embedding: np.ndarray,
    label: np.ndarray,
    attack: np.ndarray,
    logit: np.ndarray,
    correct: np.ndarray,
    dataset: np.ndarray,
    split: np.ndarray,
    attrs: dict[str, Any],
) -> None:
    """Write an embedding file (layout in the module docstring) atomically."""
    with atomic_path(path) as tmp, h5py.File(tmp, "w") as h5:
        h5.create_dataset("utt_id", data=utt_id.astype(object), dtype=_STR)
        h5.create_dataset("embedding", data=embedding.astype(np.float32))
        h5.create_dataset("label", data=label.astype(np.int8))
        h5.create_dataset("attack", data=attack.astype(object), dtype=_STR)
        h5.create_dataset("logit", data=logit.astype(np.float32))
        h5.create_dataset("correct", data=correct.astype(bool))
        h5.create_dataset("dataset", data=dataset.astype(object), dtype=_STR)
        h5.create_dataset("split", data=split.astype(object), dtype=_STR)
        h5.attrs.update(attrs)
