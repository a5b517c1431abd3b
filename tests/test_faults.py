"""Kills through Snakemake, as a user or a cluster meets them, and the documented recovery.

One work directory runs the user's command for Table 1 (``snakemake --cores 8
results/table1.csv``, no profile flag) and is killed with SIGKILL to the whole process
group three times: at a random moment of a cache-extraction job, at a random moment
mid-epoch of a training job (once its resume checkpoint exists), and right after a
training job wrote all its outputs (the state only ``rerun-incomplete`` of
profiles/default recovers). After each kill the README's recovery (``snakemake --unlock``,
then the same command) is applied. The finished run must equal the suite's uninterrupted
run of the tiny config (``full_workdir``, made with ``--cores 2``) byte for byte in every
manifest, cache and score file (manifests with each run's work directory masked, as they
hold absolute audio paths): that is also the determinism check across two clean work
directories on CPU, and across ``--cores``.
"""

from __future__ import annotations

import os
import random
import re
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import SNAKEMAKE, TINY, venv_first, workflow_args

from workflow_scripts.training.job import KILL_GROUP_AFTER_OUTPUTS_ENV

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(SNAKEMAKE is None, reason="snakemake is not installed in this environment"),
]

TARGET = "results/table1.csv"
#: The user's command (more cores than the CI machine has CPUs, on purpose).
COMMAND_ARGS = [TARGET, "--cores", "8"]
#: Longest wait for one phase of the run (a hang fails the test, not the CI).
PHASE_TIMEOUT_S = 300
#: Folders whose every file must equal the uninterrupted run's.
COMPARED = ("results/manifests", "results/caches", "results/scores")
RESUME = "results/resume/pretrained/asvspoof2019"
#: Hidden temporary siblings that an atomic writer killed mid-write leaves behind.
ATOMIC_TMP = re.compile(r"^\..+\.tmp-\d+$")


def command(workdir: Path, *args: str) -> list[str]:
    return [SNAKEMAKE, *args, *workflow_args(workdir, TINY)]


def run(workdir: Path, *args: str) -> subprocess.CompletedProcess:
    """A Snakemake call that must end within the phase timeout."""
    return subprocess.run(
        command(workdir, *args),
        capture_output=True,
        text=True,
        env=venv_first(dict(os.environ)),
        timeout=PHASE_TIMEOUT_S,
    )


def kill_run_when(
    workdir: Path,
    ready: Callable[[], bool] | None,
    delay_s: float = 0.0,
    env: dict[str, str] | None = None,
) -> str:
    """Start the user's command in its own process group; once ``ready()`` holds, wait
    ``delay_s`` and SIGKILL the whole group (``ready`` None: the run kills itself, via a
    test hook). Returns the run's console output."""
    log = workdir.parent / f"{workdir.name}.console.log"
    with open(log, "a") as out:
        proc = subprocess.Popen(
            command(workdir, *COMMAND_ARGS),
            stdout=out,
            stderr=subprocess.STDOUT,
            env=venv_first(env or dict(os.environ)),
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + PHASE_TIMEOUT_S
        while ready is None or not ready():
            ended = proc.poll() is not None
            if ready is None and ended:
                assert proc.returncode == -signal.SIGKILL, log.read_text()[-4000:]
                return log.read_text()
            assert not ended, f"the run ended before the kill:\n{log.read_text()[-4000:]}"
            assert time.monotonic() < deadline, f"never ready:\n{log.read_text()[-4000:]}"
            time.sleep(0.02)
        time.sleep(delay_s)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=60)
    return log.read_text()


def unfinished_shards(workdir: Path) -> list[Path]:
    """Cache-extraction jobs that started (their log exists) and did not finish (no benchmark)."""
    logs = workdir / "results/logs"
    return [
        log
        for log in logs.glob("caches/*/*/shard*.log")
        if not (workdir / "results/benchmarks" / log.relative_to(logs)).with_suffix(".tsv").exists()
    ]


def recover(workdir: Path, show_lock: bool = False) -> None:
    """The README's recovery after a crash: ``--unlock`` (``show_lock``: first show that the
    same command fails on the lock without it)."""
    if show_lock:
        locked = run(workdir, *COMMAND_ARGS)
        assert locked.returncode != 0 and "LockException" in locked.stdout + locked.stderr
    assert run(workdir, "--unlock").returncode == 0


def test_killed_run_recovers_to_the_uninterrupted_result(
    full_workdir: Path, tmp_path: Path
) -> None:
    rng = random.Random(11)
    workdir = tmp_path / "run"
    workdir.mkdir()

    # 1. SIGKILL while a cache shard is being extracted
    console = kill_run_when(
        workdir, lambda: bool(unfinished_shards(workdir)), rng.uniform(0.0, 1.5)
    )
    # --cores 8 is capped at the CPUs there are (Snakefile), so 2 on the CI machine
    assert f"Provided cores: {min(8, len(os.sched_getaffinity(0)))}" in console
    assert unfinished_shards(workdir), "no cache shard was cut short"
    recover(workdir, show_lock=True)

    # 2. SIGKILL mid-epoch of a training job, once its resume checkpoint exists
    def resume_written() -> bool:
        return any((workdir / RESUME).glob("*.pt"))

    kill_run_when(workdir, resume_written, rng.uniform(0.2, 1.0))
    killed = sorted(p.stem for p in (workdir / RESUME).glob("*.pt"))
    assert killed, "no resume checkpoint survived the kill"
    for model in killed:
        assert not (workdir / f"results/models/pretrained/asvspoof2019/{model}/best.pt").exists()
    recover(workdir)

    # 3. SIGKILL right after a training job wrote its outputs, before Snakemake saw it finish
    hook_env = {**os.environ, KILL_GROUP_AFTER_OUTPUTS_ENV: "1"}
    console = kill_run_when(workdir, None, env=hook_env)
    finished = [
        m
        for m in ("resnet", "convnext")
        if (workdir / f"results/models/pretrained/asvspoof2019/{m}/curve.png").exists()
    ]
    assert finished, f"no training job reached its kill hook:\n{console[-4000:]}"
    recover(workdir)
    # without profiles/default's rerun-incomplete, Snakemake refuses those outputs
    bare = run(workdir, *COMMAND_ARGS, "-n", "--workflow-profile", "none")
    assert bare.returncode != 0
    assert "IncompleteFilesException" in bare.stdout + bare.stderr

    # the same command, unchanged, finishes the run
    final = run(workdir, *COMMAND_ARGS)
    assert final.returncode == 0, final.stdout[-3000:] + final.stderr[-5000:]
    for model in killed:
        log = (workdir / f"results/logs/pretrain/asvspoof2019/{model}.log").read_text()
        assert "resuming from" in log, log[-2000:]

    # the README's report command, with the run's own target, reports what this run made
    report = run(workdir, "--report", "results/report.html", TARGET)
    assert report.returncode == 0, report.stderr[-3000:]
    html = (workdir / "results/report.html").read_text()
    assert '"results/table1.csv"' in html and "results/table_exp2.csv" not in html

    compared = 0
    for folder in COMPARED:
        for path in sorted((workdir / folder).rglob("*")):
            if path.is_dir():
                continue
            if ATOMIC_TMP.match(path.name):  # a killed writer's temporary, never an output
                continue
            twin = full_workdir / path.relative_to(workdir)
            assert twin.exists(), f"{path.relative_to(workdir)} is not in the uninterrupted run"
            ours, theirs = path.read_bytes(), twin.read_bytes()
            if folder == "results/manifests":  # audio paths are absolute: mask the work dirs
                ours = ours.replace(bytes(workdir), b"<workdir>")
                theirs = theirs.replace(bytes(full_workdir), b"<workdir>")
            assert ours == theirs, path.relative_to(workdir)
            compared += 1
    # 2 manifests + 4 caches and their quarantine lists + 4 score files, at least
    assert compared >= 14
