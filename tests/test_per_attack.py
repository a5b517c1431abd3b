"""Per-attack companions of Tables 1 and 2: cells, seen/unseen marks, errors, command."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from workflow_scripts import make_per_attack_table
from workflow_scripts.reporting.per_attack import (
    per_attack_markdown,
    per_attack_table,
    seen_attacks,
)


def metrics(per_attack: dict[str, tuple[int, float]]) -> dict:
    return {
        "eer_roc": 0.1,
        "per_attack": {a: {"n": n, "eer_roc": e, "eer_det": e} for a, (n, e) in per_attack.items()},
    }


def write_manifest(path: Path, rows: list[tuple[str, str, str]]) -> Path:
    table = pd.DataFrame(rows, columns=["split", "label", "attack"])
    table.insert(0, "utt_id", [f"u{i}" for i in range(len(rows))])
    table.to_csv(path, sep="\t", index=False)
    return path


def test_cells_average_seeds_and_mark_unseen_attacks() -> None:
    cells = [
        ("ASV eval", "20", metrics({"A07": (10, 0.2), "A01": (5, 0.0)}), "s0"),
        ("ASV eval", "20", metrics({"A07": (10, 0.4), "A01": (5, 0.1)}), "s1"),
        ("ASV eval", "40", metrics({"A07": (10, 0.1), "A01": (5, 0.05)}), "s2"),
        ("In the wild", "20", metrics({"-": (7, 0.45)}), "s3"),
        ("In the wild", "40", metrics({"-": (7, 0.5)}), "s4"),
    ]
    table = per_attack_table(cells, seen={"A01"})
    assert list(table.columns) == ["eval_set", "attack", "n_spoof", "seen", "20", "40"]
    rows = table.set_index(["eval_set", "attack"])
    assert rows.loc[("ASV eval", "A07"), "20"] == pytest.approx(0.3)
    assert rows.loc[("ASV eval", "A01"), "20"] == pytest.approx(0.05)
    assert rows.loc[("ASV eval", "A07"), "40"] == pytest.approx(0.1)
    assert rows.loc[("ASV eval", "A07"), "seen"] == "no"
    assert rows.loc[("ASV eval", "A01"), "seen"] == "yes"
    assert rows.loc[("In the wild", "-"), "n_spoof"] == 7
    text = per_attack_markdown(table, title="T", training="asvspoof2019 train")
    assert "| A07 * |" in text and "| A01 |" in text
    assert "asvspoof2019 train (2 of 3 rows)" in text


def test_columns_that_scored_other_attacks_are_refused() -> None:
    cells = [
        ("ASV eval", "resnet", metrics({"A07": (10, 0.2)}), "a.json"),
        ("ASV eval", "convnext", metrics({"A07": (9, 0.2)}), "b.json"),
    ]
    with pytest.raises(ValueError, match="column 'convnext' scored other attacks"):
        per_attack_table(cells, seen=set())
    with pytest.raises(ValueError, match=r"c\.json: no per-attack metrics"):
        per_attack_table([("ASV eval", "resnet", {"eer_roc": 0.1}, "c.json")], seen=set())


def test_seen_attacks_come_from_the_training_splits_spoofs(tmp_path: Path) -> None:
    manifest = write_manifest(
        tmp_path / "asv.tsv",
        [("train", "spoof", "A01"), ("train", "bonafide", "-"), ("eval", "spoof", "A07")],
    )
    assert seen_attacks([(manifest, ["train"])]) == {"A01"}
    assert seen_attacks([(manifest, ["train", "eval"])]) == {"A01", "A07"}
    bad = tmp_path / "bad.tsv"
    bad.write_text("utt_id\tsplit\nx\ttrain\n")
    with pytest.raises(ValueError, match=r"bad\.tsv: not a manifest"):
        seen_attacks([(bad, ["train"])])


def test_the_command_writes_table_markdown_and_heat_map(tmp_path: Path) -> None:
    files = {}
    for model, eer in (("resnet", 0.1), ("convnext", 0.3)):
        path = tmp_path / f"{model}.json"
        path.write_text(json.dumps(metrics({"A07": (10, eer), "A01": (5, eer / 2)})))
        files[model] = path
    manifest = write_manifest(tmp_path / "asvspoof2019.tsv", [("train", "spoof", "A01")])
    out = tmp_path / "out"
    args = [
        *("--entry", "ASV eval", "resnet", str(files["resnet"])),
        *("--entry", "ASV eval", "convnext", str(files["convnext"])),
        *("--seen", str(manifest), "train", "--title", "Table 1 per attack"),
        *("--out", str(out / "t.csv"), "--markdown", str(out / "t.md")),
        *("--figure", str(out / "t.png")),
    ]
    assert make_per_attack_table.main(args) == 0
    table = pd.read_csv(out / "t.csv")
    assert table["convnext"].tolist() == [0.15, 0.3]  # A01, A07
    assert (out / "t.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "asvspoof2019 train" in (out / "t.md").read_text()
    missing = ["--entry", "ASV eval", "resnet", str(tmp_path / "none.json"), *args[8:]]
    assert make_per_attack_table.main(missing) == 2
