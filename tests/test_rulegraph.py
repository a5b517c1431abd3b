"""The committed rule graph (docs/rulegraph.dot/.svg) matches the workflow, and --check notices
drift."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from workflow_scripts import rulegraph
from workflow_scripts.reporting.rulegraph import (
    RuleGraph,
    RuleGraphError,
    check_committed,
    fresh_rulegraph,
    parse_rulegraph,
    render_svg,
    snakemake_executable,
)

REPO = Path(__file__).resolve().parents[1]
SNAKEFILE = REPO / "Snakefile"
CONFIG = REPO / "config.yaml"
COMMITTED_DOT = REPO / "docs" / "rulegraph.dot"
COMMITTED_SVG = REPO / "docs" / "rulegraph.svg"

try:
    snakemake_executable()
    HAVE_SNAKEMAKE = True
except RuleGraphError:
    HAVE_SNAKEMAKE = False
needs_snakemake = pytest.mark.skipif(
    not HAVE_SNAKEMAKE, reason="snakemake is not installed in this environment"
)
needs_graphviz = pytest.mark.skipif(
    shutil.which("dot") is None, reason="Graphviz 'dot' is not installed (apt-get install graphviz)"
)


def _snakemake_dot(lines: list[str], node_gap: str = " ") -> str:
    """Rule-graph text as snakemake prints it: its header, then one line per node or edge."""
    header = [
        "digraph snakemake_dag {",
        "    graph[bgcolor=white, margin=0];",
        f"    node[shape=box, style=rounded, fontname=sans,{node_gap}fontsize=10, penwidth=2];",
        "    edge[penwidth=2, color=grey];",
    ]
    return "\n".join([*header, *(f"\t{line}" for line in lines), "}"]) + "\n"


def _node(node_id: int, label: str, hue: str) -> str:
    return f'{node_id}[label = "{label}", color = "{hue} 0.6 0.85", style="rounded"];'


# snakemake prints node ids in its own order and edges in set order; both vary
SHUFFLED = _snakemake_dot(
    [_node(0, "all", "0.00"), _node(1, "merge", "0.30"), _node(2, "shard", "0.60")]
    + ["2 -> 1", "1 -> 0", "2 -> 0"],
    node_gap=" " * 17,
)
RENUMBERED = _snakemake_dot(
    [_node(7, "shard", "0.60"), _node(3, "all", "0.00"), _node(5, "merge", "0.30")]
    + ["7 -> 3", "7 -> 5", "5 -> 3"]
)


@pytest.fixture(scope="module")
def fresh() -> RuleGraph:
    return fresh_rulegraph(SNAKEFILE, CONFIG)


def test_canonical_dot_ignores_node_numbering_and_edge_order() -> None:
    a, b = parse_rulegraph(SHUFFLED), parse_rulegraph(RENUMBERED)
    assert a == b
    assert a.to_dot() == b.to_dot()
    assert a.edges == {("shard", "merge"), ("merge", "all"), ("shard", "all")}
    # canonical text parses back to itself
    assert parse_rulegraph(a.to_dot()).to_dot() == a.to_dot()


def test_parse_rejects_unexpected_text_with_its_line() -> None:
    with pytest.raises(RuleGraphError, match=r"x\.dot:3: unexpected line"):
        parse_rulegraph('digraph g {\n\t0[label = "all"];\n\tthis is not dot\n}\n', source="x.dot")
    with pytest.raises(RuleGraphError, match="unknown node"):
        parse_rulegraph('digraph g {\n\t0[label = "all"];\n\t0 -> 9\n}\n')
    with pytest.raises(RuleGraphError, match="no 'digraph'"):
        parse_rulegraph("Building DAG of jobs...\n")


@needs_snakemake
def test_committed_rulegraph_is_current(fresh: RuleGraph) -> None:
    """Fails when a rule or a dependency changed without regenerating docs/rulegraph.*"""
    problems = check_committed(fresh, COMMITTED_DOT)
    assert problems == [], (
        "docs/rulegraph.dot is out of date; run: python -m workflow_scripts.rulegraph "
        "--snakefile Snakefile --out docs/rulegraph.svg\n" + "\n".join(problems)
    )
    # the workflow's stages are all there, with the key dependencies
    assert {
        "demo_corpus",
        "manifest",
        "cache_shard",
        "cache_merge",
        "pretrain",
        "table_exp1",
        "all",
    } <= set(fresh.nodes)
    assert ("cache_shard", "cache_merge") in fresh.edges
    assert ("embed", "sample_exp2") in fresh.edges
    # the committed SVG was rendered from the same rules
    svg_labels = set(re.findall(r"<text[^>]*>([^<]+)</text>", COMMITTED_SVG.read_text()))
    assert svg_labels == set(fresh.nodes)


@needs_snakemake
def test_check_cli_fails_on_a_stale_dot_and_names_the_drift(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    current = parse_rulegraph(COMMITTED_DOT.read_text())
    dropped = ("cache_shard", "cache_merge")
    stale = RuleGraph(current.header, current.nodes, current.edges - {dropped})
    (tmp_path / "rulegraph.dot").write_text(stale.to_dot())
    argv = ["--snakefile", str(SNAKEFILE), "--out", str(tmp_path / "rulegraph.svg"), "--check"]
    assert rulegraph.main(argv) == 1
    err = capsys.readouterr().err
    assert "edge cache_shard -> cache_merge is missing" in err
    assert not (tmp_path / "rulegraph.svg").exists()  # --check writes nothing

    (tmp_path / "rulegraph.dot").write_text(current.to_dot())
    assert rulegraph.main(argv) == 0

    (tmp_path / "rulegraph.dot").unlink()
    assert rulegraph.main(argv) == 1
    assert "does not exist" in capsys.readouterr().err


@pytest.mark.graphviz
@needs_graphviz
def test_render_svg_draws_every_rule(tmp_path: Path) -> None:
    graph = parse_rulegraph(COMMITTED_DOT.read_text())
    out = tmp_path / "g.svg"
    render_svg(graph.to_dot(), out)
    svg = out.read_text()
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg
    assert set(re.findall(r"<text[^>]*>([^<]+)</text>", svg)) == set(graph.nodes)
    assert svg.count('class="edge"') == len(graph.edges)
    assert [p.name for p in tmp_path.iterdir()] == ["g.svg"]  # no temporary left behind
