"""Method-versus-control differences: paired bootstrap plus training-seed variation.

A comparison holds the scores of a *method* (one score vector per training
seed) and of a *control* (its own seeds) on the **same** evaluation
utterances. The difference of a metric is the mean over the method's seeds
minus the mean over the control's seeds. Its variance adds the test-set part,
from a bootstrap with one draw for both sides (paired) that resamples whole
speakers where the manifest names them and utterances by class elsewhere
(``metrics.resampling``), and the training-seed part, from the spread between
seeds, and removes the per-utterance model noise both of them hold
(:func:`combined_variance`). ``docs/metrics.md`` states the procedure, why
resampling seeds and utterances together would count that noise twice, and
the limits (one seed per side sees no training variation).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import t as student_t

from workflow_scripts.metrics.eer import eer_roc_from_groups
from workflow_scripts.metrics.ranking import (
    TieGroups,
    _tie_groups_unchecked,
    paper_map_from_groups,
)
from workflow_scripts.metrics.report import table_arrays
from workflow_scripts.metrics.resampling import ResamplingUnits, resampling_units

#: Metrics a comparison can test, by their key in the metric files.
COMPARISON_METRICS: dict[str, Callable[[TieGroups], float]] = {
    "eer_roc": eer_roc_from_groups,
    "map": paper_map_from_groups,
}


@dataclass(frozen=True)
class Difference:
    """One metric's method-minus-control difference with its interval and p-value."""

    metric: str
    method_value: float
    control_value: float
    difference: float
    low: float
    high: float
    p_value: float


def utterance_order(table: pd.DataFrame) -> np.ndarray:
    """The row order :func:`align_score_tables` puts a score table in (by ``utt_id``)."""
    return np.argsort(table["utt_id"].astype(str).to_numpy(), kind="stable")


def align_score_tables(
    tables: Mapping[str, pd.DataFrame],
) -> tuple[list[np.ndarray], np.ndarray]:
    """Scores of every table in one utterance order, and the shared labels.

    ``tables`` maps a name (the file it came from) to a score table. All must
    hold the same ``utt_id`` set with the same labels, else the comparison
    would not be paired; the error names the first table that differs.
    """
    if not tables:
        raise ValueError("no score tables to align")
    names = list(tables)
    reference_ids: np.ndarray | None = None
    reference_labels: np.ndarray | None = None
    scores: list[np.ndarray] = []
    for name in names:
        table = tables[name]
        try:
            values, labels, _ = table_arrays(table)
        except ValueError as exc:
            raise ValueError(f"{name}: {exc}") from None
        order = utterance_order(table)
        ids, labels = table["utt_id"].astype(str).to_numpy()[order], labels[order]
        if reference_ids is None or reference_labels is None:
            reference_ids, reference_labels = ids, labels
        else:
            missing = np.setdiff1d(reference_ids, ids)
            extra = np.setdiff1d(ids, reference_ids)
            if missing.size or extra.size:
                example = (missing if missing.size else extra)[0]
                raise ValueError(
                    f"{name}: not scored on the same utterances as {names[0]} "
                    f"({missing.size} missing, {extra.size} extra, e.g. {str(example)!r})"
                )
            changed = np.flatnonzero(labels != reference_labels)
            if changed.size:
                raise ValueError(
                    f"{name}: label of {str(ids[changed[0]])!r} differs from {names[0]}"
                )
        scores.append(values[order])
    assert reference_labels is not None
    return scores, reference_labels


def _seed_metrics(
    rows: np.ndarray, labels: np.ndarray, fns: Sequence[Callable[[TieGroups], float]]
) -> np.ndarray:
    """(seeds, metrics) values of every seed's scores ``rows`` against ``labels``."""
    out = np.empty((rows.shape[0], len(fns)), dtype=np.float64)
    for j, row in enumerate(rows):
        groups = _tie_groups_unchecked(row, labels)
        out[j] = [fn(groups) for fn in fns]
    return out


def combined_variance(
    seed_metrics: Sequence[np.ndarray], replicates: Sequence[np.ndarray]
) -> tuple[float, float]:
    """Variance of the method-minus-control difference, and its degrees of freedom.

    ``seed_metrics[side]`` holds each seed's metric on the evaluation set (method side
    first), ``replicates[side]`` the same per utterance resample, shape
    ``(resamples, seeds)``. Three parts, for seeds crossed with utterances:

    - the spread between seeds (``s^2 / k`` per side): training-run variation, which on
      a fixed test set also holds each model's own per-utterance errors;
    - the spread of the difference over utterance resamples with the seeds fixed:
      test-set variation, which holds the same per-utterance errors again;
    - that overlap, estimated from how each seed's metric moves around its side's mean
      over the resamples, and subtracted once.

    Returns ``(variance, degrees of freedom)``; the degrees of freedom follow
    Welch-Satterthwaite from the seed part (infinite without one).
    """
    seed_part, overlap, welch = 0.0, 0.0, 0.0
    for values, reps in zip(seed_metrics, replicates, strict=True):
        k = values.size
        if k < 2:
            continue
        share = float(values.var(ddof=1)) / k
        seed_part += share
        welch += share**2 / (k - 1)
        deviations = reps - reps.mean(axis=1, keepdims=True)
        overlap += float(deviations.var(axis=0).mean()) / (k - 1)
    difference = replicates[0].mean(axis=1) - replicates[1].mean(axis=1)
    test_part = float(difference.var())
    variance = max(seed_part + test_part - overlap, seed_part, test_part)
    dof = variance**2 / welch if welch > 0 else math.inf
    return variance, dof


def paired_difference(
    method: Sequence[np.ndarray] | np.ndarray,
    control: Sequence[np.ndarray] | np.ndarray,
    labels: np.ndarray,
    *,
    metrics: Sequence[str] = ("eer_roc", "map"),
    n_resamples: int = 1000,
    alpha: float = 0.05,
    seed: int = 0,
    units: ResamplingUnits | None = None,
) -> dict[str, Difference]:
    """Method-minus-control difference of each metric, with interval and p-value.

    ``method`` and ``control`` hold one score vector per seed, each aligned with
    ``labels`` (1 bonafide, 0 spoof; see :func:`align_score_tables`). The bootstrap
    draws ``units`` (speaker clusters, see ``metrics.resampling.resampling_units``;
    default: utterances by class), one draw for both sides (paired); the variance combines
    test-set and training-seed variation (:func:`combined_variance`); the interval is
    ``difference +- t * sd`` and the p-value two-sided from the same t. Deterministic
    given ``seed``.
    """
    unknown = [m for m in metrics if m not in COMPARISON_METRICS]
    if unknown:
        raise ValueError(f"unknown metric(s) {unknown}; choose from {sorted(COMPARISON_METRICS)}")
    if n_resamples < 2:
        raise ValueError(f"n_resamples must be >= 2, got {n_resamples}")
    if not 0.0 < alpha < 1.0:
        raise ValueError(f"alpha must be in (0, 1), got {alpha}")
    sides = [
        np.atleast_2d(np.asarray(method, dtype=np.float64)),
        np.atleast_2d(np.asarray(control, dtype=np.float64)),
    ]
    y = np.asarray(labels, dtype=np.int64)
    for name, rows in zip(("method", "control"), sides, strict=True):
        if rows.shape[1] != y.size:
            raise ValueError(f"{name} scores have {rows.shape[1]} utterances, labels {y.size}")
        if not np.isfinite(rows).all():
            raise ValueError(f"{name} scores contain NaN or Inf")
    if not (y == 1).any() or not (y == 0).any():
        raise ValueError("a comparison needs bonafide and spoof utterances")
    if units is None:
        units = resampling_units(y)
    elif units.n_utterances != y.size:
        raise ValueError(f"resampling units cover {units.n_utterances} utterances, labels {y.size}")
    fns = [COMPARISON_METRICS[m] for m in metrics]
    points = [_seed_metrics(rows, y, fns) for rows in sides]  # (seeds, metrics) per side
    replicates = [np.empty((n_resamples, rows.shape[0], len(fns))) for rows in sides]
    for r, idx in enumerate(units.resamples(n_resamples, seed)):
        for rows, reps in zip(sides, replicates, strict=True):
            reps[r] = _seed_metrics(rows[:, idx], y[idx], fns)
    result = {}
    for k, name in enumerate(metrics):
        method_value, control_value = (float(p[:, k].mean()) for p in points)
        difference = method_value - control_value
        variance, dof = combined_variance(
            [p[:, k] for p in points], [reps[:, :, k] for reps in replicates]
        )
        sd = math.sqrt(variance)
        half = float(student_t.ppf(1 - alpha / 2, dof)) * sd
        if sd > 0:
            p_value = float(2 * student_t.sf(abs(difference) / sd, dof))
        else:
            p_value = 1.0 if difference == 0 else 0.0
        result[name] = Difference(
            metric=name,
            method_value=method_value,
            control_value=control_value,
            difference=difference,
            low=difference - half,
            high=difference + half,
            p_value=min(1.0, p_value),
        )
    return result


def holm_adjust(p_values: Sequence[float]) -> np.ndarray:
    """Holm's step-down adjusted p-values (family-wise error over all given tests)."""
    p = np.asarray(p_values, dtype=np.float64)
    if p.size == 0:
        return p
    order = np.argsort(p, kind="stable")
    scaled = (p.size - np.arange(p.size)) * p[order]
    adjusted = np.minimum(1.0, np.maximum.accumulate(scaled))
    out = np.empty_like(p)
    out[order] = adjusted
    return out
