"""MLAAD adapter: MLAAD spoofs + M-AILABS bonafide, deterministic per-utterance split.

Layout::

    <root>/fake/<language>/<model folder>/meta.csv        one per TTS model and language
    <root>/fake/<language>/<model folder>/<file>.wav
    <mailabs_root>/<ll_CC>/by_book/...                    M-AILABS (datasets/mailabs.py)

``root`` is either the MLAAD folder containing ``fake/`` or the ``fake``
folder itself; ``mailabs_root`` (default: ``root``) holds the unpacked
M-AILABS language folders (MLAAD ships no bonafide audio; its transcripts
come from M-AILABS).

``meta.csv`` is ``|``-separated with a header; MLAAD v5 and later write
``path|original_file|language|is_original_language|duration|training_data|
model_name|architecture|transcript`` (v9 adds ``reference_speaker``). ``path``
is ``./fake/<language>/<model folder>/<file>.wav``, ``original_file`` the
M-AILABS clip whose transcript was synthesised (``en_US/by_book/.../wavs/
<id>.wav``). Required here: ``path``, ``language``, ``model_name``;
``original_file`` and ``architecture`` are used when present. The audio is
taken as the file named by ``path`` in the folder of its ``meta.csv`` (the
language part of ``path`` is not always the folder's name). Sources: the
MLAAD paper (arXiv 2401.09512: per-language, per-model folders, transcripts
from M-AILABS), and MLAAD v5 readers, e.g. nii-yamagishilab/AntiDeepfake
``protocols/MLAAD.py`` (``fake/<lang>/<model>/*.wav``) and manifest builders
documenting the ``meta.csv`` header and ``original_file`` paths.

Splits: MLAAD has no official split. Each row is split by hashing its
source utterance (the M-AILABS clip id: a bonafide clip's own id, a spoof's
``original_file`` stem, or its own ``utt_id`` without one) and cutting at
the cumulative ``split_fractions`` (default train/dev/eval 0.7/0.1/0.2, so
the corpus can train as well as test). A recording and every synthesis of its
text, in every language and by every model, land in the same split.

``utt_id``: ``MLAAD/<language folder>/<model folder>/<file stem>`` for
spoofs, ``M-AILABS/<ll_CC>/<id>`` for bonafide. Attack: ``model_name`` (the
TTS model), ``-`` for bonafide. Speaker: ``-`` for spoofs, the M-AILABS
speaker folder for bonafide. Conditions: ``gender`` (bonafide only),
``language`` and ``architecture`` (spoofs only). Rows are sorted by split,
then path.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Mapping
from pathlib import Path, PurePosixPath
from typing import Any

from . import mailabs, manifest
from .wavefake import DEFAULT_SPLIT_FRACTIONS, assign_split, check_split_fractions

FORMAT = "mlaad"
SPLITS: tuple[str, ...] = ("train", "dev", "eval")
#: Whether spoofs carry attack ids (the TTS model).
HAS_ATTACK_IDS = True
#: Whether manifests carry condition columns (codec, language, ...): per-condition tables.
HAS_CONDITIONS = True
OPTION_DEFAULTS: dict[str, Any] = {
    "root": None,
    "mailabs_root": None,
    "split_fractions": DEFAULT_SPLIT_FRACTIONS,
}
FAKE_DIR = "fake"
META_FILE = "meta.csv"
PREFIX = "MLAAD"
REQUIRED_COLUMNS = ("path", "language", "model_name")


def locate_fake(root: Path, *, context: str) -> Path:
    """The ``fake`` folder: ``root/fake`` or ``root`` itself."""
    if (root / FAKE_DIR).is_dir():
        return root / FAKE_DIR
    if root.name == FAKE_DIR:
        return root
    raise FileNotFoundError(
        f"{context}: root {root} has neither accepted layout: either root contains "
        f"{FAKE_DIR}/ ({root / FAKE_DIR}) or root is the {FAKE_DIR} folder itself"
    )


def _subdirs(folder: Path) -> list[Path]:
    with os.scandir(folder) as entries:
        return sorted(Path(e.path) for e in entries if e.is_dir() and not e.name.startswith("."))


def source_key(original_file: str) -> str:
    """The M-AILABS clip id in ``original_file`` (its file stem), or ``''``."""
    name = PurePosixPath(original_file.strip().replace("\\", "/")).name
    return name.rsplit(".", 1)[0] if "." in name else name


def read_spoofs(
    fake_dir: Path, name: str, fractions: Mapping[str, float], problems: manifest.ProblemLog
) -> list[manifest.ManifestRow]:
    """Rows of every ``meta.csv`` under ``fake/<language>/<model folder>/``."""
    rows: list[manifest.ManifestRow] = []
    for language_dir in _subdirs(fake_dir):
        for model_dir in _subdirs(language_dir):
            meta = model_dir / META_FILE
            if not meta.is_file():
                problems.report(
                    model_dir, None, f"model folder has no {META_FILE}", utt_id="", path=""
                )
                continue
            rows += _read_meta(meta, name, fractions, problems)
    return rows


def _read_meta(
    meta: Path, name: str, fractions: Mapping[str, float], problems: manifest.ProblemLog
) -> list[manifest.ManifestRow]:
    folder = meta.parent
    present = manifest.file_names(folder)
    prefix = f"{PREFIX}/{folder.parent.name}/{folder.name}"
    rows: list[manifest.ManifestRow] = []
    first_seen: dict[str, int] = {}
    with open(meta, encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle, delimiter="|")
        header = [h.strip() for h in next(reader, [])]
        missing = [c for c in REQUIRED_COLUMNS if c not in header]
        if missing:
            raise manifest.ProtocolError(
                meta, 1, f"header lacks column(s) {missing} (got {'|'.join(header)!r})"
            )
        index = {column: i for i, column in enumerate(header)}
        while True:
            try:
                fields = next(reader)
            except StopIteration:
                break
            except csv.Error as error:  # e.g. an unterminated quote
                problems.report(
                    meta, reader.line_num, f"unreadable line: {error}", utt_id="", path=""
                )
                continue
            line_no = reader.line_num
            if not fields or all(not f.strip() for f in fields):
                continue
            value = {c: fields[i].strip() for c, i in index.items() if i < len(fields)}
            file_name = PurePosixPath(value.get("path", "").replace("\\", "/")).name
            stem = file_name.rsplit(".", 1)[0]
            utt_id = f"{prefix}/{stem}" if stem else ""
            path = str(folder / file_name) if file_name else ""
            problem = None
            if len(fields) != len(header):
                problem = f"expected {len(header)} '|'-separated fields, got {len(fields)}"
            elif not file_name.lower().endswith(".wav"):
                problem = f"path must name a .wav file, got {value['path']!r}"
            elif not value["model_name"]:
                problem = "empty model_name"
            elif utt_id in first_seen:
                problem = (
                    f"duplicate file {file_name!r} (first listed at line {first_seen[utt_id]})"
                )
            elif file_name not in present:
                problem = f"audio file not found: {path}"
            if problem is not None:
                problems.report(meta, line_no, problem, utt_id=utt_id, path=path)
                continue
            first_seen[utt_id] = line_no
            split = assign_split(source_key(value.get("original_file", "")) or utt_id, fractions)
            conditions = {
                "language": value["language"] or folder.parent.name,
                "architecture": value.get("architecture") or manifest.NO_VALUE,
            }
            rows.append(
                manifest.ManifestRow(
                    utt_id, name, split, "spoof", value["model_name"], manifest.NO_VALUE, path,
                    conditions,
                )
            )  # fmt: skip
    return rows


def read_mlaad(
    name: str, cfg: Mapping[str, Any], problems: manifest.ProblemLog
) -> list[manifest.ManifestRow]:
    """MLAAD spoofs and M-AILABS bonafide rows (see the module docstring)."""
    context = manifest.dataset_context(name, FORMAT)
    options = manifest.take_options(cfg, OPTION_DEFAULTS, context=context)
    fractions = check_split_fractions(options["split_fractions"], context=context)
    root = manifest.require_root(options["root"], context=context)
    fake_dir = locate_fake(root, context=context)
    mailabs_root = (
        root
        if options["mailabs_root"] is None
        else manifest.require_root(options["mailabs_root"], context=context, key="mailabs_root")
    )
    rows = [
        manifest.ManifestRow(
            clip.utt_id, name, assign_split(clip.clip_id, fractions), "bonafide",
            manifest.NO_VALUE, clip.speaker, clip.path,
            {"gender": clip.gender, "language": clip.language},
        )
        for clip in mailabs.read_clips(mailabs_root, problems, context=context)
    ]  # fmt: skip
    rows += read_spoofs(fake_dir, name, fractions, problems)
    order = {split: i for i, split in enumerate(SPLITS)}
    rows.sort(key=lambda row: (order[row.split], row.path))
    return rows
