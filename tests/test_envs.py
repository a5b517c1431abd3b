"""The rules' conda environments: pinned like requirements.txt, and matched to the layers.

envs/torch.yaml serves the rules whose commands import torch (caches, fingerprints,
training, scoring, embeddings); envs/analysis.yaml, without torch, serves every other
rule. Neither installs the workflow package: the Snakefile puts it on PYTHONPATH, so
a job imports the workflow's own copy whether or not the package is installed.
"""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "workflow_scripts"
PIN = re.compile(r"^([A-Za-z0-9_.\-]+)==([^\s;#]+)$")

#: Packages only the development/test tooling needs (not the rules).
DEV_ONLY = {"pytest", "ruff", "snakefmt", "snakemake", "snakemake-executor-plugin-slurm"}
TORCH = {"torch", "torchaudio"}
#: Each environment: the runtime packages of requirements.txt it leaves out.
ENVS = {"torch.yaml": set(), "analysis.yaml": TORCH}
#: Import name -> pip name, where they differ.
PIP_NAMES = {"sklearn": "scikit-learn", "yaml": "pyyaml"}


def pins(lines: list[str]) -> dict[str, str]:
    found = {}
    for line in lines:
        match = PIN.match(line.strip())
        if match:
            found[match.group(1).lower()] = match.group(2)
    return found


def requirements() -> dict[str, str]:
    return pins((REPO / "requirements.txt").read_text().splitlines())


def env_pins(name: str) -> dict[str, str]:
    env = yaml.safe_load((REPO / "envs" / name).read_text())
    assert "python=3.11" in env["dependencies"], f"{name}: python must be pinned to 3.11"
    pip_lines = [
        line for dep in env["dependencies"] if isinstance(dep, dict) for line in dep.get("pip", [])
    ]
    return pins(pip_lines)


def test_requirements_are_all_pinned() -> None:
    lines = [
        line.strip()
        for line in (REPO / "requirements.txt").read_text().splitlines()
        if line.strip() and not line.strip().startswith("#")
    ]
    unpinned = [line for line in lines if not PIN.match(line)]
    assert not unpinned, f"requirements.txt entries without an exact pin: {unpinned}"


def test_conda_envs_match_requirements() -> None:
    required = requirements()
    assert sorted(p.name for p in (REPO / "envs").glob("*.yaml")) == sorted(ENVS)
    for name, left_out in ENVS.items():
        found = env_pins(name)
        for package, version in found.items():
            assert package in required, f"{name}: {package} is not in requirements.txt"
            assert required[package] == version, (
                f"{name}: {package}=={version} but requirements.txt pins {required[package]}"
            )
        missing = set(required) - set(found) - DEV_ONLY - left_out
        assert not missing, f"{name}: runtime packages missing: {sorted(missing)}"
        assert not set(found) & left_out, f"{name} must not install {sorted(left_out)}"


def test_torch_and_torchaudio_are_a_matched_pair() -> None:
    required = requirements()
    assert required["torch"] == required["torchaudio"]


# ------------------------------------------------------- which rule runs in which environment


def rule_envs_and_commands() -> dict[str, tuple[str, str]]:
    """{rule: (conda env file name, workflow_scripts command)} of every rule with a command.

    A ``use rule A as B with:`` rule inherits what it does not override.
    """
    found: dict[str, dict[str, str]] = {}
    for smk in sorted((REPO / "rules").glob("*.smk")):
        blocks = re.split(r"^(?=rule |use rule )", smk.read_text(), flags=re.M)
        for block in blocks:
            head = re.match(r"rule (\w+):|use rule (\w+) as (\w+) with:", block)
            if not head:
                continue
            name = head.group(1) or head.group(3)
            info = dict(found[head.group(2)]) if head.group(2) else {}
            env = re.search(r"^    conda:\n\s+\"\.\./envs/([\w.]+)\"", block, flags=re.M)
            command = re.search(r"python -m workflow_scripts\.(\w+)", block)
            info.update({"env": env.group(1)} if env else {})
            info.update({"command": command.group(1)} if command else {})
            found[name] = info
    return {
        rule: (info.get("env", ""), info["command"])
        for rule, info in found.items()
        if "command" in info
    }


def _module_file(module: str) -> Path | None:
    path = REPO.joinpath(*module.split("."))
    if (path / "__init__.py").is_file():
        return path / "__init__.py"
    if path.with_suffix(".py").is_file():
        return path.with_suffix(".py")
    return None


def _is_type_checking(node: ast.AST) -> bool:
    test = getattr(node, "test", None)
    return isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(test)


def _imports(tree: ast.AST, package: str) -> set[str]:
    """Every module an ``import`` anywhere in ``tree`` may load (function bodies included)."""
    found: set[str] = set()
    stack = [tree]
    while stack:
        node = stack.pop()
        if _is_type_checking(node):
            continue
        stack.extend(ast.iter_child_nodes(node))
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, base] if base else parts)
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def third_party_imports(command: str) -> set[str]:
    """Top-level names of the non-stdlib packages that ``workflow_scripts.<command>`` may import.

    Follows the package's own imports transitively (parent packages' ``__init__`` too).
    """
    seen: set[str] = set()
    external: set[str] = set()
    stack = [f"workflow_scripts.{command}"]
    while stack:
        module = stack.pop()
        if module in seen:
            continue
        seen.add(module)
        path = _module_file(module)
        if path is None:
            continue
        package = module if path.name == "__init__.py" else module.rpartition(".")[0]
        stack += [".".join(module.split(".")[:i]) for i in range(1, module.count(".") + 1)]
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for name in _imports(tree, package):
            top = name.split(".")[0]
            if top == "workflow_scripts":
                stack.append(name)
            elif top and top not in sys.stdlib_module_names and top != "__future__":
                external.add(top)
    return external


def test_every_rule_with_a_command_has_an_environment() -> None:
    rules = rule_envs_and_commands()
    assert {"cache_shard", "pretrain", "train_selected", "score_eval_data", "metrics"} <= set(rules)
    no_env = sorted(rule for rule, (env, _) in rules.items() if env not in ENVS)
    assert not no_env, f"rules without envs/torch.yaml or envs/analysis.yaml: {no_env}"


def test_rules_use_the_torch_env_exactly_where_their_command_imports_torch() -> None:
    wrong = []
    for rule, (env, command) in sorted(rule_envs_and_commands().items()):
        uses_torch = bool(third_party_imports(command) & TORCH)
        if uses_torch != (env == "torch.yaml"):
            wrong.append(f"{rule} ({command}, imports torch: {uses_torch}) runs in {env}")
    assert not wrong, wrong


def test_the_analysis_env_installs_what_its_rules_import() -> None:
    installed = set(env_pins("analysis.yaml"))
    missing = []
    for rule, (env, command) in sorted(rule_envs_and_commands().items()):
        if env == "analysis.yaml":
            needed = {PIP_NAMES.get(name, name).lower() for name in third_party_imports(command)}
            missing += [f"{rule} ({command}) needs {p}" for p in sorted(needed - installed)]
    assert not missing, missing


def test_import_scan_sees_torch_behind_a_command() -> None:
    """The scan itself: train reaches torch through the package, gather_tables does not."""
    assert TORCH <= third_party_imports("make_cache")
    assert "torch" in third_party_imports("train")
    assert not third_party_imports("gather_tables") & TORCH


# ------------------------------------------------------- the package without installation


def snakefile_pythonpath(workdir: Path) -> str:
    """PYTHONPATH as the Snakefile leaves it for its jobs (the workflow loaded, nothing run)."""
    code = (
        "import os, sys\n"
        "from snakemake.cli import main\n"
        "try:\n"
        "    main(sys.argv[1:])\n"
        "except SystemExit:\n"
        "    pass\n"
        "print('PYTHONPATH=' + os.environ.get('PYTHONPATH', ''))\n"
    )
    args = ["--snakefile", str(REPO / "Snakefile"), "--directory", str(workdir)]
    args += ["--configfile", str(REPO / "tests" / "data" / "tiny_config.yaml"), "--list-rules"]
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    proc = subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=workdir,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    lines = [line for line in proc.stdout.splitlines() if line.startswith("PYTHONPATH=")]
    assert lines, proc.stdout[-2000:] + proc.stderr[-2000:]
    return lines[-1].removeprefix("PYTHONPATH=")


def test_jobs_find_the_package_without_installation(tmp_path: Path) -> None:
    """A job started elsewhere, with the venv's packages but not this package installed."""
    pytest.importorskip("snakemake")
    pythonpath = snakefile_pythonpath(tmp_path)
    assert pythonpath.split(os.pathsep)[0] == str(REPO)
    # -S: no site processing, so the editable install of workflow_scripts is invisible;
    # the third-party packages come from site-packages given as a plain path entry.
    site_packages = sysconfig.get_paths()["purelib"]
    command = [sys.executable, "-S", "-m", "workflow_scripts.gather_tables", "--help"]

    def job(path: str) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "PYTHONPATH": path}
        return subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, env=env)

    hidden = job(site_packages)
    assert hidden.returncode != 0 and "No module named 'workflow_scripts'" in hidden.stderr
    found = job(pythonpath + os.pathsep + site_packages)
    assert found.returncode == 0, found.stderr[-2000:]
    assert "usage:" in found.stdout


# ------------------------------------------------------- start-up cost of short jobs

#: Short jobs that must start without torch or scikit-learn (each import costs a job about a
#: second of CPU; the demo runs dozens of such jobs: docs/performance.md).
LEAN_COMMANDS: dict[str, set[str]] = {
    "merge_cache": {"torch", "torchaudio", "sklearn"},
    "make_manifest": {"torch", "torchaudio", "sklearn"},
    "sample_random": {"torch", "sklearn"},
    "make_val_selection": {"torch", "sklearn"},
    "make_eval_subset": {"torch", "sklearn"},
    "find_duplicates": {"torch", "sklearn"},
    "evaluate": {"torch", "sklearn"},
    "gather_tables": {"torch", "sklearn"},
    "make_table_exp3": {"torch", "sklearn"},
}


def test_short_jobs_do_not_load_heavy_packages() -> None:
    """Importing each short job's command loads none of the packages it does not need."""
    # one fresh interpreter per command, so one command's imports cannot hide another's
    loaded = {}
    for name, heavy in LEAN_COMMANDS.items():
        script = (
            "import importlib, json, sys\n"
            f"importlib.import_module('workflow_scripts.{name}')\n"
            f"print(json.dumps(sorted(h for h in {sorted(heavy)!r} if h in sys.modules)))\n"
        )
        out = subprocess.run(
            [sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=120
        )
        assert out.returncode == 0, out.stderr
        loaded[name] = json.loads(out.stdout)
    assert loaded == {name: [] for name in LEAN_COMMANDS}, loaded


def test_the_start_up_check_sees_a_heavy_import() -> None:
    """The check itself: the training command does load torch."""
    script = "import sys, workflow_scripts.train; print('torch' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=120
    )
    assert out.stdout.strip() == "True", out.stderr
