"""Checks the copies planted in the FoR-like demo corpus against what the duplicate scan found.

The demo writer copies some LJSpeech-like recordings into the FoR-like corpus
(``demo_duplicates.tsv``: ``for_path``, ``ljspeech_id``), as LJSpeech sits in
both FoR and WaveFake. On the demo, ``find_duplicates --expected-demo`` then
says how many of them it found (recall) and how many of the pairs it reported
are planted (precision); on real corpora there is no such list.

**Which reported pairs are right.** The demo generator seeds every other
utterance by its own key, so the planted copies are the only recordings that
sit in the demo twice. A reported pair is *planted* when its two rows are
copies of one LJSpeech-like recording by construction: the original and a
planted copy, or two planted copies of it (connected through the list). Every
other reported pair, whatever its corpora, is a *false merge*: it would drop a
distinct recording from training.
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


def _planted_groups(
    expected: pd.DataFrame, for_name: str, wavefake_name: str
) -> dict[tuple[str, str], str]:
    """The LJSpeech-like recording every listed row is (a copy of): rows that map to the same
    one are copies of each other by construction."""
    group: dict[tuple[str, str], str] = {}
    for for_utt, wf_utt in expected.itertuples(index=False):
        group[(for_name, str(for_utt))] = str(wf_utt)
        group[(wavefake_name, str(wf_utt))] = str(wf_utt)
    return group


def check_planted_pairs(
    expected: pd.DataFrame,
    pairs: pd.DataFrame,
    metas: Sequence[pd.DataFrame],
    *,
    for_name: str,
    wavefake_name: str,
) -> dict[str, Any]:
    """Recall (planted pairs whose two rows were scanned and are reported) and precision
    (reported pairs that are planted, see the module docstring) of a duplicate scan."""
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
    group = _planted_groups(expected, for_name, wavefake_name)
    false_merges: list[list[str]] = []
    reported = 0
    for row in pairs.itertuples(index=False):
        reported += 1
        a, b = (str(row.dataset_a), str(row.utt_a)), (str(row.dataset_b), str(row.utt_b))
        if a not in group or group[a] != group.get(b):
            false_merges.append([*a, *b])
    found = scanned - missed
    return {
        "listed": int(len(expected)),
        "scanned": scanned,
        "found": found,
        "missed": missed,
        "missed_examples": missed_examples,
        "reported": reported,
        "reported_planted": reported - len(false_merges),
        "false_merges": len(false_merges),
        "false_merge_examples": false_merges[:N_MISSED_EXAMPLES],
        "recall": round(found / scanned, 6) if scanned else None,
        "precision": round((reported - len(false_merges)) / reported, 6) if reported else None,
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
    missed pairs and false merges are also logged as warnings."""
    counts = check_planted_pairs(
        planted_pairs(path), pairs, metas, for_name=for_name, wavefake_name=wavefake_name
    )
    if counts["missed"]:
        log.warning(
            "%d of %d planted demo duplicates were not found", counts["missed"], counts["scanned"]
        )
    if counts["false_merges"]:
        log.warning(
            "%d of %d reported pairs are not planted copies (false merges), e.g. %s",
            counts["false_merges"],
            counts["reported"],
            counts["false_merge_examples"][0],
        )
    return {"file": str(path), **counts}
