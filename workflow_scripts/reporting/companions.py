"""What every experiment table's Markdown carries under it, written in one place.

A result table is followed, in this order, by the note naming runs that kept epoch 1 or 2
(:mod:`~workflow_scripts.reporting.best_epochs`), an optional caption (e.g. Table 2's
duplicate count) and, when given, its significance comparisons; the commands only say
which of these they have.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

from workflow_scripts.io.files import write_text
from workflow_scripts.reporting.best_epochs import with_early_epoch_note
from workflow_scripts.reporting.significance import with_significance


def write_table_markdown(
    markdown: str,
    path: str | os.PathLike[str],
    *,
    training_summaries: Sequence[str | os.PathLike[str]],
    significance: str | os.PathLike[str] | None = None,
    title: str = "",
    caption: str | None = None,
) -> None:
    """Write ``markdown`` with its kept-epoch note, ``caption`` and comparisons (titled
    ``title``) under it, atomically."""
    text = with_early_epoch_note(markdown, training_summaries)
    if caption is not None:
        text += "\n" + caption + "\n"
    write_text(with_significance(text, significance, title=title), path)
