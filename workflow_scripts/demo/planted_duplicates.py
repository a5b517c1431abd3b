"""Checks the copies planted in the FoR-like demo corpus against what the duplicate scan found.

The demo writer copies some LJSpeech-like recordings into the FoR-like corpus
(``demo_duplicates.tsv``: ``for_path``, ``ljspeech_id``), as LJSpeech sits in
both FoR and WaveFake. On the demo, ``find_duplicates --expected-demo`` then
says how many of them it found; on real corpora there is no such list.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from workflow_scripts.datasets.fakeorreal import SPLIT_FOLDERS
from workflow_scripts.io.files import read_input_tsv

log = logging.getLogger("workflow_scripts.demo.planted_duplicates")

#: utt_id prefix of LJSpeech recordings in the WaveFake manifest.
WAVEFAKE_REAL_PREFIX = "LJSpeech"
#: How many missed pairs the report lists.
N_MISSED_EXAMPLES = 20


def planted_pairs(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Planted FoR/LJSpeech copies as manifest utt_ids: columns ``for_utt_id``,
    ``wavefake_utt_id``.

    ``for_path`` ``<variant>/<split folder>/<label folder>/<file>`` becomes the
    FoR adapter's ``<split>/<label folder>/<file>``; ``ljspeech_id`` becomes
    the WaveFake adapter's ``LJSpeech/<id>``.
    """
    table = read_input_tsv(path, "demo duplicates file")
    if list(table.columns) != ["for_path", "ljspeech_id"]:
        raise ValueError(
            f"{path}: expected columns for_path, ljspeech_id; got {list(table.columns)}"
        )
    rows = []
    for for_path, lj_id in table.itertuples(index=False):
        parts = Path(for_path).parts
        if len(parts) != 4 or parts[1] not in SPLIT_FOLDERS:
            raise ValueError(
                f"{path}: for_path {for_path!r} is not <variant>/<split folder>/<label>/<file>"
            )
        rows.append(
            (f"{SPLIT_FOLDERS[parts[1]]}/{parts[2]}/{parts[3]}", f"{WAVEFAKE_REAL_PREFIX}/{lj_id}")
        )
    return pd.DataFrame(rows, columns=["for_utt_id", "wavefake_utt_id"])


def check_planted_pairs(
    expected: pd.DataFrame,
    pairs: pd.DataFrame,
    metas: Sequence[pd.DataFrame],
    *,
    for_name: str,
    wavefake_name: str,
) -> dict[str, Any]:
    """How many planted pairs whose two members were scanned appear among the found pairs."""
    present = {
        (str(ds), str(u))
        for meta in metas
        for ds, u in zip(meta["dataset"].tolist(), meta["utt_id"].tolist(), strict=True)
    }
    linked: set[tuple[tuple[str, str], tuple[str, str]]] = set()
    for row in pairs.itertuples(index=False):
        a, b = (str(row.dataset_a), str(row.utt_a)), (str(row.dataset_b), str(row.utt_b))
        linked.add((a, b))
        linked.add((b, a))
    scanned = missed = 0
    missed_examples: list[list[str]] = []
    for for_utt, wf_utt in expected.itertuples(index=False):
        a, b = (for_name, for_utt), (wavefake_name, wf_utt)
        if a not in present or b not in present:
            continue
        scanned += 1
        if (a, b) not in linked:
            missed += 1
            if len(missed_examples) < N_MISSED_EXAMPLES:
                missed_examples.append([for_utt, wf_utt])
    return {
        "listed": int(len(expected)),
        "scanned": scanned,
        "found": scanned - missed,
        "missed": missed,
        "missed_examples": missed_examples,
    }


def planted_pairs_report(
    path: str | os.PathLike[str],
    pairs: pd.DataFrame,
    metas: Sequence[pd.DataFrame],
    *,
    for_name: str = "for",
    wavefake_name: str = "wavefake",
) -> dict[str, Any]:
    """The summary's ``expected_demo`` entry: the file and :func:`check_planted_pairs`' counts;
    missed pairs are also logged as a warning."""
    counts = check_planted_pairs(
        planted_pairs(path), pairs, metas, for_name=for_name, wavefake_name=wavefake_name
    )
    if counts["missed"]:
        log.warning(
            "%d of %d planted demo duplicates were not found", counts["missed"], counts["scanned"]
        )
    return {"file": str(path), **counts}
