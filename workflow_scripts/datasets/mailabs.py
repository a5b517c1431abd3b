"""M-AILABS speech (``by_book``) reader: the bonafide side of the MLAAD format.

Layout (one folder per language, as the release's ``<lang>.tgz`` unpacks)::

    <mailabs_root>/<ll_CC>/by_book/{female,male}/<speaker>/<book>/metadata.csv
    <mailabs_root>/<ll_CC>/by_book/{female,male}/<speaker>/<book>/wavs/<id>.wav
    <mailabs_root>/<ll_CC>/by_book/mix/<book>/{metadata.csv,wavs/}      (several speakers)

``metadata.csv`` follows LJSpeech's convention: one ``|``-separated line per
clip, ``<id>|<text>|<normalised text>``, without header; the audio is
``wavs/<id>.wav``. Sources: the M-AILABS loaders of WellSaid Labs
(``en_US/by_book/[Speaker Gender]/[Speaker Name]/[Book Title]``, "metadata.csv
file and a wavs directory following the convention of the LJSpeech dataset";
``_book_to_metadata_path``) and readers of the ``by_book/mix/<book>/`` books
(e.g. ``it_IT/by_book/mix/<book>/metadata.csv`` read with ``sep="|"`` and
names ``id, original, clean``).

Language folders are the ``ll_CC`` folders holding ``by_book/`` (``en_US``,
``de_DE``, ...). ``utt_id`` is ``M-AILABS/<ll_CC>/<id>``; the speaker is the
speaker folder (``-`` for ``mix`` books); conditions ``language`` (``ll``, as
MLAAD writes it) and ``gender`` (``F``/``M``, ``-`` for ``mix``).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

from . import manifest

BY_BOOK = "by_book"
META_FILE = "metadata.csv"
WAVS_DIR = "wavs"
PREFIX = "M-AILABS"
#: Language folder names (``en_US``, ``uk_UK``, ...).
LANGUAGE_DIR = re.compile(r"[a-z]{2,3}_[A-Z]{2}")
GENDER_DIRS: dict[str, str] = {"female": "F", "male": "M"}
MIX_DIR = "mix"
N_FIELDS = 3


class Clip(NamedTuple):
    """One M-AILABS clip: its language folder, id, speaker, gender and audio path."""

    language_dir: str
    clip_id: str
    speaker: str
    gender: str
    path: str

    @property
    def utt_id(self) -> str:
        return f"{PREFIX}/{self.language_dir}/{self.clip_id}"

    @property
    def language(self) -> str:
        """The language code as MLAAD writes it (``en`` for ``en_US``)."""
        return self.language_dir.split("_")[0]


def _subdirs(folder: Path) -> list[Path]:
    with os.scandir(folder) as entries:
        return sorted(Path(e.path) for e in entries if e.is_dir() and not e.name.startswith("."))


def language_dirs(mailabs_root: Path, *, context: str) -> list[Path]:
    """The ``ll_CC`` folders with ``by_book/`` in them; none is an error naming the layout."""
    found = [
        d
        for d in _subdirs(mailabs_root)
        if LANGUAGE_DIR.fullmatch(d.name) and (d / BY_BOOK).is_dir()
    ]
    if not found:
        raise FileNotFoundError(
            f"{context}: mailabs_root {mailabs_root} holds no M-AILABS language folder "
            f"(expected <ll_CC>/{BY_BOOK}/..., e.g. {mailabs_root / 'en_US' / BY_BOOK})"
        )
    return found


def books(language_dir: Path) -> Iterator[tuple[Path, str, str]]:
    """(book folder, speaker, gender) of every book of one language, in name order."""
    by_book = language_dir / BY_BOOK
    for gender_dir in _subdirs(by_book):
        if gender_dir.name in GENDER_DIRS:
            for speaker_dir in _subdirs(gender_dir):
                for book in _subdirs(speaker_dir):
                    yield book, speaker_dir.name, GENDER_DIRS[gender_dir.name]
        elif gender_dir.name == MIX_DIR:
            for book in _subdirs(gender_dir):
                yield book, manifest.NO_VALUE, manifest.NO_VALUE


def read_clips(mailabs_root: Path, problems: manifest.ProblemLog, *, context: str) -> list[Clip]:
    """Every clip listed in a ``metadata.csv``, checked line by line (audio must exist)."""
    clips: list[Clip] = []
    for language_dir in language_dirs(mailabs_root, context=context):
        seen: dict[str, str] = {}
        for book, speaker, gender in books(language_dir):
            meta = book / META_FILE
            if not meta.is_file():
                problems.report(
                    book, None, f"book folder has no {META_FILE}", utt_id="", path=str(book)
                )
                continue
            wavs = book / WAVS_DIR
            present = manifest.file_names(wavs) if wavs.is_dir() else set()
            for line_no, line in enumerate(manifest.read_text_lines(meta), start=1):
                if not line.strip():
                    continue
                fields = line.split("|")
                clip_id = fields[0].strip()
                path = str(wavs / f"{clip_id}.wav") if clip_id else ""
                problem = None
                if len(fields) != N_FIELDS:
                    problem = (
                        f"expected {N_FIELDS} '|'-separated fields (id|text|normalised text), "
                        f"got {len(fields)}"
                    )
                elif not clip_id or "/" in clip_id:
                    problem = f"clip id must be a file stem, got {clip_id!r}"
                elif clip_id in seen:
                    problem = f"duplicate clip id {clip_id!r} (also in {seen[clip_id]})"
                elif f"{clip_id}.wav" not in present:
                    problem = f"audio file not found: {path}"
                if problem is not None:
                    problems.report(meta, line_no, problem, utt_id=clip_id, path=path)
                    continue
                seen[clip_id] = f"{meta}:{line_no}"
                clips.append(Clip(language_dir.name, clip_id, speaker, gender, path))
    return clips
