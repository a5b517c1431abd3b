"""HDF5 inputs: opening with checks, strings and attribute values as plain Python values (one
decoding rule everywhere)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import h5py
import numpy as np


def open_hdf5(path: str | os.PathLike[str], what: str, required: Sequence[str] = ()) -> h5py.File:
    """Open an input HDF5 file for reading with the datasets ``required`` present; a missing or
    unreadable file or a missing dataset is an error naming the file (``what``: ``"cache"``)."""
    file = Path(path)
    if not file.is_file():
        raise ValueError(f"{file}: {what} file not found")
    try:
        h5 = h5py.File(file, "r")
    except OSError as err:
        raise ValueError(f"{file}: cannot open as HDF5 ({err})") from None
    missing = [name for name in required if name not in h5]
    if missing:
        found = sorted(h5.keys())
        h5.close()
        raise ValueError(f"{file}: missing dataset(s) {missing}; found {found}")
    return h5


def decode_strings(values: np.ndarray) -> np.ndarray:
    """An h5py string (or bytes) array as a numpy object array of ``str``."""
    return np.array(
        [v.decode("utf-8") if isinstance(v, bytes) else str(v) for v in values.tolist()],
        dtype=object,
    )


def plain(value: Any) -> Any:
    """An HDF5 attribute value as plain Python: ``str``, ``int``, ``float``, lists of them.

    Plain values compare with ``==``, print cleanly, go into JSON and load with
    ``torch.load(weights_only=True)``.
    """
    if isinstance(value, bytes):
        return value.decode("utf-8")
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return [plain(v) for v in value.tolist()]
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


def attr_str(value: Any) -> str:
    """An HDF5 attribute that names something (dataset, split, model) as ``str``."""
    return str(plain(value))
