"""Per-condition companions of Tables 1 and 2: EER-ROC per codec, language, vocoder family, ...

Corpora such as ASVspoof 2021, ASVspoof 5 and MLAAD carry condition columns in their
manifests (``io.manifest_columns.CONDITION_COLUMNS``). For each evaluation set with such
columns, each detector's scores are joined to the manifest by ``utt_id`` and the EER-ROC
is computed per value of each condition:

* a condition both classes carry (a codec, a transmission channel, a language): the
  bonafide and spoof trials with that value, against each other;
* a condition only spoofs carry (bonafide rows are ``-``: vocoder family, architecture):
  the spoofs with that value against all bonafide trials, as the per-attack EER does.

A value with no trial of one class gets no row (an EER needs both). Cells are rounded like
the other tables; one table column per detector (a model in Table 1, an N in Table 2,
averaged over its seeds).
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import numpy as np
import pandas as pd

from workflow_scripts.io.files import read_input_tsv
from workflow_scripts.io.manifest_columns import CONDITION_COLUMNS, NO_VALUE
from workflow_scripts.metrics.eer import eer_roc
from workflow_scripts.metrics.report import read_scores, table_arrays
from workflow_scripts.reporting.tables import to_markdown

#: Columns before the detectors' EER columns.
FIXED_COLUMNS: tuple[str, ...] = ("eval_set", "condition", "value", "n_bonafide", "n_spoof")


def condition_rows(scores: pd.DataFrame, manifest: pd.DataFrame, where: str) -> pd.DataFrame:
    """EER-ROC per (condition, value) of one score table joined to its corpus' manifest."""
    conditions = [c for c in CONDITION_COLUMNS if c in manifest.columns]
    if not conditions:
        raise ValueError(f"{where}: the manifest has no condition columns")
    joined = scores.merge(manifest[["utt_id", *conditions]], on="utt_id", how="left")
    unmatched = joined[conditions[0]].isna()
    if unmatched.any():
        first = joined.loc[unmatched, "utt_id"].iloc[0]
        raise ValueError(
            f"{where}: {int(unmatched.sum())} scored utt_id(s) are not in the manifest "
            f"(first: {first!r})"
        )
    values, labels, _ = table_arrays(joined)
    rows = []
    for condition in conditions:
        column = joined[condition].astype(str).to_numpy()
        spoof_only = bool(np.all(column[labels == 1] == NO_VALUE))
        for value in sorted(set(column[labels == 0]) | set(column[labels == 1])):
            if spoof_only and value == NO_VALUE:
                continue
            mine = column == value
            keep = (mine | (labels == 1)) if spoof_only else mine
            n_bona, n_spoof = int((keep & (labels == 1)).sum()), int((keep & (labels == 0)).sum())
            if n_bona == 0 or n_spoof == 0:
                continue
            eer = float(eer_roc(values[keep], labels[keep]))
            rows.append((condition, value, n_bona, n_spoof, eer))
    return pd.DataFrame(rows, columns=["condition", "value", "n_bonafide", "n_spoof", "eer_roc"])


def per_condition_table(
    entries: Sequence[tuple[str, str, str | os.PathLike[str], str | os.PathLike[str]]],
    *,
    digits: int = 4,
) -> pd.DataFrame:
    """``(eval set, column, scores, manifest)`` entries -> one row per eval set, condition and
    value, one EER-ROC column per table column (in first-given order). Entries repeating an
    (eval set, column) pair are seeds of one cell and are averaged; they must have scored the
    same trials."""
    if not entries:
        raise ValueError("no entries: no evaluation set has condition columns")
    columns = list(dict.fromkeys(column for _, column, _, _ in entries))
    keys = ["condition", "value", "n_bonafide", "n_spoof"]
    manifests: dict[str, pd.DataFrame] = {}
    cells: dict[tuple[str, str], list[pd.DataFrame]] = {}
    for eval_set, column, scores_path, manifest_path in entries:
        if str(manifest_path) not in manifests:
            manifests[str(manifest_path)] = read_input_tsv(manifest_path, "manifest")
        rows = condition_rows(
            read_scores(scores_path), manifests[str(manifest_path)], str(scores_path)
        )
        cells.setdefault((eval_set, column), []).append(rows.set_index(keys)["eer_roc"])
    tables = []
    for eval_set in dict.fromkeys(e for e, _, _, _ in entries):
        merged = {}
        for column in columns:
            seeds = cells.get((eval_set, column))
            if not seeds:
                raise ValueError(f"evaluation set {eval_set!r} has no scores of {column!r}")
            if any(not s.index.equals(seeds[0].index) for s in seeds[1:]):
                raise ValueError(f"{eval_set!r}, {column!r}: the seeds scored different trials")
            merged[column] = pd.concat(seeds, axis=1).mean(axis=1)
        table = pd.DataFrame(merged)
        if table.isna().to_numpy().any():
            raise ValueError(f"{eval_set!r}: detectors were scored on different trials")
        tables.append(table.reset_index().assign(eval_set=eval_set))
    table = pd.concat(tables, ignore_index=True)[["eval_set", *keys, *columns]]
    table[columns] = table[columns].round(digits)
    return table


def per_condition_markdown(table: pd.DataFrame, *, title: str) -> str:
    note = (
        "\nEER-ROC per condition value: both classes with that value where bonafide trials "
        "carry the condition (codec, transmission, language), else that value's spoofs "
        "against all bonafide trials (vocoder family, architecture).\n"
    )
    return to_markdown(table, title=title) + note
