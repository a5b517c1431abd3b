"""Building blocks of every demo corpus: audio jobs, sizes, one rendered utterance.

Every file of a demo corpus is an :class:`AudioJob` whose audio is a pure
function of the seed and the utterance's keys (``(corpus, split, index)``),
so corpora are byte-identical between runs and machines.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial

import numpy as np

from . import channels
from .attacks import Recipe, synthesize_spoof
from .speech import Speaker, plan_utterance, render, rng_for

SPLITS = ("train", "dev", "eval")


@dataclass(frozen=True)
class AudioJob:
    """One audio file of a corpus: where it goes and how to make it (lazily)."""

    rel_path: str
    sr: int
    make: Callable[[], np.ndarray]
    fmt: str = "WAV"


# ------------------------------------------------------------------ validation
def count(value: object, where: str) -> int:
    """A non-negative integer size, or a clear error naming the config entry."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
        raise ValueError(f"demo sizes: {where} must be a non-negative integer, got {value!r}")
    return int(value)


def check_duration(duration_s: object, where: str = "duration_s") -> tuple[float, float]:
    """Validate a (min, max) utterance duration range in seconds."""
    try:
        lo, hi = (float(v) for v in duration_s)  # type: ignore[union-attr]
    except (TypeError, ValueError):
        lo, hi = float("nan"), float("nan")
    if not (0.5 <= lo <= hi <= 60.0):
        raise ValueError(
            f"demo {where} must be [min, max] with 0.5 <= min <= max <= 60, got {duration_s!r}"
        )
    return lo, hi


def split_counts(
    fmt: str, sizes: Mapping[str, object], splits: tuple[str, ...] = SPLITS
) -> dict[str, tuple[int, int]]:
    """(bonafide, spoof) per split from ``{"train": {"bonafide": b, "spoof": s}, ...}``."""
    out = {}
    for split in splits:
        entry = sizes.get(split)
        if not isinstance(entry, Mapping) or set(entry) != {"bonafide", "spoof"}:
            raise ValueError(
                f"demo sizes for {fmt!r}: {split!r} must be {{'bonafide': int, 'spoof': int}}, "
                f"got {entry!r}"
            )
        out[split] = (
            count(entry["bonafide"], f"{fmt}.{split}.bonafide"),
            count(entry["spoof"], f"{fmt}.{split}.spoof"),
        )
    return out


# -------------------------------------------------------------- one utterance
def finish(x: np.ndarray, sr: int, level_dbfs: float | None, where: str) -> np.ndarray:
    """Final level and the invariants every written file satisfies."""
    if level_dbfs is not None:
        x = channels.normalise_loudness(x, sr, level_dbfs)
    if not np.all(np.isfinite(x)):
        raise FloatingPointError(f"{where}: non-finite samples generated")
    if channels.rms(x) < 1e-4:
        raise RuntimeError(f"{where}: generated audio is (nearly) silent")
    return np.clip(x, -1.0, 1.0).astype(np.float32)


def make_utterance(
    seed: int,
    keys: tuple[str | int, ...],
    speaker: Speaker,
    duration_s: float,
    sr: int,
    profile: str,
    chain: Recipe | None,
    level_dbfs: float | None,
    post: Callable[[np.ndarray, np.random.Generator], np.ndarray] | None = None,
) -> np.ndarray:
    """Render one bonafide (``chain`` None) or spoofed utterance, record, post-process, level it."""
    plan = plan_utterance(speaker, duration_s, rng_for(seed, *keys, "plan"))

    def record(x: np.ndarray) -> np.ndarray:
        return channels.record(x, sr, profile, rng_for(seed, *keys, "record"))

    render_rng = rng_for(seed, *keys, "render")
    if chain is None:
        x = record(render(plan, speaker, sr, render_rng))
    else:
        x = synthesize_spoof(
            chain, plan, speaker, sr, rng_for(seed, *keys, "attack"), record, render_rng
        )
    if post is not None:
        x = post(x, rng_for(seed, *keys, "post"))
    return finish(x, sr, level_dbfs, "/".join(map(str, keys)))


def draw_duration(seed: int, keys: tuple[str | int, ...], duration_s: tuple[float, float]) -> float:
    """The utterance's duration, from its own stream so it is known before rendering."""
    return float(rng_for(seed, *keys, "duration").uniform(*duration_s))


def drawn_utterance(
    seed: int,
    keys: tuple[str | int, ...],
    speaker: Speaker,
    duration_s: tuple[float, float],
    level_dbfs: tuple[float, float],
    sr: int,
    profile: str,
    chain: Recipe | None,
    post: Callable[[np.ndarray, np.random.Generator], np.ndarray] | None = None,
) -> Callable[[], np.ndarray]:
    """:func:`make_utterance`, deferred, with the duration and level drawn from the ranges
    ``duration_s`` and ``level_dbfs`` by the utterance's own streams."""
    level = float(rng_for(seed, *keys, "level").uniform(*level_dbfs))
    duration = draw_duration(seed, keys, duration_s)
    return partial(make_utterance, seed, keys, speaker, duration, sr, profile, chain, level, post)
