"""Neural-collapse diagnostics on penultimate embeddings.

How collapsed the classes are tells whether nearest-to-mean sampling
(Algorithm 1) is meaningful: in a collapsed class the distance to the mean
ranks samples by how typical they are. Arrays in, numbers and tables out
(:func:`embedding_diagnostics` takes an embedding file's arrays); plotting is
the reporting layer's job.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from workflow_scripts.io.embeddings import LABEL_NAMES, Embeddings

from .nc_sampling import (
    Metric,
    check_embeddings,
    check_labels,
    check_mask,
    class_means,
    distances_to_means,
    max_or_zero,
)

DEFAULT_QUANTILES: tuple[float, ...] = (0.0, 0.05, 0.25, 0.5, 0.75, 0.95, 1.0)


def _classes_and_means(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    classes = np.unique(y)
    if classes.shape[0] < 2:
        raise ValueError(
            f"need at least two classes for a collapse measure, got {classes.tolist()}"
        )
    means = np.stack([x[y == k].mean(axis=0) for k in classes])
    return classes, means


def _within_centred(
    x: np.ndarray, y: np.ndarray, classes: np.ndarray, means: np.ndarray
) -> np.ndarray:
    centred = np.empty_like(x)
    for k, mu in zip(classes, means, strict=True):
        rows = y == k
        centred[rows] = x[rows] - mu
    return centred


def nc1(embeddings: np.ndarray, labels: np.ndarray, interest: np.ndarray | None = None) -> float:
    """NC1 variability-collapse measure ``trace(Sigma_W @ pinv(Sigma_B)) / K`` (Papyan et al. 2020).

    ``Sigma_W`` is the within-class covariance averaged over all samples;
    ``Sigma_B`` is the covariance of the K class means around their
    unweighted average (so a 1:9 class imbalance does not shrink it). The
    pseudo-inverse is taken through the SVD of the K centred means, which is
    exact for the rank-(K-1) ``Sigma_B`` and never forms a d x d inverse.
    Smaller means more collapsed; it tends to 0 at full collapse.
    """
    x = check_embeddings(embeddings)
    y = check_labels(labels, x.shape[0])
    keep = check_mask(interest, x.shape[0])
    x, y = x[keep], y[keep]
    classes, means = _classes_and_means(x, y)
    centred_means = means - means.mean(axis=0)
    _, s, vt = np.linalg.svd(centred_means, full_matrices=False)
    if s[0] <= 0:
        raise ValueError("all class means coincide; between-class covariance is zero")
    rank = s > s[0] * 1e-10
    # trace(Sigma_W Sigma_B^+)/K = sum_j (v_j^T Sigma_W v_j) / s_j^2 with Sigma_B = M^T M / K.
    projected = _within_centred(x, y, classes, means) @ vt[rank].T
    within_along = np.mean(projected**2, axis=0)
    return float(np.sum(within_along / s[rank] ** 2))


def nc1_per_class(
    embeddings: np.ndarray, labels: np.ndarray, interest: np.ndarray | None = None
) -> dict[int, float]:
    """Each class's share of :func:`nc1`: ``trace(Sigma_W^c @ pinv(Sigma_B))`` per class ``c``.

    ``Sigma_W^c`` is class ``c``'s own covariance, measured in the same between-class basis as
    :func:`nc1`, so the class-size weighted mean of the values is :func:`nc1` itself. It tells
    *which* class collapsed: a spoof class far below the bonafide one is a detector that has
    merged its attacks into one point, leaving Algorithm 2 nothing to cluster.
    """
    x = check_embeddings(embeddings)
    y = check_labels(labels, x.shape[0])
    keep = check_mask(interest, x.shape[0])
    x, y = x[keep], y[keep]
    classes, means = _classes_and_means(x, y)
    _, s, vt = np.linalg.svd(means - means.mean(axis=0), full_matrices=False)
    if s[0] <= 0:
        raise ValueError("all class means coincide; between-class covariance is zero")
    rank = s > s[0] * 1e-10
    projected = _within_centred(x, y, classes, means) @ vt[rank].T
    per_row = np.sum(projected**2 / s[rank] ** 2, axis=1)
    return {int(c): float(per_row[y == c].mean()) for c in classes}


def within_between_ratio(
    embeddings: np.ndarray, labels: np.ndarray, interest: np.ndarray | None = None
) -> float:
    """Mean squared distance of a sample to its class mean over mean squared distance between
    class means.

    A simpler, basis-free companion to :func:`nc1`: the between term is
    averaged over all pairs of classes.
    """
    x = check_embeddings(embeddings)
    y = check_labels(labels, x.shape[0])
    keep = check_mask(interest, x.shape[0])
    x, y = x[keep], y[keep]
    classes, means = _classes_and_means(x, y)
    within = float(np.mean(np.sum(_within_centred(x, y, classes, means) ** 2, axis=1)))
    diffs = means[:, None, :] - means[None, :, :]
    pair = np.triu_indices(classes.shape[0], k=1)
    between = float(np.mean(np.sum(diffs**2, axis=2)[pair]))
    if between <= 0:
        raise ValueError("all class means coincide; between-class distance is zero")
    return within / between


def collapse_metrics(
    embeddings: np.ndarray, labels: np.ndarray, interest: np.ndarray | None = None
) -> dict[str, float]:
    """Both collapse measures plus the class-mean distance, for one summary row."""
    x = check_embeddings(embeddings)
    y = check_labels(labels, x.shape[0])
    keep = check_mask(interest, x.shape[0])
    _, means = _classes_and_means(x[keep], y[keep])
    gaps = np.linalg.norm(means[:, None, :] - means[None, :, :], axis=2)
    pair = np.triu_indices(means.shape[0], k=1)
    return {
        "nc1": nc1(x, y, keep),
        "within_between_ratio": within_between_ratio(x, y, keep),
        "mean_class_mean_distance": float(np.mean(gaps[pair])),
        "n": int(keep.sum()),
    }


def quantile_column(q: float) -> str:
    """Column name for a quantile: ``min``, ``max``, ``median`` or ``q05``-style."""
    if q == 0.0:
        return "min"
    if q == 1.0:
        return "max"
    if q == 0.5:
        return "median"
    return f"q{round(q * 100):02d}" if abs(q * 100 - round(q * 100)) < 1e-9 else f"q{q:g}"


def distance_summary(
    distances: np.ndarray,
    labels: np.ndarray,
    quantiles: Sequence[float] = DEFAULT_QUANTILES,
    selected: np.ndarray | None = None,
) -> pd.DataFrame:
    """Per-class distribution of distances to the class mean (one row per class).

    Columns: ``label, n, mean, std`` and one per quantile. With a boolean
    ``selected`` mask, ``n_selected`` and ``max_selected`` (the effective
    distance threshold, 0 when nothing is kept) are added.
    """
    d = np.asarray(distances, dtype=np.float64)
    if d.ndim != 1 or not np.all(np.isfinite(d)):
        raise ValueError("distances must be a finite 1-D array")
    y = check_labels(labels, d.shape[0])
    sel = None if selected is None else check_mask(selected, d.shape[0], "selected")
    qs = [float(q) for q in quantiles]
    if any(not 0.0 <= q <= 1.0 for q in qs):
        raise ValueError(f"quantiles must lie in [0, 1], got {qs}")
    rows = []
    for k in np.unique(y).tolist():
        dk = d[y == k]
        row: dict[str, float | int] = {
            "label": int(k),
            "n": int(dk.shape[0]),
            "mean": float(dk.mean()),
        }
        row["std"] = float(dk.std())
        for q, v in zip(qs, np.quantile(dk, qs), strict=True):
            row[quantile_column(q)] = float(v)
        if sel is not None:
            kept = d[(y == k) & sel]
            row["n_selected"] = int(kept.shape[0])
            row["max_selected"] = max_or_zero(kept)
        rows.append(row)
    return pd.DataFrame(rows)


def embedding_diagnostics(
    emb: Embeddings, metric: Metric = "euclidean"
) -> tuple[dict[str, Any], pd.DataFrame, dict[str, np.ndarray]]:
    """Collapse measures of the samples of interest, as Algorithm 1 sees them.

    Returns the JSON content (:func:`collapse_metrics`, always Euclidean, plus
    ``n_interest``/``n_total`` per class, ``accuracy`` (share of correct
    rows), ``metric``, the file and model, and the per-class distance summary
    under ``distances``), the :func:`distance_summary` table of distances to
    the class mean in ``metric`` (``label`` as bonafide/spoof, bonafide
    first) and those distances per class name (for the histogram).
    """
    interest = emb.interest
    try:
        collapse = collapse_metrics(emb.embedding, emb.label, interest)
        means = class_means(emb.embedding, emb.label, interest)
    except ValueError as err:
        raise ValueError(f"{emb.path}: {err}") from None
    x, y = emb.embedding[interest], emb.label[interest]
    d = distances_to_means(x, y, means, metric)
    summary = distance_summary(d, y)
    summary["label"] = [LABEL_NAMES[int(k)] for k in summary["label"]]
    summary = summary.sort_values("label", kind="stable").reset_index(drop=True)
    per_class = {LABEL_NAMES[k]: d[y == k] for k in sorted(LABEL_NAMES) if np.any(y == k)}
    result: dict[str, Any] = {
        **collapse,
        "n_interest": emb.counts_per_class(interest),
        "n_total": emb.counts_per_class(),
        "accuracy": float(interest.mean()),
        "metric": metric,
        "embeddings": str(emb.path),
        "model": emb.attrs.get("model", ""),
        "distances": {
            row["label"]: {k: v for k, v in row.items() if k != "label"}
            for row in summary.to_dict("records")
        },
    }
    return result, summary, per_class
