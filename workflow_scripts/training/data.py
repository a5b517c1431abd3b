"""Training data straight from the log-mel HDF5 caches: row selection, batching, hold-out.

A data set is a list of caches plus an optional selection table (the sampled
training subset). Rows are addressed by (cache, row) so features are never
copied to new files and audio is never decoded again. Small sets are loaded
into memory once; large ones are read batch by batch from the caches.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
import pandas as pd

from workflow_scripts.features.cache import FEATURE_ATTRS, CacheReader
from workflow_scripts.io.hdf5 import plain
from workflow_scripts.io.manifest_columns import UNKNOWN_ATTACKS
from workflow_scripts.io.selections import SELECTION_COLUMNS
from workflow_scripts.io.selections import read_selection as read_selection_table

if TYPE_CHECKING:  # torch is imported where used: `train --help` stays quick
    import torch

#: Cache attributes that describe one cache file rather than the front end.
PER_FILE_ATTRS: frozenset[str] = frozenset({"dataset", "split", "n_quarantined", "version"})

#: Cache attributes that must agree between every cache a model sees: the feature attributes
#: but ``trim`` and ``pad``, which choose the clip of a file, not the features' shape or scale.
FRONT_END_ATTRS: tuple[str, ...] = tuple(a for a in FEATURE_ATTRS if a not in ("trim", "pad"))

#: Default in-memory budget for the selected features (float16 bytes).
DEFAULT_MAX_MEMORY_MB: float = 4096.0

#: Share of the free GPU memory the selected rows may take on the GPU (the rest: activations).
GPU_FEATURE_SHARE: float = 0.25

#: Rows read per CacheReader.read call while loading a set into memory.
_LOAD_CHUNK_ROWS = 1024

#: Class 0 of the attack-id head: every bonafide row.
BONAFIDE_CLASS = "bonafide"


def front_end_attrs(attrs: Mapping[str, Any]) -> dict[str, Any]:
    """The cache attributes that define the features (drops dataset/split/counts), as plain
    values."""
    return {str(k): plain(v) for k, v in sorted(attrs.items()) if k not in PER_FILE_ATTRS}


@dataclass(frozen=True)
class RowIndex:
    """Which cache rows form a data set, with the per-row metadata kept in memory.

    ``source[i]`` is the position of row ``i``'s cache in ``cache_paths`` and
    ``row[i]`` its row inside that cache.
    """

    cache_paths: tuple[Path, ...]
    source: np.ndarray
    row: np.ndarray
    utt_id: np.ndarray
    label: np.ndarray
    attack: np.ndarray
    dataset: np.ndarray
    split: np.ndarray
    feature_attrs: dict[str, Any]
    shape: tuple[int, int]

    def __len__(self) -> int:
        return int(self.row.shape[0])

    def subset(self, positions: np.ndarray) -> RowIndex:
        """Rows at ``positions`` (in that order), same caches."""
        positions = np.asarray(positions, dtype=np.int64)
        return RowIndex(
            cache_paths=self.cache_paths,
            source=self.source[positions],
            row=self.row[positions],
            utt_id=self.utt_id[positions],
            label=self.label[positions],
            attack=self.attack[positions],
            dataset=self.dataset[positions],
            split=self.split[positions],
            feature_attrs=self.feature_attrs,
            shape=self.shape,
        )

    def fingerprint(self) -> str:
        """Hash of (dataset, split, utt_id, label) in order: identifies the data a run trained
        on."""
        digest = hashlib.sha256()
        for values in zip(self.dataset, self.split, self.utt_id, self.label, strict=True):
            digest.update("\t".join(str(v) for v in values).encode("utf-8"))
            digest.update(b"\n")
        return digest.hexdigest()

    def class_counts(self) -> dict[str, int]:
        """Number of bonafide and spoof rows."""
        n_bona = int(np.count_nonzero(self.label == 1))
        return {"bonafide": n_bona, "spoof": len(self) - n_bona}

    def describe(self) -> list[dict[str, Any]]:
        """Per-cache summary (path, dataset, split, rows used) for checkpoint configs and logs."""
        out = []
        for i, path in enumerate(self.cache_paths):
            mask = self.source == i
            if not mask.any():
                continue
            out.append(
                {
                    "path": str(path),
                    "dataset": str(self.dataset[mask][0]),
                    "split": str(self.split[mask][0]),
                    "n_rows": int(mask.sum()),
                }
            )
        return out


def read_selection(path: str | os.PathLike[str]) -> pd.DataFrame:
    """The ``dataset, split, utt_id`` columns of a selection TSV (checked; errors name the file)."""
    return read_selection_table(path)[list(SELECTION_COLUMNS)]


def _check_same_front_end(
    reference: Mapping[str, Any], ref_path: Path, attrs: Mapping[str, Any], path: Path
) -> None:
    """Refuse to mix caches built with different front ends (different shapes or scales)."""
    for key in FRONT_END_ATTRS:
        if key in reference or key in attrs:
            a, b = plain(reference.get(key)), plain(attrs.get(key))
            if a != b:
                raise ValueError(
                    f"cache {path} has {key}={b!r} but {ref_path} has {key}={a!r}; "
                    "caches must share a front end"
                )


def index_caches(
    cache_paths: Sequence[str | os.PathLike[str]],
    selection: pd.DataFrame | None = None,
    selection_name: str = "selection table",
) -> RowIndex:
    """Index the rows of ``cache_paths`` (all rows, or those in ``selection``).

    Caches are matched to selection rows by their ``dataset``/``split``
    attributes. Rows keep cache order (ascending row within each cache, caches
    in the given order), so the result does not depend on how the selection
    table is sorted. A selected utterance missing from its cache, or a
    selected (dataset, split) with no cache, is an error naming both.
    """
    if not cache_paths:
        raise ValueError("no cache files given")
    paths = tuple(Path(p) for p in cache_paths)
    seen_keys: dict[tuple[str, str], Path] = {}
    parts: dict[str, list[np.ndarray]] = {
        k: [] for k in ("source", "row", "utt_id", "label", "attack", "dataset", "split")
    }
    reference: dict[str, Any] | None = None
    ref_path = paths[0]
    shape: tuple[int, int] | None = None
    for i, path in enumerate(paths):
        if not path.is_file():
            raise FileNotFoundError(f"cache {path} does not exist")
        with CacheReader(path) as reader:
            attrs = dict(reader.attrs)
            utt_ids = np.asarray(reader.utt_ids, dtype=object)
            labels = np.asarray(reader.labels, dtype=np.int8)
            attacks = np.asarray(reader.attacks, dtype=object)
            n_rows = len(reader)
            this_shape = reader.shape
        dataset, split = str(plain(attrs.get("dataset", ""))), str(plain(attrs.get("split", "")))
        if not dataset or not split:
            raise ValueError(f"cache {path} lacks the dataset/split attributes")
        if (dataset, split) in seen_keys:
            raise ValueError(
                f"caches {seen_keys[(dataset, split)]} and {path} are both ({dataset}, {split})"
            )
        seen_keys[(dataset, split)] = path
        if reference is None:
            reference, ref_path = attrs, path
        else:
            _check_same_front_end(reference, ref_path, attrs, path)
        if shape is not None and this_shape != shape:
            raise ValueError(
                f"cache {path} holds {this_shape} features but {ref_path} holds {shape}"
            )
        shape = this_shape
        rows = np.arange(n_rows, dtype=np.int64)
        if selection is not None:
            wanted = selection.loc[
                (selection["dataset"] == dataset) & (selection["split"] == split), "utt_id"
            ]
            position = pd.Index(utt_ids)
            if not position.is_unique:
                raise ValueError(f"cache {path} has duplicate utt_id values")
            found = position.get_indexer(wanted.to_numpy())
            if (found < 0).any():
                missing = wanted.to_numpy()[found < 0]
                raise KeyError(
                    f"{selection_name}: utt_id {missing[0]!r} ({dataset}, {split}) "
                    f"is not in cache {path}"
                    + (f" (and {len(missing) - 1} more missing)" if len(missing) > 1 else "")
                )
            rows = np.sort(found.astype(np.int64))
        parts["source"].append(np.full(rows.shape[0], i, dtype=np.int64))
        parts["row"].append(rows)
        parts["utt_id"].append(utt_ids[rows])
        parts["label"].append(labels[rows])
        parts["attack"].append(attacks[rows])
        parts["dataset"].append(np.full(rows.shape[0], dataset, dtype=object))
        parts["split"].append(np.full(rows.shape[0], split, dtype=object))
    if selection is not None:
        keys = set(zip(selection["dataset"], selection["split"], strict=True))
        orphan = sorted(keys - set(seen_keys))
        if orphan:
            first = selection[
                (selection["dataset"] == orphan[0][0]) & (selection["split"] == orphan[0][1])
            ].iloc[0]
            raise KeyError(
                f"{selection_name}: utt_id {first.utt_id!r} "
                f"belongs to ({orphan[0][0]}, {orphan[0][1]}) "
                "but no given cache has that dataset/split "
                f"(caches: {', '.join(str(p) for p in paths)})"
            )
    assert reference is not None and shape is not None
    return RowIndex(
        cache_paths=paths,
        feature_attrs=front_end_attrs(reference),
        shape=shape,
        **{k: np.concatenate(v) for k, v in parts.items()},
    )


def attack_classes(rows: RowIndex) -> list[str]:
    """Classes of the attack-id head: ``["bonafide", *sorted distinct spoof attack ids]``.

    Every spoof row needs a known attack id (not one of :data:`UNKNOWN_ATTACKS`), and the
    spoofs must carry at least two distinct ids: otherwise the head has nothing to tell apart.
    """
    spoof = np.asarray(rows.attack, dtype=object)[np.asarray(rows.label) == 0]
    ids = [str(a) for a in spoof.tolist()]
    unknown = [a for a in ids if a in UNKNOWN_ATTACKS]
    if unknown:
        raise ValueError(
            f"{len(unknown)} of {len(ids)} spoof training rows have no attack id "
            f"({sorted(set(unknown))!r}); an attack head needs a known attack id on every "
            "spoof row"
        )
    known = sorted(set(ids))
    if BONAFIDE_CLASS in known:
        raise ValueError(f"a spoof attack id is {BONAFIDE_CLASS!r}, the name of the bonafide class")
    if len(known) < 2:
        raise ValueError(
            f"an attack head needs at least 2 distinct spoof attack ids in the training rows, "
            f"got {len(known)} ({known})"
        )
    return [BONAFIDE_CLASS, *known]


def attack_targets(rows: RowIndex, classes: Sequence[str]) -> np.ndarray:
    """Class index (int64, into ``classes``) of every row: ``bonafide`` for bonafide rows,
    the attack id for spoof rows. An id not in ``classes`` is an error naming it."""
    index = {str(c): i for i, c in enumerate(classes)}
    if BONAFIDE_CLASS not in index:
        raise ValueError(f"attack classes {list(classes)} lack {BONAFIDE_CLASS!r}")
    names = np.where(
        np.asarray(rows.label) == 1, BONAFIDE_CLASS, np.asarray(rows.attack, dtype=object)
    )
    missing = sorted({str(n) for n in names.tolist()} - set(index))
    if missing:
        raise ValueError(f"attack id(s) {missing} are not among the attack classes {list(classes)}")
    return np.fromiter((index[str(n)] for n in names.tolist()), dtype=np.int64, count=len(names))


def shared_rows(a: RowIndex, b: RowIndex) -> list[tuple[str, str, str]]:
    """(dataset, split, utt_id) of the rows in both ``a`` and ``b``, sorted (e.g. training
    and validation)."""
    keys_a = set(zip(a.dataset.tolist(), a.split.tolist(), a.utt_id.tolist(), strict=True))
    keys_b = zip(b.dataset.tolist(), b.split.tolist(), b.utt_id.tolist(), strict=True)
    return sorted({(str(d), str(s), str(u)) for d, s, u in keys_b if (d, s, u) in keys_a})


def stratified_holdout(
    labels: np.ndarray, fraction: float, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Split positions into (train, validation), keeping each class's share.

    Per class, ``round(fraction * n)`` rows (at least one when the class has
    two or more rows) go to validation, drawn by a generator seeded by
    ``seed`` and the class, so the split is repeatable and does not change
    when another class's size changes. Both outputs are sorted.
    """
    if not 0.0 < fraction < 1.0:
        raise ValueError(f"validation fraction must be in (0, 1), got {fraction}")
    labels = np.asarray(labels)
    val_parts = []
    for cls in np.unique(labels):
        members = np.flatnonzero(labels == cls)
        n_val = int(round(fraction * members.shape[0]))
        if members.shape[0] >= 2:
            n_val = min(max(n_val, 1), members.shape[0] - 1)
        else:
            n_val = 0
        rng = np.random.default_rng([int(seed) & (2**63 - 1), int(cls) & (2**63 - 1), 0x5EED])
        val_parts.append(rng.permutation(members)[:n_val])
    val = np.sort(np.concatenate(val_parts)) if val_parts else np.zeros(0, dtype=np.int64)
    train = np.setdiff1d(np.arange(labels.shape[0]), val, assume_unique=True)
    return train.astype(np.int64), val.astype(np.int64)


def epoch_order(n_rows: int, seed: int, epoch: int) -> np.ndarray:
    """Shuffled row order for ``epoch``, a pure function of (seed, epoch) so a resumed run
    sees the same order."""
    return np.random.default_rng([int(seed) & (2**63 - 1), int(epoch)]).permutation(n_rows)


def batch_positions(order: np.ndarray, batch_size: int) -> list[np.ndarray]:
    """Split ``order`` into batches; a trailing batch of one joins the previous one.

    A one-row batch would break batch norm in training mode, so it is merged
    rather than dropped: every row is seen once per epoch.
    """
    if batch_size < 1:
        raise ValueError(f"batch size must be >= 1, got {batch_size}")
    batches = [order[i : i + batch_size] for i in range(0, order.shape[0], batch_size)]
    if len(batches) >= 2 and batches[-1].shape[0] == 1:
        last = batches.pop()
        batches[-1] = np.concatenate([batches[-1], last])
    return batches


class FeatureSource(Protocol):
    """Reads float32 features ``(n, n_mels, n_frames)`` for positions of a :class:`RowIndex`."""

    in_memory: bool

    def read(self, positions: np.ndarray) -> np.ndarray: ...

    def close(self) -> None: ...


def load_rows(rows: RowIndex) -> np.ndarray:
    """All selected rows as one float16 array ``(n, n_mels, n_frames)``, in row order."""
    features = np.empty((len(rows), *rows.shape), dtype=np.float16)
    for i, path in enumerate(rows.cache_paths):
        targets = np.flatnonzero(rows.source == i)
        if targets.shape[0] == 0:
            continue
        with CacheReader(path) as reader:
            for start in range(0, targets.shape[0], _LOAD_CHUNK_ROWS):
                chunk = targets[start : start + _LOAD_CHUNK_ROWS]
                features[chunk] = reader.read(rows.row[chunk])
    return features


class InMemoryFeatures:
    """All selected rows held as a float16 numpy array (the cache dtype, so no precision is
    lost). Kept as the reference the faster :class:`TensorFeatures` must match."""

    in_memory = True

    def __init__(self, rows: RowIndex) -> None:
        self.features = load_rows(rows)

    def read(self, positions: np.ndarray) -> np.ndarray:
        return self.features[np.asarray(positions)].astype(np.float32)

    def close(self) -> None:
        self.features = np.empty((0, 0, 0), dtype=np.float16)


class TensorFeatures:
    """All selected rows as one float16 torch tensor, gathered and cast where they live.

    On the CPU the tensor shares the loaded array. On CUDA it sits in GPU memory when it fits
    ``gpu_budget_mb``, else in pinned host memory: a batch is then gathered on the host into a
    pinned buffer and copied without blocking. Either way the float16 -> float32 cast (exact,
    as numpy's) runs on the target device, so the batches equal :class:`InMemoryFeatures`'s.
    """

    in_memory = True

    def __init__(
        self,
        rows: RowIndex,
        device: torch.device | str = "cpu",
        gpu_budget_mb: float | None = None,
        features: np.ndarray | None = None,
    ) -> None:
        import torch

        self.device = torch.device(device)
        host = torch.from_numpy(load_rows(rows) if features is None else features)
        self.resident = self.device.type != "cuda"
        if self.device.type == "cuda":
            budget = gpu_budget_mb if gpu_budget_mb is not None else default_gpu_budget_mb()
            if host.numel() * host.element_size() <= budget * 2**20:
                host, self.resident = host.to(self.device), True
            else:
                host = host.pin_memory()
        self.features = host

    def gather(self, positions: np.ndarray) -> torch.Tensor:
        """Float32 batch ``(B, n_mels, n_frames)`` on :attr:`device` (may return before a CUDA
        copy finishes: use it on the current stream)."""
        import torch

        index = torch.from_numpy(np.asarray(positions, dtype=np.int64))
        if self.resident:
            return self.features.index_select(0, index.to(self.features.device)).float()
        batch = torch.empty(
            (index.shape[0], *self.features.shape[1:]), dtype=torch.float16, pin_memory=True
        )
        torch.index_select(self.features, 0, index, out=batch)
        return batch.to(self.device, non_blocking=True).float()

    def read(self, positions: np.ndarray) -> np.ndarray:
        return self.gather(positions).cpu().numpy()

    def close(self) -> None:
        self.features = self.features[:0]


class CacheFeatures:
    """Reads each batch from the open caches with ``CacheReader.read`` (sets too large for
    memory)."""

    in_memory = False

    def __init__(self, rows: RowIndex) -> None:
        self.rows = rows
        self._stack = contextlib.ExitStack()
        self._readers = [self._stack.enter_context(CacheReader(p)) for p in rows.cache_paths]

    def read(self, positions: np.ndarray) -> np.ndarray:
        positions = np.asarray(positions)
        out = np.empty((positions.shape[0], *self.rows.shape), dtype=np.float32)
        sources = self.rows.source[positions]
        for i in np.unique(sources):
            where = np.flatnonzero(sources == i)
            out[where] = self._readers[int(i)].read(self.rows.row[positions[where]])
        return out

    def close(self) -> None:
        self._stack.close()


def feature_bytes(rows: RowIndex) -> int:
    """Memory the selected rows take as float16."""
    return len(rows) * rows.shape[0] * rows.shape[1] * 2


def default_gpu_budget_mb() -> float:
    """:data:`GPU_FEATURE_SHARE` of the current GPU's free memory, in MiB."""
    import torch

    free, _ = torch.cuda.mem_get_info()
    return GPU_FEATURE_SHARE * free / 2**20


def open_features(
    rows: RowIndex,
    max_memory_mb: float = DEFAULT_MAX_MEMORY_MB,
    device: torch.device | str = "cpu",
) -> FeatureSource:
    """In memory (a :class:`TensorFeatures` for ``device``) when the rows fit under
    ``max_memory_mb`` (float16 size), else read per batch from the caches."""
    if feature_bytes(rows) <= max_memory_mb * 1024 * 1024:
        return TensorFeatures(rows, device)
    return CacheFeatures(rows)


def device_batches(
    source: FeatureSource,
    rows: RowIndex,
    batches: Sequence[np.ndarray],
    device: torch.device,
) -> Iterator[tuple[np.ndarray, torch.Tensor, torch.Tensor]]:
    """Yield (positions, float32 features ``(B, 1, n_mels, n_frames)``, float32 labels) on
    ``device`` for each batch, in order.

    On CUDA the next batch is prepared while the current one trains: a
    :class:`TensorFeatures` gathers and copies it on a side stream, a per-batch HDF5 source is
    read by a worker thread (it runs while the main thread waits on the GPU). On the CPU every
    batch is made when asked for: a second thread would only take cores from the step. The
    batches are the same either way.
    """
    import torch

    def make(positions: np.ndarray, features: Any = None) -> tuple[Any, Any, Any]:
        if features is None:
            if isinstance(source, TensorFeatures):
                features = source.gather(positions)
            else:
                features = torch.from_numpy(source.read(positions))
        x = features.to(device, non_blocking=True).unsqueeze(1)
        y = torch.from_numpy(rows.label[positions].astype(np.float32))
        return positions, x, y.to(device, non_blocking=True)

    if device.type != "cuda" or not batches:
        for positions in batches:
            yield make(positions)
        return

    from concurrent.futures import ThreadPoolExecutor

    side = torch.cuda.Stream(device)
    main = torch.cuda.current_stream(device)
    with ThreadPoolExecutor(max_workers=1) as pool:

        def stage(positions: np.ndarray) -> Any:
            if isinstance(source, TensorFeatures):
                with torch.cuda.stream(side):
                    return make(positions)
            return pool.submit(lambda p: torch.from_numpy(source.read(p)).pin_memory(), positions)

        pending = stage(batches[0])
        for i, positions in enumerate(batches):
            if isinstance(pending, tuple):
                main.wait_stream(side)
                item = pending
                for tensor in item[1:]:
                    tensor.record_stream(main)  # allocated on the side stream, used on main
            else:
                item = make(positions, pending.result())
            pending = stage(batches[i + 1]) if i + 1 < len(batches) else None
            yield item


def iter_batches(
    source: FeatureSource, rows: RowIndex, batches: Sequence[np.ndarray]
) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Yield (positions, float32 features, float32 labels) for each batch of positions."""
    for positions in batches:
        yield positions, source.read(positions), rows.label[positions].astype(np.float32)
