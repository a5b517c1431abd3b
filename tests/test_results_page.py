"""The generated results pages: content, provenance, refusal of holes, and staleness of
docs/demo-results.md (its config) and docs/tiny-results.md (every number)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import warnings
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


def cpu_kernels_note() -> str:
    """Which CPU kernels torch picked: float results are reproducible only with the same ones."""
    import torch

    capability = torch.backends.cpu.get_cpu_capability()
    return f"CPU kernels: torch {torch.__version__}, CPU capability {capability}."


def without_numbers(text: str) -> str:
    """The page's layout: numbers and the CPU-kernels note masked."""
    text = re.sub(r"^- CPU kernels: .*$", "- CPU kernels", text, flags=re.MULTILINE)
    return re.sub(r"\b\d+(\.\d+)?\b", "#", text)


@pytest.mark.slow
def test_committed_tiny_results_equal_this_runs_tables(
    full_workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Any change that moves a number of the tiny config's Tables 1 and 2 fails here until
    docs/tiny-results.md is regenerated, so documented numbers cannot go stale unseen.

    The numbers are compared exactly on a CPU whose torch kernels are those the page names
    (CI's and the developers' machines); another instruction set rounds floats differently
    in training, so there only the tables' layout is compared, and a warning says why.
    """
    monkeypatch.chdir(ROOT)  # the page names the config by its path in the repository
    text = results_page(
        [Section(title, full_workdir / "results" / name) for title, name in TINY_SECTIONS.items()],
        title="Tiny-config results",
        command="snakemake --cores 2 all --configfile tests/data/tiny_config.yaml",
        config=Path("tests/data/tiny_config.yaml"),
        commit=None,
        notes=[cpu_kernels_note()],
    )
    if os.environ.get(UPDATE_ENV) == "1":
        TINY_PAGE.write_text(text, encoding="utf-8")
    committed = TINY_PAGE.read_text(encoding="utf-8")
    if cpu_kernels_note() not in committed:
        assert without_numbers(committed) == without_numbers(text)
        warnings.warn(
            f"docs/tiny-results.md was generated with other CPU kernels than "
            f"{cpu_kernels_note()!r}: only its layout was compared",
            stacklevel=1,
        )
        return
    assert committed == text, (
        f"docs/tiny-results.md differs from this run's tables: if the change is meant to move "
        f"numbers, rerun this test with {UPDATE_ENV}=1 and commit the page"
    )


def test_readme_quotes_only_measured_run_times() -> None:
    """Every run time the README states ("N min N s") is one docs/demo-results.md records."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    page = (ROOT / "docs" / "demo-results.md").read_text(encoding="utf-8")
    quoted = re.findall(r"\b\d+ min \d+ s\b", readme)
    assert quoted, "the README quotes no measured run time"
    for time_text in quoted:
        assert time_text in page, f"README says {time_text!r}; docs/demo-results.md does not"


def test_demo_findings_quote_only_numbers_of_the_generated_page() -> None:
    """docs/experiments.md's account of the demo quotes decimals only from docs/demo-results.md."""
    text = (ROOT / "docs" / "experiments.md").read_text(encoding="utf-8")
    start = text.index("## What the built-in demo shows")
    end = text.find("\n## ", start + 1)
    section = text[start : end if end != -1 else len(text)]
    page = (ROOT / "docs" / "demo-results.md").read_text(encoding="utf-8")
    quoted = re.findall(r"\b\d+\.\d+\b", section)
    for number in quoted:
        assert re.search(rf"(?<![\d.]){re.escape(number)}(?![\d])", page), (
            f"docs/experiments.md quotes {number}, which docs/demo-results.md does not hold"
        )
