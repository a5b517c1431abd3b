"""Fake-or-Real (FoR) adapter: folder names are the labels and splits.

Layout (under ``root``)::

    <variant>/{training,validation,testing}/{real,fake}/<file>.{wav,mp3,flac,ogg}

``variant`` is one of ``for-norm``, ``for-2sec``, ``for-rerec``,
``for-original``; the release spells two of the folders ``for-2seconds`` and
``for-rerecorded``, and either spelling is accepted (as option or on disk).

``utt_id`` is ``<split>/<label folder>/<file name>`` (e.g.
``train/real/file1.wav``): FoR reuses file names across splits and labels, and
the extension is kept because a name may exist as both .wav and .mp3.
FoR has no attack or speaker ids (``-``). Rows are sorted by path within a split.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .manifest import (
    NO_VALUE,
    DatasetConfigError,
    ManifestRow,
    ProblemLog,
    dataset_context,
    require_dir,
    require_root,
    take_options,
)

FORMAT = "for"
SPLITS: tuple[str, ...] = ("train", "dev", "eval")
OPTION_DEFAULTS: dict[str, Any] = {"root": None, "variant": "for-norm"}

#: Accepted folder spellings per canonical variant name.
VARIANT_FOLDERS: dict[str, tuple[str, ...]] = {
    "for-norm": ("for-norm",),
    "for-2sec": ("for-2sec", "for-2seconds"),
    "for-rerec": ("for-rerec", "for-rerecorded"),
    "for-original": ("for-original",),
}
#: Split folder on disk -> normalised split.
SPLIT_FOLDERS: dict[str, str] = {"training": "train", "validation": "dev", "testing": "eval"}
#: Label folder on disk -> manifest label.
LABEL_FOLDERS: dict[str, str] = {"real": "bonafide", "fake": "spoof"}
AUDIO_EXTENSIONS: frozenset[str] = frozenset({".wav", ".mp3", ".flac", ".ogg"})

log = logging.getLogger(__name__)


def canonical_variant(variant: Any, *, context: str) -> str:
    """Canonical variant name for an option value given in either spelling."""
    for canonical, spellings in VARIANT_FOLDERS.items():
        if variant in spellings:
            return canonical
    allowed = sorted({s for spellings in VARIANT_FOLDERS.values() for s in spellings})
    raise DatasetConfigError(f"{context}: option 'variant' must be one of {allowed}, got {variant!r}")


def variant_dir(root: Path, variant: str, *, context: str) -> Path:
    """The variant folder under ``root``, whichever accepted spelling is on disk."""
    spellings = VARIANT_FOLDERS[variant]
    found = [root / s for s in spellings if (root / s).is_dir()]
    if len(found) > 1:
        raise DatasetConfigError(
            f"{context}: both {found[0]} and {found[1]} exist; keep only one spelling"
        )
    if not found:
        hint = ""
        if (root / "training").is_dir():
            hint = " (root looks like a variant folder itself; set root to its parent)"
        tried = " or ".join(str(root / s) for s in spellings)
        raise FileNotFoundError(f"{context}: variant folder not found: {tried}{hint}")
    return found[0]


def audio_files(folder: Path) -> tuple[list[str], int]:
    """Sorted audio file names in ``folder`` and the count of other files skipped.

    Hidden files (e.g. macOS ``._x.wav`` resource forks) are not audio.
    """
    names: list[str] = []
    skipped = 0
    with os.scandir(folder) as entries:
        for entry in entries:
            if not entry.is_file():
                continue
            if entry.name.startswith(".") or os.path.splitext(entry.name)[1].lower() not in AUDIO_EXTENSIONS:
                skipped += 1
                continue
            names.append(entry.name)
    return sorted(names), skipped


def read_fakeorreal(name: str, cfg: Mapping[str, Any], problems: ProblemLog) -> list[ManifestRow]:
    """Manifest rows of the three splits of one FoR variant.

    ``problems`` is unused: the folder listing itself cannot be malformed,
    and decoding problems are found later by the feature stage.
    """
    del problems
    context = dataset_context(name, FORMAT)
    options = take_options(cfg, OPTION_DEFAULTS, context=context)
    variant = canonical_variant(options["variant"], context=context)
    root = require_root(options["root"], context=context)
    base = variant_dir(root, variant, context=context)

    rows: list[ManifestRow] = []
    skipped_total = 0
    for split_folder, split in SPLIT_FOLDERS.items():
        split_rows: list[ManifestRow] = []
        for label_folder, label in LABEL_FOLDERS.items():
            folder = require_dir(
                base / split_folder / label_folder, context=context, what=f"{split_folder}/{label_folder}"
            )
            names, skipped = audio_files(folder)
            skipped_total += skipped
            if not names:
                log.warning("%s: no audio files in %s", context, folder)
            for file_name in names:
                split_rows.append(
                    ManifestRow(
                        f"{split}/{label_folder}/{file_name}",
                        name,
                        split,
                        label,
                        NO_VALUE,
                        NO_VALUE,
                        str(folder / file_name),
                    )
                )
        split_rows.sort(key=lambda row: row.path)
        rows.extend(split_rows)
    if skipped_total:
        log.warning("%s: skipped %d non-audio or hidden files under %s", context, skipped_total, base)
    return rows
