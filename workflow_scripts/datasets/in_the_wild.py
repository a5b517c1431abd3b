"""In-the-Wild adapter: ``meta.csv`` -> manifest rows (evaluation only).

Layout::

    release_in_the_wild/meta.csv      header ``file,speaker,label``
    release_in_the_wild/<file>        audio

``root`` is either the folder containing ``release_in_the_wild/`` or that
folder itself; the form is recognised by where ``meta.csv`` is.

Labels in the csv are ``bona-fide`` (with a hyphen) or ``spoof``. Every row
goes to split ``eval``; ``utt_id`` is the file stem (``0.wav`` -> ``0``), the
speaker comes from the csv (``-`` if empty), attack is ``-``. Rows keep csv order.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from . import manifest

FORMAT = "in_the_wild"
SPLITS: tuple[str, ...] = ("eval",)
#: Whether spoofs carry attack ids (an attack-aware detector needs them).
HAS_ATTACK_IDS = False
#: Whether manifests carry condition columns (codec, language, ...): per-condition tables.
HAS_CONDITIONS = False
OPTION_DEFAULTS: dict[str, Any] = {"root": None}
RELEASE_DIR = "release_in_the_wild"
META_FILE = "meta.csv"
HEADER = ["file", "speaker", "label"]
#: csv label -> manifest label.
LABEL_MAP: dict[str, str] = {"bona-fide": "bonafide", "spoof": "spoof"}


def row_problem(fields: list[str]) -> str | None:
    """What is wrong with one csv row's fields, or ``None``."""
    if len(fields) != len(HEADER):
        return (
            f"expected {len(HEADER)} comma-separated fields (file,speaker,label), got {len(fields)}"
        )
    file_name, _, label = (f.strip() for f in fields)
    if not file_name.strip():
        return "empty file name"
    if os.path.isabs(file_name) or ".." in Path(file_name).parts:
        return f"file must be a path inside {RELEASE_DIR}, got {file_name!r}"
    if label not in LABEL_MAP:
        return f"label must be 'bona-fide' or 'spoof', got {label!r}"
    return None


def read_in_the_wild(
    name: str, cfg: Mapping[str, Any], problems: manifest.ProblemLog
) -> list[manifest.ManifestRow]:
    """Manifest rows (all ``eval``) from ``meta.csv``, validated row by row."""
    context = manifest.dataset_context(name, FORMAT)
    options = manifest.take_options(cfg, OPTION_DEFAULTS, context=context)
    root = manifest.require_root(options["root"], context=context)
    release = manifest.locate_top_folder(root, RELEASE_DIR, [META_FILE], context=context)
    meta = manifest.require_file(release / META_FILE, context=context, what="meta file")
    present = manifest.file_names(release)

    rows: list[manifest.ManifestRow] = []
    first_seen: dict[str, int] = {}  # utt_id -> csv line where it was first listed
    with open(meta, encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader, None)
        if header is None or [h.strip() for h in header] != HEADER:
            raise manifest.ProtocolError(
                meta, 1, f"header must be {','.join(HEADER)}, got {header!r}"
            )
        for fields in reader:
            line_no = reader.line_num
            if not fields or all(not f.strip() for f in fields):
                continue
            file_name = fields[0].strip()
            path = str(release / file_name) if file_name else ""
            utt_id = Path(file_name).stem if file_name else ""
            problem = row_problem(fields)
            if problem is None and utt_id in first_seen:
                problem = (
                    f"duplicate utterance {utt_id!r} (first listed at line {first_seen[utt_id]})"
                )
            if problem is None:
                exists = file_name in present if "/" not in file_name else os.path.isfile(path)
                if not exists:
                    problem = f"audio file not found: {path}"
            if problem is not None:
                problems.report(meta, line_no, problem, utt_id=utt_id, path=path)
                continue
            first_seen[utt_id] = line_no
            speaker = fields[1].strip() or manifest.NO_VALUE
            label = LABEL_MAP[fields[2].strip()]
            rows.append(
                manifest.ManifestRow(utt_id, name, "eval", label, manifest.NO_VALUE, speaker, path)
            )
    return rows
