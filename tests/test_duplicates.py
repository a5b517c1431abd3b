"""Cross-corpus duplicates: audio fingerprints, the lag-searched scan, make_fingerprints and
find_duplicates.

Real audio files on disk: LJSpeech-like recordings from the demo speech
generator (one speaker, as LJSpeech), copies of them as FoR would hold them
(0-500 ms of added leading silence, +-6 dB, resampled, MP3 round trips,
some cut 50 ms into the speech), fakes of the same sentences by two demo
vocoders, and unrelated recordings of the same and of other speakers. Minimal
pairs of one real TTS voice are in tests/test_duplicate_minimal_pairs.py.
"""

from __future__ import annotations

import json
from pathlib import Path

import h5py
import numpy as np
import pandas as pd
import pytest
import soundfile as sf

from workflow_scripts import find_duplicates, make_fingerprints
from workflow_scripts.demo import channels
from workflow_scripts.demo.corpora import (
    LJSPEECH_SR,
    _ljspeech_fake,
    ljspeech_id,
    ljspeech_utterance,
    make_utterance,
    mp3_round_trip,
)
from workflow_scripts.demo.speech import rng_for, sample_speaker
from workflow_scripts.features.audio import resample
from workflow_scripts.features.fingerprint import (
    Fingerprint,
    FingerprintParams,
    fingerprint_file,
    fingerprint_wave,
    trim_bounds,
)
from workflow_scripts.io.selections import DUPLICATE_COLUMNS
from workflow_scripts.reporting.exp3 import duplicates_caption
from workflow_scripts.sampling.duplicates import (
    DEFAULT_THRESHOLD,
    FrameSettings,
    frame_similarity,
    scan_similarities,
    short_row_pairs,
)
from workflow_scripts.sampling.duplicates import (
    find_duplicates as match,
)

SEED = 5
DURATION = (2.0, 4.0)
N_SENTENCES = 6  # LJSpeech-like originals; 0-3 get copies, 4-5 stay unrelated
N_COPIED = 4
VOCODERS = (
    "ljspeech_hifiGAN",
    "ljspeech_multi_band_melgan",
)  # the two closest to their source on the demo
STR = h5py.string_dtype("utf-8")
THRESHOLD = DEFAULT_THRESHOLD


def best_similarity(a: Fingerprint, b: Fingerprint) -> float:
    """What the scan's vector stage computes for a close pair: the best of the aligned and
    shifted onsets."""
    return float(max(a.main @ b.main, *(a.lagged @ b.main), *(b.lagged @ a.main)))


SETTINGS = FrameSettings.from_params(FingerprintParams().attrs())


def frames_similarity(a: Fingerprint, b: Fingerprint) -> float:
    """What the scan's confirmation computes for a candidate pair."""
    return frame_similarity(a.frames, a.sound, b.frames, b.sound, SETTINGS)[0]


def _write(path: Path, x: np.ndarray, sr: int, fmt: str = "WAV") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    subtype = "MPEG_LAYER_III" if fmt == "MP3" else "PCM_16"
    sf.write(path, np.clip(x, -1.0, 1.0).astype(np.float32), sr, format=fmt, subtype=subtype)
    return path


def _copy(
    x: np.ndarray, rng: np.random.Generator, *, rate: int, mp3_rate: int | None, cut_s: float = 0.0
) -> tuple[np.ndarray, dict[str, float]]:
    """A re-published copy of ``x`` (22.05 kHz): leading silence, gain, resampling, optional MP3
    round trip."""
    offset = float(rng.uniform(0.0, 0.5))
    gain_db = float(rng.uniform(-6.0, 6.0))
    start, _ = trim_bounds(resample(x.astype(np.float32), LJSPEECH_SR, 16000), FingerprintParams())
    body = x[int((start / 16000 + cut_s) * LJSPEECH_SR) :] if cut_s else x
    y, sr = (
        np.concatenate([np.zeros(int(offset * LJSPEECH_SR)), body]) * 10 ** (gain_db / 20),
        LJSPEECH_SR,
    )
    if mp3_rate is not None:
        y, sr = mp3_round_trip(channels.resample(y, sr, mp3_rate), mp3_rate), mp3_rate
    return channels.resample(y, sr, rate), {"offset_s": offset, "gain_db": gain_db}


@pytest.fixture(scope="module")
def audio(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """Write the recordings; return their paths by role and their fingerprints."""
    root = tmp_path_factory.mktemp("dups")
    originals = {i: ljspeech_utterance(SEED, i, DURATION) for i in range(N_SENTENCES)}
    paths: dict[str, Path] = {}
    for i, x in originals.items():
        paths[f"orig{i}"] = _write(root / "wf/LJSpeech" / f"{ljspeech_id(i)}.wav", x, LJSPEECH_SR)
        if i < 2:
            for folder in VOCODERS:
                fake = _ljspeech_fake(SEED, i, folder, DURATION)
                paths[f"fake{i}_{folder}"] = _write(
                    root / "wf" / folder / f"{ljspeech_id(i)}.wav", fake, LJSPEECH_SR
                )
    rng = np.random.default_rng(SEED)
    copies: dict[str, tuple[int, dict[str, float]]] = {}
    for i in range(N_COPIED):
        x = originals[i]
        # FoR-like: resampled to 16 kHz WAV, no codec
        y, info = _copy(x, rng, rate=16000, mp3_rate=None)
        paths[f"copy{i}_wav16k"] = _write(root / "for/train/real" / f"file{i}0.wav", y, 16000)
        copies[f"copy{i}_wav16k"] = (i, info)
        # MP3 file on disk at 44.1 kHz (the FoR adapter reads .mp3)
        y, info = _copy(x, rng, rate=44100, mp3_rate=None)
        paths[f"copy{i}_mp3"] = _write(root / "for/train/real" / f"file{i}1.mp3", y, 44100, "MP3")
        copies[f"copy{i}_mp3"] = (i, info)
        # MP3 round trip at 22.05 kHz saved as 16 kHz WAV, as FoR's files are
        y, info = _copy(x, rng, rate=16000, mp3_rate=22050)
        paths[f"copy{i}_mp3wav"] = _write(root / "for/train/real" / f"file{i}2.wav", y, 16000)
        copies[f"copy{i}_mp3wav"] = (i, info)
        # cut 50 ms into the speech, 44.1 kHz WAV: the onsets differ, the lag search must align them
        y, info = _copy(x, rng, rate=44100, mp3_rate=44100, cut_s=0.05)
        paths[f"copy{i}_cut50ms"] = _write(root / "for/train/real" / f"file{i}3.wav", y, 44100)
        copies[f"copy{i}_cut50ms"] = (i, info)
    for k in range(3):  # other speakers (FoR's own real speech)
        spk = sample_speaker(rng_for(SEED, "other", k), f"other{k}", sex="mf"[k % 2])
        x = make_utterance(SEED, ("other", k), spk, 3.0, 16000, "for_mixed", None, -20.0)
        paths[f"other{k}"] = _write(root / "for/train/real" / f"other{k}.wav", x, 16000)
    params = FingerprintParams()
    prints = {name: fingerprint_file(path, params) for name, path in paths.items()}
    return {"root": root, "paths": paths, "copies": copies, "prints": prints, "params": params}


# ------------------------------------------------------------------ fingerprints of real files


def test_every_copy_matches_its_original_above_the_threshold(audio: dict[str, object]) -> None:
    prints, copies = audio["prints"], audio["copies"]
    sims = {
        name: best_similarity(prints[f"orig{i}"], prints[name]) for name, (i, _) in copies.items()
    }
    assert min(sims.values()) >= 0.95, sims
    # and their frames agree window by window (the copies cut into the speech lack 50 ms of it)
    frames = {
        name: frames_similarity(prints[f"orig{i}"], prints[name])
        for name, (i, _) in copies.items()
        if "cut" not in name
    }
    assert min(frames.values()) >= THRESHOLD + 0.03, frames
    for name, (i, _) in copies.items():  # and its best match among all originals is its own
        others = [
            best_similarity(prints[f"orig{k}"], prints[name]) for k in range(N_SENTENCES) if k != i
        ]
        assert max(others) < THRESHOLD - 0.3, (name, others)
    # copies of one sentence match one another too (offsets, gains and codecs on both sides)
    for i in range(N_COPIED):
        group = [prints[n] for n, (k, _) in copies.items() if k == i]
        assert min(best_similarity(a, b) for a in group for b in group if a is not b) >= 0.95
    # the trimmed onset follows the added silence: the copies' onsets differ by it
    trims = {
        n: prints[n].start_s - info["offset_s"] for n, (i, info) in copies.items() if "cut" not in n
    }
    for i in range(N_COPIED):
        starts = [t for n, t in trims.items() if copies[n][0] == i]
        assert max(starts) - min(starts) < 0.06  # MP3 adds its encoder delay (~25-50 ms)


def test_lag_search_aligns_copies_cut_into_the_speech(audio: dict[str, object]) -> None:
    prints = audio["prints"]
    for i in range(N_COPIED):
        a, b = prints[f"orig{i}"], prints[f"copy{i}_cut50ms"]
        assert (
            best_similarity(a, b) >= 0.95 and best_similarity(a, b) > float(a.main @ b.main) + 0.02
        )


def test_unrelated_recordings_stay_far_below_the_threshold(audio: dict[str, object]) -> None:
    prints, copies = audio["prints"], audio["copies"]
    sentence = {f"orig{i}": i for i in range(N_SENTENCES)} | {n: i for n, (i, _) in copies.items()}
    sentence |= {f"other{k}": 100 + k for k in range(3)}
    names = sorted(sentence)
    pairs = [
        (prints[a], prints[b])
        for ia, a in enumerate(names)
        for b in names[ia + 1 :]
        if sentence[a] != sentence[b]
    ]
    assert max(best_similarity(a, b) for a, b in pairs) < 0.6
    assert max(frames_similarity(a, b) for a, b in pairs) < THRESHOLD - 0.2


def test_same_sentence_fakes_are_as_close_as_copies_so_labels_and_attacks_decide(
    audio: dict[str, object],
) -> None:
    """A demo vocoder re-synthesises the recording: same words, same timing; no fingerprint
    that survives an MP3 round trip can tell its fake from a copy. The label / attack
    restriction does."""
    prints = audio["prints"]
    close = []
    for i in range(2):
        fakes = [prints[f"fake{i}_{v}"] for v in VOCODERS]
        close += [best_similarity(prints[f"orig{i}"], f) for f in fakes]
        close.append(best_similarity(*fakes))
    assert max(close) >= THRESHOLD  # by content alone these would be "copies"


def test_gain_silence_and_short_files(audio: dict[str, object]) -> None:
    params = audio["params"]
    x, _ = sf.read(audio["paths"]["other0"], dtype="float32")
    a, b = fingerprint_wave(x, params), fingerprint_wave(0.05 * x, params)
    assert (
        float(a.main @ b.main) > 0.999 and a.note == "" and abs(np.linalg.norm(a.main) - 1) < 1e-5
    )
    padded = fingerprint_wave(np.concatenate([np.zeros(4000, np.float32), x]), params)
    assert (
        padded.start_s == pytest.approx(a.start_s + 0.25, abs=1e-3)
        and float(a.main @ padded.main) > 0.999
    )
    # frames: a gain and leading silence change nothing; the frames start frame_margin_s
    # before the trimmed onset and cover the sound
    assert frames_similarity(a, b) > 0.99 and frames_similarity(a, padded) > 0.99
    assert a.frames.dtype == np.uint8 and a.frames.shape[1] == params.frame_n_mels
    assert a.sound[0] == params.frame_margin and a.frames.shape[0] == sum(a.sound) + a.sound[0]
    assert a.sound[1] == pytest.approx((a.end_s - a.start_s) * 200, abs=1)  # 5 ms frames
    silent = fingerprint_wave(np.zeros(16000, np.float32), params)
    assert not silent.main.any() and not silent.lagged.any() and silent.note.startswith("silent")
    assert silent.frames.shape[0] == 0 and silent.sound == (0, 0)
    # every sound is checked, however short: 0.25 s gets a vector and frames, 0.05 s (under two
    # 100 ms cells) frames only, and both still match a copy of themselves
    for n_sound, has_vector in ((4000, True), (800, False)):
        burst = np.concatenate([np.zeros(8000), x[8000 : 8000 + n_sound], np.zeros(8000)])
        short = fingerprint_wave(burst, params)
        assert short.note == "" and short.sound[1] > 0 and bool(short.main.any()) == has_vector
        copy = fingerprint_wave(0.3 * np.concatenate([np.zeros(3000), burst]), params)
        assert frames_similarity(short, copy) > 0.99
    assert not fingerprint_wave(burst, FingerprintParams(min_active_s=0.5)).main.any()
    with pytest.raises(ValueError, match="lags_ms"):
        FingerprintParams(lags_ms=(-25, 25))
    with pytest.raises(ValueError, match="window_s"):
        FingerprintParams(window_s=0.0)
    with pytest.raises(ValueError, match="frame_f_max"):
        FingerprintParams(frame_f_max=9000.0)


def test_trim_sees_past_the_ends_of_the_file() -> None:
    """Sound from the first sample is found where a copy with leading silence finds it."""
    params = FingerprintParams()
    x = np.sin(np.arange(8000) * 0.3).astype(np.float32)
    start, stop = trim_bounds(x, params)
    padded = trim_bounds(np.concatenate([np.zeros(500, np.float32), x]), params)
    assert start < 0 and stop > x.shape[0] and (padded[0] - 500, padded[1] - 500) == (start, stop)
    assert trim_bounds(np.zeros(100, np.float32), params) == (0, 0)


# ------------------------------------------------------------------ frame confirmation


def _frames(rng: np.random.Generator, n: int, margin: int = 10) -> tuple[np.ndarray, tuple]:
    """A random (frames, bands) uint8 sequence with ``margin`` silent frames either side."""
    body = rng.integers(80, 200, size=(n, 32)).astype(np.uint8)
    pad = np.zeros((margin, 32), np.uint8)
    return np.concatenate([pad, body, pad]), (margin, n)


def test_frame_similarity_aligns_and_finds_one_differing_window() -> None:
    rng = np.random.default_rng(3)
    a, sound = _frames(rng, 100)
    assert frame_similarity(a, sound, a, sound, SETTINGS) == (1.0, 0.0)
    # the same sound found 7 frames later in the other copy (its margin is longer)
    shifted = np.concatenate([np.zeros((7, 32), np.uint8), a])
    sim, shift = frame_similarity(a, sound, shifted, (sound[0] + 7, sound[1]), SETTINGS)
    assert sim == 1.0 and shift == 0.0
    sim, shift = frame_similarity(a, sound, shifted, sound, SETTINGS)  # onsets found 35 ms apart
    assert sim == 1.0 and shift == 7.0
    # a gain-free level offset of 2 dB everywhere is a 2 dB RMS difference: 1 - 2/60
    offset = (a.astype(int) + np.where(a > 0, 8, 0)).astype(np.uint8)
    assert frame_similarity(a, sound, offset, sound, SETTINGS)[0] == pytest.approx(1 - 2 / 60)
    # one 10-frame (50 ms) stretch that differs fails the whole pair, however long it is
    b = a.copy()
    b[50:60] = rng.integers(80, 200, size=(10, 32))
    long_a, long_sound = _frames(np.random.default_rng(4), 1000)
    long_b = long_a.copy()
    long_b[500:510] = b[50:60]
    for x, y, s in ((a, b, sound), (long_a, long_b, long_sound)):  # 12 dB RMS in that window
        assert frame_similarity(x, s, y, s, SETTINGS)[0] < THRESHOLD - 0.05
    # a suffix (six / sixth): the longer one's extra sound has nothing to agree with
    suffix = np.concatenate([a[:-10], rng.integers(80, 200, size=(10, 32)), a[-10:]])
    suffix_sim = frame_similarity(a, sound, suffix.astype(np.uint8), (10, 110), SETTINGS)[0]
    assert suffix_sim < THRESHOLD - 0.05
    # rows without frames are not compared
    assert np.isnan(frame_similarity(a, sound, a[:0], (0, 0), SETTINGS)[0])
    with pytest.raises(ValueError, match="alike"):
        frame_similarity(a, sound, a[:, :16], sound, SETTINGS)


def test_rows_without_a_vector_meet_every_row_of_similar_length() -> None:
    sound_a = np.array([10, 0, 400, 20, 25])
    short_a = np.array([True, True, False, False, False])
    i, j = short_row_pairs(sound_a, short_a, sound_a, short_a, within=True, slack_frames=20)
    # row 0 (10 frames) meets 3 (20) and 4 (25); row 1 has no sound; 2 is far longer
    assert list(zip(i, j, strict=True)) == [(0, 3), (0, 4)]
    sound_b = np.array([12, 500])
    i, j = short_row_pairs(
        sound_a, short_a, sound_b, np.array([False, False]), within=False, slack_frames=0
    )
    assert list(zip(i, j, strict=True)) == [(0, 0)]


# ------------------------------------------------------------------ the scan (numpy)


def _unit_rows(rng: np.random.Generator, n: int, d: int) -> np.ndarray:
    v = rng.normal(size=(n, d)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def test_scan_blocks_histogram_best_matches_and_comparable() -> None:
    rng = np.random.default_rng(0)
    fp = _unit_rows(rng, 50, 24)
    fp[40] = fp[3] + 0.05 * _unit_rows(rng, 1, 24)[0]
    fp[41] = -fp[7]
    fp[40:42] /= np.linalg.norm(fp[40:42], axis=1, keepdims=True)
    whole = scan_similarities(fp, keep_from=0.9, block_size=1000)
    blocked = scan_similarities(fp, keep_from=0.9, block_size=7)
    pd.testing.assert_frame_equal(whole.pairs, blocked.pairs, check_exact=False, rtol=1e-5)
    assert (
        list(zip(whole.pairs["i"], whole.pairs["j"], strict=True)) == [(3, 40)]
        and whole.pairs["comparable"].all()
    )
    assert whole.n_compared == 50 * 49 // 2 == whole.histogram.sum() == blocked.histogram.sum()
    np.testing.assert_array_equal(whole.histogram, blocked.histogram)
    assert (
        whole.histogram[-1] == 1 and whole.histogram[0] > 0
    )  # the copy; negatives count in the first bin
    np.testing.assert_allclose(whole.best_a, blocked.best_a, rtol=1e-5)
    assert whole.best_a[40] == pytest.approx(whole.pairs["similarity"].iloc[0])
    sims = fp @ fp.T
    np.fill_diagonal(sims, -np.inf)
    np.testing.assert_allclose(whole.best_a, sims.max(axis=1), rtol=1e-5)
    # a pair that is not comparable is returned flagged, and left out of histogram and best matches
    scan = scan_similarities(
        fp,
        keep_from=0.9,
        comparable=lambda ra, rb: ~((ra[:, None] == 3) & (rb[None, :] == 40)),
        block_size=16,
    )
    assert (
        list(scan.pairs["comparable"]) == [False]
        and scan.histogram[-1] == 0
        and scan.best_a[40] < 0.9
    )
    # across two sets
    across = scan_similarities(fp[:30], fp[30:], keep_from=0.9, block_size=8)
    assert (
        list(zip(across.pairs["i"], across.pairs["j"], strict=True)) == [(3, 10)]
        and across.n_compared == 30 * 20
    )
    assert match(fp[:30], fp[30:], threshold=0.9).shape == (1, 3)


def test_scan_lag_search_reads_lagged_rows_from_hdf5(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    main = _unit_rows(rng, 20, 64)
    lagged = np.stack([_unit_rows(rng, 20, 64) for _ in range(4)], axis=1)
    # row 12 is a copy of row 2 whose onset was found late: aligned they are only 0.7 alike,
    # but row 2 with its onset 20 ms later (lag index 1) is row 12
    u = main[2]
    w = main[12] - (main[12] @ u) * u
    main[12] = 0.7 * u + np.sqrt(1 - 0.49) * w / np.linalg.norm(w)
    lagged[2, 1] = main[12]
    path = tmp_path / "fp.h5"
    with h5py.File(path, "w") as h5:
        h5.create_dataset("lagged", data=lagged.astype(np.float16), chunks=(1, 4, 64))
    aligned = float(main[2] @ main[12])
    assert 0.5 <= aligned < 0.9
    assert scan_similarities(main, keep_from=0.9).pairs.empty
    with h5py.File(path, "r") as h5:
        scan = scan_similarities(main, keep_from=0.9, lagged_a=h5["lagged"], block_size=8)
    assert list(zip(scan.pairs["i"], scan.pairs["j"], strict=True)) == [(2, 12)] and bool(
        scan.pairs["refined"].iloc[0]
    )
    assert scan.pairs["similarity"].iloc[0] == pytest.approx(1.0, abs=2e-3)
    assert scan.n_refined >= 1
    high = scan_similarities(main, keep_from=0.9, lagged_a=lagged, refine_from=0.95)
    assert high.pairs.empty and high.n_refined == 0  # only pairs from refine_from are searched
    with pytest.raises(ValueError, match="both sets"):
        scan_similarities(main, main, keep_from=0.9, lagged_a=lagged)


# ------------------------------------------------------------------ the commands, end to end


def _pseudo_cache(path: Path, dataset: str, split: str, rows: list[tuple[str, str, str]]) -> None:
    """A cache's row index (utt_id, label, attack) without features: all make_fingerprints reads."""
    with h5py.File(path, "w") as h5:
        h5.create_dataset("utt_id", data=np.array([r[0] for r in rows], dtype=object), dtype=STR)
        h5.create_dataset(
            "label", data=np.array([int(r[1] == "bonafide") for r in rows], dtype=np.int8)
        )
        h5.create_dataset("attack", data=np.array([r[2] for r in rows], dtype=object), dtype=STR)
        h5.attrs.update({"dataset": dataset, "split": split})


@pytest.fixture(scope="module")
def scanned(
    audio: dict[str, object], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, object]:
    """make_fingerprints on a FoR-like and a WaveFake-like split, then find_duplicates over both."""
    out = tmp_path_factory.mktemp("scan")
    paths: dict[str, Path] = audio["paths"]
    wf_rows, for_rows, manifest = [], [], []
    for name, path in paths.items():
        if name.startswith("orig"):
            row = (f"LJSpeech/{path.stem}", "bonafide", "-")
        elif name.startswith("fake"):
            row = (f"{path.parent.name}/{path.stem}", "spoof", path.parent.name)
        else:
            row = (f"train/real/{path.name}", "bonafide", "-")
        (wf_rows if name.startswith(("orig", "fake")) else for_rows).append((*row, str(path)))
    broken = out / "broken.wav"
    broken.write_bytes(b"RIFF....WAVEnot audio")
    silent = _write(out / "silent.wav", np.zeros(16000), 16000)
    for_rows += [
        ("train/real/broken.wav", "bonafide", "-", str(broken)),
        ("train/real/silent.wav", "bonafide", "-", str(silent)),
    ]
    prints = {}
    for dataset, rows in (("for", for_rows), ("wavefake", wf_rows)):
        manifest = pd.DataFrame(
            [(u, dataset, "train", lab, att, "-", p) for u, lab, att, p in rows]
            + [(f"{dataset}_dev_only", dataset, "dev", "bonafide", "-", "-", "/nonexistent.wav")],
            columns=["utt_id", "dataset", "split", "label", "attack", "speaker", "path"],
        )
        manifest.to_csv(out / f"{dataset}.tsv", sep="\t", index=False)
        _pseudo_cache(out / f"{dataset}.h5", dataset, "train", [r[:3] for r in rows])
        prints[dataset] = out / f"{dataset}.fp.h5"
        rc = make_fingerprints.main(
            [
                "--cache",
                str(out / f"{dataset}.h5"),
                "--manifest",
                str(out / f"{dataset}.tsv"),
                "--threads",
                "2",
                "--out",
                str(prints[dataset]),
                "--unchecked-out",
                str(out / f"{dataset}.unchecked.tsv"),
            ]
        )
        assert rc == 0
    demo = out / "demo_duplicates.tsv"
    demo.write_text(
        "for_path\tljspeech_id\n"
        + "".join(
            f"for-norm/training/real/{paths[n].name}\t{ljspeech_id(i)}\n"
            for n, (i, _) in audio["copies"].items()
        )
    )
    rc = find_duplicates.main(
        [
            "--fingerprints",
            f"wavefake:train={prints['wavefake']}",
            "--fingerprints",
            f"for={prints['for']}",
            "--expected-demo",
            str(demo),
            "--out",
            str(out / "pairs.tsv"),
            "--summary-out",
            str(out / "summary.json"),
        ]
    )
    assert rc == 0
    return {"out": out, "prints": prints, "rows": {"for": for_rows, "wavefake": wf_rows}}


def test_make_fingerprints_keeps_the_cache_rows_and_lists_unchecked_ones(
    audio: dict[str, object],
    scanned: dict[str, object],
) -> None:
    out = scanned["out"]
    with h5py.File(scanned["prints"]["for"], "r") as h5:
        utt = [u.decode() for u in h5["utt_id"][()]]
        assert utt == [r[0] for r in scanned["rows"]["for"]]
        main, lagged = h5["fingerprint"][()], h5["lagged"][()]
        assert main.shape == (len(utt), audio["params"].dim) and lagged.shape == (
            len(utt),
            4,
            audio["params"].dim,
        )
        assert h5.attrs["n_unchecked"] == 2 and h5.attrs["window_s"] == 6.0
        assert list(h5.attrs["lags_ms"]) == [-40, -20, 20, 40]
        # the same vectors as fingerprint_file gives
        k = utt.index("train/real/file00.wav")
        np.testing.assert_allclose(main[k], audio["prints"]["copy0_wav16k"].main, atol=1e-6)
        assert not main[utt.index("train/real/silent.wav")].any()
    unchecked = pd.read_csv(out / "for.unchecked.tsv", sep="\t")
    assert list(unchecked.columns) == ["utt_id", "path", "stage", "reason"]
    reasons = dict(zip(unchecked["utt_id"], unchecked["reason"], strict=True))
    assert set(reasons) == {"train/real/broken.wav", "train/real/silent.wav"}
    assert reasons["train/real/broken.wav"].startswith("unreadable")
    assert reasons["train/real/silent.wav"].startswith("silent")
    assert pd.read_csv(out / "wavefake.unchecked.tsv", sep="\t").empty
    # a cache row missing from the manifest is an error that names it
    bad = out / "bad.h5"
    _pseudo_cache(bad, "for", "train", [("train/real/nowhere.wav", "bonafide", "-")])
    assert (
        make_fingerprints.main(
            [
                "--cache",
                str(bad),
                "--manifest",
                str(out / "for.tsv"),
                "--out",
                str(out / "x.h5"),
                "--unchecked-out",
                str(out / "x.tsv"),
            ]
        )
        == 2
    )
    assert not (out / "x.h5").exists()
    # the rule names the file format it expects; another one is refused before any work
    args = ["--cache", str(out / "for.h5"), "--manifest", str(out / "for.tsv")]
    args += ["--file-version", "1", "--out", str(out / "y.h5"), "--unchecked-out", str(out / "y")]
    assert make_fingerprints.main(args) == 2 and not (out / "y.h5").exists()


def test_find_duplicates_finds_every_copy_and_reports_the_threshold_picture(
    audio: dict[str, object],
    scanned: dict[str, object],
) -> None:
    out = scanned["out"]
    pairs = pd.read_csv(out / "pairs.tsv", sep="\t", dtype=str)
    assert list(pairs.columns) == list(DUPLICATE_COLUMNS)
    # every copy but those cut 50 ms into the speech: a copy that lacks 50 ms of sound cannot be
    # told from a word with a 50 ms suffix ("walk" / "walked"), and suffixes must not merge
    copies = {n: c for n, c in audio["copies"].items() if "cut" not in n}
    expected = {
        ("wavefake", f"LJSpeech/{ljspeech_id(i)}", "for", f"train/real/{audio['paths'][n].name}")
        for n, (i, _) in copies.items()
    }
    cross = {
        (r.dataset_a, r.utt_a, r.dataset_b, r.utt_b)
        for r in pairs.itertuples()
        if r.dataset_a != r.dataset_b
    }
    assert cross == expected
    within = pairs[pairs["dataset_a"] == pairs["dataset_b"]]
    assert (
        within["dataset_a"] == "for"
    ).all()  # copies of one sentence within FoR; nothing within WaveFake
    assert len(within) == N_COPIED * 3 * 2 // 2
    assert pairs["similarity"].astype(float).min() >= THRESHOLD + 0.03
    summary = json.loads((out / "summary.json").read_text())
    planted = summary["expected_demo"]
    assert planted["scanned"] == len(audio["copies"]) and planted["found"] == len(copies)
    assert planted["recall"] == pytest.approx(len(copies) / len(audio["copies"]))
    assert planted["precision"] == 1.0 and planted["false_merges"] == 0
    assert planted["reported"] == len(pairs) == planted["reported_planted"]
    assert summary["rows_unchecked"] == 2 and summary["pairs"] == len(pairs)
    # the cut copies were candidates (their vectors align after the lag search) that the
    # frames rejected, listed as the closest misses
    rejected = {(p["utt_a"], p["utt_b"]) for p in summary["near_misses"]}
    for n, (i, _) in audio["copies"].items():
        if "cut" in n:
            assert (
                f"LJSpeech/{ljspeech_id(i)}",
                f"train/real/{audio['paths'][n].name}",
            ) in rejected
    assert summary["candidates"] == summary["pairs"] + summary["rejected_by_frames"]
    assert summary["rows_checked_by_frames_only"] == 0
    hist = summary["similarity_histogram"]
    assert (
        len(hist["bin_edges"]) == 21
        and hist["bin_edges"][0] == 0.0
        and hist["bin_edges"][-1] == 1.0
    )
    compared = sum(s["compared"] for s in summary["pairs_per_cache_pair"])
    assert sum(hist["all_compared_pairs"]) == compared
    # every checked row has a comparable partner (bonafide: all bonafide; a fake: the other
    # sentence's fake by the same vocoder); the two unchecked rows have none
    n_checked = len(scanned["rows"]["for"]) + len(scanned["rows"]["wavefake"]) - 2
    assert sum(hist["best_match_per_row"]) == hist["rows_with_a_comparable_row"] == n_checked
    assert sum(hist["candidates_by_frame_similarity"]) == summary["candidates"]
    assert sum(hist["candidates_by_frame_similarity"][-2:]) == len(pairs)
    assert max(p["similarity"] for p in summary["near_misses"]) < THRESHOLD
    weakest = summary["weakest_pairs"]
    assert weakest and set(weakest[0]) == {*DUPLICATE_COLUMNS, "vector_similarity"}
    assert weakest[0]["similarity"] == pytest.approx(
        pairs["similarity"].astype(float).min(), abs=1e-5
    )
    # fakes are not copies of their source (other label) nor of each other (other attack):
    # only counted
    stats = {(s["a"], s["b"]): s for s in summary["pairs_per_cache_pair"]}
    wf = stats[("wavefake:train", "wavefake:train")]
    assert wf["pairs"] == 0 and wf["cross_label_matches"] >= 1 and wf["cross_attack_matches"] >= 1
    assert summary["fingerprint_params"]["window_s"] == 6.0
    assert summary["fingerprint_params"]["frame_hop_length"] == 80


def _fp_file(
    path: Path,
    vectors: np.ndarray,
    utt: list[str],
    labels: list[int],
    attacks: list[str],
    dataset: str | None = "wavefake",
    split: str | None = "train",
    frames: bool = True,
    **attrs: object,
) -> Path:
    """A fingerprint file with given vectors; each row's frames are drawn from its vector
    (40 frames of 32 bands, 10 silent ones either side), so rows with near-equal vectors
    have near-equal frames."""
    margin, n_frames = 10, 40
    pattern = np.random.default_rng(0).uniform(0.5, 1.0, size=(n_frames, 1))
    rows = []
    for v in vectors:
        tiled = np.resize(np.asarray(v, np.float64), 32)
        body = np.clip(120 + 600 * tiled[None, :] * pattern, 0, 255).astype(np.uint8)
        rows.append(np.pad(body, ((margin, margin), (0, 0))))
    stacked = np.concatenate(rows) if rows else np.zeros((0, 32), np.uint8)
    size = n_frames + 2 * margin
    index = np.array([(k * size, size, margin, n_frames) for k in range(len(rows))], np.int64)
    params = {k: v for k, v in FingerprintParams().attrs().items() if k != "window_s"}
    with h5py.File(path, "w") as h5:
        h5.create_dataset("fingerprint", data=vectors.astype(np.float32))
        if frames:
            h5.create_dataset("frames", data=stacked)
            h5.create_dataset("frame_index", data=index.reshape(-1, 4))
        h5.create_dataset("utt_id", data=np.array(utt, dtype=object), dtype=STR)
        h5.create_dataset("label", data=np.array(labels, dtype=np.int8))
        h5.create_dataset("attack", data=np.array(attacks, dtype=object), dtype=STR)
        h5.attrs.update(
            {
                k: v
                for k, v in {"dataset": dataset, "split": split, **params, **attrs}.items()
                if v is not None
            }
        )
    return path


def _bonafide_fp_file(
    path: Path,
    vectors: np.ndarray,
    utt: list[str],
    dataset: str,
    split: str | None,
    window_s: float = 6.0,
) -> Path:
    """A fingerprint file of bona fide rows (label 1, no attack)."""
    n = len(utt)
    return _fp_file(path, vectors, utt, [1] * n, ["-"] * n, dataset, split, window_s=window_s)


def test_spoofs_of_one_sentence_by_different_attacks_are_not_duplicates(tmp_path: Path) -> None:
    """WaveFake vocodes each LJSpeech sentence with every vocoder: same content, different fakes."""
    rng = np.random.default_rng(5)
    v = _unit_rows(rng, 8, 32)
    v[1] = v[0] + 0.01  # same sentence, other vocoder: not a copy
    v[2] = v[0] - 0.01  # same sentence, same vocoder: a copy
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    path = _fp_file(
        tmp_path / "wf.h5",
        v,
        [f"wf_{i:03d}" for i in range(8)],
        [0] * 8,
        ["melgan", "hifigan", "melgan", "melgan", "hifigan", "melgan", "-", "-"],
    )
    out, summary_path = tmp_path / "d.tsv", tmp_path / "d.json"
    assert (
        find_duplicates.main(
            [
                "--fingerprints",
                f"wavefake:train={path}",
                "--out",
                str(out),
                "--summary-out",
                str(summary_path),
            ]
        )
        == 0
    )
    pairs = pd.read_csv(out, sep="\t", dtype=str)
    assert set(zip(pairs["utt_a"], pairs["utt_b"], strict=True)) == {("wf_000", "wf_002")}
    stats = json.loads(summary_path.read_text())["pairs_per_cache_pair"][0]
    assert stats["cross_attack_matches"] == 2  # (0, 1) and (1, 2)


def test_find_duplicates_checks_demo_pairs_and_rejects_bad_input(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    x, y = _unit_rows(rng, 6, 32), _unit_rows(rng, 6, 32)
    y[1] = x[0]
    y[5] = x[4]  # a copy that is not in the list: a false merge as far as the demo knows
    for_fp = _bonafide_fp_file(
        tmp_path / "for.h5", x, [f"train/real/f{i}.wav" for i in range(6)], "for", "train"
    )
    wf_fp = _bonafide_fp_file(
        tmp_path / "wf.h5", y, [f"LJSpeech/LJ00{i}-0001" for i in range(6)], "wavefake", None
    )  # no split attribute
    demo = tmp_path / "demo_duplicates.tsv"
    demo.write_text(
        "for_path\tljspeech_id\n"
        "for-norm/training/real/f0.wav\tLJ001-0001\n"  # planted: found
        "for-norm/training/real/f2.wav\tLJ003-0001\n"  # both scanned, not a copy: missed
        "for-norm/testing/real/f0.wav\tLJ001-0001\n"  # FoR eval row not scanned
    )
    out, summary = tmp_path / "d.tsv", tmp_path / "d.json"
    base = ["--fingerprints", f"for={for_fp}", "--out", str(out), "--summary-out", str(summary)]
    assert (
        find_duplicates.main(
            [*base, "--fingerprints", f"wavefake:train={wf_fp}", "--expected-demo", str(demo)]
        )
        == 0
    )
    expected = json.loads(summary.read_text())["expected_demo"]
    assert (expected["listed"], expected["scanned"], expected["found"], expected["missed"]) == (
        3,
        2,
        1,
        1,
    )
    assert expected["missed_examples"] == [["train/real/f2.wav", "LJSpeech/LJ003-0001"]]
    assert (expected["reported"], expected["reported_planted"], expected["false_merges"]) == (
        2,
        1,
        1,
    )
    assert (expected["recall"], expected["precision"]) == (0.5, 0.5)
    assert expected["false_merge_examples"] == [
        ["for", "train/real/f4.wav", "wavefake", "LJSpeech/LJ005-0001"]
    ]
    # A file without a split attribute needs the split on the command line; a wrong dataset name
    # is refused; the same file twice, a log-mel cache instead of fingerprints and other
    # fingerprint parameters are refused.
    assert find_duplicates.main([*base, "--fingerprints", f"wavefake={wf_fp}"]) == 2
    assert (
        find_duplicates.main(
            ["--fingerprints", f"asv={for_fp}", "--out", str(out), "--summary-out", str(summary)]
        )
        == 2
    )
    assert find_duplicates.main([*base, "--fingerprints", f"for:train={for_fp}"]) == 2
    other = _bonafide_fp_file(
        tmp_path / "other.h5", y, [f"u{i}" for i in range(6)], "itw", "eval", window_s=8.0
    )
    assert find_duplicates.main([*base, "--fingerprints", f"itw:eval={other}"]) == 2
    cache = tmp_path / "cache.h5"
    _pseudo_cache(cache, "itw", "eval", [("u0", "bonafide", "-")])
    assert find_duplicates.main([*base, "--fingerprints", f"itw:eval={cache}"]) == 2
    # a fingerprint file from before the frame sequences: re-run make_fingerprints
    old = _fp_file(
        tmp_path / "v1.h5",
        y,
        [f"v{i}" for i in range(6)],
        [1] * 6,
        ["-"] * 6,
        "itw",
        "eval",
        frames=False,
        window_s=6.0,
    )
    assert find_duplicates.main([*base, "--fingerprints", f"itw:eval={old}"]) == 2


def test_table2_caption_counts_the_rows_the_search_could_not_check() -> None:
    summary = {"pairs": 12, "rows_scanned": 2900, "rows_unchecked": 0}
    assert duplicates_caption(summary) == (
        "Duplicate search: 12 pairs of copies found in 2,900 rows; every row was checked."
    )
    text = duplicates_caption({**summary, "rows_unchecked": 3})
    assert "3 rows could not be checked" in text and "unchecked.tsv" in text
