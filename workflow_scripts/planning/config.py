"""Resolve the validated workflow config into what each stage needs.

The JSON schema checks types and unknown keys; this module adds what a schema
cannot say: which keys belong to which dataset format, their per-format
defaults, where the demo corpus stands in for a missing root, the checked
Experiment-2 grid with its lossless rate tags (path wildcards), the
(dataset, split) caches of the Experiment-3 training pool, and the splits each
evaluation set and training role needs from its corpus.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from workflow_scripts.datasets import FORMAT_SPECS, SPLITS_BY_FORMAT

#: Splits each format provides (ASVspoof dev is the validation set; In-the-Wild is evaluation only).
SPLITS_BY_FORMAT_NAMES: dict[str, tuple[str, ...]] = SPLITS_BY_FORMAT

#: Keys each format accepts besides ``format`` and ``root``, with their defaults (from adapters).
FORMAT_OPTIONS: dict[str, dict[str, Any]] = {
    spec.FORMAT: {k: v for k, v in spec.OPTION_DEFAULTS.items() if k != "root"}
    for spec in FORMAT_SPECS
}


class ConfigError(ValueError):
    """A config value that the schema accepts but the workflow cannot use."""


def resolve_dataset(name: str, cfg: dict[str, Any], demo_root: str) -> dict[str, Any]:
    """Return the adapter config of dataset ``name``: format options filled, root resolved.

    A null ``root`` means the built-in demo corpus generated under ``demo_root``.
    """
    fmt = cfg["format"]
    if fmt not in FORMAT_OPTIONS:
        raise ConfigError(f"datasets.{name}.format: unknown format {fmt!r}")
    options = FORMAT_OPTIONS[fmt]
    extra = sorted(set(cfg) - {"format", "root"} - set(options))
    if extra:
        raise ConfigError(
            f"datasets.{name}: key(s) {', '.join(extra)} do not apply to format {fmt!r} "
            f"(allowed: format, root{''.join(', ' + k for k in options)})"
        )
    resolved: dict[str, Any] = {"format": fmt}
    for key, default in options.items():
        resolved[key] = cfg.get(key, default)
    if cfg.get("root") is None:
        resolved["root"] = demo_root
        if fmt == "wavefake":
            resolved["ljspeech_root"] = demo_root
    else:
        resolved["root"] = cfg["root"]
    return resolved


def demo_sizes(config: Mapping[str, Any], fmt: str) -> dict[str, Any]:
    """The ``demo.<format>`` block, or an error naming the missing key."""
    try:
        return config["demo"][fmt]
    except KeyError as err:
        raise ConfigError(
            f"demo.{fmt} is missing from the config (needed for the demo corpus)"
        ) from err


# --------------------------------------------------------------------------- Experiment 2 grid

#: Wildcard pattern of a rate tag (:func:`rate_tag`): ``1.0``, or ``0.`` and digits without
#: trailing zeros.
#: One value has exactly one tag, so two spellings of a rate never make two output paths.
RATE_TAG_PATTERN = r"(?:1\.0|0\.\d*[1-9])"


def rate_tag(rate: float) -> str:
    """Lossless path tag of a rate: the shortest positional decimal that reads back exactly.

    ``1.0``, ``0.5``, ``0.125``, ``0.12``; ``float(rate_tag(x)) == x`` for every float.
    """
    value = float(rate)
    tag = str(np.format_float_positional(value, trim="0"))
    if float(tag) != value:  # cannot happen for finite floats (shortest round-trip digits)
        raise ConfigError(f"rate {rate!r} has no exact decimal tag")
    return tag


def _rate(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ConfigError(f"{where} must be a number in (0, 1], got {value!r}")
    rate = float(value)
    if not (math.isfinite(rate) and 0.0 < rate <= 1.0):
        raise ConfigError(
            f"{where} = {value!r} is outside (0, 1]; a rate is the share of a class's samples"
            " of interest kept"
        )
    return rate


def exp2_grid(config: Mapping[str, Any]) -> list[tuple[float, float]]:
    """The checked ``experiment2.grid``: (bonafide, spoof) rate pairs, each in (0, 1], none twice.

    Errors name the grid entry (``experiment2.grid[i]``). Pairs are compared as
    floats, so ``[1, 0.5]`` and ``[1.0, 0.5]`` are the same point.
    """
    grid = config["experiment2"]["grid"]
    points: list[tuple[float, float]] = []
    seen: dict[tuple[float, float], int] = {}
    for i, point in enumerate(grid):
        where = f"experiment2.grid[{i}]"
        if not isinstance(point, (list, tuple)) or len(point) != 2:
            raise ConfigError(f"{where} = {point!r} must be a [bonafide rate, spoof rate] pair")
        pair = (_rate(point[0], f"{where} bonafide rate"), _rate(point[1], f"{where} spoof rate"))
        if pair in seen:
            raise ConfigError(
                f"{where} = {list(point)!r} repeats experiment2.grid[{seen[pair]}];"
                " each grid point is listed once"
            )
        seen[pair] = i
        points.append(pair)
    return points


def exp2_settings(config: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    """(method, bonafide rate tag, spoof rate tag) for every Experiment-2 grid point and method."""
    points = exp2_grid(config)
    return [
        (method, rate_tag(b), rate_tag(s))
        for method in config["experiment2"]["methods"]
        for b, s in points
    ]


def exp2_rate(config: Mapping[str, Any], tag: str, which: str) -> float:
    """The configured rate (``which``: ``bonafide`` or ``spoof``) whose tag is ``tag``.

    The sampler gets this value, not a number parsed back from a path, so the
    command line carries exactly what the config says.
    """
    column = {"bonafide": 0, "spoof": 1}[which]
    for point in exp2_grid(config):
        if rate_tag(point[column]) == tag:
            return point[column]
    raise ConfigError(f"{which} rate tag {tag!r} matches no experiment2.grid entry")


# --------------------------------------------------------------------------- Experiment 3 pool

#: Splits each ``experiment3.pool`` value draws the Experiment-3 training rows from.
EXP3_POOLS: dict[str, tuple[str, ...]] = {"train": ("train",), "train_dev": ("train", "dev")}


def exp3_pool(
    config: Mapping[str, Any], splits_of: Callable[[str], Sequence[str]]
) -> list[tuple[str, str]]:
    """(dataset, split) caches of the Experiment-3 training pool, datasets in configured order.

    ``splits_of(name)`` gives the splits a dataset has; a corpus without a dev
    split contributes its train split only.
    """
    exp = config["experiment3"]
    pool = exp.get("pool", "train")
    if pool not in EXP3_POOLS:
        raise ConfigError(
            f"experiment3.pool: unknown value {pool!r} (expected one of {sorted(EXP3_POOLS)})"
        )
    out = []
    for name in exp["datasets"]:
        available = tuple(splits_of(name))
        if "train" not in available:
            raise ConfigError(
                f"experiment3.datasets: {name!r} has no train split (splits: {list(available)})"
            )
        out += [(name, split) for split in EXP3_POOLS[pool] if split in available]
    return out


# --------------------------------------------------------------------------- evaluation sets

#: Labels of the Experiment-3/4 evaluation sets the workflow names itself.
EXP34_EVAL_LABELS: tuple[str, ...] = ("eval data", "In the wild")


def check_eval_sets(config: Mapping[str, Any]) -> None:
    """Refuse evaluation sets that name an unconfigured dataset or a split its format lacks,
    and labels that collide (two columns of one table would share a name)."""
    first = list(config["experiment1"]["eval_sets"])
    extra = list(config.get("extra_eval_sets") or [])
    for where, sets in (("experiment1.eval_sets", first), ("extra_eval_sets", extra)):
        for i, ev in enumerate(sets):
            name = ev["dataset"]
            if name not in config["datasets"]:
                raise ConfigError(
                    f"{where}[{i}] ({ev['name']!r}): dataset {name!r} is not in datasets "
                    f"(configured: {', '.join(config['datasets'])})"
                )
            splits = SPLITS_BY_FORMAT_NAMES[config["datasets"][name]["format"]]
            if ev["split"] not in splits:
                raise ConfigError(
                    f"{where}[{i}] ({ev['name']!r}): dataset {name!r} has no split "
                    f"{ev['split']!r} (its format has {', '.join(splits)})"
                )
    for labels, where in (
        ([ev["name"] for ev in first + extra], "experiment1.eval_sets + extra_eval_sets"),
        ([*EXP34_EVAL_LABELS, *(ev["name"] for ev in extra)], "extra_eval_sets"),
    ):
        repeated = sorted({label for label in labels if labels.count(label) > 1})
        if repeated:
            raise ConfigError(f"{where}: evaluation set label(s) {repeated} used twice")


# --------------------------------------------------------------------------- dataset roles

#: Splits a corpus needs in each role: detectors train on train and validate on dev (Experiment
#: 4 pretrains one per Experiment-3 corpus); In-the-Wild is read from its eval split.
ROLE_SPLITS: dict[str, tuple[str, ...]] = {
    "experiment1.train_dataset": ("train", "dev"),
    "experiment2.source_dataset": ("train", "dev"),
    "experiment3.datasets": ("train", "dev"),
    "experiment3.itw_dataset": ("eval",),
}


def check_dataset_roles(config: Mapping[str, Any]) -> None:
    """Refuse a training or evaluation role given to an unconfigured dataset or to a corpus whose
    format lacks the splits the role reads (e.g. ASVspoof 2021, evaluation only, as a training
    corpus), before any job is planned around files no rule can make."""
    for role, needed in ROLE_SPLITS.items():
        section, key = role.split(".")
        value = config[section][key]
        for name in [value] if isinstance(value, str) else value:
            if name not in config["datasets"]:
                raise ConfigError(
                    f"{role}: dataset {name!r} is not in datasets "
                    f"(configured: {', '.join(config['datasets'])})"
                )
            fmt = config["datasets"][name]["format"]
            splits = SPLITS_BY_FORMAT_NAMES[fmt]
            missing = [split for split in needed if split not in splits]
            if missing:
                raise ConfigError(
                    f"{role}: dataset {name!r} ({fmt}) has no {' or '.join(missing)} split, "
                    f"which this role reads (its format has {', '.join(splits)}); "
                    "use it as an evaluation set instead (experiment1.eval_sets, extra_eval_sets)"
                )
