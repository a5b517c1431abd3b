"""Experiment 2 results table: training selections x seeds -> one row per setting.

A *run* is one trained tiny ResNet, described by a spec dict::

    {"method": "nc", "bonafide_rate": 1.0, "spoof_rate": 0.5, "seed": 1,
     "summary": "sample_nc summary.json", "history": "history.csv",
     "metrics": {"ASV eval": "eval.json", "In the wild": "itw.json"}}

The reference (the tiny ResNet trained on the full training set, one run per
seed) has method ``full`` and rates 1.0/1.0. A spec with ``"trained_as": "nc"``
reuses the runs of that method, because it selects the same rows by
construction (``random_interest`` at rates 1.0/1.0,
``planning.experiment2.exp2_trained_as``): its files are that method's, and its row
says so (column ``trained_as``, a mark in the Markdown).

Training-set sizes come from ``"counts":
{"bonafide": n, "spoof": n}`` in the spec if given, else from the summary
JSON: its ``counts`` for a selection, its ``n_total`` for ``full`` (the
``sample_nc`` summary and the ``nc_diagnostics`` JSON both carry
``n_total``). Sizes are those of the selection handed to training, before any
validation hold-out inside training.

Aggregation: runs are grouped by (method, bonafide rate, spoof rate); each
eval set's EER-ROC, EER-DET, mAP (the paper's: AP with spoof positive),
AP-bonafide and AP-mean (mean of the two APs) get a mean and a standard deviation over
seeds, the std with ``ddof=1`` (sample std) when there are at least two
seeds and 0 for a single seed (never NaN). Training time is the sum of the
``seconds`` column of ``history.csv``, averaged over seeds. Rows: reference
first, then ``nc``, ``random_interest``, ``random_all``, each by bonafide
rate then spoof rate, descending.
"""

from __future__ import annotations

import json
import math
import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from workflow_scripts.io.files import read_json
from workflow_scripts.reporting.tables import STALE_METRICS_HINT, to_markdown
from workflow_scripts.sampling.methods import METHODS

#: Metric keys of ``metrics.report.compute_metrics`` in the table, with display names.
#: ``map`` is the paper's mAP (AP with spoof positive); ``ap_bonafide`` and
#: ``ap_mean`` are the extras that keep the other reading checkable (docs/metrics.md).
EXP2_METRICS: tuple[tuple[str, str], ...] = (
    ("eer_roc", "EER-ROC"),
    ("eer_det", "EER-DET"),
    ("map", "mAP"),
    ("ap_bonafide", "AP-bonafide"),
    ("ap_mean", "AP-mean"),
)
#: Row order of the methods (the registry's; ``full`` is the reference) and their labels.
METHOD_ORDER: tuple[str, ...] = tuple(m.name for m in METHODS)
METHOD_NAMES: dict[str, str] = {m.name: m.label for m in METHODS}
GROUP_KEYS: tuple[str, ...] = ("method", "bonafide_rate", "spoof_rate")
TITLE = (
    "Experiment 2: tiny ResNet trained on NC-sampled, random and full ASVspoof 2019 LA "
    "training data"
)
#: Closes the Markdown table: what the cells and the size columns mean.
NOTE = (
    "\nMean ± sample std (ddof=1) over seeds; a single seed shows the value alone. "
    "n bonafide / n spoof: training selection sizes; train time: mean total seconds of the "
    "epochs.\n"
)
#: Marks a row whose numbers are another method's runs (same rows by construction).
SHARED_MARK = "†"


def shared_note(table: pd.DataFrame) -> str:
    """The sentence under the table naming the rows that reuse another method's runs, if any."""
    shared = table[table["trained_as"] != table["method"]]
    if shared.empty:
        return ""
    rows = "; ".join(
        f"{METHOD_NAMES[r.method]} at ({r.bonafide_rate:g}, {r.spoof_rate:g}) is the run of "
        f"{METHOD_NAMES[r.trained_as]}"
        for r in shared.itertuples(index=False)
    )
    return (
        f"{SHARED_MARK} Same training rows by construction, so one run per seed stands for "
        f"both: {rows}. The significance table does not compare such a run with itself.\n"
    )


def slugify(name: str) -> str:
    """Column-safe slug of an eval-set name: ``"In the wild"`` -> ``in_the_wild``."""
    slug = re.sub(r"[^0-9a-z]+", "_", name.lower()).strip("_")
    if not slug:
        raise ValueError(f"eval set name {name!r} has no letters or digits")
    return slug


def _number(spec: Mapping[str, Any], key: str, where: str) -> float:
    """A finite number; numeric strings (e.g. Snakemake wildcards) are accepted."""
    value = spec.get(key)
    try:
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise ValueError
        number = float(value)
    except ValueError:
        number = math.nan
    if not math.isfinite(number):
        raise ValueError(f"{where}: {key!r} must be a finite number, got {value!r}")
    return number


def read_run_spec(text: str, flag: str) -> Any:
    """A run spec from the command line: inline JSON, or a path to a JSON file (Snakemake
    passes long specs as files)."""
    source = text
    if not text.lstrip().startswith("{"):
        try:
            source = Path(text).read_text()
        except OSError as err:
            raise ValueError(
                f"{flag} {text!r} is neither a JSON object nor a readable file ({err})"
            ) from None
    try:
        return json.loads(source)
    except json.JSONDecodeError as err:
        raise ValueError(f"{flag} {text!r} is not valid JSON ({err})") from None


def parse_run_spec(
    spec: Mapping[str, Any], *, reference: bool = False, where: str = "run"
) -> dict[str, Any]:
    """Check a run spec and return it normalised (method, rates, seed, summary, counts,
    history, metrics).

    For the reference, ``method`` defaults to ``full`` and the rates to 1.0.
    """
    if not isinstance(spec, Mapping):
        raise ValueError(f"{where}: a run must be a JSON object, got {type(spec).__name__}")
    spec = dict(spec)
    if reference:
        spec.setdefault("method", "full")
        spec.setdefault("bonafide_rate", 1.0)
        spec.setdefault("spoof_rate", 1.0)
        if spec["method"] != "full":
            raise ValueError(
                f"{where}: the reference must have method 'full', got {spec['method']!r}"
            )
    method = spec.get("method")
    if method not in METHOD_ORDER:
        raise ValueError(f"{where}: method must be one of {METHOD_ORDER}, got {method!r}")
    if method == "full" and not reference:
        raise ValueError(f"{where}: method 'full' is the reference; pass it with --reference")
    rates = {k: _number(spec, k, where) for k in ("bonafide_rate", "spoof_rate")}
    for key, rate in rates.items():
        if not 0.0 <= rate <= 1.0:
            raise ValueError(f"{where}: {key} must be in [0, 1], got {rate}")
    seed = spec.get("seed")
    if isinstance(seed, str) and seed.strip().lstrip("-").isdigit():
        seed = int(seed)
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise ValueError(f"{where}: 'seed' must be an integer, got {seed!r}")
    for key in ("history",):
        if not isinstance(spec.get(key), str) or not spec[key]:
            raise ValueError(f"{where}: {key!r} must be a file path, got {spec.get(key)!r}")
    metrics = spec.get("metrics")
    if not isinstance(metrics, Mapping) or not metrics:
        raise ValueError(
            f"{where}: 'metrics' must be a non-empty object {{eval name: metrics JSON path}}"
        )
    trained_as = spec.get("trained_as", method)
    if trained_as not in METHOD_ORDER or (trained_as == "full") != (method == "full"):
        raise ValueError(
            f"{where}: 'trained_as' must be one of {METHOD_ORDER[1:]} ('full' only for the "
            f"reference), got {trained_as!r}"
        )
    counts = spec.get("counts")
    summary = spec.get("summary")
    if counts is None and not (isinstance(summary, str) and summary):
        raise ValueError(
            f"{where}: give 'summary' (a JSON path) or 'counts' ({{'bonafide': n, 'spoof': n}})"
        )
    return {
        "method": method,
        "trained_as": trained_as,
        **rates,
        "seed": int(seed),
        "summary": summary,
        "counts": counts,
        "history": spec["history"],
        "metrics": {str(k): str(v) for k, v in metrics.items()},
    }


def _class_counts(values: Any, where: str) -> tuple[int, int]:
    if not isinstance(values, Mapping):
        raise ValueError(
            f"{where}: class counts must be an object with 'bonafide' and 'spoof', got {values!r}"
        )
    out = []
    for name in ("bonafide", "spoof"):
        v = values.get(name)
        if isinstance(v, bool) or not isinstance(v, int) or v < 0:
            raise ValueError(
                f"{where}: count of {name!r} must be a non-negative integer, got {v!r}"
            )
        out.append(int(v))
    return out[0], out[1]


def training_counts(run: Mapping[str, Any]) -> tuple[int, int]:
    """(n_bonafide, n_spoof) trained on: the spec's ``counts``, else the summary (see module
    docstring).

    A selection summary whose method (the spec's ``trained_as``) or rates disagree
    with the spec is an error, so a miswired file list cannot produce a
    plausible-looking row.
    """
    if run["counts"] is not None:
        return _class_counts(run["counts"], "run 'counts'")
    path = run["summary"]
    summary = read_json(path, "selection summary")
    if not isinstance(summary, Mapping):
        raise ValueError(f"{path}: selection summary must be a JSON object")
    if run["method"] == "full":
        if "n_total" not in summary:
            raise ValueError(f"{path}: summary has no 'n_total' for the full-data reference")
        return _class_counts(summary["n_total"], str(path))
    trained_as = run.get("trained_as", run["method"])
    if summary.get("method", trained_as) != trained_as:
        raise ValueError(
            f"{path}: summary is for method {summary['method']!r}, run says {trained_as!r}"
        )
    for key in ("bonafide_rate", "spoof_rate"):
        if key in summary and not math.isclose(float(summary[key]), run[key], abs_tol=1e-12):
            raise ValueError(f"{path}: summary has {key} {summary[key]}, run says {run[key]}")
    if "counts" not in summary:
        raise ValueError(f"{path}: summary has no 'counts'")
    return _class_counts(summary["counts"], str(path))


def training_seconds(path: str | os.PathLike[str]) -> float:
    """Total training time of one run: the sum of ``history.csv``'s ``seconds`` column."""
    try:
        history = pd.read_csv(path)
    except FileNotFoundError:
        raise ValueError(f"{path}: training history not found") from None
    except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError) as err:
        raise ValueError(
            f"{path}: cannot read training history ({str(err).splitlines()[0]})"
        ) from None
    if "seconds" not in history.columns:
        raise ValueError(
            f"{path}: training history has no 'seconds' column; has {list(history.columns)}"
        )
    if len(history) == 0:
        raise ValueError(f"{path}: training history has no epochs")
    seconds = pd.to_numeric(history["seconds"], errors="coerce").to_numpy(dtype=np.float64)
    if not np.all(np.isfinite(seconds)):
        raise ValueError(f"{path}: 'seconds' has missing or non-numeric values")
    return float(seconds.sum())


def read_eval_metrics(
    path: str | os.PathLike[str], metrics: Sequence[tuple[str, str]] = EXP2_METRICS
) -> dict[str, float]:
    """The :data:`EXP2_METRICS` values of a ``compute_metrics`` JSON; each must be a finite number.

    A JSON without ``ap_mean`` was written before ``map`` meant the spoof-positive
    AP; the error says to re-run ``evaluate`` rather than mixing the two meanings.
    """
    values = read_json(path, "metrics JSON")
    if not isinstance(values, Mapping):
        raise ValueError(f"{path}: metrics JSON must be an object")
    out = {}
    for key, _ in metrics:
        v = values.get(key)
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
            hint = STALE_METRICS_HINT if key == "ap_mean" and v is None else ""
            raise ValueError(
                f"{path}: metric {key!r} missing or not a finite number (got {v!r}){hint}"
            )
        out[key] = float(v)
    return out


def load_run(
    run: Mapping[str, Any], metrics: Sequence[tuple[str, str]] = EXP2_METRICS
) -> dict[str, Any]:
    """One flat record per run: group keys, seed, counts, training seconds and
    ``{slug}_{metric}`` values."""
    n_bonafide, n_spoof = training_counts(run)
    record: dict[str, Any] = {
        "method": run["method"],
        "trained_as": run.get("trained_as", run["method"]),
        "bonafide_rate": run["bonafide_rate"],
        "spoof_rate": run["spoof_rate"],
        "seed": run["seed"],
        "n_bonafide": n_bonafide,
        "n_spoof": n_spoof,
        "train_seconds": training_seconds(run["history"]),
    }
    for name, path in run["metrics"].items():
        for key, value in read_eval_metrics(path, metrics).items():
            record[f"{slugify(name)}_{key}"] = value
    return record


def eval_set_names(runs: Sequence[Mapping[str, Any]]) -> list[str]:
    """Eval sets in order of first appearance; every run must have all of them, slugs must be
    distinct."""
    names = list(dict.fromkeys(name for run in runs for name in run["metrics"]))
    slugs: dict[str, str] = {}
    for name in names:
        other = slugs.setdefault(slugify(name), name)
        if other != name:
            raise ValueError(
                f"eval sets {other!r} and {name!r} give the same column name {slugify(name)!r}"
            )
    for run in runs:
        lacking = [n for n in names if n not in run["metrics"]]
        if lacking:
            raise ValueError(
                f"run {run['method']} {run['bonafide_rate']}/{run['spoof_rate']} "
                f"seed {run['seed']} "
                f"has no metrics for {lacking}"
            )
    return names


def _std(values: pd.Series) -> float:
    """Sample std (ddof=1) over >= 2 seeds, 0 for one seed."""
    return float(values.std(ddof=1)) if len(values) > 1 else 0.0


def aggregate_runs(
    records: pd.DataFrame,
    eval_names: Sequence[str],
    metrics: Sequence[tuple[str, str]] = EXP2_METRICS,
) -> pd.DataFrame:
    """The Experiment 2 table from one row per run (see :func:`load_run`), ordered as the
    module says.

    A repeated (setting, seed) or differing training-set sizes within one
    setting are errors: both mean the inputs were mixed up.
    """
    if records.empty:
        raise ValueError("no runs to aggregate")
    dup = records.duplicated([*GROUP_KEYS, "seed"])
    if dup.any():
        first = records[dup].iloc[0]
        raise ValueError(
            f"run {first.method} {first.bonafide_rate}/{first.spoof_rate} "
            f"seed {first.seed} given twice"
        )
    if "trained_as" not in records.columns:
        records = records.assign(trained_as=records["method"])
    metric_columns = [f"{slugify(name)}_{key}" for name in eval_names for key, _ in metrics]
    rows = []
    for keys, group in records.groupby(list(GROUP_KEYS), sort=False):
        sizes = group[["n_bonafide", "n_spoof"]].drop_duplicates()
        if len(sizes) > 1:
            raise ValueError(
                f"runs of {keys} trained on different numbers of samples: "
                f"{sizes.to_dict('records')}"
            )
        trained_as = group["trained_as"].unique()
        if len(trained_as) > 1:
            raise ValueError(f"runs of {keys} come from different methods' runs: {trained_as}")
        row: dict[str, Any] = dict(zip(GROUP_KEYS, keys, strict=True))
        row["n_bonafide"] = int(sizes.iloc[0]["n_bonafide"])
        row["n_spoof"] = int(sizes.iloc[0]["n_spoof"])
        row["n_seeds"] = int(len(group))
        row["trained_as"] = str(trained_as[0])
        for column in metric_columns:
            row[f"{column}_mean"] = float(group[column].mean())
            row[f"{column}_std"] = _std(group[column])
        row["train_seconds_mean"] = float(group["train_seconds"].mean())
        rows.append(row)
    table = pd.DataFrame(rows)
    rank = table["method"].map({m: i for i, m in enumerate(METHOD_ORDER)})
    order = np.lexsort(
        (-table["spoof_rate"].to_numpy(), -table["bonafide_rate"].to_numpy(), rank.to_numpy())
    )
    return table.iloc[order].reset_index(drop=True)


def build_table(
    specs: Sequence[Mapping[str, Any]],
    references: Sequence[Mapping[str, Any]] = (),
    metrics: Sequence[tuple[str, str]] = EXP2_METRICS,
) -> tuple[pd.DataFrame, list[str]]:
    """Parse, load and aggregate run specs (and reference specs); returns the table and the
    eval-set names."""
    runs = [parse_run_spec(s, where=f"--run #{i + 1}") for i, s in enumerate(specs)]
    runs += [
        parse_run_spec(s, reference=True, where=f"--reference #{i + 1}")
        for i, s in enumerate(references)
    ]
    names = eval_set_names(runs)
    records = pd.DataFrame([load_run(run, metrics) for run in runs])
    return aggregate_runs(records, names, metrics), names


def _mean_std(mean: float, std: float, n: int) -> str:
    return f"{mean:.3f}" if n < 2 else f"{mean:.3f} ± {std:.3f}"


def markdown_frame(
    table: pd.DataFrame,
    eval_names: Sequence[str],
    metrics: Sequence[tuple[str, str]] = EXP2_METRICS,
) -> pd.DataFrame:
    """Readable version of the table: one ``mean ± std`` cell per eval set and metric."""
    out = pd.DataFrame(
        {
            "training data": [
                METHOD_NAMES[m] + (f" {SHARED_MARK}" if t != m else "")
                for m, t in zip(table["method"], table["trained_as"], strict=True)
            ],
            "bonafide rate": [f"{v:g}" for v in table["bonafide_rate"]],
            "spoof rate": [f"{v:g}" for v in table["spoof_rate"]],
            "n bonafide": table["n_bonafide"].astype(int).astype(str),
            "n spoof": table["n_spoof"].astype(int).astype(str),
            "seeds": table["n_seeds"].astype(int).astype(str),
        }
    )
    for name in eval_names:
        for key, label in metrics:
            column = f"{slugify(name)}_{key}"
            out[f"{name} {label}"] = [
                _mean_std(m, s, n)
                for m, s, n in zip(
                    table[f"{column}_mean"], table[f"{column}_std"], table["n_seeds"], strict=True
                )
            ]
    out["train time (s)"] = [f"{v:.0f}" for v in table["train_seconds_mean"]]
    return out


def exp2_markdown(
    table: pd.DataFrame,
    eval_names: Sequence[str],
    metrics: Sequence[tuple[str, str]] = EXP2_METRICS,
) -> str:
    """The Markdown page of the table: title, ``mean ± std`` cells, and what they mean."""
    frame = markdown_frame(table, eval_names, metrics)
    return to_markdown(frame, title=TITLE) + NOTE + shared_note(table)
