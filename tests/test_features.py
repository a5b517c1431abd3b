"""Tests for the audio front end and the sharded HDF5 log-mel caches (layer 2)."""

from __future__ import annotations

import json
import pickle
import subprocess
from pathlib import Path

import h5py
import numpy as np
import pandas as pd
import pytest
import soundfile as sf
import torch
import torchaudio
from conftest import run_module

from workflow_scripts.features.audio import (
    AudioError,
    check_audio,
    fix_length,
    load_audio,
    peak_dbfs,
    resample,
)
from workflow_scripts.features.cache import (
    CacheReader,
    QuarantineLimitError,
    build_shard,
    merge_shards,
    shard_rows,
)
from workflow_scripts.features.logmel import (
    FeatureParams,
    LogMelExtractor,
    file_to_logmel,
    prepare_wave,
    waveform_to_logmel,
)
from workflow_scripts.io.files import read_tsv, write_tsv

PARAMS = FeatureParams()
CONFIG_FEATURES = {
    "sample_rate": 16000,
    "n_mels": 80,
    "n_fft": 512,
    "win_length": 512,
    "hop_length": 160,
    "duration_s": 3.0,
    "trim": "start",
    "pad": "repeat",
    "min_duration_s": 0.25,
    "silence_dbfs": -60.0,
}


def tone(
    freq: float, sr: int, seconds: float, amp: float = 0.3, noise: float = 0.01, seed: int = 0
) -> np.ndarray:
    """A sine with a little noise (so no two files decode to the same feature)."""
    n = int(round(sr * seconds))
    rng = np.random.default_rng(seed)
    wave = amp * np.sin(2 * np.pi * freq * np.arange(n) / sr) + noise * rng.standard_normal(n)
    return wave.astype(np.float32)


def manifest(
    paths: list[Path], split: str = "train", labels: list[str] | None = None
) -> pd.DataFrame:
    """A manifest in the documented column order over ``paths``."""
    labels = labels or ["bonafide" if i % 2 == 0 else "spoof" for i in range(len(paths))]
    return pd.DataFrame(
        {
            "utt_id": [p.stem for p in paths],
            "dataset": "demo",
            "split": split,
            "label": labels,
            "attack": ["-" if lab == "bonafide" else f"A{i:02d}" for i, lab in enumerate(labels)],
            "speaker": "-",
            "path": [str(p) for p in paths],
        }
    )


@pytest.fixture(scope="module")
def good_files(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """Six good files: FLAC/WAV/OGG, 16/22.05/44.1 kHz, shorter and longer than 3 s, one stereo."""
    folder = tmp_path_factory.mktemp("good")
    specs = [
        ("g0.flac", 16000, 3.5, 1),
        ("g1.wav", 22050, 2.0, 1),
        ("g2.flac", 44100, 3.2, 2),
        ("g3.wav", 16000, 1.1, 1),
        ("g4.ogg", 16000, 3.0, 1),
        ("g5.wav", 16000, 4.0, 1),
    ]
    paths = []
    for i, (name, sr, seconds, channels) in enumerate(specs):
        wave = tone(300 + 150 * i, sr, seconds, seed=i)
        data = np.stack([wave, 0.5 * wave], axis=1) if channels == 2 else wave
        path = folder / name
        sf.write(path, data, sr)
        paths.append(path)
    return paths


def test_feature_params_defaults_and_from_dict() -> None:
    params = FeatureParams.from_dict(CONFIG_FEATURES)
    assert params == PARAMS
    assert (params.n_samples, params.n_mels, params.n_frames) == (48000, 80, 301)
    assert FeatureParams.from_dict(params.to_dict()) == params
    with pytest.raises(ValueError, match="unknown features key"):
        FeatureParams.from_dict({**CONFIG_FEATURES, "n_mel": 64})
    with pytest.raises(ValueError, match="trim"):
        FeatureParams.from_dict({**CONFIG_FEATURES, "trim": "end"})
    with pytest.raises(ValueError, match="win_length"):
        FeatureParams.from_dict({**CONFIG_FEATURES, "win_length": 1024})


def torchaudio_logmel(wave: np.ndarray) -> np.ndarray:
    """The paper's log-mel of ``wave`` straight from torchaudio: what the front end must equal."""
    mel = torchaudio.transforms.MelSpectrogram(
        sample_rate=16000,
        n_fft=512,
        win_length=512,
        hop_length=160,
        n_mels=80,
        center=True,
        power=2.0,
    )
    return torch.log(mel(torch.from_numpy(wave)) + 1e-6).numpy()


def test_logmel_matches_direct_torchaudio() -> None:
    wave = tone(440, 16000, 3.0, seed=3)
    reference = torchaudio_logmel(wave)
    assert reference.shape == (80, 301)
    np.testing.assert_allclose(waveform_to_logmel(wave, PARAMS), reference, rtol=1e-4, atol=1e-3)
    batch = LogMelExtractor(PARAMS)(torch.from_numpy(np.stack([wave, wave[::-1].copy()])))
    assert tuple(batch.shape) == (2, 80, 301)
    np.testing.assert_allclose(batch[0].numpy(), reference, rtol=1e-4, atol=1e-3)
    with pytest.raises(ValueError, match="shape"):
        LogMelExtractor(PARAMS)(torch.zeros(2, 1000))


@pytest.mark.parametrize("batch", [1, 3, 8])
def test_frame_major_logmel_is_bit_identical_to_melscale_path(batch: int) -> None:
    """The cache's bytes rest on this: the frame-major path must not change a single bit."""
    extractor = LogMelExtractor(PARAMS)
    waves = torch.from_numpy(
        np.stack([tone(200 + 97 * i, 16000, 3.0, seed=i) for i in range(batch)])
    )
    spec, mel_scale = extractor.mel.spectrogram, extractor.mel.mel_scale
    with torch.no_grad():
        stft = torchaudio.functional.spectrogram(
            waves,
            pad=spec.pad,
            window=spec.window,
            n_fft=spec.n_fft,
            hop_length=spec.hop_length,
            win_length=spec.win_length,
            power=None,
            normalized=spec.normalized,
        )
        old = mel_scale(stft.real.square() + stft.imag.square()).add_(1e-6).log_()
        new = extractor.frames_first(waves)
        assert tuple(new.shape) == (batch, 301, 80) and new.is_contiguous()
        assert torch.equal(new.transpose(-1, -2), old)
        assert torch.equal(extractor(waves), old)


def test_cached_features_equal_direct_computation(tmp_path: Path) -> None:
    path = tmp_path / "x.flac"
    sf.write(path, tone(523, 16000, 3.0, seed=7), 16000)
    decoded, _ = sf.read(path, dtype="float32")
    reference = torchaudio_logmel(decoded)
    build_shard(manifest([path]), tmp_path / "s.h5", tmp_path / "q.tsv", PARAMS, seed=0)
    with h5py.File(tmp_path / "s.h5", "r") as h5:
        stored = h5["features"]
        assert stored.dtype == np.float16 and stored.chunks == (1, 80, 301)
        cached = stored[0].astype(np.float32)
    # float16 keeps ~3 significant digits: |log-mel| <= ~15 gives errors below 0.01
    np.testing.assert_allclose(cached, reference, rtol=2e-3, atol=1e-2)
    np.testing.assert_allclose(file_to_logmel(path, PARAMS), reference, rtol=1e-4, atol=1e-3)


@pytest.mark.parametrize("source_sr", [22050, 44100])
def test_resampling_keeps_frequency(tmp_path: Path, source_sr: int) -> None:
    path = tmp_path / f"sine{source_sr}.wav"
    sf.write(path, tone(1000, source_sr, 3.0, noise=0.0), source_sr, subtype="FLOAT")
    wave = load_audio(path, 16000)
    assert wave.dtype == np.float32 and abs(len(wave) - 48000) <= 1
    native = tone(1000, 16000, 3.0, noise=0.0)
    resampled_peak = int(waveform_to_logmel(wave, PARAMS).mean(axis=1).argmax())
    native_peak = int(waveform_to_logmel(native, PARAMS).mean(axis=1).argmax())
    assert resampled_peak == native_peak
    spectrum = np.abs(np.fft.rfft(wave[:16000]))
    assert abs(int(spectrum.argmax()) - 1000) <= 1  # 1 s window: 1 Hz bins


@pytest.mark.parametrize("source_sr", [8000, 11025, 22050, 44100, 48000])
def test_resample_equals_torchaudio_transform(source_sr: int) -> None:
    for n in (1, 999, int(source_sr * 1.7)):
        wave = np.random.default_rng(n).standard_normal(n).astype(np.float32)
        expected = torchaudio.transforms.Resample(source_sr, 16000)(torch.from_numpy(wave)).numpy()
        got = resample(wave, source_sr, 16000)
        assert got.shape == expected.shape
        np.testing.assert_allclose(got, expected, atol=1e-5)


def test_stereo_is_averaged_to_mono(tmp_path: Path) -> None:
    left, right = tone(300, 16000, 1.0, seed=1), tone(700, 16000, 1.0, seed=2)
    path = tmp_path / "stereo.wav"
    sf.write(path, np.stack([left, right], axis=1), 16000, subtype="FLOAT")
    wave = load_audio(path, 16000)
    assert wave.ndim == 1
    np.testing.assert_allclose(wave, (left + right) / 2, atol=1e-6)


def test_fix_length_policies() -> None:
    wave = np.arange(10, dtype=np.float32)
    np.testing.assert_array_equal(fix_length(wave, 4, "start", "zero", "k", 0), [0, 1, 2, 3])
    np.testing.assert_array_equal(fix_length(wave, 4, "center", "zero", "k", 0), [3, 4, 5, 6])
    np.testing.assert_array_equal(
        fix_length(wave[:3], 7, "start", "repeat", "k", 0), [0, 1, 2, 0, 1, 2, 0]
    )
    np.testing.assert_array_equal(fix_length(wave[:3], 5, "start", "zero", "k", 0), [0, 1, 2, 0, 0])
    np.testing.assert_array_equal(fix_length(wave, 10, "random", "zero", "k", 0), wave)
    with pytest.raises(ValueError, match="trim"):
        fix_length(wave, 4, "end", "zero", "k", 0)  # type: ignore[arg-type]


def test_random_trim_is_deterministic_per_key_and_seed() -> None:
    wave = np.arange(1000, dtype=np.float32)

    def offset(key: str, seed: int) -> int:
        out = fix_length(wave, 100, "random", "repeat", key, seed)
        assert len(out) == 100 and np.array_equal(out, np.arange(out[0], out[0] + 100))
        return int(out[0])

    keys = [f"utt{i}" for i in range(20)]
    first = [offset(k, 1) for k in keys]
    assert first == [offset(k, 1) for k in keys]
    assert len(set(first)) > 10  # keys spread over the possible offsets
    assert first != [offset(k, 2) for k in keys]  # the seed matters
    assert all(0 <= o <= 900 for o in first)


def test_check_audio_rejects_short_and_silent() -> None:
    with pytest.raises(AudioError, match="too short"):
        check_audio(np.full(1000, 0.5, np.float32), 16000, 0.25, -60.0)
    with pytest.raises(AudioError, match="silent"):
        check_audio(np.full(16000, 1e-4, np.float32), 16000, 0.25, -60.0)  # peak -80 dBFS
    with pytest.raises(AudioError, match="silent"):
        check_audio(np.zeros(16000, np.float32), 16000, 0.25, -60.0)
    quiet_speech = np.zeros(16000, np.float32)
    quiet_speech[100:200] = 0.01  # peak -40 dBFS, RMS far lower: kept (peak criterion)
    check_audio(quiet_speech, 16000, 0.25, -60.0)
    negative = np.full(16000, 1e-4, np.float32)
    negative[5] = -0.5  # the peak is the largest magnitude, of either sign
    assert peak_dbfs(negative) == pytest.approx(20 * np.log10(0.5))
    check_audio(negative, 16000, 0.25, -60.0)


def test_bad_files_are_quarantined_with_reasons(tmp_path: Path, good_files: list[Path]) -> None:
    bad = {
        "junk": tmp_path / "junk.flac",
        "zerobytes": tmp_path / "zerobytes.wav",
        "empty": tmp_path / "empty.wav",
        "short": tmp_path / "short.wav",
        "silent": tmp_path / "silent.flac",
        "nan": tmp_path / "nan.wav",
        "inf": tmp_path / "inf.wav",
        "missing": tmp_path / "missing.wav",
    }
    bad["junk"].write_bytes(b"this is not audio " * 50)
    bad["zerobytes"].write_bytes(b"")
    sf.write(bad["empty"], np.zeros(0, np.float32), 16000)
    sf.write(bad["short"], tone(440, 16000, 0.1), 16000)
    sf.write(bad["silent"], np.zeros(32000, np.float32), 16000)
    nan_wave = tone(440, 16000, 1.0)
    nan_wave[100] = np.nan
    sf.write(bad["nan"], nan_wave, 16000, subtype="FLOAT")
    inf_wave = tone(440, 16000, 1.0)
    inf_wave[5] = np.inf
    sf.write(bad["inf"], inf_wave, 16000, subtype="FLOAT")

    paths = [good_files[0], *bad.values(), *good_files[1:]]
    summary = build_shard(manifest(paths), tmp_path / "s.h5", tmp_path / "q.tsv", PARAMS, seed=0)
    assert (summary.n_kept, summary.n_quarantined) == (len(good_files), len(bad))

    quarantine = read_tsv(tmp_path / "q.tsv")
    assert list(quarantine.columns) == ["utt_id", "path", "stage", "reason"]
    assert set(quarantine["stage"]) == {"features"}
    reasons = dict(zip(quarantine["utt_id"], quarantine["reason"], strict=True))
    expected = {
        "junk": "unreadable: Error opening",
        "zerobytes": "unreadable",
        "empty": "empty: 0 samples",
        "short": "too short",
        "silent": "silent",
        "nan": "non-finite",
        "inf": "non-finite",
        "missing": "unreadable: file not found",
    }
    assert set(reasons) == set(expected)
    for utt, fragment in expected.items():
        assert fragment in reasons[utt], (utt, reasons[utt])
    assert "Format not recognised" in reasons["junk"]  # the decoder's own message is kept

    with CacheReader(tmp_path / "s.h5") as cache:
        assert list(cache.utt_ids) == [
            p.stem for p in good_files
        ]  # manifest order, bad rows removed
        assert cache.attrs["n_quarantined"] == len(bad)
        features = cache.load_all()
    assert features.shape == (len(good_files), 80, 301)
    assert np.isfinite(features).all()


def test_cache_layout_and_attributes(tmp_path: Path, good_files: list[Path]) -> None:
    rows = manifest(good_files[:3], split="dev")
    build_shard(rows, tmp_path / "s.h5", tmp_path / "q.tsv", PARAMS, seed=0)
    with h5py.File(tmp_path / "s.h5", "r") as h5:
        assert h5["label"].dtype == np.int8
        assert list(h5["label"][()]) == [1, 0, 1]
        assert h5["utt_id"].dtype.kind == "O" and h5.get("utt_id").asstr()[0] == "g0"
        assert list(h5["attack"].asstr()[()]) == ["-", "A01", "-"]
    with CacheReader(tmp_path / "s.h5") as cache:
        attrs = cache.attrs
    assert {
        k: attrs[k]
        for k in ("sample_rate", "n_mels", "n_fft", "win_length", "hop_length", "n_frames")
    } == {
        "sample_rate": 16000,
        "n_mels": 80,
        "n_fft": 512,
        "win_length": 512,
        "hop_length": 160,
        "n_frames": 301,
    }
    assert (attrs["duration_s"], attrs["trim"], attrs["pad"], attrs["log_offset"]) == (
        3.0,
        "start",
        "repeat",
        1e-6,
    )
    assert (attrs["dataset"], attrs["split"], attrs["n_quarantined"], attrs["version"]) == (
        "demo",
        "dev",
        0,
        1,
    )
    assert not list(tmp_path.glob(".*tmp*"))  # atomic writes leave no temporaries


def test_empty_shard_is_a_valid_cache(tmp_path: Path) -> None:
    empty = manifest([]).astype(str)
    summary = build_shard(
        empty, tmp_path / "e.h5", tmp_path / "e.tsv", PARAMS, seed=0, dataset="demo", split="eval"
    )
    assert summary.n_kept == 0
    with CacheReader(tmp_path / "e.h5") as cache:
        assert len(cache) == 0 and cache.load_all().shape == (0, 80, 301)
        assert cache.labels.dtype == np.int8 and cache.read([]).shape == (0, 80, 301)
        assert cache.attrs["split"] == "eval"
    assert read_tsv(tmp_path / "e.tsv").empty


@pytest.mark.parametrize("n_rows", [0, 1, 5, 7])
@pytest.mark.parametrize("n_shards", [1, 2, 3, 8])
def test_shard_rows_partitions_split(n_rows: int, n_shards: int) -> None:
    table = pd.DataFrame(
        {
            "utt_id": [f"u{i}" for i in range(2 * n_rows + 3)],
            "split": ["train", "dev"] * n_rows + ["eval"] * 3,
        }
    )
    shards = [shard_rows(table, "train", i, n_shards) for i in range(n_shards)]
    joined = pd.concat(shards, ignore_index=True)
    assert list(joined["utt_id"]) == [f"u{2 * i}" for i in range(n_rows)]
    sizes = [len(s) for s in shards]
    assert max(sizes) - min(sizes) <= 1
    assert all(list(s.index) == list(range(len(s))) for s in shards)
    with pytest.raises(ValueError):
        shard_rows(table, "train", n_shards, n_shards)


def test_merge_equals_single_shard_build(tmp_path: Path, good_files: list[Path]) -> None:
    broken = tmp_path / "broken.wav"
    broken.write_bytes(b"RIFF....junk")
    rows = manifest([*good_files, broken])
    build_shard(rows, tmp_path / "all.h5", tmp_path / "all.tsv", PARAMS, seed=5)
    n_shards = 4
    shard_paths, quarantine_paths = [], []
    for i in range(n_shards):
        part = shard_rows(rows, "train", i, n_shards)
        shard_paths.append(tmp_path / f"shard{i}.h5")
        quarantine_paths.append(tmp_path / f"shard{i}.tsv")
        build_shard(
            part,
            shard_paths[-1],
            quarantine_paths[-1],
            PARAMS,
            seed=5,
            batch_size=2,
            dataset="demo",
            split="train",
        )
    summary = merge_shards(
        shard_paths,
        quarantine_paths,
        tmp_path / "merged.h5",
        tmp_path / "merged.tsv",
        max_quarantine_fraction=0.5,
    )
    assert (summary.n_kept, summary.n_quarantined) == (len(good_files), 1)
    with CacheReader(tmp_path / "all.h5") as single, CacheReader(tmp_path / "merged.h5") as merged:
        np.testing.assert_array_equal(merged.features[()], single.features[()])
        assert list(merged.utt_ids) == list(single.utt_ids)
        np.testing.assert_array_equal(merged.labels, single.labels)
        assert list(merged.attacks) == list(single.attacks)
        assert merged.attrs == single.attrs
        assert merged.features.chunks == (1, 80, 301)
    pd.testing.assert_frame_equal(read_tsv(tmp_path / "merged.tsv"), read_tsv(tmp_path / "all.tsv"))


def test_merge_rejects_shards_with_different_parameters(
    tmp_path: Path, good_files: list[Path]
) -> None:
    rows = manifest(good_files[:2])
    build_shard(rows.iloc[:1], tmp_path / "a.h5", tmp_path / "a.tsv", PARAMS, seed=0)
    other = FeatureParams.from_dict({**CONFIG_FEATURES, "trim": "center"})
    build_shard(rows.iloc[1:], tmp_path / "b.h5", tmp_path / "b.tsv", other, seed=0)
    with pytest.raises(ValueError, match="trim"):
        merge_shards(
            [tmp_path / "a.h5", tmp_path / "b.h5"],
            [tmp_path / "a.tsv", tmp_path / "b.tsv"],
            tmp_path / "m.h5",
            tmp_path / "m.tsv",
            max_quarantine_fraction=0.5,
        )
    assert not (tmp_path / "m.h5").exists()


def test_quarantine_limit_exceeded_writes_list_but_no_cache(
    tmp_path: Path, good_files: list[Path]
) -> None:
    junk = [tmp_path / f"junk{i}.wav" for i in range(2)]
    for path in junk:
        path.write_bytes(b"\x00" * 64)
    rows = manifest([*good_files[:3], *junk])
    build_shard(rows, tmp_path / "s.h5", tmp_path / "s.tsv", PARAMS, seed=0)
    out = tmp_path / "train.h5"
    with pytest.raises(QuarantineLimitError) as info:
        merge_shards(
            [tmp_path / "s.h5"],
            [tmp_path / "s.tsv"],
            out,
            tmp_path / "train.quarantine.tsv",
            max_quarantine_fraction=0.05,
        )
    assert str(out) in str(info.value) and "40.0%" in str(info.value)
    assert not out.exists()
    assert len(read_tsv(tmp_path / "train.quarantine.tsv")) == 2
    merge_shards(
        [tmp_path / "s.h5"],
        [tmp_path / "s.tsv"],
        out,
        tmp_path / "train.quarantine.tsv",
        max_quarantine_fraction=0.4,
    )  # exactly at the limit is allowed
    assert out.exists()


def test_cache_reader_reads_unsorted_and_repeated_indices(
    tmp_path: Path, good_files: list[Path]
) -> None:
    build_shard(manifest(good_files), tmp_path / "s.h5", tmp_path / "q.tsv", PARAMS, seed=0)
    with CacheReader(tmp_path / "s.h5") as cache:
        full = cache.load_all()
        assert full.dtype == np.float32 and len(cache) == len(good_files)
        assert not np.array_equal(full[0], full[1])
        for indices in ([4, 0, 2], [3, 3, 1, 3], [5, 0], [2], np.array([1, 0, 1, 5, 4])):
            got = cache.read(indices)
            assert got.dtype == np.float32
            np.testing.assert_array_equal(got, full[np.asarray(indices)])
        with pytest.raises(IndexError):
            cache.read([0, len(good_files)])
        with pytest.raises(IndexError):
            cache.read([-1])
        with pickle.loads(pickle.dumps(cache)) as copy:  # e.g. into DataLoader workers
            np.testing.assert_array_equal(copy.read([2, 0]), full[[2, 0]])
    with pytest.raises(FileNotFoundError):
        CacheReader(tmp_path / "nope.h5")


def test_builds_are_deterministic(tmp_path: Path, good_files: list[Path]) -> None:
    params = FeatureParams.from_dict({**CONFIG_FEATURES, "trim": "random"})
    rows = manifest(good_files)
    arrays = []
    for name, seed in (("a", 11), ("b", 11), ("c", 12)):
        build_shard(
            rows, tmp_path / f"{name}.h5", tmp_path / f"{name}.tsv", params, seed=seed, workers=2
        )
        with CacheReader(tmp_path / f"{name}.h5") as cache:
            arrays.append(cache.load_all())
    np.testing.assert_array_equal(arrays[0], arrays[1])
    assert not np.array_equal(arrays[0], arrays[2])  # random trim depends on the seed


def test_cli_end_to_end(tmp_path: Path, good_files: list[Path]) -> None:
    rows = pd.concat(
        [manifest(good_files[:4], split="train"), manifest(good_files[4:], split="dev")]
    )
    write_tsv(rows, tmp_path / "demo.tsv")

    def make_cache(
        shard: int, n_shards: int, features: str, out: Path, *extra: str
    ) -> subprocess.CompletedProcess[str]:
        """``make_cache`` of a shard of demo.tsv's train rows, the quarantine next to ``out``."""
        return run_module(
            "make_cache",
            *("--manifest", str(tmp_path / "demo.tsv"), "--split", "train", "--seed", "3"),
            *("--shard", str(shard), "--n-shards", str(n_shards), "--features-json", features),
            *extra,
            *("--out", str(out), "--quarantine-out", str(out.with_suffix(".quarantine.tsv"))),
            cwd=tmp_path,
        )

    shards = [tmp_path / f"shard{shard}.h5" for shard in range(2)]
    for shard, out in enumerate(shards):
        built = make_cache(shard, 2, json.dumps(CONFIG_FEATURES), out, "--threads", "1")
        assert built.returncode == 0, built.stderr
    result = run_module(
        "merge_cache",
        *("--shards", *map(str, shards)),
        *("--quarantine", *(str(s.with_suffix(".quarantine.tsv")) for s in shards)),
        *("--max-quarantine-fraction", "0.05", "--out", str(tmp_path / "train.h5")),
        *("--quarantine-out", str(tmp_path / "train.quarantine.tsv")),
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    with CacheReader(tmp_path / "train.h5") as cache:
        assert list(cache.utt_ids) == ["g0", "g1", "g2", "g3"]
        assert cache.attrs["split"] == "train" and cache.attrs["dataset"] == "demo"
        assert np.isfinite(cache.load_all()).all()
    bad = make_cache(0, 1, '{"n_mel": 80}', tmp_path / "x.h5")
    assert bad.returncode != 0 and "unknown features key" in bad.stderr
    assert not (tmp_path / "x.h5").exists()


@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_cuda_extraction_matches_cpu(tmp_path: Path, good_files: list[Path]) -> None:
    waves = torch.from_numpy(np.stack([tone(200 + 100 * i, 16000, 3.0, seed=i) for i in range(4)]))
    cpu = LogMelExtractor(PARAMS)(waves)
    gpu = LogMelExtractor(PARAMS).to("cuda")(waves.to("cuda")).cpu()
    torch.testing.assert_close(gpu, cpu, rtol=1e-3, atol=1e-2)
    rows = manifest(good_files)
    build_shard(rows, tmp_path / "cpu.h5", tmp_path / "cpu.tsv", PARAMS, seed=0)
    build_shard(rows, tmp_path / "gpu.h5", tmp_path / "gpu.tsv", PARAMS, seed=0, device="cuda")
    with CacheReader(tmp_path / "cpu.h5") as a, CacheReader(tmp_path / "gpu.h5") as b:
        np.testing.assert_allclose(b.load_all(), a.load_all(), rtol=2e-3, atol=2e-2)
        assert list(a.utt_ids) == list(b.utt_ids)


def test_leading_window_decode_matches_full_decode(tmp_path: Path) -> None:
    """trim=start decodes only the first 3 s (+ margin); the feature must equal a full decode's."""
    rng = np.random.default_rng(3)
    for sr in (16000, 22050, 44100):
        wave = (
            0.3 * np.sin(2 * np.pi * 300 * np.arange(int(5.5 * sr)) / sr)
            + 0.05 * rng.standard_normal(int(5.5 * sr))
        ).astype(np.float32)
        path = tmp_path / f"long_{sr}.wav"
        sf.write(path, wave, sr, subtype="FLOAT")
        params = FeatureParams()
        windowed = prepare_wave(path, params, key="k", seed=0)
        full = fix_length(
            load_audio(path, params.sample_rate), params.n_samples, "start", "repeat", "k", 0
        )
        assert windowed.shape == full.shape == (params.n_samples,)
        np.testing.assert_allclose(windowed, full, atol=2e-5)


def test_too_short_is_judged_on_the_whole_file_before_decoding(tmp_path: Path) -> None:
    path = tmp_path / "short.wav"
    sf.write(path, np.full(800, 0.5, dtype=np.float32), 16000)  # 0.05 s
    with pytest.raises(AudioError, match="too short"):
        prepare_wave(path, FeatureParams(), key="s", seed=0)
