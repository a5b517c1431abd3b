"""Which epoch each run kept: the best-epoch table, the note under the result tables, their
planning and rules, the paper config's sensitivity overlay and the results page's section.

Training itself writing ``training.json`` is tested in tests/test_training.py; here the
summaries are planted, so every case runs in well under a second (the dry run in seconds).
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import pandas as pd
import pytest
import yaml
from conftest import REPO, SNAKEMAKE, TINY, run_module, snakemake

from workflow_scripts.planning import best_epochs as plan_best_epochs
from workflow_scripts.planning import training as plan_training
from workflow_scripts.reporting.best_epochs import (
    BEST_EPOCH_COLUMNS,
    best_epoch_table,
    best_epochs_markdown,
    early_epoch_note,
    read_training_summary,
    with_early_epoch_note,
)
from workflow_scripts.reporting.results_page import DEMO_SECTIONS, demo_sections

SCHEMA = REPO / "schemas" / "config.schema.yaml"


def plant(root: Path, run: str, best: int, epochs: int, **extra: object) -> Path:
    """A ``training.json`` as ``train`` writes it, for run ``run`` below ``root/results/models``."""
    path = root / "results" / "models" / run / "training.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    summary = {
        "model": "tiny_resnet",
        "seed": 7,
        "best_epoch": best,
        "epochs_run": epochs,
        "max_epochs": 100,
        "patience": 10,
        "stop_reason": "patience" if epochs < 100 else "max_epochs",
        "val_loss": "plain",
        "validation": "selection",
        "best_val_loss": 0.3251234,
        "best_val_eer": 0.25,
        "train_rows": {"bonafide": 40, "spoof": 40},
        "val_rows": {"bonafide": 6, "spoof": 54},
        **extra,
    }
    path.write_text(json.dumps(summary))
    return path


@pytest.fixture
def planted(tmp_path: Path) -> dict[str, Path]:
    return {
        "resnet": plant(tmp_path, "pretrained/asvspoof2019/resnet", 14, 24, val_loss="balanced"),
        "n2": plant(tmp_path, "exp3/n2/seed0", 1, 11),
        "n3": plant(tmp_path, "exp3/n3/seed0", 2, 12),
        "n4": plant(tmp_path, "exp3/n4/seed0", 3, 100),
    }


def test_the_table_lists_every_run_and_flags_epochs_1_and_2(planted: dict[str, Path]) -> None:
    entries = [(planted["resnet"], "Table 1; Experiment 2 embeddings")] + [
        (planted[k], "Table 2") for k in ("n2", "n3", "n4")
    ]
    table = best_epoch_table(entries)
    assert list(table.columns) == list(BEST_EPOCH_COLUMNS)
    assert list(table["run"]) == [
        "pretrained/asvspoof2019/resnet",
        "exp3/n2/seed0",
        "exp3/n3/seed0",
        "exp3/n4/seed0",
    ]
    assert list(table["experiment"]) == ["pretrained"] + ["Experiment 3"] * 3
    assert list(table["training"]) == ["asvspoof2019 train", "n2", "n3", "n4"]
    assert list(table["best_epoch"]) == [14, 1, 2, 3]
    assert list(table["epochs_run"]) == [24, 11, 12, 100]
    assert list(table["stop_reason"]) == ["patience", "patience", "patience", "max_epochs"]
    assert list(table["early"]) == [False, True, True, False]
    assert list(table["val_loss"]) == ["balanced", "plain", "plain", "plain"]
    assert table.loc[1, "best_val_loss"] == 0.3251 and table.loc[1, "val_spoof"] == 54
    assert table.loc[0, "used_by"] == "Table 1; Experiment 2 embeddings"

    markdown = best_epochs_markdown(table)
    assert markdown.startswith("### Which epoch each trained run kept\n")
    assert "| exp3/n2/seed0 | tiny_resnet | 1 | 11 | 100 | patience | plain | 40/40 | 6/54 |" in (
        markdown
    )
    assert "2 of 4 runs kept epoch 1 or 2 (validation loss `plain`)" in markdown

    with pytest.raises(ValueError, match="runs given twice"):
        best_epoch_table([(planted["n2"], "a"), (planted["n2"], "b")])


def test_the_note_names_exactly_the_runs_that_kept_epoch_1_or_2(
    planted: dict[str, Path],
) -> None:
    paths = [planted[k] for k in ("resnet", "n2", "n3", "n4")]
    note = early_epoch_note(paths)
    assert note.startswith("**Kept epoch 1 or 2:** 2 of the 4 runs behind this table")
    assert "`exp3/n2/seed0` kept epoch 1 of 11" in note
    assert "`exp3/n3/seed0` kept epoch 2 of 12" in note
    assert "no lower validation loss for 10 epochs; val_loss plain" in note
    assert "n4" not in note and "resnet" not in note
    table = "### Table 2\n\n| a |\n|---|\n| 1 |\n"
    assert with_early_epoch_note(table, paths) == table.rstrip() + "\n\n" + note
    # no early run, or no summaries given: the table's Markdown is left as it was
    assert with_early_epoch_note(table, [planted["resnet"], planted["n4"]]) == table
    assert with_early_epoch_note(table, []) == table


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"best_epoch": None}, r"'best_epoch' must be int, got None"),
        ({"best_epoch": 12}, r"best_epoch 12 is outside the 11 epochs run"),
        ({"stop_reason": "tired"}, r"stop_reason 'tired' is not one of"),
        ({"best_val_loss": "nan"}, r"'best_val_loss' must be float, got 'nan'"),
    ],
)
def test_a_bad_summary_is_refused_naming_the_file(
    tmp_path: Path, change: dict, message: str
) -> None:
    path = plant(tmp_path, "exp3/n2/seed0", 1, 11, **change)
    with pytest.raises(ValueError, match=re.escape(str(path)) + ".*" + message):
        read_training_summary(path)


def test_a_summary_from_an_older_train_is_refused_naming_what_is_missing(tmp_path: Path) -> None:
    path = tmp_path / "training.json"
    path.write_text(json.dumps({"model": "resnet"}))
    proc = run_module(
        "make_best_epochs",
        "--entry",
        str(path),
        "Table 1",
        "--out",
        str(tmp_path / "b.csv"),
        "--markdown",
        str(tmp_path / "b.md"),
        cwd=REPO,
    )
    assert proc.returncode == 2
    assert f"{path}: training summary lacks" in proc.stderr and "rerun it" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1 and not (tmp_path / "b.csv").exists()


def test_the_commands_write_the_companion_table_and_the_note(
    planted: dict[str, Path], tmp_path: Path
) -> None:
    out = tmp_path / "out"
    proc = run_module(
        "make_best_epochs",
        *("--entry", str(planted["resnet"]), "Table 1"),
        *("--entry", str(planted["n2"]), "Table 2"),
        *("--out", str(out / "best_epochs.csv"), "--markdown", str(out / "best_epochs.md")),
        cwd=REPO,
    )
    assert proc.returncode == 0, proc.stderr
    csv = pd.read_csv(out / "best_epochs.csv")
    assert list(csv["run"]) == ["pretrained/asvspoof2019/resnet", "exp3/n2/seed0"]
    assert list(csv["best_epoch"]) == [14, 1] and list(csv["early"]) == [False, True]
    assert "1 of 2 runs kept epoch 1 or 2" in (out / "best_epochs.md").read_text()

    # Table 1 from planted metrics: the note appears under the Markdown table, not in the CSV
    metrics = tmp_path / "m.json"
    values = {"eer_roc": 0.1, "map": 0.9, "eer_det": 0.1, "ap_bonafide": 0.5, "ap_mean": 0.7}
    metrics.write_text(json.dumps(values))
    early = plant(tmp_path, "pretrained/asvspoof2019/convnext", 1, 11)
    proc = run_module(
        "make_table_exp1",
        *("--entry", "ASV eval", "resnet", str(metrics)),
        *("--entry", "ASV eval", "convnext", str(metrics)),
        *("--training-summary", str(planted["resnet"]), "--training-summary", str(early)),
        *("--out", str(out / "table1.csv"), "--markdown", str(out / "table1.md")),
        cwd=REPO,
    )
    assert proc.returncode == 0, proc.stderr
    text = (out / "table1.md").read_text()
    assert text.index("| ASV eval | EER-ROC |") < text.index("**Kept epoch 1 or 2:** 1 of the 2")
    assert "`pretrained/asvspoof2019/convnext` kept epoch 1 of 11" in text
    assert "Kept" not in (out / "table1.csv").read_text()


# --------------------------------------------------------------------------- planning, rules


def with_defaults(path: Path) -> dict:
    utils = pytest.importorskip("snakemake.utils")
    config = yaml.safe_load(path.read_text())
    utils.validate(config, str(SCHEMA))
    return config


def test_every_table_names_its_runs_and_the_companion_lists_each_run_once() -> None:
    tiny = with_defaults(TINY)
    assert plan_best_epochs.table_training_summaries(tiny, "table1") == [
        "results/models/pretrained/asvspoof2019/resnet/training.json",
        "results/models/pretrained/asvspoof2019/convnext/training.json",
    ]
    assert plan_best_epochs.table_training_summaries(tiny, "table2") == [
        "results/models/exp3/n2/seed0/training.json",
        "results/models/exp3/n3/seed0/training.json",
    ]
    exp2 = plan_best_epochs.table_training_summaries(tiny, "table_exp2")
    assert "results/models/exp2/nc_b1.0_s0.5/seed0/training.json" in exp2
    assert len(exp2) == len(set(exp2))
    sources = plan_best_epochs.table_training_summaries(tiny, "table_exp4_sources")
    assert set(plan_best_epochs.table_training_summaries(tiny, "table_exp4")) < set(sources)
    with pytest.raises(ValueError, match="no best-epoch note"):
        plan_best_epochs.table_training_summaries(tiny, "table9")

    entries = plan_best_epochs.best_epoch_runs(tiny)
    paths = [path for path, _ in entries]
    assert len(paths) == len(set(paths))
    used = dict(entries)
    resnet = "results/models/pretrained/asvspoof2019/resnet/training.json"
    assert used[resnet].startswith("Table 1; Experiment 2 embeddings; Experiment 4 embeddings")
    aware = "results/models/pretrained_attack_aware/asvspoof2019/resnet/training.json"
    assert used[aware] == "Experiment 4 embeddings (attack_aware)"
    # FoR has no attack ids: its attack-aware source falls back to the binary detector
    assert "pretrained_attack_aware/for" not in " ".join(paths)
    assert plan_best_epochs.best_epochs_args(tiny)[:3] == ["--entry", resnet, used[resnet]]
    assert plan_best_epochs.training_summary_args(["a.json", "b.json"]) == [
        "--training-summary",
        "a.json",
        "--training-summary",
        "b.json",
    ]


@pytest.mark.skipif(SNAKEMAKE is None, reason="snakemake is not installed in this environment")
def test_target_all_lists_every_trained_run_and_passes_each_table_its_runs(
    tmp_path: Path,
) -> None:
    """A dry run of the tiny ``all``: the best-epoch table reads the summary of every job that
    trains, and each table command gets ``--training-summary`` for its runs."""
    proc = snakemake(tmp_path, "-n", "-p", "all")
    out = proc.stdout
    trained = {
        path.strip().removesuffix("best.pt") + "training.json"
        for outputs in re.findall(r"^\s+output: (.*)$", out, flags=re.M)
        for path in outputs.split(",")
        if path.strip().endswith("/best.pt")
    }
    block = re.search(r"rule best_epochs_table:\n\s+input: (.*)\n", out)
    assert block is not None
    listed = {path.strip() for path in block.group(1).split(",")}
    assert trained and listed == trained
    commands = [line.strip() for line in out.splitlines() if "workflow_scripts.make_table_" in line]
    tables = {"exp1": "table1", "exp2": "table_exp2", "exp3": "table2", "exp4": "table_exp4"}
    config = with_defaults(TINY)
    for command in commands:
        name = re.search(r"make_table_(\w+)", command).group(1)
        table = "table_exp4_sources" if name == "exp4_sources" else tables[name]
        flagged = re.findall(r"--training-summary (\S+)", command)
        assert flagged == plan_best_epochs.table_training_summaries(config, table), name
    assert len(commands) == 5


# --------------------------------------------------------------------------- configs, page


def test_the_paper_config_keeps_plain_and_the_overlay_changes_only_the_val_loss() -> None:
    """``--configfile config/paper.yaml config/paper_balanced_val.yaml`` as Snakemake merges
    it (later files override key by key), validated."""
    utils = pytest.importorskip("snakemake.utils")
    paper = yaml.safe_load((REPO / "config" / "paper.yaml").read_text())
    overlay = yaml.safe_load((REPO / "config" / "paper_balanced_val.yaml").read_text())
    assert overlay == {"training": {"val_loss": "balanced"}}
    merged = copy.deepcopy(paper)
    utils.update_config(merged, overlay)
    for config in (paper, merged):
        utils.validate(config, str(SCHEMA))
    assert paper["training"]["val_loss"] == "plain"
    assert merged["training"]["val_loss"] == "balanced"
    merged["training"]["val_loss"] = "plain"
    assert merged == paper
    assert "--val-loss" in plan_training.training_args(paper, "resnet")
    reproducing = (REPO / "docs" / "reproducing.md").read_text()
    assert "config/paper.yaml config/paper_balanced_val.yaml" in reproducing


def test_the_demo_page_generator_has_the_best_epoch_section(tmp_path: Path) -> None:
    assert DEMO_SECTIONS[-1][1] == "best_epochs.md"
    for _, name in DEMO_SECTIONS:
        (tmp_path / name).write_text(f"### {name}\n\n| x |\n|---|\n| 1 |\n")
    config = tmp_path / "config.yaml"
    config.write_text("seed: 1\n")
    page = tmp_path / "page.md"
    proc = run_module(
        "make_results_page",
        *("--results-dir", str(tmp_path), "--command", "x", "--config", str(config)),
        *("--commit", "abc", "--out", str(page)),
        cwd=REPO,
    )
    assert proc.returncode == 0, proc.stderr
    text = page.read_text()
    assert [s.path.name for s in demo_sections(tmp_path)] == [n for _, n in DEMO_SECTIONS]
    assert "## Which epoch each trained run kept (early stopping)" in text
    assert text.index("## Table 1 (Experiment 1)") < text.index("## Which epoch each trained")


# --------------------------------------------------------------------------- the tiny run


@pytest.mark.slow
def test_the_tiny_run_lists_every_run_from_its_history_and_notes_early_ones(
    full_workdir: Path,
) -> None:
    """After target ``all``: one row per trained checkpoint, each traced to its history.csv,
    and each table's Markdown names exactly its runs that kept epoch 1 or 2."""
    results = full_workdir / "results"
    table = pd.read_csv(results / "best_epochs.csv")
    models = results / "models"
    on_disk = sorted(p.parent.relative_to(models).as_posix() for p in models.rglob("best.pt"))
    assert sorted(table["run"]) == on_disk
    for row in table.itertuples():
        history = pd.read_csv(models / row.run / "history.csv")
        assert row.epochs_run == len(history), row.run
        assert row.best_epoch == int(history["epoch"][history["val_loss"].idxmin()]), row.run
        limit_reached = len(history) >= row.max_epochs
        assert row.stop_reason == ("max_epochs" if limit_reached else "patience"), row.run
        assert row.early == (row.best_epoch <= 2) and row.val_loss == "balanced"
    early = set(table.loc[table["early"], "run"])
    config = with_defaults(TINY)
    files = {
        "table1": "table1.md",
        "table_exp2": "table_exp2.md",
        "table2": "table2.md",
        "table_exp4": "table_exp4.md",
        "table_exp4_sources": "table_exp4_sources.md",
    }
    for name, md in files.items():
        text = (results / md).read_text()
        behind = [
            Path(p).parent.relative_to("results/models").as_posix()
            for p in plan_best_epochs.table_training_summaries(config, name)
        ]
        for run in behind:
            assert (f"`{run}` kept epoch" in text) == (run in early), (md, run)
        assert ("**Kept epoch 1 or 2:**" in text) == bool(early & set(behind)), md
