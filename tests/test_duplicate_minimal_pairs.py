"""Duplicate search on one real TTS voice: minimal pairs are never merged, edited copies are.

eSpeak NG (Debian package ``espeak-ng``, installed by
scripts/install_system_deps.sh; under CI=true a skip fails the run) reads words
that differ by a phoneme or two ("six" / "sixth", "b" / "d", "pause" / "paused",
"billion" / "million", "to increase the rate" / "to decrease the rate", ...)
with one voice: the hard negatives that a coarse fingerprint merged on real
speech. They are the LJSpeech recordings of a WaveFake-layout corpus; a
FoR-layout corpus holds edited copies of some of them (leading and trailing
silence, gain, resampling, MP3 round trips, a 7 kHz lowpass), single letters
of under 1 s included. Manifests come from the real adapters, fingerprints
from ``make_fingerprints`` and pairs from ``find_duplicates``.
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
from workflow_scripts.datasets.fakeorreal import read_fakeorreal
from workflow_scripts.datasets.manifest import ProblemLog, manifest_frame
from workflow_scripts.datasets.wavefake import read_wavefake
from workflow_scripts.demo import tts_pairs
from workflow_scripts.sampling.duplicates import DEFAULT_THRESHOLD, VECTOR_MATCH

pytestmark = pytest.mark.skipif(
    not tts_pairs.espeak_available(),
    reason="espeak-ng is not installed (scripts/install_system_deps.sh)",
)

PAIRS = (
    ("six", "sixth"),
    ("b", "d"),
    ("pause", "paused"),
    ("billion", "million"),
    ("to increase the rate", "to decrease the rate"),
    ("p", "t"),
    ("m", "n"),
    ("walk", "walked"),
    ("one thousand", "one thousandth"),
)
#: Texts copied into the FoR-like corpus, with the edits of their copies (one file each).
COPIES = {
    "six": ("mp3_22k_to_16k", "wav"),
    "sixth": ("resample_16k",),
    "b": ("mp3_44k", "resample_16k"),
    "d": ("mp3_16k",),
    "paused": ("lowpass_7k",),
    "m": ("resample_44k",),
    "to decrease the rate": ("mp3_16k",),
    "walk": ("mp3_22k_to_16k",),
}
VOCODER = "ljspeech_melgan"
STR = h5py.string_dtype("utf-8")


def _write(path: Path, x: np.ndarray, sr: int) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(path, x, sr, subtype="PCM_16")
    return path


def _pseudo_cache(path: Path, dataset: str, split: str, rows: pd.DataFrame) -> None:
    """A cache's row index (utt_id, label, attack): all make_fingerprints reads of it."""
    with h5py.File(path, "w") as h5:
        h5.create_dataset("utt_id", data=rows["utt_id"].to_numpy(object), dtype=STR)
        h5.create_dataset("label", data=(rows["label"] == "bonafide").to_numpy(np.int8))
        h5.create_dataset("attack", data=rows["attack"].to_numpy(object), dtype=STR)
        h5.attrs.update({"dataset": dataset, "split": split})


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """Write both corpora, fingerprint every split, scan them all; return what is needed."""
    root = tmp_path_factory.mktemp("tts")
    texts = [t for pair in PAIRS for t in pair]
    lj_id = {t: f"LJ001-{k + 1:04d}" for k, t in enumerate(texts)}
    originals = {t: tts_pairs.speak(t) for t in texts}
    wavs = root / "wavefake" / "LJSpeech-1.1" / "wavs"
    for t, (x, sr) in originals.items():
        _write(wavs / f"{lj_id[t]}.wav", x, sr)
    # spoofs: the first pair read at another pitch, by one "vocoder" (comparable to each other)
    fakes = root / "wavefake" / "generated_audio" / VOCODER
    for t in PAIRS[0]:
        x, sr = tts_pairs.speak(t, pitch=70)
        _write(fakes / f"{lj_id[t]}_gen.wav", x, sr)
    for_root = root / "for" / "for-norm"
    for split in ("training", "validation", "testing"):
        for label in ("real", "fake"):
            (for_root / split / label).mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(11)
    copies: dict[str, str] = {}  # FoR file name -> text
    planted = ["for_path\tljspeech_id"]
    for k, (t, edits) in enumerate(COPIES.items()):
        x, sr = originals[t]
        for e, edit in enumerate(edits):
            y, rate, _ = tts_pairs.edited_copy(x, sr, edit, rng)
            split = "training" if (k + e) % 2 == 0 else "testing"
            name = f"file{k}{e}.wav"
            _write(for_root / split / "real" / name, y, rate)
            copies[f"{ {'training': 'train', 'testing': 'eval'}[split] }/real/{name}"] = t
            planted.append(f"for-norm/{split}/real/{name}\t{lj_id[t]}")
    x, sr = tts_pairs.speak("six", voice="en-gb", pitch=70)  # a FoR fake: the word, not the clip
    _write(for_root / "training" / "fake" / "fake0.wav", x, sr)
    (root / "demo_duplicates.tsv").write_text("\n".join(planted) + "\n")

    manifests = {
        "for": manifest_frame(read_fakeorreal("for", {"root": str(root / "for")}, ProblemLog())),
        "wavefake": manifest_frame(
            read_wavefake(
                "wavefake",
                {
                    "root": str(root / "wavefake" / "generated_audio"),
                    "ljspeech_root": str(root / "wavefake"),
                    "vocoders": [VOCODER],
                },
                ProblemLog(),
            )
        ),
    }
    specs = []
    for dataset, table in manifests.items():
        manifest = root / f"{dataset}.tsv"
        table.to_csv(manifest, sep="\t", index=False)
        for split, rows in table.groupby("split", sort=True):
            cache, prints = root / f"{dataset}_{split}.h5", root / f"{dataset}_{split}.fp.h5"
            _pseudo_cache(cache, dataset, str(split), rows)
            argv = ["--cache", str(cache), "--manifest", str(manifest), "--threads", "2"]
            argv += ["--out", str(prints), "--unchecked-out", str(root / f"{dataset}_{split}.tsv")]
            assert make_fingerprints.main(argv) == 0
            specs += ["--fingerprints", f"{dataset}:{split}={prints}"]
    argv = [*specs, "--expected-demo", str(root / "demo_duplicates.tsv")]
    argv += ["--out", str(root / "pairs.tsv"), "--summary-out", str(root / "summary.json")]
    assert find_duplicates.main(argv) == 0
    return {
        "root": root,
        "lj_id": lj_id,
        "copies": copies,
        "durations": {t: x.shape[0] / sr for t, (x, sr) in originals.items()},
        "manifests": manifests,
        "pairs": pd.read_csv(root / "pairs.tsv", sep="\t", dtype=str),
        "summary": json.loads((root / "summary.json").read_text()),
    }


def _expected_pairs(corpus: dict[str, object]) -> set[frozenset[tuple[str, str]]]:
    """Every copy with its original, and every two copies of one text."""
    lj_id, copies = corpus["lj_id"], corpus["copies"]
    rows = [(t, ("for", utt)) for utt, t in copies.items()]
    rows += [(t, ("wavefake", f"LJSpeech/{lj_id[t]}")) for t in set(copies.values())]
    return {
        frozenset((a, b)) for k, (ta, a) in enumerate(rows) for tb, b in rows[k + 1 :] if ta == tb
    }


def test_edited_copies_are_all_found_and_minimal_pairs_never(corpus: dict[str, object]) -> None:
    pairs = corpus["pairs"]
    found = {
        frozenset(((r.dataset_a, r.utt_a), (r.dataset_b, r.utt_b))) for r in pairs.itertuples()
    }
    assert found == _expected_pairs(corpus)
    # clips under 1 s among them (single letters, short words)
    short = {t for t in set(corpus["copies"].values()) if corpus["durations"][t] < 1.0}
    assert {"b", "d", "m", "six"} <= short
    summary = corpus["summary"]
    planted = summary["expected_demo"]
    assert planted["scanned"] == planted["found"] == len(corpus["copies"])
    assert (planted["recall"], planted["precision"], planted["false_merges"]) == (1.0, 1.0, 0)
    assert pairs["similarity"].astype(float).min() >= DEFAULT_THRESHOLD + 0.03


def test_every_row_is_checked_and_the_vectors_alone_would_have_merged_words(
    corpus: dict[str, object],
) -> None:
    summary = corpus["summary"]
    n_rows = sum(len(m) for m in corpus["manifests"].values())
    assert summary["rows_scanned"] == n_rows and summary["rows_unchecked"] == 0
    assert summary["candidates"] == summary["pairs"] + summary["rejected_by_frames"]
    # the candidate vectors put different words of the voice at or above 0.9: the search
    # before the frame confirmation would have merged them; the frames keep them apart
    text = {f"LJSpeech/{v}": t for t, v in corpus["lj_id"].items()}
    vector_only = summary["vector_only_examples"]
    merged_before = {
        frozenset((text[p["utt_a"]], text[p["utt_b"]]))
        for p in vector_only
        if p["utt_a"] in text and p["utt_b"] in text
    }
    assert len(merged_before) >= 3  # e.g. "walk" / "walked", "pause" / "paused", "b" / "p"
    assert min(p["vector_similarity"] for p in vector_only) >= VECTOR_MATCH
    assert summary["vector_only_matches"] == len(vector_only)  # fewer than 20 here
    rejected = summary["near_misses"]
    assert max(p["similarity"] for p in rejected) < DEFAULT_THRESHOLD - 0.01
    # the WaveFake fakes "six" / "sixth" (one system) are comparable, and not merged either
    wf = {(s["a"], s["b"]): s for s in summary["pairs_per_cache_pair"] if s["a"] == s["b"]}
    spoofs = [p for p in rejected if p["utt_a"].startswith(VOCODER)]
    assert spoofs and all(p["utt_b"].startswith(VOCODER) for p in spoofs)
    assert sum(s["pairs"] for s in wf.values() if s["a"].startswith("wavefake")) == 0
