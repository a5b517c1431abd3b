"""Planning of the demo corpora and manifests (``rules/demo.smk``, ``rules/manifests.smk``).

Pure functions of the validated config (see ``planning/__init__.py``).
"""

from __future__ import annotations

import json
from typing import Any

from workflow_scripts.planning.common import Config
from workflow_scripts.planning.config import (
    SPLITS_BY_FORMAT_NAMES,
    demo_sizes,
    resolve_dataset,
)


def dataset_format(config: Config, name: str) -> str:
    return config["datasets"][name]["format"]


def is_demo(config: Config, name: str) -> bool:
    """A dataset without a ``root`` is the built-in demo corpus."""
    return config["datasets"][name].get("root") is None


def demo_dir(name: str) -> str:
    return f"results/demo/{name}"


def dataset_splits(config: Config, name: str) -> tuple[str, ...]:
    """The splits dataset ``name`` provides (by its format)."""
    return SPLITS_BY_FORMAT_NAMES[dataset_format(config, name)]


def resolved_dataset(config: Config, name: str) -> dict[str, Any]:
    """The adapter config of a dataset, with the demo folder as root when root is null."""
    return resolve_dataset(name, config["datasets"][name], demo_dir(name))


def dataset_json(config: Config, name: str) -> str:
    return json.dumps(resolved_dataset(config, name), sort_keys=True)


def demo_sizes_json(config: Config, name: str) -> str:
    """The ``demo.<format>`` block of a dataset's format, as JSON."""
    return json.dumps(demo_sizes(config, dataset_format(config, name)), sort_keys=True)


def demo_durations(config: Config) -> list[str]:
    """``demo.duration_s`` (shortest and longest clip), one word each."""
    return [str(x) for x in config["demo"]["duration_s"]]


def demo_args(config: Config, name: str) -> list[str]:
    """Format-specific demo flags (FoR variant, WaveFake vocoders)."""
    cfg = resolved_dataset(config, name)
    if cfg["format"] == "for":
        return ["--variant", cfg["variant"]]
    if cfg["format"] == "wavefake":
        return ["--vocoders", *cfg["vocoders"]]
    return []


def manifest_path(name: str) -> str:
    return f"results/manifests/{name}.tsv"
