"""Benchmark: training-step throughput per model and the share of step time spent loading batches.

    python bench/bench_training.py [--models resnet tiny_resnet convnext] [--steps 4]
        [--batch-size 64] [--rows 2000] [--threads 2] [--device cpu]

Writes a temporary cache of ``--rows`` random 80 x 301 rows in the documented
layout, then for each model runs the real training loop code
(``run_train_epoch``: forward, BCE, backward, Adam step) on ``--steps``
random batches (median step time) twice: once with the rows held in memory and once reading
each batch from the HDF5 file with ``CacheReader.read`` (the path taken when
the selection does not fit ``--max-memory-mb``). Batch reading is also timed
on its own, so ``load share = read time / step time``. The file was just
written, so reads come from the OS page cache: a cold disk is slower. The
machine is shared and timings are noisy. The last line reads
``training: <model> X samples/s (load share: memory A%, hdf5 B%) ...``.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import h5py
import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from workflow_scripts.models import count_parameters, create_model  # noqa: E402
from workflow_scripts.training.data import CacheFeatures, InMemoryFeatures, index_caches  # noqa: E402
from workflow_scripts.training.device import resolve_device, uses_mixed_precision  # noqa: E402
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


def time_reads(source: object, batches: list[np.ndarray]) -> float:
    """Median seconds to read one batch."""
    times = []
    for positions in batches:
        started = time.perf_counter()
        source.read(positions)  # type: ignore[attr-defined]
        times.append(time.perf_counter() - started)
    return float(np.median(times))


def time_steps(
    model: torch.nn.Module,
    source: object,
    rows: object,
    batches: list[np.ndarray],
    device: torch.device,
) -> float:
    """Median seconds of one training step (batch read + forward + backward + Adam), after a
    warm-up step.

    The median of single steps resists the bursts of load on a shared machine better than a total.
    """
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    scaler = torch.amp.GradScaler(device.type, enabled=uses_mixed_precision(device))
    run_train_epoch(model, source, rows, batches[:1], optimizer, scaler, device, 0)  # type: ignore[arg-type]
    times = []
    for positions in batches:
        if device.type == "cuda":
            torch.cuda.synchronize()
        started = time.perf_counter()
        run_train_epoch(model, source, rows, [positions], optimizer, scaler, device, 1)  # type: ignore[arg-type]
        if device.type == "cuda":
            torch.cuda.synchronize()
        times.append(time.perf_counter() - started)
    return float(np.median(times))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--models", nargs="+", default=["resnet", "tiny_resnet", "convnext"])
    parser.add_argument("--steps", type=int, default=4)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--device", default="cpu", choices=["auto", "cpu", "cuda"])
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    device = resolve_device(args.device)
    rng = np.random.default_rng(0)
    batches = [rng.choice(args.rows, args.batch_size, replace=False) for _ in range(args.steps)]
    figures = []
    with tempfile.TemporaryDirectory() as tmp:
        cache = Path(tmp) / "bench.h5"
        write_random_cache(cache, args.rows, seed=1)
        rows = index_caches([cache])
        memory, per_batch = InMemoryFeatures(rows), CacheFeatures(rows)
        try:
            read_mem, read_hdf5 = time_reads(memory, batches), time_reads(per_batch, batches)
            print(
                f"batch read ({args.batch_size} rows, median): memory {1e3 * read_mem:.1f} ms, "
                f"hdf5 {1e3 * read_hdf5:.1f} ms"
            )
            for name in args.models:
                torch.manual_seed(0)
                model = create_model(name).to(device)
                t_mem = time_steps(model, memory, rows, batches, device)
                t_hdf5 = time_steps(model, per_batch, rows, batches, device)
                rate = args.batch_size / t_mem
                share_mem, share_hdf5 = read_mem / t_mem, read_hdf5 / t_hdf5
                print(
                    f"{name}: {count_parameters(model):,} parameters, "
                    f"median step {1e3 * t_mem:.0f} ms "
                    f"(in memory) / {1e3 * t_hdf5:.0f} ms (hdf5), {rate:.1f} samples/s"
                )
                figures.append(
                    f"{name} {rate:.1f} samples/s (load share: memory {100 * share_mem:.1f}%, "
                    f"hdf5 {100 * share_hdf5:.1f}%)"
                )
        finally:
            memory.close()
            per_batch.close()
    print(
        f"training [{device}, {args.threads} threads, batch {args.batch_size}, "
        f"{N_MELS}x{N_FRAMES}]: "
        + "; ".join(figures)
    )


if __name__ == "__main__":
    main()
