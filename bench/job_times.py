"""Where a run's time went: the job benchmarks of a results folder, summed per stage.

    python bench/job_times.py [results] [--top 10] [--markdown OUT.md]

Every rule writes ``results/benchmarks/<stage>/...tsv`` (Snakemake's ``benchmark:``
directive). This sums the jobs' wall seconds (``s``) per stage (the first folder
under ``benchmarks/``) and lists the longest jobs. Jobs that ran side by side add
up to more than the run's wall time. Snakemake's ``cpu_time`` column is left out:
it is sampled while a job runs, so short jobs read near zero. The last line reads
``jobs: N jobs, X s job wall time``. ``--markdown`` also writes the per-stage table
(a section of docs/demo-results.md).
"""

from __future__ import annotations

import argparse
import csv
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class JobTime:
    """One job's benchmark: its file (relative to ``benchmarks/``) and wall seconds."""

    name: str
    wall_s: float

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
        name = path.relative_to(folder).with_suffix("").as_posix()
        jobs.append(JobTime(name=name, wall_s=float(rows[-1]["s"])))
    return jobs


def per_stage(jobs: list[JobTime]) -> list[tuple[str, int, float]]:
    """(stage, jobs, wall s) per stage, most wall time first."""
    stages: dict[str, list[JobTime]] = {}
    for job in jobs:
        stages.setdefault(job.stage, []).append(job)
    rows = [(stage, len(group), sum(j.wall_s for j in group)) for stage, group in stages.items()]
    return sorted(rows, key=lambda row: -row[2])


def markdown_table(jobs: list[JobTime]) -> str:
    """The per-stage sums as a Markdown table, with a total row."""
    lines = ["| stage | jobs | job wall time (s) |", "|---|---|---|"]
    lines += [f"| {stage} | {n} | {wall:.1f} |" for stage, n, wall in per_stage(jobs)]
    lines.append(f"| all | {len(jobs)} | {sum(j.wall_s for j in jobs):.1f} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("results", nargs="?", type=Path, default=Path("results"))
    parser.add_argument("--top", type=int, default=10, help="longest jobs to list")
    parser.add_argument("--markdown", type=Path, help="also write the per-stage table here")
    args = parser.parse_args()
    jobs = read_job_times(args.results)
    print(f"{'stage':<14}{'jobs':>6}{'wall s':>10}")
    for stage, n, wall in per_stage(jobs):
        print(f"{stage:<14}{n:>6}{wall:>10.1f}")
    print(f"\nlongest {args.top} jobs (wall s):")
    for job in sorted(jobs, key=lambda j: -j.wall_s)[: args.top]:
        print(f"  {job.wall_s:8.1f}  {job.name}")
    if args.markdown is not None:
        args.markdown.write_text(markdown_table(jobs), encoding="utf-8")
    print(f"jobs: {len(jobs)} jobs, {sum(j.wall_s for j in jobs):.0f} s job wall time")


if __name__ == "__main__":
    main()
