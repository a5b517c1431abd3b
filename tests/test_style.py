"""Style and layout gates: ruff, snakefmt, snakemake --lint, and the package's shape.

Each gate is also shown to fail on a planted violation, so a misconfigured
tool (wrong path, rules switched off) cannot pass silently.
"""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO

BIN = Path(sys.executable).parent
#: A command module parses arguments and calls the library; more than this is logic in the
#: wrong place.
MAX_COMMAND_LINES = 100


def tool(name: str) -> str:
    found = shutil.which(name, path=str(BIN) + os.pathsep + os.environ["PATH"])
    assert found, f"{name} is not installed (it is pinned in requirements.txt)"
    return found


def run(*cmd: str, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PATH": str(BIN) + os.pathsep + os.environ["PATH"]}
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, env=env, timeout=600)


def test_ruff_check_passes() -> None:
    proc = run(tool("ruff"), "check", "--no-cache", ".")
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-2000:]


def test_ruff_flags_a_long_line_and_unsorted_imports(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("import sys\nimport os\n\nX = '" + "x" * 120 + "'\nprint(os, sys, X)\n")
    proc = run(
        tool("ruff"), "check", "--no-cache", "--config", str(REPO / "pyproject.toml"), str(bad)
    )
    assert proc.returncode == 1
    assert "E501" in proc.stdout and "I001" in proc.stdout


def test_snakefmt_check_passes() -> None:
    proc = run(tool("snakefmt"), "--check", "Snakefile", "rules")
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]


def test_snakefmt_flags_unformatted_rules(tmp_path: Path) -> None:
    bad = tmp_path / "bad.smk"
    bad.write_text('rule x:\n  output: "a"\n  shell: "touch a"\n')
    proc = run(tool("snakefmt"), "--check", str(bad))
    assert proc.returncode == 1


def test_snakemake_lint_passes() -> None:
    proc = run(tool("snakemake"), "--lint")
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-4000:]


def test_snakemake_lint_flags_a_rule_without_log(tmp_path: Path) -> None:
    (tmp_path / "Snakefile").write_text(
        'rule x:\n    output:\n        "a"\n    shell:\n        "touch a"\n'
    )
    proc = run(tool("snakemake"), "--lint", "--cores", "1", cwd=tmp_path)
    assert proc.returncode == 1
    assert "No log directive" in proc.stdout + proc.stderr


def _top_level_modules() -> list[Path]:
    return sorted(p for p in (REPO / "workflow_scripts").glob("*.py") if p.name != "__init__.py")


def test_package_top_level_holds_commands_and_subpackages_only() -> None:
    entries = sorted(
        p.name for p in (REPO / "workflow_scripts").iterdir() if p.name != "__pycache__"
    )
    for name in entries:
        path = REPO / "workflow_scripts" / name
        assert path.suffix == ".py" or (path / "__init__.py").is_file(), f"{name}: not a module"
    commands = _top_level_modules()
    assert len(commands) >= 20
    for path in commands:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = {
            t.id
            for node in tree.body
            if isinstance(node, ast.Assign)
            for t in node.targets
            if isinstance(t, ast.Name)
        }
        functions = {node.name for node in tree.body if isinstance(node, ast.FunctionDef)}
        assert "main" in names, f"{path.name}: a command defines main = command(build_parser, run)"
        assert {"build_parser", "run"} <= functions, f"{path.name}: needs build_parser() and run()"
        assert 'if __name__ == "__main__":' in path.read_text(encoding="utf-8"), path.name


def test_command_modules_are_thin_and_independent() -> None:
    commands = {p.stem for p in _top_level_modules()}
    too_long, cross = [], []
    for path in _top_level_modules():
        text = path.read_text(encoding="utf-8")
        n_lines = text.count("\n")
        if n_lines > MAX_COMMAND_LINES:
            too_long.append(f"{path.name} ({n_lines} lines)")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.ImportFrom) and node.module:
                parts = node.module.split(".")
                imported = (
                    {a.name for a in node.names} if node.module == "workflow_scripts" else set()
                )
                if (
                    len(parts) == 2 and parts[0] == "workflow_scripts" and parts[1] in commands
                ) or (imported & commands):
                    cross.append(f"{path.name} imports {node.module}")
    assert not too_long, f"command modules over {MAX_COMMAND_LINES} lines: {too_long}"
    assert not cross, f"commands must not import other commands: {cross}"


@pytest.mark.parametrize("layer", ["sampling", "metrics", "reporting", "io", "planning"])
def test_torch_free_layers_do_not_import_torch(layer: str) -> None:
    offenders = []
    for path in sorted((REPO / "workflow_scripts" / layer).rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            modules = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            for module in modules:
                root = module.split(".")[0]
                inner = module.split(".")[1] if module.startswith("workflow_scripts.") else ""
                if root in ("torch", "torchaudio") or inner in ("training", "models", "features"):
                    offenders.append(f"{path.relative_to(REPO)} imports {module}")
    assert not offenders, offenders


def test_architecture_page_lists_every_module() -> None:
    page = (REPO / "docs" / "architecture.md").read_text(encoding="utf-8")
    package = REPO / "workflow_scripts"
    missing = []
    for path in sorted(package.rglob("*.py")):
        rel = path.relative_to(package)
        if "__pycache__" in rel.parts or rel.name == "__init__.py":
            continue
        name = f"`{rel.stem}`" if len(rel.parts) == 1 else f"`{rel.as_posix()}`"
        if name not in page:
            missing.append(str(rel))
    for sub in sorted(p for p in package.iterdir() if (p / "__init__.py").is_file()):
        if f"`{sub.name}/`" not in page:
            missing.append(f"{sub.name}/")
    assert not missing, f"docs/architecture.md does not mention: {missing}"


def layer_map() -> dict[str, tuple[int, set[str]]]:
    """docs/architecture.md's layer table: subpackage -> (layer, subpackages it may import)."""
    page = (REPO / "docs" / "architecture.md").read_text(encoding="utf-8")
    rows: dict[str, tuple[int, set[str]]] = {}
    for line in page.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 5 and cells[0].isdigit() and cells[1].startswith("`"):
            allowed = set(re.findall(r"`(\w+)`", cells[2]))
            rows[cells[1].strip("`/")] = (int(cells[0]), allowed)
    return rows


def package_imports(path: Path, package: Path = REPO / "workflow_scripts") -> set[str]:
    """The subpackages of ``package`` (workflow_scripts) that one of its modules imports,
    anywhere in the module."""
    subpackages = {p.name for p in package.iterdir() if (p / "__init__.py").is_file()}
    found: set[str] = set()
    here = path.relative_to(package).parts[:-1]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = ["workflow_scripts", *here[: len(here) - node.level + 1]]
                names = [".".join([*base, node.module] if node.module else base)]
            else:
                names = [node.module or ""]
            if names[0] == "workflow_scripts":
                names = [f"workflow_scripts.{a.name}" for a in node.names]
        for name in names:
            parts = name.split(".")
            if parts[0] == "workflow_scripts" and len(parts) > 1 and parts[1] in subpackages:
                found.add(parts[1])
    return found


def test_layer_map_covers_every_subpackage_and_is_acyclic() -> None:
    rows = layer_map()
    package = REPO / "workflow_scripts"
    subpackages = {p.name for p in package.iterdir() if (p / "__init__.py").is_file()}
    assert set(rows) == subpackages, "docs/architecture.md's layer table vs the package"
    upward = [
        f"{sub} (layer {layer}) lists {dep} (layer {rows[dep][0]})"
        for sub, (layer, allowed) in rows.items()
        for dep in allowed
        if dep not in rows or rows[dep][0] >= layer
    ]
    assert not upward, f"a layer may only import layers below it: {upward}"


def test_every_import_follows_the_layer_map() -> None:
    rows = layer_map()
    package = REPO / "workflow_scripts"
    wrong = []
    for sub, (_, allowed) in sorted(rows.items()):
        for path in sorted((package / sub).rglob("*.py")):
            for dep in sorted(package_imports(path) - allowed - {sub}):
                wrong.append(f"{path.relative_to(REPO)} imports {dep}")
    assert not wrong, (
        "imports the layer table of docs/architecture.md does not allow:\n" + "\n".join(wrong)
    )


def test_layer_check_catches_an_upward_import(tmp_path: Path) -> None:
    """The import scan sees absolute, relative and function-level imports alike."""
    package = tmp_path / "workflow_scripts"
    for sub in ("metrics", "training", "reporting", "sampling"):
        (package / sub).mkdir(parents=True)
        (package / sub / "__init__.py").write_text("")
    module = package / "metrics" / "probe.py"
    module.write_text(
        "def f():\n    from ..training import loop\n    import workflow_scripts.reporting.tables\n"
        "from workflow_scripts import sampling\nfrom . import other\n",
        encoding="utf-8",
    )
    assert package_imports(module, package) == {"training", "reporting", "sampling", "metrics"}
