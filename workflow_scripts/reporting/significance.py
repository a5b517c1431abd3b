"""Method-versus-control comparisons of an experiment table: differences, intervals, verdicts.

A comparison spec (JSON, planned in ``planning/runs.py``) names a setting, an
evaluation set, the method and its control, and the score files of each side
(one per seed). :func:`compare` reads and pairs them, runs
``metrics.significance.paired_difference`` and returns one row per metric;
Holm's correction runs over all rows of the table (the family a reader scans).
:func:`significance_markdown` renders the rows and the sentence that goes
under an experiment table.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from workflow_scripts.io.files import parse_json_object
from workflow_scripts.metrics.report import read_scores
from workflow_scripts.metrics.significance import (
    align_score_tables,
    holm_adjust,
    paired_difference,
)
from workflow_scripts.reporting.tables import to_markdown

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
    return spec


def compare(
    specs: Sequence[Mapping[str, Any]], *, n_resamples: int, alpha: float, seed: int
) -> pd.DataFrame:
    """The significance table of ``specs`` (one row per comparison and metric)."""
    if not specs:
        raise ValueError("no comparisons given")
    cache: dict[str, pd.DataFrame] = {}

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
        differences = paired_difference(
            scores[:n_method],
            scores[n_method:],
            labels,
            metrics=[key for key, _ in COMPARED_METRICS],
            n_resamples=n_resamples,
            alpha=alpha,
            seed=seed,
        )
        for key, label in COMPARED_METRICS:
            found = differences[key]
            rows.append(
                {
                    "setting": str(spec["setting"]),
                    "eval_set": str(spec["eval_set"]),
                    "method": str(spec["method"]),
                    "control": str(spec["control"]),
                    "metric": label,
                    "n_seeds_method": n_method,
                    "n_seeds_control": len(files) - n_method,
                    "n_bonafide": int(labels.sum()),
                    "n_spoof": int((labels == 0).sum()),
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
    return result.loc[:, list(SIGNIFICANCE_COLUMNS)]


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
        "Intervals add test-set variation (paired bootstrap over evaluation utterances) and "
        "training-seed variation (docs/metrics.md); EER-ROC: lower is better, "
        "mAP: higher is better."
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
