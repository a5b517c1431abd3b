"""The workflow on a real (one-node, localhost) SLURM cluster through the shipped profiles.

tests/slurm_cluster.py brings up munged, slurmctld and slurmd from Debian's packages
(scripts/install_system_deps.sh installs them); the tests then run the tiny config
through profiles/slurm (plus the overrides a cluster without accounting needs, see
TEST_OVERRIDES) and check that the jobs really went through SLURM with the rules'
resources, that the result equals a local run, that a failing job fails the run, and
that profiles/slurm-gpu turns into a GPU request SLURM sees.
"""

from __future__ import annotations

import re
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
import yaml
from conftest import (
    REPO,
    SNAKEMAKE,
    TINY,
    malformed_asvspoof_config,
    venv_first,
    workflow_args,
)
from slurm_cluster import (
    MIN_JOB_AGE_S,
    ClusterUnavailable,
    SlurmCluster,
    die_with_parent,
    start_cluster,
)

PROFILES = REPO / "profiles"
GPU_RULES = {"pretrain", "train_selected", "score", "score_eval_data", "embed"}
RUN_TIMEOUT_S = 420

#: What the test cluster needs on top of the shipped profile. It has no accounting
#: database: `sacct` fails there and the plugin's default status command would wait
#: forever, so job states come from `squeue`, which the plugin only honours while
#: MinJobAge >= 3 x init seconds. The rest makes the tiny run fast and inspectable.
TEST_OVERRIDES = {
    "slurm-status-command": "squeue",
    "slurm-init-seconds-before-status-checks": 2,
    "seconds-between-status-checks": 2,
    "max-status-checks-per-second": 10,
    "slurm-keep-successful-logs": True,
    "latency-wait": 5,
    # the tiny config runs 1-thread shards; 2 here shows a thread count other than 1 reach SLURM
    "set-threads": {"cache_shard": 2},
    "retries": 0,
    "jobs": 8,
}

pytestmark = [
    pytest.mark.slow,
    pytest.mark.slurm,
    pytest.mark.skipif(SNAKEMAKE is None, reason="snakemake is not installed in this environment"),
]


# ---------------------------------------------------------------- helpers


def profile_for_cluster(shipped: Path, dest: Path, partition: str) -> Path:
    """A copy of a shipped profile with the test cluster's partition and TEST_OVERRIDES.

    The account line goes: without accounting the plugin cannot validate any account.
    """
    profile = yaml.safe_load((shipped / "config.yaml").read_text())
    profile["default-resources"]["slurm_partition"] = partition
    del profile["default-resources"]["slurm_account"]
    profile.update(TEST_OVERRIDES)
    dest.mkdir(parents=True, exist_ok=True)
    (dest / "config.yaml").write_text(yaml.safe_dump(profile, sort_keys=False))
    return dest


def snakemake_command(
    workdir: Path, profile: Path, targets: list[str], config: Path = TINY
) -> list[str]:
    # targets first: --configfile takes several values and would swallow them
    return [SNAKEMAKE, *targets, "--profile", str(profile), *workflow_args(workdir, config)]


def start_snakemake(
    workdir: Path, profile: Path, targets: list[str], env: dict[str, str], config: Path = TINY
) -> tuple[subprocess.Popen, Path]:
    """Start Snakemake in ``workdir`` (jobs run `python -m workflow_scripts` from the venv)."""
    env = venv_first(env)
    workdir.mkdir(parents=True, exist_ok=True)
    log = workdir.parent / f"{workdir.name}.snakemake.log"
    with open(log, "w") as out:
        proc = subprocess.Popen(
            snakemake_command(workdir, profile, targets, config),
            cwd=workdir,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            # SIGKILL: a Snakemake waiting on cluster jobs ignores SIGTERM
            preexec_fn=die_with_parent(signal.SIGKILL),
        )
    return proc, log


def finish(proc: subprocess.Popen, log: Path, timeout: float = RUN_TIMEOUT_S) -> tuple[int, str]:
    """Wait for a Snakemake run; a hung one is killed (it ignores SIGTERM while waiting on jobs)."""
    try:
        rc = proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired as err:
        proc.kill()
        proc.wait()
        raise AssertionError(
            f"snakemake still running after {timeout:.0f} s:\n{log.read_text()[-6000:]}"
        ) from err
    return rc, log.read_text()


@dataclass(frozen=True)
class SubmittedJob:
    """One Snakemake job as the run printed it, and the SLURM job it became."""

    rule: str
    jobid: str
    threads: int
    mem_mb: int
    runtime_min: int
    slurm_id: str
    slurm_log: Path


def job_blocks(output: str, kind: str = "rule") -> dict[str, tuple[str, int, int, int]]:
    """{jobid: (rule, threads, mem_mb, runtime)} of the job blocks a run printed.

    ``kind`` "rule" are jobs for the executor (SLURM), "localrule" jobs Snakemake runs itself.
    """
    blocks = {}
    for m in re.finditer(rf"^{kind} (\w+):\n((?:    .*\n)+)", output, flags=re.M):
        rule, body = m.groups()
        jobid = re.search(r"^    jobid: (\d+)$", body, flags=re.M).group(1)
        threads = re.search(r"^    threads: (\d+)$", body, flags=re.M)
        resources = re.search(r"^    resources: (.*)$", body, flags=re.M).group(1)
        blocks[jobid] = (
            rule,
            int(threads.group(1)) if threads else 1,
            int(re.search(r"\bmem_mb=(\d+)", resources).group(1)),
            int(re.search(r"\bruntime=(\d+)", resources).group(1)),
        )
    return blocks


def submitted_jobs(output: str) -> list[SubmittedJob]:
    """The run's 'submitted with SLURM jobid' lines, joined with their job blocks."""
    blocks = job_blocks(output)
    jobs = []
    for m in re.finditer(
        r"^Job (\d+) has been submitted with SLURM jobid (\d+) \(log: (.*)\)\.$", output, flags=re.M
    ):
        jobid, slurm_id, log = m.groups()
        rule, threads, mem_mb, runtime = blocks[jobid]
        jobs.append(SubmittedJob(rule, jobid, threads, mem_mb, runtime, slurm_id, Path(log)))
    return jobs


def slurm_time(minutes: int) -> str:
    """A runtime in minutes as SLURM prints a TimeLimit: [D-]HH:MM:SS."""
    days, rest = divmod(minutes, 24 * 60)
    clock = f"{rest // 60:02d}:{rest % 60:02d}:00"
    return f"{days}-{clock}" if days else clock


def tres(job: dict[str, str]) -> dict[str, str]:
    return dict(item.split("=", 1) for item in job["TRES"].split(",") if "=" in item)


def megabytes(value: str) -> int:
    units = {"K": 1 / 1024, "M": 1, "G": 1024, "T": 1024 * 1024}
    return round(float(value[:-1]) * units[value[-1]]) if value[-1] in units else int(value)


def rule_names() -> set[str]:
    """Rules defined in rules/*.smk, with ``rule x:`` or ``use rule y as x with:``."""
    pattern = r"^(?:rule (\w+):|use rule \w+ as (\w+) with:)"
    return {
        a or b
        for f in (REPO / "rules").glob("*.smk")
        for a, b in re.findall(pattern, f.read_text(), flags=re.M)
    }


# ---------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def cluster() -> Iterator[SlurmCluster]:
    try:
        running = start_cluster()
    except ClusterUnavailable as exc:
        pytest.skip(f"no test SLURM cluster: {exc}")
    try:
        yield running
    finally:
        running.stop()
        shutil.rmtree(running.root, ignore_errors=True)


@dataclass
class SlurmRun:
    """The SLURM run of Table 1: work directory, exit code, console output, wall time."""

    workdir: Path
    rc: int
    output: str
    seconds: float


@pytest.fixture(scope="module")
def slurm_run(cluster: SlurmCluster, tmp_path_factory: pytest.TempPathFactory) -> SlurmRun:
    """Table 1 of the tiny config through SLURM."""
    base = tmp_path_factory.mktemp("slurm")
    profile = profile_for_cluster(PROFILES / "slurm", base / "profile", cluster.partition)
    started = time.monotonic()
    proc, log = start_snakemake(base / "cluster", profile, ["results/table1.csv"], cluster.env)
    rc, output = finish(proc, log)
    seconds = time.monotonic() - started
    print(f"SLURM run of table_exp1 (results/table1.csv): {seconds:.0f} s")
    return SlurmRun(base / "cluster", rc, output, seconds)


# ---------------------------------------------------------------- profiles (no cluster needed)


def load_profile(name: str) -> dict:
    return yaml.safe_load((PROFILES / name / "config.yaml").read_text())


def test_profiles_comment_every_entry_and_mark_placeholders() -> None:
    for name in ("slurm", "slurm-gpu", "local"):
        lines = (PROFILES / name / "config.yaml").read_text().splitlines()
        for i, line in enumerate(lines):
            top_level = re.match(r"^[a-z][\w-]*:", line)
            if top_level:
                assert lines[i - 1].startswith("#"), (
                    f"profiles/{name}: {line!r} has no comment above it"
                )
    slurm = load_profile("slurm")
    assert slurm["executor"] == "slurm"
    assert slurm["default-resources"]["slurm_partition"] == "CHANGE_ME"
    assert slurm["default-resources"]["slurm_account"] == "CHANGE_ME"
    # the cluster profile suits clusters with accounting: sacct stays the status command
    assert "slurm-status-command" not in slurm
    assert "set-resources" not in slurm and "gpu" not in str(slurm)
    local = load_profile("local")
    assert "executor" not in local and local["cores"] == "all"


def test_gpu_profile_is_the_cluster_profile_plus_one_gpu_for_training_scoring_embedding() -> None:
    slurm, gpu = load_profile("slurm"), load_profile("slurm-gpu")
    set_resources = gpu.pop("set-resources")
    assert gpu == slurm
    assert set(set_resources) == GPU_RULES
    assert GPU_RULES <= rule_names(), "a GPU rule of profiles/slurm-gpu no longer exists in rules/"
    assert all(res == {"gpu": 1} for res in set_resources.values())


def test_dry_runs_show_the_gpu_request_only_in_the_gpu_profile(tmp_path: Path) -> None:
    """Both profiles parse; the rules' own gpu=0 is replaced by 1 only via profiles/slurm-gpu."""
    gpu_of = {}
    for name in ("slurm", "slurm-gpu"):
        proc = subprocess.run(
            snakemake_command(tmp_path, PROFILES / name, ["results/table1.csv", "-n"]),
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
        out = proc.stdout + proc.stderr
        gpu_of[name] = {
            rule: set(re.findall(r"\bgpu=(\d+)", body))
            for rule, body in re.findall(r"^rule (\w+):\n((?:    .*\n)+)", out, flags=re.M)
        }
        assert "slurm_partition=CHANGE_ME" in out
    assert gpu_of["slurm"]["pretrain"] == {"0"} and gpu_of["slurm"]["score"] == {"0"}
    assert gpu_of["slurm-gpu"]["pretrain"] == {"1"} and gpu_of["slurm-gpu"]["score"] == {"1"}
    assert (
        gpu_of["slurm-gpu"]["cache_shard"] == set() and gpu_of["slurm-gpu"]["table_exp1"] == set()
    )


# ---------------------------------------------------------------- the test cluster itself


def test_cluster_without_accounting_needs_squeue(
    cluster: SlurmCluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The facts behind TEST_OVERRIDES: sacct fails here; MinJobAge is long enough for squeue."""
    sacct = cluster.client("sacct", "-X", "--noheader", check=False)
    assert sacct.returncode != 0
    assert "accounting storage is disabled" in (sacct.stdout + sacct.stderr).lower()
    from snakemake_executor_plugin_slurm.job_status_query import get_min_job_age

    monkeypatch.setenv("SLURM_CONF", str(cluster.conf))
    assert get_min_job_age() == MIN_JOB_AGE_S
    assert MIN_JOB_AGE_S >= 3 * TEST_OVERRIDES["slurm-init-seconds-before-status-checks"]


# ---------------------------------------------------------------- the workflow through SLURM


def test_every_job_went_through_slurm(cluster: SlurmCluster, slurm_run: SlurmRun) -> None:
    assert slurm_run.rc == 0, slurm_run.output[-6000:]
    assert (slurm_run.workdir / "results" / "table1.csv").exists()
    run_id = re.search(r"^SLURM run ID: (\S+)$", slurm_run.output, flags=re.M).group(1)
    jobs = submitted_jobs(slurm_run.output)
    # every job not declared a localrule became exactly one SLURM job
    assert sorted(j.jobid for j in jobs) == sorted(job_blocks(slurm_run.output))
    local = job_blocks(slurm_run.output, "localrule")
    finished = re.findall(r"^Finished jobid: \d+", slurm_run.output, flags=re.M)
    assert len(jobs) + len(local) == len(finished) >= 20
    assert {"demo_corpus", "manifest", "cache_shard", "cache_merge", "pretrain", "score"} <= {
        j.rule for j in jobs
    }
    # squeue was honoured: no silent switch back to sacct
    assert "Falling back to 'sacct'" not in slurm_run.output
    for job in jobs:
        info = cluster.show_job(job.slurm_id)
        assert info["JobState"] == "COMPLETED", info
        assert info["JobName"] == run_id
        assert info["Partition"] == cluster.partition
        assert info["Comment"].startswith(f"rule_{job.rule}")
        assert info["WorkDir"] == str(slurm_run.workdir)
        # the plugin's per-job log: .snakemake/slurm_logs/rule_<rule>/<wildcards>/<slurm id>.log
        assert job.slurm_log.is_relative_to(
            slurm_run.workdir / ".snakemake" / "slurm_logs" / f"rule_{job.rule}"
        )
        assert job.slurm_log.name == f"{job.slurm_id}.log"
        assert info["StdOut"] == str(job.slurm_log)
        text = job.slurm_log.read_text()
        assert f"rule {job.rule}:" in text and "--executor slurm-jobstep" in text


def test_rule_resources_reach_slurm(cluster: SlurmCluster, slurm_run: SlurmRun) -> None:
    jobs = submitted_jobs(slurm_run.output)
    seen = set()
    for job in jobs:
        info = cluster.show_job(job.slurm_id)
        allocated = tres(info)
        assert int(info["NumCPUs"]) == job.threads, (job, info["NumCPUs"])
        assert megabytes(allocated["mem"]) == job.mem_mb, (job, allocated)
        assert info["TimeLimit"] == slurm_time(job.runtime_min), (job, info["TimeLimit"])
        # the rules' gpu=0 submits no GPU request
        assert "gres/gpu" not in allocated and info.get("TresPerJob", "") in ("", "(null)")
        seen.add((job.rule, job.threads, job.mem_mb))
    # the rules really differ (e.g. 2-thread cache shards, 8 GB training), and SLURM saw it
    assert len({t for _, t, _ in seen}) >= 2 and len({m for _, _, m in seen}) >= 2


def test_slurm_result_equals_a_local_run(slurm_run: SlurmRun, full_workdir: Path) -> None:
    """Same seeds, same thread counts, same CPU kernels: Table 1 and every score file of the
    SLURM run equal the suite's local run of the tiny config to the last byte."""
    assert slurm_run.rc == 0, slurm_run.output[-6000:]
    on_slurm = pd.read_csv(slurm_run.workdir / "results" / "table1.csv")
    local = pd.read_csv(full_workdir / "results" / "table1.csv")
    pd.testing.assert_frame_equal(on_slurm, local, check_exact=True)
    scores = sorted((slurm_run.workdir / "results" / "scores").rglob("*.tsv"))
    assert len(scores) == 4  # 2 models x (ASVspoof eval, In-the-Wild)
    for path in scores:
        twin = full_workdir / path.relative_to(slurm_run.workdir)
        assert twin.read_bytes() == path.read_bytes(), twin


def test_gpu_profile_requests_a_gpu_from_slurm(
    cluster: SlurmCluster, slurm_run: SlurmRun, tmp_path: Path
) -> None:
    """One scoring job (a GPU rule, the cheapest) through profiles/slurm-gpu: SLURM allocates
    the (fake) GPU."""
    assert slurm_run.rc == 0
    profile = profile_for_cluster(PROFILES / "slurm-gpu", tmp_path / "profile", cluster.partition)
    target = "results/scores/pretrained/asvspoof2019/resnet/asvspoof2019/dev.tsv"
    rc, output = finish(
        *start_snakemake(slurm_run.workdir, profile, [target], cluster.env), timeout=180
    )
    assert rc == 0, output[-6000:]
    jobs = submitted_jobs(output)
    assert [j.rule for j in jobs] == ["score"]
    info = cluster.show_job(jobs[0].slurm_id)
    assert info["JobState"] == "COMPLETED"
    assert info["TresPerJob"] == "gres:gpu:1"
    assert (slurm_run.workdir / target).exists()


def test_a_failing_job_fails_the_run_and_names_its_rule(
    cluster: SlurmCluster, tmp_path: Path
) -> None:
    """A malformed ASVspoof protocol fails rule manifest inside SLURM; the run exits non-zero."""
    config = malformed_asvspoof_config(tmp_path)
    profile = profile_for_cluster(PROFILES / "slurm", tmp_path / "profile", cluster.partition)
    workdir = tmp_path / "run"
    rc, output = finish(
        *start_snakemake(
            workdir, profile, ["results/manifests/asvspoof2019.tsv"], cluster.env, config=config
        ),
        timeout=180,
    )
    assert rc != 0
    assert "Error in rule manifest:" in output
    (job,) = submitted_jobs(output)
    assert job.rule == "manifest"
    assert cluster.show_job(job.slurm_id)["JobState"] == "FAILED"
    assert f"SLURM-job '{job.slurm_id}' failed" in output
    # the rule's own log names the file and line; SLURM's log of the failed job is kept
    rule_log = (workdir / "results" / "logs" / "manifest" / "asvspoof2019.log").read_text()
    assert "ASVspoof2019.LA.cm.train.trn.txt" in rule_log and "expected 5" in rule_log
    assert job.slurm_log.exists()
    assert not (workdir / "results" / "manifests" / "asvspoof2019.tsv").exists()
