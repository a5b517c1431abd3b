"""Device choice, thread count and determinism switches for training and scoring, and the CPU
as the kernel libraries see it (for results pages)."""

from __future__ import annotations

import os
import platform
from typing import Any

import torch

DEVICE_CHOICES: tuple[str, ...] = ("auto", "cpu", "cuda")


def resolve_device(name: str = "auto") -> torch.device:
    """Map ``auto``/``cpu``/``cuda`` to a torch device.

    ``auto`` takes CUDA when a GPU is visible, else the CPU, so the same
    config runs on a laptop and on a GPU node. Asking for ``cuda`` without a
    GPU is an error rather than a silent (and much slower) CPU run.
    """
    if name not in DEVICE_CHOICES:
        raise ValueError(f"unknown device {name!r}; choose one of {', '.join(DEVICE_CHOICES)}")
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise RuntimeError(
            "device 'cuda' was requested but torch sees no CUDA GPU; use --device auto or cpu"
        )
    return torch.device(name)


def uses_mixed_precision(device: torch.device) -> bool:
    """Mixed precision (float16 autocast + GradScaler) only on CUDA, where it pays off."""
    return device.type == "cuda"


def configure_threads(threads: int | None) -> None:
    """Limit torch's intra-op threads (a scheduler slot's cores); ``None``/0 keeps torch's
    default."""
    if threads is not None and threads > 0:
        torch.set_num_threads(int(threads))


def seed_everything(seed: int, device: torch.device) -> None:
    """Seed torch and ask for deterministic kernels on the CPU.

    On the CPU this makes a run (and a killed-then-resumed run) bit-for-bit
    repeatable for a fixed thread count. On CUDA some kernels stay
    non-deterministic; cuDNN autotuning is switched off so runs stay close.
    Deterministic mode's NaN fill of every new tensor is switched off: it is a
    debugging aid that only shows reads of uninitialised memory (none of our
    kernels does that, so results are unchanged) and costs a large share of a
    CPU training step (docs/performance.md).
    """
    torch.manual_seed(int(seed))
    # On CUDA, deterministic mode would make cuBLAS calls fail unless
    # CUBLAS_WORKSPACE_CONFIG is set.
    torch.use_deterministic_algorithms(device.type == "cpu")
    torch.utils.deterministic.fill_uninitialized_memory = False
    if device.type == "cuda":
        torch.backends.cudnn.benchmark = False


def cpu_model() -> str:
    """The CPU's model name (``/proc/cpuinfo``; the platform's processor name elsewhere)."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def cpu_description() -> dict[str, Any]:
    """What decides a CPU run's float rounding, for a results page: the CPU model, the CPUs
    this process may use, the torch version and the level of torch's vectorised kernels."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cpus = os.cpu_count() or 1
    return {
        "cpu": cpu_model(),
        "cpus": cpus,
        "torch": str(torch.__version__),
        "capability": torch.backends.cpu.get_cpu_capability(),
    }
