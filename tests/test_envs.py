"""The conda environment of the rules and the pip requirements pin the same versions."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
PIN = re.compile(r"^([A-Za-z0-9_.\-]+)==([^\s;#]+)$")

#: Packages only the development/test tooling needs (not the rules).
DEV_ONLY = {"pytest", "snakefmt", "snakemake", "snakemake-executor-plugin-slurm"}


def pins(lines: list[str]) -> dict[str, str]:
    found = {}
    for line in lines:
        match = PIN.match(line.strip())
        if match:
            found[match.group(1).lower()] = match.group(2)
    return found


def test_requirements_are_all_pinned() -> None:
    lines = [
        line.strip()
        for line in (REPO / "requirements.txt").read_text().splitlines()
        if line.strip() and not line.strip().startswith("#")
    ]
    unpinned = [line for line in lines if not PIN.match(line)]
    assert not unpinned, f"requirements.txt entries without an exact pin: {unpinned}"


def test_conda_envs_match_requirements() -> None:
    requirements = pins((REPO / "requirements.txt").read_text().splitlines())
    envs = sorted((REPO / "envs").glob("*.yaml"))
    assert envs, "no conda environments in envs/"
    for env_file in envs:
        env = yaml.safe_load(env_file.read_text())
        pip_lines = [
            line for dep in env["dependencies"] if isinstance(dep, dict) for line in dep.get("pip", [])
        ]
        env_pins = pins(pip_lines)
        assert "python=3.11" in env["dependencies"], f"{env_file.name}: python must be pinned to 3.11"
        for name, version in env_pins.items():
            assert name in requirements, f"{env_file.name}: {name} is not in requirements.txt"
            assert requirements[name] == version, (
                f"{env_file.name}: {name}=={version} but requirements.txt pins {requirements[name]}"
            )
        missing = set(requirements) - set(env_pins) - DEV_ONLY
        assert not missing, f"{env_file.name}: runtime packages missing: {sorted(missing)}"


def test_torch_and_torchaudio_are_a_matched_pair() -> None:
    requirements = pins((REPO / "requirements.txt").read_text().splitlines())
    assert requirements["torch"] == requirements["torchaudio"]
