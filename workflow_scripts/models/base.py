"""Common interface of the spectrogram detectors (timm-like).

Every detector maps a log-mel batch ``(B, 1, n_mels, n_frames)`` to one
logit per utterance (higher = more bonafide) and exposes the penultimate
embedding that the neural-collapse sampling works on. The split into
``forward_features`` / ``forward_head(pre_logits=...)`` lets the training
layer get logits and embeddings from one backbone pass.

Two extras serve the embedding ablation of docs/models.md: an optional
attack-id head (``num_attack_classes`` > 0: a second linear layer on the same
embedding, trained with :meth:`SpectrogramDetector.forward_heads`) and the
pooled output of an earlier stage (:meth:`SpectrogramDetector.stage_embedding`).
"""

from __future__ import annotations

import torch
from torch import nn

__all__ = ["SpectrogramDetector"]


class SpectrogramDetector(nn.Module):
    """Base class: input checking, pooling head, dropout and one-logit classifier.

    Subclasses build ``self.stem`` and ``self.stages`` (one ``nn.Sequential``
    entry per stage) in ``__init__``, implement ``forward_stem`` (input check,
    stem, memory layout) and may override ``pre_logits_norm`` (identity by
    default) to normalise the pooled vector before the classifier.

    Attributes:
        num_features: width of the penultimate embedding.
        min_input_size: smallest ``n_mels`` / ``n_frames`` accepted (the
            backbone's total downsampling factor).
        in_channels: expected channel count of 4-D input.
        depths, widths, num_blocks: blocks and channels per stage, and all blocks.
        num_attack_classes: classes of the attack-id head (0: no such head,
            the plain binary detector).
    """

    stages: nn.Sequential
    num_features: int
    num_attack_classes: int
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

    def _build_head(self, num_features: int, dropout: float, num_attack_classes: int = 0) -> None:
        """Create the pooled-embedding head shared by all detectors.

        With ``num_attack_classes`` > 0 an ``attack_classifier`` (a linear layer
        from the embedding to that many attack-id logits) is added. It is
        registered after ``classifier`` and built without touching the global
        RNG, so the other layers' initial weights are those of the binary model
        with the same seed.
        """
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {dropout}")
        if isinstance(num_attack_classes, bool) or int(num_attack_classes) != num_attack_classes:
            raise ValueError(f"num_attack_classes must be an int, got {num_attack_classes!r}")
        if num_attack_classes < 0 or num_attack_classes == 1:
            raise ValueError(
                "num_attack_classes must be 0 (no attack head) or >= 2 classes, "
                f"got {num_attack_classes}"
            )
        self.num_features = num_features
        self.num_attack_classes = int(num_attack_classes)
        self.pre_logits_norm: nn.Module = nn.Identity()
        self.head_dropout = nn.Dropout(dropout)
        self.classifier = nn.Linear(num_features, 1)
        if self.num_attack_classes:
            # nn.Linear draws its default init from the global RNG; init_weights replaces it.
            # Forking keeps the backbone's init draws those of the binary model.
            with torch.random.fork_rng(devices=[]):
                self.attack_classifier = nn.Linear(num_features, self.num_attack_classes)

    @property
    def num_stages(self) -> int:
        """Number of backbone stages (``len(widths)``)."""
        return len(self.widths)

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

    def forward_stem(self, x: torch.Tensor) -> torch.Tensor:
        """Check the input and return the stem's feature map (the first stage's input)."""
        raise NotImplementedError

    def forward_features(self, x: torch.Tensor) -> torch.Tensor:
        """Return the last feature map ``(B, num_features, H', W')``: stem, then every stage."""
        return self.stages(self.forward_stem(x))

    def check_stage(self, stage: int) -> int:
        """Return ``stage`` (1-based) if this model has it, else raise ValueError."""
        if isinstance(stage, bool) or int(stage) != stage or not 1 <= stage <= self.num_stages:
            raise ValueError(
                f"stage {stage!r} is out of range: the model has {self.num_stages} stages "
                f"(1..{self.num_stages})"
            )
        return int(stage)

    def forward_stage(self, x: torch.Tensor, stage: int) -> torch.Tensor:
        """Return the feature map after stage ``stage`` (1-based), ``(B, widths[stage-1], H, W)``.

        Stages after ``stage`` are not run; ``forward_stage(x, num_stages)`` equals
        ``forward_features(x)``.
        """
        stage = self.check_stage(stage)
        x = self.forward_stem(x)
        for block in self.stages[:stage]:
            x = block(x)
        return x

    def stage_embedding(self, x: torch.Tensor, stage: int) -> torch.Tensor:
        """Global-average-pooled output of stage ``stage`` (1-based), ``(B, widths[stage-1])``."""
        return self.forward_stage(x, stage).mean(dim=(-2, -1))

    def features_and_stage(self, x: torch.Tensor, stage: int) -> tuple[torch.Tensor, torch.Tensor]:
        """One backbone pass giving the last feature map (as :meth:`forward_features`) and the
        pooled output of stage ``stage`` (as :meth:`stage_embedding`)."""
        stage = self.check_stage(stage)
        x = self.forward_stem(x)
        pooled = x
        for index, block in enumerate(self.stages, start=1):
            x = block(x)
            if index == stage:
                pooled = x.mean(dim=(-2, -1))
        return x, pooled

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

    def forward_heads(self, feats: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Binary logits ``(B,)`` and attack-id logits ``(B, num_attack_classes)`` of a feature map.

        The head dropout is applied once to the embedding and feeds both linear
        layers, so the binary logit is computed as in :meth:`forward_head`.
        Raises ValueError for a model without an attack head.
        """
        if not self.num_attack_classes:
            raise ValueError("this model has no attack head (num_attack_classes=0)")
        hidden = self.head_dropout(self.forward_head(feats, pre_logits=True))
        return self.classifier(hidden).squeeze(-1), self.attack_classifier(hidden)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Return one logit per utterance, shape ``(B,)``; higher = more bonafide."""
        return self.forward_head(self.forward_features(x))

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        """Return the penultimate embedding ``(B, num_features)`` of a batch."""
        return self.forward_head(self.forward_features(x), pre_logits=True)
