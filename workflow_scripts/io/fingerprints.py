"""Fingerprint files (``make_fingerprints``) read for the duplicate scan, and the pair table
it writes.

A fingerprint file holds one row per row of a log-mel cache (same order, same
``utt_id``, ``label``, ``attack``): the aligned unit vectors ``fingerprint``
(n, dim), read into memory, the onset-shifted ones ``lagged``
(n, lags, dim), left on disk and read by row for close pairs only, and the
frame sequences (``frames``, stacked, with ``frame_index``: where each row's
frames are and which of them are its trimmed sound), read by row for the
candidate pairs the duplicate scan confirms. Its attributes record the
parameters; two files can be compared only when those in :data:`PARAM_ATTRS`
agree. Files written before the frame sequences (version 1) are refused.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import h5py
import numpy as np
import pandas as pd

from workflow_scripts.io.files import atomic_path
from workflow_scripts.io.hdf5 import plain
from workflow_scripts.io.selections import NamedPath, read_cache_table

log = logging.getLogger("workflow_scripts.io.fingerprints")

#: Fingerprint attributes that must agree between files for their vectors to be comparable.
PARAM_ATTRS: tuple[str, ...] = (
    "sample_rate",
    "window_s",
    "trim_db",
    "n_fft",
    "win_length",
    "hop_length",
    "n_mels",
    "f_min",
    "f_max",
    "n_bands",
    "cell_frames",
    "dynamic_range_db",
    "lags_ms",
    "dim",
    "frame_hop_length",
    "frame_n_mels",
    "frame_f_max",
    "frame_floor_db",
    "frame_mask_db",
    "frame_mask_frames",
    "frame_post_mask_frames",
    "frame_margin_s",
    "frame_step_db",
)
#: Columns of the ``frame_index`` dataset: where each row's frames are in ``frames`` (first
#: frame, frame count) and which of them are its trimmed sound (first, count).
FRAME_INDEX_COLUMNS = ("offset", "n_frames", "sound_start", "sound_frames")


@dataclass
class FingerprintSet:
    """One fingerprint file: row metadata, the aligned fingerprints in memory, the lagged ones
    and the frame sequences on disk (``lagged`` is ``None`` when the file has none)."""

    meta: pd.DataFrame
    main: np.ndarray
    lagged: Any
    path: Path
    params: dict[str, Any]
    #: (n, 4) int64, :data:`FRAME_INDEX_COLUMNS`.
    frame_index: np.ndarray
    #: (total frames, bands) uint8 HDF5 dataset (or array) of all rows' frames, stacked.
    frames: Any

    @property
    def name(self) -> str:
        """``dataset:split``, as the duplicate summary names a file."""
        return f"{self.meta.attrs['dataset']}:{self.meta.attrs['split']}"

    @property
    def checked(self) -> np.ndarray:
        """Rows with a frame sequence; the others (silent, unreadable) match nothing."""
        return self.frame_index[:, 3] > 0

    @property
    def has_vector(self) -> np.ndarray:
        """Rows with a (non-zero) candidate vector; checked rows without one (under about
        0.1 s of sound) are compared by their frames with every row of similar length."""
        return np.any(self.main != 0, axis=1)

    @property
    def sound_frames(self) -> np.ndarray:
        """Frames of trimmed sound per row (0 for unchecked rows)."""
        return self.frame_index[:, 3]

    def row_frames(self, row: int) -> tuple[np.ndarray, int, int]:
        """``(frames (n_frames, bands) uint8, first sound frame, sound frames)`` of one row."""
        offset, n_frames, start, n_sound = (int(v) for v in self.frame_index[row])
        return np.asarray(self.frames[offset : offset + n_frames]), start, n_sound


def open_fingerprints(
    path: str | os.PathLike[str], dataset: str, split: str | None, stack: contextlib.ExitStack
) -> FingerprintSet:
    """Read a fingerprint file's metadata and aligned vectors; ``stack`` keeps it open for the
    lagged rows."""
    meta = read_cache_table(path, dataset=dataset, split=split)
    h5 = stack.enter_context(h5py.File(path, "r"))
    if "fingerprint" not in h5:
        raise ValueError(
            f"{path}: no 'fingerprint' dataset (is it a log-mel cache? run make_fingerprints)"
        )
    main = np.asarray(h5["fingerprint"][()], dtype=np.float32)
    if main.ndim != 2 or main.shape[0] != len(meta):
        raise ValueError(f"{path}: fingerprint shape {main.shape} does not match {len(meta)} rows")
    lagged = h5.get("lagged")
    if lagged is not None and not (lagged.ndim == 3 and lagged.shape[1]):
        lagged = None
    if "frames" not in h5 or "frame_index" not in h5:
        raise ValueError(
            f"{path}: no frame sequences (fingerprint file version "
            f"{plain(h5.attrs.get('version', 1))}); re-run make_fingerprints"
        )
    index = np.asarray(h5["frame_index"][()], dtype=np.int64)
    frames = h5["frames"]
    if index.shape != (len(meta), len(FRAME_INDEX_COLUMNS)) or (
        len(index) and int((index[:, 0] + index[:, 1]).max()) > frames.shape[0]
    ):
        raise ValueError(
            f"{path}: frame_index {index.shape} does not match {len(meta)} rows "
            f"and {frames.shape[0]} frames"
        )
    params = {k: plain(h5.attrs[k]) for k in PARAM_ATTRS if k in h5.attrs}
    return FingerprintSet(meta, main, lagged, Path(path), params, index, frames)


def open_fingerprint_sets(
    specs: Sequence[NamedPath], stack: contextlib.ExitStack
) -> list[FingerprintSet]:
    """Open every ``--fingerprints`` file; a (dataset, split) given twice, or parameters that
    differ from the first file's (vectors that cannot be compared), is an error."""
    sets: list[FingerprintSet] = []
    seen: dict[tuple[str, str], Path] = {}
    for spec in specs:
        fp = open_fingerprints(spec.path, spec.dataset, spec.split, stack)
        key = (fp.meta.attrs["dataset"], fp.meta.attrs["split"])
        if key in seen:
            raise ValueError(f"{spec.path}: ({key[0]}, {key[1]}) was already given as {seen[key]}")
        seen[key] = spec.path
        if sets and fp.params != sets[0].params:
            diff = sorted(
                k
                for k in set(fp.params) | set(sets[0].params)
                if fp.params.get(k) != sets[0].params.get(k)
            )
            raise ValueError(
                f"{spec.path}: fingerprint parameters {diff} differ from {sets[0].path}"
            )
        sets.append(fp)
        log.info(
            "read %s (%d rows, %d without a fingerprint)",
            spec.path,
            len(fp.meta),
            int((~fp.checked).sum()),
        )
    return sets


def write_duplicate_pairs(pairs: pd.DataFrame, path: str | os.PathLike[str]) -> None:
    """Write the duplicate-pair table as TSV atomically, similarities to 6 decimals
    (read back by :func:`workflow_scripts.io.selections.read_duplicate_pairs`)."""
    with atomic_path(path) as tmp:
        pairs.to_csv(tmp, sep="\t", index=False, float_format="%.6f")
