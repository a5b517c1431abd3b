"""Resolve the validated workflow config into what each stage needs.

The JSON schema checks types and unknown keys; this module adds what a schema
cannot say: which keys belong to which dataset format, their per-format
defaults, and where the demo corpus stands in for a missing root.
"""

from __future__ import annotations

from typing import Any

#: Splits each format provides (ASVspoof dev is the validation set; In-the-Wild is evaluation only).
SPLITS_BY_FORMAT_NAMES: dict[str, tuple[str, ...]] = {
    "asvspoof2019_la": ("train", "dev", "eval"),
    "for": ("train", "dev", "eval"),
    "wavefake": ("train", "dev", "eval"),
    "in_the_wild": ("eval",),
}

#: Keys each format accepts besides ``format`` and ``root``, with their defaults.
FORMAT_OPTIONS: dict[str, dict[str, Any]] = {
    "asvspoof2019_la": {},
    "for": {"variant": "for-norm"},
    "wavefake": {
        "ljspeech_root": None,
        "vocoders": [
            "ljspeech_melgan",
            "ljspeech_melgan_large",
            "ljspeech_multi_band_melgan",
            "ljspeech_full_band_melgan",
            "ljspeech_hifiGAN",
            "ljspeech_parallel_wavegan",
            "ljspeech_waveglow",
        ],
        "split_fractions": {"train": 0.7, "dev": 0.1, "eval": 0.2},
    },
    "in_the_wild": {},
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
    if fmt == "wavefake":
        fractions = resolved["split_fractions"]
        total = sum(fractions.values())
        if abs(total - 1.0) > 1e-6:
            raise ConfigError(f"datasets.{name}.split_fractions must sum to 1, got {total:g}")
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
