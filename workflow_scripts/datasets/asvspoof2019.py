"""ASVspoof 2019 LA adapter: CM protocol files -> manifest rows.

Layout::

    LA/ASVspoof2019_LA_cm_protocols/ASVspoof2019.LA.cm.{train.trn,dev.trl,eval.trl}.txt
    LA/ASVspoof2019_LA_{train,dev,eval}/flac/<FILE_ID>.flac

``root`` is either the folder containing ``LA/`` or the ``LA`` folder itself;
the form is recognised by where ``ASVspoof2019_LA_cm_protocols/`` is.

Each protocol line is ``SPEAKER_ID FILE_ID - ATTACK_ID KEY``. ``utt_id`` is the
FILE_ID; rows follow protocol order, split by split (train, dev, eval).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from . import manifest

FORMAT = "asvspoof2019_la"
SPLITS: tuple[str, ...] = ("train", "dev", "eval")
#: Whether spoofs carry attack ids (an attack-aware detector needs them).
HAS_ATTACK_IDS = True
#: Whether manifests carry condition columns (codec, language, ...): per-condition tables.
HAS_CONDITIONS = False
OPTION_DEFAULTS: dict[str, Any] = {"root": None}

#: Protocol file name per split (the train protocol is ``.trn``, the others ``.trl``).
PROTOCOL_FILES: dict[str, str] = {
    "train": "ASVspoof2019.LA.cm.train.trn.txt",
    "dev": "ASVspoof2019.LA.cm.dev.trl.txt",
    "eval": "ASVspoof2019.LA.cm.eval.trl.txt",
}
TOP_DIR = "LA"
PROTOCOL_DIR = "ASVspoof2019_LA_cm_protocols"
KEYS = ("bonafide", "spoof")
#: Spoofing attack ids used in ASVspoof 2019 LA (A01-A06 train/dev, A07-A19 eval).
ATTACK_ID = re.compile(r"A(0[1-9]|1[0-9])")
N_FIELDS = 5


def audio_dir(la_dir: Path, split: str) -> Path:
    """Folder that holds a split's FLAC files, under the ``LA`` folder."""
    return la_dir / f"ASVspoof2019_LA_{split}" / "flac"


def line_problem(fields: list[str]) -> str | None:
    """What is wrong with a split protocol line, or ``None`` if its fields are valid.

    Field-level checks only; duplicates and file existence need context.
    """
    if len(fields) != N_FIELDS:
        return (
            f"expected {N_FIELDS} whitespace-separated fields "
            f"(SPEAKER_ID FILE_ID - ATTACK_ID KEY), got {len(fields)}"
        )
    _, _, dash, attack, key = fields
    if dash != manifest.NO_VALUE:
        return f"field 3 must be '-', got {dash!r}"
    if key not in KEYS:
        return f"KEY (field 5) must be 'bonafide' or 'spoof', got {key!r}"
    if key == "bonafide" and attack != manifest.NO_VALUE:
        return f"bonafide line must have ATTACK_ID '-', got {attack!r}"
    if key == "spoof" and not ATTACK_ID.fullmatch(attack):
        return f"spoof line must have ATTACK_ID A01..A19, got {attack!r}"
    return None


def read_asvspoof2019_la(
    name: str, cfg: Mapping[str, Any], problems: manifest.ProblemLog
) -> list[manifest.ManifestRow]:
    """Manifest rows of all three splits, validated line by line.

    Existence is checked against one ``os.scandir`` listing per split rather
    than a stat per line: the train protocol alone has 25,380 lines.
    """
    context = manifest.dataset_context(name, FORMAT)
    options = manifest.take_options(cfg, OPTION_DEFAULTS, context=context)
    root = manifest.require_root(options["root"], context=context)
    la_dir = manifest.locate_top_folder(root, TOP_DIR, [PROTOCOL_DIR], context=context)
    protocol_dir = manifest.require_dir(la_dir / PROTOCOL_DIR, context=context, what="protocol")

    rows: list[manifest.ManifestRow] = []
    first_seen: dict[str, str] = {}  # FILE_ID -> "protocol:line" where it was first listed
    for split in SPLITS:
        protocol = manifest.require_file(
            protocol_dir / PROTOCOL_FILES[split], context=context, what=f"{split} protocol file"
        )
        flac_dir = manifest.require_dir(
            audio_dir(la_dir, split), context=context, what=f"{split} audio"
        )
        present = manifest.file_names(flac_dir)
        for line_no, line in enumerate(manifest.read_text_lines(protocol), start=1):
            fields = line.split()
            if not fields:
                continue  # blank lines (e.g. a trailing one) carry nothing
            file_id = fields[1] if len(fields) > 1 else ""
            audio_name = f"{file_id}.flac"
            audio_path = str(flac_dir / audio_name) if file_id else ""
            problem = line_problem(fields)
            if problem is None and file_id in first_seen:
                problem = f"duplicate FILE_ID {file_id!r} (first listed at {first_seen[file_id]})"
            if problem is None and audio_name not in present:
                problem = f"audio file not found: {audio_path}"
            if problem is not None:
                problems.report(protocol, line_no, problem, utt_id=file_id, path=audio_path)
                continue
            first_seen[file_id] = f"{protocol.name}:{line_no}"
            speaker, _, _, attack, key = fields
            rows.append(
                manifest.ManifestRow(file_id, name, split, key, attack, speaker, audio_path)
            )
    return rows
