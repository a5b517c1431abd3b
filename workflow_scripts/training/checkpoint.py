"""Checkpoints as plain dicts: saved atomically, loaded with ``weights_only=True``.

Plain dicts of tensors and Python scalars load without unpickling arbitrary
objects, and carry everything needed to rebuild the model (``config``) and,
for the resume checkpoint, to continue a run bit-for-bit on the CPU.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import torch

import workflow_scripts
from workflow_scripts.io.files import atomic_path
from workflow_scripts.models import create_model

#: Keys every checkpoint (best and resume) has.
CHECKPOINT_KEYS: tuple[str, ...] = (
    "kind",
    "epoch",
    "model",
    "optimizer",
    "config",
    "metric",
    "version",
    "history",
)

#: Extra keys of the resume checkpoint.
RESUME_KEYS: tuple[str, ...] = (
    "rng",
    "scaler",
    "best_epoch",
    "best_val_loss",
    "epochs_without_improvement",
    "best",
    "finished",
)


def version_info() -> dict[str, str]:
    """Package and torch versions, recorded so a checkpoint says what produced it."""
    return {"package": str(workflow_scripts.__version__), "torch": str(torch.__version__)}


def to_cpu(obj: Any) -> Any:
    """Deep copy of a state dict (nested dicts/lists of tensors) with every tensor cloned to
    the CPU, contiguous (a channels-last model's checkpoint is laid out like any other)."""
    if isinstance(obj, torch.Tensor):
        return obj.detach().to("cpu", copy=True, memory_format=torch.contiguous_format)
    if isinstance(obj, Mapping):
        return {k: to_cpu(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [to_cpu(v) for v in obj]
    if isinstance(obj, tuple):
        return tuple(to_cpu(v) for v in obj)
    return obj


def save_checkpoint(checkpoint: Mapping[str, Any], path: str | os.PathLike[str]) -> None:
    """Write ``checkpoint`` to a temporary sibling and rename it, so a kill never leaves half
    a file."""
    with atomic_path(path) as tmp:
        torch.save(dict(checkpoint), tmp)


def load_checkpoint(
    path: str | os.PathLike[str], map_location: str | torch.device = "cpu"
) -> dict[str, Any]:
    """Load a checkpoint safely (``weights_only=True``); error naming the file if it is not
    one of ours."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"checkpoint {path} does not exist")
    try:
        checkpoint = torch.load(path, map_location=map_location, weights_only=True)
    except Exception as err:  # torch raises several types for corrupt or foreign files
        raise ValueError(f"checkpoint {path} cannot be loaded: {err}") from err
    if not isinstance(checkpoint, dict):
        raise ValueError(
            f"checkpoint {path} is a {type(checkpoint).__name__}, not a checkpoint dict"
        )
    missing = [k for k in CHECKPOINT_KEYS if k not in checkpoint]
    if missing:
        raise ValueError(f"checkpoint {path} lacks key(s) {missing}")
    return checkpoint


def build_model(config: Mapping[str, Any]) -> torch.nn.Module:
    """Rebuild the (untrained) model described by a checkpoint's ``config``."""
    model_cfg = config["model"]
    return create_model(model_cfg["name"], **dict(model_cfg.get("kwargs") or {}))


def load_model(
    path: str | os.PathLike[str], device: str | torch.device = "cpu"
) -> tuple[torch.nn.Module, dict[str, Any]]:
    """Load a checkpoint and return its model (in eval mode, on ``device``) and the
    checkpoint dict."""
    checkpoint = load_checkpoint(path, map_location="cpu")
    model = build_model(checkpoint["config"])
    try:
        model.load_state_dict(checkpoint["model"])
    except RuntimeError as err:
        raise ValueError(
            f"checkpoint {path}: weights do not fit model {checkpoint['config']['model']}: {err}"
        ) from err
    return model.to(device).eval(), checkpoint
