"""Types and helpers every stage planner shares (config, paths, run specs, option lists).

Pure functions of the validated config (see ``planning/__init__.py``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from workflow_scripts.metrics.table_metrics import DEFAULT_TABLE_METRICS

Config = Mapping[str, Any]
#: One path or several: a named input of a rule is a string for one file, else a list.
Paths = str | Sequence[str]
#: A run spec of the Experiment-2/4 tables: method, seed, summary, history, metrics, ...
RunSpec = dict[str, Any]

#: The two arms of Experiment 4, in table order.
EXP4_METHODS = ("full_method", "random_matched")
#: Embedding source of Experiment 4 itself: its paths carry no source suffix.
BINARY_SOURCE = "binary"
#: Source pretrained with an attack-id head (corpora without attack ids fall back to binary).
ATTACK_AWARE_SOURCE = "attack_aware"


def as_paths(paths: Paths) -> list[str]:
    return [paths] if isinstance(paths, str) else list(paths)


def repeat_option(option: str, values: Iterable[str | Sequence[str]]) -> list[str]:
    """The words of ``option`` given once per value; a sequence value is several words after
    one ``option`` (``--entry N LABEL PATH``)."""
    return [word for v in values for word in (option, *([v] if isinstance(v, str) else v))]


def table_metric_args(config: Config) -> list[str]:
    """``--metric`` per ``tables.metrics`` entry, or nothing for the default (each table's own
    set and order, so the paper's tables and their rule params stay as they were)."""
    metrics = tuple(config["tables"]["metrics"])
    return [] if metrics == DEFAULT_TABLE_METRICS else repeat_option("--metric", metrics)
