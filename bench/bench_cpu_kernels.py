"""Do CPU kernel choices move trained weights, and does pinning them make training portable?

    python bench/bench_cpu_kernels.py [--settings native aten=default ...] [--rows 192]
        [--epochs 2] [--threads 1] [--repeats 1] [--launcher "qemu-x86_64 -cpu Haswell"]

Trains ``tiny_resnet`` with the package's own :func:`~workflow_scripts.training.loop.train`
(deterministic mode, seed 0, Adam, batch 32) on random log-mel-shaped rows (80 x 301), once
per *setting*, each in a fresh process whose environment holds the setting's variables (the
kernel libraries read them when first used). A setting (:data:`SETTINGS`) changes PyTorch's
own vectorised kernels (``ATEN_CPU_CAPABILITY``), oneDNN's convolutions
(``ONEDNN_MAX_CPU_ISA``, or oneDNN switched off), MKL's BLAS (``MKL_CBWR``,
``MKL_ENABLE_INSTRUCTIONS``), or pins all three (:data:`PINNED`). Each line names the setting,
the kernels torch picked, a digest of the final weights, the largest weight difference from
the first setting and the median training time relative to it (``--repeats`` runs of each
setting, interleaved); ``identical`` means bit for bit.

``--launcher`` runs the children under another program. ``qemu-x86_64 -cpu MODEL`` (package
``qemu-user``) presents another CPU to every library (vendor, instruction sets, cache sizes
in CPUID), which is how this single-machine check emulates a different host; its run times
are emulation times, not speeds. QEMU 7.2 emulates up to AVX2, not AVX-512.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

#: The candidate pin for portable CPU training (docs/performance.md): every library's kernels
#: at AVX2 at most, and MKL on its vendor-independent branch.
PINNED = {"ATEN_CPU_CAPABILITY": "avx2", "ONEDNN_MAX_CPU_ISA": "AVX2", "MKL_CBWR": "COMPATIBLE"}
#: name -> environment variables; ``mkldnn=off`` also switches oneDNN off inside the child.
SETTINGS: dict[str, dict[str, str]] = {
    "native": {},
    "aten=default": {"ATEN_CPU_CAPABILITY": "default"},
    "aten=avx2": {"ATEN_CPU_CAPABILITY": "avx2"},
    "onednn=SSE41": {"ONEDNN_MAX_CPU_ISA": "SSE41"},
    "onednn=AVX": {"ONEDNN_MAX_CPU_ISA": "AVX"},
    "onednn=AVX2": {"ONEDNN_MAX_CPU_ISA": "AVX2"},
    "mkldnn=off": {},
    "mkl=SSE4_2": {"MKL_ENABLE_INSTRUCTIONS": "SSE4_2"},
    "mkl_cbwr=COMPATIBLE": {"MKL_CBWR": "COMPATIBLE"},
    "mkl_cbwr=AVX2": {"MKL_CBWR": "AVX2"},
    "pinned": dict(PINNED),
    "all=AVX2": {"ATEN_CPU_CAPABILITY": "avx2", "ONEDNN_MAX_CPU_ISA": "AVX2", "MKL_CBWR": "AVX2"},
    "all=SSE": {
        "ATEN_CPU_CAPABILITY": "default",
        "ONEDNN_MAX_CPU_ISA": "SSE41",
        "MKL_CBWR": "SSE4_2",
    },
}


def setting_env(name: str) -> dict[str, str]:
    """Environment variables of setting ``name``."""
    if name not in SETTINGS:
        raise SystemExit(f"unknown setting {name!r}; choose from {', '.join(SETTINGS)}")
    return SETTINGS[name]


def child(args: argparse.Namespace) -> None:
    """Train once in this process and print one JSON line (weights go to ``args.weights``)."""
    import torch
    from bench_training import write_random_cache

    from workflow_scripts.training.data import index_caches
    from workflow_scripts.training.loop import DataSplit, TrainParams, train

    if args.no_mkldnn:
        torch.backends.mkldnn.enabled = False
    with tempfile.TemporaryDirectory() as tmp:
        train_h5, val_h5 = Path(tmp) / "train.h5", Path(tmp) / "val.h5"
        write_random_cache(train_h5, args.rows, seed=1)
        write_random_cache(val_h5, 32, seed=2)
        data = DataSplit(index_caches([train_h5]), index_caches([val_h5]), "caches")
        params = TrainParams(
            max_epochs=args.epochs,
            patience=args.epochs,
            batch_size=32,
            device="cpu",
            threads=args.threads,
        )
        started = time.perf_counter()
        train("tiny_resnet", {}, data, params, Path(tmp) / "resume.pt")
        seconds = time.perf_counter() - started
        state = torch.load(Path(tmp) / "resume.pt", map_location="cpu", weights_only=True)
    weights = np.concatenate(
        [t.detach().double().reshape(-1).numpy() for t in state["model"].values()]
    )
    np.save(args.weights, weights)
    raw = b"".join(t.contiguous().numpy().tobytes() for t in state["model"].values())
    print(
        json.dumps(
            {
                "capability": torch.backends.cpu.get_cpu_capability(),
                "digest": hashlib.sha256(raw).hexdigest()[:12],
                "seconds": seconds,
            }
        )
    )


def run_setting(name: str, args: argparse.Namespace, weights: Path) -> dict:
    """Train under setting ``name`` in a fresh (possibly emulated) process."""
    env = {k: v for k, v in os.environ.items() if k not in _ALL_VARS}
    env.update(setting_env(name))
    cmd = [
        *shlex.split(args.launcher),
        sys.executable,
        __file__,
        "--child",
        "--weights",
        str(weights),
        "--rows",
        str(args.rows),
        "--epochs",
        str(args.epochs),
        "--threads",
        str(args.threads),
        *(["--no-mkldnn"] if name == "mkldnn=off" else []),
    ]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, cwd=ROOT)
    if proc.returncode != 0:
        raise SystemExit(f"setting {name} failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


_ALL_VARS = {
    "ATEN_CPU_CAPABILITY",
    "ONEDNN_MAX_CPU_ISA",
    "DNNL_MAX_CPU_ISA",
    "MKL_CBWR",
    "MKL_ENABLE_INSTRUCTIONS",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--settings", nargs="+", default=list(SETTINGS))
    parser.add_argument("--rows", type=int, default=192)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=1, help="runs per setting, interleaved")
    parser.add_argument("--launcher", default="", help="e.g. 'qemu-x86_64 -cpu Haswell'")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--no-mkldnn", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--weights", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    where = args.launcher or "this CPU"
    print(
        f"tiny_resnet, {args.rows} rows, {args.epochs} epochs, {args.threads} thread(s), "
        f"children under {where}"
    )
    runs: dict[str, list[tuple[dict, np.ndarray]]] = {name: [] for name in args.settings}
    with tempfile.TemporaryDirectory() as tmp:
        for repeat in range(args.repeats):  # interleaved, so a burst of load hits every setting
            for name in args.settings:
                weights = Path(tmp) / f"{name}-{repeat}.npy"
                runs[name].append((run_setting(name, args, weights), np.load(weights)))
    first = args.settings[0]
    ref_weights = runs[first][0][1]
    ref_seconds = float(np.median([r["seconds"] for r, _ in runs[first]]))
    for name in args.settings:
        result, w = runs[name][0]
        if any(not np.array_equal(w, other) for _, other in runs[name][1:]):
            print(f"{name}: NOT repeatable (weights differ between repeats)")
        diff = float(np.max(np.abs(w - ref_weights)))
        same = "identical" if diff == 0 else f"max |dw| {diff:.2e}"
        seconds = float(np.median([r["seconds"] for r, _ in runs[name]]))
        print(
            f"{name:20s} kernels {result['capability']:8s} weights {result['digest']} "
            f"{same:19s} vs {first}; training time x{seconds / ref_seconds:.2f} "
            f"(median {seconds:.1f} s of {args.repeats})",
            flush=True,
        )


if __name__ == "__main__":
    main()
