"""Benchmark: decode-only vs end-to-end log-mel cache throughput on the same files.

    python bench/bench_features.py [--n-per-format 200] [--files a.flac b.wav ...] [--threads 2]
        [--baseline DIR]

Without ``--files`` it writes N FLAC files at 16 kHz and N WAV files at
22.05 kHz (3-4 s of noisy tones) into a temporary folder. It then times, on the
same files:

- decode-only (X): the decoding ``build_shard`` itself does, and nothing else:
  soundfile reads of the leading window the front end keeps (3 s plus the
  resampling margin; whole files for trim policies other than ``start``), spread
  over ``--threads`` threads as ``build_shard`` spreads its work. Both sides thus
  get the same cores and decode the same samples, and Y/X is the share of the
  pipeline's time that is decoding. (Until issue 12 it decoded whole files in
  one thread, which both counts samples the pipeline never decodes and leaves
  one core idle; that figure is still printed as "legacy" for comparison.)
- end-to-end (Y): ``build_shard`` into a temporary HDF5 (decode, resample,
  log-mel, float16 write) with ``--threads`` workers.

``--baseline DIR`` also times ``build_shard`` of an older ``workflow_scripts``
tree in ``DIR`` (e.g. ``git archive <commit> workflow_scripts | tar -x -C DIR``),
in the same process and interleaved with the rest, so a change is measured
before and after in one run on the same files.

Each is run ``--repeats`` times, interleaved, and the best time kept, since the
machine may be shared and timings are noisy; CPU seconds per file (user +
system, all threads) are printed too, being less sensitive to other load. The
last line reads ``features: decode-only X files/s, end-to-end Y files/s,
ratio Y/X = R``.
"""

from __future__ import annotations

import argparse
import importlib
import os
import platform
import resource
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import soundfile as sf
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from workflow_scripts.features.audio import _WINDOW_MARGIN  # noqa: E402
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


def _cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _decode_window(path: Path, params: FeatureParams) -> None:
    """Decode ``path`` exactly as ``load_audio`` does inside ``build_shard`` (no resampling)."""
    with sf.SoundFile(path) as handle:
        frames = -1
        if params.trim == "start":
            frames = (
                int(np.ceil(params.n_samples * handle.samplerate / float(params.sample_rate)))
                + _WINDOW_MARGIN
            )
        handle.read(frames=frames, dtype="float32", always_2d=True)


def time_decode(paths: list[Path], params: FeatureParams, threads: int) -> tuple[float, float]:
    """Wall and CPU seconds to decode the pipeline's windows of all files in ``threads`` threads."""
    start, cpu = time.perf_counter(), _cpu_s()
    with ThreadPoolExecutor(max_workers=threads) as pool:
        for _ in pool.map(lambda p: _decode_window(p, params), paths, chunksize=8):
            pass
    return time.perf_counter() - start, _cpu_s() - cpu


def time_decode_legacy(paths: list[Path]) -> float:
    """Seconds to decode every whole file in one thread (this benchmark's X before issue 12)."""
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
    build: Any = build_shard,
) -> tuple[float, float]:
    """Wall and CPU seconds for ``build_shard`` over the whole manifest into a temporary HDF5."""
    start, cpu = time.perf_counter(), _cpu_s()
    build(
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
    return time.perf_counter() - start, _cpu_s() - cpu


def import_baseline(root: str) -> Any:
    """``build_shard`` of the ``workflow_scripts`` tree under ``root``, beside the current one.

    The current package's modules are set aside while the baseline's are
    imported, then put back; each ``build_shard`` keeps using its own modules
    through its globals (the package has no function-level imports).
    """
    ours = {k: v for k, v in sys.modules.items() if k.split(".")[0] == "workflow_scripts"}
    for name in ours:
        del sys.modules[name]
    sys.path.insert(0, str(Path(root).resolve()))
    try:
        module = importlib.import_module("workflow_scripts.features.cache")
        if not Path(module.__file__).resolve().is_relative_to(Path(root).resolve()):
            raise SystemExit(f"--baseline {root}: no workflow_scripts package there")
    finally:
        sys.path.pop(0)
        for name in [k for k in sys.modules if k.split(".")[0] == "workflow_scripts"]:
            del sys.modules[name]
        sys.modules.update(ours)
    return module.build_shard


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--files", nargs="*", help="audio files to use instead of generated ones")
    parser.add_argument("--n-per-format", type=int, default=200)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--device", default="cpu", help="torch device for the log-mel step")
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--baseline", help="older tree holding workflow_scripts/ to time as well")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    params = FeatureParams()
    baseline = import_baseline(args.baseline) if args.baseline else None
    with tempfile.TemporaryDirectory(prefix="bench_features_") as tmp:
        folder = Path(tmp)
        paths = (
            [Path(p) for p in args.files]
            if args.files
            else write_corpus(folder, args.n_per_format, args.seed)
        )
        manifest = manifest_for(paths)
        time_decode_legacy(paths[:20])  # warm the page cache and libraries

        def end_to_end(rows: pd.DataFrame, build: Any = build_shard) -> tuple[float, float]:
            return time_end_to_end(
                rows, folder, params, args.threads, args.device, args.batch_size, build
            )

        end_to_end(manifest.iloc[:16])  # warm-up: kernels, CUDA context
        if baseline is not None:
            end_to_end(manifest.iloc[:16], baseline)
        decode, e2e, legacy, base = [], [], [], []
        for _ in range(args.repeats):  # interleaved, so background load hits all alike
            decode.append(time_decode(paths, params, args.threads))
            e2e.append(end_to_end(manifest))
            legacy.append(time_decode_legacy(paths))
            if baseline is not None:
                base.append(end_to_end(manifest, baseline))
    n = len(paths)
    decode_s, e2e_s = min(w for w, _ in decode), min(w for w, _ in e2e)
    decode_rate, e2e_rate, legacy_rate = n / decode_s, n / e2e_s, n / min(legacy)
    print(
        f"files: {n}, threads: {args.threads}, device: {args.device}, "
        f"batch size: {args.batch_size}, cpus: {len(os.sched_getaffinity(0))}, "
        f"machine: {platform.node()} ({_cpu_model()}), load average: {os.getloadavg()[0]:.2f}"
    )
    print(
        f"cpu per file: decode-only {1000 * min(c for _, c in decode) / n:.2f} ms, "
        f"end-to-end {1000 * min(c for _, c in e2e) / n:.2f} ms "
        f"(user + system, all threads)"
    )
    if base:
        base_rate = n / min(w for w, _ in base)
        print(
            f"baseline ({args.baseline}): end-to-end {base_rate:.1f} files/s, "
            f"cpu {1000 * min(c for _, c in base) / n:.2f} ms/file, "
            f"ratio Y/X = {base_rate / decode_rate:.2f}; "
            f"current / baseline = {e2e_rate / base_rate:.2f}"
        )
    print(
        f"legacy: decode-only whole files, 1 thread {legacy_rate:.1f} files/s, "
        f"ratio Y/X = {e2e_rate / legacy_rate:.2f}"
    )
    print(
        f"features: decode-only {decode_rate:.1f} files/s, end-to-end {e2e_rate:.1f} files/s, "
        f"ratio Y/X = {e2e_rate / decode_rate:.2f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
