"""Weight initialisation shared by every detector.

The paper (section 3.2.2) initialises convolution weights with the Glorot
(Xavier) uniform distribution. Keeping the rule in one function means every
architecture starts from the same scheme and a test can check it once.
"""

from __future__ import annotations

import math

from torch import nn

__all__ = ["glorot_bound", "init_weights"]


def glorot_bound(weight_shape: tuple[int, ...], gain: float = 1.0) -> float:
    """Return the Glorot-uniform half-width ``gain * sqrt(6 / (fan_in + fan_out))``.

    Fans follow torch's convention for a weight of shape
    ``(out, in/groups, *kernel)``: ``fan_in = in/groups * prod(kernel)``,
    ``fan_out = out * prod(kernel)``. Exposed so tests can compare the
    empirical weights with the formula rather than with torch itself.
    """
    if len(weight_shape) < 2:
        raise ValueError(f"Glorot init needs a weight with >= 2 dims, got shape {weight_shape}")
    receptive_field = math.prod(weight_shape[2:]) if len(weight_shape) > 2 else 1
    fan_in = weight_shape[1] * receptive_field
    fan_out = weight_shape[0] * receptive_field
    return gain * math.sqrt(6.0 / (fan_in + fan_out))


def init_weights(model: nn.Module) -> nn.Module:
    """Initialise ``model`` in place and return it.

    - ``Conv1d/2d`` and ``Linear`` weights: Glorot (Xavier) uniform, gain 1
      (the Keras ``glorot_uniform`` default the paper refers to); biases 0.
    - Norm layers (batch/layer/group norm): weight 1, bias 0.

    Other parameters (e.g. ConvNeXt layer scale) keep the value their module
    set, because their value is part of the architecture, not a random init.
    """
    for module in model.modules():
        if isinstance(module, (nn.Conv1d, nn.Conv2d, nn.Linear)):
            nn.init.xavier_uniform_(module.weight, gain=1.0)
            if module.bias is not None:
                nn.init.zeros_(module.bias)
        elif isinstance(module, (nn.BatchNorm1d, nn.BatchNorm2d, nn.LayerNorm, nn.GroupNorm)):
            if module.weight is not None:
                nn.init.ones_(module.weight)
            if module.bias is not None:
                nn.init.zeros_(module.bias)
    return model
