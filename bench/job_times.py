"""Where a run's time went: the job benchmarks of a results folder, summed per stage.

    python bench/job_times.py [results] [--top 10]

Every rule writes ``results/benchmarks/<stage>/...tsv`` (Snakemake's ``benchmark:``
directive: wall seconds ``s`` and ``cpu_time``, the CPU seconds of the job's
processes). This sums them per stage (the first folder under ``benchmarks/``) and
lists the longest jobs. Wall seconds of jobs that ran side by side add up to more
than the run's wall time; CPU seconds say what the jobs cost whatever ran beside
them, which makes them the figure to compare between runs on a busy machine. The
last line reads ``jobs: N jobs, X s job wall time, Y s CPU time``.
"""

from __future__ import annotations

import argparse
import csv
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class JobTime:
    """One job's benchmark: its file (relative to ``benchmarks/``), wall and CPU seconds."""

    name: str
    wall_s: float
    cpu_s: float

    @property
    def stage(self) -> str:
        """The first folder of the benchmark path (``demo``, ``caches``, ``train``, ...)."""
        return self.name.split("/", 1)[0]


def read_job_times(results: Path) -> list[JobTime]:
    """Every benchmark TSV under ``results/benchmarks`` (last row of each: a rerun's figure)."""
    folder = results / "benchmarks"
    if not folder.is_dir():
        raise SystemExit(f"{folder}: no benchmarks folder (run the workflow first)")
    jobs = []
    for path in sorted(folder.rglob("*.tsv")):
        with path.open(newline="") as handle:
            rows = list(csv.DictReader(handle, delimiter="\t"))
        if not rows:
            raise SystemExit(f"{path}: empty benchmark file")
        last = rows[-1]
        cpu = last.get("cpu_time", "NA")
        jobs.append(
            JobTime(
                name=path.relative_to(folder).with_suffix("").as_posix(),
                wall_s=float(last["s"]),
                cpu_s=float(cpu) if cpu not in ("", "NA") else float("nan"),
            )
        )
    return jobs


def per_stage(jobs: list[JobTime]) -> list[tuple[str, int, float, float]]:
    """(stage, jobs, wall s, CPU s) per stage, most wall time first."""
    stages: dict[str, list[JobTime]] = {}
    for job in jobs:
        stages.setdefault(job.stage, []).append(job)
    rows = [
        (stage, len(group), sum(j.wall_s for j in group), sum(j.cpu_s for j in group))
        for stage, group in stages.items()
    ]
    return sorted(rows, key=lambda row: -row[2])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("results", nargs="?", type=Path, default=Path("results"))
    parser.add_argument("--top", type=int, default=10, help="longest jobs to list")
    args = parser.parse_args()
    jobs = read_job_times(args.results)
    print(f"{'stage':<14}{'jobs':>6}{'wall s':>10}{'CPU s':>10}")
    for stage, n, wall, cpu in per_stage(jobs):
        print(f"{stage:<14}{n:>6}{wall:>10.1f}{cpu:>10.1f}")
    print(f"\nlongest {args.top} jobs (wall s, CPU s):")
    for job in sorted(jobs, key=lambda j: -j.wall_s)[: args.top]:
        print(f"  {job.wall_s:8.1f} {job.cpu_s:8.1f}  {job.name}")
    wall = sum(j.wall_s for j in jobs)
    cpu = sum(j.cpu_s for j in jobs)
    print(f"jobs: {len(jobs)} jobs, {wall:.0f} s job wall time, {cpu:.0f} s CPU time")


if __name__ == "__main__":
    main()
