"""Dataset adapters: each corpus's native layout -> one manifest table.

:func:`build_manifest` picks the adapter for a dataset entry of the config
(``{format: ..., root: ..., <format options>}``), applies the ``on_error``
policy and checks the result against the manifest contract
(``docs/architecture.md``). :data:`SPLITS_BY_FORMAT` tells workflow rules
which splits a format produces.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from . import asvspoof5, asvspoof2019, asvspoof2021, fakeorreal, in_the_wild, mlaad, wavefake
from .manifest import (
    CONDITION_COLUMNS,
    LABEL_VALUES,
    MANIFEST_COLUMNS,
    QUARANTINE_COLUMNS,
    SPLIT_VALUES,
    DatasetConfigError,
    ManifestResult,
    ManifestRow,
    ProblemLog,
    ProtocolError,
    QuarantineRecord,
    append_quarantine,
    manifest_frame,
    quarantine_frame,
    validate_manifest,
)

#: An adapter reads one corpus: ``(dataset name, options without 'format', problem log) -> rows``.
Adapter = Callable[[str, Mapping[str, Any], ProblemLog], list[ManifestRow]]

#: The format specifications: adapter modules, or objects with the same attributes
#: (``FORMAT``, ``SPLITS``, ``HAS_ATTACK_IDS``, ``HAS_CONDITIONS``, ``OPTION_DEFAULTS``), in
#: registry order. Adding a format: docs/architecture.md, "Registries".
FORMAT_SPECS: tuple[Any, ...] = (
    asvspoof2019,
    fakeorreal,
    wavefake,
    in_the_wild,
    asvspoof2021.LA,
    asvspoof2021.DF,
    asvspoof5,
    mlaad,
)

#: Adapter per config ``format``.
ADAPTERS: dict[str, Adapter] = {
    asvspoof2019.FORMAT: asvspoof2019.read_asvspoof2019_la,
    fakeorreal.FORMAT: fakeorreal.read_fakeorreal,
    wavefake.FORMAT: wavefake.read_wavefake,
    in_the_wild.FORMAT: in_the_wild.read_in_the_wild,
    asvspoof2021.LA.FORMAT: asvspoof2021.read_asvspoof2021_la,
    asvspoof2021.DF.FORMAT: asvspoof2021.read_asvspoof2021_df,
    asvspoof5.FORMAT: asvspoof5.read_asvspoof5,
    mlaad.FORMAT: mlaad.read_mlaad,
}

#: Splits each format yields (In-the-Wild and ASVspoof 2021 are evaluation only).
SPLITS_BY_FORMAT: dict[str, tuple[str, ...]] = {spec.FORMAT: spec.SPLITS for spec in FORMAT_SPECS}

#: Formats whose spoofs carry attack ids (attack-aware pretraining, per-attack agreement).
ATTACK_ID_FORMATS: frozenset[str] = frozenset(
    spec.FORMAT for spec in FORMAT_SPECS if spec.HAS_ATTACK_IDS
)

#: Formats whose manifests carry condition columns (codec, language, ...): per-condition tables.
CONDITION_FORMATS: frozenset[str] = frozenset(
    spec.FORMAT for spec in FORMAT_SPECS if spec.HAS_CONDITIONS
)

__all__ = [
    "ADAPTERS",
    "CONDITION_FORMATS",
    "ATTACK_ID_FORMATS",
    "CONDITION_COLUMNS",
    "FORMAT_SPECS",
    "LABEL_VALUES",
    "MANIFEST_COLUMNS",
    "QUARANTINE_COLUMNS",
    "SPLITS_BY_FORMAT",
    "SPLIT_VALUES",
    "Adapter",
    "DatasetConfigError",
    "ManifestResult",
    "ManifestRow",
    "ProblemLog",
    "ProtocolError",
    "QuarantineRecord",
    "append_quarantine",
    "build_manifest",
    "validate_manifest",
]


def build_manifest(name: str, cfg: Mapping[str, Any], *, on_error: str = "raise") -> ManifestResult:
    """Build the manifest of dataset ``name`` from its config entry.

    ``on_error="raise"`` stops at the first malformed protocol/meta line with a
    :class:`ProtocolError` (``file:line: problem``); ``"quarantine"`` records
    such lines and keeps the rest. A missing root, folder or protocol file,
    and a result with no audio at all, are errors under either policy.
    """
    if not isinstance(cfg, Mapping):
        raise DatasetConfigError(
            f"dataset {name!r}: config must be a mapping, got {type(cfg).__name__}"
        )
    fmt = cfg.get("format")
    if fmt not in ADAPTERS:
        raise DatasetConfigError(
            f"dataset {name!r}: format must be one of {sorted(ADAPTERS)}, got {fmt!r}"
        )
    problems = ProblemLog(on_error)
    options = {key: value for key, value in cfg.items() if key != "format"}
    rows = ADAPTERS[fmt](name, options, problems)
    if not rows:
        raise ValueError(
            f"dataset {name!r} ({fmt}): no usable audio found under {options.get('root')!r}"
            + (f" ({len(problems.records)} items quarantined)" if problems.records else "")
        )
    table = manifest_frame(rows)
    validate_manifest(table)
    return ManifestResult(table=table, quarantine=quarantine_frame(problems.records))
