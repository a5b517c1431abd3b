"""WaveFake (LJSpeech part) adapter with a deterministic per-utterance split.

Layout::

    <root>/generated_audio/<vocoder folder>/LJ###-####[_gen|_generated].wav   (spoof)
    <ljspeech_root>/LJSpeech-1.1/wavs/LJ###-####.wav                           (bonafide)

``root`` may also be the ``generated_audio`` folder itself (recognised by a
selected vocoder folder in it), and ``ljspeech_root`` the ``LJSpeech-1.1``
folder itself (recognised by ``wavs/``). ``ljspeech_root`` defaults to the
folder containing ``generated_audio`` (``root`` in the first form). WaveFake
has no official split, so each LJSpeech utterance id is hashed (SHA-1, first
8 bytes -> [0, 1)) and cut at the cumulative ``split_fractions``; the real
recording and every vocoded copy of one sentence therefore always land in the
same split, and the split does not depend on which files or vocoders are
present.

``utt_id``: ``LJSpeech/<LJ id>`` for reals, ``<vocoder>/<LJ id>`` for fakes;
attack is the vocoder folder (``-`` for reals); speaker is ``LJ``. Rows are
sorted by path within a split.
"""

from __future__ import annotations

import hashlib
import logging
import math
import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from . import manifest

FORMAT = "wavefake"
SPLITS: tuple[str, ...] = ("train", "dev", "eval")
#: Whether spoofs carry attack ids (an attack-aware detector needs them).
HAS_ATTACK_IDS = True
#: Whether manifests carry condition columns (codec, language, ...): per-condition tables.
HAS_CONDITIONS = False
#: The seven LJSpeech vocoder folders of the WaveFake release.
LJSPEECH_VOCODERS: tuple[str, ...] = (
    "ljspeech_melgan", "ljspeech_melgan_large", "ljspeech_multi_band_melgan",
    "ljspeech_full_band_melgan", "ljspeech_hifiGAN", "ljspeech_parallel_wavegan",
    "ljspeech_waveglow",
)
DEFAULT_SPLIT_FRACTIONS: dict[str, float] = {"train": 0.7, "dev": 0.1, "eval": 0.2}
OPTION_DEFAULTS: dict[str, Any] = {
    "root": None,
    "ljspeech_root": None,
    "vocoders": list(LJSPEECH_VOCODERS),
    "split_fractions": DEFAULT_SPLIT_FRACTIONS,
}
FAKE_DIR = "generated_audio"
LJSPEECH_DIR = "LJSpeech-1.1"
WAVS_DIR = "wavs"
REAL_PREFIX = "LJSpeech"
SPEAKER = "LJ"
#: Fake file names: ``LJ008-0217_gen.wav``, ``LJ008-0217_generated.wav`` or ``LJ008-0217.wav``.
FAKE_NAME = re.compile(r"(LJ\d{3}-\d{4})(?:_gen|_generated)?\.(?i:wav)")
REAL_NAME = re.compile(r"(LJ\d{3}-\d{4})\.(?i:wav)")
FRACTION_TOLERANCE = 1e-6

log = logging.getLogger(__name__)


def check_split_fractions(fractions: Any, *, context: str) -> dict[str, float]:
    """Validated ``{train, dev, eval}`` fractions (non-negative, sum to 1)."""
    if not isinstance(fractions, Mapping) or set(fractions) != set(SPLITS):
        raise manifest.DatasetConfigError(
            f"{context}: split_fractions must have exactly the keys {list(SPLITS)}, "
            f"got {fractions!r}"
        )
    checked: dict[str, float] = {}
    for split in SPLITS:
        value = fractions[split]
        is_number = isinstance(value, (int, float)) and not isinstance(value, bool)
        if not is_number or not math.isfinite(value) or value < 0:
            raise manifest.DatasetConfigError(
                f"{context}: split_fractions.{split} must be a number >= 0, got {value!r}"
            )
        checked[split] = float(value)
    total = sum(checked.values())
    if abs(total - 1.0) > FRACTION_TOLERANCE:
        raise manifest.DatasetConfigError(f"{context}: split_fractions must sum to 1, got {total}")
    return checked


def unit_hash(key: str) -> float:
    """A stable number in [0, 1) for ``key`` (same on every machine and run)."""
    digest = hashlib.sha1(key.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") / 2.0**64


def assign_split(lj_id: str, fractions: Mapping[str, float]) -> str:
    """Split of one LJSpeech utterance id, by cutting its hash at cumulative fractions."""
    u = unit_hash(lj_id)
    bound = 0.0
    for split in SPLITS:
        bound += fractions[split]
        if u < bound:
            return split
    # Rounding left u above the last bound: give it to the last non-empty split.
    return [s for s in SPLITS if fractions[s] > 0][-1]


def check_vocoders(vocoders: Any, *, context: str) -> list[str]:
    """Validated, non-empty list of distinct vocoder folder names."""
    if isinstance(vocoders, str) or not isinstance(vocoders, Iterable):
        raise manifest.DatasetConfigError(
            f"{context}: vocoders must be a list of folder names, got {vocoders!r}"
        )
    names = list(vocoders)
    if not names or not all(isinstance(v, str) and v and "/" not in v for v in names):
        raise manifest.DatasetConfigError(
            f"{context}: vocoders must be a non-empty list of folder names, got {names!r}"
        )
    if len(set(names)) != len(names):
        raise manifest.DatasetConfigError(f"{context}: vocoders lists a folder twice: {names!r}")
    return names


def wav_names(folder: Path) -> list[str]:
    """Sorted ``.wav`` file names in ``folder`` (hidden files skipped)."""
    with os.scandir(folder) as entries:
        return sorted(
            e.name
            for e in entries
            if e.is_file() and not e.name.startswith(".") and e.name.lower().endswith(".wav")
        )


def locate_ljspeech(lj_root: Path, *, context: str) -> Path:
    """The ``LJSpeech-1.1`` folder: ``lj_root`` contains it or is it (it holds ``wavs/``)."""
    return manifest.locate_top_folder(
        lj_root, LJSPEECH_DIR, [WAVS_DIR], context=context, key="ljspeech_root"
    )


def read_wavefake(
    name: str, cfg: Mapping[str, Any], problems: manifest.ProblemLog
) -> list[manifest.ManifestRow]:
    """Manifest rows for the selected vocoders plus all LJSpeech reals.

    A file whose name holds no LJSpeech id, or a second file for the same
    (vocoder, id), is a problem reported to ``problems`` (there is no
    protocol, so the message names the file instead of a line).
    """
    context = manifest.dataset_context(name, FORMAT)
    options = manifest.take_options(cfg, OPTION_DEFAULTS, context=context)
    fractions = check_split_fractions(options["split_fractions"], context=context)
    vocoders = check_vocoders(options["vocoders"], context=context)
    root = manifest.require_root(options["root"], context=context)
    fake_base = manifest.locate_top_folder(
        root, FAKE_DIR, vocoders, context=context, marker_name="<vocoder>"
    )
    for vocoder in vocoders:  # check all before reading any, to name the missing one
        manifest.require_dir(fake_base / vocoder, context=context, what=f"vocoder {vocoder!r}")
    if options["ljspeech_root"] is None:
        try:
            lj_base = locate_ljspeech(fake_base.parent, context=context)
        except FileNotFoundError as error:
            raise FileNotFoundError(
                f"{error} (ljspeech_root is not set, so it is the folder containing {FAKE_DIR}/; "
                "set it to where LJSpeech is unpacked)"
            ) from None
    else:
        lj_root = manifest.require_root(
            options["ljspeech_root"], context=context, key="ljspeech_root"
        )
        lj_base = locate_ljspeech(lj_root, context=context)
    real_dir = manifest.require_dir(lj_base / WAVS_DIR, context=context, what="LJSpeech wavs")

    rows: list[manifest.ManifestRow] = []
    real_ids: set[str] = set()
    for file_name in wav_names(real_dir):
        path = str(real_dir / file_name)
        match = REAL_NAME.fullmatch(file_name)
        if match is None:
            problems.report(
                path, None, "LJSpeech file name is not LJ###-####.wav", utt_id="", path=path
            )
            continue
        lj_id = match.group(1)
        real_ids.add(lj_id)
        split = assign_split(lj_id, fractions)
        rows.append(
            manifest.ManifestRow(
                f"{REAL_PREFIX}/{lj_id}", name, split, "bonafide", manifest.NO_VALUE, SPEAKER, path
            )
        )

    fake_ids_without_real: set[str] = set()
    for vocoder in vocoders:
        folder = fake_base / vocoder
        seen: dict[str, str] = {}
        for file_name in wav_names(folder):
            path = str(folder / file_name)
            match = FAKE_NAME.fullmatch(file_name)
            if match is None:
                problems.report(
                    path,
                    None,
                    "fake file name holds no LJSpeech id "
                    "(expected LJ###-####[_gen|_generated].wav)",
                    utt_id="",
                    path=path,
                )
                continue
            lj_id = match.group(1)
            utt_id = f"{vocoder}/{lj_id}"
            if lj_id in seen:
                problems.report(
                    path,
                    None,
                    f"second file for {utt_id} (also {seen[lj_id]})",
                    utt_id=utt_id,
                    path=path,
                )
                continue
            seen[lj_id] = file_name
            if lj_id not in real_ids:
                fake_ids_without_real.add(lj_id)
            split = assign_split(lj_id, fractions)
            rows.append(manifest.ManifestRow(utt_id, name, split, "spoof", vocoder, SPEAKER, path))
    if fake_ids_without_real:
        log.warning(
            "%s: %d LJSpeech ids have fakes but no real file in %s (fakes kept)",
            context,
            len(fake_ids_without_real),
            real_dir,
        )
    order = {split: i for i, split in enumerate(SPLITS)}
    rows.sort(key=lambda row: (order[row.split], row.path))
    return rows
