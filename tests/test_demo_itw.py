"""Demo In-the-Wild corpus, both modes: released layout, speakers, recipes, determinism."""

from __future__ import annotations

import csv
import hashlib
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from workflow_scripts.datasets import build_manifest
from workflow_scripts.demo import in_the_wild as itw
from workflow_scripts.demo.attacks import (
    ALGORITHMS,
    ASVSPOOF_ATTACKS,
    ASVSPOOF_TRAIN_IDS,
    FOR_RECIPES,
    ITW_RECIPES,
    WAVEFAKE_VOCODERS,
    WILD_ONLY,
)
from workflow_scripts.demo.corpora import write_demo_corpus
from workflow_scripts.demo.speech import rng_for

SEED = 31
DURATION = (0.8, 1.2)
LEARNABLE = {
    "mode": "learnable",
    "bonafide": 9,
    "spoof": 8,
    "n_speakers": 4,
    "duration_s": [0.6, 0.8],
}
HARD = {"mode": "hard", "bonafide": 4, "spoof": 5}


def tree_digest(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def read_meta(root: Path) -> list[list[str]]:
    with (root / "release_in_the_wild" / "meta.csv").open(newline="", encoding="utf-8") as fh:
        return list(csv.reader(fh))


@pytest.fixture(scope="module")
def corpora(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("demo_itw")
    for name, sizes in (("learnable", LEARNABLE), ("hard", HARD)):
        write_demo_corpus("in_the_wild", base / name, sizes, seed=SEED, duration_s=DURATION)
    return base


@pytest.mark.parametrize("mode", ["learnable", "hard"])
def test_released_layout_and_read_back(corpora: Path, mode: str) -> None:
    sizes = LEARNABLE if mode == "learnable" else HARD
    root = corpora / mode
    rows = read_meta(root)
    assert rows[0] == ["file", "speaker", "label"]
    assert [r[0] for r in rows[1:]] == [f"{i}.wav" for i in range(len(rows) - 1)]
    labels = Counter(r[2] for r in rows[1:])
    assert labels == {"bona-fide": sizes["bonafide"], "spoof": sizes["spoof"]}
    release = root / "release_in_the_wild"
    assert sorted(p.name for p in release.iterdir()) == sorted(
        ["meta.csv"] + [r[0] for r in rows[1:]]
    )
    for name, _, _ in rows[1:]:
        info = sf.info(str(release / name))
        assert (info.samplerate, info.channels, info.format, info.subtype) == (
            16000,
            1,
            "WAV",
            "PCM_16",
        )
        x, _ = sf.read(str(release / name))
        lo, hi = sizes.get("duration_s", DURATION)  # the corpus' own range replaces the demo's
        assert lo - 1e-3 <= x.shape[0] / 16000 <= hi + 1e-3
        assert np.all(np.isfinite(x)) and np.sqrt(np.mean(x**2)) > 1e-3
    table = build_manifest("itw", {"format": "in_the_wild", "root": str(root)}).table
    assert table["split"].unique().tolist() == ["eval"]
    assert table["utt_id"].tolist() == [r[0].removesuffix(".wav") for r in rows[1:]]
    expected = ["bonafide" if r[2] == "bona-fide" else "spoof" for r in rows[1:]]
    assert table["label"].tolist() == expected
    assert table["speaker"].tolist() == [r[1] for r in rows[1:]]
    readme = (root / "DEMO_CORPUS.txt").read_text()
    n_systems = len(itw.LEARNABLE_RECIPES if mode == "learnable" else ITW_RECIPES)
    assert f"system{n_systems}:" in readme and f"system{n_systems + 1}:" not in readme


def test_learnable_speakers_have_both_classes_in_near_equal_numbers(corpora: Path) -> None:
    rows = read_meta(corpora / "learnable")[1:]
    per = Counter((r[1], r[2]) for r in rows)
    speakers = {r[1] for r in rows}
    assert len(speakers) == LEARNABLE["n_speakers"]
    for label, total in (("bona-fide", LEARNABLE["bonafide"]), ("spoof", LEARNABLE["spoof"])):
        counts = [per[(s, label)] for s in speakers]
        assert min(counts) >= 1 and max(counts) - min(counts) <= 1 and sum(counts) == total
    # the default speaker count is capped by the smaller class, so tiny sizes still work
    jobs, texts = itw.jobs({"mode": "learnable", "bonafide": 3, "spoof": 5}, SEED, DURATION)
    rows = [line.split(",") for line in texts["release_in_the_wild/meta.csv"].splitlines()[1:]]
    assert len(jobs) == 8 and len({r[1] for r in rows}) == 3
    default = {
        r.split(",")[1]
        for r in itw.jobs({"mode": "learnable", "bonafide": 60, "spoof": 60}, SEED, DURATION)[1][
            "release_in_the_wild/meta.csv"
        ].splitlines()[1:]
    }
    assert len(default) == itw.DEFAULT_LEARNABLE_SPEAKERS


def test_hard_mode_keeps_the_earlier_layout(corpora: Path) -> None:
    """The hard mode's meta.csv for seed 31 and 4 + 5 clips, as written before the learnable mode
    existed (speakers drawn per clip from the first 8 names)."""
    text = (corpora / "hard" / "release_in_the_wild" / "meta.csv").read_text()
    assert text == (
        "file,speaker,label\n"
        "0.wav,Avery Stone,bona-fide\n1.wav,Harper Quist,bona-fide\n2.wav,Dana Okafor,bona-fide\n"
        "3.wav,Avery Stone,spoof\n4.wav,Emery Vance,spoof\n5.wav,Finley Moreau,spoof\n"
        "6.wav,Harper Quist,spoof\n7.wav,Blake Harrow,spoof\n8.wav,Casey Lindqvist,bona-fide\n"
    )


def test_learnable_recipes_are_related_to_training_but_not_identical() -> None:
    train = [ASVSPOOF_ATTACKS[a] for a in ASVSPOOF_TRAIN_IDS]
    train += list(FOR_RECIPES) + [r for r, _ in WAVEFAKE_VOCODERS.values()]
    seen = {n for r in train for n in r.names}
    train_chains = {tuple((s.algorithm, s.params) for s in r.steps) for r in train}
    for chain in itw.LEARNABLE_RECIPES:
        assert set(chain.names) & seen, chain.names  # a family the training corpora have
        assert all(s.strength is not None for s in chain.steps)  # its own strengths
        if tuple((s.algorithm, s.params) for s in chain.steps) in train_chains:
            # a training chain again only at other strengths
            assert all(s.strength != ALGORITHMS[s.algorithm].strength for s in chain.steps)
    assert any(set(chain.names) & WILD_ONLY for chain in itw.LEARNABLE_RECIPES)
    assert not all(set(chain.names) & WILD_ONLY for chain in itw.LEARNABLE_RECIPES)


def test_same_seed_same_bytes_other_seed_other_audio(corpora: Path, tmp_path: Path) -> None:
    for name, sizes in (("learnable", LEARNABLE), ("hard", HARD)):
        write_demo_corpus("in_the_wild", tmp_path / name, sizes, seed=SEED, duration_s=DURATION)
        assert tree_digest(tmp_path / name) == tree_digest(corpora / name)
    write_demo_corpus(
        "in_the_wild", tmp_path / "other", LEARNABLE, seed=SEED + 1, duration_s=DURATION
    )
    a, b = tree_digest(corpora / "learnable"), tree_digest(tmp_path / "other")
    assert all(a[k] != b[k] for k in a if k.endswith(".wav"))


def test_wild_channel_keeps_length_and_the_speech() -> None:
    sr, n = 16000, 16000
    t = np.arange(n) / sr
    x = 0.1 * np.sin(2 * np.pi * 220.0 * t) * (1.0 + np.sin(2 * np.pi * 3.0 * t))
    for k in range(12):
        y = itw.wild_channel(x, sr, rng_for(5, "channel", k))
        assert y.shape == x.shape and np.all(np.isfinite(y))
        # moderate: the 220 Hz tone survives every condition (correlation with the input)
        assert abs(np.corrcoef(x, y)[0, 1]) > 0.3


@pytest.mark.parametrize(
    ("sizes", "message"),
    [
        ({"mode": "easy", "bonafide": 2, "spoof": 2}, "mode must be one of"),
        (
            {"mode": "learnable", "bonafide": 2, "spoof": 3, "n_speakers": 3},
            "every speaker has clips of both classes",
        ),
        ({"mode": "hard", "bonafide": 2, "spoof": 3, "n_speakers": 13}, r"1\.\.12 in hard mode"),
        ({"bonafide": 2, "spoof": 2, "speakers": 3}, "unknown keys"),
        ({"bonafide": 2, "spoof": 2, "duration_s": [0.2, 1.0]}, "in_the_wild.duration_s"),
    ],
)
def test_bad_sizes_are_refused(tmp_path: Path, sizes: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        write_demo_corpus("in_the_wild", tmp_path / "x", sizes, seed=1, duration_s=DURATION)
    assert not (tmp_path / "x").exists()
