"""Figure 1: t-SNE of the penultimate embeddings of the training set, class means marked.

Usage::

    python -m workflow_scripts.make_figure1 --embeddings emb.h5
        --out-png figure1_tsne.png --out-pdf figure1_tsne.pdf
        [--max-points 5000] [--seed S] [--color-by label|attack] [--perplexity 30]
        [--points interest|all] [--class-mean centroid|embedded] [--threads T]
        [--dataset D --split S]

Points: the samples of interest (``correct`` True) by default, as in the
paper's method section ("we visualize ... the audio samples of interest
alongside the class mean"); ``--points all`` shows every training row.
``--max-points N`` keeps a seeded subsample of N points stratified by
(label, attack), each stratum within one of its proportional share
(0 = all points). Class means are drawn as stars: with ``--class-mean
centroid`` (default) at the 2-D centre of the class's plotted samples of
interest; with ``embedded``, eq. 1's mean (over *all* samples of interest,
not just the subsample) is appended to the points before t-SNE. See
``reporting/figures.py`` for the reasons. openTSNE runs with PCA
initialisation, a random state derived from ``--seed``, ``--threads`` jobs,
and the perplexity clipped to ``(n - 1) / 3`` for small inputs.

Also writes the coordinates to the PNG's path with suffix ``.tsv``:
columns ``point`` (``sample`` or ``class_mean``), ``dataset, split, utt_id,
label, attack, correct, x, y``; one row per plotted sample plus one per
class mean (``utt_id`` ``class_mean:<label>``, ``dataset``/``split``/``attack``
``-``).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from workflow_scripts.io.embeddings import Embeddings, LABEL_NAMES, read_embeddings
from workflow_scripts.cli import non_negative_int
from workflow_scripts.io.files import write_tsv
from workflow_scripts.reporting.figures import class_centroids_2d, plot_tsne, stratified_subsample, tsne_with_means
from workflow_scripts.sampling import class_means

COORD_COLUMNS: tuple[str, ...] = ("point", "dataset", "split", "utt_id", "label", "attack", "correct", "x", "y")


def tsne_table(
    emb: Embeddings,
    *,
    points: str = "interest",
    class_mean: str = "centroid",
    max_points: int = 5000,
    perplexity: float = 30.0,
    seed: int = 0,
    threads: int = 1,
) -> tuple[pd.DataFrame, float]:
    """Coordinate table (see the module docstring) and the perplexity used."""
    if points not in ("interest", "all"):
        raise ValueError(f"points must be 'interest' or 'all', got {points!r}")
    if class_mean not in ("centroid", "embedded"):
        raise ValueError(f"class_mean must be 'centroid' or 'embedded', got {class_mean!r}")
    try:
        means = class_means(emb.embedding, emb.label, emb.interest)
    except ValueError as err:
        raise ValueError(f"{emb.path}: {err}") from None
    pool = np.flatnonzero(emb.interest) if points == "interest" else np.arange(len(emb))
    strata = [f"{emb.label[i]}|{emb.attack[i]}" for i in pool]
    rows = pool[stratified_subsample(strata, max_points, seed)]
    classes = sorted(means)
    dim = emb.embedding.shape[1]
    appended = np.stack([means[k] for k in classes]) if class_mean == "embedded" else np.empty((0, dim))
    xy, mean_xy, used = tsne_with_means(emb.embedding[rows], appended, perplexity=perplexity, seed=seed,
                                        threads=threads)
    if class_mean == "centroid":
        of_interest = emb.interest[rows]
        mean_xy = class_centroids_2d(xy[of_interest], emb.label[rows][of_interest], classes)
    samples = emb.table().iloc[rows].reset_index(drop=True)[list(COORD_COLUMNS[1:7])]
    samples.insert(0, "point", "sample")
    samples["x"], samples["y"] = xy[:, 0], xy[:, 1]
    mean_rows = pd.DataFrame({
        "point": "class_mean",
        "dataset": "-",
        "split": "-",
        "utt_id": [f"class_mean:{LABEL_NAMES[k]}" for k in classes],
        "label": [LABEL_NAMES[k] for k in classes],
        "attack": "-",
        "correct": True,
        "x": mean_xy[:, 0],
        "y": mean_xy[:, 1],
    })
    return pd.concat([samples, mean_rows], ignore_index=True)[list(COORD_COLUMNS)], used


def caption_text(
    table: pd.DataFrame, *, points: str, class_mean: str, n_pool: int, perplexity: float, seed: int, model: str
) -> str:
    """Figure caption stating what is plotted and how, so the PNG stands on its own."""
    samples = table[table["point"] == "sample"]
    counts = ", ".join(f"{k} {v}" for k, v in sorted(samples["label"].value_counts().items()))
    what = "samples of interest (correctly classified)" if points == "interest" else "training samples"
    sub = f"a stratified random subsample of {len(samples)} of {n_pool} " if len(samples) < n_pool else f"all {n_pool} "
    stars = (
        "centre of each class's plotted samples of interest in the map"
        if class_mean == "centroid"
        else "class means (eq. 1 over the samples of interest), computed in embedding space and embedded "
        "together with the points"
    )
    return (
        f"Penultimate embeddings of {sub}{what} ({counts}){' from ' + model if model else ''}; "
        f"openTSNE, perplexity {perplexity:g}, seed {seed}. Stars: {stars}."
    )




def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a positive number, got {text!r}") from None
    if not value > 0 or not np.isfinite(value):
        raise argparse.ArgumentTypeError(f"must be a positive number, got {text!r}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m workflow_scripts.make_figure1", description=__doc__.split("\n")[0])
    parser.add_argument("--embeddings", type=Path, required=True)
    parser.add_argument("--out-png", type=Path, required=True, help="PNG; coordinates go to the same stem + .tsv")
    parser.add_argument("--out-pdf", type=Path, default=None)
    parser.add_argument("--max-points", type=non_negative_int, default=5000, help="stratified subsample size, 0 = all")
    parser.add_argument("--seed", type=non_negative_int, default=0)
    parser.add_argument("--color-by", choices=("label", "attack"), default="label")
    parser.add_argument("--perplexity", type=_positive_float, default=30.0)
    parser.add_argument("--points", choices=("interest", "all"), default="interest",
                        help="plot the samples of interest (default) or every row")
    parser.add_argument("--class-mean", choices=("centroid", "embedded"), default="centroid",
                        help="star at the class's 2-D centre (default) or eq. 1's mean embedded with the points")
    parser.add_argument("--threads", type=lambda t: max(1, non_negative_int(t)), default=1, help="openTSNE n_jobs")
    parser.add_argument("--title", default="", help="figure title")
    parser.add_argument("--dataset", default=None, help="dataset name if the file does not record it")
    parser.add_argument("--split", default=None, help="split if the file does not record it")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        emb = read_embeddings(args.embeddings, dataset=args.dataset, split=args.split)
        table, used = tsne_table(emb, points=args.points, class_mean=args.class_mean, max_points=args.max_points,
                                 perplexity=args.perplexity, seed=args.seed, threads=args.threads)
    except ValueError as err:
        print(f"make_figure1: error: {err}", file=sys.stderr)
        return 2
    n_pool = int(emb.interest.sum()) if args.points == "interest" else len(emb)
    caption = caption_text(table, points=args.points, class_mean=args.class_mean, n_pool=n_pool, perplexity=used,
                           seed=args.seed, model=str(emb.attrs.get("model", "")))
    write_tsv(table, args.out_png.with_suffix(".tsv"))
    plot_tsne(table, args.out_png, args.out_pdf, color_by=args.color_by, title=args.title, caption=caption)
    print(f"make_figure1: {len(table) - int((table['point'] == 'class_mean').sum())} points, "
          f"perplexity {used:g} -> {args.out_png}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
