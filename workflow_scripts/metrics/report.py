"""All metrics for one score table, with optional bootstrap confidence intervals.

A score table (``docs/architecture.md``) has columns ``utt_id``, ``label``
(``bonafide``/``spoof``), ``score`` (higher = more bonafide) and optionally
``attack``. :func:`compute_metrics` returns a JSON-serialisable dict; every
number in it is finite because the inputs are checked first. With ASV scores
(:func:`read_asv_scores`, the ASVspoof 2019 LA ASV score file layout) it also
reports the min t-DCF of the CM in tandem with that ASV.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from workflow_scripts.metrics.calibration import (
    apply_calibration,
    cllr,
    fit_logistic_calibration,
    min_cllr_from_arrays,
)
from workflow_scripts.metrics.dcf import ASV_KEYS, act_dcf, min_dcf, tdcf_report
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
from workflow_scripts.metrics.resampling import (
    DEFAULT_MIN_SPEAKERS,
    ResamplingUnits,
    read_speaker_manifests,
    resampling_units,
    speakers_of_scores,
)

REQUIRED_COLUMNS = ("utt_id", "label", "score")
LABEL_VALUES = {"bonafide": 1, "spoof": 0}
#: Metrics that get a bootstrap interval in :func:`compute_metrics`: the paper's
#: two (EER-ROC and mAP, i.e. spoof-positive AP) plus EER-DET, AUC and the two
#: extra AP readings, so any table row can carry its uncertainty.
CI_METRICS = ("eer_roc", "eer_det", "auc", "map", "ap_bonafide", "ap_mean")

#: Version of the metric definitions; the workflow passes it as a rule parameter so that
#: a change of definition (v2: ``map`` became the paper's spoof-positive AP) re-runs
#: every ``evaluate`` job instead of leaving metrics computed under the old meaning
#: (or, as for v3, without the metrics added since).
METRIC_DEFINITIONS_VERSION = 3  # v3: cllr, min_cllr, min_dcf, act_dcf added

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


def calibrate_score_table(
    dev: pd.DataFrame, table: pd.DataFrame, prior: float = 0.5
) -> tuple[pd.DataFrame, dict[str, float]]:
    """``table`` with its scores replaced by LLRs of an affine calibration fitted on ``dev``.

    A detector's logit is not a calibrated log-likelihood ratio: Cllr and actDCF read it as
    one, so they mix calibration error into the score. Fitting ``llr = a * score + b`` on
    held-out dev scores (never on the evaluation scores themselves) and applying it to the
    evaluation scores gives the calibrated reading; ranking metrics (EER, APs, minDCF,
    minCllr) do not change, since the map is increasing (``a > 0`` is required).
    Returns the calibrated table and ``{"a", "b", "prior", "n_dev_bonafide", "n_dev_spoof"}``.
    """
    dev_scores, dev_labels, _ = table_arrays(dev)
    a, b = fit_logistic_calibration(dev_scores, dev_labels, prior=prior)
    if not a > 0:
        raise ValueError(
            f"calibration slope {a:.4g} is not positive: the dev scores rank spoofs above "
            "bonafide, so no increasing calibration exists"
        )
    scores, _, _ = table_arrays(table)
    calibrated = table.copy()
    calibrated["score"] = [repr(float(v)) for v in apply_calibration(scores, a, b)]
    params = {
        "a": float(a),
        "b": float(b),
        "prior": float(prior),
        "n_dev_bonafide": int((dev_labels == 1).sum()),
        "n_dev_spoof": int((dev_labels == 0).sum()),
    }
    return calibrated, params


def read_asv_scores(path: str | os.PathLike[str]) -> dict[str, np.ndarray]:
    """Read an ASV score file in the ASVspoof 2019 LA layout; errors name the file and line.

    One trial per line, three whitespace-separated columns: the CM key (``bonafide`` or the
    attack id, e.g. ``A07``; not used), the ASV key (``target``, ``nontarget`` or
    ``spoof``) and the ASV score, e.g. ``bonafide target 1.8321`` (the layout of
    ``ASVspoof2019.LA.asv.eval.gi.trl.scores.txt``, key and score read from columns 2 and 3
    as ASVspoof 2019's ``evaluate_tDCF_asvspoof19.py`` reads them). Blank lines are
    skipped. Returns the scores by ASV key; each key must occur at least once.
    """
    file = Path(path)
    found: dict[str, list[float]] = {key: [] for key in ASV_KEYS}
    try:
        with open(file, encoding="utf-8") as handle:
            for number, line in enumerate(handle, start=1):
                fields = line.split()
                if not fields:
                    continue
                where = f"{file}:{number}"
                if len(fields) != 3:
                    raise ValueError(
                        f"{where}: expected 3 columns (cm_key asv_key score), "
                        f"got {len(fields)}: {line.strip()!r}"
                    )
                key, text = fields[1], fields[2]
                if key not in found:
                    raise ValueError(
                        f"{where}: ASV key must be one of {list(ASV_KEYS)}, got {key!r}"
                    )
                try:
                    score = float(text)
                except ValueError:
                    score = float("nan")
                if not np.isfinite(score):
                    raise ValueError(f"{where}: score must be a finite number, got {text!r}")
                found[key].append(score)
    except FileNotFoundError:
        raise ValueError(f"{file}: file not found") from None
    except UnicodeDecodeError as exc:
        raise ValueError(f"{file}: not a text file ({exc})") from None
    missing = [key for key in ASV_KEYS if not found[key]]
    if missing:
        raise ValueError(
            f"{file}: no {'/'.join(missing)} trials; the t-DCF needs all of {list(ASV_KEYS)}"
        )
    return {key: np.array(values, dtype=np.float64) for key, values in found.items()}


# --------------------------------------------------------------------------- bootstrap


def stratified_resamples(labels: np.ndarray, n: int, seed: int) -> Iterator[np.ndarray]:
    """Yield ``n`` index arrays, each resampling bonafide and spoof with replacement.

    Class sizes are kept, so every resample has both classes and every metric
    stays defined. Deterministic given ``seed`` (numpy ``default_rng``); a
    generator so that only one resample is held in memory at a time. The
    utterance case of :func:`~workflow_scripts.metrics.resampling.resampling_units`.
    """
    yield from resampling_units(np.asarray(labels)).resamples(n, seed)


def bootstrap_replicates(
    metrics_fn: Callable[[np.ndarray, np.ndarray], Mapping[str, float]],
    scores: np.ndarray,
    labels: np.ndarray,
    n: int = 1000,
    seed: int = 0,
    units: ResamplingUnits | None = None,
) -> dict[str, np.ndarray]:
    """Evaluate ``metrics_fn`` (returning named floats) on ``n`` resamples of ``units``.

    ``units`` default to utterances by class (:func:`stratified_resamples`); speaker
    clusters come from :func:`~workflow_scripts.metrics.resampling.resampling_units`.
    One resample feeds all named metrics, so several intervals cost one resampling pass.
    """
    score_arr, label_arr = check_scores_labels(scores, labels)
    if n < 1:
        raise ValueError(f"number of bootstrap resamples must be >= 1, got {n}")
    if units is None:
        units = resampling_units(label_arr)
    elif units.n_utterances != label_arr.size:
        raise ValueError(
            f"resampling units cover {units.n_utterances} trials, labels {label_arr.size}"
        )
    rows: list[Mapping[str, float]] = [
        metrics_fn(score_arr[idx], label_arr[idx]) for idx in units.resamples(n, seed)
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
    units: ResamplingUnits | None = None,
) -> tuple[float, float]:
    """Percentile bootstrap ``(low, high)`` for ``metric_fn(scores, labels)``.

    Resampling is stratified by class (see :func:`stratified_resamples`), or draws the
    speaker clusters of ``units``; the same ``seed`` gives the same interval, and the
    same resamples as :func:`compute_metrics` uses for its ``ci``.
    """
    replicates = bootstrap_replicates(
        lambda s, y: {"value": float(metric_fn(s, y))}, scores, labels, n=n, seed=seed, units=units
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


def cost_metrics(scores: np.ndarray, labels: np.ndarray) -> dict[str, float]:
    """Calibration and detection-cost metrics of already-checked arrays, scores read as LLRs.

    ``cllr`` and ``min_cllr`` in bits; ``min_dcf`` and ``act_dcf`` with the ASVspoof 5
    cost model (``docs/metrics.md``, "Calibration and detection costs").
    """
    return {
        "cllr": cllr(scores, labels),
        "min_cllr": min_cllr_from_arrays(scores, labels),
        "min_dcf": min_dcf(scores, labels),
        "act_dcf": act_dcf(scores, labels),
    }


def compute_metrics(
    table: pd.DataFrame,
    *,
    bootstrap: int = 0,
    seed: int = 0,
    alpha: float = 0.05,
    asv_scores: Mapping[str, np.ndarray] | None = None,
    tdcf_edition: int = 2019,
    speakers: tuple[np.ndarray, np.ndarray] | None = None,
    min_speakers: int = DEFAULT_MIN_SPEAKERS,
) -> dict[str, Any]:
    """Every metric of ``docs/metrics.md`` for one score table.

    Keys: ``n_bonafide``, ``n_spoof``, ``eer_roc``, ``eer_det``,
    ``eer_det_threshold``, ``auc``, ``ap_bonafide``, ``ap_spoof``, ``ap_mean``
    (mean of the two), ``map`` (the paper's mAP = spoof-positive AP), ``cllr``,
    ``min_cllr``, ``min_dcf``, ``act_dcf`` (:func:`cost_metrics`),
    ``per_attack`` (``{attack: {n, eer_roc, eer_det}}``, empty without an
    ``attack`` column) and, when ``bootstrap > 0``, ``ci``
    (``{metric: [low, high]}`` for :data:`CI_METRICS`) plus ``bootstrap``
    (``{n, seed, alpha, resampled}``). With ``speakers`` (``(speaker, dataset)`` per row,
    :func:`~workflow_scripts.metrics.resampling.speakers_of_scores`) the bootstrap draws
    whole speakers (``resampled``: ``speakers (k)``; ``docs/metrics.md``). With
    ``asv_scores`` (``{target, nontarget, spoof: scores}``) also ``min_tdcf`` and ``tdcf``
    (its edition, constants and ASV error rates,
    :func:`~workflow_scripts.metrics.dcf.tdcf_report`) for ``tdcf_edition`` 2019 or 2021.
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
        **cost_metrics(scores, labels),
        "per_attack": {} if attacks is None else per_attack_eer(scores, labels, attacks),
    }
    if asv_scores is not None:
        tdcf = tdcf_report(scores, labels, asv_scores, edition=tdcf_edition)
        result["min_tdcf"] = tdcf["min_tdcf"]
        result["tdcf"] = tdcf
    if bootstrap:
        speaker, dataset = (None, None) if speakers is None else speakers
        units = resampling_units(labels, speaker, dataset, min_speakers=min_speakers)
        replicates = bootstrap_replicates(
            point_metrics, scores, labels, n=bootstrap, seed=seed, units=units
        )
        result["ci"] = {
            name: list(percentile_interval(replicates[name], alpha)) for name in CI_METRICS
        }
        result["bootstrap"] = {
            "n": int(bootstrap),
            "seed": int(seed),
            "alpha": float(alpha),
            "resampled": units.description,
        }
    return result


def metrics_of_score_file(
    path: str | os.PathLike[str],
    *,
    bootstrap: int = 0,
    seed: int = 0,
    alpha: float = 0.05,
    asv_scores: str | os.PathLike[str] | None = None,
    tdcf_edition: int = 2019,
    manifests: Sequence[str | os.PathLike[str]] = (),
    min_speakers: int = DEFAULT_MIN_SPEAKERS,
) -> dict[str, Any]:
    """:func:`compute_metrics` of the score table in ``path``, with the t-DCF when an ASV
    score file (:func:`read_asv_scores`) is given and speaker-level intervals when the
    evaluation set's ``manifests`` are; every error names the file."""
    table = read_scores(path)  # its errors already name the file
    asv = None if asv_scores is None else read_asv_scores(asv_scores)
    speakers = None
    if manifests and bootstrap:
        speakers = speakers_of_scores(table, read_speaker_manifests(manifests), str(path))
    try:
        return compute_metrics(
            table,
            bootstrap=bootstrap,
            seed=seed,
            alpha=alpha,
            asv_scores=asv,
            tdcf_edition=tdcf_edition,
            speakers=speakers,
            min_speakers=min_speakers,
        )
    except ValueError as exc:
        where = path if asv_scores is None else f"{path} with ASV scores {asv_scores}"
        raise ValueError(f"{where}: {exc}") from None
