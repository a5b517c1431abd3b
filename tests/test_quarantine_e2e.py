"""Bad audio in a real ASVspoof 2019 LA layout, quarantined by a real Snakemake run.

The demo corpora plant no bad audio, so this builds a small corpus on disk in the
release's own layout (protocol files + ``LA/ASVspoof2019_LA_<split>/flac``), with
audio written by soundfile and six planted faults, points the tiny config's
``asvspoof2019`` root at it and runs the repository's Snakefile on the dataset's
quarantine list (manifest -> 2 cache shards per split -> merged caches -> list; no
training). The other datasets stay the tiny config's demo corpora and are never built.

Faults (train: 4 of 12 files; eval: 2 of 8; dev: none):

=============================  ========  =========================================
fault                          split     quarantine reason (stage ``features``)
=============================  ========  =========================================
FLAC cut in half (bytes)       train     ``unreadable: <libsndfile message>``
zero-byte file                 train     ``unreadable: empty file (0 bytes)``
digital silence                train     ``silent: peak -inf dBFS < -60 dBFS``
0.05 s clip                    train     ``too short: 0.050 s < 0.25 s``
random bytes named .flac       eval      ``unreadable: Error opening '<path>': ...``
float WAV with NaN/Inf, .flac  eval      ``non-finite samples (NaN/Inf)``
=============================  ========  =========================================

Two unusual but good files must be kept: 44.1 kHz stereo (train) and 40 s long (dev).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import h5py
import numpy as np
import pytest
import soundfile as sf
import yaml
from conftest import SNAKEMAKE, TINY, snakemake

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(SNAKEMAKE is None, reason="snakemake is not installed in this environment"),
]

DATASET = "asvspoof2019"
SPLITS = ("train", "dev", "eval")
PROTOCOLS = {
    "train": "ASVspoof2019.LA.cm.train.trn.txt",
    "dev": "ASVspoof2019.LA.cm.dev.trl.txt",
    "eval": "ASVspoof2019.LA.cm.eval.trl.txt",
}
TARGET = f"results/quarantine/{DATASET}.tsv"
#: Pass run: above the worst split's bad share (train, 4 of 12 = 33.3 %).
PASS_FRACTION = 0.5
#: Fail run: below train's 33.3 % but above eval's 25 %, so exactly one split fails.
FAIL_FRACTION = 0.3
#: Seconds one Snakemake run may take. Measured with the 2 cores shared (load ~5): 73 s for the
#: 11-job run, 29 s for the 4-job one; 155 s for the first at load ~8. A hang fails the test.
RUN_TIMEOUT_S = 600
SR = 16000

# Protocol rows per split, in protocol order: (speaker, file id, attack, key, kind).
# ``kind`` says what audio the file holds (see write_audio). Train has 12 rows, so its two
# shards are rows 0-5 and 6-11: each shard gets two faults among good files.
CORPUS: dict[str, list[tuple[str, str, str, str, str]]] = {
    "train": [
        ("LA_0079", "LA_T_1000001", "-", "bonafide", "good"),
        ("LA_0079", "LA_T_1000002", "A01", "spoof", "truncated_flac"),
        ("LA_0080", "LA_T_1000003", "A02", "spoof", "good"),
        ("LA_0080", "LA_T_1000004", "-", "bonafide", "zero_bytes"),
        ("LA_0081", "LA_T_1000005", "A03", "spoof", "stereo_44k"),
        ("LA_0081", "LA_T_1000006", "-", "bonafide", "good"),
        ("LA_0079", "LA_T_1000007", "A04", "spoof", "digital_silence"),
        ("LA_0080", "LA_T_1000008", "A05", "spoof", "good"),
        ("LA_0081", "LA_T_1000009", "-", "bonafide", "clip_50ms"),
        ("LA_0079", "LA_T_1000010", "A06", "spoof", "good"),
        ("LA_0080", "LA_T_1000011", "-", "bonafide", "good"),
        ("LA_0081", "LA_T_1000012", "A01", "spoof", "good"),
    ],
    "dev": [
        ("LA_0069", "LA_D_2000001", "-", "bonafide", "good"),
        ("LA_0069", "LA_D_2000002", "A01", "spoof", "good"),
        ("LA_0070", "LA_D_2000003", "-", "bonafide", "long_40s"),
        ("LA_0070", "LA_D_2000004", "A03", "spoof", "good"),
        ("LA_0069", "LA_D_2000005", "A05", "spoof", "good"),
        ("LA_0070", "LA_D_2000006", "-", "bonafide", "good"),
    ],
    "eval": [
        ("LA_0039", "LA_E_3000001", "-", "bonafide", "good"),
        ("LA_0039", "LA_E_3000002", "A07", "spoof", "random_bytes"),
        ("LA_0040", "LA_E_3000003", "A10", "spoof", "good"),
        ("LA_0040", "LA_E_3000004", "-", "bonafide", "good"),
        ("LA_0039", "LA_E_3000005", "A13", "spoof", "nan_inf_wav"),
        ("LA_0040", "LA_E_3000006", "A16", "spoof", "good"),
        ("LA_0039", "LA_E_3000007", "-", "bonafide", "good"),
        ("LA_0040", "LA_E_3000008", "A19", "spoof", "good"),
    ],
}
GOOD_KINDS = ("good", "stereo_44k", "long_40s")


def speechlike(rng: np.random.Generator, seconds: float, sr: int = SR) -> np.ndarray:
    """A few seconds of an amplitude-modulated harmonic tone plus noise, peak ~0.5."""
    t = np.arange(int(round(seconds * sr))) / sr
    f0 = rng.uniform(100.0, 220.0)
    wave = sum(np.sin(2 * np.pi * f0 * k * t) / k for k in range(1, 6))
    wave = wave * (0.6 + 0.4 * np.sin(2 * np.pi * rng.uniform(2.0, 5.0) * t))
    wave = wave + 0.05 * rng.standard_normal(t.shape[0])
    return (0.5 * wave / np.max(np.abs(wave))).astype(np.float32)


def write_audio(path: Path, kind: str, rng: np.random.Generator) -> None:
    """Write one file of ``kind`` (a good file or one planted fault) at ``path``."""
    if kind == "good":  # ordinary: 16 kHz mono, 1-2 s
        sf.write(path, speechlike(rng, rng.uniform(1.0, 2.0)), SR, subtype="PCM_16")
    elif kind == "stereo_44k":  # good: 44.1 kHz, two different channels
        left, right = speechlike(rng, 1.5, 44100), speechlike(rng, 1.5, 44100)
        sf.write(path, np.stack([left, right], axis=1), 44100, subtype="PCM_16")
    elif kind == "long_40s":  # good: only the leading 3 s window is decoded
        sf.write(path, speechlike(rng, 40.0), SR, subtype="PCM_16")
    elif kind == "truncated_flac":
        # A valid 2 s FLAC cut in half at the byte level. The file is shorter than the 3 s
        # feature window, so the decoder reaches the cut and must fail there.
        sf.write(path, speechlike(rng, 2.0), SR, subtype="PCM_16")
        data = path.read_bytes()
        path.write_bytes(data[: len(data) // 2])
    elif kind == "zero_bytes":
        path.write_bytes(b"")
    elif kind == "digital_silence":
        sf.write(path, np.zeros(int(1.5 * SR), dtype=np.float32), SR, subtype="PCM_16")
    elif kind == "clip_50ms":
        sf.write(path, speechlike(rng, 0.05), SR, subtype="PCM_16")
    elif kind == "random_bytes":
        path.write_bytes(rng.bytes(16384))
    elif kind == "nan_inf_wav":
        wave = speechlike(rng, 1.5)
        wave[1000], wave[2000] = np.nan, np.inf
        sf.write(path, wave, SR, format="WAV", subtype="FLOAT")  # a WAV under a .flac name
    else:
        raise ValueError(kind)


def build_corpus(root: Path) -> None:
    """The ASVspoof 2019 LA release layout under ``root/LA`` with :data:`CORPUS`'s files."""
    rng = np.random.default_rng(2019)
    protocols = root / "LA" / "ASVspoof2019_LA_cm_protocols"
    protocols.mkdir(parents=True)
    for split, rows in CORPUS.items():
        flac_dir = audio_dir(root, split)
        flac_dir.mkdir(parents=True)
        lines = [f"{spk} {utt} - {attack} {key}\n" for spk, utt, attack, key, _ in rows]
        (protocols / PROTOCOLS[split]).write_text("".join(lines))
        for _, utt, _, _, kind in rows:
            write_audio(flac_dir / f"{utt}.flac", kind, rng)


def audio_dir(root: Path, split: str) -> Path:
    return root / "LA" / f"ASVspoof2019_LA_{split}" / "flac"


def audio_path(root: Path, utt: str) -> str:
    split = {"T": "train", "D": "dev", "E": "eval"}[utt.split("_")[1]]
    return str(audio_dir(root, split) / f"{utt}.flac")


def write_config(tmp_path: Path, root: Path, max_fraction: float) -> Path:
    """The tiny config with ``root`` as the asvspoof2019 corpus and the given quarantine limit.

    The features' two rejection thresholds are pinned here (they are config.yaml's defaults)
    so that the expected reasons below read straight from this config.
    """
    config = yaml.safe_load(TINY.read_text())
    assert config["datasets"][DATASET]["format"] == "asvspoof2019_la"
    config["datasets"][DATASET]["root"] = str(root)
    config["caches"]["max_quarantine_fraction"] = max_fraction
    config["caches"]["n_shards"] = 2  # shards, then their merge, as on a real corpus
    config.setdefault("features", {}).update(min_duration_s=0.25, silence_dbfs=-60.0)
    path = tmp_path / f"quarantine_{max_fraction:g}.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


def run_workflow(workdir: Path, config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The repository's Snakefile on ``args`` (``--cores 2``), the exit status left to the test;
    killed whole (its jobs too), and the test failed, after :data:`RUN_TIMEOUT_S`."""
    return snakemake(workdir, *args, config=config, check=False, timeout=RUN_TIMEOUT_S)


def expected_quarantine(root: Path) -> list[tuple[str, str, str, str, bool]]:
    """Every row of results/quarantine/asvspoof2019.tsv, in order: (utt_id, path, stage,
    reason, exact). ``exact=False`` marks a reason that ends with libsndfile's own message:
    only the prefix up to it is asserted, since that text is the C library's (it changes
    between libsndfile releases). With libsndfile 1.2.2 the full reasons are
    ``unreadable: Error : flac decoder lost sync.`` (truncated FLAC) and
    ``unreadable: Error opening '<path>': Format not recognised.`` (random bytes);
    ``Error opening '<path>': `` is soundfile's own (Python) prefix, so it is asserted.

    Order: the manifest's quarantine list (empty: every protocol line names a file that
    exists), then the splits train, dev, eval, each in protocol order (shard 0, shard 1).
    """

    def opening(utt: str) -> str:
        return f"unreadable: Error opening {audio_path(root, utt)!r}: "

    rows = [
        ("LA_T_1000002", "features", "unreadable: ", False),
        ("LA_T_1000004", "features", "unreadable: empty file (0 bytes)", True),
        ("LA_T_1000007", "features", "silent: peak -inf dBFS < -60 dBFS", True),
        ("LA_T_1000009", "features", "too short: 0.050 s < 0.25 s", True),
        ("LA_E_3000002", "features", opening("LA_E_3000002"), False),
        ("LA_E_3000005", "features", "non-finite samples (NaN/Inf)", True),
    ]
    return [
        (utt, audio_path(root, utt), stage, reason, exact) for utt, stage, reason, exact in rows
    ]


QUARANTINED = {utt for rows in CORPUS.values() for _, utt, _, _, k in rows if k not in GOOD_KINDS}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("asvspoof2019_bad") / "release"
    build_corpus(root)
    return root


@pytest.fixture(scope="module")
def passed_workdir(corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Work directory where the quarantine list was built with a limit the corpus passes."""
    tmp = tmp_path_factory.mktemp("quarantine_pass")
    workdir = tmp / "wf"
    proc = run_workflow(workdir, write_config(tmp, corpus, PASS_FRACTION), TARGET)
    assert proc.returncode == 0, f"snakemake failed:\n{proc.stdout[-4000:]}\n{proc.stderr[-6000:]}"
    return workdir


def test_quarantine_list_has_every_fault_with_its_reason(
    passed_workdir: Path, corpus: Path
) -> None:
    lines = (passed_workdir / TARGET).read_text().splitlines()
    assert lines[0] == "utt_id\tpath\tstage\treason"
    rows = [line.split("\t") for line in lines[1:]]
    expected = expected_quarantine(corpus)
    assert [row[:3] for row in rows] == [list(e[:3]) for e in expected]
    for row, (utt, _, _, reason, exact) in zip(rows, expected, strict=True):
        assert len(row) == 4, row
        if exact:
            assert row[3] == reason, utt
        else:  # prefix, then a non-empty library message
            assert row[3].startswith(reason) and len(row[3]) > len(reason), (utt, row[3])
    # the truncated file fails while decoding, not as a format the decoder does not know
    assert "Error opening" not in rows[0][3]
    # the manifest stage quarantined nothing: every protocol line names an existing file
    manifest_q = passed_workdir / f"results/manifests/{DATASET}.quarantine.tsv"
    assert manifest_q.read_text().splitlines() == ["utt_id\tpath\tstage\treason"]


def test_good_files_cached_bad_files_not(passed_workdir: Path, corpus: Path) -> None:
    from workflow_scripts.features.logmel import FeatureParams, file_to_logmel

    params = FeatureParams(min_duration_s=0.25, silence_dbfs=-60.0)
    n_quarantined = {"train": 4, "dev": 0, "eval": 2}
    features_by_utt: dict[str, np.ndarray] = {}
    for split in SPLITS:
        with h5py.File(passed_workdir / f"results/caches/{DATASET}/{split}.h5", "r") as h5:
            utt_ids = list(h5["utt_id"].asstr()[()])
            feats = h5["features"][()].astype(np.float32)
            labels = list(h5["label"][()])
            attacks = list(h5["attack"].asstr()[()])
            assert int(h5.attrs["n_quarantined"]) == n_quarantined[split]
        good = [row for row in CORPUS[split] if row[4] in GOOD_KINDS]
        assert utt_ids == [row[1] for row in good]  # protocol order, faults removed
        assert labels == [1 if row[3] == "bonafide" else 0 for row in good]
        assert attacks == [row[2] for row in good]
        assert not QUARANTINED & set(utt_ids)
        assert feats.shape == (len(good), 80, 301)
        assert np.isfinite(feats).all()
        features_by_utt.update(zip(utt_ids, feats, strict=True))
        # temporary shards were merged away
        assert not list((passed_workdir / f"results/caches/{DATASET}/{split}").glob("shard*"))

    # the unusual good files: in the cache, and their rows are their own audio's features
    for utt in ("LA_T_1000005", "LA_D_2000003"):  # 44.1 kHz stereo; 40 s long
        assert utt in features_by_utt
        direct = file_to_logmel(audio_path(corpus, utt), params)
        np.testing.assert_allclose(features_by_utt[utt], direct, atol=0.05, rtol=0.01)


def test_quarantine_share_over_limit_fails_and_leaves_no_cache(
    corpus: Path, tmp_path: Path
) -> None:
    # Only the split over the limit is built (4 jobs, not the list's 11): dev and eval are
    # under the limit (0 % and 25 %) and a run of the list fails on train's merge the same way.
    workdir = tmp_path / "wf"
    config = write_config(tmp_path, corpus, FAIL_FRACTION)
    proc = run_workflow(workdir, config, f"results/caches/{DATASET}/train.h5")
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0, out[-4000:]
    # the failed job's log (printed by the workflow profile's show-failed-logs) names the
    # split's cache, the count and share of quarantined files and the limit ...
    assert (
        f"results/caches/{DATASET}/train.h5: 4 of 12 files quarantined (33.3%), "
        "more than max_quarantine_fraction 30.0%; cache not written" in out
    ), out[-6000:]
    # ... and each offending file with its reason (the merged list itself is a failed job's
    # output, which Snakemake deletes)
    for utt, path, _, reason, _ in expected_quarantine(corpus)[:4]:
        assert f"quarantined {utt} {path}: {reason}" in out, (utt, out[-6000:])
    # no train cache, not even a half-written temporary one
    caches = workdir / "results" / "caches" / DATASET
    assert sorted(p.name for p in caches.iterdir()) == ["train"]  # the shards' folder only
    assert not (caches / "train.h5").exists()


def test_merge_log_lists_the_first_quarantined_files_then_counts_the_rest(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    """A split far over the limit: merge_cache logs MAX_LISTED files and counts the others."""
    import pandas as pd

    from workflow_scripts import merge_cache
    from workflow_scripts.datasets.manifest import MANIFEST_COLUMNS, QUARANTINE_COLUMNS
    from workflow_scripts.features.cache import build_shard
    from workflow_scripts.features.logmel import FeatureParams
    from workflow_scripts.io.files import write_tsv

    shard, shard_list = tmp_path / "shard0.h5", tmp_path / "shard0.quarantine.tsv"
    no_rows = pd.DataFrame(columns=list(MANIFEST_COLUMNS))
    params = FeatureParams()
    build_shard(no_rows, shard, tmp_path / "q.tsv", params, seed=0, dataset="d", split="train")
    n = merge_cache.MAX_LISTED + 2
    rows = [(f"u{i}", f"/c/u{i}.flac", "features", "silent: x") for i in range(n)]
    write_tsv(pd.DataFrame(rows, columns=list(QUARANTINE_COLUMNS)), shard_list)
    argv = ["--shards", str(shard), "--quarantine", str(shard_list)]
    argv += ["--max-quarantine-fraction", "0.5", "--out", str(tmp_path / "train.h5")]
    argv += ["--quarantine-out", str(tmp_path / "train.quarantine.tsv")]
    with caplog.at_level("ERROR", logger="workflow_scripts.merge_cache"):
        assert merge_cache.main(argv) == 2
    messages = [r.getMessage() for r in caplog.records if r.name == "workflow_scripts.merge_cache"]
    assert messages == [
        *(f"quarantined u{i} /c/u{i}.flac: silent: x" for i in range(merge_cache.MAX_LISTED)),
        f"... and 2 more quarantined file(s), all listed in {shard_list}",
    ]
    assert f"{n} of {n} files quarantined (100.0%)" in capsys.readouterr().err
    assert not (tmp_path / "train.h5").exists()
