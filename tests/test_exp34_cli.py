"""Experiments 3 and 4 command-line adapters: duplicates, random draws, eval subset, full method, tables.

Small HDF5 caches in the documented layout (80 mel bands, 60 frames to stay
fast; the fingerprint needs >= 30 frames) with planted copies: a row of one
cache copied into another with a gain offset added to the log-mel.
"""

from __future__ import annotations

import json
from pathlib import Path

import h5py
import numpy as np
import pandas as pd
import pytest

from workflow_scripts import find_duplicates, make_eval_subset, make_table2, make_table_exp4
from workflow_scripts import sample_exp3, sample_full_method
from workflow_scripts.sampling import rate_to_count
from workflow_scripts.selections import (
    DUPLICATE_COLUMNS,
    duplicate_exclusions,
    parse_named_path,
    read_cache_table,
    read_selection,
)

N_MELS, N_FRAMES = 80, 60
STR = h5py.string_dtype("utf-8")


def _logmel(rng: np.random.Generator, n: int) -> np.ndarray:
    """Distinct utterance-like log-mels: blocky random spectro-temporal patterns plus noise."""
    coarse = rng.normal(scale=2.0, size=(n, 20, 15))
    fine = np.repeat(np.repeat(coarse, 4, axis=1), 4, axis=2)
    return fine + rng.normal(scale=0.2, size=(n, N_MELS, N_FRAMES)) - 4.0


def _write_cache(path: Path, features: np.ndarray, dataset: str, split: str, labels: list[int],
                 attacks: list[str], prefix: str) -> list[str]:
    utt = [f"{prefix}_{i:03d}" for i in range(features.shape[0])]
    with h5py.File(path, "w") as h5:
        h5.create_dataset("features", data=features.astype(np.float16), chunks=(1, N_MELS, N_FRAMES))
        h5.create_dataset("utt_id", data=np.array(utt, dtype=object), dtype=STR)
        h5.create_dataset("label", data=np.array(labels, dtype=np.int8))
        h5.create_dataset("attack", data=np.array(attacks, dtype=object), dtype=STR)
        h5.attrs.update({"dataset": dataset, "split": split, "n_mels": N_MELS, "n_frames": N_FRAMES})
    return utt


def _copy(x: np.ndarray, rng: np.random.Generator, gain: float) -> np.ndarray:
    """A re-levelled copy: constant offset in log-mel (gain) and a little noise."""
    return x + gain + rng.normal(scale=0.05, size=x.shape)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """Train and eval caches of three datasets with planted copies, and the find_duplicates output.

    Planted copies (everything else is distinct):
      for:train 0  == wavefake:train 2   (train vs train)
      for:train 1  == wavefake:eval 0    (train vs eval)
      for:train 3  == for:train 9        (within one cache)
      for:eval 2   == wavefake:eval 4    (eval vs eval)
    and wavefake:train spoof 15 copies bonafide 5, which is not a duplicate (other label).
    """
    root = tmp_path_factory.mktemp("exp34")
    rng = np.random.default_rng(0)
    asv = _logmel(rng, 26)
    fort = _logmel(rng, 24)
    wft = _logmel(rng, 40)
    wfe = _logmel(rng, 16)
    fore = _logmel(rng, 10)
    wft[2] = _copy(fort[0], rng, 1.5)
    wfe[0] = _copy(fort[1], rng, -2.0)
    fort[9] = _copy(fort[3], rng, 0.7)
    wfe[4] = _copy(fore[2], rng, 1.0)
    wft[15] = _copy(wft[5], rng, 0.5)  # a spoof "vocoded" from a bonafide: same content, other class
    paths = {k: root / f"{k.replace(':', '_')}.h5" for k in
             ("asvspoof2019:train", "for:train", "wavefake:train", "wavefake:eval", "for:eval")}
    utt = {
        "asvspoof2019:train": _write_cache(paths["asvspoof2019:train"], asv, "asvspoof2019", "train",
                                           [1] * 6 + [0] * 20, ["-"] * 6 + ["A01", "A02"] * 10, "asv"),
        "for:train": _write_cache(paths["for:train"], fort, "for", "train", [1] * 12 + [0] * 12, ["-"] * 24, "fortr"),
        "wavefake:train": _write_cache(paths["wavefake:train"], wft, "wavefake", "train",
                                       [1] * 10 + [0] * 30, ["-"] * 10 + ["melgan", "hifigan", "waveglow"] * 10, "wftr"),
        "wavefake:eval": _write_cache(paths["wavefake:eval"], wfe, "wavefake", "eval",
                                      [1] * 8 + [0] * 8, ["-"] * 8 + ["melgan"] * 8, "wfev"),
        "for:eval": _write_cache(paths["for:eval"], fore, "for", "eval", [1] * 5 + [0] * 5, ["-"] * 10, "forev"),
    }
    dup_tsv, dup_json = root / "dups.tsv", root / "dups.json"
    rc = find_duplicates.main(
        [a for k, p in paths.items() for a in ("--cache", f"{k}={p}")]
        + ["--out", str(dup_tsv), "--summary-out", str(dup_json)]
    )
    assert rc == 0
    return {"root": root, "paths": paths, "utt": utt, "dup_tsv": dup_tsv, "dup_json": dup_json}


def _cache_args(corpus: dict[str, object], keys: list[str]) -> list[str]:
    paths = corpus["paths"]
    return [a for k in keys for a in ("--cache", f"{k.split(':')[0]}={paths[k]}")]


# --------------------------------------------------------------------------- duplicates


def test_find_duplicates_finds_the_planted_pairs_and_no_others(corpus: dict[str, object]) -> None:
    pairs = pd.read_csv(corpus["dup_tsv"], sep="\t", dtype={"utt_a": str, "utt_b": str})
    assert list(pairs.columns) == list(DUPLICATE_COLUMNS)
    found = {(r.dataset_a, r.split_a, r.utt_a, r.dataset_b, r.split_b, r.utt_b) for r in pairs.itertuples()}
    assert found == {
        ("for", "train", "fortr_000", "wavefake", "train", "wftr_002"),
        ("for", "train", "fortr_001", "wavefake", "eval", "wfev_000"),
        ("for", "train", "fortr_003", "for", "train", "fortr_009"),
        ("wavefake", "eval", "wfev_004", "for", "eval", "forev_002"),
    }
    assert (pairs["similarity"] > 0.97).all() and (pairs["similarity"] <= 1.0).all()
    summary = json.loads(Path(corpus["dup_json"]).read_text())
    assert summary["threshold"] == 0.9 and summary["pairs"] == 4
    assert summary["rows_scanned"] == 26 + 24 + 40 + 16 + 10
    per_pair = {(s["a"], s["b"]): s["pairs"] for s in summary["pairs_per_cache_pair"]}
    assert len(per_pair) == 5 * 6 // 2  # every cache with itself and every other cache
    assert per_pair[("for:train", "for:train")] == 1 and per_pair[("for:train", "wavefake:train")] == 1
    assert per_pair[("asvspoof2019:train", "for:train")] == 0
    assert sum(s["near_misses"] for s in summary["pairs_per_cache_pair"]) == 0
    cross = {(s["a"], s["b"]): s["cross_label_matches"] for s in summary["pairs_per_cache_pair"]}
    assert cross[("wavefake:train", "wavefake:train")] == 1 and sum(cross.values()) == 1


def test_spoofs_of_one_sentence_by_different_attacks_are_not_duplicates(tmp_path: Path) -> None:
    """WaveFake vocodes each LJSpeech sentence with every vocoder: same content, different fakes."""
    rng = np.random.default_rng(5)
    feats = _logmel(rng, 8)
    feats[1] = _copy(feats[0], rng, 0.3)  # same sentence, other vocoder: not a copy
    feats[2] = _copy(feats[0], rng, -0.4)  # same sentence, same vocoder: a copy
    path = tmp_path / "wf.h5"
    _write_cache(path, feats, "wavefake", "train", [0] * 8,
                 ["melgan", "hifigan", "melgan", "melgan", "hifigan", "melgan", "-", "-"], "wf")
    out, summary_path = tmp_path / "d.tsv", tmp_path / "d.json"
    assert find_duplicates.main(["--cache", f"wavefake:train={path}", "--out", str(out),
                                 "--summary-out", str(summary_path)]) == 0
    pairs = pd.read_csv(out, sep="\t", dtype=str)
    assert set(zip(pairs["utt_a"], pairs["utt_b"])) == {("wf_000", "wf_002")}
    stats = json.loads(summary_path.read_text())["pairs_per_cache_pair"][0]
    assert stats["cross_attack_matches"] == 2  # (0, 1) and (1, 2)


def test_find_duplicates_checks_demo_pairs_and_rejects_bad_input(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    x = _logmel(rng, 6)
    y = _logmel(rng, 6)
    y[1] = _copy(x[0], rng, 2.0)
    for_cache, wf_cache = tmp_path / "for.h5", tmp_path / "wf.h5"
    with h5py.File(for_cache, "w") as h5:
        h5.create_dataset("features", data=x.astype(np.float16))
        h5.create_dataset("utt_id", data=np.array([f"train/real/f{i}.wav" for i in range(6)], dtype=object), dtype=STR)
        h5.create_dataset("label", data=np.ones(6, np.int8))
        h5.create_dataset("attack", data=np.array(["-"] * 6, dtype=object), dtype=STR)
        h5.attrs.update({"dataset": "for", "split": "train"})
    with h5py.File(wf_cache, "w") as h5:
        h5.create_dataset("features", data=y.astype(np.float16))
        h5.create_dataset("utt_id", data=np.array([f"LJSpeech/LJ00{i}-0001" for i in range(6)], dtype=object), dtype=STR)
        h5.create_dataset("label", data=np.ones(6, np.int8))
        h5.create_dataset("attack", data=np.array(["-"] * 6, dtype=object), dtype=STR)  # no split attribute
    demo = tmp_path / "demo_duplicates.tsv"
    demo.write_text(
        "for_path\tljspeech_id\n"
        "for-norm/training/real/f0.wav\tLJ001-0001\n"  # planted: found
        "for-norm/training/real/f2.wav\tLJ003-0001\n"  # both scanned, not a copy: missed
        "for-norm/testing/real/f0.wav\tLJ001-0001\n"  # FoR eval row not scanned
    )
    out, summary = tmp_path / "d.tsv", tmp_path / "d.json"
    base = ["--cache", f"for={for_cache}", "--out", str(out), "--summary-out", str(summary)]
    assert find_duplicates.main([*base, "--cache", f"wavefake:train={wf_cache}", "--expected-demo", str(demo)]) == 0
    expected = json.loads(summary.read_text())["expected_demo"]
    assert (expected["listed"], expected["scanned"], expected["found"], expected["missed"]) == (3, 2, 1, 1)
    assert expected["missed_examples"] == [["train/real/f2.wav", "LJSpeech/LJ003-0001"]]
    # A cache without a split attribute needs the split on the command line; a wrong dataset name is refused.
    assert find_duplicates.main([*base, "--cache", f"wavefake={wf_cache}"]) == 2
    assert find_duplicates.main(["--cache", f"asv={for_cache}", "--out", str(out), "--summary-out", str(summary)]) == 2
    assert find_duplicates.main([*base, "--cache", f"for:train={for_cache}"]) == 2  # same cache twice


def test_duplicate_exclusions_keep_training_copies_then_follow_priority() -> None:
    rows = [
        ("for", "train", "a", "wavefake", "eval", "b"),
        ("for", "train", "c", "wavefake", "train", "d"),
        ("wavefake", "train", "d", "wavefake", "eval", "e"),
        ("for", "train", "y", "for", "train", "x"),
        ("asv", "eval", "p", "itw", "dev", "q"),
    ]
    pairs = pd.DataFrame([(*r, 0.99) for r in rows], columns=list(DUPLICATE_COLUMNS))
    # Eval listed first must not win against train.
    ex = duplicate_exclusions(pairs, [("wavefake", "eval"), ("wavefake", "train"), ("for", "train")])
    assert ex == {("wavefake", "eval", "b"), ("for", "train", "c"), ("wavefake", "eval", "e"),
                  ("for", "train", "y"), ("asv", "eval", "p")}
    ex = duplicate_exclusions(pairs, [("for", "train"), ("wavefake", "train")])
    assert ("wavefake", "train", "d") in ex and ("for", "train", "c") not in ex
    assert duplicate_exclusions(pairs.iloc[:0], [("for", "train")]) == set()


def test_named_paths_and_cache_table(corpus: dict[str, object]) -> None:
    spec = parse_named_path("for:train=/x/y.h5")
    assert (spec.dataset, spec.split, str(spec.path)) == ("for", "train", "/x/y.h5")
    assert parse_named_path("asv=a.h5").split is None
    with pytest.raises(ValueError, match="--cache 'nopath'"):
        parse_named_path("nopath")
    table = read_cache_table(corpus["paths"]["wavefake:train"])
    assert list(table.columns) == ["dataset", "split", "utt_id", "label", "attack", "row"]
    assert table["label"].value_counts().to_dict() == {"spoof": 30, "bonafide": 10}
    with pytest.raises(ValueError, match="command line names it 'eval'"):
        read_cache_table(corpus["paths"]["wavefake:train"], split="eval")


# --------------------------------------------------------------------------- Experiment 3


def _exp3(corpus: dict[str, object], tmp: Path, name: str, *extra: str) -> tuple[int, Path, Path]:
    out, summary = tmp / f"{name}.tsv", tmp / f"{name}.json"
    rc = sample_exp3.main(
        _cache_args(corpus, ["asvspoof2019:train", "for:train", "wavefake:train"])
        + ["--duplicates", str(corpus["dup_tsv"]), "--out", str(out), "--summary-out", str(summary), *extra]
    )
    return rc, out, summary


def test_sample_exp3_counts_exclusions_and_determinism(corpus: dict[str, object], tmp_path: Path) -> None:
    rc, out, summary_path = _exp3(corpus, tmp_path, "n5", "--n-per-class", "5", "--seed", "3")
    assert rc == 0
    sel = read_selection(out)
    assert list(sel.columns) == ["dataset", "split", "utt_id", "label", "attack"]
    assert sel.groupby(["dataset", "label"]).size().to_dict() == {
        (ds, lab): 5 for ds in ("asvspoof2019", "for", "wavefake") for lab in ("bonafide", "spoof")
    }
    summary = json.loads(summary_path.read_text())
    assert summary["total"] == {"bonafide": 15, "spoof": 15, "rows": 30} and summary["shortfall"] == []
    # for:train row 9 copies row 3 (kept: same cache, name order); wavefake:train row 2 copies for:train row 0
    # (kept in for: listed first). for:train row 1 stays: its copy is in an eval split.
    assert summary["duplicates"]["excluded"] == 2
    excluded = {(r["dataset"], r["label"]): r["excluded"] for r in summary["counts"]}
    assert excluded[("for", "bonafide")] == 1 and excluded[("wavefake", "bonafide")] == 1

    # Asking for more than there is: every eligible row, never an excluded one, shortfall reported.
    rc, out_all, summary_all = _exp3(corpus, tmp_path, "n50", "--n-per-class", "50", "--seed", "3")
    assert rc == 0
    chosen = set(read_selection(out_all)["utt_id"])
    assert "fortr_009" not in chosen and "wftr_002" not in chosen
    assert {"fortr_000", "fortr_001", "fortr_003"} <= chosen
    counts = {(r["dataset"], r["label"]): (r["available"], r["drawn"]) for r in json.loads(summary_all.read_text())["counts"]}
    assert counts[("for", "bonafide")] == (11, 11) and counts[("wavefake", "bonafide")] == (9, 9)
    assert counts[("asvspoof2019", "spoof")] == (20, 20)
    assert len(json.loads(summary_all.read_text())["shortfall"]) == 6

    # Same seed, same bytes; another seed, another draw.
    _, again, _ = _exp3(corpus, tmp_path, "n5b", "--n-per-class", "5", "--seed", "3")
    assert again.read_bytes() == out.read_bytes()
    _, other, _ = _exp3(corpus, tmp_path, "n5c", "--n-per-class", "5", "--seed", "4")
    assert other.read_bytes() != out.read_bytes()


def test_sample_exp3_match_counts(corpus: dict[str, object], tmp_path: Path) -> None:
    budget = {"asvspoof2019": {"bonafide": 2, "spoof": 7}, "for": {"bonafide": 4, "spoof": 0},
              "wavefake": {"bonafide": 9, "spoof": 3}}
    full = tmp_path / "full_summary.json"
    full.write_text(json.dumps({"datasets": {k: {"counts": v} for k, v in budget.items()}}))
    rc, out, summary = _exp3(corpus, tmp_path, "matched", "--match-counts", str(full), "--seed", "3")
    assert rc == 0
    got = read_selection(out).groupby(["dataset", "label"]).size().to_dict()
    assert got == {(d, c): n for d, v in budget.items() for c, n in v.items() if n}
    report = json.loads(summary.read_text())
    assert report["mode"] == "match_counts" and report["total"] == {"bonafide": 15, "spoof": 10, "rows": 25}
    # Equal counts everywhere reproduce the --n-per-class draw (one stream per dataset and class).
    full.write_text(json.dumps({"datasets": {k: {"counts": {"bonafide": 5, "spoof": 5}} for k in budget}}))
    _, matched, _ = _exp3(corpus, tmp_path, "matched5", "--match-counts", str(full), "--seed", "3")
    _, plain, _ = _exp3(corpus, tmp_path, "plain5", "--n-per-class", "5", "--seed", "3")
    assert matched.read_bytes() == plain.read_bytes()
    # A summary without one of the datasets is an error naming the file.
    full.write_text(json.dumps({"datasets": {"for": {"counts": {"bonafide": 1, "spoof": 1}}}}))
    rc, _, _ = _exp3(corpus, tmp_path, "bad", "--match-counts", str(full), "--seed", "3")
    assert rc == 2


def test_make_eval_subset_excludes_copies_of_training_recordings(corpus: dict[str, object], tmp_path: Path) -> None:
    out, summary = tmp_path / "eval.tsv", tmp_path / "eval.json"
    args = _cache_args(corpus, ["wavefake:eval", "for:eval"]) + [
        "--seed", "1", "--duplicates", str(corpus["dup_tsv"]), "--out", str(out), "--summary-out", str(summary)]
    assert make_eval_subset.main([*args, "--n-per-class", "100"]) == 0
    chosen = set(read_selection(out)["utt_id"])
    assert "wfev_000" not in chosen  # copy of for:train row 1
    # The eval-eval pair keeps one copy: wavefake is listed first, so its row stays.
    assert "wfev_004" in chosen and "forev_002" not in chosen
    assert len(chosen) == 16 + 10 - 2
    assert make_eval_subset.main([*args, "--n-per-class", "3"]) == 0
    sel = read_selection(out)
    assert sel.groupby(["dataset", "label"]).size().to_dict() == {
        (d, c): 3 for d in ("wavefake", "for") for c in ("bonafide", "spoof")}
    assert "wfev_000" not in set(sel["utt_id"])
    # A training cache is not evaluation data.
    assert make_eval_subset.main(_cache_args(corpus, ["for:train"]) + [
        "--n-per-class", "3", "--seed", "1", "--out", str(out), "--summary-out", str(summary)]) == 2


# --------------------------------------------------------------------------- Experiment 4 sampling


def _write_embeddings(path: Path, dataset: str, attacks: list[str], n_spoof: int, n_bona: int,
                      seed: int) -> pd.DataFrame:
    """Bonafide blob + one separated blob per attack (16-D); every 10th row misclassified."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(len(attacks) + 1, 16))
    centres *= 10.0 / np.linalg.norm(centres, axis=1, keepdims=True)
    truth = np.r_[np.zeros(n_bona, int), np.repeat(np.arange(1, len(attacks) + 1), n_spoof)]
    x = centres[truth] + rng.normal(size=(truth.shape[0], 16))
    label = (truth == 0).astype(np.int8)
    attack = np.array(["-"] + list(attacks), dtype=object)[truth]
    correct = np.arange(truth.shape[0]) % 10 != 7
    utt = np.array([f"{dataset}_{i:04d}" for i in range(truth.shape[0])], dtype=object)
    with h5py.File(path, "w") as h5:
        h5.create_dataset("utt_id", data=utt, dtype=STR)
        h5.create_dataset("embedding", data=x.astype(np.float32))
        h5.create_dataset("label", data=label)
        h5.create_dataset("attack", data=attack, dtype=STR)
        h5.create_dataset("logit", data=np.where(correct == (label == 1), 2.0, -2.0).astype(np.float32))
        h5.create_dataset("correct", data=correct)
        h5.create_dataset("dataset", data=np.array([dataset] * len(utt), dtype=object), dtype=STR)
        h5.create_dataset("split", data=np.array(["train"] * len(utt), dtype=object), dtype=STR)
    return pd.DataFrame({"utt_id": utt, "label": label, "attack": attack, "correct": correct})


def test_sample_full_method_clusters_attacks_and_follows_rates(tmp_path: Path) -> None:
    asv = _write_embeddings(tmp_path / "asv.h5", "asvspoof2019", ["A01", "A02", "A03"], 60, 40, seed=2)
    fo = _write_embeddings(tmp_path / "for.h5", "for", ["-", "-", "-"], 50, 30, seed=3)
    dups = tmp_path / "dups.tsv"
    pd.DataFrame([("asvspoof2019", "train", "asvspoof2019_0000", "for", "train", "for_0001", 0.99)],
                 columns=list(DUPLICATE_COLUMNS)).to_csv(dups, sep="\t", index=False)
    out, summary_path, clusters = tmp_path / "sel.tsv", tmp_path / "sum.json", tmp_path / "clusters.tsv"
    args = ["--embeddings", f"asvspoof2019={tmp_path / 'asv.h5'}", "--embeddings", f"for={tmp_path / 'for.h5'}",
            "--bonafide-rate", "1.0", "--spoof-rate", "0.5", "--seed", "11", "--duplicates", str(dups),
            "--out", str(out), "--summary-out", str(summary_path), "--clusters-out", str(clusters)]
    assert sample_full_method.main(args) == 0
    summary = json.loads(summary_path.read_text())
    a = summary["datasets"]["asvspoof2019"]
    assert a["algorithm2"]["k_max"] == 3 and a["algorithm2"]["k_max_source"] == "attacks"
    assert a["algorithm2"]["k"] == 3 and set(a["algorithm2"]["silhouette"]) == {"2", "3"}
    assert a["algorithm2"]["agreement"]["ari"] > 0.95 and a["algorithm2"]["overlap_groups"] == []
    spoof_interest = asv[(asv["label"] == 0) & asv["correct"]]
    expected_spoof = sum(rate_to_count(int(n), 0.5) for n in spoof_interest.groupby("attack").size())
    bona_interest = int(((asv["label"] == 1) & asv["correct"]).sum())
    assert a["selected"] == {"bonafide": bona_interest, "spoof": expected_spoof}
    f = summary["datasets"]["for"]
    assert f["algorithm2"]["k_max_source"] == "default" and f["algorithm2"]["k_max"] == 4
    assert f["algorithm2"]["agreement"] is None and f["algorithm2"]["attacks"] == []

    sel = read_selection(out)
    assert list(sel.columns[:5]) == ["dataset", "split", "utt_id", "label", "attack"]
    assert set(sel["dataset"]) == {"asvspoof2019", "for"}
    wrong = set(asv.loc[~asv["correct"], "utt_id"]) | set(fo.loc[~fo["correct"], "utt_id"])
    assert not wrong & set(sel["utt_id"])  # only samples of interest
    # The duplicate pair keeps the asvspoof2019 row (listed first), drops the FoR one.
    assert "asvspoof2019_0000" in set(sel["utt_id"]) and "for_0001" not in set(sel["utt_id"])
    assert f["duplicates_excluded"] == {"bonafide": 1, "spoof": 0}
    assert f["counts"]["bonafide"] == f["selected"]["bonafide"] - 1
    assert summary["total"]["rows"] == len(sel) == sum(
        d["counts"]["bonafide"] + d["counts"]["spoof"] for d in summary["datasets"].values())
    table = read_selection(clusters)
    assert len(table) == int(((asv["label"] == 0) & asv["correct"]).sum() + ((fo["label"] == 0) & fo["correct"]).sum())
    assert int(table["selected"].astype(str).eq("True").sum()) == a["selected"]["spoof"] + f["selected"]["spoof"]

    # The override wins; same seed gives the same file; the random control reads these counts.
    out2 = tmp_path / "sel2.tsv"
    args2 = [*args[:-6], "--k-max", "for=3", "--out", str(out2), "--summary-out", str(summary_path)]
    assert sample_full_method.main(args2) == 0
    f2 = json.loads(summary_path.read_text())["datasets"]["for"]["algorithm2"]
    assert (f2["k_max"], f2["k_max_source"], f2["k"]) == (3, "override", 3)
    assert sample_full_method.main(args) == 0
    assert sample_full_method.main([*args[:-6], "--out", str(out2), "--summary-out", str(tmp_path / "s3.json")]) == 0
    assert out2.read_bytes() == out.read_bytes()
    assert sample_exp3.matched_counts(summary, ["asvspoof2019", "for"], "x")[("for", "bonafide")] == f["counts"]["bonafide"]
    # Embeddings of another dataset than named are refused.
    assert sample_full_method.main(["--embeddings", f"wavefake={tmp_path / 'asv.h5'}", "--seed", "1",
                                    "--out", str(out2), "--summary-out", str(summary_path)]) == 2


# --------------------------------------------------------------------------- tables


def _metrics(path: Path, eer: float, m: float, det: float) -> str:
    path.write_text(json.dumps({"eer_roc": eer, "map": m, "eer_det": det, "auc": 0.9}))
    return str(path)


def test_make_table2_layout_means_and_std(tmp_path: Path) -> None:
    entries = []
    for n, seed, base in [(100, 1, 0.30), (100, 2, 0.20), (10, 1, 0.40), (1000, 1, 0.10)]:
        for eval_set, shift in [("eval data", 0.0), ("In the wild", 0.1)]:
            path = _metrics(tmp_path / f"{n}_{seed}_{shift}.json", base + shift, 0.8 - base, base + shift + 0.01)
            entries += ["--entry", str(n), eval_set, path]
    out, md, seeds = tmp_path / "t2.csv", tmp_path / "t2.md", tmp_path / "seeds.json"
    assert make_table2.main([*entries, "--out", str(out), "--markdown", str(md), "--seeds-json", str(seeds)]) == 0
    table = pd.read_csv(out)
    assert list(table.columns) == ["eval_set", "metric", "10", "100", "1000", "10_std", "100_std", "1000_std"]
    assert list(zip(table["eval_set"], table["metric"])) == [
        (e, m) for e in ("eval data", "In the wild") for m in ("EER-ROC", "mAP", "EER-DET")]
    row = table.iloc[0]
    assert row["100"] == pytest.approx(0.25) and row["10"] == pytest.approx(0.4)
    assert row["100_std"] == pytest.approx(np.std([0.3, 0.2], ddof=1), abs=1e-4) and row["10_std"] == 0
    assert table.iloc[4]["100"] == pytest.approx(0.55)  # In the wild, mAP: mean of 0.5 and 0.6
    text = md.read_text()
    assert "Table 2" in text and "Standard deviation" in text
    cells = json.loads(seeds.read_text())["cells"]
    assert [c["eer_roc"] for c in cells if c["N"] == 100 and c["eval_set"] == "eval data"] == [[0.3, 0.2]]
    # One run per cell: no std columns. A missing cell is an error.
    assert make_table2.main([*entries[:8], "--out", str(out), "--markdown", str(md)]) == 0
    assert list(pd.read_csv(out).columns) == ["eval_set", "metric", "100"]
    assert make_table2.main([*entries[:4], *entries[20:24], "--out", str(out), "--markdown", str(md)]) == 2


def test_make_table_exp4_rows_and_figure(tmp_path: Path) -> None:
    runs = []
    for method, budget, eer in [("random_matched", (30, 20), 0.3), ("full_method", (30, 20), 0.2)]:
        for seed in (1, 2):
            tag = f"{method}_{seed}"
            summary = tmp_path / f"{tag}.json"
            summary.write_text(json.dumps({"total": {"bonafide": budget[0], "spoof": budget[1], "rows": 50}}))
            history = tmp_path / f"{tag}.csv"
            pd.DataFrame({"epoch": [1, 2], "train_loss": [0.5, 0.4], "val_loss": [0.6, 0.5], "val_eer": [0.2, 0.1],
                          "seconds": [10.0 + seed, 20.0], "lr": [1e-3, 1e-3]}).to_csv(history, index=False)
            metrics = {e: _metrics(tmp_path / f"{tag}_{k}.json", eer + 0.02 * seed + k, 0.7, eer + 0.01)
                       for k, e in enumerate(["eval data", "In the wild"])}
            runs += ["--run", json.dumps({"method": method, "seed": seed, "summary": str(summary),
                                          "history": str(history), "metrics": metrics})]
    out, md, fig = tmp_path / "t4.csv", tmp_path / "t4.md", tmp_path / "figs" / "exp4.png"
    assert make_table_exp4.main([*runs, "--out", str(out), "--markdown", str(md), "--figure", str(fig)]) == 0
    table = pd.read_csv(out)
    assert list(table["method"]) == ["full_method", "random_matched"]
    full = table.iloc[0]
    assert (full["n_runs"], full["train_bonafide"], full["train_spoof"]) == (2, 30, 20)
    assert full["train_seconds_mean"] == pytest.approx(31.5) and full["train_seconds_std"] == pytest.approx(0.7, abs=0.05)
    assert full["eval data: EER-ROC mean"] == pytest.approx(0.23)
    assert full["eval data: EER-ROC std"] == pytest.approx(np.std([0.22, 0.24], ddof=1), abs=1e-4)
    assert full["In the wild: EER-ROC mean"] == pytest.approx(1.23)
    assert table.iloc[1]["eval data: EER-ROC mean"] == pytest.approx(0.33)
    assert "±" in md.read_text()
    assert fig.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and fig.stat().st_size > 5000
    # A run lacking an eval set the others have is an error, not a gap.
    bad = json.loads(runs[-1])
    bad["metrics"].pop("In the wild")
    assert make_table_exp4.main([*runs[:-2], "--run", json.dumps(bad), "--out", str(out), "--markdown", str(md),
                                 "--figure", str(fig)]) == 2
