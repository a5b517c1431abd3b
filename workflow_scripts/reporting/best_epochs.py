"""Which epoch each trained run kept: the companion table and the note under the result tables.

Every training job writes ``training.json`` beside its checkpoint (best epoch, epochs
run, epoch limit, patience, why it stopped, the validation-loss kind; docs/training.md).
With ``training.val_loss: plain`` a model trained on a class-balanced sample and
validated on a 1:9 dev split can keep an almost untrained epoch, and the metrics of the
tables then describe that model, not the method. :func:`best_epoch_table` lists every run
of the workflow; :func:`with_early_epoch_note` names, under a result table, the runs behind
it that kept epoch 1 or 2. Read from JSON only, so reporting stays free of torch.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from workflow_scripts.io.files import read_json
from workflow_scripts.reporting.tables import to_markdown

#: A run that kept an epoch up to this one is flagged (``early``) and named under its tables.
EARLY_EPOCH_MAX = 2
#: The flagged epochs in words ("epoch 1 or 2").
EARLY_EPOCHS = "epoch " + " or ".join(str(e) for e in range(1, EARLY_EPOCH_MAX + 1))
#: Where the workflow's runs live: a run is named by its folder below this one.
MODELS_DIR = "results/models/"
#: Keys of ``training.json`` that the table reads, with their types (checked on read).
SUMMARY_TYPES: dict[str, type] = {
    "model": str,
    "seed": int,
    "best_epoch": int,
    "epochs_run": int,
    "max_epochs": int,
    "patience": int,
    "stop_reason": str,
    "val_loss": str,
    "best_val_loss": float,
    "best_val_eer": float,
}
#: Values of ``stop_reason`` (``training.loop.STOP_REASONS``).
STOP_REASONS = ("patience", "max_epochs")
#: Columns of ``results/best_epochs.csv``, in order.
BEST_EPOCH_COLUMNS = (
    "run",
    "experiment",
    "training",
    "model",
    "seed",
    "best_epoch",
    "epochs_run",
    "max_epochs",
    "patience",
    "stop_reason",
    "val_loss",
    "best_val_loss",
    "best_val_eer",
    "train_bonafide",
    "train_spoof",
    "val_bonafide",
    "val_spoof",
    "early",
    "used_by",
)
TITLE = "Which epoch each trained run kept"
#: Experiment names of the first folder of a run (``results/models/<folder>/...``).
EXPERIMENTS = {
    "pretrained": "pretrained",
    "pretrained_attack_aware": "pretrained (attack-aware)",
    "exp2": "Experiment 2",
    "exp3": "Experiment 3",
    "exp4": "Experiment 4",
}


def run_name(path: str | os.PathLike[str]) -> str:
    """The run a ``training.json`` belongs to: its folder below ``results/models/``
    (``exp3/n100/seed0``), or the whole folder for a file elsewhere."""
    folder = Path(path).parent.as_posix()
    marker = folder.find(MODELS_DIR.rstrip("/") + "/")
    return folder[marker + len(MODELS_DIR) :] if marker >= 0 else folder


def read_training_summary(path: str | os.PathLike[str]) -> dict[str, Any]:
    """One run's ``training.json``, checked key by key (errors name the file)."""
    summary = read_json(path, "training summary")
    if not isinstance(summary, Mapping):
        raise ValueError(f"{path}: training summary is not a JSON object")
    missing = [key for key in SUMMARY_TYPES if key not in summary]
    if missing:
        raise ValueError(
            f"{path}: training summary lacks {missing} (written by an older train; rerun it)"
        )
    for key, kind in SUMMARY_TYPES.items():
        value = summary[key]
        ok = (
            isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
            if kind is float
            else isinstance(value, kind) and not isinstance(value, bool)
        )
        if not ok:
            raise ValueError(
                f"{path}: training summary {key!r} must be {kind.__name__}, got {value!r}"
            )
    if summary["stop_reason"] not in STOP_REASONS:
        raise ValueError(
            f"{path}: stop_reason {summary['stop_reason']!r} is not one of {STOP_REASONS}"
        )
    if not 1 <= summary["best_epoch"] <= summary["epochs_run"]:
        raise ValueError(
            f"{path}: best_epoch {summary['best_epoch']} is outside the "
            f"{summary['epochs_run']} epochs run"
        )
    return dict(summary)


def _training_data(run: str) -> str:
    """What a run trained on, from its name: the corpus (pretrained) or the setting."""
    parts = run.split("/")
    if parts[0].startswith("pretrained") and len(parts) >= 2:
        return f"{parts[1]} train"
    return parts[1] if len(parts) >= 3 else run


def _counts(summary: Mapping[str, Any], key: str, label: str) -> int | None:
    rows = summary.get(key)
    return int(rows[label]) if isinstance(rows, Mapping) and label in rows else None


def best_epoch_row(path: str | os.PathLike[str], used_by: str = "") -> dict[str, Any]:
    """One row of the best-epoch table from a run's ``training.json``."""
    summary = read_training_summary(path)
    run = run_name(path)
    return {
        "run": run,
        "experiment": EXPERIMENTS.get(run.split("/")[0], run.split("/")[0]),
        "training": _training_data(run),
        **{key: summary[key] for key in SUMMARY_TYPES if not key.startswith("best_val")},
        "best_val_loss": round(float(summary["best_val_loss"]), 4),
        "best_val_eer": round(float(summary["best_val_eer"]), 4),
        "train_bonafide": _counts(summary, "train_rows", "bonafide"),
        "train_spoof": _counts(summary, "train_rows", "spoof"),
        "val_bonafide": _counts(summary, "val_rows", "bonafide"),
        "val_spoof": _counts(summary, "val_rows", "spoof"),
        "early": summary["best_epoch"] <= EARLY_EPOCH_MAX,
        "used_by": used_by,
    }


def best_epoch_table(entries: Sequence[tuple[str | os.PathLike[str], str]]) -> pd.DataFrame:
    """The table of every run: ``entries`` are (training summary path, what uses the run),
    in the order given (the workflow's: Table 1, Experiment 2, Table 2, Experiment 4, ...)."""
    if not entries:
        raise ValueError("no training summaries given")
    rows = [best_epoch_row(path, used_by) for path, used_by in entries]
    names = [row["run"] for row in rows]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise ValueError(f"runs given twice: {repeated}")
    return pd.DataFrame.from_records(rows, columns=list(BEST_EPOCH_COLUMNS))


def _describe(row: Mapping[str, Any]) -> str:
    """``exp3/n100/seed0`` kept epoch 1 of 11 (stopped by patience 10, val_loss plain)."""
    why = (
        f"no lower validation loss for {row['patience']} epochs"
        if row["stop_reason"] == "patience"
        else f"epoch limit {row['max_epochs']}"
    )
    return (
        f"`{row['run']}` kept epoch {row['best_epoch']} of {row['epochs_run']} "
        f"(stopped: {why}; val_loss {row['val_loss']})"
    )


def early_epoch_sentence(table: pd.DataFrame) -> str:
    """The sentence under the best-epoch table: which runs kept epoch 1 or 2, if any."""
    early = table[table["early"]]
    if early.empty:
        return f"No run kept {EARLY_EPOCHS}."
    modes = ", ".join(f"`{m}`" for m in dict.fromkeys(early["val_loss"]))
    return (
        f"{len(early)} of {len(table)} runs kept {EARLY_EPOCHS} "
        f"(validation loss {modes}): their metrics may be those of an almost untrained model "
        "(docs/training.md, docs/reproducing.md)."
    )


def best_epochs_markdown(table: pd.DataFrame) -> str:
    """The Markdown companion: the table's main columns and the early-epoch sentence."""
    columns = ["run", "model", "best_epoch", "epochs_run", "max_epochs", "stop_reason", "val_loss"]
    shown = table[columns].copy()
    for part in ("train", "val"):
        shown[f"{part} rows (bonafide/spoof)"] = [
            "-" if pd.isna(b) or pd.isna(s) else f"{int(b)}/{int(s)}"
            for b, s in zip(table[f"{part}_bonafide"], table[f"{part}_spoof"], strict=True)
        ]
    shown["used_by"] = table["used_by"]
    return to_markdown(shown, title=TITLE) + "\n" + early_epoch_sentence(table) + "\n"


def early_epoch_note(paths: Sequence[str | os.PathLike[str]]) -> str:
    """The note under a result table naming its runs that kept epoch 1 or 2 ("" if none)."""
    rows = [best_epoch_row(path) for path in dict.fromkeys(map(str, paths))]
    early = [row for row in rows if row["early"]]
    if not early:
        return ""
    return (
        f"**Kept {EARLY_EPOCHS}:** {len(early)} of the {len(rows)} runs "
        "behind this table; their numbers may be those of an almost untrained model "
        "(results/best_epochs.md lists every run): "
        + "; ".join(_describe(row) for row in early)
        + ".\n"
    )


def with_early_epoch_note(markdown: str, paths: Sequence[str | os.PathLike[str]]) -> str:
    """A table's Markdown with :func:`early_epoch_note` under it (unchanged without one)."""
    note = early_epoch_note(paths)
    return f"{markdown.rstrip()}\n\n{note}" if note else markdown
