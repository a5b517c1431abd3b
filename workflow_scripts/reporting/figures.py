"""Experiment 2 figures: t-SNE of penultimate embeddings (Figure 1) and distance-to-mean
histograms.

* :func:`stratified_subsample` - seeded subsample that keeps every stratum's share;
* :func:`tsne_with_means` - 2-D openTSNE map of points, optionally with the class means
  embedded alongside;
* :func:`class_centroids_2d` - the 2-D centre of each class in the map;
* :func:`tsne_table` - the Figure 1 coordinate table (samples and class means);
* :func:`caption_text` - the Figure 1 caption; :func:`figure1_table` - table and caption;
* :func:`plot_tsne` - the Figure 1 scatter (PNG and PDF);
* :func:`plot_distance_distributions` - bonafide vs spoof distance to the class mean.

Class means in Figure 1 (two ways, ``make_figure1 --class-mean``):

* ``centroid`` (default): the star is the average of the 2-D coordinates of
  the class's plotted samples of interest, i.e. the visual centre of the
  class in the map. t-SNE has no exact image of a point that is not mapped,
  so this is the centre of the picture, not the image of eq. 1's mean.
* ``embedded``: eq. 1's mean (embedding space, over the samples of
  interest, as Algorithm 1 uses it) is appended to the points *before*
  t-SNE. It then lands beside the samples nearest to it, the ones
  Algorithm 1 keeps first. We did not make this the default: in high
  dimension the mean is far from being a typical sample (all samples are at
  nearly the same distance from it), and on a synthetic isotropic 128-D
  class (25k points) the star landed near the rim of its cluster, which a
  reader would take for an off-centre mean.

Figures are drawn and written with :mod:`workflow_scripts.reporting.plotting`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from workflow_scripts.io.embeddings import LABEL_NAMES, Embeddings
from workflow_scripts.reporting.plotting import figure, plt, save_figure
from workflow_scripts.sampling.nc_sampling import class_means
from workflow_scripts.sampling.random_draws import derive_seed, rng_for

#: Colours of the two classes (colour-blind safe pair).
CLASS_COLOURS: dict[str, str] = {"bonafide": "#1f77b4", "spoof": "#d62728"}
#: Fewest points (means included) t-SNE is run on; below this a 2-D map says nothing.
MIN_TSNE_POINTS = 5
#: Columns of the Figure 1 coordinate table (written next to the PNG as ``.tsv``).
COORD_COLUMNS: tuple[str, ...] = (
    "point",
    "dataset",
    "split",
    "utt_id",
    "label",
    "attack",
    "correct",
    "x",
    "y",
)


def stratified_subsample(
    strata: Sequence[object] | np.ndarray, max_points: int, seed: int
) -> np.ndarray:
    """Ascending indices of a seeded subsample of at most ``max_points`` rows, stratified by
    ``strata``.

    Each stratum gets its share ``size * max_points / n`` rounded down, and
    the rows left over go to the strata with the largest fractional shares
    (ties to the first stratum in sorted order), so the total is exactly
    ``max_points`` and every share is within one of proportional.
    ``max_points <= 0`` or ``>= n`` keeps all rows. Each stratum has its own
    random stream keyed by its name.
    """
    keys = np.asarray([str(s) for s in strata], dtype=object)
    n = keys.shape[0]
    if max_points <= 0 or max_points >= n:
        return np.arange(n, dtype=np.int64)
    names, inverse, sizes = np.unique(keys, return_inverse=True, return_counts=True)
    quota = sizes * (max_points / n)
    take = np.floor(quota).astype(np.int64)
    leftover = int(max_points - take.sum())
    order = np.lexsort((np.arange(names.shape[0]), -(quota - take)))
    take[order[:leftover]] += 1
    chosen = []
    for j, name in enumerate(names.tolist()):
        members = np.flatnonzero(inverse == j)
        rng = rng_for(seed, "figure1_subsample", name)
        chosen.append(rng.choice(members, size=int(take[j]), replace=False))
    return np.sort(np.concatenate(chosen)).astype(np.int64)


def effective_perplexity(n_points: int, perplexity: float) -> float:
    """Perplexity clipped to ``(n - 1) / 3`` so the 3 * perplexity neighbours exist."""
    if perplexity <= 0:
        raise ValueError(f"perplexity must be positive, got {perplexity}")
    return float(min(perplexity, (n_points - 1) / 3.0))


def tsne_with_means(
    points: np.ndarray,
    means: np.ndarray,
    *,
    perplexity: float = 30.0,
    seed: int = 0,
    threads: int = 1,
) -> tuple[np.ndarray, np.ndarray, float]:
    """2-D t-SNE (openTSNE, PCA initialisation) of ``points`` with ``means`` appended
    (``means`` may have 0 rows).

    Returns (point coordinates (n, 2), mean coordinates (k, 2), the
    perplexity used). The random state is derived from ``seed``.
    """
    from openTSNE import TSNE  # heavy import, only needed here

    x = np.concatenate([np.asarray(points, dtype=np.float64), np.asarray(means, dtype=np.float64)])
    if x.shape[0] < MIN_TSNE_POINTS:
        raise ValueError(
            f"t-SNE needs at least {MIN_TSNE_POINTS} points (means included), got {x.shape[0]}"
        )
    used = effective_perplexity(x.shape[0], perplexity)
    tsne = TSNE(
        n_components=2,
        perplexity=used,
        initialization="pca",
        metric="euclidean",
        n_jobs=max(1, int(threads)),
        random_state=derive_seed(seed, "tsne"),
        verbose=False,
    )
    coords = np.asarray(tsne.fit(x), dtype=np.float64)
    if not np.all(np.isfinite(coords)):
        raise ValueError("t-SNE produced non-finite coordinates")
    n = np.asarray(points).shape[0]
    return coords[:n], coords[n:], used


def class_centroids_2d(
    coords: np.ndarray, labels: np.ndarray, classes: Sequence[int]
) -> np.ndarray:
    """Average 2-D position of each class in ``classes`` (rows of ``coords`` with that label),
    shape (k, 2)."""
    xy = np.asarray(coords, dtype=np.float64)
    y = np.asarray(labels)
    out = []
    for k in classes:
        rows = y == k
        if not rows.any():
            raise ValueError(f"class {k} has no plotted point to centre its mean on")
        out.append(xy[rows].mean(axis=0))
    return np.stack(out) if out else np.empty((0, 2))


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
    """Figure 1's coordinate table (:data:`COORD_COLUMNS`) and the perplexity used.

    One row per plotted sample (``point`` ``sample``: the samples of interest,
    or every row with ``points="all"``, subsampled by (label, attack)), then
    one per class mean (``point`` ``class_mean``, ``utt_id``
    ``class_mean:<label>``, ``dataset``/``split``/``attack`` ``-``), placed as
    ``class_mean`` says (module docstring).
    """
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
    appended = (
        np.stack([means[k] for k in classes]) if class_mean == "embedded" else np.empty((0, dim))
    )
    xy, mean_xy, used = tsne_with_means(
        emb.embedding[rows], appended, perplexity=perplexity, seed=seed, threads=threads
    )
    if class_mean == "centroid":
        of_interest = emb.interest[rows]
        mean_xy = class_centroids_2d(xy[of_interest], emb.label[rows][of_interest], classes)
    samples = emb.table().iloc[rows].reset_index(drop=True)[list(COORD_COLUMNS[1:7])]
    samples.insert(0, "point", "sample")
    samples["x"], samples["y"] = xy[:, 0], xy[:, 1]
    mean_rows = pd.DataFrame(
        {
            "point": "class_mean",
            "dataset": "-",
            "split": "-",
            "utt_id": [f"class_mean:{LABEL_NAMES[k]}" for k in classes],
            "label": [LABEL_NAMES[k] for k in classes],
            "attack": "-",
            "correct": True,
            "x": mean_xy[:, 0],
            "y": mean_xy[:, 1],
        }
    )
    return pd.concat([samples, mean_rows], ignore_index=True)[list(COORD_COLUMNS)], used


def caption_text(
    table: pd.DataFrame,
    *,
    points: str,
    class_mean: str,
    n_pool: int,
    perplexity: float,
    seed: int,
    model: str,
) -> str:
    """Figure caption stating what is plotted and how, so the PNG stands on its own."""
    samples = table[table["point"] == "sample"]
    counts = ", ".join(f"{k} {v}" for k, v in sorted(samples["label"].value_counts().items()))
    what = (
        "samples of interest (correctly classified)" if points == "interest" else "training samples"
    )
    sub = (
        f"a stratified random subsample of {len(samples)} of {n_pool} "
        if len(samples) < n_pool
        else f"all {n_pool} "
    )
    stars = (
        "centre of each class's plotted samples of interest in the map"
        if class_mean == "centroid"
        else "class means (eq. 1 over the samples of interest), computed in embedding space and "
        "embedded together with the points"
    )
    return (
        f"Penultimate embeddings of {sub}{what} ({counts}){' from ' + model if model else ''}; "
        f"openTSNE, perplexity {perplexity:g}, seed {seed}. Stars: {stars}."
    )


def figure1_table(
    emb: Embeddings,
    *,
    points: str = "interest",
    class_mean: str = "centroid",
    seed: int = 0,
    **tsne_options: Any,
) -> tuple[pd.DataFrame, str, float]:
    """Figure 1's coordinate table (:func:`tsne_table`; ``tsne_options``: ``max_points``,
    ``perplexity``, ``threads``), its caption and the perplexity used."""
    table, used = tsne_table(
        emb, points=points, class_mean=class_mean, seed=seed, **tsne_options
    )
    n_pool = int(emb.interest.sum()) if points == "interest" else len(emb)
    caption = caption_text(
        table,
        points=points,
        class_mean=class_mean,
        n_pool=n_pool,
        perplexity=used,
        seed=seed,
        model=str(emb.attrs.get("model", "")),
    )
    return table, caption, used


def _group_colours(groups: Sequence[str], by: str) -> dict[str, object]:
    """Class colours; by attack, bonafide keeps its class colour and attacks take distinct
    non-blue colours."""
    if by == "label":
        return {g: CLASS_COLOURS.get(g, "grey") for g in groups}
    tab10, tab20 = plt.get_cmap("tab10"), plt.get_cmap("tab20")
    # tab10 without the class blue (0) and red (3), then the light tab20 shades for more than 8
    palette = [tab10(i) for i in (1, 2, 4, 5, 6, 7, 8, 9)] + [tab20(i) for i in range(3, 20, 2)]
    attacks = [g for g in groups if g != "bonafide"]
    colours: dict[str, object] = {g: palette[i % len(palette)] for i, g in enumerate(attacks)}
    colours["bonafide"] = CLASS_COLOURS["bonafide"]
    return colours


def plot_tsne(
    coords: pd.DataFrame,
    png_path: str | os.PathLike[str],
    pdf_path: str | os.PathLike[str] | None = None,
    *,
    color_by: str = "label",
    title: str = "",
    caption: str = "",
) -> None:
    """Figure 1 scatter from a coordinate table (columns ``point, label, attack, x, y``).

    Rows with ``point == "class_mean"`` are drawn as large stars in their
    class colour; the others are the samples, coloured by ``label`` or
    ``attack`` and drawn largest group first so a minority stays visible.
    Sample markers are rasterised so the PDF stays small with 25k points.
    """
    missing = [c for c in ("point", "label", "attack", "x", "y") if c not in coords.columns]
    if missing:
        raise ValueError(f"coordinate table lacks column(s) {missing}")
    if color_by not in ("label", "attack"):
        raise ValueError(f"color_by must be 'label' or 'attack', got {color_by!r}")
    samples = coords[coords["point"] != "class_mean"]
    means = coords[coords["point"] == "class_mean"]
    key = samples[color_by].astype(str)
    if color_by == "attack":  # bonafide rows carry attack "-"
        key = key.where(samples["label"] != "bonafide", "bonafide")
    sizes = key.value_counts()
    groups = sorted(sizes.index.tolist(), key=lambda g: (-int(sizes[g]), g))
    colours = _group_colours(sorted(groups), color_by)
    with figure(figsize=(6.4, 5.6)) as (fig, ax):
        marker_size = 3.0 if len(samples) > 2000 else 12.0
        for g in groups:
            rows = samples[key == g]
            ax.scatter(
                rows["x"],
                rows["y"],
                s=marker_size,
                alpha=0.6,
                linewidths=0,
                color=colours[g],
                label=f"{g} (n={len(rows)})",
                rasterized=True,
            )
        for row in means.itertuples(index=False):
            ax.scatter(
                [row.x],
                [row.y],
                s=260,
                marker="*",
                color=CLASS_COLOURS.get(row.label, "black"),
                edgecolors="black",
                linewidths=1.0,
                zorder=5,
                label=f"{row.label} class mean",
            )
        ax.set_xlabel("t-SNE 1")
        ax.set_ylabel("t-SNE 2")
        ax.set_xticks([])
        ax.set_yticks([])
        legend = ax.legend(loc="best", fontsize=7, frameon=True, framealpha=0.8)
        for handle, text in zip(legend.legend_handles, legend.get_texts(), strict=False):
            if handle is not None and hasattr(handle, "set_sizes"):
                handle.set_sizes([90.0 if text.get_text().endswith("class mean") else 16.0])
                handle.set_alpha(1.0)
        if title:
            ax.set_title(title)
        fig.subplots_adjust(
            left=0.05, right=0.97, top=0.93 if title else 0.97, bottom=0.16 if caption else 0.05
        )
        if caption:
            fig.text(0.02, 0.015, caption, fontsize=6.5, wrap=True, va="bottom", ha="left")
        save_figure(fig, png_path, dpi=150)
        if pdf_path is not None:
            save_figure(fig, pdf_path, dpi=300, fmt="pdf")


def plot_distance_distributions(
    distances: Mapping[str, np.ndarray],
    path: str | os.PathLike[str],
    *,
    metric: str = "euclidean",
    bins: int = 50,
    title: str = "",
) -> None:
    """Histogram of each class's distance to its own class mean, on shared bins.

    ``distances`` maps a class name to its distances. Densities, not counts,
    are drawn because the classes are imbalanced (about 1:9 in ASVspoof
    2019 LA); a dashed line marks each class median.
    """
    if not distances:
        raise ValueError("no distances to plot")
    values = {k: np.asarray(v, dtype=np.float64) for k, v in distances.items()}
    pooled = np.concatenate(list(values.values()))
    if pooled.size == 0 or not np.all(np.isfinite(pooled)):
        raise ValueError("distances must be finite and not all empty")
    lo, hi = float(pooled.min()), float(pooled.max())
    edges = np.linspace(lo, hi if hi > lo else lo + 1.0, bins + 1)
    with figure(figsize=(6.0, 3.6), constrained_layout=True) as (fig, ax):
        for name, d in values.items():
            if d.size == 0:
                continue
            colour = CLASS_COLOURS.get(name)
            ax.hist(
                d, bins=edges, density=True, alpha=0.5, color=colour, label=f"{name} (n={d.size})"
            )
            ax.axvline(float(np.median(d)), color=colour, linestyle="--", linewidth=1)
        ax.set_xlabel(f"{metric} distance to class mean")
        ax.set_ylabel("density")
        ax.legend(frameon=False)
        ax.grid(alpha=0.3)
        if title:
            ax.set_title(title)
        save_figure(fig, path, dpi=120)
