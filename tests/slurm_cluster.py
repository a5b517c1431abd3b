"""A throw-away single-node SLURM cluster on localhost, for tests of the SLURM profile.

Why: the workflow's SLURM profile is only worth shipping if it is proven against a real
controller. Debian's ``slurm-wlm`` and ``munge`` packages are enough to run ``munged``,
``slurmctld`` and ``slurmd`` as root on this machine, with every socket, port, state,
spool and log file inside one temporary directory, so nothing clashes with a system
installation or a second test run. Daemons run in the foreground as our own children
and are stopped by their PIDs.

The cluster has no accounting database (``accounting_storage/none``), one partition and
one node whose hardware line comes from ``slurmd -C``, with one fake GPU
(``Gres=gpu:1``, ``File=/dev/null``) so that GPU requests can be scheduled and inspected.
"""

from __future__ import annotations

import ctypes
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

DAEMONS = ("munged", "slurmctld", "slurmd")
CLIENTS = ("sbatch", "squeue", "scontrol", "sinfo", "srun", "sacct", "scancel")
PARTITION = "ncs_test"
CLUSTER_NAME = "ncstest"
#: Finished jobs stay visible to squeue/scontrol this long. The SLURM plugin only honours
#: ``slurm-status-command: squeue`` when MinJobAge >= 3 x init-seconds-before-status-checks.
MIN_JOB_AGE_S = 600
#: The node offers at least this much (config_overrides lets slurmd accept it): the
#: workflow's largest rule asks for 8000 MB; nothing enforces the limit on this test node.
MIN_NODE_MEMORY_MB = 16384
#: The node offers at least this many CPUs, so two of the workflow's 2-thread jobs (cache
#: shards) can run side by side even on a 2-core machine; jobs are not pinned to cores.
MIN_NODE_CPUS = 4


class ClusterUnavailable(RuntimeError):
    """The test cluster cannot exist here: SLURM/munge not installed, or not root."""


class ClusterStartError(RuntimeError):
    """The programs are there but a daemon died or never got ready (the message has the logs)."""


def missing_programs() -> list[str]:
    """Daemons and client commands the cluster needs that are not on PATH (sbin included)."""
    path = os.environ.get("PATH", "") + os.pathsep + "/usr/sbin:/sbin"
    return [p for p in (*DAEMONS, *CLIENTS) if shutil.which(p, path=path) is None]


def _program(name: str) -> str:
    found = shutil.which(name, path=os.environ.get("PATH", "") + os.pathsep + "/usr/sbin:/sbin")
    if found is None:
        raise ClusterUnavailable(f"{name} is not installed")
    return found


def free_port() -> int:
    """A TCP port on localhost that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def node_line() -> tuple[str, str]:
    """(node name, hardware fields) from ``slurmd -C``, raised to the minimum the workflow needs.

    Only RealMemory and, on a one-CPU machine, the CPU topology are raised; the config has
    ``SlurmdParameters=config_overrides`` so slurmd does not drain the node for that.
    """
    out = subprocess.run(
        [_program("slurmd"), "-C"], capture_output=True, text=True, check=True
    ).stdout
    first = out.splitlines()[0]
    fields = dict(item.split("=", 1) for item in first.split())
    name = fields.pop("NodeName")
    fields.pop("UpTime", None)
    fields["RealMemory"] = str(max(int(fields.get("RealMemory", "0")), MIN_NODE_MEMORY_MB))
    if int(fields.get("CPUs", "1")) < MIN_NODE_CPUS:
        fields = {
            "CPUs": str(MIN_NODE_CPUS),
            "Boards": "1",
            "SocketsPerBoard": "1",
            "CoresPerSocket": str(MIN_NODE_CPUS),
            "ThreadsPerCore": "1",
            "RealMemory": fields["RealMemory"],
        }
    return name, " ".join(f"{k}={v}" for k, v in fields.items())


def slurm_conf_text(
    root: Path, node: str, hardware: str, ctld_port: int, slurmd_port: int, munge_socket: Path
) -> str:
    """slurm.conf for a one-node cluster whose every path lives under ``root``."""
    return f"""\
# Test cluster written by tests/slurm_cluster.py; everything lives in {root}
ClusterName={CLUSTER_NAME}
SlurmctldHost={node}(127.0.0.1)
SlurmctldPort={ctld_port}
SlurmdPort={slurmd_port}
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket={munge_socket}
StateSaveLocation={root}/state
SlurmdSpoolDir={root}/spool
SlurmctldPidFile={root}/run/slurmctld.pid
SlurmdPidFile={root}/run/slurmd.pid
SlurmctldLogFile={root}/log/slurmctld.log
SlurmdLogFile={root}/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
MpiDefault=none
MailProg=/bin/true
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
SchedulerType=sched/builtin
GresTypes=gpu
SlurmdParameters=config_overrides
ReturnToService=2
MinJobAge={MIN_JOB_AGE_S}
KillWait=5
InactiveLimit=0
Waittime=0
NodeName={node} NodeAddr=127.0.0.1 NodeHostname={node} {hardware} Gres=gpu:1 State=UNKNOWN
PartitionName={PARTITION} Nodes={node} Default=YES MaxTime=INFINITE State=UP
"""


@dataclass
class SlurmCluster:
    """A running test cluster: its config, client environment and daemon processes."""

    root: Path
    node: str
    partition: str = PARTITION
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)

    @property
    def conf(self) -> Path:
        return self.root / "etc" / "slurm.conf"

    @property
    def bin(self) -> Path:
        return self.root / "bin"

    @property
    def env(self) -> dict[str, str]:
        """Environment for SLURM clients (and Snakemake): SLURM_CONF points at this cluster."""
        env = dict(os.environ)
        env["SLURM_CONF"] = str(self.conf)
        env["PATH"] = str(self.root / "bin") + os.pathsep + env.get("PATH", "")
        return env

    def client(
        self, *args: str, check: bool = True, timeout: float = 30
    ) -> subprocess.CompletedProcess:
        """Run a SLURM client command (squeue, scontrol, ...) against this cluster."""
        return subprocess.run(
            [_program(args[0]), *args[1:]],
            capture_output=True,
            text=True,
            env=self.env,
            check=check,
            timeout=timeout,
        )

    def show_job(self, job_id: str) -> dict[str, str]:
        """``scontrol show job`` as {field: value}.

        Works for finished jobs while MinJobAge lasts.
        """
        out = self.client("scontrol", "show", "job", "--oneliner", str(job_id)).stdout
        return dict(m.groups() for m in re.finditer(r"(\S+?)=(\S*)", out))

    def node_state(self) -> str:
        out = self.client(
            "sinfo", "--noheader", "--nodes", self.node, "--format", "%T", check=False
        ).stdout
        return out.strip().lower()

    def logs(self) -> str:
        """Tail of every daemon log, for failure messages."""
        parts = []
        for log in sorted((self.root / "log").glob("*.log")):
            parts.append(
                f"--- {log.name}\n" + "\n".join(log.read_text(errors="replace").splitlines()[-25:])
            )
        return "\n".join(parts)

    def stop(self) -> None:
        """Cancel what is left in the queue, then stop the daemons by PID.

        slurmd first, munged last.
        """
        if (
            self.processes.get("slurmctld") is not None
            and self.processes["slurmctld"].poll() is None
        ):
            # every job on this private cluster is ours; none should be left after a passing test
            self.client("scancel", "--partition", self.partition, check=False, timeout=15)
        for name in reversed(DAEMONS):
            proc = self.processes.get(name)
            if proc is None or proc.poll() is not None:
                continue
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)
        self.processes.clear()


def write_srun_shim(cluster: SlurmCluster) -> Path:
    """An ``srun`` first on the jobs' PATH that restores SLURM_CONF, then runs the real one.

    Why: inside a job the plugin's jobstep executor (0.6.1) deletes every ``SLURM_*``
    variable except a few job ids before it calls ``srun``, SLURM_CONF included; a real
    cluster's srun finds /etc/slurm/slurm.conf (or configless slurmd) instead, but this
    cluster's config lives only in the temp dir and must not be written to /etc.
    """
    shim = cluster.bin / "srun"
    shim.write_text(
        f'#!/bin/sh\nSLURM_CONF={cluster.conf}\nexport SLURM_CONF\nexec {_program("srun")} "$@"\n'
    )
    shim.chmod(0o755)
    return shim


def die_with_parent(sig: int = signal.SIGTERM):
    """A ``preexec_fn`` that makes the kernel send ``sig`` to the child when the test process dies.

    Why: a pytest killed by a timeout runs no fixture teardown; without this the daemons
    (and their ports and temp dir) would outlive it.
    """
    libc = ctypes.CDLL(None, use_errno=True)
    pr_set_pdeathsig = 1

    def preexec() -> None:
        libc.prctl(pr_set_pdeathsig, int(sig), 0, 0, 0)

    return preexec


def _spawn(cluster: SlurmCluster, name: str, args: list[str]) -> None:
    out = open(cluster.root / "log" / f"{name}.stdout", "w")
    cluster.processes[name] = subprocess.Popen(
        [_program(name), *args],
        stdout=out,
        stderr=subprocess.STDOUT,
        env=cluster.env,
        start_new_session=True,
        preexec_fn=die_with_parent(),
    )
    out.close()


def _wait_for(what: str, cluster: SlurmCluster, ready, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for name, proc in cluster.processes.items():
            if proc.poll() is not None:
                raise ClusterStartError(
                    f"{name} exited with {proc.returncode} while waiting for {what}\n"
                    f"{cluster.logs()}"
                )
        if ready():
            return
        time.sleep(0.25)
    raise ClusterStartError(f"timed out after {timeout:.0f} s waiting for {what}\n{cluster.logs()}")


def start_cluster(root: Path | None = None, timeout: float = 60) -> SlurmCluster:
    """Write the configs, start munged, slurmctld and slurmd, and wait until the node is idle.

    Raises ClusterUnavailable when the cluster cannot exist here (nothing was started) and
    ClusterStartError, after stopping whatever started, when a daemon fails.
    """
    missing = missing_programs()
    if missing:
        raise ClusterUnavailable(
            f"not installed: {', '.join(missing)} (run scripts/install_system_deps.sh as root)"
        )
    if os.geteuid() != 0:
        raise ClusterUnavailable("munged/slurmd must be started as root")
    # a short path: the munge socket path must fit a unix socket address (108 bytes)
    own_root = root is None
    root = Path(tempfile.mkdtemp(prefix="ncs-slurm-", dir="/tmp")) if root is None else root
    for sub in ("etc", "state", "spool", "run", "log", "munge", "bin"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    os.chmod(root / "munge", 0o700)
    node, hardware = node_line()
    munge_socket = root / "munge" / "munge.socket"
    key = root / "munge" / "munge.key"
    key.write_bytes(os.urandom(1024))
    os.chmod(key, 0o400)
    cluster = SlurmCluster(root=root, node=node)
    cluster.conf.write_text(
        slurm_conf_text(root, node, hardware, free_port(), free_port(), munge_socket)
    )
    (root / "etc" / "gres.conf").write_text("Name=gpu File=/dev/null\n")
    write_srun_shim(cluster)
    try:
        _spawn(
            cluster,
            "munged",
            [
                "--foreground",
                "--force",
                f"--socket={munge_socket}",
                f"--key-file={key}",
                f"--pid-file={root / 'munge' / 'munged.pid'}",
                f"--log-file={root / 'log' / 'munged.log'}",
                f"--seed-file={root / 'munge' / 'munged.seed'}",
            ],
        )
        _wait_for("the munge socket", cluster, munge_socket.exists, 15)
        _spawn(cluster, "slurmctld", ["-D", "-c", "-f", str(cluster.conf)])
        _wait_for(
            "slurmctld",
            cluster,
            lambda: (
                cluster.client("scontrol", "ping", check=False, timeout=10).stdout.count("UP") > 0
            ),
            timeout,
        )
        _spawn(cluster, "slurmd", ["-D", "-f", str(cluster.conf)])
        _wait_for("the node to be idle", cluster, lambda: cluster.node_state() == "idle", timeout)
    except BaseException:
        cluster.stop()
        if own_root:
            shutil.rmtree(root, ignore_errors=True)
        raise
    return cluster
