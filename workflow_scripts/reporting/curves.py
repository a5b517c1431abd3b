"""Training-curve figure: train/validation loss and validation EER per epoch."""

from __future__ import annotations

import os

import pandas as pd
from matplotlib.ticker import MaxNLocator

from workflow_scripts.reporting.plotting import figure, save_figure

REQUIRED_COLUMNS: tuple[str, ...] = ("epoch", "train_loss", "val_loss", "val_eer")


def plot_training_curves(
    history: pd.DataFrame,
    path: str | os.PathLike[str],
    best_epoch: int | None = None,
    title: str = "",
) -> None:
    """Write a two-panel PNG (losses; validation EER) to ``path`` atomically.

    ``best_epoch`` (the kept checkpoint) is marked with a dashed line so the
    early-stopping decision can be checked by eye.
    """
    missing = [c for c in REQUIRED_COLUMNS if c not in history.columns]
    if missing:
        raise ValueError(f"training history lacks column(s) {missing}")
    with figure(1, 2, figsize=(9, 3.4), constrained_layout=True) as (fig, (ax_loss, ax_eer)):
        epoch = history["epoch"]
        ax_loss.plot(epoch, history["train_loss"], marker="o", ms=3, label="train")
        ax_loss.plot(epoch, history["val_loss"], marker="o", ms=3, label="validation")
        ax_loss.set_xlabel("epoch")
        ax_loss.set_ylabel("BCE loss")
        ax_eer.plot(epoch, 100.0 * history["val_eer"], marker="o", ms=3, color="tab:red")
        ax_eer.set_xlabel("epoch")
        ax_eer.set_ylabel("validation EER-ROC (%)")
        ax_eer.set_ylim(bottom=0.0, top=max(1.0, 105.0 * float(history["val_eer"].max())))
        for ax in (ax_loss, ax_eer):
            if best_epoch is not None:
                ax.axvline(
                    best_epoch,
                    color="grey",
                    linestyle="--",
                    linewidth=1,
                    label=f"best (epoch {best_epoch})",
                )
            ax.grid(alpha=0.3)
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax_loss.legend(frameon=False)
        if title:
            fig.suptitle(title)
        save_figure(fig, path, dpi=120)
