"""The workflow's rule graph as a committed figure (docs/rulegraph.dot and .svg): the library
half of ``python -m workflow_scripts.rulegraph``.

The paper's Figure 2 is a schematic of the method; ours is the workflow itself.
``snakemake --rulegraph`` prints the graph as dot text, but its edge order varies
between runs (it follows set iteration), so the text is canonicalised here (nodes
sorted by rule name and renumbered, edges sorted) before it is written or compared.
``--check`` then fails when the committed dot no longer matches the Snakefile, which
keeps the documentation current.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from workflow_scripts.io.files import write_text

_NODE = re.compile(r'^\s*(\d+)\s*\[\s*label\s*=\s*"([^"]+)"(.*)\]\s*;?\s*$')
_EDGE = re.compile(r"^\s*(\d+)\s*->\s*(\d+)\s*;?\s*$")


class RuleGraphError(RuntimeError):
    """Snakemake or Graphviz failed, or their output is not what was expected."""


@dataclass(frozen=True)
class RuleGraph:
    """A rule graph independent of Snakemake's node numbering and edge order."""

    header: tuple[str, ...]
    nodes: dict[str, str]  # rule name -> the rest of its attribute list (colour, style)
    edges: frozenset[tuple[str, str]]  # (upstream rule, downstream rule)

    def to_dot(self) -> str:
        """Canonical dot text: nodes sorted by name and numbered in that order, edges sorted."""
        ids = {name: i for i, name in enumerate(sorted(self.nodes))}
        lines = ["digraph snakemake_dag {", *self.header]
        lines += [
            f'\t{ids[name]}[label = "{name}"{self.nodes[name]}];' for name in sorted(self.nodes)
        ]
        lines += [f"\t{ids[a]} -> {ids[b]}" for a, b in sorted(self.edges)]
        lines.append("}")
        return "\n".join(lines) + "\n"


def parse_rulegraph(dot: str, source: str = "<dot>") -> RuleGraph:
    """Parse the dot text that ``snakemake --rulegraph`` (or :meth:`RuleGraph.to_dot`) prints."""
    header: list[str] = []
    ids: dict[str, str] = {}
    nodes: dict[str, str] = {}
    raw_edges: list[tuple[str, str]] = []
    lines = [ln.rstrip() for ln in dot.splitlines()]
    try:
        start = next(i for i, ln in enumerate(lines) if ln.lstrip().startswith("digraph"))
    except StopIteration:
        raise RuleGraphError(f"{source}: no 'digraph' in the rule graph output") from None
    for number, line in enumerate(lines[start + 1 :], start=start + 2):
        stripped = line.strip()
        if not stripped or stripped == "}":
            continue
        if node := _NODE.match(line):
            node_id, name, rest = node.groups()
            ids[node_id] = name
            nodes[name] = rest
        elif edge := _EDGE.match(line):
            raw_edges.append(edge.groups())
        elif re.match(r"^(graph|node|edge)\s*\[", stripped):
            header.append("    " + re.sub(r"\s+", " ", stripped))
        else:
            raise RuleGraphError(f"{source}:{number}: unexpected line in rule graph: {stripped!r}")
    if not nodes:
        raise RuleGraphError(f"{source}: the rule graph has no nodes")
    edges = set()
    for a, b in raw_edges:
        if a not in ids or b not in ids:
            raise RuleGraphError(f"{source}: edge {a} -> {b} names an unknown node")
        edges.add((ids[a], ids[b]))
    return RuleGraph(tuple(header), nodes, frozenset(edges))


def snakemake_executable() -> str:
    """The snakemake next to this interpreter (the venv's), else the one on PATH."""
    here = Path(sys.executable).parent / "snakemake"
    if here.exists():
        return str(here)
    found = shutil.which("snakemake")
    if found is None:
        raise RuleGraphError("snakemake is not installed (neither next to python nor on PATH)")
    return found


def fresh_rulegraph(
    snakefile: Path, configfile: Path, target: str = "all", timeout_s: float = 300.0
) -> RuleGraph:
    """Run ``snakemake --rulegraph`` for ``target`` in an empty directory (a hang is an
    error after ``timeout_s``).

    An empty working directory makes the graph independent of what has already been
    computed in the repository's results/ folder.
    """
    env = dict(os.environ)
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    with tempfile.TemporaryDirectory(prefix="rulegraph-") as workdir:
        cmd = [
            snakemake_executable(),
            "--snakefile",
            str(snakefile.resolve()),
            "--directory",
            workdir,
            "--configfile",
            str(configfile.resolve()),
            "--rulegraph",
            "dot",
            "--quiet",
            "--",
            target,
        ]
        try:
            proc = subprocess.run(
                cmd, capture_output=True, text=True, env=env, check=False, timeout=timeout_s
            )
        except subprocess.TimeoutExpired as err:
            raise RuleGraphError(
                f"snakemake --rulegraph did not finish within {timeout_s:g} s for {snakefile}"
            ) from err
    if proc.returncode != 0:
        raise RuleGraphError(
            f"snakemake --rulegraph failed ({proc.returncode}) for {snakefile}:\n"
            f"{proc.stderr[-3000:]}"
        )
    return parse_rulegraph(proc.stdout, source=f"snakemake --rulegraph {snakefile}")


def render_svg(dot: str, out: Path) -> None:
    """Render dot text to SVG with Graphviz, atomically."""
    dot_exe = shutil.which("dot")
    if dot_exe is None:
        raise RuleGraphError(
            "Graphviz 'dot' is not installed; cannot render the SVG (apt-get install graphviz)"
        )
    proc = subprocess.run(
        [dot_exe, "-Tsvg"], input=dot, capture_output=True, text=True, check=False
    )
    if proc.returncode != 0 or "<svg" not in proc.stdout:
        raise RuleGraphError(
            f"dot -Tsvg failed ({proc.returncode}) for {out}: {proc.stderr.strip()}"
        )
    write_text(proc.stdout, out)


def write_rulegraph(graph: RuleGraph, svg_path: Path) -> Path:
    """Write the canonical dot text next to ``svg_path`` (suffix ``.dot``) and render the SVG;
    returns the dot path. Both are written atomically."""
    dot = graph.to_dot()
    dot_path = svg_path.with_suffix(".dot")
    write_text(dot, dot_path)
    render_svg(dot, svg_path)
    return dot_path


def check_committed(fresh: RuleGraph, committed_dot: Path) -> list[str]:
    """Differences between the committed dot file and a fresh graph; empty when current."""
    if not committed_dot.exists():
        return [f"{committed_dot} does not exist"]
    committed = parse_rulegraph(committed_dot.read_text(), source=str(committed_dot))
    problems = []
    for name in sorted(set(fresh.nodes) - set(committed.nodes)):
        problems.append(f"rule {name} is missing from {committed_dot}")
    for name in sorted(set(committed.nodes) - set(fresh.nodes)):
        problems.append(f"rule {name} is in {committed_dot} but no longer in the workflow")
    for a, b in sorted(fresh.edges - committed.edges):
        problems.append(f"edge {a} -> {b} is missing from {committed_dot}")
    for a, b in sorted(committed.edges - fresh.edges):
        problems.append(f"edge {a} -> {b} is in {committed_dot} but no longer in the workflow")
    if not problems and committed.to_dot() != fresh.to_dot():
        problems.append(f"{committed_dot} differs from a fresh rule graph in node styles")
    return problems
