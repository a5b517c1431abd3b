"""Tests of the synthetic demo corpora: layouts, formats, determinism, acoustics."""

from __future__ import annotations

import csv
import hashlib
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from workflow_scripts.demo import attacks, channels
from workflow_scripts.demo.attacks import ALGORITHMS, ASVSPOOF_ATTACKS, WILD_ONLY
from workflow_scripts.demo.corpora import (
    DEFAULT_VOCODERS,
    ljspeech_id,
    read_duplicates,
    write_demo_corpus,
)
from workflow_scripts.demo.speech import plan_utterance, render, rng_for, sample_speaker
from workflow_scripts.make_demo import main as make_demo_main


def split_sizes(
    train: tuple[int, int], dev: tuple[int, int], eval_: tuple[int, int], **more: int
) -> dict[str, object]:
    """Demo sizes ``{split: {"bonafide": b, "spoof": s}}`` from ``(b, s)`` per split, plus
    ``more`` (``n_speakers``, ``ljspeech_duplicates``)."""
    counts = {"train": train, "dev": dev, "eval": eval_}
    return {**{k: {"bonafide": b, "spoof": s} for k, (b, s) in counts.items()}, **more}


SEED = 1234
DURATION = (1.0, 1.5)
ASV_SIZES = split_sizes((2, 18), (1, 6), (2, 13), n_speakers=2)
FOR_SIZES = split_sizes((3, 2), (1, 1), (2, 1), ljspeech_duplicates=3)
WF_SIZES = {"n_utterances": 4}
ITW_SIZES = {"bonafide": 3, "spoof": 4}
PROTOCOLS = {
    "train": "ASVspoof2019.LA.cm.train.trn.txt",
    "dev": "ASVspoof2019.LA.cm.dev.trl.txt",
    "eval": "ASVspoof2019.LA.cm.eval.trl.txt",
}


def _tree_digest(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def _check_audio(path: Path, sr: int, fmt: str, duration: tuple[float, float]) -> np.ndarray:
    info = sf.info(str(path))
    assert (info.samplerate, info.channels, info.format, info.subtype) == (sr, 1, fmt, "PCM_16"), (
        path
    )
    x, _ = sf.read(str(path), dtype="float64")
    assert duration[0] - 1e-3 <= x.shape[0] / sr <= duration[1] + 1e-3, path
    assert np.all(np.isfinite(x)) and np.max(np.abs(x)) <= 1.0
    assert np.sqrt(np.mean(x**2)) > 1e-3, f"{path} is silent"
    return x


@pytest.fixture(scope="module")
def corpora(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("demo")
    write_demo_corpus("asvspoof2019_la", base / "asv", ASV_SIZES, seed=SEED, duration_s=DURATION)
    write_demo_corpus("for", base / "for", FOR_SIZES, seed=SEED, duration_s=DURATION)
    write_demo_corpus("wavefake", base / "wf", WF_SIZES, seed=SEED, duration_s=DURATION)
    write_demo_corpus("in_the_wild", base / "itw", ITW_SIZES, seed=SEED, duration_s=DURATION)
    return base


def _read_protocol(root: Path, split: str) -> list[list[str]]:
    text = (root / "LA/ASVspoof2019_LA_cm_protocols" / PROTOCOLS[split]).read_text()
    assert text.endswith("\n")
    return [line.split(" ") for line in text.splitlines()]


def test_asvspoof_layout_protocols_and_audio(corpora: Path) -> None:
    root = corpora / "asv"
    speakers = {}
    for split, letter in (("train", "T"), ("dev", "D"), ("eval", "E")):
        rows = _read_protocol(root, split)
        flac_dir = root / f"LA/ASVspoof2019_LA_{split}/flac"
        assert sorted(p.name for p in flac_dir.iterdir()) == sorted(f"{r[1]}.flac" for r in rows)
        for spk, file_id, dash, attack, key in rows:
            assert re.fullmatch(r"LA_\d{4}", spk) and re.fullmatch(rf"LA_{letter}_\d{{7}}", file_id)
            assert dash == "-" and key in ("bonafide", "spoof")
            assert (attack == "-") == (key == "bonafide")
            _check_audio(flac_dir / f"{file_id}.flac", 16000, "FLAC", DURATION)
        keys = [r[4] for r in rows]
        assert (keys.count("bonafide"), keys.count("spoof")) == (
            ASV_SIZES[split]["bonafide"],
            ASV_SIZES[split]["spoof"],
        )
        assert len({r[1] for r in rows}) == len(rows)
        speakers[split] = {r[0] for r in rows}
        attacks_used = {r[3] for r in rows} - {"-"}
        expected = {f"A{i:02d}" for i in (range(1, 7) if split != "eval" else range(7, 20))}
        assert attacks_used == expected
    assert not speakers["train"] & speakers["dev"] and not speakers["train"] & speakers["eval"]
    assert not speakers["dev"] & speakers["eval"]
    train_keys = [r[4] for r in _read_protocol(root, "train")]
    assert train_keys.count("spoof") == 9 * train_keys.count(
        "bonafide"
    )  # the real 1:9 ratio, as sized
    readme = (root / "DEMO_CORPUS.txt").read_text()
    assert "SYNTHETIC" in readme and f'"seed": {SEED}' in readme


def test_for_layout_and_planted_duplicates(corpora: Path) -> None:
    root = corpora / "for"
    folders = {"train": "training", "dev": "validation", "eval": "testing"}
    dups = read_duplicates(root)
    planted = {rel for rel, _ in dups}
    for split, folder in folders.items():
        for label, sub in (("bonafide", "real"), ("spoof", "fake")):
            files = sorted((root / "for-norm" / folder / sub).iterdir())
            assert len(files) == FOR_SIZES[split][label]
            for f in files:
                assert re.fullmatch(
                    r"file\d+(\.mp3)?\.wav_16k\.wav_norm\.wav_mono\.wav_silence\.wav", f.name
                )
                assert (".mp3" in f.name) == (sub == "fake")
                # planted copies carry up to 0.5 s of added leading silence and MP3 codec
                # delay/padding
                extra = 0.6 if f"for-norm/{folder}/{sub}/{f.name}" in planted else 0.0
                _check_audio(f, 16000, "WAV", (DURATION[0], DURATION[1] + extra))
    assert sorted(p.name for p in root.iterdir()) == [
        "DEMO_CORPUS.txt",
        "demo_duplicates.tsv",
        "for-norm",
    ]
    assert len(dups) == FOR_SIZES["ljspeech_duplicates"]
    assert len({lj for _, lj in dups}) == len(dups)
    for rel, lj in dups:
        assert (
            re.fullmatch(r"for-norm/(training|validation|testing)/real/.+\.wav", rel)
            and (root / rel).is_file()
        )
        assert re.fullmatch(r"LJ0\d\d-\d{4}", lj)


def test_for_planted_copies_are_deterministic(corpora: Path, tmp_path: Path) -> None:
    """The MP3 round trips, offsets and gains of the planted copies are the same on every run."""
    write_demo_corpus("for", tmp_path / "for", FOR_SIZES, seed=SEED, duration_s=DURATION)
    assert _tree_digest(tmp_path / "for") == _tree_digest(corpora / "for")


def test_for_2sec_variant_has_two_second_clips(tmp_path: Path) -> None:
    sizes = split_sizes((1, 1), (1, 0), (0, 1), ljspeech_duplicates=1)
    write_demo_corpus(
        "for", tmp_path / "f2", sizes, seed=SEED, duration_s=(2.5, 3.0), variant="for-2sec"
    )
    files = sorted((tmp_path / "f2" / "for-2sec").rglob("*.wav"))
    assert len(files) == 4
    for f in files:
        assert f.name.endswith("_2sec.wav")
        _check_audio(f, 16000, "WAV", (2.0, 2.0))


def test_wavefake_layout(corpora: Path) -> None:
    root = corpora / "wf"
    ids = [ljspeech_id(i) for i in range(WF_SIZES["n_utterances"])]
    meta = (root / "LJSpeech-1.1/metadata.csv").read_text().splitlines()
    assert [line.split("|")[0] for line in meta] == ids and all(
        len(line.split("|")) == 3 for line in meta
    )
    assert sorted(p.name for p in (root / "LJSpeech-1.1/wavs").iterdir()) == sorted(
        f"{i}.wav" for i in ids
    )
    for lj in ids:
        assert re.fullmatch(r"LJ0\d\d-\d{4}", lj)
        _check_audio(root / f"LJSpeech-1.1/wavs/{lj}.wav", 22050, "WAV", DURATION)
    assert sorted(p.name for p in (root / "generated_audio").iterdir()) == sorted(DEFAULT_VOCODERS)
    suffixes = set()
    for folder in DEFAULT_VOCODERS:
        names = sorted(p.name for p in (root / "generated_audio" / folder).iterdir())
        suffix = names[0][len(ids[0]) if names[0].startswith(ids[0]) else 10 : -4]
        suffixes.add(suffix)
        assert names == sorted(f"{lj}{suffix}.wav" for lj in ids)
        for name in names:
            _check_audio(root / "generated_audio" / folder / name, 22050, "WAV", DURATION)
    assert suffixes == {"_gen", "_generated", ""}
    assert attacks.wavefake_vocoder("some_new_vocoder") == attacks.wavefake_vocoder(
        "some_new_vocoder"
    )


def test_in_the_wild_layout(corpora: Path) -> None:
    root = corpora / "itw" / "release_in_the_wild"
    with (root / "meta.csv").open(newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["file", "speaker", "label"]
    labels = [r[2] for r in rows[1:]]
    assert (
        labels.count("bona-fide") == ITW_SIZES["bonafide"]
        and labels.count("spoof") == ITW_SIZES["spoof"]
    )
    assert sorted(p.name for p in root.iterdir()) == sorted(["meta.csv"] + [r[0] for r in rows[1:]])
    for name, speaker, _ in rows[1:]:
        assert re.fullmatch(r"\d+\.wav", name) and speaker
        _check_audio(root / name, 16000, "WAV", DURATION)


def test_deterministic_across_processes_and_seed_sensitive(corpora: Path, tmp_path: Path) -> None:
    import json

    cmd = [
        sys.executable,
        "-m",
        "workflow_scripts.make_demo",
        "--format",
        "asvspoof2019_la",
        "--out",
        str(tmp_path / "again"),
    ]
    cmd += [
        "--seed",
        str(SEED),
        "--sizes-json",
        json.dumps(ASV_SIZES),
        "--duration",
        *map(str, DURATION),
        "--no-progress",
    ]
    subprocess.run(cmd, check=True, cwd=Path(__file__).resolve().parents[1])
    assert _tree_digest(tmp_path / "again") == _tree_digest(corpora / "asv")
    write_demo_corpus(
        "in_the_wild", tmp_path / "itw_other", ITW_SIZES, seed=SEED + 1, duration_s=DURATION
    )
    a = _tree_digest(corpora / "itw" / "release_in_the_wild")
    b = _tree_digest(tmp_path / "itw_other" / "release_in_the_wild")
    differing = [k for k in a if k.endswith(".wav") and a[k] != b.get(k)]
    assert len(differing) == sum(k.endswith(".wav") for k in a)


def _norm_corr(a: np.ndarray, b: np.ndarray) -> float:
    n = min(a.shape[0], b.shape[0])
    a, b = a[:n] - a[:n].mean(), b[:n] - b[:n].mean()
    return float(np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b)))


def _aligned_corr(a: np.ndarray, b: np.ndarray, max_lag: int) -> tuple[int, float]:
    """Delay of ``b`` inside ``a`` (0..max_lag samples, by cross-correlation) and the
    correlation there."""
    n = a.shape[0] + b.shape[0]
    xcorr = np.fft.irfft(np.fft.rfft(a, n) * np.conj(np.fft.rfft(b, n)), n)
    lag = int(np.argmax(xcorr[: max_lag + 1]))
    return lag, _norm_corr(a[lag:], b)


def test_planted_duplicates_are_the_ljspeech_recordings(corpora: Path) -> None:
    lj_dir = corpora / "wf" / "LJSpeech-1.1" / "wavs"
    dups = read_duplicates(corpora / "for")
    max_lag = int(0.7 * 22050)  # added leading silence (<= 0.5 s) + MP3 encoder delay
    lags = []
    for rel, lj in dups:
        dup, sr = sf.read(str(corpora / "for" / rel))
        assert sr == 16000
        original, _ = sf.read(str(lj_dir / f"{lj}.wav"))
        back = channels.resample(dup, 16000, 22050)
        lag, corr = _aligned_corr(back, original, max_lag)
        assert corr > 0.98
        lags.append(lag)
        other = next(i for _, i in dups if i != lj)
        other_audio, _ = sf.read(str(lj_dir / f"{other}.wav"))
        assert abs(_aligned_corr(back, other_audio, max_lag)[1]) < 0.3
    assert len(set(lags)) == len(lags) and max(lags) > 0  # each copy has its own offset
    # the non-duplicate real files are not LJSpeech recordings
    plain = [
        p
        for p in (corpora / "for" / "for-norm" / "training" / "real").iterdir()
        if f"for-norm/training/real/{p.name}" not in dict(dups)
    ]
    assert plain
    x, _ = sf.read(str(plain[0]))
    back = channels.resample(x, 16000, 22050)
    assert max(abs(_norm_corr(back, sf.read(str(p))[0])) for p in lj_dir.iterdir()) < 0.3


def _periodicity(x: np.ndarray, sr: int) -> float:
    """Median normalised autocorrelation peak (2.5-12.5 ms lags) over the loudest 40 ms frames."""
    win = int(0.04 * sr)
    frames = np.lib.stride_tricks.sliding_window_view(x, win)[:: win // 2]
    loud = frames[np.argsort(np.sum(frames**2, axis=1))[-len(frames) // 4 :]]
    peaks = []
    for f in loud:
        f = f - f.mean()
        ac = np.correlate(f, f, "full")[win - 1 :]
        peaks.append(ac[int(0.0025 * sr) : int(0.0125 * sr)].max() / ac[0])
    return float(np.median(peaks))


def test_bonafide_is_harmonic_speech_not_noise(corpora: Path) -> None:
    rows = _read_protocol(corpora / "asv", "train")
    for _spk, file_id, _, _attack, key in rows:
        if key == "bonafide":
            x, sr = sf.read(str(corpora / "asv" / f"LA/ASVspoof2019_LA_train/flac/{file_id}.flac"))
            assert _periodicity(x, sr) > 0.6
            # speech has pauses/consonants: frame energies vary over > 20 dB
            e = np.sum(np.lib.stride_tricks.sliding_window_view(x, 320)[::160] ** 2, axis=1) + 1e-12
            assert 10 * np.log10(np.percentile(e, 95) / np.percentile(e, 10)) > 20
    noise = np.random.default_rng(0).standard_normal(16000)
    assert _periodicity(noise, 16000) < 0.3


@pytest.fixture(scope="module")
def clean_utterance() -> tuple[np.ndarray, object, int]:
    sr = 16000
    speaker = sample_speaker(rng_for(5, "spk"), "s", sex="m")
    plan = plan_utterance(speaker, 2.0, rng_for(5, "plan"))
    x = channels.record(
        render(plan, speaker, sr, rng_for(5, "render")), sr, "vctk_studio", rng_for(5, "rec")
    )
    return x, plan, sr


def _log_spec(x: np.ndarray) -> np.ndarray:
    return 20 * np.log10(np.abs(attacks.stft(x)) + 1e-9)


def test_attacks_change_spectral_statistics(
    clean_utterance: tuple[np.ndarray, object, int],
) -> None:
    x, plan, sr = clean_utterance
    rng = np.random.default_rng(0)

    # codec holes: many more bins far below each frame's peak
    def holes(y: np.ndarray) -> float:
        s = _log_spec(y)
        return float(np.mean(s < s.max(axis=1, keepdims=True) - 100))

    assert holes(attacks.codec_holes(x, sr, rng, 0.8, plan)) > holes(x) + 0.2

    # mu-law quantisation: signal-dependent white noise fills the 6-8 kHz band of loud voiced frames
    def valley_db(y: np.ndarray) -> float:
        p = np.abs(attacks.stft(y)) ** 2
        loud = p.sum(axis=1) > np.percentile(p.sum(axis=1), 75)
        return float(np.median(10 * np.log10(p[loud, 192:].sum(axis=1) / p[loud].sum(axis=1))))

    assert valley_db(attacks.mulaw_quantise(x, sr, rng, 0.8, plan)) > valley_db(x) + 3

    # half-rate synthesis with imaging: 4-8 kHz band mirrors 0-4 kHz, raising its share of energy
    def high_share(y: np.ndarray) -> float:
        p = np.abs(attacks.stft(y)) ** 2
        return float(p[:, p.shape[1] // 2 :].sum() / p.sum())

    assert high_share(attacks.bandlimit_imaging(x, sr, rng, 0.8, plan)) > 3 * high_share(x)

    # checkerboard: a tonal line at sr / period (bin 64 for period 8 at n_fft 512) stands out of the
    # attacked-to-clean spectrum ratio
    def mean_spec(y: np.ndarray) -> np.ndarray:
        return np.mean(np.abs(attacks.stft(y)) ** 2, axis=0)

    ratio = 10 * np.log10(
        mean_spec(attacks.frame_checkerboard(x, sr, rng, 0.8, plan, period=8)) / mean_spec(x)
    )
    assert ratio[64] - np.median(ratio[40:90]) > 4


def test_render_stage_and_plan_attacks_are_visible_in_the_spectrogram(
    clean_utterance: tuple[np.ndarray, object, int],
) -> None:
    _, plan, sr = clean_utterance
    speaker = sample_speaker(rng_for(5, "spk"), "s", sex="m")

    def spoof(*names: str) -> np.ndarray:
        return attacks.synthesize_spoof(
            attacks.recipe(*names), plan, speaker, sr, rng_for(5, "t"), lambda v: v
        )

    def band_db(y: np.ndarray, lo: int, hi: int) -> np.ndarray:
        p = np.abs(attacks.stft(y)) ** 2
        loud = p.sum(axis=1) > np.percentile(p.sum(axis=1), 50)
        return 10 * np.log10(p[loud, lo:hi].sum(axis=1) / p[loud].sum(axis=1))

    clean = spoof()
    # unit selection alternates between a full-band and a band-limited "database" every 40-120 ms:
    # the 6.5-8 kHz share of loud frames swings far more than in one continuous rendering
    assert (
        np.std(band_db(spoof("unit_concatenation"), 208, 257))
        > np.std(band_db(clean, 208, 257)) + 3
    )

    def share_db(y: np.ndarray, lo: int) -> float:
        p = np.abs(attacks.stft(y)) ** 2
        return float(10 * np.log10(p[:, lo:].sum() / p.sum()))

    # over-smoothed parametric synthesis loses the upper band (>= 12 dB roll-off towards Nyquist)
    assert share_db(spoof("oversmoothed_params"), 160) < share_db(clean, 160) - 6
    # bare-impulse excitation has a flat source spectrum: more energy above 2 kHz than a
    # glottal pulse
    assert share_db(spoof("buzzy_excitation"), 64) > share_db(clean, 64) + 3


def test_every_algorithm_runs_and_keeps_length(
    clean_utterance: tuple[np.ndarray, object, int],
) -> None:
    x, plan, sr = clean_utterance
    speaker = sample_speaker(rng_for(5, "spk"), "s", sex="m")
    for name in ALGORITHMS:
        y = attacks.synthesize_spoof(
            attacks.recipe(name), plan, speaker, sr, rng_for(5, name), lambda v: v
        )
        assert y.shape == x.shape and np.all(np.isfinite(y)), name
        assert _norm_corr(y, x) < 0.999, f"{name} left the audio unchanged"


def test_attack_registry_mapping() -> None:
    assert len(ALGORITHMS) >= 10
    train = {ASVSPOOF_ATTACKS[a] for a in attacks.ASVSPOOF_TRAIN_IDS}
    assert len(train) == 6
    assert (
        ASVSPOOF_ATTACKS["A16"] == ASVSPOOF_ATTACKS["A04"]
        and ASVSPOOF_ATTACKS["A19"] == ASVSPOOF_ATTACKS["A06"]
    )
    for a in attacks.ASVSPOOF_EVAL_IDS:
        if a not in ("A16", "A19"):
            assert ASVSPOOF_ATTACKS[a] not in train, a
    others = (
        list(ASVSPOOF_ATTACKS.values())
        + list(attacks.FOR_RECIPES)
        + [r for r, _ in attacks.WAVEFAKE_VOCODERS.values()]
    )
    others += list(attacks.WAVEFAKE_FALLBACK)
    assert not {n for r in others for n in r.names} & WILD_ONLY
    assert all(set(r.names) <= WILD_ONLY for r in attacks.ITW_RECIPES)
    with pytest.raises(ValueError, match="plan -> render"):
        attacks.recipe("griffin_lim", "flat_pitch")


def test_bad_input_and_no_partial_output(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown keys"):
        write_demo_corpus(
            "in_the_wild",
            tmp_path / "x",
            {"bonafide": 1, "spoof": 1, "typo": 2},
            seed=1,
            duration_s=DURATION,
        )
    with pytest.raises(ValueError, match="non-negative integer"):
        write_demo_corpus(
            "in_the_wild", tmp_path / "x", {"bonafide": -1, "spoof": 1}, seed=1, duration_s=DURATION
        )
    with pytest.raises(ValueError, match="format"):
        write_demo_corpus("vctk", tmp_path / "x", {}, seed=1, duration_s=DURATION)
    with pytest.raises(ValueError, match="seed"):
        write_demo_corpus("in_the_wild", tmp_path / "x", ITW_SIZES, seed=-3, duration_s=DURATION)
    assert not any(tmp_path.iterdir())
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "keep.txt").write_text("x")
    with pytest.raises(FileExistsError, match="full"):
        write_demo_corpus("in_the_wild", tmp_path / "full", ITW_SIZES, seed=1, duration_s=DURATION)
    assert (
        make_demo_main(
            [
                "--format",
                "for",
                "--out",
                str(tmp_path / "y"),
                "--seed",
                "1",
                "--sizes-json",
                "{oops",
            ]
        )
        == 2
    )
    assert not (tmp_path / "y").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["full"]


def test_failed_build_leaves_no_root(tmp_path: Path) -> None:
    from workflow_scripts.demo.corpora import _atomic_dir

    root = tmp_path / "corpus"
    with pytest.raises(RuntimeError, match="killed"):
        with _atomic_dir(root) as tmp:
            (tmp / "half.wav").write_bytes(b"x")
            raise RuntimeError("killed half-way")
    assert list(tmp_path.iterdir()) == []


def test_for_original_rates_and_custom_vocoders(tmp_path: Path) -> None:
    sizes = split_sizes((2, 2), (0, 0), (0, 0), ljspeech_duplicates=1)
    write_demo_corpus(
        "for", tmp_path / "fo", sizes, seed=3, duration_s=DURATION, variant="for-original"
    )
    ((rel, lj),) = read_duplicates(tmp_path / "fo")
    assert (
        rel.startswith("for-original/training/real/")
        and sf.info(str(tmp_path / "fo" / rel)).samplerate == 22050
    )
    rates = {sf.info(str(p)).samplerate for p in (tmp_path / "fo").rglob("*.wav")}
    assert rates <= {16000, 22050, 24000}

    def one_utterance(root: Path, vocoders: list[str]) -> None:
        sizes = {"n_utterances": 1}
        write_demo_corpus("wavefake", root, sizes, seed=3, duration_s=DURATION, vocoders=vocoders)

    one_utterance(tmp_path / "wf", ["jsut_pwg", "ljspeech_waveglow"])
    assert (tmp_path / "wf/generated_audio/ljspeech_waveglow/LJ001-0001.wav").is_file()
    assert len(list((tmp_path / "wf/generated_audio/jsut_pwg").iterdir())) == 1
    with pytest.raises(ValueError, match="vocoders"):
        one_utterance(tmp_path / "bad", ["a", "a"])
