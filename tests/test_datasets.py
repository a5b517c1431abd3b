"""Dataset adapters on tiny corpora written in each real layout."""

from __future__ import annotations

import logging
import os
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import soundfile as sf
from conftest import run_module

from workflow_scripts.datasets import (
    ADAPTERS,
    MANIFEST_COLUMNS,
    QUARANTINE_COLUMNS,
    SPLITS_BY_FORMAT,
    DatasetConfigError,
    ProtocolError,
    build_manifest,
    validate_manifest,
)
from workflow_scripts.datasets.wavefake import assign_split
from workflow_scripts.io.files import read_tsv

SR = 16000


def write_audio(path: Path, fmt: str = "WAV", seconds: float = 0.05) -> Path:
    """A short real audio file (a quiet sine) at ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    t = np.arange(int(SR * seconds)) / SR
    sf.write(path, 0.1 * np.sin(2 * np.pi * 220 * t), SR, format=fmt)
    return path


def check_common(table: pd.DataFrame, dataset: str) -> None:
    """Contract checks every manifest must pass."""
    assert list(table.columns) == list(MANIFEST_COLUMNS)
    validate_manifest(table)
    assert (table["dataset"] == dataset).all()
    assert set(table["label"]) <= {"bonafide", "spoof"}
    for path in table["path"]:
        assert os.path.isabs(path) and os.path.isfile(path)


# --- ASVspoof 2019 LA ------------------------------------------------------------------

PROTOCOL = {
    "train": "ASVspoof2019.LA.cm.train.trn.txt",
    "dev": "ASVspoof2019.LA.cm.dev.trl.txt",
    "eval": "ASVspoof2019.LA.cm.eval.trl.txt",
}
ASV_LINES = {
    "train": [
        "LA_0079 LA_T_1138215 - - bonafide",
        "LA_0079 LA_T_1004644 - A01 spoof",
        "LA_0080 LA_T_1000137 - A06 spoof",
    ],
    "dev": ["LA_0069 LA_D_1047731 - - bonafide", "LA_0070 LA_D_1105538 - A04 spoof"],
    "eval": [
        "LA_0039 LA_E_2834763 - A11 spoof",
        "LA_0014 LA_E_8877452 - - bonafide",
        "LA_0040 LA_E_6828287 - A19 spoof",
    ],
}


def make_asvspoof(
    root: Path, lines: dict[str, list[str]] | None = None, skip_audio: set[str] = frozenset()
) -> Path:
    """ASVspoof 2019 LA tree; audio written for every FILE_ID not in ``skip_audio``."""
    lines = lines or ASV_LINES
    protocols = root / "LA" / "ASVspoof2019_LA_cm_protocols"
    protocols.mkdir(parents=True)
    for split, split_lines in lines.items():
        (protocols / PROTOCOL[split]).write_text("\n".join(split_lines) + "\n")
        flac = root / "LA" / f"ASVspoof2019_LA_{split}" / "flac"
        flac.mkdir(parents=True)
        for line in split_lines:
            fields = line.split()
            if len(fields) > 1 and fields[1] not in skip_audio:
                write_audio(flac / f"{fields[1]}.flac", "FLAC")
    return root


def test_asvspoof_manifest(tmp_path: Path) -> None:
    root = make_asvspoof(tmp_path / "asv")
    result = build_manifest("asvspoof2019", {"format": "asvspoof2019_la", "root": str(root)})
    table = result.table
    check_common(table, "asvspoof2019")
    assert len(result.quarantine) == 0 and list(result.quarantine.columns) == list(
        QUARANTINE_COLUMNS
    )
    # protocol order, split by split
    expected_ids = [
        line.split()[1] for split in ("train", "dev", "eval") for line in ASV_LINES[split]
    ]
    assert table["utt_id"].tolist() == expected_ids
    assert table["split"].tolist() == ["train"] * 3 + ["dev"] * 2 + ["eval"] * 3
    row = table.set_index("utt_id").loc["LA_T_1004644"]
    assert (row["label"], row["attack"], row["speaker"]) == ("spoof", "A01", "LA_0079")
    assert row["path"] == str(root / "LA" / "ASVspoof2019_LA_train" / "flac" / "LA_T_1004644.flac")
    bona = table.set_index("utt_id").loc["LA_E_8877452"]
    assert (bona["label"], bona["attack"], bona["split"]) == ("bonafide", "-", "eval")
    assert SPLITS_BY_FORMAT["asvspoof2019_la"] == ("train", "dev", "eval")


BAD_LINES = [
    ("LA_0079 LA_T_9000001 A01 spoof", "expected 5"),
    ("LA_0079 LA_T_9000001 - A01 fake", "KEY"),
    ("LA_0079 LA_T_9000001 - A01 bonafide", "bonafide line must have ATTACK_ID '-'"),
    ("LA_0079 LA_T_9000001 - A20 spoof", "A01..A19"),
    ("LA_0079 LA_T_9000001 - - spoof", "A01..A19"),
    ("LA_0079 LA_T_9000001 x A01 spoof", "field 3"),
    ("LA_0079 LA_T_1004644 - A01 spoof", "duplicate FILE_ID"),
]


@pytest.mark.parametrize(("bad_line", "problem"), BAD_LINES)
def test_asvspoof_bad_line_raises_with_file_and_line(
    tmp_path: Path, bad_line: str, problem: str
) -> None:
    lines = {**ASV_LINES, "train": [*ASV_LINES["train"][:2], bad_line, ASV_LINES["train"][2]]}
    root = make_asvspoof(tmp_path / "asv", lines)
    with pytest.raises(ProtocolError) as info:
        build_manifest("asv", {"format": "asvspoof2019_la", "root": str(root)})
    message = str(info.value)
    assert f"{PROTOCOL['train']}:3:" in message
    assert problem in message
    assert info.value.line == 3 and isinstance(info.value, ValueError)


def test_asvspoof_missing_audio_raises(tmp_path: Path) -> None:
    root = make_asvspoof(tmp_path / "asv", skip_audio={"LA_D_1105538"})
    expected = rf"{PROTOCOL['dev']}:2: audio file not found: .*LA_D_1105538\.flac"
    with pytest.raises(ProtocolError, match=expected):
        build_manifest("asv", {"format": "asvspoof2019_la", "root": str(root)})


def test_asvspoof_missing_protocol_file_names_it(tmp_path: Path) -> None:
    root = make_asvspoof(tmp_path / "asv")
    protocol = root / "LA" / "ASVspoof2019_LA_cm_protocols" / PROTOCOL["eval"]
    protocol.unlink()
    for on_error in ("raise", "quarantine"):
        with pytest.raises(FileNotFoundError, match=str(protocol)):
            build_manifest(
                "asv", {"format": "asvspoof2019_la", "root": str(root)}, on_error=on_error
            )


def test_asvspoof_quarantine_keeps_the_rest(tmp_path: Path) -> None:
    bad = [
        "LA_0079 LA_T_9000001 A01 spoof",
        "LA_0079 LA_T_9000002 - A01 bonafide",
        "LA_0079 LA_T_1004644 - A01 spoof",
    ]
    lines = {**ASV_LINES, "train": [*ASV_LINES["train"], *bad]}
    root = make_asvspoof(tmp_path / "asv", lines, skip_audio={"LA_E_6828287"})
    result = build_manifest(
        "asv", {"format": "asvspoof2019_la", "root": str(root)}, on_error="quarantine"
    )
    check_common(result.table, "asv")
    assert len(result.table) == 8 - 1  # all good lines but the one with missing audio
    assert "LA_E_6828287" not in set(result.table["utt_id"])
    q = result.quarantine
    assert list(q.columns) == list(QUARANTINE_COLUMNS) and len(q) == 4
    assert (q["stage"] == "manifest").all()
    assert q["utt_id"].tolist() == ["LA_T_9000001", "LA_T_9000002", "LA_T_1004644", "LA_E_6828287"]
    train = PROTOCOL["train"]
    assert [r.split(": ")[0].rsplit("/", 1)[1] for r in q["reason"]] == [
        f"{train}:4",
        f"{train}:5",
        f"{train}:6",
        f"{PROTOCOL['eval']}:3",
    ]
    assert q["path"].iloc[3].endswith("LA_E_6828287.flac")
    assert not q.isna().any().any()


def test_config_errors(tmp_path: Path) -> None:
    root = make_asvspoof(tmp_path / "asv")
    with pytest.raises(DatasetConfigError, match="unknown option.*'rot'"):
        build_manifest("asv", {"format": "asvspoof2019_la", "root": str(root), "rot": 1})
    with pytest.raises(DatasetConfigError, match="format must be one of"):
        build_manifest("asv", {"format": "asvspoof2021", "root": str(root)})
    with pytest.raises(DatasetConfigError, match="'root' is not set"):
        build_manifest("asv", {"format": "asvspoof2019_la", "root": None})
    with pytest.raises(FileNotFoundError, match=str(tmp_path / "nowhere")):
        build_manifest("asv", {"format": "asvspoof2019_la", "root": str(tmp_path / "nowhere")})
    with pytest.raises(DatasetConfigError, match="on_error"):
        build_manifest("asv", {"format": "asvspoof2019_la", "root": str(root)}, on_error="ignore")
    assert (
        set(ADAPTERS)
        == set(SPLITS_BY_FORMAT)
        == {
            "asvspoof2019_la",
            "for",
            "wavefake",
            "in_the_wild",
            "asvspoof2021_la",
            "asvspoof2021_df",
            "asvspoof5",
            "mlaad",
        }
    )


# --- Fake-or-Real ----------------------------------------------------------------------


def mp3_writable() -> bool:
    return "MP3" in sf.available_formats()


def make_for(root: Path, folder: str, with_mp3: bool = False) -> Path:
    """FoR variant tree with 2 real + 1 fake per split (plus one mp3 fake in testing)."""
    base = root / folder
    for split_folder in ("training", "validation", "testing"):
        for name in ("file1.wav", "file2.wav"):
            write_audio(base / split_folder / "real" / name)
        write_audio(base / split_folder / "fake" / "file1.wav")
    (base / "training" / "fake" / "._file1.wav").write_bytes(b"resource fork")  # hidden: skipped
    (base / "training" / "fake" / "notes.txt").write_text("not audio")
    if with_mp3:
        write_audio(base / "testing" / "fake" / "file9.mp3", "MP3", seconds=0.2)
    return root


def test_for_manifest(tmp_path: Path) -> None:
    root = make_for(tmp_path / "for", "for-norm")
    table = build_manifest("for", {"format": "for", "root": str(root), "variant": "for-norm"}).table
    check_common(table, "for")
    assert table["split"].tolist() == ["train"] * 3 + ["dev"] * 3 + ["eval"] * 3
    assert (table["attack"] == "-").all() and (table["speaker"] == "-").all()
    by_id = table.set_index("utt_id")
    assert by_id.loc["train/real/file1.wav", "label"] == "bonafide"
    assert by_id.loc["train/fake/file1.wav", "label"] == "spoof"
    expected = root / "for-norm" / "validation" / "real" / "file2.wav"
    assert by_id.loc["dev/real/file2.wav", "path"] == str(expected)
    assert not any("._" in u or u.endswith(".txt") for u in table["utt_id"])
    # sorted paths within each split
    for _, group in table.groupby("split", sort=False):
        assert group["path"].tolist() == sorted(group["path"])


@pytest.mark.skipif(not mp3_writable(), reason="libsndfile here cannot write MP3 files")
def test_for_mp3_is_listed(tmp_path: Path) -> None:
    root = make_for(tmp_path / "for", "for-norm", with_mp3=True)
    table = build_manifest("for", {"format": "for", "root": str(root)}).table
    row = table.set_index("utt_id").loc["eval/fake/file9.mp3"]
    assert (row["split"], row["label"]) == ("eval", "spoof")
    assert sf.info(row["path"]).format == "MP3"


@pytest.mark.parametrize(
    ("variant", "folder"),
    [
        ("for-2sec", "for-2seconds"),
        ("for-2sec", "for-2sec"),
        ("for-rerec", "for-rerecorded"),
        ("for-rerecorded", "for-rerec"),
        ("for-original", "for-original"),
    ],
)
def test_for_variant_spellings(tmp_path: Path, variant: str, folder: str) -> None:
    root = make_for(tmp_path / "for", folder)
    table = build_manifest("for", {"format": "for", "root": str(root), "variant": variant}).table
    assert len(table) == 9
    assert all(f"/{folder}/" in p for p in table["path"])


def test_for_layout_errors(tmp_path: Path) -> None:
    root = make_for(tmp_path / "for", "for-norm")
    with pytest.raises(FileNotFoundError, match="for-2seconds"):
        build_manifest("for", {"format": "for", "root": str(root), "variant": "for-2sec"})
    with pytest.raises(DatasetConfigError, match="variant"):
        build_manifest("for", {"format": "for", "root": str(root), "variant": "for-3sec"})
    with pytest.raises(
        DatasetConfigError, match="is the for-norm folder but option 'variant' is 'for-original'"
    ):
        build_manifest(
            "for", {"format": "for", "root": str(root / "for-norm"), "variant": "for-original"}
        )
    missing = root / "for-norm" / "validation" / "fake"
    for f in missing.iterdir():
        f.unlink()
    missing.rmdir()
    with pytest.raises(FileNotFoundError, match=str(missing)):
        build_manifest("for", {"format": "for", "root": str(root)})


def test_for_empty_is_an_error(tmp_path: Path) -> None:
    base = tmp_path / "for" / "for-norm"
    for split_folder in ("training", "validation", "testing"):
        for label in ("real", "fake"):
            (base / split_folder / label).mkdir(parents=True)
    with pytest.raises(ValueError, match="no usable audio"):
        build_manifest("for", {"format": "for", "root": str(tmp_path / "for")})


# --- WaveFake --------------------------------------------------------------------------

VOCODER_STYLES = {
    "ljspeech_melgan": "{}_gen.wav",
    "ljspeech_hifiGAN": "{}_generated.wav",
    "ljspeech_waveglow": "{}.wav",
}
LJ_IDS = [f"LJ00{c}-{n:04d}" for c in (1, 2) for n in range(1, 16)]


def make_wavefake(
    root: Path, lj_root: Path | None = None, extra_fake_ids: tuple[str, ...] = ()
) -> None:
    """WaveFake tree: every vocoder style for LJ_IDS (+ fakes with no real), LJSpeech reals."""
    for vocoder, style in VOCODER_STYLES.items():
        for lj_id in [*LJ_IDS, *extra_fake_ids]:
            write_audio(root / "generated_audio" / vocoder / style.format(lj_id), seconds=0.01)
    for lj_id in LJ_IDS:
        write_audio((lj_root or root) / "LJSpeech-1.1" / "wavs" / f"{lj_id}.wav", seconds=0.01)


def wavefake_cfg(root: Path, **extra: object) -> dict[str, object]:
    return {
        "format": "wavefake",
        "root": str(root),
        "ljspeech_root": None,
        "vocoders": list(VOCODER_STYLES),
        "split_fractions": {"train": 0.6, "dev": 0.2, "eval": 0.2},
        **extra,
    }


def test_wavefake_manifest_and_consistent_split(tmp_path: Path) -> None:
    root = tmp_path / "wf"
    make_wavefake(root)
    table = build_manifest("wavefake", wavefake_cfg(root)).table
    check_common(table, "wavefake")
    assert len(table) == len(LJ_IDS) * 4
    reals = table[table["label"] == "bonafide"]
    fakes = table[table["label"] == "spoof"]
    assert set(reals["utt_id"]) == {f"LJSpeech/{i}" for i in LJ_IDS}
    assert (reals["attack"] == "-").all() and (table["speaker"] == "LJ").all()
    assert set(fakes["attack"]) == set(VOCODER_STYLES)
    # all three fake name styles map to the LJ id
    for vocoder in VOCODER_STYLES:
        assert set(fakes.loc[fakes["attack"] == vocoder, "utt_id"]) == {
            f"{vocoder}/{i}" for i in LJ_IDS
        }
    # a sentence's real and all its fakes share one split
    lj_of = table["utt_id"].str.split("/").str[1]
    assert (table.groupby(lj_of)["split"].nunique() == 1).all()
    assert set(table["split"]) == {"train", "dev", "eval"}
    order = {"train": 0, "dev": 1, "eval": 2}
    assert table["split"].map(order).is_monotonic_increasing
    # deterministic: identical on a second run
    pd.testing.assert_frame_equal(table, build_manifest("wavefake", wavefake_cfg(root)).table)


def test_wavefake_vocoder_selection_and_ljspeech_root(tmp_path: Path) -> None:
    root, lj_root = tmp_path / "wf", tmp_path / "lj"
    make_wavefake(root, lj_root=lj_root)
    table = build_manifest(
        "wf", wavefake_cfg(root, ljspeech_root=str(lj_root), vocoders=["ljspeech_waveglow"])
    ).table
    assert set(table["attack"]) == {"-", "ljspeech_waveglow"}
    assert len(table) == 2 * len(LJ_IDS)
    assert all(p.startswith(str(lj_root)) for p in table.loc[table["label"] == "bonafide", "path"])
    with pytest.raises(FileNotFoundError, match="ljspeech_melgan_large"):
        build_manifest(
            "wf",
            wavefake_cfg(
                root,
                ljspeech_root=str(lj_root),
                vocoders=["ljspeech_melgan", "ljspeech_melgan_large"],
            ),
        )
    with pytest.raises(FileNotFoundError, match="LJSpeech-1.1"):
        build_manifest("wf", wavefake_cfg(root))  # reals are not under root here


def test_wavefake_fakes_without_real_are_kept(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    root = tmp_path / "wf"
    make_wavefake(root, extra_fake_ids=("LJ050-0001", "LJ050-0002"))
    with caplog.at_level(logging.WARNING):
        table = build_manifest("wf", wavefake_cfg(root)).table
    assert {"ljspeech_melgan/LJ050-0001", "ljspeech_waveglow/LJ050-0002"} <= set(table["utt_id"])
    assert "2 LJSpeech ids have fakes but no real file" in caplog.text


def test_wavefake_bad_names_and_fractions(tmp_path: Path) -> None:
    root = tmp_path / "wf"
    make_wavefake(root)
    stray = write_audio(root / "generated_audio" / "ljspeech_melgan" / "sample.wav", seconds=0.01)
    with pytest.raises(ProtocolError, match=r"sample\.wav: fake file name holds no LJSpeech id"):
        build_manifest("wf", wavefake_cfg(root))
    result = build_manifest("wf", wavefake_cfg(root), on_error="quarantine")
    assert result.quarantine["path"].tolist() == [str(stray)]
    assert len(result.table) == len(LJ_IDS) * 4
    with pytest.raises(DatasetConfigError, match="sum to 1"):
        build_manifest(
            "wf", wavefake_cfg(root, split_fractions={"train": 0.7, "dev": 0.2, "eval": 0.2})
        )
    with pytest.raises(DatasetConfigError, match="keys"):
        build_manifest("wf", wavefake_cfg(root, split_fractions={"train": 0.8, "test": 0.2}))


def test_wavefake_split_fractions_roughly_respected() -> None:
    ids = [f"LJ{c:03d}-{n:04d}" for c in range(1, 4) for n in range(1, 101)]
    fractions = {"train": 0.7, "dev": 0.1, "eval": 0.2}
    splits = [assign_split(i, fractions) for i in ids]
    counts = pd.Series(splits).value_counts() / len(ids)
    for split, share in fractions.items():
        assert abs(counts.get(split, 0.0) - share) < 0.08, (split, counts.to_dict())
    assert splits == [assign_split(i, fractions) for i in ids]
    assert {assign_split(i, {"train": 1.0, "dev": 0.0, "eval": 0.0}) for i in ids} == {"train"}


# --- In-the-Wild -----------------------------------------------------------------------

ITW_ROWS = [
    "0.wav,Alec Guinness,spoof",
    "1.wav,Alec Guinness,bona-fide",
    "2.wav,Ayn Rand,bona-fide",
    "3.wav,Ayn Rand,spoof",
]


def make_itw(root: Path, rows: list[str] = ITW_ROWS, skip_audio: set[str] = frozenset()) -> Path:
    release = root / "release_in_the_wild"
    release.mkdir(parents=True)
    (release / "meta.csv").write_text("\n".join(["file,speaker,label", *rows]) + "\n")
    for row in rows:
        name = row.split(",")[0]
        if name and name not in skip_audio:
            write_audio(release / name)
    return root


def test_itw_manifest(tmp_path: Path) -> None:
    root = make_itw(tmp_path / "itw")
    table = build_manifest("itw", {"format": "in_the_wild", "root": str(root)}).table
    check_common(table, "itw")
    assert table["utt_id"].tolist() == ["0", "1", "2", "3"]
    assert table["label"].tolist() == ["spoof", "bonafide", "bonafide", "spoof"]
    assert table["speaker"].tolist() == ["Alec Guinness", "Alec Guinness", "Ayn Rand", "Ayn Rand"]
    assert (table["split"] == "eval").all() and (table["attack"] == "-").all()
    assert SPLITS_BY_FORMAT["in_the_wild"] == ("eval",)


@pytest.mark.parametrize(
    ("bad_row", "problem"),
    [
        ("9.wav,Ayn Rand,bonafide", "label must be"),
        ("9.wav,Ayn Rand", "expected 3"),
        ("1.wav,Ayn Rand,spoof", "duplicate"),
    ],
)
def test_itw_bad_row(tmp_path: Path, bad_row: str, problem: str) -> None:
    root = make_itw(tmp_path / "itw", [*ITW_ROWS[:2], bad_row, *ITW_ROWS[2:]])
    with pytest.raises(ProtocolError, match=rf"meta\.csv:4: .*{problem}"):
        build_manifest("itw", {"format": "in_the_wild", "root": str(root)})
    result = build_manifest(
        "itw", {"format": "in_the_wild", "root": str(root)}, on_error="quarantine"
    )
    assert result.table["utt_id"].tolist() == ["0", "1", "2", "3"]
    assert len(result.quarantine) == 1 and "meta.csv:4:" in result.quarantine["reason"].iloc[0]


def test_itw_missing_audio_and_header(tmp_path: Path) -> None:
    root = make_itw(tmp_path / "itw", skip_audio={"2.wav"})
    with pytest.raises(ProtocolError, match=r"meta\.csv:4: audio file not found"):
        build_manifest("itw", {"format": "in_the_wild", "root": str(root)})
    (root / "release_in_the_wild" / "meta.csv").write_text("path,speaker,label\n0.wav,A,spoof\n")
    with pytest.raises(ProtocolError, match=r"meta\.csv:1: header"):
        build_manifest("itw", {"format": "in_the_wild", "root": str(root)}, on_error="quarantine")


# --- contract check and CLI ------------------------------------------------------------


def test_validate_manifest_rejects_bad_tables() -> None:
    good = pd.DataFrame(
        [
            ["a", "d", "train", "spoof", "A01", "s", "/x.wav"],
            ["b", "d", "eval", "bonafide", "-", "s", "/y.wav"],
        ],
        columns=list(MANIFEST_COLUMNS),
    )
    validate_manifest(good)
    for column, value, problem in [
        ("utt_id", "a", "unique"),
        ("label", "fake", "labels"),
        ("path", "", "empty"),
        ("split", "test", "splits"),
    ]:
        bad = good.copy()
        bad.loc[1, column] = value
        with pytest.raises(ValueError, match=problem):
            validate_manifest(bad)
    with pytest.raises(ValueError, match="columns"):
        validate_manifest(good[list(reversed(MANIFEST_COLUMNS))])


def test_cli_end_to_end(tmp_path: Path) -> None:
    lines = {**ASV_LINES, "dev": [*ASV_LINES["dev"], "LA_0070 LA_D_1 - A04 spoofed"]}
    root = make_asvspoof(tmp_path / "asv", lines)
    out, qout = tmp_path / "m" / "asv.tsv", tmp_path / "m" / "asv.quarantine.tsv"
    cfg = f'{{"format": "asvspoof2019_la", "root": "{root}"}}'
    args = ["--name", "asvspoof2019", "--dataset-json", cfg, "--out", str(out)]

    def run(policy: str) -> subprocess.CompletedProcess[str]:
        more = ["--quarantine-out", str(qout), "--on-protocol-error", policy]
        return run_module("make_manifest", *args, *more, cwd=tmp_path)

    failed = run("raise")
    assert failed.returncode == 2 and f"{PROTOCOL['dev']}:3:" in failed.stderr
    assert not out.exists() and not qout.exists()
    done = run("quarantine")
    assert done.returncode == 0, done.stderr
    assert "asvspoof2019 train: 1 bonafide, 2 spoof" in done.stderr
    assert "asvspoof2019 eval: 1 bonafide, 2 spoof" in done.stderr
    table, quarantine = read_tsv(out), read_tsv(qout)
    assert list(table.columns) == list(MANIFEST_COLUMNS) and len(table) == 8
    assert table["attack"].tolist()[0] == "-"
    assert quarantine["utt_id"].tolist() == ["LA_D_1"]
    assert list(quarantine.columns) == list(QUARANTINE_COLUMNS)


# --- root forms: the folder containing the release's top folder, or that folder itself -------


def _build(fmt: str, root: Path, **options: object) -> pd.DataFrame:
    return build_manifest("ds", {"format": fmt, "root": str(root), **options}).table


def test_asvspoof_root_may_be_the_la_folder(tmp_path: Path) -> None:
    root = make_asvspoof(tmp_path / "asv")
    parent = _build("asvspoof2019_la", root)
    itself = _build("asvspoof2019_la", root / "LA")
    pd.testing.assert_frame_equal(parent, itself)
    assert len(itself) == 8 and itself["path"].iloc[0].startswith(
        str(root / "LA" / "ASVspoof2019_LA_train")
    )


def test_itw_root_may_be_the_release_folder(tmp_path: Path) -> None:
    root = make_itw(tmp_path / "itw")
    itself = _build("in_the_wild", root / "release_in_the_wild")
    pd.testing.assert_frame_equal(_build("in_the_wild", root), itself)
    assert itself["utt_id"].tolist() == ["0", "1", "2", "3"]
    assert itself["path"].iloc[0] == str(root / "release_in_the_wild" / "0.wav")


@pytest.mark.parametrize(
    ("variant", "folder"), [("for-original", "for-original"), ("for-2sec", "for-2seconds")]
)
def test_for_root_may_be_the_variant_folder(tmp_path: Path, variant: str, folder: str) -> None:
    root = make_for(tmp_path / "for", folder)
    itself = _build("for", root / folder, variant=variant)
    pd.testing.assert_frame_equal(_build("for", root, variant=variant), itself)
    assert len(itself) == 9 and all(f"/{folder}/" in p for p in itself["path"])


def test_for_variant_folder_under_another_name_is_accepted(tmp_path: Path) -> None:
    make_for(tmp_path / "for", "for-original")
    renamed = tmp_path / "for" / "FoR_full"
    (tmp_path / "for" / "for-original").rename(renamed)
    assert len(_build("for", renamed, variant="for-original")) == 9


def test_wavefake_roots_may_be_generated_audio_and_ljspeech_folders(tmp_path: Path) -> None:
    root, lj_root = tmp_path / "wf", tmp_path / "lj"
    make_wavefake(root, lj_root=lj_root)
    parent = build_manifest("wf", wavefake_cfg(root, ljspeech_root=str(lj_root))).table
    for fake_root, real_root in [
        (root / "generated_audio", lj_root),
        (root, lj_root / "LJSpeech-1.1"),
        (root / "generated_audio", lj_root / "LJSpeech-1.1"),
    ]:
        table = build_manifest("wf", wavefake_cfg(fake_root, ljspeech_root=str(real_root))).table
        pd.testing.assert_frame_equal(parent, table)
    assert len(parent) == 4 * len(LJ_IDS)


def test_wavefake_default_ljspeech_root_is_next_to_generated_audio(tmp_path: Path) -> None:
    root = tmp_path / "wf"
    make_wavefake(root)  # LJSpeech-1.1/ beside generated_audio/
    itself = build_manifest("wf", wavefake_cfg(root / "generated_audio")).table
    pd.testing.assert_frame_equal(build_manifest("wf", wavefake_cfg(root)).table, itself)
    reals = itself.loc[itself["label"] == "bonafide", "path"]
    assert len(reals) == len(LJ_IDS) and all(
        p.startswith(str(root / "LJSpeech-1.1" / "wavs")) for p in reals
    )


@pytest.mark.parametrize(
    ("fmt", "make", "top", "marker"),
    [
        ("asvspoof2019_la", make_asvspoof, "LA", "ASVspoof2019_LA_cm_protocols"),
        ("in_the_wild", make_itw, "release_in_the_wild", "meta.csv"),
        ("for", lambda r: make_for(r, "for-norm"), "for-norm", "training"),
    ],
)
def test_root_with_neither_layout_names_root_and_both_forms(
    tmp_path: Path, fmt: str, make, top: str, marker: str
) -> None:
    root = make(tmp_path / "corpus")
    wrong = tmp_path / "elsewhere"
    wrong.mkdir()
    with pytest.raises(FileNotFoundError) as info:
        _build(fmt, wrong)
    message = str(info.value)
    assert f"root {wrong} has neither accepted layout" in message
    assert str(wrong / top / marker) in message and str(wrong / marker) in message
    # the top folder's parent and the top folder itself still both work
    assert len(_build(fmt, root)) == len(_build(fmt, root / top)) > 0


def test_wavefake_neither_layout_names_both_forms(tmp_path: Path) -> None:
    root = tmp_path / "wf"
    make_wavefake(root)
    with pytest.raises(FileNotFoundError) as info:
        build_manifest("wf", wavefake_cfg(tmp_path))  # one level too high
    assert f"root {tmp_path} has neither accepted layout" in str(info.value)
    assert str(tmp_path / "generated_audio") in str(info.value)
    empty = tmp_path / "lj"
    empty.mkdir()
    with pytest.raises(FileNotFoundError) as info:
        build_manifest("wf", wavefake_cfg(root, ljspeech_root=str(empty)))
    message = str(info.value)
    assert f"ljspeech_root {empty} has neither accepted layout" in message
    assert str(empty / "LJSpeech-1.1" / "wavs") in message and str(empty / "wavs") in message
    lj_elsewhere = tmp_path / "wf2"
    make_wavefake(lj_elsewhere, lj_root=tmp_path / "lj2")
    with pytest.raises(FileNotFoundError, match="ljspeech_root is not set"):
        build_manifest("wf", wavefake_cfg(lj_elsewhere / "generated_audio"))


def test_root_matching_both_layouts_is_refused(tmp_path: Path) -> None:
    root = make_asvspoof(tmp_path / "asv")
    (root / "ASVspoof2019_LA_cm_protocols").mkdir()
    with pytest.raises(DatasetConfigError, match="matches both accepted layouts"):
        _build("asvspoof2019_la", root)
    for_root = make_for(tmp_path / "for", "for-norm")
    (for_root / "training").mkdir()
    with pytest.raises(DatasetConfigError, match="matches both accepted layouts"):
        _build("for", for_root)
