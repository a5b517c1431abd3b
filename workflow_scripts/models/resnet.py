"""Residual CNN detector for log-mel input, after Alzantot et al. (2019).

Alzantot et al. stack residual blocks (3x3 conv, batch norm, leaky ReLU,
dropout, 3x3 conv) on a spectrogram and pool before a small classifier. The
paper we reproduce names the model by its number of residual blocks (18 for
the main ResNet, 9 for the "tiny ResNet"), so that count is the parameter
here; blocks are spread over stages that halve the resolution and double
the width. A strided stem conv plus max pooling downsamples 4x before the
first block, which keeps CPU training fast (see docs/models.md).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from .base import SpectrogramDetector
from .init import init_weights

__all__ = ["ResidualBlock", "ResNetDetector", "split_blocks"]

#: Leaky ReLU slope used by Alzantot et al.
LEAKY_SLOPE = 0.01


def split_blocks(num_blocks: int, num_stages: int) -> tuple[int, ...]:
    """Spread ``num_blocks`` over ``num_stages`` as evenly as possible.

    Extra blocks go to the later (cheaper, lower-resolution) stages, e.g.
    9 over 4 stages -> (2, 2, 2, 3), 18 -> (4, 4, 5, 5).
    """
    if num_stages < 1:
        raise ValueError(f"need at least one stage, got {num_stages}")
    if num_blocks < num_stages:
        raise ValueError(
            f"need at least one block per stage: {num_blocks} blocks for {num_stages} stages"
        )
    base, extra = divmod(num_blocks, num_stages)
    return tuple(base + (1 if stage >= num_stages - extra else 0) for stage in range(num_stages))


class ResidualBlock(nn.Module):
    """Basic residual block: conv-BN-act-dropout-conv-BN, plus shortcut, then act.

    A 1x1 strided conv with batch norm projects the shortcut when the block
    changes width or resolution, so every block is a true residual block.
    """

    def __init__(
        self, in_channels: int, out_channels: int, stride: int = 1, dropout: float = 0.3
    ) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, out_channels, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(out_channels)
        self.act1 = nn.LeakyReLU(LEAKY_SLOPE)
        self.dropout = nn.Dropout(dropout)
        self.conv2 = nn.Conv2d(out_channels, out_channels, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(out_channels)
        self.act2 = nn.LeakyReLU(LEAKY_SLOPE)
        self.shortcut: nn.Module
        if stride != 1 or in_channels != out_channels:
            self.shortcut = nn.Sequential(
                nn.Conv2d(in_channels, out_channels, 1, stride=stride, bias=False),
                nn.BatchNorm2d(out_channels),
            )
        else:
            self.shortcut = nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Return ``act(residual(x) + shortcut(x))``."""
        out = self.dropout(self.act1(self.bn1(self.conv1(x))))
        out = self.bn2(self.conv2(out))
        return self.act2(out + self.shortcut(x))


class ResNetDetector(SpectrogramDetector):
    """ResNet over a one-channel log-mel spectrogram with a one-logit head.

    Layout: stem (3x3 conv stride ``stem_stride`` -> BN -> leaky ReLU ->
    2x2 max pool if ``stem_pool``), then ``len(widths)`` stages; stage ``i``
    has ``depths[i]`` residual blocks of width ``widths[i]``, and every stage
    after the first starts with a stride-2 block. Global average pooling gives
    the ``widths[-1]``-wide embedding, followed by dropout and a linear layer.

    Args:
        num_blocks: total residual blocks (default 18), split over the
            stages with :func:`split_blocks`; must match ``depths`` if both given.
        depths: explicit blocks per stage (overrides ``num_blocks``).
        widths: channels per stage; the last is the embedding width.
        stem_width: channels of the stem conv (default ``widths[0]``).
        stem_stride: stride of the stem conv.
        stem_pool: add a 2x2 max pool after the stem.
        dropout: dropout probability inside every block and before the classifier.
        zero_init_residual: start each block's last batch-norm scale at 0
            so every block is the identity at init (Goyal et al. 2017). The
            18-block net then trains smoothly from the first step; without it
            the summed shortcuts make the initial logits large and the first
            steps erratic.
        in_channels: input channels (1 for log-mel).
        num_attack_classes: classes of an auxiliary attack-id head on the
            embedding (0: none; see :class:`~.base.SpectrogramDetector`).
    """

    def __init__(
        self,
        num_blocks: int | None = None,
        depths: Sequence[int] | None = None,
        widths: Sequence[int] = (16, 32, 64, 128),
        stem_width: int | None = None,
        stem_stride: int = 2,
        stem_pool: bool = True,
        dropout: float = 0.3,
        zero_init_residual: bool = True,
        in_channels: int = 1,
        num_attack_classes: int = 0,
    ) -> None:
        super().__init__()
        widths = tuple(int(w) for w in widths)
        if not widths or min(widths) < 1:
            raise ValueError(f"widths must be a non-empty sequence of positive ints, got {widths}")
        if depths is None:
            depths = split_blocks(18 if num_blocks is None else num_blocks, len(widths))
        depths = tuple(int(d) for d in depths)
        if num_blocks is not None and sum(depths) != num_blocks:
            raise ValueError(
                f"depths {depths} sum to {sum(depths)} blocks, not num_blocks={num_blocks}"
            )
        if len(depths) != len(widths) or min(depths) < 1:
            raise ValueError(
                f"depths {depths} must give >= 1 block for each of the {len(widths)} widths"
            )
        self._set_stages(depths, widths, in_channels)
        stem_width = widths[0] if stem_width is None else stem_width

        stem: list[nn.Module] = [
            nn.Conv2d(in_channels, stem_width, 3, stride=stem_stride, padding=1, bias=False),
            nn.BatchNorm2d(stem_width),
            nn.LeakyReLU(LEAKY_SLOPE),
        ]
        if stem_pool:
            stem.append(nn.MaxPool2d(2))
        self.stem = nn.Sequential(*stem)

        stages: list[nn.Module] = []
        channels = stem_width
        for index, (depth, width) in enumerate(zip(depths, widths, strict=True)):
            blocks = []
            for block_index in range(depth):
                stride = 2 if index > 0 and block_index == 0 else 1
                blocks.append(ResidualBlock(channels, width, stride=stride, dropout=dropout))
                channels = width
            stages.append(nn.Sequential(*blocks))
        self.stages = nn.Sequential(*stages)

        total_stride = stem_stride * (2 if stem_pool else 1) * 2 ** (len(widths) - 1)
        self.min_input_size = total_stride
        self._build_head(widths[-1], dropout, num_attack_classes)
        init_weights(self)
        if zero_init_residual:
            for module in self.modules():
                if isinstance(module, ResidualBlock):
                    nn.init.zeros_(module.bn2.weight)
        if self.channels_last:
            self.to(memory_format=torch.channels_last)

    #: Channels-last (NHWC) weights and activations: oneDNN's convolutions and their backward
    #: pass are faster in that layout on the CPU (docs/performance.md). Values are unchanged;
    #: checkpoints store contiguous tensors (``training.checkpoint.to_cpu``).
    channels_last: bool = True

    def forward_stem(self, x: torch.Tensor) -> torch.Tensor:
        """Return the stem's feature map ``(B, stem_width, H, W)``, the first stage's input."""
        x = self.stem(self.as_spectrogram_batch(x))
        if self.channels_last:
            # After the stem: a 1-channel input counts as contiguous in both layouts and
            # would not switch the convolutions over.
            x = x.contiguous(memory_format=torch.channels_last)
        return x
