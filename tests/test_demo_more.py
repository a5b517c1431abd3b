"""Demo ASVspoof 2021 LA/DF, ASVspoof 5 and MLAAD corpora: real layouts, read back, determinism."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
import soundfile as sf

from workflow_scripts.datasets import build_manifest
from workflow_scripts.demo.corpora import FORMATS, write_demo_corpus
from workflow_scripts.make_demo import main as make_demo_main

DURATION = (0.6, 0.8)
SIZES = {
    "asvspoof2021_la": {
        "n_speakers": 3,
        "eval": {"bonafide": 3, "spoof": 6},
        "progress": {"bonafide": 1, "spoof": 2},
        "hidden": {"bonafide": 1, "spoof": 1},
    },
    "asvspoof2021_df": {"n_speakers": 3, "eval": {"bonafide": 3, "spoof": 6}},
    "asvspoof5": {
        "n_speakers": 2,
        "train": {"bonafide": 2, "spoof": 4},
        "dev": {"bonafide": 2, "spoof": 3},
        "eval": {"bonafide": 3, "spoof": 6},
    },
    "mlaad": {
        "n_languages": 2,
        "models_per_language": 2,
        "bonafide_per_language": 4,
        "spoof_per_model": 3,
    },
}


def tree_digest(root: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


@pytest.fixture(scope="module")
def corpora(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("demo_more")
    for fmt, sizes in SIZES.items():
        write_demo_corpus(fmt, base / fmt, sizes, seed=11, duration_s=DURATION)
    return base


def counts(table, split: str) -> tuple[int, int]:
    labels = table.loc[table["split"] == split, "label"]
    return int((labels == "bonafide").sum()), int((labels == "spoof").sum())


@pytest.mark.parametrize("track", ["LA", "DF"])
def test_asvspoof2021_layout_and_read_back(corpora: Path, track: str) -> None:
    fmt = f"asvspoof2021_{track.lower()}"
    root, sizes = corpora / fmt, SIZES[fmt]
    keys = (root / "keys" / track / "CM" / "trial_metadata.txt").read_text().splitlines()
    n_all = sum(v["bonafide"] + v["spoof"] for k, v in sizes.items() if k != "n_speakers")
    assert len(keys) == n_all
    assert {len(line.split()) for line in keys} == {8 if track == "LA" else 13}
    trials = root / f"ASVspoof2021_{track}_eval" / f"ASVspoof2021.{track}.cm.eval.trl.txt"
    assert trials.read_text().split() == [line.split()[1] for line in keys]
    flac = sorted((root / f"ASVspoof2021_{track}_eval" / "flac").iterdir())
    assert len(flac) == n_all and all(p.name.startswith(f"{track}_E_") for p in flac)
    assert sf.info(flac[0]).samplerate == 16000 and sf.info(flac[0]).format == "FLAC"
    table = build_manifest("demo", {"format": fmt, "root": str(root)}).table
    assert counts(table, "eval") == (sizes["eval"]["bonafide"], sizes["eval"]["spoof"])
    assert set(table["subset"]) == {"eval"}
    if track == "LA":
        assert {line.split()[7] for line in keys} == {"eval", "progress", "hidden"}
        hidden = [line.split() for line in keys if line.endswith(" hidden")]
        assert {fields[6] for fields in hidden} == {"trim"}
        assert set(table.loc[table["label"] == "spoof", "attack"]) <= {
            f"A{i:02d}" for i in range(7, 20)
        }
        every = build_manifest(
            "demo", {"format": fmt, "root": str(root), "subset": ["eval", "progress", "hidden"]}
        ).table
        assert len(every) == n_all
    else:
        assert {"Task1-team20", "Task2-team12"} <= set(table["attack"])
        vcc = table[table["attack"].str.startswith("Task")]
        assert set(vcc["source_corpus"]) == {"vcc2020"}
        assert set(table.loc[table["label"] == "bonafide", "vocoder_family"]) == {"-"}


def test_asvspoof5_layout_and_read_back(corpora: Path) -> None:
    root, sizes = corpora / "asvspoof5", SIZES["asvspoof5"]
    for folder in ("flac_T", "flac_D", "flac_E_eval"):
        assert (root / folder).is_dir()
    table = build_manifest("demo", {"format": "asvspoof5", "root": str(root)}).table
    for split in ("train", "dev", "eval"):
        assert counts(table, split) == (sizes[split]["bonafide"], sizes[split]["spoof"])
    assert set(table.loc[table["split"] != "eval", "codec"]) == {"-"}
    lines = [ln.split() for ln in (root / "ASVspoof5.eval.track_1.tsv").read_text().splitlines()]
    coded = [f for f in lines if f[3] != "-"]
    assert coded, "the eval protocol has coded rows"
    by_name = {f[1]: f for f in lines}
    for fields in coded:
        seed_row = by_name[fields[5]]  # CODEC_SEED names an uncoded row of the same key
        assert seed_row[3] == "-" and seed_row[8] == fields[8]
    spoof = table[table["label"] == "spoof"]
    for split, (lo, hi) in {"train": (1, 8), "dev": (9, 16), "eval": (17, 32)}.items():
        ids = {int(a[1:]) for a in spoof.loc[spoof["split"] == split, "attack"]}
        assert ids and all(lo <= i <= hi for i in ids)


def test_mlaad_layout_and_read_back(corpora: Path) -> None:
    root, sizes = corpora / "mlaad", SIZES["mlaad"]
    metas = sorted((root / "fake").glob("*/*/meta.csv"))
    assert len(metas) == sizes["n_languages"] * sizes["models_per_language"]
    for meta in metas:
        rows = meta.read_text().splitlines()
        assert rows[0].split("|")[:3] == ["path", "original_file", "language"]
        for row in rows[1:]:
            fields = row.split("|")
            assert (meta.parent / Path(fields[0]).name).is_file()
            assert (root / fields[1]).is_file()  # original_file is an M-AILABS clip
            assert Path(fields[0]).name == Path(fields[1]).name
    table = build_manifest("demo", {"format": "mlaad", "root": str(root)}).table
    n_bona = sizes["n_languages"] * sizes["bonafide_per_language"]
    n_spoof = sizes["n_languages"] * sizes["models_per_language"] * sizes["spoof_per_model"]
    assert int((table["label"] == "bonafide").sum()) == n_bona
    assert int((table["label"] == "spoof").sum()) == n_spoof
    assert set(table["language"]) == {"en", "de"}
    spoof_models = set(table.loc[table["label"] == "spoof", "attack"])
    assert "tts_models/multilingual/multi-dataset/xtts_v2" in spoof_models
    assert len(spoof_models) == 1 + sizes["n_languages"] * (sizes["models_per_language"] - 1)


def test_new_demo_corpora_are_deterministic_and_seed_sensitive(
    corpora: Path, tmp_path: Path
) -> None:
    for fmt in ("asvspoof2021_df", "asvspoof5", "mlaad"):
        again = tmp_path / f"{fmt}_again"
        write_demo_corpus(fmt, again, SIZES[fmt], seed=11, duration_s=DURATION)
        assert tree_digest(again) == tree_digest(corpora / fmt), fmt
    other = tmp_path / "other"
    write_demo_corpus("asvspoof5", other, SIZES["asvspoof5"], seed=12, duration_s=DURATION)
    assert tree_digest(other) != tree_digest(corpora / "asvspoof5")


def test_make_demo_cli_and_bad_sizes(tmp_path: Path) -> None:
    assert {"asvspoof2021_la", "asvspoof2021_df", "asvspoof5", "mlaad"} <= set(FORMATS)
    sizes = '{"n_languages": 1, "models_per_language": 1, "bonafide_per_language": 2, "spoof_per_model": 2}'  # noqa: E501
    out = tmp_path / "ml"
    args = ["--format", "mlaad", "--out", str(out), "--seed", "1", "--sizes-json", sizes]
    assert make_demo_main([*args, "--duration", "0.6", "0.7", "--no-progress"]) == 0
    assert len(build_manifest("ml", {"format": "mlaad", "root": str(out)}).table) == 4
    bad = {"n_languages": 1, "models_per_language": 1, "bonafide_per_language": 1}
    with pytest.raises(ValueError, match="spoof_per_model must not exceed"):
        write_demo_corpus(
            "mlaad", tmp_path / "x", {**bad, "spoof_per_model": 2}, seed=1, duration_s=DURATION
        )
    with pytest.raises(ValueError, match="unknown keys"):
        write_demo_corpus("asvspoof5", tmp_path / "y", {"trian": {}}, seed=1, duration_s=DURATION)
    with pytest.raises(ValueError, match="'eval' must be"):
        write_demo_corpus("asvspoof2021_la", tmp_path / "z", {}, seed=1, duration_s=DURATION)
    assert not (tmp_path / "x").exists() and not (tmp_path / "z").exists()
