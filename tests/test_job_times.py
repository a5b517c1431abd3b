"""bench/job_times.py: a run's job benchmarks summed per stage (docs/demo-results.md)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("job_times", REPO / "bench" / "job_times.py")
assert spec is not None and spec.loader is not None
job_times = importlib.util.module_from_spec(spec)
sys.modules["job_times"] = job_times  # dataclasses look their module up
spec.loader.exec_module(job_times)

HEADER = "s\th:m:s\tmax_rss\tmax_vms\tmax_uss\tmax_pss\tio_in\tio_out\tmean_load\tcpu_time\n"


def _bench(root: Path, name: str, *rows: tuple[float, float]) -> None:
    path = root / "benchmarks" / f"{name}.tsv"
    path.parent.mkdir(parents=True, exist_ok=True)
    body = "".join(f"{s}\t0:00:01\t1\t1\t1\t1\t0\t0\t50\t{cpu}\n" for s, cpu in rows)
    path.write_text(HEADER + body)


def test_sums_per_stage_and_takes_a_reruns_last_row(tmp_path: Path) -> None:
    _bench(tmp_path, "train/exp3/n80/seed0", (120.5, 100.25))
    _bench(tmp_path, "train/exp3/n20/seed0", (9.0, 8.0), (50.0, 40.0))  # rerun: last row
    _bench(tmp_path, "demo/itw", (13.5, 12.0))
    jobs = job_times.read_job_times(tmp_path)
    assert job_times.per_stage(jobs) == [("train", 2, 170.5), ("demo", 1, 13.5)]
    table = job_times.markdown_table(jobs).splitlines()
    assert table[2:] == ["| train | 2 | 170.5 |", "| demo | 1 | 13.5 |", "| all | 3 | 184.0 |"]


def test_an_empty_benchmark_file_names_itself(tmp_path: Path) -> None:
    path = tmp_path / "benchmarks" / "score" / "x.tsv"
    path.parent.mkdir(parents=True)
    path.write_text(HEADER)
    with pytest.raises(SystemExit, match="score/x.tsv: empty benchmark file"):
        job_times.read_job_times(tmp_path)
