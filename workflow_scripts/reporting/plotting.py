"""Matplotlib for every figure of the workflow: set up once, figures written one way.

Plots use the Agg backend (cluster nodes have no display), each figure is
closed when drawn (a run draws many), and files are written atomically,
PDFs without creation dates, so the same inputs give the same bytes.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from typing import Any

import matplotlib

matplotlib.use("Agg")  # must precede pyplot
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from workflow_scripts.io.files import atomic_path  # noqa: E402

__all__ = ["figure", "plt", "save_figure"]

#: PDF metadata without dates: an unchanged figure keeps its bytes.
PDF_METADATA: dict[str, None] = {"CreationDate": None, "ModDate": None}


@contextlib.contextmanager
def figure(*args: Any, **kwargs: Any) -> Iterator[tuple[Figure, Any]]:
    """``plt.subplots(*args, **kwargs)``, closed afterwards even when drawing fails."""
    fig, axes = plt.subplots(*args, **kwargs)
    try:
        yield fig, axes
    finally:
        plt.close(fig)


def save_figure(fig: Figure, path: str | os.PathLike[str], *, dpi: int, fmt: str = "png") -> None:
    """Write ``fig`` to ``path`` atomically as ``fmt`` (``png`` or ``pdf``) at ``dpi``."""
    extra: dict[str, Any] = {"metadata": PDF_METADATA} if fmt == "pdf" else {}
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format=fmt, dpi=dpi, **extra)
