"""Per-condition companion of Table 1 (reporting/per_condition.py, make_condition_table)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from workflow_scripts import make_condition_table
from workflow_scripts.metrics.eer import eer_roc
from workflow_scripts.reporting.per_condition import per_condition_table


def _write(tmp_path: Path, name: str, rng: np.random.Generator) -> tuple[Path, Path]:
    """A manifest with a both-class condition (codec) and a spoof-only one (vocoder_family),
    and a score table in which codec C2 and vocoder family 'neural' are harder."""
    n = 60
    label = np.array(["bonafide"] * 20 + ["spoof"] * 40)
    codec = np.array(["C1", "C2"] * (n // 2))
    family = np.where(label == "bonafide", "-", np.array(["neural", "classic"] * (n // 2)))
    shift = np.where(label == "bonafide", 2.0, -2.0)
    shift = shift * np.where(codec == "C2", 0.3, 1.0) * np.where(family == "neural", 0.5, 1.0)
    score = shift + rng.normal(size=n)
    utt = [f"{name}_{i:03d}" for i in range(n)]
    manifest = pd.DataFrame(
        {
            "utt_id": utt,
            "dataset": name,
            "split": "eval",
            "label": label,
            "attack": np.where(label == "bonafide", "-", "A07"),
            "speaker": "-",
            "path": [f"{u}.flac" for u in utt],
            "codec": codec,
            "vocoder_family": family,
        }
    )
    scores = pd.DataFrame({"utt_id": utt, "label": label, "score": score})
    tmp_path.mkdir(parents=True, exist_ok=True)
    manifest_path, scores_path = tmp_path / f"{name}.manifest.tsv", tmp_path / f"{name}.tsv"
    manifest.to_csv(manifest_path, sep="\t", index=False)
    scores.to_csv(scores_path, sep="\t", index=False)
    return scores_path, manifest_path


def test_eer_per_condition_value_for_both_class_and_spoof_only_conditions(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rng = np.random.default_rng(0)
    scores, manifest = _write(tmp_path, "asv21la", rng)
    out, md = tmp_path / "t.csv", tmp_path / "t.md"
    args = ["--entry", "ASV21 LA", "resnet", str(scores), str(manifest)]
    tail = ["--title", "T", "--out", str(out), "--markdown", str(md)]
    assert make_condition_table.main([*args, *tail]) == 0
    table = pd.read_csv(out).set_index(["condition", "value"])
    assert list(table.index) == [
        ("codec", "C1"),
        ("codec", "C2"),
        ("vocoder_family", "classic"),
        ("vocoder_family", "neural"),
    ]
    s = pd.read_csv(scores, sep="\t").merge(
        pd.read_csv(manifest, sep="\t")[["utt_id", "codec", "vocoder_family"]]
    )
    y = (s["label"] == "bonafide").to_numpy(dtype=int)
    c2 = (s["codec"] == "C2").to_numpy()
    neural = (s["vocoder_family"] == "neural").to_numpy() | (y == 1)
    assert table.loc[("codec", "C2"), "resnet"] == round(eer_roc(s["score"][c2], y[c2]), 4)
    assert table.loc[("codec", "C2"), "n_bonafide"] == 10
    # spoof-only: that family's spoofs against every bonafide trial
    assert table.loc[("vocoder_family", "neural"), "n_bonafide"] == 20
    assert table.loc[("vocoder_family", "neural"), "resnet"] == round(
        eer_roc(s["score"][neural], y[neural]), 4
    )
    assert table.loc[("codec", "C2"), "resnet"] > table.loc[("codec", "C1"), "resnet"]
    assert "both classes with that value" in md.read_text()
    # a scored trial the manifest does not list is named, nothing is written
    extra = pd.read_csv(scores, sep="\t")
    extra.loc[0, "utt_id"] = "stranger"
    extra.to_csv(scores, sep="\t", index=False)
    out.unlink()
    assert make_condition_table.main([*args, *tail]) == 2
    assert "'stranger'" in capsys.readouterr().err and not out.exists()


def test_seeds_of_one_cell_are_averaged(tmp_path: Path) -> None:
    """Table 2: two seeds of one N are one column, the mean of their per-condition EERs."""
    first = _write(tmp_path / "a", "asv5", np.random.default_rng(1))
    second = _write(tmp_path / "b", "asv5", np.random.default_rng(2))
    entries = [("ASVspoof 5", "40", *first), ("ASVspoof 5", "40", *second)]
    table = per_condition_table(entries).set_index(["condition", "value"])
    one = per_condition_table(entries[:1]).set_index(["condition", "value"])["40"]
    two = per_condition_table(entries[1:]).set_index(["condition", "value"])["40"]
    assert list(table.columns[-1:]) == ["40"]
    assert (table["40"] - (one + two) / 2).abs().max() < 1e-4
