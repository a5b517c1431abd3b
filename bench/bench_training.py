"""Benchmark: training and scoring speed per model, before and after issue 12, in one run.

    python bench/bench_training.py [--models tiny_resnet resnet] [--steps 4]
        [--batch-size 64] [--rows 1000] [--threads 2] [--device cpu] [--compile]

Writes a temporary cache of ``--rows`` random 80 x 301 rows in the documented layout. For
each model, two copies start from the same weights and train on the same ``--steps``
batches, interleaved step by step (A/B/A/B, so a burst of load on a shared machine hits
both): **before** is the pre-issue-12 step (rows as a float16 numpy array, cast to float32
on the host, contiguous tensors, deterministic mode's NaN fill of new tensors on), **after**
is the real :func:`run_train_epoch` (rows as one float16 tensor gathered and cast on the
device, channels-last activations, NaN fill off). On the CPU both run in deterministic mode,
as training does. Scoring (eval forward of the same batches: ``no_grad`` before,
``inference_mode`` after) is timed the same way. Figures are medians of single steps.

Load share is the batch assembly time over the step time: before from the numpy array and
from HDF5 per batch (``CacheReader.read``; the file was just written, so reads hit the OS
page cache), after from the tensor source. With ``--compile``, ``torch.compile`` of the
after-model is timed too (compile time and compiled step), or its failure is printed.
The last line reads ``training [...]: <model> before X after Y samples/s (xR) ...``.
"""

from __future__ import annotations

import argparse
import platform
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import h5py
import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from workflow_scripts.models import count_parameters, create_model  # noqa: E402
from workflow_scripts.training.data import (  # noqa: E402
    CacheFeatures,
    InMemoryFeatures,
    TensorFeatures,
    device_batches,
    index_caches,
)
from workflow_scripts.training.device import resolve_device, uses_mixed_precision  # noqa: E402
from workflow_scripts.training.inference import forward_batch  # noqa: E402
from workflow_scripts.training.loop import run_train_epoch  # noqa: E402

N_MELS, N_FRAMES = 80, 301


def write_random_cache(path: Path, n_rows: int, seed: int) -> None:
    """A cache of random log-mel-like rows (float16, one-row chunks, as the real caches)."""
    rng = np.random.default_rng(seed)
    with h5py.File(path, "w") as h5:
        feats = h5.create_dataset(
            "features",
            shape=(n_rows, N_MELS, N_FRAMES),
            dtype=np.float16,
            chunks=(1, N_MELS, N_FRAMES),
        )
        for start in range(0, n_rows, 256):
            n = min(256, n_rows - start)
            feats[start : start + n] = rng.normal(-5.0, 2.0, (n, N_MELS, N_FRAMES)).astype(
                np.float16
            )
        text = h5py.string_dtype("utf-8")
        h5.create_dataset(
            "utt_id", data=np.array([f"u{i:06d}" for i in range(n_rows)], dtype=object), dtype=text
        )
        h5.create_dataset("label", data=(np.arange(n_rows) % 2).astype(np.int8))
        h5.create_dataset("attack", data=np.array(["-"] * n_rows, dtype=object), dtype=text)
        h5.attrs.update(
            {
                "sample_rate": 16000,
                "n_mels": N_MELS,
                "n_fft": 512,
                "win_length": 512,
                "hop_length": 160,
                "duration_s": 3.0,
                "n_frames": N_FRAMES,
                "trim": "start",
                "pad": "repeat",
                "log_offset": 1e-6,
                "dataset": "bench",
                "split": "train",
                "n_quarantined": 0,
                "version": 1,
            }
        )


def machine() -> str:
    """The machine in words (CPU model, or GPU name)."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            cpu = next(line.split(":", 1)[1].strip() for line in info if "model name" in line)
    except (OSError, StopIteration):
        pass
    gpu = f", GPU {torch.cuda.get_device_name()}" if torch.cuda.is_available() else ""
    return f"{cpu}{gpu}, torch {torch.__version__}"


def timed(fn: Callable[[], object], device: torch.device) -> float:
    """Seconds ``fn`` takes (GPU work included)."""
    if device.type == "cuda":
        torch.cuda.synchronize()
    started = time.perf_counter()
    fn()
    if device.type == "cuda":
        torch.cuda.synchronize()
    return time.perf_counter() - started


class Before:
    """The pre-issue-12 training and scoring path (for comparison only)."""

    def __init__(self, model: torch.nn.Module, source: InMemoryFeatures, rows, device) -> None:
        self.model, self.source, self.rows, self.device = model, source, rows, device
        self.optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
        self.scaler = torch.amp.GradScaler(device.type, enabled=uses_mixed_precision(device))

    def batch(self, positions: np.ndarray) -> torch.Tensor:
        return torch.from_numpy(self.source.read(positions)).to(self.device).unsqueeze(1)

    def step(self, positions: np.ndarray) -> None:
        torch.utils.deterministic.fill_uninitialized_memory = True
        self.model.train()
        x = self.batch(positions)
        y = torch.from_numpy(self.rows.label[positions].astype(np.float32)).to(self.device)
        self.optimizer.zero_grad(set_to_none=True)
        amp = uses_mixed_precision(self.device)
        with torch.autocast(self.device.type, dtype=torch.float16, enabled=amp):
            logits = self.model(x)
        loss = torch.nn.functional.binary_cross_entropy_with_logits(
            logits.float(), y, reduction="sum"
        )
        self.scaler.scale(loss / positions.shape[0]).backward()
        self.scaler.step(self.optimizer)
        self.scaler.update()
        float(loss.item())

    @torch.no_grad()
    def score(self, positions: np.ndarray) -> None:
        torch.utils.deterministic.fill_uninitialized_memory = True
        self.model.eval()
        amp = uses_mixed_precision(self.device)
        with torch.autocast(self.device.type, dtype=torch.float16, enabled=amp):
            feats = self.model.forward_features(self.batch(positions))
            self.model.forward_head(feats).float().cpu()


class After:
    """The current path: ``run_train_epoch`` and ``forward_batch`` on a TensorFeatures."""

    def __init__(self, model: torch.nn.Module, source: TensorFeatures, rows, device) -> None:
        self.model, self.source, self.rows, self.device = model, source, rows, device
        self.optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
        self.scaler = torch.amp.GradScaler(device.type, enabled=uses_mixed_precision(device))

    def step(self, positions: np.ndarray) -> None:
        torch.utils.deterministic.fill_uninitialized_memory = False
        run_train_epoch(
            self.model,
            self.source,
            self.rows,
            [positions],
            self.optimizer,
            self.scaler,
            self.device,
            1,
        )

    def score(self, positions: np.ndarray) -> None:
        torch.utils.deterministic.fill_uninitialized_memory = False
        self.model.eval()
        _, x, _ = next(device_batches(self.source, self.rows, [positions], self.device))
        forward_batch(self.model, x, self.device)


def interleaved(
    a: Callable[[np.ndarray], None],
    b: Callable[[np.ndarray], None],
    batches: list[np.ndarray],
    device: torch.device,
) -> tuple[float, float]:
    """Median seconds of ``a`` and ``b`` over ``batches``, run A/B/A/B after one warm-up each."""
    a(batches[0])
    b(batches[0])
    times_a, times_b = [], []
    for positions in batches:
        times_a.append(timed(lambda p=positions: a(p), device))
        times_b.append(timed(lambda p=positions: b(p), device))
    return float(np.median(times_a)), float(np.median(times_b))


def median_time(fn: Callable[[np.ndarray], object], batches, device) -> float:
    """Median seconds of ``fn`` over ``batches``."""
    return float(np.median([timed(lambda p=p: fn(p), device) for p in batches]))


def time_compile(model: torch.nn.Module, after: After, batches, device) -> str:
    """Compile time and compiled step time of ``model``, or why it failed."""
    try:
        compiled = torch.compile(model)
        run = After(compiled, after.source, after.rows, device)  # type: ignore[arg-type]
        first = timed(lambda: run.step(batches[0]), device)
        step = median_time(run.step, batches, device)
    except Exception as err:  # noqa: BLE001 - any backend failure means "not available here"
        return f"torch.compile unavailable ({type(err).__name__}: {str(err)[:80]})"
    return f"torch.compile: first step {first:.1f} s (compile), then {1e3 * step:.0f} ms/step"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--models", nargs="+", default=["tiny_resnet", "resnet"])
    parser.add_argument("--steps", type=int, default=4)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--device", default="cpu", choices=["auto", "cpu", "cuda"])
    parser.add_argument("--compile", action="store_true", help="also time torch.compile")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    device = resolve_device(args.device)
    torch.use_deterministic_algorithms(device.type == "cpu")
    rng = np.random.default_rng(0)
    batches = [rng.choice(args.rows, args.batch_size, replace=False) for _ in range(args.steps)]
    bs = args.batch_size
    print(f"machine: {machine()}; {args.threads} threads; shared machines give noisy figures")
    figures = []
    with tempfile.TemporaryDirectory() as tmp:
        cache = Path(tmp) / "bench.h5"
        write_random_cache(cache, args.rows, seed=1)
        rows = index_caches([cache])
        memory, per_batch = InMemoryFeatures(rows), CacheFeatures(rows)
        tensor = TensorFeatures(rows, device, features=memory.features)
        try:
            for name in args.models:
                torch.manual_seed(0)
                model_before = create_model(name).to(device)
                model_after = create_model(name).to(device)
                model_after.load_state_dict(model_before.state_dict())
                if hasattr(model_before, "channels_last"):  # the ResNets' pre-issue layout
                    model_before.channels_last = False  # type: ignore[assignment]
                    model_before.to(memory_format=torch.contiguous_format)
                before = Before(model_before, memory, rows, device)
                after = After(model_after, tensor, rows, device)
                t_before, t_after = interleaved(before.step, after.step, batches, device)
                s_before, s_after = interleaved(before.score, after.score, batches, device)
                load_mem = median_time(before.batch, batches, device)
                load_hdf5 = median_time(
                    lambda p: torch.from_numpy(per_batch.read(p)).to(device), batches, device
                )
                load_after = median_time(
                    lambda p: next(device_batches(tensor, rows, [p], device)), batches, device
                )
                print(
                    f"{name}: {count_parameters(model_after):,} parameters; "
                    f"train step before {1e3 * t_before:.0f} ms, after {1e3 * t_after:.0f} ms; "
                    f"scoring {bs / s_before:.1f} -> {bs / s_after:.1f} samples/s "
                    f"(x{s_before / s_after:.2f}); load share before "
                    f"{100 * load_mem / t_before:.1f}% (memory) "
                    f"{100 * load_hdf5 / t_before:.1f}% (hdf5), "
                    f"after {100 * load_after / t_after:.1f}%",
                    flush=True,
                )
                if args.compile:
                    print(f"{name}: {time_compile(model_after, after, batches, device)}")
                figures.append(
                    f"{name} before {bs / t_before:.1f} after {bs / t_after:.1f} samples/s "
                    f"(x{t_before / t_after:.2f})"
                )
        finally:
            memory.close()
            per_batch.close()
            tensor.close()
    print(
        f"training [{device}, {args.threads} threads, batch {bs}, {N_MELS}x{N_FRAMES}]: "
        + "; ".join(figures)
    )


if __name__ == "__main__":
    main()
