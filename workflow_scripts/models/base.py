"""Common interface of the spectrogram detectors (timm-like).

Every detector maps a log-mel batch ``(B, 1, n_mels, n_frames)`` to one
logit per utterance (higher = more bonafide) and exposes the penultimate
embedding that the neural-collapse sampling works on. The split into
``forward_features`` / ``forward_head(pre_logits=...)`` lets the training
layer get logits and embeddings from one backbone pass.
"""

from __future__ import annotations

import torch
from torch import nn

__all__ = ["SpectrogramDetector"]


class SpectrogramDetector(nn.Module):
    """Base class: input checking, pooling head, dropout and one-logit classifier.

    Subclasses build ``self.stem``/stages in ``__init__``, implement
    ``forward_features`` and may override ``pre_logits_norm`` (identity by
    default) to normalise the pooled vector before the classifier.

    Attributes:
        num_features: width of the penultimate embedding.
        min_input_size: smallest ``n_mels`` / ``n_frames`` accepted (the
            backbone's total downsampling factor).
        in_channels: expected channel count of 4-D input.
        depths, widths, num_blocks: blocks and channels per stage, and all blocks.
    """

    num_features: int
    min_input_size: int
    in_channels: int
    depths: tuple[int, ...]
    widths: tuple[int, ...]
    num_blocks: int

    def _set_stages(
        self, depths: tuple[int, ...], widths: tuple[int, ...], in_channels: int
    ) -> None:
        """Record the checked stage layout and input channels a subclass builds from."""
        self.depths = depths
        self.widths = widths
        self.num_blocks = sum(depths)
        self.in_channels = in_channels

    def _build_head(self, num_features: int, dropout: float) -> None:
        """Create the pooled-embedding head shared by all detectors."""
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {dropout}")
        self.num_features = num_features
        self.pre_logits_norm: nn.Module = nn.Identity()
        self.head_dropout = nn.Dropout(dropout)
        self.classifier = nn.Linear(num_features, 1)

    def as_spectrogram_batch(self, x: torch.Tensor) -> torch.Tensor:
        """Return ``x`` as a 4-D float batch ``(B, C, n_mels, n_frames)``.

        3-D input ``(B, n_mels, n_frames)`` gets a channel axis. Raises a
        ValueError naming the problem instead of an opaque conv error.
        """
        if not torch.is_floating_point(x):
            raise ValueError(f"expected a floating point spectrogram batch, got dtype {x.dtype}")
        if x.dim() == 3:
            x = x.unsqueeze(1)
        if x.dim() != 4:
            raise ValueError(
                "expected input of shape (B, n_mels, n_frames) or (B, 1, n_mels, n_frames), "
                f"got shape {tuple(x.shape)}"
            )
        if x.shape[1] != self.in_channels:
            raise ValueError(
                f"expected {self.in_channels} input channel(s), got shape {tuple(x.shape)}"
            )
        if min(x.shape[-2:]) < self.min_input_size:
            raise ValueError(
                f"input spectrogram {tuple(x.shape[-2:])} is smaller than the minimum "
                f"{self.min_input_size} x {self.min_input_size} this model downsamples to"
            )
        return x

    def forward_features(self, x: torch.Tensor) -> torch.Tensor:
        """Return the last feature map ``(B, num_features, H', W')``."""
        raise NotImplementedError

    def forward_head(self, feats: torch.Tensor, pre_logits: bool = False) -> torch.Tensor:
        """Pool a feature map to the embedding, then (unless ``pre_logits``) classify.

        Args:
            feats: feature map ``(B, C, H, W)`` from ``forward_features`` or an
                already pooled ``(B, C)`` tensor.
            pre_logits: return the penultimate embedding ``(B, num_features)``
                (after global average pooling and the final norm, before
                dropout and the classifier) instead of the logit.

        Returns:
            ``(B, num_features)`` embedding or ``(B,)`` logits.
        """
        pooled = feats.mean(dim=(-2, -1)) if feats.dim() == 4 else feats
        embedding = self.pre_logits_norm(pooled)
        if pre_logits:
            return embedding
        return self.classifier(self.head_dropout(embedding)).squeeze(-1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Return one logit per utterance, shape ``(B,)``; higher = more bonafide."""
        return self.forward_head(self.forward_features(x))

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        """Return the penultimate embedding ``(B, num_features)`` of a batch."""
        return self.forward_head(self.forward_features(x), pre_logits=True)
