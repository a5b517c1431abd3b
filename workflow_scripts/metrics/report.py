"""All metrics for one score table, with optional bootstrap confidence intervals.

A score table (``docs/architecture.md``) has columns ``utt_id``, ``label``
(``bonafide``/``spoof``), ``score`` (higher = more bonafide) and optionally
``attack``. :func:`compute_metrics` returns a JSON-serialisable dict; every
number in it is finite because the inputs are checked first.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from workflow_scripts.metrics.eer import (
    eer_det_from_groups,
    eer_roc_from_groups,
    per_attack_eer,
)
from workflow_scripts.metrics.ranking import (
    _tie_groups_unchecked,
    ap_from_groups,
    ap_mean_from_groups,
    auc_from_groups,
    check_scores_labels,
    paper_map_from_groups,
)

REQUIRED_COLUMNS = ("utt_id", "label", "score")
LABEL_VALUES = {"bonafide": 1, "spoof": 0}
#: Metrics that get a bootstrap interval in :func:`compute_metrics`: the paper's
#: two (EER-ROC and mAP, i.e. spoof-positive AP) plus EER-DET, AUC and the two
#: extra AP readings, so any table row can carry its uncertainty.
CI_METRICS = ("eer_roc", "eer_det", "auc", "map", "ap_bonafide", "ap_mean")

#: Version of the metric definitions; the workflow passes it as a rule parameter so that
#: a change of definition (v2: ``map`` became the paper's spoof-positive AP) re-runs
#: every ``evaluate`` job instead of leaving metrics computed under the old meaning.
METRIC_DEFINITIONS_VERSION = 2

MetricFn = Callable[[np.ndarray, np.ndarray], float]


# --------------------------------------------------------------------------- tables


def table_arrays(table: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Check a score table and return (scores, labels 1/0, attacks or None).

    Raises ``ValueError`` for a missing column, an empty table, duplicate
    ``utt_id``, labels other than bonafide/spoof, non-numeric or non-finite
    scores, or a single class. Messages name the offending rows by ``utt_id``.
    """
    missing = [c for c in REQUIRED_COLUMNS if c not in table.columns]
    if missing:
        raise ValueError(f"missing column(s) {missing}; found {list(map(str, table.columns))}")
    if len(table) == 0:
        raise ValueError("empty input: the table has no rows")
    utt_ids = table["utt_id"].astype(str)
    duplicated = utt_ids[utt_ids.duplicated()]
    if len(duplicated):
        raise ValueError(f"{len(duplicated)} duplicate utt_id(s), e.g. {duplicated.iloc[0]!r}")
    label_text = table["label"].astype(str)
    bad = sorted(set(label_text) - set(LABEL_VALUES))
    if bad:
        raise ValueError(f"label values must be 'bonafide' or 'spoof'; found {bad[:5]}")
    labels = label_text.map(LABEL_VALUES).to_numpy(dtype=np.int64)
    scores = pd.to_numeric(table["score"], errors="coerce").to_numpy(dtype=np.float64)
    not_finite = ~np.isfinite(scores)
    if not_finite.any():
        first = int(np.flatnonzero(not_finite)[0])
        raise ValueError(
            f"{int(not_finite.sum())} score(s) are missing, non-numeric, NaN or Inf "
            f"(first: utt_id {utt_ids.iloc[first]!r}, score {table['score'].iloc[first]!r})"
        )
    check_scores_labels(scores, labels)  # one-class check, same message as the array API
    attacks = None
    if "attack" in table.columns:
        attacks = table["attack"].fillna("-").astype(str).to_numpy()
    return scores, labels, attacks


def read_scores(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read a CSV or TSV score table and check it; errors name the file.

    The separator comes from the extension (``.csv`` -> comma, ``.tsv``/``.tab``
    -> tab, a trailing ``.gz`` etc. ignored) or, for any other name, from the
    header line (tab if it has one, else comma). Columns are read as strings
    so ids such as ``-`` survive; ``score`` is converted by the checks.
    """
    file = Path(path)
    try:
        sep = _separator(file)
        table = pd.read_csv(file, sep=sep, dtype=str, keep_default_na=False)
    except FileNotFoundError:
        raise ValueError(f"{file}: file not found") from None
    except pd.errors.EmptyDataError:
        raise ValueError(f"{file}: empty file (no header)") from None
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise ValueError(f"{file}: cannot parse as a table ({exc})".splitlines()[0]) from None
    try:
        table_arrays(table)
    except ValueError as exc:
        raise ValueError(f"{file}: {exc}") from None
    return table


def _separator(file: Path) -> str:
    suffixes = [s.lower() for s in file.suffixes if s.lower() not in {".gz", ".bz2", ".xz", ".zip"}]
    ext = suffixes[-1] if suffixes else ""
    if ext == ".csv":
        return ","
    if ext in {".tsv", ".tab"}:
        return "\t"
    with open(file, encoding="utf-8", errors="replace") as handle:
        header = handle.readline()
    return "\t" if "\t" in header else ","


# --------------------------------------------------------------------------- bootstrap


def stratified_resamples(labels: np.ndarray, n: int, seed: int) -> Iterator[np.ndarray]:
    """Yield ``n`` index arrays, each resampling bonafide and spoof with replacement.

    Class sizes are kept, so every resample has both classes and every metric
    stays defined. Deterministic given ``seed`` (numpy ``default_rng``); a
    generator so that only one resample is held in memory at a time.
    """
    rng = np.random.default_rng(seed)
    bonafide = np.flatnonzero(labels == 1)
    spoof = np.flatnonzero(labels == 0)
    for _ in range(n):
        yield np.concatenate(
            (
                bonafide[rng.integers(0, bonafide.size, bonafide.size)],
                spoof[rng.integers(0, spoof.size, spoof.size)],
            )
        )


def bootstrap_replicates(
    metrics_fn: Callable[[np.ndarray, np.ndarray], Mapping[str, float]],
    scores: np.ndarray,
    labels: np.ndarray,
    n: int = 1000,
    seed: int = 0,
) -> dict[str, np.ndarray]:
    """Evaluate ``metrics_fn`` (returning named floats) on ``n`` stratified resamples.

    One resample feeds all named metrics, so several intervals cost one
    resampling pass.
    """
    score_arr, label_arr = check_scores_labels(scores, labels)
    if n < 1:
        raise ValueError(f"number of bootstrap resamples must be >= 1, got {n}")
    rows: list[Mapping[str, float]] = [
        metrics_fn(score_arr[idx], label_arr[idx])
        for idx in stratified_resamples(label_arr, n, seed)
    ]
    return {name: np.array([row[name] for row in rows], dtype=np.float64) for name in rows[0]}


def percentile_interval(values: np.ndarray, alpha: float) -> tuple[float, float]:
    """Percentile bootstrap interval covering ``1 - alpha``."""
    if not 0.0 < alpha < 1.0:
        raise ValueError(f"alpha must be in (0, 1), got {alpha}")
    low, high = np.quantile(values, [alpha / 2, 1 - alpha / 2])
    return float(low), float(high)


def bootstrap_ci(
    metric_fn: MetricFn,
    scores: np.ndarray,
    labels: np.ndarray,
    n: int = 1000,
    alpha: float = 0.05,
    seed: int = 0,
) -> tuple[float, float]:
    """Percentile bootstrap ``(low, high)`` for ``metric_fn(scores, labels)``.

    Resampling is stratified by class (see :func:`stratified_resamples`);
    the same ``seed`` gives the same interval, and the same resamples as
    :func:`compute_metrics` uses for its ``ci``.
    """
    replicates = bootstrap_replicates(
        lambda s, y: {"value": float(metric_fn(s, y))}, scores, labels, n=n, seed=seed
    )
    return percentile_interval(replicates["value"], alpha)


# --------------------------------------------------------------------------- report


def point_metrics(scores: np.ndarray, labels: np.ndarray) -> dict[str, float]:
    """All pooled metrics from one sort of already-checked arrays.

    ``map`` is the paper's mAP (AP with spoof positive, equal to ``ap_spoof``);
    ``ap_mean`` is the mean of the two per-class APs (see ``docs/metrics.md``).
    """
    groups = _tie_groups_unchecked(scores, labels)
    eer_det, threshold = eer_det_from_groups(groups)
    return {
        "eer_roc": eer_roc_from_groups(groups),
        "eer_det": eer_det,
        "eer_det_threshold": threshold,
        "auc": auc_from_groups(groups),
        "ap_bonafide": ap_from_groups(groups, 1),
        "ap_spoof": ap_from_groups(groups, 0),
        "ap_mean": ap_mean_from_groups(groups),
        "map": paper_map_from_groups(groups),
    }


def compute_metrics(
    table: pd.DataFrame, *, bootstrap: int = 0, seed: int = 0, alpha: float = 0.05
) -> dict[str, Any]:
    """Every metric of ``docs/metrics.md`` for one score table.

    Keys: ``n_bonafide``, ``n_spoof``, ``eer_roc``, ``eer_det``,
    ``eer_det_threshold``, ``auc``, ``ap_bonafide``, ``ap_spoof``, ``ap_mean``
    (mean of the two), ``map`` (the paper's mAP = spoof-positive AP),
    ``per_attack`` (``{attack: {n, eer_roc, eer_det}}``, empty without an
    ``attack`` column) and, when ``bootstrap > 0``, ``ci``
    (``{metric: [low, high]}`` for :data:`CI_METRICS`) plus ``bootstrap``
    (``{n, seed, alpha}``).
    """
    if bootstrap < 0:
        raise ValueError(f"bootstrap must be >= 0, got {bootstrap}")
    if bootstrap and not 0.0 < alpha < 1.0:
        raise ValueError(f"alpha must be in (0, 1), got {alpha}")
    scores, labels, attacks = table_arrays(table)
    result: dict[str, Any] = {
        "n_bonafide": int(labels.sum()),
        "n_spoof": int((labels == 0).sum()),
        **point_metrics(scores, labels),
        "per_attack": {} if attacks is None else per_attack_eer(scores, labels, attacks),
    }
    if bootstrap:
        replicates = bootstrap_replicates(point_metrics, scores, labels, n=bootstrap, seed=seed)
        result["ci"] = {
            name: list(percentile_interval(replicates[name], alpha)) for name in CI_METRICS
        }
        result["bootstrap"] = {"n": int(bootstrap), "seed": int(seed), "alpha": float(alpha)}
    return result


def metrics_of_score_file(
    path: str | os.PathLike[str], *, bootstrap: int = 0, seed: int = 0, alpha: float = 0.05
) -> dict[str, Any]:
    """:func:`compute_metrics` of the score table in ``path``; every error names the file."""
    table = read_scores(path)  # its errors already name the file
    try:
        return compute_metrics(table, bootstrap=bootstrap, seed=seed, alpha=alpha)
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}") from None
