"""Fake-or-Real (FoR) adapter: folder names are the labels and splits.

Layout::

    <variant>/{training,validation,testing}/{real,fake}/<file>.{wav,mp3,flac,ogg}

``variant`` is one of ``for-norm``, ``for-2sec``, ``for-rerec``,
``for-original``; the release spells two of the folders ``for-2seconds`` and
``for-rerecorded``, and either spelling is accepted (as option or on disk).
``root`` is either the folder containing the variant folder or the variant
folder itself (recognised by its ``training/`` folder); a root named after
another variant than the configured one is refused.

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

from . import manifest

FORMAT = "for"
SPLITS: tuple[str, ...] = ("train", "dev", "eval")
#: Whether spoofs carry attack ids (an attack-aware detector needs them).
HAS_ATTACK_IDS = False
#: Whether manifests carry condition columns (codec, language, ...): per-condition tables.
HAS_CONDITIONS = False
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
#: Folder that marks a variant folder (how a root that is one is recognised).
MARKER_FOLDER = "training"
AUDIO_EXTENSIONS: frozenset[str] = frozenset({".wav", ".mp3", ".flac", ".ogg"})

log = logging.getLogger(__name__)


def canonical_variant(variant: Any, *, context: str) -> str:
    """Canonical variant name for an option value given in either spelling."""
    for canonical, spellings in VARIANT_FOLDERS.items():
        if variant in spellings:
            return canonical
    allowed = sorted({s for spellings in VARIANT_FOLDERS.values() for s in spellings})
    raise manifest.DatasetConfigError(
        f"{context}: option 'variant' must be one of {allowed}, got {variant!r}"
    )


def variant_dir(root: Path, variant: str, *, context: str) -> Path:
    """The variant folder: under ``root`` (either accepted spelling) or ``root`` itself.

    ``root`` is the variant folder itself when it holds ``training/``; its
    name must then not be a spelling of another variant (that would read the
    wrong corpus silently), but any other name (a renamed copy) is accepted.
    """
    spellings = VARIANT_FOLDERS[variant]
    found = [root / s for s in spellings if (root / s).is_dir()]
    if len(found) > 1:
        raise manifest.DatasetConfigError(
            f"{context}: both {found[0]} and {found[1]} exist; keep only one spelling"
        )
    is_variant_itself = (root / MARKER_FOLDER).is_dir()
    if found and is_variant_itself:
        raise manifest.DatasetConfigError(
            f"{context}: root {root} matches both accepted layouts (it contains {found[0].name}/ "
            f"and is itself a variant folder with {MARKER_FOLDER}/); "
            "point root at the folder you mean"
        )
    if found:
        return found[0]
    if is_variant_itself:
        other = next(
            (v for v, names in VARIANT_FOLDERS.items() if v != variant and root.name in names), None
        )
        if other is not None:
            raise manifest.DatasetConfigError(
                f"{context}: root {root} is the {other} folder but option 'variant' is {variant!r}"
            )
        return root
    tried = " or ".join(str(root / s / MARKER_FOLDER) for s in spellings)
    raise FileNotFoundError(
        f"{context}: root {root} has neither accepted layout: either root contains the "
        f"{variant} folder ({tried}) or root is the {variant} folder itself "
        f"({root / MARKER_FOLDER})"
    )


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
            if (
                entry.name.startswith(".")
                or os.path.splitext(entry.name)[1].lower() not in AUDIO_EXTENSIONS
            ):
                skipped += 1
                continue
            names.append(entry.name)
    return sorted(names), skipped


def read_fakeorreal(
    name: str, cfg: Mapping[str, Any], problems: manifest.ProblemLog
) -> list[manifest.ManifestRow]:
    """Manifest rows of the three splits of one FoR variant.

    ``problems`` is unused: the folder listing itself cannot be malformed,
    and decoding problems are found later by the feature stage.
    """
    del problems
    context = manifest.dataset_context(name, FORMAT)
    options = manifest.take_options(cfg, OPTION_DEFAULTS, context=context)
    variant = canonical_variant(options["variant"], context=context)
    root = manifest.require_root(options["root"], context=context)
    base = variant_dir(root, variant, context=context)

    rows: list[manifest.ManifestRow] = []
    skipped_total = 0
    for split_folder, split in SPLIT_FOLDERS.items():
        split_rows: list[manifest.ManifestRow] = []
        for label_folder, label in LABEL_FOLDERS.items():
            folder = manifest.require_dir(
                base / split_folder / label_folder,
                context=context,
                what=f"{split_folder}/{label_folder}",
            )
            names, skipped = audio_files(folder)
            skipped_total += skipped
            if not names:
                log.warning("%s: no audio files in %s", context, folder)
            for file_name in names:
                split_rows.append(
                    manifest.ManifestRow(
                        f"{split}/{label_folder}/{file_name}",
                        name,
                        split,
                        label,
                        manifest.NO_VALUE,
                        manifest.NO_VALUE,
                        str(folder / file_name),
                    )
                )
        split_rows.sort(key=lambda row: row.path)
        rows.extend(split_rows)
    if skipped_total:
        log.warning(
            "%s: skipped %d non-audio or hidden files under %s", context, skipped_total, base
        )
    return rows
