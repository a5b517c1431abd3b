"""The manifest table contract and the helpers every dataset adapter shares.

A manifest has one row per utterance with the columns of
:data:`MANIFEST_COLUMNS` (see ``docs/architecture.md``), optionally followed
by condition columns from the fixed vocabulary :data:`CONDITION_COLUMNS`
(codec, language, ... of corpora that record them), in vocabulary order.
Adapters collect :class:`ManifestRow` tuples and report per-line problems to
a :class:`ProblemLog`, which either stops with a :class:`ProtocolError` or
records a :class:`QuarantineRecord`, depending on the ``on_error`` policy.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import astuple, dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, NamedTuple

import pandas as pd

from workflow_scripts.io.manifest_columns import (  # noqa: F401  (re-exported)
    CONDITION_COLUMNS,
    LABEL_VALUES,
    MANIFEST_COLUMNS,
    NO_VALUE,
    QUARANTINE_COLUMNS,
    SPLIT_VALUES,
    UNKNOWN_ATTACKS,
)

#: Accepted ``on_error`` policies.
ON_ERROR_CHOICES: tuple[str, ...] = ("raise", "quarantine")
#: ``stage`` written in quarantine records made by this layer.
MANIFEST_STAGE = "manifest"


class ProtocolError(ValueError):
    """A protocol/meta line (or listed file) is malformed or names a missing file.

    The message always reads ``<file>:<line>: <problem>`` (``<file>: <problem>``
    when there is no line), so a user can jump straight to the bad line.
    """

    def __init__(self, source: str | os.PathLike[str], line: int | None, problem: str) -> None:
        self.source = str(source)
        self.line = line
        self.problem = problem
        super().__init__(f"{format_location(source, line)}: {problem}")

    def __reduce__(self) -> tuple[Any, ...]:
        # Keep the exception picklable (e.g. across multiprocessing workers).
        return (type(self), (self.source, self.line, self.problem))


class DatasetConfigError(ValueError):
    """A dataset entry of the configuration is invalid (unknown key, bad value)."""


#: No conditions (the default of :attr:`ManifestRow.conditions`).
NO_CONDITIONS: Mapping[str, str] = MappingProxyType({})


class ManifestRow(NamedTuple):
    """One manifest row: the :data:`MANIFEST_COLUMNS` fields in order, then its conditions.

    ``conditions`` maps names from :data:`CONDITION_COLUMNS` to values; a
    condition another row of the table has and this one lacks is written ``-``.
    """

    utt_id: str
    dataset: str
    split: str
    label: str
    attack: str
    speaker: str
    path: str
    conditions: Mapping[str, str] = NO_CONDITIONS


@dataclass(frozen=True)
class QuarantineRecord:
    """One item left out of a table, with the reason (``file:line: problem``)."""

    utt_id: str
    path: str
    stage: str
    reason: str


@dataclass
class ManifestResult:
    """A built manifest and the list of lines/files that were quarantined."""

    table: pd.DataFrame
    quarantine: pd.DataFrame


def format_location(source: str | os.PathLike[str], line: int | None) -> str:
    """``file:line`` (or just ``file``), the prefix of every problem message."""
    return f"{source}:{line}" if line is not None else str(source)


def append_quarantine(
    records: list[QuarantineRecord],
    *,
    utt_id: str,
    path: str,
    reason: str,
    stage: str = MANIFEST_STAGE,
) -> None:
    """Append a record, replacing empty ids/paths by ``-`` so no blank is written."""
    records.append(
        QuarantineRecord(
            utt_id=utt_id or NO_VALUE, path=path or NO_VALUE, stage=stage, reason=reason
        )
    )


@dataclass
class ProblemLog:
    """Applies the ``on_error`` policy to problems found line by line.

    ``raise`` stops at the first problem (the safe default for real corpora);
    ``quarantine`` records it and lets the adapter carry on with the next line.
    """

    on_error: str = "raise"
    records: list[QuarantineRecord] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.on_error not in ON_ERROR_CHOICES:
            raise DatasetConfigError(
                f"on_error must be one of {', '.join(ON_ERROR_CHOICES)}, got {self.on_error!r}"
            )

    def report(
        self,
        source: str | os.PathLike[str],
        line: int | None,
        problem: str,
        *,
        utt_id: str,
        path: str,
    ) -> None:
        """Raise :class:`ProtocolError` or quarantine the item, per policy."""
        error = ProtocolError(source, line, problem)
        if self.on_error == "raise":
            raise error
        append_quarantine(self.records, utt_id=utt_id, path=path, reason=str(error))


def manifest_frame(rows: Iterable[ManifestRow]) -> pd.DataFrame:
    """Build the manifest DataFrame (string columns, documented order).

    Condition columns are those any row carries, in :data:`CONDITION_COLUMNS`
    order; a missing or empty value is ``-``. Without conditions the table has
    exactly :data:`MANIFEST_COLUMNS`.
    """
    rows = list(rows)
    n_fixed = len(MANIFEST_COLUMNS)
    table = pd.DataFrame.from_records(
        [row[:n_fixed] for row in rows], columns=list(MANIFEST_COLUMNS)
    ).astype(str)
    present = {name for row in rows for name in row.conditions}
    unknown = sorted(present - set(CONDITION_COLUMNS))
    if unknown:
        raise ValueError(
            f"unknown condition column(s) {unknown}; allowed: {list(CONDITION_COLUMNS)}"
        )
    for name in (c for c in CONDITION_COLUMNS if c in present):
        table[name] = [str(row.conditions.get(name) or NO_VALUE) for row in rows]
    return table


def quarantine_frame(records: Iterable[QuarantineRecord]) -> pd.DataFrame:
    """Build the quarantine DataFrame (possibly empty, always with its columns)."""
    return pd.DataFrame.from_records(
        [astuple(r) for r in records], columns=list(QUARANTINE_COLUMNS)
    ).astype(str)


def validate_manifest(df: pd.DataFrame) -> None:
    """Check a manifest against the contract; raise ``ValueError`` listing every violation.

    Checked: the columns (exactly :data:`MANIFEST_COLUMNS` in order, then
    only known condition columns, each once, in :data:`CONDITION_COLUMNS`
    order), label and split values, unique ``utt_id``, no missing value, and
    no empty value in ``utt_id``, ``path`` or a condition column.
    """
    columns = list(df.columns)
    n_fixed = len(MANIFEST_COLUMNS)
    extra = columns[n_fixed:]
    order = {name: i for i, name in enumerate(CONDITION_COLUMNS)}
    if (
        columns[:n_fixed] != list(MANIFEST_COLUMNS)
        or any(name not in order for name in extra)
        or [order[name] for name in extra] != sorted({order[name] for name in extra})
    ):
        raise ValueError(
            f"manifest columns must be {list(MANIFEST_COLUMNS)} followed by condition columns "
            f"from {list(CONDITION_COLUMNS)} (in that order, each once), got {columns}"
        )
    problems: list[str] = []
    for column in columns:
        if df[column].isna().any():
            problems.append(f"column {column!r} has {int(df[column].isna().sum())} missing values")
    bad_labels = sorted(set(df["label"].dropna()) - set(LABEL_VALUES))
    if bad_labels:
        problems.append(f"labels must be {LABEL_VALUES}, found {bad_labels}")
    bad_splits = sorted(set(df["split"].dropna()) - set(SPLIT_VALUES))
    if bad_splits:
        problems.append(f"splits must be {SPLIT_VALUES}, found {bad_splits}")
    duplicated = df["utt_id"][df["utt_id"].duplicated()]
    if len(duplicated):
        problems.append(
            f"utt_id must be unique, {len(duplicated)} duplicates (e.g. {duplicated.iloc[0]!r})"
        )
    for column in ("utt_id", "path", *extra):
        empty = df[column].fillna("").astype(str).str.strip() == ""
        if empty.any():
            problems.append(f"column {column!r} has {int(empty.sum())} empty values")
    if problems:
        raise ValueError("invalid manifest: " + "; ".join(problems))


# --- helpers for adapters -------------------------------------------------------------


def dataset_context(name: str, fmt: str) -> str:
    """Prefix for configuration/layout errors: ``dataset 'x' (format)``."""
    return f"dataset {name!r} ({fmt})"


def take_options(
    cfg: Mapping[str, Any], defaults: Mapping[str, Any], *, context: str
) -> dict[str, Any]:
    """Return ``cfg`` completed with ``defaults``; unknown keys are an error.

    A typo in a config key would otherwise be silently ignored and the
    default used instead, which is hard to notice in results.
    """
    if not isinstance(cfg, Mapping):
        raise DatasetConfigError(f"{context}: options must be a mapping, got {type(cfg).__name__}")
    unknown = sorted(set(cfg) - set(defaults))
    if unknown:
        raise DatasetConfigError(
            f"{context}: unknown option(s) {unknown}; allowed: {sorted(defaults)}"
        )
    return {**defaults, **cfg}


def require_root(value: Any, *, context: str, key: str = "root") -> Path:
    """The absolute path of a configured root folder, which must exist."""
    if value is None or (isinstance(value, str) and not value.strip()):
        raise DatasetConfigError(f"{context}: option {key!r} is not set")
    if not isinstance(value, (str, os.PathLike)):
        raise DatasetConfigError(f"{context}: option {key!r} must be a path, got {value!r}")
    root = Path(os.path.abspath(os.fspath(value)))
    return require_dir(root, context=context, what=key)


def locate_top_folder(
    root: Path,
    top: str,
    markers: Sequence[str],
    *,
    context: str,
    key: str = "root",
    marker_name: str | None = None,
) -> Path:
    """The corpus's top folder, whether ``root`` contains it or is it.

    Releases unpack into one top folder (``LA/``, ``release_in_the_wild/``,
    ...), and users point ``root`` either at the folder that contains it or
    at the top folder itself. ``markers`` are paths relative to the top
    folder, at least one of which the real release has (e.g. the protocol
    folder). ``root/top`` is returned when a marker is found under it,
    ``root`` itself when a marker is directly in ``root``. Finding both is
    ambiguous and an error, as is finding neither; both messages name
    ``root`` and the two layouts (with ``marker_name``, e.g. ``<vocoder>``,
    standing for the markers when given).
    """
    contained = root / top
    as_parent = any((contained / marker).exists() for marker in markers)
    as_self = any((root / marker).exists() for marker in markers)
    shown = marker_name or (markers[0] if len(markers) == 1 else "{" + ",".join(markers) + "}")
    layouts = (
        f"either {key} contains {top}/ ({contained / shown}) "
        f"or {key} is the {top} folder itself ({root / shown})"
    )
    if as_parent and as_self:
        raise DatasetConfigError(
            f"{context}: {key} {root} matches both accepted layouts ({layouts}); "
            f"point {key} at the {top} folder you mean"
        )
    if as_parent:
        return contained
    if as_self:
        return root
    raise FileNotFoundError(f"{context}: {key} {root} has neither accepted layout: {layouts}")


def require_dir(path: Path, *, context: str, what: str) -> Path:
    """``path`` if it is a folder, else a ``FileNotFoundError`` naming it."""
    if not path.is_dir():
        raise FileNotFoundError(f"{context}: {what} folder not found: {path}")
    return path


def require_file(path: Path, *, context: str, what: str) -> Path:
    """``path`` if it is a file, else a ``FileNotFoundError`` naming it."""
    if not path.is_file():
        raise FileNotFoundError(f"{context}: {what} not found: {path}")
    return path


def file_names(folder: Path) -> set[str]:
    """Names of the regular files in ``folder`` (one listing, not one stat per line)."""
    with os.scandir(folder) as entries:
        return {entry.name for entry in entries if entry.is_file()}


def read_text_lines(path: Path) -> list[str]:
    """Lines of a UTF-8 text file (BOM tolerated), without line endings."""
    return path.read_text(encoding="utf-8-sig").splitlines()


def split_summary(name: str, table: pd.DataFrame) -> list[str]:
    """One line per split present, ``<name> <split>: N bonafide, M spoof``, for the job log."""
    lines = []
    for split in SPLIT_VALUES:
        labels = table.loc[table["split"] == split, "label"]
        if len(labels):
            lines.append(
                f"{name} {split}: {int((labels == 'bonafide').sum())} bonafide, "
                f"{int((labels == 'spoof').sum())} spoof"
            )
    return lines
