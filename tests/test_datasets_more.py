"""ASVspoof 2021 LA/DF, ASVspoof 5 and MLAAD (+ M-AILABS) adapters, and condition columns.

Every fixture is a tiny corpus in the released layout, with protocol/key/meta
lines in the real formats (the example lines come from the releases' own
documentation, see the adapters' docstrings).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import soundfile as sf

from workflow_scripts.datasets import (
    ATTACK_ID_FORMATS,
    CONDITION_COLUMNS,
    MANIFEST_COLUMNS,
    SPLITS_BY_FORMAT,
    DatasetConfigError,
    ManifestRow,
    ProtocolError,
    build_manifest,
    manifest_frame,
    validate_manifest,
)
from workflow_scripts.datasets.wavefake import assign_split
from workflow_scripts.io.files import read_tsv, write_tsv
from workflow_scripts.planning.config import FORMAT_OPTIONS, resolve_dataset
from workflow_scripts.reporting.per_attack import seen_attacks

SR = 16000


def write_audio(path: Path, fmt: str = "WAV") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    t = np.arange(int(SR * 0.05)) / SR
    sf.write(path, 0.1 * np.sin(2 * np.pi * 220 * t), SR, format=fmt)
    return path


def write_lines(path: Path, lines: list[str]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def check(table: pd.DataFrame, conditions: list[str]) -> None:
    assert list(table.columns) == [*MANIFEST_COLUMNS, *conditions]
    validate_manifest(table)
    for path in table["path"]:
        assert os.path.isabs(path) and os.path.isfile(path)


def by_id(table: pd.DataFrame) -> dict[str, dict[str, str]]:
    return table.set_index("utt_id").to_dict("index")


# --- the manifest contract with condition columns ----------------------------------------


def test_condition_columns_follow_the_fixed_ones_in_vocabulary_order() -> None:
    plain = manifest_frame([ManifestRow("a", "d", "eval", "spoof", "A01", "s", "/x.wav")])
    assert list(plain.columns) == list(MANIFEST_COLUMNS)
    rows = [
        ManifestRow("a", "d", "eval", "spoof", "A01", "s", "/a.wav", {"language": "en"}),
        ManifestRow("b", "d", "eval", "bonafide", "-", "s", "/b.wav", {"codec": "C01"}),
    ]
    table = manifest_frame(rows)
    assert list(table.columns) == [*MANIFEST_COLUMNS, "codec", "language"]
    assert table["codec"].tolist() == ["-", "C01"] and table["language"].tolist() == ["en", "-"]
    validate_manifest(table)
    with pytest.raises(ValueError, match="unknown condition column.*'colour'"):
        manifest_frame([rows[0]._replace(conditions={"colour": "red"})])
    for bad in (
        table.assign(colour="red"),  # unknown extra column
        table[[*MANIFEST_COLUMNS, "language", "codec"]],  # wrong order
        table[["utt_id", "codec", *MANIFEST_COLUMNS[1:]]],  # condition before a fixed column
    ):
        with pytest.raises(ValueError, match="condition columns"):
            validate_manifest(bad)
    with pytest.raises(ValueError, match="'codec' has 1 empty"):
        validate_manifest(table.assign(codec=["", "C01"]))
    assert len(CONDITION_COLUMNS) == len(set(CONDITION_COLUMNS))


def test_registry_knows_the_new_formats() -> None:
    assert SPLITS_BY_FORMAT["asvspoof2021_la"] == SPLITS_BY_FORMAT["asvspoof2021_df"] == ("eval",)
    assert SPLITS_BY_FORMAT["asvspoof5"] == SPLITS_BY_FORMAT["mlaad"] == ("train", "dev", "eval")
    assert {"asvspoof2021_la", "asvspoof2021_df", "asvspoof5", "mlaad"} <= ATTACK_ID_FORMATS
    assert FORMAT_OPTIONS["asvspoof2021_la"] == {"keys_root": None, "subset": ["eval"]}
    assert set(FORMAT_OPTIONS["mlaad"]) == {"mailabs_root", "split_fractions"}
    resolved = resolve_dataset("ml", {"format": "mlaad", "root": None}, "results/demo/ml")
    assert resolved["root"] == "results/demo/ml" and resolved["mailabs_root"] is None


# --- ASVspoof 2021 LA / DF ---------------------------------------------------------------

LA_KEYS = [
    "LA_0009 LA_E_9332881 alaw ita_tx A07 spoof notrim eval",
    "LA_0020 LA_E_7294490 g722 loc_tx bonafide bonafide notrim eval",
    "LA_0009 LA_E_8589971 alaw loc_tx A07 spoof notrim progress",
    "LA_0012 LA_E_1000006 gsm sin_tx A19 spoof trim hidden",
]
DF_KEYS = [
    "LA_0023 DF_E_2000011 nocodec asvspoof A14 spoof notrim eval traditional_vocoder - - - -",
    "TEF2 DF_E_2000013 low_m4a vcc2020 Task1-team20 spoof notrim eval "
    "neural_vocoder_nonautoregressive Task1 team20 FF E",
    "VCC2TM2 DF_E_2000024 mp3m4a vcc2018 - bonafide notrim eval bonafide - - - -",
    "LA_0023 DF_E_2000030 high_ogg asvspoof A09 spoof notrim progress traditional_vocoder - - - -",
]


def make_2021(root: Path, track: str, lines: list[str], skip: set[str] = frozenset()) -> Path:
    write_lines(root / "keys" / track / "CM" / "trial_metadata.txt", lines)
    for line in lines:
        trial = line.split()[1]
        if trial not in skip:
            write_audio(root / f"ASVspoof2021_{track}_eval" / "flac" / f"{trial}.flac", "FLAC")
    return root


def test_asvspoof2021_la_reads_the_eval_phase_with_conditions(tmp_path: Path) -> None:
    root = make_2021(tmp_path / "la", "LA", LA_KEYS)
    table = build_manifest("la21", {"format": "asvspoof2021_la", "root": str(root)}).table
    check(table, ["subset", "codec", "transmission"])
    assert table["utt_id"].tolist() == ["LA_E_9332881", "LA_E_7294490"]
    rows = by_id(table)
    assert rows["LA_E_9332881"] | {"path": ""} == {
        "dataset": "la21", "split": "eval", "label": "spoof", "attack": "A07",
        "speaker": "LA_0009", "path": "", "subset": "eval", "codec": "alaw",
        "transmission": "ita_tx",
    }  # fmt: skip
    assert rows["LA_E_7294490"]["attack"] == "-" and rows["LA_E_7294490"]["label"] == "bonafide"
    every = build_manifest(
        "la21",
        {"format": "asvspoof2021_la", "root": str(root), "subset": ["eval", "progress", "hidden"]},
    ).table
    assert every["subset"].tolist() == ["eval", "eval", "progress", "hidden"]
    assert set(every["split"]) == {"eval"}


def test_asvspoof2021_df_conditions_and_separate_keys_root(tmp_path: Path) -> None:
    audio = make_2021(tmp_path / "df", "DF", DF_KEYS)
    keys = tmp_path / "DF-keys-full"
    keys.mkdir()
    (audio / "keys").rename(keys / "keys")
    cfg = {
        "format": "asvspoof2021_df",
        "root": str(audio / "ASVspoof2021_DF_eval"),  # the top folder itself
        "keys_root": str(keys),
    }
    table = build_manifest("df21", cfg).table
    check(table, ["subset", "codec", "source_corpus", "vocoder_family"])
    rows = by_id(table)
    assert len(rows) == 3
    assert rows["DF_E_2000013"]["attack"] == "Task1-team20"
    assert rows["DF_E_2000013"]["source_corpus"] == "vcc2020"
    assert rows["DF_E_2000013"]["vocoder_family"] == "neural_vocoder_nonautoregressive"
    assert rows["DF_E_2000024"]["vocoder_family"] == "-" and rows["DF_E_2000024"]["attack"] == "-"
    assert rows["DF_E_2000011"]["codec"] == "nocodec"
    with pytest.raises(FileNotFoundError, match="keys_root"):
        build_manifest("df21", {**cfg, "keys_root": str(tmp_path)})


def test_asvspoof2021_bad_lines_missing_audio_and_options(tmp_path: Path) -> None:
    lines = [*LA_KEYS]
    lines[2] = "LA_0009 LA_E_8589971 alaw A07 spoof notrim progress"  # 7 fields
    lines.append("LA_0013 LA_E_5555555 opus mad_tx A01 spoof notrim eval")  # 2019 train attack
    root = make_2021(tmp_path / "la", "LA", lines, skip={"LA_E_7294490", "LA_E_1000006"})
    meta = root / "keys" / "LA" / "CM" / "trial_metadata.txt"
    cfg = {"format": "asvspoof2021_la", "root": str(root)}
    with pytest.raises(ProtocolError, match=rf"{meta}:2: audio file not found: .*LA_E_7294490"):
        build_manifest("la21", cfg)
    result = build_manifest("la21", cfg, on_error="quarantine")
    assert result.table["utt_id"].tolist() == ["LA_E_9332881"]
    reasons = result.quarantine["reason"].tolist()
    assert [r.split(": ")[0] for r in reasons] == [f"{meta}:2", f"{meta}:3", f"{meta}:5"]
    assert "expected 8 whitespace-separated fields" in reasons[1]
    assert "A07..A19" in reasons[2]
    # the hidden line's audio is missing, but hidden is not selected: not a problem
    with pytest.raises(DatasetConfigError, match="subset values"):
        build_manifest("la21", {**cfg, "subset": ["eval", "final"]})
    with pytest.raises(DatasetConfigError, match="subset must be"):
        build_manifest("la21", {**cfg, "subset": "eval"})


# --- ASVspoof 5 ----------------------------------------------------------------------------

ASV5_LINES = {
    "ASVspoof5.train.tsv": [
        "T_4850 T_0000000000 F - - - AC3 A05 spoof -",
        "T_3734 T_0000000011 F - - - - bonafide bonafide -",
    ],
    "ASVspoof5.dev.track_1.tsv": [
        "D_4461 D_0000000169 F - - - AC1 A14 spoof -",
        "D_0461 D_0000000190 M - - - - bonafide bonafide -",
    ],
    "ASVspoof5.eval.track_1.tsv": [
        "E_0001 E_0000000001 M - 0 - - bonafide bonafide -",
        "E_0002 E_0000000002 F C05 3 E_0000000009 AC2 A20 spoof -",
    ],
}
ASV5_AUDIO = {"T": "flac_T", "D": "flac_D", "E": "flac_E_eval"}


def make_asvspoof5(root: Path, lines: dict[str, list[str]], protocols: str = "") -> Path:
    for name, split_lines in lines.items():
        write_lines(root / protocols / name, split_lines)
        for line in split_lines:
            file_id = line.split()[1]
            write_audio(root / ASV5_AUDIO[file_id[0]] / f"{file_id}.flac", "FLAC")
    return root


def test_asvspoof5_splits_attacks_and_conditions(tmp_path: Path) -> None:
    root = make_asvspoof5(tmp_path / "a5", ASV5_LINES, protocols="ASVspoof5_protocols")
    table = build_manifest("a5", {"format": "asvspoof5", "root": str(root)}).table
    check(table, ["codec", "codec_quality", "attack_tag", "gender"])
    assert table["split"].tolist() == ["train", "train", "dev", "dev", "eval", "eval"]
    assert table["attack"].tolist() == ["A05", "-", "A14", "-", "-", "A20"]
    rows = by_id(table)
    assert {k: rows["E_0000000002"][k] for k in ("codec", "codec_quality", "attack_tag")} == {
        "codec": "C05",
        "codec_quality": "3",
        "attack_tag": "AC2",
    }
    assert rows["E_0000000001"]["codec_quality"] == "0"
    assert rows["T_0000000000"]["codec"] == rows["T_0000000000"]["codec_quality"] == "-"
    assert rows["D_0000000190"]["gender"] == "M" and rows["D_0000000190"]["speaker"] == "D_0461"
    # the protocols may also lie directly in root, but not in both places
    write_lines(root / "ASVspoof5.train.tsv", ASV5_LINES["ASVspoof5.train.tsv"])
    with pytest.raises(DatasetConfigError, match="both"):
        build_manifest("a5", {"format": "asvspoof5", "root": str(root)})


def test_asvspoof5_bad_line_and_missing_audio(tmp_path: Path) -> None:
    lines = {k: list(v) for k, v in ASV5_LINES.items()}
    lines["ASVspoof5.dev.track_1.tsv"].append("D_0462 D_0000000200 M - - AC1 A14 spoof -")
    lines["ASVspoof5.eval.track_1.tsv"].append("E_0003 E_0000000003 X - 0 - - bonafide bonafide -")
    root = make_asvspoof5(tmp_path / "a5", lines)
    (root / "flac_T" / "T_0000000011.flac").unlink()
    cfg = {"format": "asvspoof5", "root": str(root)}
    train = root / "ASVspoof5.train.tsv"
    with pytest.raises(ProtocolError, match=rf"{train}:2: audio file not found: .*T_0000000011"):
        build_manifest("a5", cfg)
    result = build_manifest("a5", cfg, on_error="quarantine")
    assert len(result.table) == 5
    reasons = result.quarantine["reason"].tolist()
    assert reasons[1].startswith(f"{root / 'ASVspoof5.dev.track_1.tsv'}:3: expected 10 ")
    assert reasons[2].startswith(f"{root / 'ASVspoof5.eval.track_1.tsv'}:3: SPEAKER_GENDER")
    assert result.quarantine["utt_id"].tolist() == ["T_0000000011", "D_0000000200", "E_0000000003"]


# --- MLAAD + M-AILABS --------------------------------------------------------------------

MLAAD_HEADER = (
    "path|original_file|language|is_original_language|duration|training_data|"
    "model_name|architecture|transcript"
)


def make_mlaad(root: Path, mailabs: Path | None = None) -> Path:
    """Two M-AILABS languages (a female reader's book, a mix book), two MLAAD models."""
    mailabs = mailabs or root
    en = mailabs / "en_US" / "by_book" / "female" / "judy_bieber" / "ozma_of_oz"
    de = mailabs / "de_DE" / "by_book" / "mix" / "grune_haus"
    write_lines(
        en / "metadata.csv", [f"ozma_of_oz_01_f00000{i}|Text {i}.|Text {i}." for i in (1, 2)]
    )
    write_lines(de / "metadata.csv", ["grune_haus_01_f000001|Satz.|Satz."])
    for clip in ("ozma_of_oz_01_f000001", "ozma_of_oz_01_f000002"):
        write_audio(en / "wavs" / f"{clip}.wav")
    write_audio(de / "wavs" / "grune_haus_01_f000001.wav")
    (mailabs / "en_US" / "by_book" / "info.txt").write_text("M-AILABS en_US\n")
    models = {
        ("en", "tts_models_en_ljspeech_vits"): ("tts_models/en/ljspeech/vits", "vits"),
        ("de", "facebook_mms-tts-deu"): ("facebook/mms-tts-deu", "facebook/mms-tts"),
    }
    originals = {
        "en": ["en_US/by_book/female/judy_bieber/ozma_of_oz/wavs/ozma_of_oz_01_f000001.wav",
               "en_US/by_book/female/judy_bieber/ozma_of_oz/wavs/ozma_of_oz_01_f000002.wav"],
        "de": ["de_DE/by_book/mix/grune_haus/wavs/grune_haus_01_f000001.wav"],
    }  # fmt: skip
    for (lang, folder), (model_name, arch) in models.items():
        rows = [MLAAD_HEADER]
        for original in originals[lang]:
            stem = Path(original).stem
            rows.append(f"./fake/{lang}/{folder}/{stem}.wav|{original}|{lang}|True|3.1|x|"
                        f"{model_name}|{arch}|Some text.")  # fmt: skip
            write_audio(root / "fake" / lang / folder / f"{stem}.wav")
        write_lines(root / "fake" / lang / folder / "meta.csv", rows)
    return root


def test_mlaad_spoofs_and_mailabs_bonafide(tmp_path: Path) -> None:
    root = make_mlaad(tmp_path / "MLAAD_v5")
    table = build_manifest("ml", {"format": "mlaad", "root": str(root)}).table
    check(table, ["gender", "language", "architecture"])
    rows = by_id(table)
    assert len(rows) == 6
    vits = rows["MLAAD/en/tts_models_en_ljspeech_vits/ozma_of_oz_01_f000002"]
    assert (vits["label"], vits["attack"], vits["speaker"]) == (
        "spoof",
        "tts_models/en/ljspeech/vits",
        "-",
    )
    assert (vits["language"], vits["architecture"], vits["gender"]) == ("en", "vits", "-")
    real = rows["M-AILABS/en_US/ozma_of_oz_01_f000002"]
    assert (real["label"], real["attack"], real["speaker"], real["gender"]) == (
        "bonafide",
        "-",
        "judy_bieber",
        "F",
    )
    assert (real["language"], real["architecture"]) == ("en", "-")
    mix = rows["M-AILABS/de_DE/grune_haus_01_f000001"]
    assert (mix["speaker"], mix["gender"], mix["language"]) == ("-", "-", "de")
    # a fake lands in the split of the clip it re-reads (default fractions 0.7/0.1/0.2)
    for utt, row in rows.items():
        stem = utt.rsplit("/", 1)[1]
        assert row["split"] == assign_split(stem, {"train": 0.7, "dev": 0.1, "eval": 0.2})
    order = {"train": 0, "dev": 1, "eval": 2}
    assert list(table["split"].map(order)) == sorted(table["split"].map(order))
    all_eval = {"train": 0.0, "dev": 0.0, "eval": 1.0}
    cfg = {"format": "mlaad", "root": str(root / "fake"), "mailabs_root": str(root)}
    assert set(build_manifest("ml", {**cfg, "split_fractions": all_eval}).table["split"]) == {
        "eval"
    }


def test_mlaad_separate_mailabs_root_and_errors(tmp_path: Path) -> None:
    root = make_mlaad(tmp_path / "mlaad", mailabs=tmp_path / "M-AILABS")
    cfg = {"format": "mlaad", "root": str(root)}
    with pytest.raises(FileNotFoundError, match="holds no M-AILABS language folder"):
        build_manifest("ml", cfg)
    cfg["mailabs_root"] = str(tmp_path / "M-AILABS")
    assert len(build_manifest("ml", cfg).table) == 6
    # a malformed meta row, a missing fake, a model folder without meta.csv, a bad clip line
    vits = root / "fake" / "en" / "tts_models_en_ljspeech_vits"
    meta = vits / "meta.csv"
    meta.write_text(meta.read_text() + "./fake/en/x/extra.wav|only three|fields\n")
    (vits / "ozma_of_oz_01_f000001.wav").unlink()
    (root / "fake" / "de" / "empty_model").mkdir()
    book = tmp_path / "M-AILABS" / "de_DE" / "by_book" / "mix" / "grune_haus" / "metadata.csv"
    book.write_text(book.read_text() + "grune_haus_01_f000002|no normalised text\n")
    with pytest.raises(ProtocolError, match=rf"{book}:2: expected 3 '\|'-separated fields"):
        build_manifest("ml", cfg)
    result = build_manifest("ml", cfg, on_error="quarantine")
    assert len(result.table) == 5  # one fake lost its audio; the bad lines were extra
    reasons = result.quarantine["reason"].tolist()
    assert reasons[0].startswith(f"{book}:2:")
    assert reasons[1].startswith(f"{root / 'fake' / 'de' / 'empty_model'}: model folder has no")
    assert reasons[2].startswith(f"{meta}:2: audio file not found: ")
    assert reasons[3].startswith(f"{meta}:4: expected 9 '|'-separated fields")
    meta.write_text("path|language|transcript\n")
    with pytest.raises(
        ProtocolError, match=rf"{meta}:1: header lacks column\(s\) \['model_name'\]"
    ):
        build_manifest("ml", cfg, on_error="quarantine")
    with pytest.raises(FileNotFoundError, match="neither accepted layout"):
        build_manifest("ml", {**cfg, "root": str(tmp_path)})


# --- consumers: TSV round trip, per-attack seen set, the cache builder ------------------------


def test_manifest_with_conditions_round_trips_and_feeds_consumers(tmp_path: Path) -> None:
    root = make_asvspoof5(tmp_path / "a5", ASV5_LINES)
    table = build_manifest("a5", {"format": "asvspoof5", "root": str(root)}).table
    path = tmp_path / "a5.tsv"
    write_tsv(table, path)
    back = read_tsv(path)
    pd.testing.assert_frame_equal(back, table)
    validate_manifest(back)
    assert seen_attacks([(path, ["train", "dev"])]) == {"A05", "A14"}
    from workflow_scripts.features.cache import read_dataset_manifest, shard_rows

    manifest, dataset = read_dataset_manifest(path)
    assert dataset == "a5" and len(shard_rows(manifest, "eval", 0, 1)) == 2
