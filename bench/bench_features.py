"""Benchmark: decode-only vs end-to-end log-mel cache throughput on the same files.

    python bench/bench_features.py [--n-per-format 200] [--files a.flac b.wav ...] [--threads 2]

Without ``--files`` it writes N FLAC files at 16 kHz and N WAV files at
22.05 kHz (3-4 s of noisy tones) into a temporary folder. It then times
(1) decoding every file with soundfile and (2) ``build_shard`` into a temporary
HDF5 (decode, resample, log-mel, write). Each is run ``--repeats`` times and
the best time kept, since the machine is shared and timings are noisy. The
last line reads ``features: decode-only X files/s, end-to-end Y files/s,
ratio Y/X = R``.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import soundfile as sf
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from workflow_scripts.features.cache import build_shard  # noqa: E402
from workflow_scripts.features.logmel import FeatureParams  # noqa: E402


def write_corpus(folder: Path, n_per_format: int, seed: int) -> list[Path]:
    """Write ``n_per_format`` 16 kHz FLAC and 22.05 kHz WAV files of 3-4 s."""
    rng = np.random.default_rng(seed)
    paths: list[Path] = []
    for fmt, sr in (("flac", 16000), ("wav", 22050)):
        for i in range(n_per_format):
            n = int(sr * rng.uniform(3.0, 4.0))
            t = np.arange(n) / sr
            wave = 0.3 * np.sin(
                2 * np.pi * rng.uniform(100, 2000) * t
            ) + 0.02 * rng.standard_normal(n)
            path = folder / f"{fmt}_{i:04d}.{fmt}"
            sf.write(path, wave.astype(np.float32), sr, subtype="PCM_16")
            paths.append(path)
    return paths


def manifest_for(paths: list[Path]) -> pd.DataFrame:
    """A minimal manifest over ``paths`` (labels alternate)."""
    return pd.DataFrame(
        {
            "utt_id": [f"utt{i:05d}" for i in range(len(paths))],
            "dataset": "bench",
            "split": "train",
            "label": ["bonafide" if i % 2 else "spoof" for i in range(len(paths))],
            "attack": "-",
            "speaker": "-",
            "path": [str(p) for p in paths],
        }
    )


def time_decode(paths: list[Path]) -> float:
    """Seconds to decode every file with soundfile (float32, as the cache builder does)."""
    start = time.perf_counter()
    for path in paths:
        sf.read(path, dtype="float32", always_2d=True)
    return time.perf_counter() - start


def time_end_to_end(
    manifest: pd.DataFrame,
    folder: Path,
    params: FeatureParams,
    threads: int,
    device: str = "cpu",
    batch_size: int = 8,
) -> float:
    """Seconds for ``build_shard`` over the whole manifest into a temporary HDF5."""
    start = time.perf_counter()
    build_shard(
        manifest,
        folder / "bench.h5",
        folder / "bench.quarantine.tsv",
        params,
        seed=0,
        progress=False,
        workers=threads,
        device=device,
        batch_size=batch_size,
    )
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--files", nargs="*", help="audio files to use instead of generated ones")
    parser.add_argument("--n-per-format", type=int, default=200)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--device", default="cpu", help="torch device for the log-mel step")
    parser.add_argument("--batch-size", type=int, default=8)
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    params = FeatureParams()
    with tempfile.TemporaryDirectory(prefix="bench_features_") as tmp:
        folder = Path(tmp)
        paths = (
            [Path(p) for p in args.files]
            if args.files
            else write_corpus(folder, args.n_per_format, args.seed)
        )
        manifest = manifest_for(paths)
        n_files = len(paths)
        time_decode(paths[:20])  # warm the page cache and libraries
        decode_s = min(time_decode(paths) for _ in range(args.repeats))
        time_end_to_end(
            manifest.iloc[:16], folder, params, args.threads, args.device, args.batch_size
        )  # warm-up: kernels, CUDA context
        e2e_s = min(
            time_end_to_end(manifest, folder, params, args.threads, args.device, args.batch_size)
            for _ in range(args.repeats)
        )
    n = n_files
    decode_rate, e2e_rate = n / decode_s, n / e2e_s
    print(
        f"files: {n}, threads: {args.threads}, device: {args.device}, "
        f"batch size: {args.batch_size}, "
        f"cpus: {len(os.sched_getaffinity(0))}"
    )
    print(f"decode-only: {decode_s:.2f} s; end-to-end: {e2e_s:.2f} s")
    print(
        f"features: decode-only {decode_rate:.1f} files/s, end-to-end {e2e_rate:.1f} files/s, "
        f"ratio Y/X = {e2e_rate / decode_rate:.2f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
