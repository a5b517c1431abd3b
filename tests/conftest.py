"""Shared Snakemake fixtures (the tiny workflow runs once per pytest session) and helpers that
run the repository's commands.

The full tiny run (every experiment, ~2-4 min on 2 cores) is the expensive part of the
suite; test_workflow.py and test_report.py both read its results, so the work
directories are session-scoped. Tests that write into them must only add files that
no rule produces (extra configs, the report) so that dry-run assertions stay valid.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
TINY = REPO / "tests" / "data" / "tiny_config.yaml"
VENV_BIN = str(Path(sys.executable).parent)
SNAKEMAKE = shutil.which("snakemake", path=VENV_BIN + os.pathsep + os.environ["PATH"])


#: Under CI=true (.ci/run sets it) a skipped test fails the run, except tests marked ``cuda``:
#: a missing SLURM, Chromium or Graphviz must not leave CI green with its checks unrun.
STRICT = os.environ.get("CI", "").lower() in ("1", "true", "yes")
#: Markers of the tests that need a system component, and its name in the summary line.
SYSTEM_PARTS = {"slurm": "SLURM cluster", "chromium": "Chromium", "graphviz": "Graphviz"}


def _skipped_outside_cuda(stats: Mapping[str, list]) -> list:
    return [r for r in stats.get("skipped", []) if "cuda" not in r.keywords]


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if STRICT and reporter is not None and _skipped_outside_cuda(reporter.stats):
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    """One line saying what ran, including the tests that need a system component."""
    stats = terminalreporter.stats
    count = {key: len(stats.get(key, [])) for key in ("passed", "failed", "error", "skipped")}
    cuda = sum("cuda" in r.keywords for r in stats.get("skipped", []))
    parts = []
    for mark, name in SYSTEM_PARTS.items():
        ran = sum(mark in r.keywords for r in stats.get("passed", []) if r.when == "call")
        skipped = sum(mark in r.keywords for r in stats.get("skipped", []))
        parts.append(f"{name} {ran} passed" + (f", {skipped} SKIPPED" if skipped else ""))
    terminalreporter.write_line(
        f"suite: {count['passed']} passed, {count['failed']} failed, {count['error']} errors,"
        f" {count['skipped']} skipped ({cuda} CUDA-only); " + "; ".join(parts)
    )
    unexpected = _skipped_outside_cuda(stats)
    if STRICT and unexpected:
        names = ", ".join(r.nodeid for r in unexpected)
        terminalreporter.write_line(f"CI=true: a skip fails the run: {names}", red=True)


def module_env(**variables: str) -> dict[str, str]:
    """This process's environment with the repository first on PYTHONPATH, plus ``variables``."""
    path = os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))
    return {**os.environ, "PYTHONPATH": path, **variables}


def run_module(
    module: str,
    *args: str,
    cwd: Path,
    env: Mapping[str, str] | None = None,
    timeout: float | None = None,
) -> subprocess.CompletedProcess[str]:
    """``python -m workflow_scripts.<module> *args`` in ``cwd``, output captured (``env``:
    :func:`module_env` unless given)."""
    cmd = [sys.executable, "-m", f"workflow_scripts.{module}", *args]
    env = module_env() if env is None else env
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


#: Longest one Snakemake call of a test may take (the tiny ``all`` run takes ~4 min on 2
#: cores): a hang fails that test instead of eating the CI's time.
SNAKEMAKE_TIMEOUT_S = 900


def run_bounded(cmd: list[str], timeout: float, **kwargs) -> subprocess.CompletedProcess[str]:
    """``subprocess.run(cmd, capture_output=True, text=True)`` in a process group of its own,
    killed whole (the jobs a Snakemake started included) after ``timeout`` seconds."""
    with subprocess.Popen(
        cmd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        **kwargs,
    ) as proc:
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            out, err = proc.communicate()
            raise AssertionError(
                f"still running after {timeout:.0f} s, killed: {' '.join(cmd)}\n"
                f"{out[-3000:]}\n{err[-3000:]}"
            ) from None
    return subprocess.CompletedProcess(cmd, proc.returncode, out, err)


def venv_first(env: Mapping[str, str]) -> dict[str, str]:
    """``env`` with the venv's bin folder first on PATH (jobs run its python and snakemake)."""
    return {**env, "PATH": VENV_BIN + os.pathsep + env["PATH"]}


def workflow_args(workdir: Path, config: Path = TINY) -> list[str]:
    """Snakemake options that run the repository's Snakefile in ``workdir`` with ``config``."""
    snakefile = str(REPO / "Snakefile")
    return ["--snakefile", snakefile, "--directory", str(workdir), "--configfile", str(config)]


def snakemake(
    workdir: Path,
    *args: str,
    config: Path = TINY,
    check: bool = True,
    timeout: float = SNAKEMAKE_TIMEOUT_S,
) -> subprocess.CompletedProcess:
    """Run the repository's Snakefile in ``workdir`` with the venv's python first on PATH
    (killed, and the test failed, after ``timeout`` seconds)."""
    cmd = [SNAKEMAKE, *workflow_args(workdir, config), "--cores", "2", *args]
    proc = run_bounded(cmd, timeout, env=venv_first(os.environ))
    if check and proc.returncode != 0:
        raise AssertionError(
            f"snakemake failed ({proc.returncode}):\n{proc.stdout[-4000:]}\n{proc.stderr[-6000:]}"
        )
    return proc


def malformed_asvspoof_config(tmp_path: Path) -> Path:
    """Tiny config whose ASVspoof root has a train protocol line with four fields, not five."""
    root = tmp_path / "bad_asvspoof"
    protocols = root / "LA" / "ASVspoof2019_LA_cm_protocols"
    protocols.mkdir(parents=True)
    (root / "LA" / "ASVspoof2019_LA_train" / "flac").mkdir(parents=True)
    (protocols / "ASVspoof2019.LA.cm.train.trn.txt").write_text(
        "LA_0079 LA_T_1138215 - A01\n"
    )  # KEY missing
    tiny = TINY.read_text()
    demo_line = "asvspoof2019: {format: asvspoof2019_la, root: null}"
    assert demo_line in tiny
    config = tmp_path / "bad.yaml"
    config.write_text(
        tiny.replace(demo_line, f"asvspoof2019: {{format: asvspoof2019_la, root: '{root}'}}")
    )
    return config


def job_counts(output: str) -> dict[str, int]:
    """Parse the 'Job stats' table of a Snakemake (dry) run into {rule: count}."""
    counts: dict[str, int] = {}
    in_table = False
    for line in output.splitlines():
        if line.startswith("job ") and "count" in line:
            in_table = True
            continue
        if in_table:
            parts = line.split()
            if not parts or parts[0].startswith("-"):
                continue
            if parts[0] == "total":
                break
            counts[parts[0]] = int(parts[1])
    return counts


@pytest.fixture(scope="session")
def cached_workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A work directory where target ``caches`` (demo corpora, manifests, caches) has run."""
    if SNAKEMAKE is None:
        pytest.skip("snakemake is not installed in this environment")
    workdir = tmp_path_factory.mktemp("wf")
    snakemake(workdir, "caches")
    return workdir


@pytest.fixture(scope="session")
def full_workdir(cached_workdir: Path) -> Path:
    """The same work directory after target ``all`` (every table and figure) has run."""
    snakemake(cached_workdir, "all")
    return cached_workdir
