"""Per-attack companions of Tables 1 and 2: EER-ROC of every attack, unseen attacks marked.

Each metrics file (``metrics.report.compute_metrics``) holds ``per_attack``: per
attack id among the spoofs, that attack's spoofs against all bonafide trials.
A cell is the mean over seeds of that EER for one evaluation set, attack and
table column (a model in Table 1, an N in Table 2). An attack is *seen* when
its id occurs among the spoofs of the training splits of the table's training
corpora (read from their manifests): a detector may have met that algorithm in
training. Ids such as ``-`` (FoR, In-the-Wild: no attack ids) are shown as
they are and count as seen only when ``-`` spoofs were trained on.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from workflow_scripts.io.files import read_input_tsv
from workflow_scripts.reporting.plotting import figure, save_figure
from workflow_scripts.reporting.tables import to_markdown

#: One cell source: (evaluation set, table column, metrics dict, where it came from).
Cell = tuple[str, str, Mapping[str, object], str]

FIXED_COLUMNS = ("eval_set", "attack", "n_spoof", "seen")


def seen_attacks(manifests: Iterable[tuple[str | os.PathLike[str], Sequence[str]]]) -> set[str]:
    """Attack ids of the spoofs in the given splits of the given manifests."""
    seen: set[str] = set()
    for path, splits in manifests:
        table = read_input_tsv(path, "manifest")
        missing = [c for c in ("split", "label", "attack") if c not in table.columns]
        if missing:
            raise ValueError(f"{path}: not a manifest (missing {missing})")
        spoof = table[(table["label"] == "spoof") & table["split"].isin(list(splits))]
        seen.update(spoof["attack"].fillna("-").astype(str))
    return seen


def _attack_values(values: Mapping[str, object], source: str) -> dict[str, tuple[int, float]]:
    per_attack = values.get("per_attack")
    if not isinstance(per_attack, Mapping) or not per_attack:
        raise ValueError(
            f"{source}: no per-attack metrics (the score file had no attack column); "
            "re-run workflow_scripts.evaluate on a score file with one"
        )
    out = {}
    for attack, entry in per_attack.items():
        try:
            out[str(attack)] = (int(entry["n"]), float(entry["eer_roc"]))
        except (KeyError, TypeError, ValueError):
            raise ValueError(f"{source}: per_attack[{attack!r}] lacks n or eer_roc") from None
    return out


def per_attack_table(cells: Sequence[Cell], seen: set[str], *, digits: int = 4) -> pd.DataFrame:
    """One row per (evaluation set, attack), one EER-ROC column per table column.

    Several cells with the same evaluation set and column are seeds and are
    averaged. Every column must have scored the same attacks with the same
    spoof counts on an evaluation set, else the columns are not comparable.
    """
    if not cells:
        raise ValueError("no per-attack cells")
    eval_order = list(dict.fromkeys(c[0] for c in cells))
    column_order = list(dict.fromkeys(c[1] for c in cells))
    grouped: dict[tuple[str, str], list[dict[str, tuple[int, float]]]] = {}
    for eval_set, column, values, source in cells:
        grouped.setdefault((eval_set, column), []).append(_attack_values(values, source))
    rows = []
    for eval_set in eval_order:
        missing = [c for c in column_order if (eval_set, c) not in grouped]
        if missing:
            raise ValueError(f"no metrics for {eval_set!r} and column {missing[0]!r}")
        columns = {c: grouped[(eval_set, c)] for c in column_order}
        counts = {attack: n for attack, (n, _) in columns[column_order[0]][0].items()}
        for column, runs in columns.items():
            for run in runs:
                these = {attack: n for attack, (n, _) in run.items()}
                if these != counts:
                    raise ValueError(
                        f"{eval_set!r}: column {column!r} scored other attacks or counts "
                        f"({sorted(these.items())} vs {sorted(counts.items())})"
                    )
        for attack in sorted(counts):
            row: dict[str, object] = {
                "eval_set": eval_set,
                "attack": attack,
                "n_spoof": counts[attack],
                "seen": "yes" if attack in seen else "no",
            }
            for column, runs in columns.items():
                row[column] = round(float(np.mean([run[attack][1] for run in runs])), digits)
            rows.append(row)
    return pd.DataFrame.from_records(rows, columns=[*FIXED_COLUMNS, *column_order])


def marked_attacks(table: pd.DataFrame, mark: str) -> list[str]:
    """The attack ids of ``table``, each unseen one followed by ``mark``."""
    return [
        str(a) if s == "yes" else f"{a}{mark}"
        for a, s in zip(table["attack"], table["seen"], strict=True)
    ]


def per_attack_markdown(table: pd.DataFrame, *, title: str, training: str) -> str:
    """The table with unseen attacks starred, and a line saying what "seen" means."""
    shown = table.copy()
    shown["attack"] = marked_attacks(shown, " *")
    shown = shown.drop(columns="seen").rename(columns={"n_spoof": "spoofs"})
    unseen = int((table["seen"] == "no").sum())
    note = (
        f"EER-ROC per attack (its spoofs against all bonafide trials; lower is better). "
        f"* unseen: the attack id does not occur among the spoofs of {training} "
        f"({unseen} of {len(table)} rows)."
    )
    return f"{to_markdown(shown, title=title)}\n{note}\n"


def plot_per_attack(table: pd.DataFrame, path: str | os.PathLike[str], *, title: str) -> None:
    """Heat map per evaluation set: table columns (models or N) by attacks, EER-ROC in colour."""
    columns = [c for c in table.columns if c not in FIXED_COLUMNS]
    eval_sets = list(dict.fromkeys(table["eval_set"]))
    widths = [max(2, (table["eval_set"] == e).sum()) for e in eval_sets]
    with figure(
        1,
        len(eval_sets),
        figsize=(1.2 + 0.55 * sum(widths) + 1.2 * len(eval_sets), 2.8 + 0.45 * len(columns)),
        gridspec_kw={"width_ratios": widths},
        constrained_layout=True,
        squeeze=False,
    ) as (fig, axes):
        image = None
        for ax, eval_set in zip(axes[0], eval_sets, strict=True):
            part = table[table["eval_set"] == eval_set]
            values = part[columns].to_numpy(dtype=np.float64).T
            image = ax.imshow(values, vmin=0.0, vmax=0.5, cmap="viridis_r", aspect="auto")
            labels = marked_attacks(part, "*")
            ax.set_xticks(range(len(labels)), labels, rotation=60, ha="right", fontsize="small")
            ax.set_yticks(range(len(columns)), columns)
            ax.set_title(eval_set)
            for (i, j), value in np.ndenumerate(values):
                colour = "black" if value < 0.25 else "white"  # light cells are low EERs
                ax.text(j, i, f"{value:.2f}", ha="center", va="center", fontsize=7, color=colour)
        if image is not None:
            fig.colorbar(image, ax=axes[0].tolist(), label="EER-ROC", shrink=0.8)
        fig.suptitle(f"{title}; * unseen attack")
        save_figure(fig, path, dpi=120)
