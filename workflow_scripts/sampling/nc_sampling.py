"""Algorithm 1: neural-collapse (nearest-to-class-mean) sampling.

Per class, the penultimate embeddings of the *samples of interest* (the
training samples the pretrained detector classifies correctly) are averaged
into a class mean (eq. 1); every sample of interest is ranked by its distance
to that mean, and the nearest ones are kept. The threshold is given per class
either as a sampling rate (fraction kept, nearest first) or as a distance.

Decisions (see ``docs/sampling.md``):

* a rate keeps ``round_half_up(rate * n)`` samples (:func:`rate_to_count`);
* ranking is by distance, ties broken by the smaller original index, so the
  result never depends on sort implementation details;
* selected indices are returned in ascending order (stable manifests).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

Metric = Literal["euclidean", "cosine"]
METRICS: tuple[str, ...] = ("euclidean", "cosine")

#: Absorbs float representation error in ``rate * n`` (e.g. 0.15 * 10 is
#: 1.4999999999999998 in binary) so the rounding follows the decimal rate.
_ROUNDING_TOLERANCE = 1e-9


def rate_to_count(n: int, rate: float) -> int:
    """Number of samples a sampling rate keeps out of ``n``: round half up.

    ``rate * n`` is rounded to the nearest integer, halves going up (0.5 of 5
    keeps 3), so a rate of 1 keeps all and a rate of 0 keeps none. Ceil was
    rejected because float error turns 0.3 * 10 into 3.0000000000000004 and
    ceil would then keep 4.
    """
    check_rate(rate)
    if n < 0:
        raise ValueError(f"sample count must be >= 0, got {n}")
    count = math.floor(rate * n + 0.5 + _ROUNDING_TOLERANCE * max(1, n))
    return int(min(max(count, 0), n))


def check_rate(rate: float, what: str = "sampling rate") -> None:
    """Raise ``ValueError`` unless ``rate`` is a finite number in [0, 1]."""
    if not isinstance(rate, (int, float, np.integer, np.floating)) or isinstance(rate, bool):
        raise ValueError(f"{what} must be a number in [0, 1], got {rate!r}")
    if not (math.isfinite(float(rate)) and 0.0 <= float(rate) <= 1.0):
        raise ValueError(f"{what} must be in [0, 1], got {rate!r}")


def max_or_zero(values: np.ndarray) -> float:
    """Largest value, 0 for none: the effective distance threshold of an empty selection."""
    return float(values.max()) if values.size else 0.0


def check_embeddings(embeddings: np.ndarray, name: str = "embeddings") -> np.ndarray:
    """Return ``embeddings`` as a finite float64 (n, d) array or raise ``ValueError``."""
    x = np.asarray(embeddings)
    if x.ndim != 2:
        raise ValueError(f"{name} must be a 2-D array (n, d), got shape {x.shape}")
    if not np.issubdtype(x.dtype, np.number) or np.issubdtype(x.dtype, np.complexfloating):
        raise ValueError(f"{name} must be real numbers, got dtype {x.dtype}")
    x = x.astype(np.float64, copy=False)
    if not np.all(np.isfinite(x)):
        bad = int(np.flatnonzero(~np.all(np.isfinite(x), axis=1))[0])
        raise ValueError(f"{name} contains NaN or inf (first bad row {bad})")
    return x


def check_labels(labels: np.ndarray, n: int, name: str = "labels") -> np.ndarray:
    """Return integer class labels of length ``n`` or raise ``ValueError``."""
    y = np.asarray(labels)
    if y.shape != (n,):
        raise ValueError(f"{name} must have shape ({n},), got {y.shape}")
    if y.dtype == bool or not np.issubdtype(y.dtype, np.integer):
        if (
            np.issubdtype(y.dtype, np.floating)
            and np.all(np.isfinite(y))
            and np.all(y == np.round(y))
        ):
            return y.astype(np.int64)
        raise ValueError(f"{name} must be integers (1 bonafide / 0 spoof), got dtype {y.dtype}")
    return y.astype(np.int64, copy=False)


def check_mask(mask: np.ndarray | None, n: int, name: str = "interest") -> np.ndarray:
    """Return a boolean mask of length ``n`` (all True when ``mask`` is None)."""
    if mask is None:
        return np.ones(n, dtype=bool)
    m = np.asarray(mask)
    if m.shape != (n,):
        raise ValueError(f"{name} mask must have shape ({n},), got {m.shape}")
    if m.dtype != bool:
        raise ValueError(f"{name} mask must be boolean, got dtype {m.dtype}")
    return m


def distances_to_mean(
    embeddings: np.ndarray, mean: np.ndarray, metric: Metric = "euclidean"
) -> np.ndarray:
    """Distance of every row of ``embeddings`` to one ``mean`` vector.

    ``euclidean`` is ``||f - mu||`` computed from the difference (not the
    expanded dot products), so equal geometric distances compare equal.
    ``cosine`` is ``1 - cos(f, mu)`` in [0, 2]; a zero vector has no
    direction and is given distance 1 (orthogonal) rather than NaN.
    """
    x = np.asarray(embeddings, dtype=np.float64)
    mu = np.asarray(mean, dtype=np.float64)
    if metric == "euclidean":
        return np.sqrt(np.sum((x - mu) ** 2, axis=1))
    if metric == "cosine":
        norms = np.linalg.norm(x, axis=1) * np.linalg.norm(mu)
        dots = x @ mu
        cos = np.divide(dots, norms, out=np.zeros_like(dots), where=norms > 0)
        return np.clip(1.0 - cos, 0.0, 2.0)
    raise ValueError(f"unknown metric {metric!r}; expected one of {METRICS}")


def class_means(
    embeddings: np.ndarray, labels: np.ndarray, interest: np.ndarray | None = None
) -> dict[int, np.ndarray]:
    """Eq. 1: mean embedding of each class over the samples of interest.

    Classes are those present in ``labels``; a class with no sample of
    interest has no mean, which is an error naming the class.
    """
    x = check_embeddings(embeddings)
    y = check_labels(labels, x.shape[0])
    keep = check_mask(interest, x.shape[0])
    means: dict[int, np.ndarray] = {}
    for k in np.unique(y).tolist():
        rows = keep & (y == k)
        if not rows.any():
            raise ValueError(f"class {k} has no samples of interest; cannot compute its class mean")
        means[int(k)] = x[rows].mean(axis=0)
    return means


def distances_to_means(
    embeddings: np.ndarray,
    labels: np.ndarray,
    means: Mapping[int, np.ndarray],
    metric: Metric = "euclidean",
) -> np.ndarray:
    """Distance of every sample to the mean of its own class, shape (n,)."""
    x = check_embeddings(embeddings)
    y = check_labels(labels, x.shape[0])
    out = np.empty(x.shape[0], dtype=np.float64)
    for k in np.unique(y).tolist():
        if k not in means:
            raise ValueError(f"no class mean given for class {k}")
        rows = y == k
        out[rows] = distances_to_mean(x[rows], means[k], metric)
    return out


def rank_nearest_first(distances: np.ndarray, indices: np.ndarray) -> np.ndarray:
    """Positions that order samples by distance, ties by smaller index (Algorithm 1, step 3)."""
    return np.lexsort((np.asarray(indices), np.asarray(distances)))


def keep_count(
    sorted_distances: np.ndarray,
    *,
    rate: float | None = None,
    distance_threshold: float | None = None,
) -> int:
    """How many of the nearest-first samples a threshold keeps (Algorithm 1, step 4).

    Exactly one of ``rate`` (fraction, see :func:`rate_to_count`) or
    ``distance_threshold`` (keep ``d <= threshold``) must be given.
    """
    if (rate is None) == (distance_threshold is None):
        raise ValueError("give exactly one of a sampling rate or a distance threshold")
    d = np.asarray(sorted_distances)
    if rate is not None:
        return rate_to_count(d.shape[0], rate)
    thr = float(distance_threshold)  # type: ignore[arg-type]
    if math.isnan(thr):
        raise ValueError("distance threshold must not be NaN")
    return int(np.searchsorted(d, thr, side="right"))


@dataclass(frozen=True)
class NCSample:
    """Result of Algorithm 1.

    ``selected`` holds indices into the original arrays in ascending order;
    ``ranked[k]`` holds the indices of class ``k``'s samples of interest
    nearest first, with ``ranked_distances[k]`` aligned to it; the first
    ``counts[k]`` of ``ranked[k]`` are the ones kept.
    """

    selected: np.ndarray
    means: dict[int, np.ndarray]
    ranked: dict[int, np.ndarray]
    ranked_distances: dict[int, np.ndarray]
    counts: dict[int, int]
    metric: str

    @property
    def n_interest(self) -> dict[int, int]:
        """Number of samples of interest per class."""
        return {k: int(v.shape[0]) for k, v in self.ranked.items()}

    def table(self) -> pd.DataFrame:
        """One row per sample of interest: index, label, rank (0 = nearest), distance, selected."""
        parts = []
        for k in sorted(self.ranked):
            idx = self.ranked[k]
            parts.append(
                pd.DataFrame(
                    {
                        "index": idx.astype(np.int64),
                        "label": np.full(idx.shape[0], k, dtype=np.int64),
                        "rank": np.arange(idx.shape[0], dtype=np.int64),
                        "distance": self.ranked_distances[k],
                        "selected": np.arange(idx.shape[0]) < self.counts[k],
                    }
                )
            )
        if not parts:
            return pd.DataFrame(columns=["index", "label", "rank", "distance", "selected"])
        return pd.concat(parts, ignore_index=True)


def _thresholds_per_class(
    classes: list[int],
    rates: Mapping[int, float] | None,
    distance_thresholds: Mapping[int, float] | None,
) -> dict[int, tuple[float | None, float | None]]:
    """Pair every class with exactly one (rate, distance threshold) rule."""
    rates = dict(rates or {})
    thresholds = dict(distance_thresholds or {})
    both = sorted(set(rates) & set(thresholds))
    if both:
        raise ValueError(f"class(es) {both} have both a rate and a distance threshold; give one")
    unknown = sorted((set(rates) | set(thresholds)) - set(classes))
    if unknown:
        raise ValueError(
            f"rule given for class(es) {unknown} that do not occur in labels {classes}"
        )
    rules: dict[int, tuple[float | None, float | None]] = {}
    for k in classes:
        if k in rates:
            check_rate(rates[k], f"sampling rate for class {k}")
            rules[k] = (float(rates[k]), None)
        elif k in thresholds:
            thr = float(thresholds[k])
            if math.isnan(thr):
                raise ValueError(f"distance threshold for class {k} is NaN")
            rules[k] = (None, thr)
        else:
            raise ValueError(f"no sampling rate or distance threshold given for class {k}")
    return rules


def nc_sample(
    embeddings: np.ndarray,
    labels: np.ndarray,
    interest: np.ndarray | None = None,
    *,
    rates: Mapping[int, float] | None = None,
    distance_thresholds: Mapping[int, float] | None = None,
    metric: Metric = "euclidean",
) -> NCSample:
    """Algorithm 1: keep, per class, the samples of interest nearest to the class mean.

    Every class in ``labels`` needs a rule: a rate in ``rates`` or a distance
    in ``distance_thresholds`` (not both). Samples outside ``interest`` are
    never ranked or selected and do not enter the class means.
    """
    if metric not in METRICS:
        raise ValueError(f"unknown metric {metric!r}; expected one of {METRICS}")
    x = check_embeddings(embeddings)
    y = check_labels(labels, x.shape[0])
    keep = check_mask(interest, x.shape[0])
    classes = [int(k) for k in np.unique(y).tolist()]
    rules = _thresholds_per_class(classes, rates, distance_thresholds)
    means = class_means(x, y, keep)

    ranked: dict[int, np.ndarray] = {}
    ranked_d: dict[int, np.ndarray] = {}
    counts: dict[int, int] = {}
    chosen: list[np.ndarray] = []
    for k in classes:
        idx = np.flatnonzero(keep & (y == k))
        d = distances_to_mean(x[idx], means[k], metric)
        order = rank_nearest_first(d, idx)
        ranked[k], ranked_d[k] = idx[order], d[order]
        rate, thr = rules[k]
        counts[k] = keep_count(ranked_d[k], rate=rate, distance_threshold=thr)
        chosen.append(ranked[k][: counts[k]])
    selected = np.sort(np.concatenate(chosen)) if chosen else np.empty(0, dtype=np.int64)
    return NCSample(
        selected=selected.astype(np.int64),
        means=means,
        ranked=ranked,
        ranked_distances=ranked_d,
        counts=counts,
        metric=metric,
    )
