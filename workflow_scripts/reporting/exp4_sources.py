"""Experiment 4 per embedding source of Algorithm 2: cluster recovery and full method vs. random.

The ablation asks whether Algorithm 2 needs an embedding in which attacks are visible. Each
source (``binary``, ``attack_aware``, ``stage<N>``) has its own full-method runs and matched
random controls (``planning.experiment4.exp4_source_runs``).

* :func:`read_source_run`: one ``--run`` JSON (Experiment 4's keys plus ``source``);
* :func:`sources_table`: Experiment 4's table (:func:`~.exp4.exp4_table`) per source;
* :func:`cluster_recovery`: per source and corpus, from the full method's selection
  summaries: attacks in the data, the k chosen per seed, its silhouette, ARI and NMI against
  the attack ids, and NC1 per class and among attacks;
* :func:`sources_markdown` and :func:`plot_sources` show both.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from workflow_scripts.io.files import parse_json_object, read_json
from workflow_scripts.reporting import exp4
from workflow_scripts.reporting.plotting import figure, save_figure
from workflow_scripts.reporting.tables import TABLE_METRICS, mean_std, to_markdown

#: Columns of the cluster-recovery table, in order.
CLUSTER_COLUMNS: tuple[str, ...] = (
    "source",
    "dataset",
    "embedding_used",
    "n_attacks",
    "k",
    "silhouette",
    "ari",
    "nmi",
    "nc1_bonafide",
    "nc1_spoof",
    "nc1_attacks",
    "n_runs",
)
#: Collapse keys of a full-method summary (``sampling.full_method.collapse_by_class``).
COLLAPSE_KEYS: tuple[str, ...] = ("nc1_bonafide", "nc1_spoof", "nc1_attacks")


@dataclass(frozen=True)
class SourceRun:
    """One trained run of the ablation: its source, the Experiment-4 run and its selection
    summary (the full method's holds the clusters)."""

    source: str
    run: exp4.Exp4Run
    summary: Mapping[str, Any]
    summary_path: str


def read_source_run(text: str) -> SourceRun:
    """One ``--run`` JSON string with a ``source`` key -> :class:`SourceRun`, files read."""
    spec = parse_json_object(text, "--run")
    source = spec.get("source")
    if not isinstance(source, str) or not source:
        raise ValueError(f"--run {text!r}: needs a 'source' (the embedding source name)")
    run = exp4.read_run(text)
    summary = read_json(spec["summary"], "selection summary")
    if not isinstance(summary, dict):
        raise ValueError(f"{spec['summary']}: selection summary must hold a JSON object")
    return SourceRun(source=source, run=run, summary=summary, summary_path=str(spec["summary"]))


def source_order(runs: Sequence[SourceRun]) -> list[str]:
    return list(dict.fromkeys(r.source for r in runs))


def sources_table(
    runs: Sequence[SourceRun],
    digits: int = 4,
    metrics: Sequence[tuple[str, str]] = TABLE_METRICS,
) -> pd.DataFrame:
    """Experiment 4's table per source, stacked, with a leading ``source`` column."""
    if not runs:
        raise ValueError("no runs of the embedding-source ablation")
    parts = []
    for source in source_order(runs):
        mine = [r.run for r in runs if r.source == source]
        table = exp4.exp4_table(mine, digits=digits, metrics=metrics)
        parts.append(table.assign(source=source))
    table = pd.concat(parts, ignore_index=True)
    return table[["source", *[c for c in table.columns if c != "source"]]]


def _number(value: object, where: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not np.isfinite(value):
        raise ValueError(f"{where}: expected a finite number or null, got {value!r}")
    return float(value)


def _dataset_row(source: str, dataset: str, parts: Sequence[tuple[str, Mapping[str, Any]]]) -> dict:
    """One cluster-recovery row from the summaries' entries of one dataset (one per seed)."""
    ks, silhouettes, aris, nmis = [], [], [], []
    collapse: dict[str, list[float]] = {key: [] for key in COLLAPSE_KEYS}
    used = set()
    n_attacks = set()
    for path, part in parts:
        a2 = part.get("algorithm2")
        if not isinstance(a2, Mapping) or not isinstance(a2.get("k"), int):
            raise ValueError(f"{path}: dataset {dataset!r} has no algorithm2.k")
        k = int(a2["k"])
        ks.append(k)
        score = (a2.get("silhouette") or {}).get(str(k))
        if score is not None:
            silhouettes.append(_number(score, f"{path}: {dataset} silhouette"))
        agreement = a2.get("agreement")
        if isinstance(agreement, Mapping):
            aris.append(_number(agreement.get("ari"), f"{path}: {dataset} ari"))
            nmis.append(_number(agreement.get("nmi"), f"{path}: {dataset} nmi"))
        n_attacks.add(len(a2.get("attacks") or []))
        for key in COLLAPSE_KEYS:
            value = _number((part.get("collapse") or {}).get(key), f"{path}: {dataset} {key}")
            if value is not None:
                collapse[key].append(value)
        used.add(str(part.get("embedding_source", source)))

    def mean(values: list[Any]) -> float | None:
        values = [v for v in values if v is not None]
        return round(mean_std(values)[0], 4) if values else None

    return {
        "source": source,
        "dataset": dataset,
        "embedding_used": ",".join(sorted(used)),
        "n_attacks": max(n_attacks),
        "k": ",".join(str(k) for k in ks),
        "silhouette": mean(silhouettes),
        "ari": mean(aris),
        "nmi": mean(nmis),
        **{key: mean(values) for key, values in collapse.items()},
        "n_runs": len(parts),
    }


def cluster_recovery(runs: Sequence[SourceRun]) -> pd.DataFrame:
    """One row per (source, dataset) of the full-method runs (columns :data:`CLUSTER_COLUMNS`);
    k is listed per seed, the scores are means over seeds (empty where they do not apply)."""
    rows = []
    for source in source_order(runs):
        full = [r for r in runs if r.source == source and r.run.method == "full_method"]
        if not full:
            raise ValueError(f"source {source!r} has no full_method run")
        by_dataset: dict[str, list[tuple[str, Mapping[str, Any]]]] = {}
        for r in sorted(full, key=lambda r: r.run.seed):
            datasets = r.summary.get("datasets")
            if not isinstance(datasets, Mapping) or not datasets:
                raise ValueError(f"{r.summary_path}: no per-dataset entries")
            for name, part in datasets.items():
                by_dataset.setdefault(str(name), []).append((r.summary_path, part))
        rows += [_dataset_row(source, name, parts) for name, parts in by_dataset.items()]
    return pd.DataFrame(rows, columns=list(CLUSTER_COLUMNS))


def sources_markdown(
    table: pd.DataFrame,
    clusters: pd.DataFrame,
    metrics: Sequence[tuple[str, str]] = TABLE_METRICS,
) -> str:
    """Both tables as Markdown: cluster recovery first, then the per-source Experiment 4 rows."""
    shown = clusters.astype(object).where(clusters.notna(), "n/a")
    recovery = to_markdown(
        shown, title="Algorithm 2 per embedding source: how well k-means recovers the attacks"
    )
    blocks = []
    for source in dict.fromkeys(table["source"]):
        part = table[table["source"] == source].drop(columns=["source"]).reset_index(drop=True)
        # drop the generic title
        body = exp4.exp4_markdown(part, metrics=metrics).split("\n", 2)[-1]
        blocks.append(f"#### Source: {source}\n\n{body.strip()}\n")
    return (
        recovery.rstrip()
        + "\n\n### Full method vs. random sampling at the same budget, per source\n\n"
        + "\n".join(blocks)
    )


def plot_sources(runs: Sequence[SourceRun], path: str | os.PathLike[str]) -> None:
    """EER-ROC per source: bars for the full method and its random control, one panel per
    evaluation set (error bars: standard deviation over seeds)."""
    sources = source_order(runs)
    long = pd.concat(
        [
            exp4.exp4_summary([r.run for r in runs if r.source == s]).assign(source=s)
            for s in sources
        ],
        ignore_index=True,
    )
    long = long[long["metric"] == "EER-ROC"]
    eval_sets = list(dict.fromkeys(long["eval_set"]))
    with figure(
        1,
        len(eval_sets),
        figsize=(3.2 * len(eval_sets) + 1.5, 3.6),
        squeeze=False,
        constrained_layout=True,
    ) as (fig, axes):
        for ax, eval_set in zip(axes[0], eval_sets, strict=True):
            exp4.draw_method_bars(ax, long[long["eval_set"] == eval_set], "source", sources)
            ax.set_title(f"{eval_set}: EER-ROC")
        axes[0][0].legend(fontsize="small")
        save_figure(fig, path, dpi=120)
