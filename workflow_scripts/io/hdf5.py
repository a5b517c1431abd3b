"""HDF5 strings and attribute values as plain Python values (one decoding rule everywhere)."""

from __future__ import annotations

from typing import Any

import numpy as np


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
