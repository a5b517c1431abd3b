"""Method-versus-control comparisons of an experiment table: differences, intervals, verdicts.

A comparison spec (JSON, planned in ``planning/significance.py``) names a setting, an
evaluation set, the method and its control, and the score files of each side
(one per seed), and optionally each side's sampling summary (its share of
the training set). :func:`compare` reads and pairs them, runs
``metrics.significance.paired_difference`` and returns one row per metric;
Holm's correction runs over all rows of the table (the family a reader scans).
:func:`significance_markdown` renders the rows and the sentence that goes
under an experiment table.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from workflow_scripts.io.files import parse_json_object, read_json
from workflow_scripts.metrics.report import read_scores
from workflow_scripts.metrics.resampling import (
    DEFAULT_MIN_SPEAKERS,
    ResamplingUnits,
    read_speaker_manifests,
    resampling_units,
    speakers_of_scores,
)
from workflow_scripts.metrics.significance import (
    align_score_tables,
    holm_adjust,
    paired_difference,
    utterance_order,
)
from workflow_scripts.reporting.tables import to_markdown

log = logging.getLogger("workflow_scripts.reporting.significance")

#: Metrics compared, with their row labels (the paper's two).
COMPARED_METRICS: tuple[tuple[str, str], ...] = (("eer_roc", "EER-ROC"), ("map", "mAP"))

#: Columns of a significance table, in order.
SIGNIFICANCE_COLUMNS = (
    "setting",
    "eval_set",
    "method",
    "control",
    "metric",
    "n_seeds_method",
    "n_seeds_control",
    "n_bonafide",
    "n_spoof",
    "resampled",
    "method_value",
    "control_value",
    "difference",
    "ci_low",
    "ci_high",
    "p_value",
    "p_holm",
    "alpha",
    "significant",
    "significant_holm",
)

SPEC_KEYS = ("setting", "eval_set", "method", "control", "method_scores", "control_scores")
#: Optional spec key: the evaluation set's manifests, whose speakers the bootstrap resamples.
MANIFESTS_KEY = "manifests"
#: Optional spec keys: each side's sampling summary (``counts`` and ``n_total`` per class).
SUMMARY_KEYS = ("method_summary", "control_summary")
#: Columns added after ``n_seeds_control`` when the specs give summaries: the share of the
#: full training set each side trained on.
FRACTION_COLUMNS = ("train_fraction_method", "train_fraction_control")


def training_fraction(path: str) -> float:
    """Selected rows over all rows of the training split, from a sampling summary's ``counts``
    and ``n_total`` (per class); the error names the file."""
    summary = read_json(path, "sampling summary")
    try:
        selected = sum(int(v) for v in summary["counts"].values())
        total = sum(int(v) for v in summary["n_total"].values())
    except (KeyError, AttributeError, TypeError, ValueError):
        raise ValueError(f"{path}: summary lacks per-class 'counts' and 'n_total'") from None
    if total <= 0 or not 0 <= selected <= total:
        raise ValueError(f"{path}: {selected} selected of {total} training rows")
    return selected / total


def read_comparison_spec(text: str) -> dict[str, Any]:
    """One comparison from JSON text (or a file holding it), checked key by key."""
    source = "--comparison"
    if not text.lstrip().startswith("{") and os.path.exists(text):
        source = text
        with open(text, encoding="utf-8") as handle:
            text = handle.read()
    spec = parse_json_object(text, source)
    missing = [key for key in SPEC_KEYS if key not in spec]
    if missing:
        raise ValueError(f"{source}: comparison lacks {missing}")
    for side in ("method_scores", "control_scores"):
        files = spec[side]
        if not isinstance(files, list) or not files or not all(isinstance(f, str) for f in files):
            raise ValueError(f"{source}: {side} must be a non-empty list of score files")
    given = [key for key in SUMMARY_KEYS if key in spec]
    if given and (
        len(given) < len(SUMMARY_KEYS) or not all(isinstance(spec[k], str) for k in given)
    ):
        raise ValueError(f"{source}: give both {SUMMARY_KEYS} as file paths, or neither")
    manifests = spec.get(MANIFESTS_KEY, [])
    if not isinstance(manifests, list) or not all(isinstance(f, str) for f in manifests):
        raise ValueError(f"{source}: {MANIFESTS_KEY} must be a list of manifest files")
    return spec


def _units(
    scores: pd.DataFrame,
    labels: np.ndarray,
    manifests: Sequence[str],
    *,
    where: str,
    min_speakers: int,
) -> ResamplingUnits:
    """The bootstrap units of a comparison's utterances (in :func:`utterance_order`):
    speakers from ``manifests`` where they name them, else utterances by class."""
    if not manifests:
        return resampling_units(labels)
    speaker, dataset = speakers_of_scores(scores, read_speaker_manifests(manifests), where)
    order = utterance_order(scores)
    units = resampling_units(labels, speaker[order], dataset[order], min_speakers=min_speakers)
    for note in units.notes:
        log.info("%s: %s", where, note)
    return units


def compare(
    specs: Sequence[Mapping[str, Any]],
    *,
    n_resamples: int,
    alpha: float,
    seed: int,
    min_speakers: int = DEFAULT_MIN_SPEAKERS,
) -> pd.DataFrame:
    """The significance table of ``specs`` (one row per comparison and metric).

    A spec's optional ``manifests`` (the evaluation set's corpus manifests) make the
    bootstrap draw speakers (``metrics.resampling``); column ``resampled`` says what it drew.
    """
    if not specs:
        raise ValueError("no comparisons given")
    with_summaries = sum(all(k in spec for k in SUMMARY_KEYS) for spec in specs)
    if with_summaries not in (0, len(specs)):
        raise ValueError(f"{with_summaries} of {len(specs)} comparisons give {SUMMARY_KEYS}")
    cache: dict[str, pd.DataFrame] = {}
    units_cache: dict[tuple[tuple[str, ...], tuple[str, ...]], ResamplingUnits] = {}

    def table(path: str) -> pd.DataFrame:
        if path not in cache:
            cache[path] = read_scores(path)
        return cache[path]

    rows = []
    for spec in specs:
        files = [*spec["method_scores"], *spec["control_scores"]]
        if len(set(files)) != len(files):
            raise ValueError(f"comparison {spec['method']} vs {spec['control']}: a file repeats")
        scores, labels = align_score_tables({path: table(path) for path in files})
        n_method = len(spec["method_scores"])
        manifests = tuple(spec.get(MANIFESTS_KEY, []))
        first = table(files[0])
        ids = first["utt_id"].astype(str).to_numpy()[utterance_order(first)]
        unit_key = (manifests, tuple(ids))
        if unit_key not in units_cache:
            units_cache[unit_key] = _units(
                first, labels, manifests, where=files[0], min_speakers=min_speakers
            )
        differences = paired_difference(
            scores[:n_method],
            scores[n_method:],
            labels,
            metrics=[key for key, _ in COMPARED_METRICS],
            n_resamples=n_resamples,
            alpha=alpha,
            seed=seed,
            units=units_cache[unit_key],
        )
        for metric, label in COMPARED_METRICS:
            found = differences[metric]
            rows.append(
                {
                    "setting": str(spec["setting"]),
                    "eval_set": str(spec["eval_set"]),
                    "method": str(spec["method"]),
                    "control": str(spec["control"]),
                    "metric": label,
                    "n_seeds_method": n_method,
                    "n_seeds_control": len(files) - n_method,
                    **{
                        column: training_fraction(spec[key])
                        for column, key in zip(FRACTION_COLUMNS, SUMMARY_KEYS, strict=True)
                        if with_summaries
                    },
                    "n_bonafide": int(labels.sum()),
                    "n_spoof": int((labels == 0).sum()),
                    "resampled": units_cache[unit_key].description,
                    "method_value": found.method_value,
                    "control_value": found.control_value,
                    "difference": found.difference,
                    "ci_low": found.low,
                    "ci_high": found.high,
                    "p_value": found.p_value,
                }
            )
    result = pd.DataFrame.from_records(rows)
    result["p_holm"] = holm_adjust(result["p_value"].to_numpy())
    result["alpha"] = float(alpha)
    result["significant"] = np.where(result["p_value"] < alpha, "yes", "no")
    result["significant_holm"] = np.where(result["p_holm"] < alpha, "yes", "no")
    return result.loc[:, significance_columns(bool(with_summaries))]


def significance_columns(fractions: bool) -> list[str]:
    """:data:`SIGNIFICANCE_COLUMNS`, with :data:`FRACTION_COLUMNS` after ``n_seeds_control``."""
    columns = list(SIGNIFICANCE_COLUMNS)
    if fractions:
        at = columns.index("n_seeds_control") + 1
        columns[at:at] = FRACTION_COLUMNS
    return columns


def read_significance(path: str | os.PathLike[str]) -> pd.DataFrame:
    """A significance table written by ``compare_runs``; the error names the file."""
    try:
        table = pd.read_csv(path, dtype={"setting": str, "eval_set": str})
    except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise ValueError(f"{path}: cannot read the significance table ({exc})") from None
    missing = [c for c in SIGNIFICANCE_COLUMNS if c not in table.columns]
    if missing:
        raise ValueError(f"{path}: not a significance table (missing {missing})")
    if table.empty:
        raise ValueError(f"{path}: the significance table has no rows")
    return table


def _describe(row: Any) -> str:
    setting = "" if row.setting in ("", "-") else f"{row.setting}, "
    return (
        f"{row.method} − {row.control} ({setting}{row.eval_set}, {row.metric}: "
        f"{row.difference:+.4f} [{row.ci_low:+.4f}, {row.ci_high:+.4f}])"
    )


def significance_sentence(table: pd.DataFrame) -> str:
    """The line under a table: which differences are significant at the configured level."""
    alpha = float(table["alpha"].iloc[0])
    level = f"{1 - alpha:.0%}"
    n = len(table)
    significant = [r for r in table.itertuples(index=False) if r.significant == "yes"]
    if not significant:
        return (
            f"None of the {n} differences is significant at alpha = {alpha:g}: every "
            f"{level} interval contains 0."
        )
    holm = sum(r.significant_holm == "yes" for r in significant)
    named = "; ".join(_describe(r) for r in significant)
    return (
        f"Significant at alpha = {alpha:g} ({len(significant)} of {n}; the {level} interval "
        f"excludes 0): {named}. After Holm's correction over the {n} tests, {holm} remain."
    )


def resampled_phrase(table: pd.DataFrame) -> str:
    """What the bootstrap drew: ``speakers (24)``, or per evaluation set where they differ
    (``In the wild: speakers (24); eval data: speakers (10) + utterances (160)``)."""
    per_set = dict(zip(table["eval_set"].astype(str), table["resampled"].astype(str), strict=True))
    if len(set(per_set.values())) == 1:
        return next(iter(per_set.values()))
    return "; ".join(f"{name}: {what}" for name, what in per_set.items())


def significance_markdown(table: pd.DataFrame, *, title: str) -> str:
    """The comparisons as a Markdown table (difference and interval per row) and the sentence."""
    alpha = float(table["alpha"].iloc[0])
    shown = pd.DataFrame(
        {
            "setting": table["setting"],
            "eval set": table["eval_set"],
            "method − control": [
                f"{m} − {c}" for m, c in zip(table["method"], table["control"], strict=True)
            ],
            "metric": table["metric"],
            "runs": [
                f"{a} vs {b}"
                for a, b in zip(table["n_seeds_method"], table["n_seeds_control"], strict=True)
            ],
            "difference": [f"{d:+.4f}" for d in table["difference"]],
            f"{1 - alpha:.0%} interval": [
                f"[{lo:+.4f}, {hi:+.4f}]"
                for lo, hi in zip(table["ci_low"], table["ci_high"], strict=True)
            ],
            "p": [f"{p:.3f}" for p in table["p_value"]],
            "p (Holm)": [f"{p:.3f}" for p in table["p_holm"]],
        }
    )
    if (table["setting"].astype(str).isin(["", "-"])).all():
        shown = shown.drop(columns="setting")
    note = (
        "Intervals add test-set variation (paired bootstrap of the evaluation set, drawing "
        f"{resampled_phrase(table)}) and training-seed variation (docs/metrics.md); "
        "EER-ROC: lower is better, mAP: higher is better."
    )
    if all(c in table.columns for c in FRACTION_COLUMNS):
        shares = zip(*(table[c] for c in FRACTION_COLUMNS), strict=True)
        at = shown.columns.get_loc("runs") + 1
        shown.insert(at, "training data", [f"{a:.1%} vs {b:.1%}" for a, b in shares])
        note += (
            " Training data: the share of the full training split each side trained on "
            "(selected rows / all rows)."
        )
    single = (table["n_seeds_method"] < 2) | (table["n_seeds_control"] < 2)
    if single.any():
        note += (
            " Rows with one run on a side (runs 1 vs ...) show test-set variation only: "
            "the training noise between two single runs is not in their interval."
        )
    return f"{to_markdown(shown, title=title)}\n{note}\n\n{significance_sentence(table)}\n"


def with_significance(
    markdown: str, significance: str | os.PathLike[str] | None, *, title: str
) -> str:
    """An experiment table's Markdown, followed by its comparisons when a table is given."""
    if significance is None:
        return markdown
    return f"{markdown}\n{significance_markdown(read_significance(significance), title=title)}"
