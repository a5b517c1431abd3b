"""The generated results pages: content, provenance (the run and its CPU), refusal of holes,
and staleness of docs/demo-results.md (its config) and docs/tiny-results.md (every number,
exactly on the same CPU kernels and within a stated tolerance on others)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from workflow_scripts.reporting.results_page import (
    CROSS_MACHINE_TOLERANCE,
    Machine,
    Section,
    compare_pages,
    config_digest,
    recorded_digest,
    recorded_kernels,
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
        machine=Machine(cpu="Intel(R) Xeon(R) X", cpus=8, torch="2.11.0", capability="AVX512"),
    )
    assert text.startswith("# Demo results\n")
    assert recorded_kernels(text) == "torch 2.11.0, CPU capability AVX512, Intel(R) Xeon(R) X"
    assert "trained on Intel(R) Xeon(R) X (8 CPUs available) with torch 2.11.0" in text
    assert "byte-identical demo corpora, manifests and random selections" in text
    assert text.index("## Machine") < text.index("## Table 1")
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


def test_command_names_the_cpu_it_runs_on(tmp_path: Path) -> None:
    import torch

    config, t1, _ = _tables(tmp_path)
    out = tmp_path / "page.md"
    args = ["--section", f"Table 1={t1}", "--command", "x", "--config", str(config)]
    proc = subprocess.run(
        [sys.executable, "-m", "workflow_scripts.make_results_page", *args, "--out", str(out)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stderr
    kernels = recorded_kernels(out.read_text(encoding="utf-8"))
    assert kernels is not None
    assert f"torch {torch.__version__}, CPU capability " in kernels
    assert torch.backends.cpu.get_cpu_capability() in kernels


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


def this_machine() -> Machine:
    from workflow_scripts.training.device import cpu_description

    return Machine(**cpu_description())


@pytest.mark.slow
def test_committed_tiny_results_equal_this_runs_tables(
    full_workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Any change that moves a number of the tiny config's Tables 1 and 2 fails here until
    docs/tiny-results.md is regenerated, so documented numbers cannot go stale unseen.

    Numbers are compared exactly on the CPU kernels the page names (same torch, kernel level
    and CPU model); another CPU rounds floats differently in training, so there each metric
    may differ by CROSS_MACHINE_TOLERANCE (measured: docs/performance.md) and no more.
    """
    monkeypatch.chdir(ROOT)  # the page names the config by its path in the repository
    text = results_page(
        [Section(title, full_workdir / "results" / name) for title, name in TINY_SECTIONS.items()],
        title="Tiny-config results",
        command="snakemake --cores 2 all --configfile tests/data/tiny_config.yaml",
        config=Path("tests/data/tiny_config.yaml"),
        commit=None,
        machine=this_machine(),
    )
    if os.environ.get(UPDATE_ENV) == "1":
        TINY_PAGE.write_text(text, encoding="utf-8")
    committed = TINY_PAGE.read_text(encoding="utf-8")
    same_kernels = recorded_kernels(committed) == this_machine().kernels
    problems = compare_pages(committed, text, None if same_kernels else CROSS_MACHINE_TOLERANCE)
    how = "exactly (same CPU kernels)" if same_kernels else "within the cross-machine tolerance"
    assert not problems, (
        f"docs/tiny-results.md differs from this run's tables, compared {how}:\n"
        + "\n".join(problems[:20])
        + f"\nIf the change is meant to move numbers, rerun this test with {UPDATE_ENV}=1 and "
        "commit the page"
    )


def _first_cell(page: str, metric: str) -> tuple[str, str]:
    """The first table row of ``metric`` in ``page`` and the value in its first number column."""
    row = next(line for line in page.splitlines() if f"| {metric} |" in line)
    return row, row.split("|")[3].strip()


def _edit_cell(page: str, metric: str, step: float) -> tuple[str, str]:
    """``page`` with the first ``metric`` cell moved by ``step`` (down if up would pass 1),
    and that cell's row labels."""
    row, value = _first_cell(page, metric)
    cells = row.split("|")
    moved = float(value) + step if float(value) + step <= 1 else float(value) - step
    cells[3] = f" {moved:.4f} "
    return page.replace(row, "|".join(cells), 1), f"{cells[1].strip()} | {cells[2].strip()}"


def test_page_comparison_fails_on_a_changed_number_naming_the_cell() -> None:
    """A number moved beyond the tolerance fails, naming section, row and column; within it,
    only the exact (same-kernels) comparison fails; counts must match on any CPU."""
    page = TINY_PAGE.read_text(encoding="utf-8")
    assert compare_pages(page, page) == []
    tol = CROSS_MACHINE_TOLERANCE["EER-ROC"]
    far, labels = _edit_cell(page, "EER-ROC", tol + 0.01)
    problems = compare_pages(page, far, CROSS_MACHINE_TOLERANCE)
    assert len(problems) == 1
    assert problems[0].startswith("Table 1") and f" / {labels} / resnet: expected " in problems[0]
    assert f"(tolerance {tol:g})" in problems[0]

    near, _ = _edit_cell(page, "EER-ROC", tol / 2)
    assert compare_pages(page, near, CROSS_MACHINE_TOLERANCE) == []
    exact = compare_pages(page, near)
    assert len(exact) == 1 and "(compared exactly)" in exact[0]

    count_row = next(line for line in page.splitlines() if line.startswith("| training rows |"))
    cells = count_row.split("|")
    cells[3] = f" {int(cells[3]) + 1} "
    moved = compare_pages(
        page, page.replace(count_row, "|".join(cells), 1), CROSS_MACHINE_TOLERANCE
    )
    assert len(moved) == 1 and "training rows" in moved[0] and "(compared exactly)" in moved[0]


def test_page_comparison_ignores_only_the_machine_lines() -> None:
    page = TINY_PAGE.read_text(encoding="utf-8")
    other = re.sub(r"<!-- cpu-kernels: .* -->", "<!-- cpu-kernels: torch 9, X, Y -->", page)
    other = re.sub(r"(The models were trained on )[^(]*", r"\1Some Other CPU ", other)
    assert other != page and recorded_kernels(other) != recorded_kernels(page)
    assert compare_pages(page, other) == []
    reworded = page.replace("Tiny-config results", "Tiny results", 1)
    assert compare_pages(page, reworded) == [
        "line 1: expected '# Tiny-config results', got '# Tiny results'"
    ]


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
