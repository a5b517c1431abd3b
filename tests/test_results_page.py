"""The generated results pages: content, provenance, refusal of holes, and staleness of
docs/demo-results.md (its config) and docs/tiny-results.md (every number)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from workflow_scripts.reporting.results_page import (
    Section,
    config_digest,
    recorded_digest,
    results_page,
)

ROOT = Path(__file__).resolve().parents[1]


def _tables(tmp_path: Path) -> tuple[Path, Path, Path]:
    config = tmp_path / "config.yaml"
    config.write_text("seed: 1\n")
    t1 = tmp_path / "table1.md"
    t1.write_text("# Table 1: x\n\n| metric | resnet |\n|---|---|\n| EER-ROC | 0.107 |\n")
    t2 = tmp_path / "table2.md"
    t2.write_text("| metric | 20 |\n|---|---|\n| mAP | 0.812 |\n")
    return config, t1, t2


def test_page_holds_every_table_and_its_provenance(tmp_path: Path) -> None:
    config, t1, t2 = _tables(tmp_path)
    text = results_page(
        [Section("Table 1", t1), Section("Table 2", t2)],
        title="Demo results",
        command="snakemake --cores 2 all",
        config=config,
        commit="abc1234",
        notes=["wall time 10 min"],
    )
    assert text.startswith("# Demo results\n")
    assert "| EER-ROC | 0.107 |" in text and "| mAP | 0.812 |" in text
    assert "### Table 1: x" in text  # the table's own heading sits below its section
    assert text.index("## Table 1") < text.index("## Table 2")
    assert (
        "`snakemake --cores 2 all`" in text and "`abc1234`" in text and "- wall time 10 min" in text
    )
    assert recorded_digest(text) == config_digest(config)
    config.write_text("seed: 2\n")
    assert recorded_digest(text) != config_digest(config)


def test_missing_table_fails_naming_the_file_and_writes_nothing(tmp_path: Path) -> None:
    config, t1, _ = _tables(tmp_path)
    out = tmp_path / "page.md"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "workflow_scripts.make_results_page",
            "--section",
            f"Table 1={t1}",
            "--section",
            f"Table 9={tmp_path / 'nope.md'}",
            "--command",
            "x",
            "--config",
            str(config),
            "--commit",
            "c",
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert proc.returncode == 2
    assert "nope.md: table not found" in proc.stderr
    assert not out.exists()


def test_committed_demo_results_match_todays_default_config() -> None:
    """docs/demo-results.md must be regenerated whenever config.yaml changes."""
    page = (ROOT / "docs" / "demo-results.md").read_text(encoding="utf-8")
    assert recorded_digest(page) == config_digest(ROOT / "config.yaml"), (
        "docs/demo-results.md was generated with another config.yaml: rerun the demo and "
        "regenerate it (command in docs/demo-results.md)"
    )


#: The page of the tiny config's tables, regenerated from the suite's own run.
TINY_PAGE = ROOT / "docs" / "tiny-results.md"
TINY_SECTIONS = {"Table 1 (Experiment 1)": "table1.md", "Table 2 (Experiment 3)": "table2.md"}
#: Set to 1 to rewrite docs/tiny-results.md from this run (after a change that moves numbers).
UPDATE_ENV = "NC_UPDATE_TINY_RESULTS"


@pytest.mark.slow
def test_committed_tiny_results_equal_this_runs_tables(
    full_workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Any change that moves a number of the tiny config's Tables 1 and 2 fails here until
    docs/tiny-results.md is regenerated, so documented numbers cannot go stale unseen."""
    monkeypatch.chdir(ROOT)  # the page names the config by its path in the repository
    text = results_page(
        [Section(title, full_workdir / "results" / name) for title, name in TINY_SECTIONS.items()],
        title="Tiny-config results",
        command="snakemake --cores 2 all --configfile tests/data/tiny_config.yaml",
        config=Path("tests/data/tiny_config.yaml"),
        commit=None,
    )
    if os.environ.get(UPDATE_ENV) == "1":
        TINY_PAGE.write_text(text, encoding="utf-8")
    assert TINY_PAGE.read_text(encoding="utf-8") == text, (
        f"docs/tiny-results.md differs from this run's tables: if the change is meant to move "
        f"numbers, rerun this test with {UPDATE_ENV}=1 and commit the page"
    )
