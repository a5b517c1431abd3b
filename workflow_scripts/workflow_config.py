"""Resolve the validated workflow config into what each stage needs.

The JSON schema checks types and unknown keys; this module adds what a schema
cannot say: which keys belong to which dataset format, their per-format
defaults, and where the demo corpus stands in for a missing root.
"""

from __future__ import annotations

from typing import Any

from workflow_scripts.datasets import SPLITS_BY_FORMAT, asvspoof2019, fakeorreal, in_the_wild, wavefake

#: Splits each format provides (ASVspoof dev is the validation set; In-the-Wild is evaluation only).
SPLITS_BY_FORMAT_NAMES: dict[str, tuple[str, ...]] = SPLITS_BY_FORMAT

#: Keys each format accepts besides ``format`` and ``root``, with their defaults (from the adapters).
FORMAT_OPTIONS: dict[str, dict[str, Any]] = {
    module.FORMAT: {k: v for k, v in module.OPTION_DEFAULTS.items() if k != "root"}
    for module in (asvspoof2019, fakeorreal, wavefake, in_the_wild)
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


def demo_sizes(config: dict[str, Any], fmt: str) -> dict[str, Any]:
    """The ``demo.<format>`` block, or an error naming the missing key."""
    try:
        return config["demo"][fmt]
    except KeyError as err:
        raise ConfigError(f"demo.{fmt} is missing from the config (needed for the demo corpus)") from err
