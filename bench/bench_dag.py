"""Benchmark: Snakemake DAG size and dry-run/no-op time at the paper's scale, without audio.

    python bench/bench_dag.py [--n-shards 32] [--repeats 2] [--keep DIR]

Writes synthetic manifests with the real corpora's sizes (ASVspoof 2019 LA, FoR
for-norm, WaveFake's 7 LJSpeech vocoders + LJSpeech, In-the-Wild) into a temporary
work directory, with the paper configuration (config/paper.yaml: the Experiment-2
grid of 6 points x 3 methods x 3 seeds, Experiment 3 N = 1000/3000/5000 x 3 seeds,
Experiment 4 x 3 seeds) whose dataset roots point at empty folders. A non-null
root means the manifest rule has no input, so the written manifests count as up
to date and nothing needs audio. It then times:

1. ``snakemake -n <one manifest>``: the fixed cost (start-up, parsing, config
   validation, a one-job DAG);
2. ``snakemake -n all``: building the whole DAG, with its job count;
3. a no-op ``snakemake -n all`` after an empty placeholder was written for every
   output (listed by ``snakemake --detailed-summary``; temporary shard files are
   left out, as after a real run) and every file given the same mtime, so that
   nothing is older than its input and Snakemake must answer "Nothing to be done".

Each timing is the best of ``--repeats`` runs (the machine is shared; timings are
noisy). The last line reads ``dag: N jobs, dry run X s, no-op Y s, fixed Z s,
J jobs per 10k utterances``; the goal is at most 1,000 jobs and a no-op within 5 s.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from workflow_scripts.datasets import MANIFEST_COLUMNS  # noqa: E402
from workflow_scripts.datasets.wavefake import assign_split  # noqa: E402

#: (bonafide, spoof) per split of each corpus as released (FoR: for-norm; its "testing" is eval).
CORPUS_SIZES: dict[str, dict[str, tuple[int, int]]] = {
    "asvspoof2019": {"train": (2_580, 22_800), "dev": (2_548, 22_296), "eval": (7_355, 63_882)},
    "for": {"train": (26_941, 26_927), "dev": (5_400, 5_398), "eval": (2_264, 2_370)},
    "itw": {"eval": (19_963, 11_816)},
}
LJSPEECH_CLIPS = 13_100  # LJSpeech-1.1; WaveFake vocodes every clip once per vocoder
LJSPEECH_CHAPTERS = 50
QUARANTINE_COLUMNS = ("utt_id", "path", "stage", "reason")
TEMP_OUTPUT = re.compile(r"results/caches/[^/]+/[^/]+/shard\d+\.")  # temp() outputs of cache_shard


@dataclass(frozen=True)
class Timing:
    seconds: float
    output: str


def snakemake_executable() -> str:
    here = Path(sys.executable).parent / "snakemake"
    found = str(here) if here.exists() else shutil.which("snakemake")
    if found is None:
        raise SystemExit("error: snakemake is not installed (neither next to python nor on PATH)")
    return found


def paper_config(roots: Path, n_shards: int) -> dict:
    """config/paper.yaml with every root an empty folder under ``roots`` and ``n_shards`` shards."""
    config = yaml.safe_load((REPO / "config" / "paper.yaml").read_text())
    for name, dataset in config["datasets"].items():
        for key in ("root", "ljspeech_root"):
            if key in dataset:
                folder = roots / f"{name}_{key}"
                folder.mkdir(parents=True, exist_ok=True)
                dataset[key] = str(folder)
    config["caches"]["n_shards"] = n_shards
    return config


def ljspeech_ids() -> list[str]:
    per_chapter = LJSPEECH_CLIPS // LJSPEECH_CHAPTERS
    return [
        f"LJ{c:03d}-{i:04d}"
        for c in range(1, LJSPEECH_CHAPTERS + 1)
        for i in range(1, per_chapter + 1)
    ]


def manifest_rows(name: str, dataset: dict) -> pd.DataFrame:
    """A manifest of the real corpus' size and class balance (paths point at nothing)."""
    root = dataset["root"]
    if dataset["format"] == "wavefake":
        ids = ljspeech_ids()
        splits = [assign_split(lj, dataset["split_fractions"]) for lj in ids]
        columns = {
            "utt_id": [f"LJSpeech_{lj}" for lj in ids],
            "split": splits,
            "label": ["bonafide"] * len(ids),
            "attack": ["-"] * len(ids),
        }
        frames = [pd.DataFrame(columns)]
        for vocoder in dataset["vocoders"]:
            frames.append(
                pd.DataFrame(
                    {
                        "utt_id": [f"{vocoder}_{lj}" for lj in ids],
                        "split": splits,
                        "label": "spoof",
                        "attack": vocoder,
                    }
                )
            )
        df = pd.concat(frames, ignore_index=True)
        df["speaker"] = "LJ"
    else:
        parts = []
        for split, (n_bona, n_spoof) in CORPUS_SIZES[name].items():
            n = n_bona + n_spoof
            parts.append(
                pd.DataFrame(
                    {
                        "utt_id": [f"{name}_{split}_{i:06d}" for i in range(n)],
                        "split": split,
                        "label": ["bonafide"] * n_bona + ["spoof"] * n_spoof,
                        "attack": ["-"] * n_bona + [f"A{i % 19:02d}" for i in range(n_spoof)],
                        "speaker": [f"S{i % 100:03d}" for i in range(n)],
                    }
                )
            )
        df = pd.concat(parts, ignore_index=True)
    df["dataset"] = name
    df["path"] = root + "/" + df["utt_id"] + ".flac"
    return df[list(MANIFEST_COLUMNS)]


def write_manifests(workdir: Path, config: dict) -> int:
    """Write every dataset's manifest and (empty) manifest quarantine list; return the
    utterance count."""
    folder = workdir / "results" / "manifests"
    folder.mkdir(parents=True, exist_ok=True)
    total = 0
    for name, dataset in config["datasets"].items():
        df = manifest_rows(name, dataset)
        df.to_csv(folder / f"{name}.tsv", sep="\t", index=False)
        pd.DataFrame(columns=list(QUARANTINE_COLUMNS)).to_csv(
            folder / f"{name}.quarantine.tsv", sep="\t", index=False
        )
        total += len(df)
    return total


def run(workdir: Path, configfile: Path, *args: str) -> Timing:
    env = dict(os.environ)
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    cmd = [
        snakemake_executable(),
        "--snakefile",
        str(REPO / "Snakefile"),
        "--directory",
        str(workdir),
        "--configfile",
        str(configfile),
        "--cores",
        "1",
        *args,
    ]
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(
            f"error: {' '.join(cmd[1:])} failed ({proc.returncode}):\n{proc.stderr[-4000:]}"
        )
    return Timing(seconds, proc.stdout + proc.stderr)


def best_of(repeats: int, workdir: Path, configfile: Path, *args: str) -> Timing:
    timings = [run(workdir, configfile, *args) for _ in range(repeats)]
    return min(timings, key=lambda t: t.seconds)


def job_total(output: str) -> tuple[int, dict[str, int]]:
    """Total and per-rule job counts from a dry run's 'Job stats' table."""
    counts: dict[str, int] = {}
    lines = output.splitlines()
    try:
        start = next(i for i, ln in enumerate(lines) if ln.startswith("job ") and "count" in ln)
    except StopIteration:
        raise SystemExit("error: no 'Job stats' table in the dry run output") from None
    for line in lines[start + 1 :]:
        parts = line.split()
        if not parts or parts[0].startswith("-"):
            continue
        if parts[0] == "total":
            return int(parts[1]), counts
        counts[parts[0]] = int(parts[1])
    raise SystemExit("error: the 'Job stats' table has no total")


def planned_outputs(summary: str) -> list[str]:
    """Output files of every job from ``snakemake --detailed-summary`` (tab-separated,
    header first)."""
    lines = summary.splitlines()
    try:
        start = next(i for i, ln in enumerate(lines) if ln.startswith("output_file\t"))
    except StopIteration:
        raise SystemExit("error: no 'output_file' header in the detailed summary") from None
    reader = csv.reader(io.StringIO("\n".join(lines[start:])), delimiter="\t")
    next(reader)
    return [row[0] for row in reader if row and row[0].startswith("results/")]


def write_placeholders(workdir: Path, outputs: list[str]) -> int:
    """An empty file per non-temporary output, all (manifests too) with one mtime; return
    the count."""
    stamp = time.time() - 60
    written = 0
    for rel in outputs:
        if TEMP_OUTPUT.search(rel):
            continue
        path = workdir / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch()
        os.utime(path, (stamp, stamp))
        written += 1
    for path in (workdir / "results" / "manifests").iterdir():
        os.utime(path, (stamp, stamp))
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Time Snakemake's DAG at the paper's scale on synthetic manifests."
    )
    parser.add_argument("--n-shards", type=int, default=32, help="caches.n_shards (default 32)")
    parser.add_argument(
        "--repeats", type=int, default=2, help="timings are the best of this many runs"
    )
    parser.add_argument(
        "--keep",
        type=Path,
        default=None,
        help="use (and keep) this work directory instead of a temporary one",
    )
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="bench_dag_") as tmp:
        workdir = args.keep or Path(tmp) / "work"
        if workdir.exists() and any(workdir.iterdir()):
            raise SystemExit(f"error: {workdir} is not empty")
        workdir.mkdir(parents=True, exist_ok=True)
        config = paper_config(
            Path(tmp) / "roots" if args.keep is None else workdir / "roots", args.n_shards
        )
        configfile = workdir / "bench_config.yaml"
        configfile.write_text(yaml.safe_dump(config, sort_keys=False))
        n_utts = write_manifests(workdir, config)

        fixed = best_of(args.repeats, workdir, configfile, "-n", "results/manifests/itw.tsv")
        dry = best_of(args.repeats, workdir, configfile, "-n", "all")
        n_jobs, per_rule = job_total(dry.output)
        if "rule manifest:" in dry.output or "demo_corpus" in dry.output:
            raise SystemExit(
                "error: the dry run would rebuild manifests or demo corpora; "
                "the synthetic manifests were not accepted"
            )

        summary_start = time.perf_counter()
        outputs = planned_outputs(run(workdir, configfile, "--detailed-summary", "all").output)
        summary_s = time.perf_counter() - summary_start
        n_placeholders = write_placeholders(workdir, outputs)
        noop = best_of(args.repeats, workdir, configfile, "-n", "all")
        if "Nothing to be done" not in noop.output:
            left = job_total(noop.output)[1]
            raise SystemExit(f"error: the no-op dry run still plans jobs: {left}")

    print(
        f"utterances: {n_utts:,} in {len(config['datasets'])} corpora; "
        f"n_shards: {args.n_shards}; cpus: {len(os.sched_getaffinity(0))}"
    )
    print(
        "jobs per rule: "
        + ", ".join(
            f"{rule} {count}" for rule, count in sorted(per_rule.items(), key=lambda kv: -kv[1])
        )
    )
    print(
        f"outputs: {len(outputs):,} planned, {n_placeholders:,} placeholders written; "
        f"detailed summary {summary_s:.2f} s"
    )
    print(
        f"fixed cost (one-job dry run): {fixed.seconds:.2f} s; "
        f"full dry run: {dry.seconds:.2f} s; no-op: {noop.seconds:.2f} s"
    )
    verdict = "met" if n_jobs <= 1000 and noop.seconds <= 5.0 else "MISSED"
    print(f"goal (<= 1000 jobs, no-op <= 5 s): {verdict}")
    print(
        f"dag: {n_jobs} jobs, dry run {dry.seconds:.2f} s, no-op {noop.seconds:.2f} s, "
        f"fixed {fixed.seconds:.2f} s, "
        f"{n_jobs / (n_utts / 10_000):.1f} jobs per 10k utterances"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
