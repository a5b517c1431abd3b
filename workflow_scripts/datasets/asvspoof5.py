"""ASVspoof 5 (track 1) adapter: protocol TSVs -> manifest rows.

Layout (the release's ``README.txt``, sections 1 and 3, Zenodo record 14498691)::

    <root>/ASVspoof5.train.tsv, ASVspoof5.dev.track_1.tsv, ASVspoof5.eval.track_1.tsv
    <root>/flac_T/<FLAC_FILE_NAME>.flac        (unpacked flac_T_a*.tar)
    <root>/flac_D/<FLAC_FILE_NAME>.flac        (unpacked flac_D_a*.tar)
    <root>/flac_E_eval/<FLAC_FILE_NAME>.flac   (unpacked flac_E_a*.tar)

``root`` is the folder where the tarballs were unpacked; the protocol files
(from ``ASVspoof5_protocols.tar.gz``) may be directly in it or in an
``ASVspoof5_protocols/`` folder in it (not both).

The protocols are space-separated despite ``.tsv``, ten fields per line:
``SPEAKER_ID FLAC_FILE_NAME SPEAKER_GENDER CODEC CODEC_Q CODEC_SEED ATTACK_TAG
ATTACK_LABEL KEY TMP``, e.g. ``T_4850 T_0000000000 F - - - AC3 A05 spoof -`` and
``T_3734 T_0000000011 F - - - - bonafide bonafide -``. ``SPEAKER_GENDER`` is F or M,
``CODEC`` ``C**`` or ``-``, ``CODEC_Q`` a number or ``-``, ``ATTACK_LABEL``
``A**`` or ``bonafide``, ``KEY`` ``spoof`` or ``bonafide``; ``TMP`` is reserved.

``utt_id`` is FLAC_FILE_NAME, attack the ATTACK_LABEL (``-`` for bonafide),
speaker the SPEAKER_ID; condition columns ``codec`` (CODEC), ``codec_quality``
(CODEC_Q), ``attack_tag`` (ATTACK_TAG) and ``gender`` (SPEAKER_GENDER).
Rows follow protocol order, split by split (train, dev, eval).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from . import manifest

FORMAT = "asvspoof5"
SPLITS: tuple[str, ...] = ("train", "dev", "eval")
#: Whether spoofs carry attack ids (an attack-aware detector needs them).
HAS_ATTACK_IDS = True
#: Whether manifests carry condition columns (codec, language, ...): per-condition tables.
HAS_CONDITIONS = True
OPTION_DEFAULTS: dict[str, Any] = {"root": None}
#: Protocol file and audio folder per split.
PROTOCOL_FILES: dict[str, str] = {
    "train": "ASVspoof5.train.tsv",
    "dev": "ASVspoof5.dev.track_1.tsv",
    "eval": "ASVspoof5.eval.track_1.tsv",
}
AUDIO_DIRS: dict[str, str] = {"train": "flac_T", "dev": "flac_D", "eval": "flac_E_eval"}
PROTOCOL_DIR = "ASVspoof5_protocols"
FIELDS = (
    "SPEAKER_ID FLAC_FILE_NAME SPEAKER_GENDER CODEC CODEC_Q CODEC_SEED ATTACK_TAG "
    "ATTACK_LABEL KEY TMP"
)
N_FIELDS = 10
GENDERS = frozenset({"F", "M"})
ATTACK_ID = re.compile(r"A\d\d")
CODEC = re.compile(r"C\d\d")
CODEC_QUALITY = re.compile(r"\d+")


def line_problem(fields: list[str]) -> str | None:
    """What is wrong with a protocol line, or ``None`` if its fields are valid."""
    if len(fields) != N_FIELDS:
        return f"expected {N_FIELDS} whitespace-separated fields ({FIELDS}), got {len(fields)}"
    _, _, gender, codec, quality, _, _, attack, key, _ = fields
    if gender not in GENDERS:
        return f"SPEAKER_GENDER must be F or M, got {gender!r}"
    if codec != manifest.NO_VALUE and not CODEC.fullmatch(codec):
        return f"CODEC must be C** or '-', got {codec!r}"
    if quality != manifest.NO_VALUE and not CODEC_QUALITY.fullmatch(quality):
        return f"CODEC_Q must be a number or '-', got {quality!r}"
    if key not in ("bonafide", "spoof"):
        return f"KEY must be 'bonafide' or 'spoof', got {key!r}"
    if key == "bonafide" and attack != "bonafide":
        return f"bonafide line must have ATTACK_LABEL 'bonafide', got {attack!r}"
    if key == "spoof" and not ATTACK_ID.fullmatch(attack):
        return f"spoof line must have ATTACK_LABEL A**, got {attack!r}"
    return None


def locate_protocols(root: Path, *, context: str) -> Path:
    """The folder holding the protocol files: ``root`` or ``root/ASVspoof5_protocols``."""
    marker = PROTOCOL_FILES["train"]
    candidates = [d for d in (root, root / PROTOCOL_DIR) if (d / marker).is_file()]
    if len(candidates) == 1:
        return candidates[0]
    where = f"{root / marker} or {root / PROTOCOL_DIR / marker}"
    if candidates:
        raise manifest.DatasetConfigError(
            f"{context}: protocol files found in both {root} and {root / PROTOCOL_DIR}; "
            "keep one copy"
        )
    raise FileNotFoundError(f"{context}: protocol file not found: {where}")


def read_asvspoof5(
    name: str, cfg: Mapping[str, Any], problems: manifest.ProblemLog
) -> list[manifest.ManifestRow]:
    """Manifest rows of all three splits, validated line by line."""
    context = manifest.dataset_context(name, FORMAT)
    options = manifest.take_options(cfg, OPTION_DEFAULTS, context=context)
    root = manifest.require_root(options["root"], context=context)
    protocol_dir = locate_protocols(root, context=context)
    rows: list[manifest.ManifestRow] = []
    first_seen: dict[str, str] = {}  # FLAC_FILE_NAME -> "protocol:line"
    for split in SPLITS:
        protocol = manifest.require_file(
            protocol_dir / PROTOCOL_FILES[split], context=context, what=f"{split} protocol file"
        )
        audio = manifest.require_dir(
            root / AUDIO_DIRS[split], context=context, what=f"{split} audio"
        )
        present = manifest.file_names(audio)
        for line_no, line in enumerate(manifest.read_text_lines(protocol), start=1):
            fields = line.split()
            if not fields:
                continue
            file_id = fields[1] if len(fields) > 1 else ""
            path = str(audio / f"{file_id}.flac") if file_id else ""
            problem = line_problem(fields)
            if problem is None and file_id in first_seen:
                problem = (
                    f"duplicate FLAC_FILE_NAME {file_id!r} (first listed at {first_seen[file_id]})"
                )
            if problem is None and f"{file_id}.flac" not in present:
                problem = f"audio file not found: {path}"
            if problem is not None:
                problems.report(protocol, line_no, problem, utt_id=file_id, path=path)
                continue
            first_seen[file_id] = f"{protocol.name}:{line_no}"
            speaker, _, gender, codec, quality, _, tag, attack, key, _ = fields
            conditions = {
                "codec": codec,
                "codec_quality": quality,
                "attack_tag": tag,
                "gender": gender,
            }
            attack = attack if key == "spoof" else manifest.NO_VALUE
            rows.append(
                manifest.ManifestRow(file_id, name, split, key, attack, speaker, path, conditions)
            )
    return rows
