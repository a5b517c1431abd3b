"""Detector models (layer 3; imports torch only).

``create_model(name, **overrides)`` builds a registered detector. Every
detector takes log-mel batches ``(B, 1, n_mels, n_frames)`` (or
``(B, n_mels, n_frames)``), returns one logit per utterance from
``forward`` (higher = more bonafide), and exposes the penultimate embedding
via ``forward_head(forward_features(x), pre_logits=True)`` (also ``embed``),
whose width is ``model.num_features``. ``num_attack_classes=n`` (n >= 2)
adds an attack-id head (``forward_heads`` gives both logits), and
``stage_embedding(x, stage)`` the pooled output of an earlier stage.
Architectures are described in docs/models.md.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from torch import nn

from .base import SpectrogramDetector
from .convnext import ConvNeXtBlock, ConvNeXtDetector
from .init import glorot_bound, init_weights
from .resnet import ResidualBlock, ResNetDetector, split_blocks

__all__ = [
    "MODEL_NAMES",
    "ConvNeXtBlock",
    "ConvNeXtDetector",
    "ResNetDetector",
    "ResidualBlock",
    "SpectrogramDetector",
    "count_parameters",
    "create_model",
    "glorot_bound",
    "init_weights",
    "split_blocks",
]

# name -> (class, default keyword arguments). Keyword overrides passed to
# create_model replace the defaults (e.g. num_blocks, depths, widths, dropout).
_REGISTRY: dict[str, tuple[Callable[..., SpectrogramDetector], dict[str, Any]]] = {
    "resnet": (ResNetDetector, {"num_blocks": 18}),
    "tiny_resnet": (ResNetDetector, {"num_blocks": 9}),
    "convnext": (ConvNeXtDetector, {"depths": (2, 2, 4, 2), "widths": (32, 64, 128, 256)}),
}

#: Names accepted by :func:`create_model`.
MODEL_NAMES: tuple[str, ...] = tuple(_REGISTRY)


def create_model(name: str, **overrides: Any) -> SpectrogramDetector:
    """Build the registered detector ``name`` with freshly initialised weights.

    Weights depend only on the torch RNG, so call ``torch.manual_seed``
    first for a reproducible model. ``overrides`` replace the registered
    defaults and go to the class constructor; an unknown keyword raises
    TypeError, an unknown name ValueError.
    """
    if name not in _REGISTRY:
        raise ValueError(f"unknown model {name!r}; choose one of {', '.join(MODEL_NAMES)}")
    cls, defaults = _REGISTRY[name]
    kwargs = {**defaults, **overrides}
    if "depths" in overrides and "num_blocks" in defaults and "num_blocks" not in overrides:
        kwargs.pop("num_blocks")  # explicit depths define the block count
    return cls(**kwargs)


def count_parameters(model: nn.Module, trainable_only: bool = True) -> int:
    """Return the number of (trainable, by default) parameter elements of ``model``."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad or not trainable_only)
