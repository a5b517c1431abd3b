"""Sharded HDF5 log-mel caches: build one shard, merge shards, read a cache.

Layout (docs/architecture.md): ``features`` float16 (N, n_mels, n_frames) in
one-row chunks, ``utt_id`` and ``attack`` UTF-8 strings, ``label`` int8
(1 bonafide, 0 spoof), plus the feature parameters as attributes. Rows keep
manifest order; files that cannot be featurised go to a quarantine TSV
(``utt_id, path, stage, reason``) instead of the cache.

torch is imported only by the functions that extract features: merging and
reading caches (the cache merge job, training's data layer) then start without
it, which saves seconds per short job (docs/performance.md).
"""

from __future__ import annotations

import contextlib
import functools
import os
import sys
from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import h5py
import numpy as np
import pandas as pd
from tqdm import tqdm

from workflow_scripts import LABELS
from workflow_scripts.io.files import atomic_path, read_tsv, write_tsv
from workflow_scripts.io.hdf5 import plain
from workflow_scripts.io.manifest_columns import MANIFEST_COLUMNS
from workflow_scripts.io.manifest_columns import QUARANTINE_COLUMNS as _QUARANTINE_COLUMNS

if TYPE_CHECKING:
    import torch

    from workflow_scripts.features.audio import AudioError
    from workflow_scripts.features.logmel import FeatureParams, LogMelExtractor

#: Cache format version, stored as the ``version`` attribute.
CACHE_VERSION = 1
#: Attributes that must agree between shards for their features to be comparable.
FEATURE_ATTRS: tuple[str, ...] = (
    "sample_rate",
    "n_mels",
    "n_fft",
    "win_length",
    "hop_length",
    "duration_s",
    "n_frames",
    "trim",
    "pad",
    "log_offset",
)
#: The manifest's quarantine columns as a list (a tuple would index a DataFrame as one key).
QUARANTINE_COLUMNS: list[str] = list(_QUARANTINE_COLUMNS)
QUARANTINE_STAGE = "features"
_STR = h5py.string_dtype("utf-8")
_COPY_BLOCK = 256


class QuarantineLimitError(ValueError):
    """Too many files of a split were quarantined for its cache to be trusted."""


@dataclass(frozen=True)
class ShardSummary:
    """What :func:`build_shard` did."""

    n_rows: int
    n_kept: int
    n_quarantined: int


@dataclass(frozen=True)
class MergeSummary:
    """What :func:`merge_shards` did."""

    n_shards: int
    n_kept: int
    n_quarantined: int
    quarantine_fraction: float


def _feature_attrs(params: FeatureParams) -> dict[str, Any]:
    return {
        "sample_rate": params.sample_rate,
        "n_mels": params.n_mels,
        "n_fft": params.n_fft,
        "win_length": params.win_length,
        "hop_length": params.hop_length,
        "duration_s": float(params.duration_s),
        "n_frames": params.n_frames,
        "trim": params.trim,
        "pad": params.pad,
        "log_offset": float(params.log_offset),
    }


def _progress_enabled(progress: bool | None) -> bool:
    """Bars only on an interactive stderr, so log files stay free of carriage returns."""
    return bool(progress if progress is not None else True) and sys.stderr.isatty()


def _check_manifest(manifest: pd.DataFrame) -> None:
    missing = [c for c in MANIFEST_COLUMNS if c not in manifest.columns]
    if missing:
        raise ValueError(f"manifest lacks column(s) {missing}; expected {list(MANIFEST_COLUMNS)}")


def read_dataset_manifest(path: str | os.PathLike[str]) -> tuple[pd.DataFrame, str]:
    """A manifest TSV of one dataset and that dataset's name; errors name the file."""
    manifest = read_tsv(path)
    missing = {"dataset", "split"} - set(manifest.columns)
    if missing:
        raise ValueError(f"{path}: manifest lacks column(s) {sorted(missing)}")
    datasets = sorted(set(manifest["dataset"]))
    if len(datasets) > 1:
        raise ValueError(f"{path}: manifest mixes datasets {datasets}")
    return manifest, (datasets[0] if datasets else "")


def shard_rows(manifest: pd.DataFrame, split: str, shard: int, n_shards: int) -> pd.DataFrame:
    """Rows of ``split`` that belong to ``shard`` of ``n_shards`` (contiguous, manifest order).

    Shard ``i`` gets rows ``[i*n//k, (i+1)*n//k)``, so every row is in exactly
    one shard and shards differ in size by at most one (an empty shard is fine).
    """
    if n_shards < 1:
        raise ValueError(f"n_shards must be >= 1, got {n_shards}")
    if not 0 <= shard < n_shards:
        raise ValueError(f"shard must be in [0, {n_shards}), got {shard}")
    if "split" not in manifest.columns:
        raise ValueError("manifest lacks the 'split' column")
    rows = manifest.loc[manifest["split"].to_numpy() == split]
    n = len(rows)
    start, stop = shard * n // n_shards, (shard + 1) * n // n_shards
    return rows.iloc[start:stop].reset_index(drop=True)


def _single_value(values: Sequence[str], what: str) -> str:
    distinct = sorted(set(values))
    if len(distinct) > 1:
        raise ValueError(f"manifest rows mix several {what} values {distinct}; a cache holds one")
    return distinct[0] if distinct else ""


@dataclass
class _Batch:
    """One processed batch: per-row error (``None`` = kept) and the kept rows' float16 log-mels."""

    errors: list[AudioError | None]
    logmel: np.ndarray


def _process_batch(
    rows: range,
    paths: list[str],
    keys: list[str],
    params: FeatureParams,
    seed: int,
    extractor: LogMelExtractor,
    device: torch.device,
) -> _Batch:
    """Decode, check and fix the length of each file of the batch, then one batched log-mel.

    Waves go straight into one preallocated batch array (no ``np.stack`` copy)
    and the float16 result is written in the cache's ``(mels, frames)`` layout
    in the same pass as the cast from the extractor's frame-major output.
    """
    import torch

    from workflow_scripts.features.audio import AudioError
    from workflow_scripts.features.logmel import prepare_wave

    errors: list[AudioError | None] = []
    waves = np.empty((len(rows), params.n_samples), dtype=np.float32)
    n_kept = 0
    for i in rows:
        try:
            waves[n_kept] = prepare_wave(paths[i], params, key=keys[i], seed=seed)
            n_kept += 1
            errors.append(None)
        except AudioError as err:
            errors.append(err)
    if not n_kept:
        return _Batch(errors, np.empty((0, params.n_mels, params.n_frames), dtype=np.float16))
    with torch.no_grad():
        frames_first = extractor.frames_first(torch.from_numpy(waves[:n_kept]).to(device))
        half = torch.empty(
            (n_kept, params.n_mels, params.n_frames), dtype=torch.float16, device=device
        )
        logmel = half.copy_(frames_first.transpose(-1, -2)).cpu().numpy()
    if not np.isfinite(logmel).all():  # never write NaN/Inf (checked after the float16 cast)
        bad = [keys[i] for i, err in zip(rows, errors, strict=True) if err is None]
        raise RuntimeError(f"non-finite log-mel values in the batch holding utt_id(s) {bad}")
    return _Batch(errors, logmel)


def _iter_batches(
    paths: list[str],
    keys: list[str],
    params: FeatureParams,
    seed: int,
    batch_size: int,
    workers: int,
    extractor: LogMelExtractor,
    device: torch.device,
) -> Iterator[tuple[range, _Batch]]:
    """Yield processed batches in order, computed ``workers`` at a time in threads.

    libsndfile and torch release the GIL, so whole batches (decode + log-mel)
    run in parallel while the caller writes finished ones; the look-ahead is
    bounded so memory stays small however large the shard.
    """
    import torch

    batches = [range(s, min(s + batch_size, len(paths))) for s in range(0, len(paths), batch_size)]
    # One torch thread per worker: the parallelism comes from the workers, and
    # OpenMP teams inside several threads on few cores stall each other badly.
    with ThreadPoolExecutor(
        max_workers=workers, initializer=torch.set_num_threads, initargs=(1,)
    ) as pool:
        pending: deque[tuple[range, Future[_Batch]]] = deque()
        submitted = 0
        while submitted < len(batches) or pending:
            while submitted < len(batches) and len(pending) < workers + 1:
                rows = batches[submitted]
                pending.append(
                    (
                        rows,
                        pool.submit(
                            _process_batch, rows, paths, keys, params, seed, extractor, device
                        ),
                    )
                )
                submitted += 1
            rows, future = pending.popleft()
            yield rows, future.result()


def _create_layout(h5: h5py.File, n_mels: int, n_frames: int, n_rows: int = 0) -> h5py.Dataset:
    """Create the ``features`` dataset (resizable, one-row chunks: cheap random row reads)."""
    return h5.create_dataset(
        "features",
        shape=(n_rows, n_mels, n_frames),
        maxshape=(None, n_mels, n_frames),
        dtype=np.float16,
        chunks=(1, n_mels, n_frames),
    )


def _write_index(
    h5: h5py.File, utt_ids: Sequence[str], labels: np.ndarray, attacks: Sequence[str]
) -> None:
    h5.create_dataset("utt_id", data=np.array(list(utt_ids), dtype=object), dtype=_STR)
    h5.create_dataset("label", data=np.asarray(labels, dtype=np.int8), dtype=np.int8)
    h5.create_dataset("attack", data=np.array(list(attacks), dtype=object), dtype=_STR)


def build_shard(
    manifest: pd.DataFrame,
    out_path: str | os.PathLike[str],
    quarantine_path: str | os.PathLike[str],
    params: FeatureParams,
    *,
    seed: int,
    progress: bool | None = None,
    batch_size: int = 8,
    workers: int = 2,
    device: str | torch.device = "cpu",
    dataset: str | None = None,
    split: str | None = None,
) -> ShardSummary:
    """Featurise all rows of ``manifest`` (one shard, chosen by the caller) into an HDF5 file.

    Each file is decoded, checked, cut to fixed length and turned into a log-mel
    in batches of ``batch_size``, ``workers`` batches at a time in threads; bad
    files go to ``quarantine_path``. Small batches (8) are as fast per file as
    large ones here and avoid page-faulting fresh 20 MB STFT buffers per batch. ``dataset``
    and ``split`` attributes default to the rows' own values; pass them for a
    shard that may be empty so its attributes still match its siblings.
    Both outputs are written atomically.
    """
    _check_manifest(manifest)
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    utt_ids = manifest["utt_id"].astype(str).tolist()
    paths = manifest["path"].astype(str).tolist()
    attacks = manifest["attack"].astype(str).tolist()
    label_names = manifest["label"].astype(str).tolist()
    bad_labels = sorted(set(label_names) - set(LABELS))
    if bad_labels:
        raise ValueError(
            f"manifest has invalid label(s) {bad_labels}; expected one of {sorted(LABELS)}"
        )
    if len(set(utt_ids)) != len(utt_ids):
        dupes = sorted(pd.Series(utt_ids)[pd.Series(utt_ids).duplicated()].unique())[:5]
        raise ValueError(f"manifest has duplicate utt_id(s) {dupes}")
    labels = np.array([LABELS[name] for name in label_names], dtype=np.int8)
    dataset = (
        dataset
        if dataset is not None
        else _single_value(manifest["dataset"].astype(str).tolist(), "dataset")
    )
    split = (
        split
        if split is not None
        else _single_value(manifest["split"].astype(str).tolist(), "split")
    )

    import torch

    from workflow_scripts.features.logmel import LogMelExtractor

    device = torch.device(device)
    extractor = LogMelExtractor(params).to(device).eval()
    kept: list[int] = []
    quarantine: list[tuple[str, str, str, str]] = []
    bar = tqdm(
        total=len(paths),
        unit="file",
        desc=f"log-mel {dataset}/{split}",
        disable=not _progress_enabled(progress),
    )
    batches = _iter_batches(
        paths, utt_ids, params, seed, batch_size, max(1, workers), extractor, device
    )
    with atomic_path(out_path) as tmp, h5py.File(tmp, "w") as h5, contextlib.closing(batches):
        features = _create_layout(h5, params.n_mels, params.n_frames)
        for rows, batch in batches:
            for i, error in zip(rows, batch.errors, strict=True):
                if error is None:
                    kept.append(i)
                else:
                    quarantine.append((utt_ids[i], paths[i], QUARANTINE_STAGE, error.reason))
            bar.update(len(rows))
            n_new = batch.logmel.shape[0]
            if n_new == 0:
                continue
            start = features.shape[0]
            features.resize(start + n_new, axis=0)
            features[start:] = batch.logmel
        bar.close()
        _write_index(h5, [utt_ids[i] for i in kept], labels[kept], [attacks[i] for i in kept])
        h5.attrs.update(_feature_attrs(params))
        h5.attrs.update(
            {
                "dataset": dataset,
                "split": split,
                "n_quarantined": len(quarantine),
                "version": CACHE_VERSION,
            }
        )
    write_tsv(pd.DataFrame(quarantine, columns=QUARANTINE_COLUMNS), quarantine_path)
    return ShardSummary(n_rows=len(paths), n_kept=len(kept), n_quarantined=len(quarantine))


def build_shard_from_manifest(
    manifest_path: str | os.PathLike[str],
    split: str,
    shard: int,
    n_shards: int,
    out_path: str | os.PathLike[str],
    quarantine_path: str | os.PathLike[str],
    params: FeatureParams,
    **options: Any,
) -> ShardSummary:
    """:func:`build_shard` for shard ``shard`` of ``n_shards`` of one split of a manifest file.

    ``options`` go to :func:`build_shard`; errors name the manifest.
    """
    manifest, dataset = read_dataset_manifest(manifest_path)
    try:
        rows = shard_rows(manifest, split, shard, n_shards)
        return build_shard(
            rows, out_path, quarantine_path, params, dataset=dataset, split=split, **options
        )
    except ValueError as err:
        raise ValueError(f"{manifest_path}: {err}") from None


def _read_quarantine(path: str | os.PathLike[str]) -> pd.DataFrame:
    table = read_tsv(path)
    missing = [c for c in QUARANTINE_COLUMNS if c not in table.columns]
    if missing:
        raise ValueError(f"{path}: quarantine list lacks column(s) {missing}")
    return table[QUARANTINE_COLUMNS]


def merge_shards(
    shard_paths: Sequence[str | os.PathLike[str]],
    quarantine_paths: Sequence[str | os.PathLike[str]],
    out_path: str | os.PathLike[str],
    quarantine_out: str | os.PathLike[str],
    *,
    max_quarantine_fraction: float,
) -> MergeSummary:
    """Concatenate shards (in the given order) into one cache and gather their quarantine lists.

    The quarantine list is always written. If quarantined / (kept + quarantined)
    exceeds ``max_quarantine_fraction`` the cache is *not* written and
    :class:`QuarantineLimitError` names the split file and the share, so a
    corpus that is largely unreadable fails loudly instead of training on scraps.
    """
    if not shard_paths:
        raise ValueError("merge_shards needs at least one shard")
    reference: dict[str, Any] | None = None
    sizes: list[int] = []
    for path in shard_paths:
        with CacheReader(path) as shard:
            attrs = {k: shard.attrs.get(k) for k in (*FEATURE_ATTRS, "dataset", "split")}
            if reference is None:
                reference = attrs
            elif attrs != reference:
                diff = {k: (reference[k], attrs[k]) for k in attrs if attrs[k] != reference[k]}
                raise ValueError(f"{path}: attributes differ from {shard_paths[0]}: {diff}")
            sizes.append(len(shard))
    assert reference is not None
    quarantine = pd.concat(
        [_read_quarantine(p) for p in quarantine_paths]
        or [pd.DataFrame(columns=QUARANTINE_COLUMNS)],
        ignore_index=True,
    )
    write_tsv(quarantine, quarantine_out)

    n_kept, n_quarantined = sum(sizes), len(quarantine)
    total = n_kept + n_quarantined
    fraction = n_quarantined / total if total else 0.0
    if fraction > max_quarantine_fraction:
        raise QuarantineLimitError(
            f"{out_path}: {n_quarantined} of {total} files quarantined ({fraction:.1%}), more than "
            f"max_quarantine_fraction {max_quarantine_fraction:.1%}; "
            f"cache not written, see {quarantine_out}"
        )

    with atomic_path(out_path) as tmp, h5py.File(tmp, "w") as h5:
        features = _create_layout(h5, int(reference["n_mels"]), int(reference["n_frames"]), n_kept)
        utt_ids: list[str] = []
        labels: list[np.ndarray] = []
        attacks: list[str] = []
        row = 0
        for path in shard_paths:
            with CacheReader(path) as shard:
                src = shard.features
                for start in range(0, len(shard), _COPY_BLOCK):
                    block = src[start : start + _COPY_BLOCK]
                    features[row : row + len(block)] = block
                    row += len(block)
                utt_ids.extend(shard.utt_ids.tolist())
                labels.append(shard.labels)
                attacks.extend(shard.attacks.tolist())
        if len(set(utt_ids)) != len(utt_ids):
            raise ValueError(
                f"{out_path}: shards share utt_id(s); were they built from overlapping rows?"
            )
        _write_index(h5, utt_ids, np.concatenate(labels), attacks)
        h5.attrs.update({k: reference[k] for k in FEATURE_ATTRS})
        h5.attrs.update(
            {
                "dataset": reference["dataset"],
                "split": reference["split"],
                "n_quarantined": n_quarantined,
                "version": CACHE_VERSION,
            }
        )
    return MergeSummary(
        n_shards=len(shard_paths),
        n_kept=n_kept,
        n_quarantined=n_quarantined,
        quarantine_fraction=fraction,
    )


class CacheReader:
    """Read-only view of one cache file (use as a context manager).

    Index columns are loaded once on first use; features are read on demand
    and returned as float32.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        if not self.path.is_file():
            raise FileNotFoundError(f"{self.path}: cache file not found")
        try:
            self._file = h5py.File(self.path, "r")
        except OSError as err:
            raise ValueError(f"{self.path}: not a readable HDF5 cache ({err})") from err
        missing = [k for k in ("features", "utt_id", "label", "attack") if k not in self._file]
        if missing:
            self._file.close()
            raise ValueError(f"{self.path}: cache lacks dataset(s) {missing}")
        self.features: h5py.Dataset = self._file["features"]

    def __getstate__(self) -> dict[str, Any]:
        """Pickle as the path only (h5py handles cannot cross processes, e.g. DataLoader
        workers)."""
        return {"path": str(self.path)}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["path"])  # type: ignore[misc]

    def __enter__(self) -> CacheReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the HDF5 file (idempotent)."""
        self._file.close()

    def __len__(self) -> int:
        return int(self.features.shape[0])

    @property
    def shape(self) -> tuple[int, int]:
        """``(n_mels, n_frames)`` of one feature."""
        return int(self.features.shape[1]), int(self.features.shape[2])

    @functools.cached_property
    def utt_ids(self) -> np.ndarray:
        """Utterance ids (object array of ``str``), in row order."""
        return np.asarray(self._file["utt_id"].asstr()[()], dtype=object)

    @functools.cached_property
    def labels(self) -> np.ndarray:
        """int8 labels, 1 bonafide / 0 spoof."""
        return np.asarray(self._file["label"][()], dtype=np.int8)

    @functools.cached_property
    def attacks(self) -> np.ndarray:
        """Attack ids (object array of ``str``)."""
        return np.asarray(self._file["attack"].asstr()[()], dtype=object)

    @property
    def attrs(self) -> dict[str, Any]:
        """File attributes as plain Python values."""
        return {k: plain(v) for k, v in self._file.attrs.items()}

    def read(self, indices: Sequence[int] | np.ndarray) -> np.ndarray:
        """Rows ``indices`` (any order, repeats allowed) as float32 ``(n, n_mels, n_frames)``.

        h5py only takes increasing unique indices, so unique rows are read once
        (as one contiguous slice when they are dense, else row by row: h5py's
        fancy indexing is ~30x slower than per-row reads of one-row chunks) and
        then put back in the requested order.
        """
        idx = np.asarray(indices, dtype=np.int64).reshape(-1)
        n_mels, n_frames = self.shape
        if idx.size == 0:
            return np.empty((0, n_mels, n_frames), dtype=np.float32)
        n = len(self)
        if idx.min() < 0 or idx.max() >= n:
            raise IndexError(
                f"{self.path}: row index out of range [0, {n}): min {idx.min()}, max {idx.max()}"
            )
        unique, inverse = np.unique(idx, return_inverse=True)
        first, last = int(unique[0]), int(unique[-1])
        if last - first + 1 <= 2 * unique.size:
            block = self.features[first : last + 1]
            rows = block[unique - first]
        else:
            rows = np.empty((unique.size, n_mels, n_frames), dtype=self.features.dtype)
            for out_row, row in enumerate(unique.tolist()):
                self.features.read_direct(rows, np.s_[row : row + 1], np.s_[out_row : out_row + 1])
        return rows[inverse.reshape(-1)].astype(np.float32)

    def load_all(self) -> np.ndarray:
        """All features as one float32 array (mind the memory: N x n_mels x n_frames x 4 bytes)."""
        return self.features[()].astype(np.float32)
