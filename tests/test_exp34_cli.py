"""Experiments 3 and 4 command-line adapters.

Covers duplicates, random draws, eval subset, full method and tables.

Small HDF5 caches in the documented layout (80 mel bands, 60 frames to stay
fast) with planted copies: a row of one cache copied into another with a gain
offset added to the log-mel. ``find_duplicates`` reads fingerprint files; here
each row's centred, unit-norm log-mel stands in for its audio fingerprint
(the audio fingerprints themselves are tested in tests/test_duplicates.py).
"""

from __future__ import annotations

import json
from pathlib import Path

import h5py
import numpy as np
import pandas as pd
import pytest

from workflow_scripts import (
    find_duplicates,
    make_eval_subset,
    make_table_exp3,
    make_table_exp4,
    make_val_selection,
    sample_full_method,
    sample_random,
)
from workflow_scripts.features.fingerprint import FingerprintParams
from workflow_scripts.io.selections import (
    DUPLICATE_COLUMNS,
    parse_named_path,
    read_cache_table,
    read_duplicate_pairs,
    read_selection,
)
from workflow_scripts.sampling.exclusions import (
    duplicate_exclusions,
    duplicate_groups,
    row_keys,
    validation_exclusions,
)
from workflow_scripts.sampling.nc_sampling import rate_to_count
from workflow_scripts.sampling.random_draws import matched_counts

N_MELS, N_FRAMES = 80, 60
STR = h5py.string_dtype("utf-8")


def _logmel(rng: np.random.Generator, n: int) -> np.ndarray:
    """Distinct utterance-like log-mels: blocky random spectro-temporal patterns plus noise."""
    coarse = rng.normal(scale=2.0, size=(n, 20, 15))
    fine = np.repeat(np.repeat(coarse, 4, axis=1), 4, axis=2)
    return fine + rng.normal(scale=0.2, size=(n, N_MELS, N_FRAMES)) - 4.0


def _write_cache(
    path: Path,
    features: np.ndarray,
    dataset: str,
    split: str,
    labels: list[int],
    attacks: list[str],
    prefix: str,
) -> list[str]:
    utt = [f"{prefix}_{i:03d}" for i in range(features.shape[0])]
    with h5py.File(path, "w") as h5:
        h5.create_dataset(
            "features", data=features.astype(np.float16), chunks=(1, N_MELS, N_FRAMES)
        )
        h5.create_dataset("utt_id", data=np.array(utt, dtype=object), dtype=STR)
        h5.create_dataset("label", data=np.array(labels, dtype=np.int8))
        h5.create_dataset("attack", data=np.array(attacks, dtype=object), dtype=STR)
        h5.attrs.update(
            {"dataset": dataset, "split": split, "n_mels": N_MELS, "n_frames": N_FRAMES}
        )
    return utt


def _write_fingerprints(
    path: Path,
    features: np.ndarray,
    dataset: str,
    split: str,
    labels: list[int],
    attacks: list[str],
    utt: list[str],
) -> None:
    """A make_fingerprints file standing in for the audio fingerprints.

    Each row's vector is its centred, unit-norm log-mel; its frames are the same log-mel,
    gain removed, in dB (natural-log power x 4.34) above a floor 30 dB below its mean.
    """
    flat = features.reshape(features.shape[0], -1).astype(np.float32)
    flat -= flat.mean(axis=1, keepdims=True)
    flat /= np.linalg.norm(flat, axis=1, keepdims=True)
    db = (features - features.mean(axis=(1, 2), keepdims=True)) * 10.0 / np.log(10.0)
    frames = np.clip(np.round((db + 30.0) / 0.25), 0, 255).astype(np.uint8).transpose(0, 2, 1)
    index = [(k * N_FRAMES, N_FRAMES, 0, N_FRAMES) for k in range(features.shape[0])]
    params = FingerprintParams(frame_n_mels=N_MELS).attrs()
    with h5py.File(path, "w") as h5:
        h5.create_dataset("fingerprint", data=flat)
        h5.create_dataset("frames", data=frames.reshape(-1, N_MELS))
        h5.create_dataset("frame_index", data=np.array(index, dtype=np.int64))
        h5.create_dataset("utt_id", data=np.array(utt, dtype=object), dtype=STR)
        h5.create_dataset("label", data=np.array(labels, dtype=np.int8))
        h5.create_dataset("attack", data=np.array(attacks, dtype=object), dtype=STR)
        h5.attrs.update(params)
        h5.attrs.update({"dataset": dataset, "split": split, "dim": flat.shape[1]})


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
    wft[15] = _copy(
        wft[5], rng, 0.5
    )  # a spoof "vocoded" from a bonafide: same content, other class
    paths = {
        k: root / f"{k.replace(':', '_')}.h5"
        for k in ("asvspoof2019:train", "for:train", "wavefake:train", "wavefake:eval", "for:eval")
    }
    utt = {
        "asvspoof2019:train": _write_cache(
            paths["asvspoof2019:train"],
            asv,
            "asvspoof2019",
            "train",
            [1] * 6 + [0] * 20,
            ["-"] * 6 + ["A01", "A02"] * 10,
            "asv",
        ),
        "for:train": _write_cache(
            paths["for:train"], fort, "for", "train", [1] * 12 + [0] * 12, ["-"] * 24, "fortr"
        ),
        "wavefake:train": _write_cache(
            paths["wavefake:train"],
            wft,
            "wavefake",
            "train",
            [1] * 10 + [0] * 30,
            ["-"] * 10 + ["melgan", "hifigan", "waveglow"] * 10,
            "wftr",
        ),
        "wavefake:eval": _write_cache(
            paths["wavefake:eval"],
            wfe,
            "wavefake",
            "eval",
            [1] * 8 + [0] * 8,
            ["-"] * 8 + ["melgan"] * 8,
            "wfev",
        ),
        "for:eval": _write_cache(
            paths["for:eval"], fore, "for", "eval", [1] * 5 + [0] * 5, ["-"] * 10, "forev"
        ),
    }
    features = {
        "asvspoof2019:train": asv,
        "for:train": fort,
        "wavefake:train": wft,
        "wavefake:eval": wfe,
        "for:eval": fore,
    }
    prints = {}
    for key, path in paths.items():
        prints[key] = path.with_suffix(".fp.h5")
        with h5py.File(path, "r") as h5:
            labels, attacks = h5["label"][()].tolist(), [a.decode() for a in h5["attack"][()]]
        _write_fingerprints(prints[key], features[key], *key.split(":"), labels, attacks, utt[key])
    dup_tsv, dup_json = root / "dups.tsv", root / "dups.json"
    rc = find_duplicates.main(
        [a for k, p in prints.items() for a in ("--fingerprints", f"{k}={p}")]
        + ["--out", str(dup_tsv), "--summary-out", str(dup_json)]
    )
    assert rc == 0
    return {
        "root": root,
        "paths": paths,
        "utt": utt,
        "dup_tsv": dup_tsv,
        "dup_json": dup_json,
        "prints": prints,
    }


def _cache_args(corpus: dict[str, object], keys: list[str]) -> list[str]:
    paths = corpus["paths"]
    return [a for k in keys for a in ("--cache", f"{k.split(':')[0]}={paths[k]}")]


# --------------------------------------------------------------------------- duplicates


def test_find_duplicates_finds_the_planted_pairs_and_no_others(corpus: dict[str, object]) -> None:
    pairs = pd.read_csv(corpus["dup_tsv"], sep="\t", dtype={"utt_a": str, "utt_b": str})
    assert list(pairs.columns) == list(DUPLICATE_COLUMNS)
    found = {
        (r.dataset_a, r.split_a, r.utt_a, r.dataset_b, r.split_b, r.utt_b)
        for r in pairs.itertuples()
    }
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
    assert (
        per_pair[("for:train", "for:train")] == 1 and per_pair[("for:train", "wavefake:train")] == 1
    )
    assert per_pair[("asvspoof2019:train", "for:train")] == 0
    assert summary["candidates"] == 4 and summary["rejected_by_frames"] == 0
    cross = {(s["a"], s["b"]): s["cross_label_matches"] for s in summary["pairs_per_cache_pair"]}
    assert cross[("wavefake:train", "wavefake:train")] == 1 and sum(cross.values()) == 1


# Attack restriction, --expected-demo and bad input of find_duplicates: tests/test_duplicates.py.


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
    ex = duplicate_exclusions(
        pairs, [("wavefake", "eval"), ("wavefake", "train"), ("for", "train")]
    )
    assert ex == {
        ("wavefake", "eval", "b"),
        ("for", "train", "c"),
        ("wavefake", "eval", "e"),
        ("for", "train", "y"),
        ("asv", "eval", "p"),
    }
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
    rc = sample_random.main(
        _cache_args(corpus, ["asvspoof2019:train", "for:train", "wavefake:train"])
        + [
            "--duplicates",
            str(corpus["dup_tsv"]),
            "--out",
            str(out),
            "--summary-out",
            str(summary),
            *extra,
        ]
    )
    return rc, out, summary


def test_sample_exp3_counts_exclusions_and_determinism(
    corpus: dict[str, object], tmp_path: Path
) -> None:
    rc, out, summary_path = _exp3(corpus, tmp_path, "n5", "--n-per-class", "5", "--seed", "3")
    assert rc == 0
    sel = read_selection(out)
    assert list(sel.columns) == ["dataset", "split", "utt_id", "label", "attack"]
    assert sel.groupby(["dataset", "label"]).size().to_dict() == {
        (ds, lab): 5 for ds in ("asvspoof2019", "for", "wavefake") for lab in ("bonafide", "spoof")
    }
    summary = json.loads(summary_path.read_text())
    assert (
        summary["total"] == {"bonafide": 15, "spoof": 15, "rows": 30} and summary["shortfall"] == []
    )
    # for:train row 9 copies row 3 (kept: same cache, name order); wavefake:train row 2
    # copies for:train row 0 (kept in for: listed first). for:train row 1 stays: its copy
    # is in an eval split.
    assert summary["duplicates"]["excluded"] == 2
    excluded = {(r["dataset"], r["label"]): r["excluded"] for r in summary["counts"]}
    assert excluded[("for", "bonafide")] == 1 and excluded[("wavefake", "bonafide")] == 1

    # Asking for more than there is: every eligible row, never an excluded one, shortfall reported.
    rc, out_all, summary_all = _exp3(corpus, tmp_path, "n50", "--n-per-class", "50", "--seed", "3")
    assert rc == 0
    chosen = set(read_selection(out_all)["utt_id"])
    assert "fortr_009" not in chosen and "wftr_002" not in chosen
    assert {"fortr_000", "fortr_001", "fortr_003"} <= chosen
    counts = {
        (r["dataset"], r["label"]): (r["available"], r["drawn"])
        for r in json.loads(summary_all.read_text())["counts"]
    }
    assert counts[("for", "bonafide")] == (11, 11) and counts[("wavefake", "bonafide")] == (9, 9)
    assert counts[("asvspoof2019", "spoof")] == (20, 20)
    assert len(json.loads(summary_all.read_text())["shortfall"]) == 6

    # Same seed, same bytes; another seed, another draw.
    _, again, _ = _exp3(corpus, tmp_path, "n5b", "--n-per-class", "5", "--seed", "3")
    assert again.read_bytes() == out.read_bytes()
    _, other, _ = _exp3(corpus, tmp_path, "n5c", "--n-per-class", "5", "--seed", "4")
    assert other.read_bytes() != out.read_bytes()


def test_sample_exp3_match_counts(corpus: dict[str, object], tmp_path: Path) -> None:
    budget = {
        "asvspoof2019": {"bonafide": 2, "spoof": 7},
        "for": {"bonafide": 4, "spoof": 0},
        "wavefake": {"bonafide": 9, "spoof": 3},
    }
    full = tmp_path / "full_summary.json"
    full.write_text(json.dumps({"datasets": {k: {"counts": v} for k, v in budget.items()}}))
    rc, out, summary = _exp3(
        corpus, tmp_path, "matched", "--match-counts", str(full), "--seed", "3"
    )
    assert rc == 0
    got = read_selection(out).groupby(["dataset", "label"]).size().to_dict()
    assert got == {(d, c): n for d, v in budget.items() for c, n in v.items() if n}
    report = json.loads(summary.read_text())
    assert report["mode"] == "match_counts" and report["total"] == {
        "bonafide": 15,
        "spoof": 10,
        "rows": 25,
    }
    # Equal counts everywhere reproduce the --n-per-class draw (one stream per dataset and class).
    full.write_text(
        json.dumps({"datasets": {k: {"counts": {"bonafide": 5, "spoof": 5}} for k in budget}})
    )
    _, matched, _ = _exp3(corpus, tmp_path, "matched5", "--match-counts", str(full), "--seed", "3")
    _, plain, _ = _exp3(corpus, tmp_path, "plain5", "--n-per-class", "5", "--seed", "3")
    assert matched.read_bytes() == plain.read_bytes()
    # A summary without one of the datasets is an error naming the file.
    full.write_text(json.dumps({"datasets": {"for": {"counts": {"bonafide": 1, "spoof": 1}}}}))
    rc, _, _ = _exp3(corpus, tmp_path, "bad", "--match-counts", str(full), "--seed", "3")
    assert rc == 2


def test_make_eval_subset_excludes_copies_of_training_recordings(
    corpus: dict[str, object], tmp_path: Path
) -> None:
    out, summary = tmp_path / "eval.tsv", tmp_path / "eval.json"
    args = _cache_args(corpus, ["wavefake:eval", "for:eval"]) + [
        "--seed",
        "1",
        "--duplicates",
        str(corpus["dup_tsv"]),
        "--out",
        str(out),
        "--summary-out",
        str(summary),
    ]
    assert make_eval_subset.main([*args, "--n-per-class", "100"]) == 0
    chosen = set(read_selection(out)["utt_id"])
    assert "wfev_000" not in chosen  # copy of for:train row 1
    # The eval-eval pair keeps one copy: wavefake is listed first, so its row stays.
    assert "wfev_004" in chosen and "forev_002" not in chosen
    assert len(chosen) == 16 + 10 - 2
    assert make_eval_subset.main([*args, "--n-per-class", "3"]) == 0
    sel = read_selection(out)
    assert sel.groupby(["dataset", "label"]).size().to_dict() == {
        (d, c): 3 for d in ("wavefake", "for") for c in ("bonafide", "spoof")
    }
    assert "wfev_000" not in set(sel["utt_id"])
    # A training cache is not evaluation data.
    assert (
        make_eval_subset.main(
            _cache_args(corpus, ["for:train"])
            + [
                "--n-per-class",
                "3",
                "--seed",
                "1",
                "--out",
                str(out),
                "--summary-out",
                str(summary),
            ]
        )
        == 2
    )


# --------------------------------------------------------------------------- pools and validation

#: (bonafide, spoof) rows per split of each corpus of the pool fixture.
POOL_SIZES = {
    "asvspoof2019": {"train": (4, 8), "dev": (4, 8), "eval": (4, 4)},
    "for": {"train": (6, 6), "dev": (5, 5), "eval": (4, 4)},
    "wavefake": {"train": (4, 6), "dev": (4, 6), "eval": (4, 4)},
}
#: Copies of bonafide recordings, (dataset:split, row) == (dataset:split, row).
POOL_COPIES = [
    (("for:train", 0), ("wavefake:dev", 0)),  # train vs dev: the dev copy never validates
    (("for:dev", 1), ("wavefake:eval", 1)),  # dev vs eval: dev keeps it, eval data drops it
    (
        ("for:dev", 2),
        ("wavefake:dev", 2),
    ),  # dev vs dev: the first corpus in configured order keeps it
    (("asvspoof2019:train", 1), ("asvspoof2019:dev", 1)),  # train vs dev within one corpus
    (("asvspoof2019:dev", 3), ("for:eval", 0)),  # dev vs eval
    (("wavefake:train", 3), ("for:dev", 3)),  # dev vs train, listed the other way round
]


@pytest.fixture(scope="module")
def pool_corpus(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """Train, dev and eval caches of three corpora.

    Plus a find_duplicates pair table listing POOL_COPIES.

    The pair table is written directly (what find_duplicates reports is tested
    above): these tests are about what every stage does with the pairs.
    """
    root = tmp_path_factory.mktemp("pool")
    rng = np.random.default_rng(11)
    paths, utt = {}, {}
    for dataset, splits in POOL_SIZES.items():
        for split, (n_bona, n_spoof) in splits.items():
            key = f"{dataset}:{split}"
            paths[key] = root / f"{dataset}_{split}.h5"
            utt[key] = _write_cache(
                paths[key],
                _logmel(rng, n_bona + n_spoof),
                dataset,
                split,
                [1] * n_bona + [0] * n_spoof,
                ["-"] * n_bona + ["A01"] * n_spoof,
                f"{dataset[:3]}{split}",
            )
    rows = []
    for (a, i), (b, j) in POOL_COPIES:
        rows.append((*a.split(":"), utt[a][i], *b.split(":"), utt[b][j], 0.99))
    dup_tsv = root / "dups.tsv"
    pd.DataFrame(rows, columns=list(DUPLICATE_COLUMNS)).to_csv(dup_tsv, sep="\t", index=False)
    return {"root": root, "paths": paths, "utt": utt, "dup_tsv": dup_tsv}


def _key(corpus: dict[str, object], where: str, row: int) -> tuple[str, str, str]:
    dataset, split = where.split(":")
    return (dataset, split, corpus["utt"][where][row])


def _pool_args(corpus: dict[str, object], splits: tuple[str, ...]) -> list[str]:
    """--cache flags in configured corpus order, as rules/common.smk writes them."""
    return [
        a
        for d in POOL_SIZES
        for s in splits
        for a in ("--cache", f"{d}:{s}={corpus['paths'][f'{d}:{s}']}")
    ]


def _run_pool(
    corpus: dict[str, object], tmp: Path, splits: tuple[str, ...], n: int, seed: int
) -> dict[str, object]:
    """One Experiment-3 run's sets: training draw, validation selection, eval data."""
    name = f"{'_'.join(splits)}_n{n}_s{seed}"
    train_sel, train_sum = tmp / f"{name}.tsv", tmp / f"{name}.json"
    assert (
        sample_random.main(
            [
                *_pool_args(corpus, splits),
                "--n-per-class",
                str(n),
                "--seed",
                str(seed),
                "--duplicates",
                str(corpus["dup_tsv"]),
                "--out",
                str(train_sel),
                "--summary-out",
                str(train_sum),
            ]
        )
        == 0
    )
    val_sel, val_sum = tmp / f"{name}.val.tsv", tmp / f"{name}.val.json"
    assert (
        make_val_selection.main(
            [
                *_pool_args(corpus, ("dev",)),
                "--duplicates",
                str(corpus["dup_tsv"]),
                "--training-selection",
                str(train_sel),
                "--out",
                str(val_sel),
                "--summary-out",
                str(val_sum),
            ]
        )
        == 0
    )
    eval_sel = tmp / f"{name}.eval.tsv"
    assert (
        make_eval_subset.main(
            [
                *_pool_args(corpus, ("eval",)),
                "--n-per-class",
                "100",
                "--seed",
                "1",
                "--duplicates",
                str(corpus["dup_tsv"]),
                "--out",
                str(eval_sel),
                "--summary-out",
                str(tmp / f"{name}.eval.json"),
            ]
        )
        == 0
    )
    return {
        "train": read_selection(train_sel),
        "val": read_selection(val_sel),
        "eval": read_selection(eval_sel),
        "summary": json.loads(train_sum.read_text()),
        "val_summary": json.loads(val_sum.read_text()),
    }


def test_sample_exp3_train_dev_pool_draws_from_both_splits(
    pool_corpus: dict[str, object], tmp_path: Path
) -> None:
    # asvspoof2019 bonafide: 4 in train; train + dev gives
    # 4 + 4 - 1 (the dev copy of a train recording) = 7.
    train_only = _run_pool(pool_corpus, tmp_path, ("train",), 6, 0)["summary"]
    short = {
        (r["dataset"], r["label"]): (r["available"], r["drawn"]) for r in train_only["shortfall"]
    }
    assert short[("asvspoof2019", "bonafide")] == (4, 4)
    assert train_only["pool"] == {d: ["train"] for d in POOL_SIZES}

    run = _run_pool(pool_corpus, tmp_path, ("train", "dev"), 6, 0)
    summary = run["summary"]
    assert summary["pool"] == {d: ["train", "dev"] for d in POOL_SIZES}
    counts = {(r["dataset"], r["label"]): r for r in summary["counts"]}
    assert (
        counts[("asvspoof2019", "bonafide")]["available"],
        counts[("asvspoof2019", "bonafide")]["drawn"],
    ) == (7, 6)
    # for bonafide: 6 train + 5 dev - for:dev 3 (copy of a wavefake train row) = 10;
    # wavefake: 4 + 4 - 2 = 6.
    assert (
        counts[("for", "bonafide")]["available"] == 10
        and counts[("wavefake", "bonafide")]["available"] == 6
    )
    assert summary["shortfall"] == []
    assert summary["total"] == {"bonafide": 18, "spoof": 18, "rows": 36}
    assert set(run["train"]["split"]) == {"train", "dev"}
    per_split = summary["per_split"]["asvspoof2019"]
    assert (
        per_split["train"]["bonafide"] + per_split["dev"]["bonafide"] == 6
        and per_split["dev"]["bonafide"] >= 2
    )

    # An eval cache is never a training pool; a (dataset, split) given twice is an error.
    out, js = tmp_path / "x.tsv", tmp_path / "x.json"
    base = ["--n-per-class", "2", "--seed", "0", "--out", str(out), "--summary-out", str(js)]
    assert sample_random.main([*_pool_args(pool_corpus, ("train", "eval")), *base]) == 2
    twice = _pool_args(pool_corpus, ("train",))
    assert sample_random.main([*twice, *twice[:2], *base]) == 2


@pytest.mark.parametrize(
    ("splits", "runs"),
    [(("train",), [(3, 0), (5, 1), (50, 2)]), (("train", "dev"), [(2, 0), (3, 1), (3, 2)])],
    ids=["pool_train", "pool_train_dev"],
)
def test_no_recording_is_in_two_of_training_validation_and_eval_data(
    pool_corpus: dict[str, object],
    tmp_path: Path,
    splits: tuple[str, ...],
    runs: list[tuple[int, int]],
) -> None:
    pairs = read_duplicate_pairs(pool_corpus["dup_tsv"])
    groups = duplicate_groups(pairs)
    dev_rows = {
        k for d in POOL_SIZES for k in row_keys(read_cache_table(pool_corpus["paths"][f"{d}:dev"]))
    }
    for n, seed in runs:
        run = _run_pool(pool_corpus, tmp_path, splits, n, seed)
        train, val, evald = (set(row_keys(run[k])) for k in ("train", "val", "eval"))
        assert not train & val and not train & evald and not val & evald
        assert val <= dev_rows and {k[1] for k in evald} == {"eval"}
        used = train | val | evald
        for group in groups:  # every planted recording is used at most once, in one role
            assert len(used & set(group)) <= 1, group
        # Never validated: copies of train-split recordings (drawn or not) and the dev-dev
        # copy not kept.
        for where, row in [
            ("wavefake:dev", 0),
            ("wavefake:dev", 2),
            ("for:dev", 3),
            ("asvspoof2019:dev", 1),
        ]:
            assert _key(pool_corpus, where, row) not in val
        # Never evaluated: eval copies of dev recordings.
        assert (
            _key(pool_corpus, "wavefake:eval", 1) not in evald
            and _key(pool_corpus, "for:eval", 0) not in evald
        )
        # The kept dev copies validate unless drawn for training.
        for where, row in [("for:dev", 1), ("for:dev", 2), ("asvspoof2019:dev", 3)]:
            key = _key(pool_corpus, where, row)
            assert (key in val) != (key in train)
        # Validation = dev rows - 4 duplicates - rows drawn from dev; the summary counts them.
        drawn_dev = {k for k in train if k[1] == "dev"}
        assert (len(drawn_dev) > 0) == ("dev" in splits)
        assert val == dev_rows - drawn_dev - {
            _key(pool_corpus, w, r)
            for w, r in [
                ("wavefake:dev", 0),
                ("wavefake:dev", 2),
                ("for:dev", 3),
                ("asvspoof2019:dev", 1),
            ]
        }
        counts = run["val_summary"]["counts"]
        assert sum(r["training"] for r in counts) == len(drawn_dev)
        assert sum(r["duplicate"] + r["copy_of_training"] for r in counts) == 4
        assert sum(r["kept"] for r in counts) == len(val) == run["val_summary"]["total"]["rows"]


def test_validation_exclusions_reasons() -> None:
    rows = [
        ("for", "train", "a", "wavefake", "dev", "b"),  # dev copy of a train row: duplicate
        ("for", "dev", "c", "wavefake", "dev", "d"),  # dev-dev: d goes (for listed first)
        ("for", "dev", "e", "wavefake", "eval", "f"),  # dev kept; e is drawn for training below
    ]
    pairs = pd.DataFrame([(*r, 0.99) for r in rows], columns=list(DUPLICATE_COLUMNS))
    priority = [("for", "dev"), ("wavefake", "dev")]
    reasons = validation_exclusions(pairs, priority, [("for", "dev", "e"), ("for", "train", "z")])
    assert reasons == {
        ("for", "dev", "e"): "training",
        ("for", "train", "z"): "training",
        ("wavefake", "dev", "b"): "duplicate",
        ("wavefake", "dev", "d"): "duplicate",
        ("wavefake", "eval", "f"): "duplicate",
    }
    # A copy of a training row goes even where the priority kept it
    # (here: wavefake listed first for dev-dev).
    reasons = validation_exclusions(
        pairs, [("wavefake", "dev"), ("for", "dev")], [("wavefake", "dev", "d")]
    )
    assert reasons[("for", "dev", "c")] in ("duplicate", "copy_of_training")
    assert (
        validation_exclusions(pairs, priority, [("for", "dev", "c")])[("wavefake", "dev", "d")]
        == "duplicate"
    )
    reasons = validation_exclusions(
        pairs, [("wavefake", "dev"), ("for", "dev")], [("wavefake", "dev", "d")]
    )
    assert (
        reasons[("for", "dev", "c")] == "duplicate"
    )  # wavefake:dev d is the keeper, c is its copy
    reasons = validation_exclusions(pairs, priority, [("wavefake", "dev", "d")])
    assert (
        reasons[("for", "dev", "c")] == "copy_of_training"
    )  # the keeper c is a copy of the training row d


def test_make_val_selection_refuses_eval_caches_and_empty_classes(
    pool_corpus: dict[str, object], tmp_path: Path
) -> None:
    empty = tmp_path / "none.tsv"
    empty.write_text("dataset\tsplit\tutt_id\n")
    base = [
        "--duplicates",
        str(pool_corpus["dup_tsv"]),
        "--training-selection",
        str(empty),
        "--out",
        str(tmp_path / "v.tsv"),
        "--summary-out",
        str(tmp_path / "v.json"),
    ]
    assert make_val_selection.main([*_pool_args(pool_corpus, ("dev",)), *base]) == 0
    assert make_val_selection.main([*_pool_args(pool_corpus, ("eval",)), *base]) == 2
    # Every dev row drawn for training leaves nothing to validate on: an error, not an empty set.
    everything = tmp_path / "all.tsv"
    pd.concat([read_cache_table(pool_corpus["paths"][f"{d}:dev"]) for d in POOL_SIZES])[
        ["dataset", "split", "utt_id"]
    ].to_csv(everything, sep="\t", index=False)
    assert (
        make_val_selection.main(
            [
                *_pool_args(pool_corpus, ("dev",)),
                *base[:2],
                "--training-selection",
                str(everything),
                *base[4:],
            ]
        )
        == 2
    )


# --------------------------------------------------------------------------- Experiment 4 sampling


def _write_embeddings(
    path: Path, dataset: str, attacks: list[str], n_spoof: int, n_bona: int, seed: int
) -> pd.DataFrame:
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
        h5.create_dataset(
            "logit", data=np.where(correct == (label == 1), 2.0, -2.0).astype(np.float32)
        )
        h5.create_dataset("correct", data=correct)
        h5.create_dataset("dataset", data=np.array([dataset] * len(utt), dtype=object), dtype=STR)
        h5.create_dataset("split", data=np.array(["train"] * len(utt), dtype=object), dtype=STR)
    return pd.DataFrame({"utt_id": utt, "label": label, "attack": attack, "correct": correct})


def test_sample_full_method_clusters_attacks_and_follows_rates(tmp_path: Path) -> None:
    asv = _write_embeddings(
        tmp_path / "asv.h5", "asvspoof2019", ["A01", "A02", "A03"], 60, 40, seed=2
    )
    fo = _write_embeddings(tmp_path / "for.h5", "for", ["-", "-", "-"], 50, 30, seed=3)
    dups = tmp_path / "dups.tsv"
    pd.DataFrame(
        [("asvspoof2019", "train", "asvspoof2019_0000", "for", "train", "for_0001", 0.99)],
        columns=list(DUPLICATE_COLUMNS),
    ).to_csv(dups, sep="\t", index=False)
    out, summary_path, clusters = (
        tmp_path / "sel.tsv",
        tmp_path / "sum.json",
        tmp_path / "clusters.tsv",
    )
    args = [
        "--embeddings",
        f"asvspoof2019={tmp_path / 'asv.h5'}",
        "--embeddings",
        f"for={tmp_path / 'for.h5'}",
        "--bonafide-rate",
        "1.0",
        "--spoof-rate",
        "0.5",
        "--seed",
        "11",
        "--duplicates",
        str(dups),
        "--out",
        str(out),
        "--summary-out",
        str(summary_path),
        "--clusters-out",
        str(clusters),
    ]
    assert sample_full_method.main(args) == 0
    summary = json.loads(summary_path.read_text())
    a = summary["datasets"]["asvspoof2019"]
    assert a["algorithm2"]["k_max"] == 3 and a["algorithm2"]["k_max_source"] == "attacks"
    assert a["algorithm2"]["k"] == 3 and set(a["algorithm2"]["silhouette"]) == {"2", "3"}
    assert a["algorithm2"]["agreement"]["ari"] > 0.95 and a["algorithm2"]["overlap_groups"] == []
    spoof_interest = asv[(asv["label"] == 0) & asv["correct"]]
    expected_spoof = sum(
        rate_to_count(int(n), 0.5) for n in spoof_interest.groupby("attack").size()
    )
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
    assert (
        summary["total"]["rows"]
        == len(sel)
        == sum(d["counts"]["bonafide"] + d["counts"]["spoof"] for d in summary["datasets"].values())
    )
    table = read_selection(clusters)
    assert len(table) == int(
        ((asv["label"] == 0) & asv["correct"]).sum() + ((fo["label"] == 0) & fo["correct"]).sum()
    )
    assert (
        int(table["selected"].astype(str).eq("True").sum())
        == a["selected"]["spoof"] + f["selected"]["spoof"]
    )

    # The override wins; same seed gives the same file; the random control reads these counts.
    out2 = tmp_path / "sel2.tsv"
    args2 = [*args[:-6], "--k-max", "for=3", "--out", str(out2), "--summary-out", str(summary_path)]
    assert sample_full_method.main(args2) == 0
    f2 = json.loads(summary_path.read_text())["datasets"]["for"]["algorithm2"]
    assert (f2["k_max"], f2["k_max_source"], f2["k"]) == (3, "override", 3)
    assert sample_full_method.main(args) == 0
    assert (
        sample_full_method.main(
            [*args[:-6], "--out", str(out2), "--summary-out", str(tmp_path / "s3.json")]
        )
        == 0
    )
    assert out2.read_bytes() == out.read_bytes()
    matched = matched_counts(summary, ["asvspoof2019", "for"], "x")
    assert matched[("for", "bonafide")] == f["counts"]["bonafide"]
    # Embeddings of another dataset than named are refused.
    assert (
        sample_full_method.main(
            [
                "--embeddings",
                f"wavefake={tmp_path / 'asv.h5'}",
                "--seed",
                "1",
                "--out",
                str(out2),
                "--summary-out",
                str(summary_path),
            ]
        )
        == 2
    )


def test_sample_full_method_records_its_source_fallbacks_and_collapse(tmp_path: Path) -> None:
    """An ablation source is named in the summary; a fallback corpus says it used binary; NC1
    per class and among attacks says how much attack structure the embedding kept."""
    _write_embeddings(tmp_path / "asv.h5", "asvspoof2019", ["A01", "A02", "A03"], 40, 30, seed=5)
    _write_embeddings(tmp_path / "for.h5", "for", ["-", "-"], 30, 20, seed=6)
    summary_path = tmp_path / "sum.json"
    base = [
        "--embeddings",
        f"asvspoof2019={tmp_path / 'asv.h5'}",
        "--embeddings",
        f"for={tmp_path / 'for.h5'}",
        "--seed",
        "3",
        "--out",
        str(tmp_path / "sel.tsv"),
        "--summary-out",
        str(summary_path),
    ]
    assert sample_full_method.main([*base, "--source", "attack_aware", "--fallback", "for"]) == 0
    summary = json.loads(summary_path.read_text())
    assert summary["embedding_source"] == "attack_aware"
    asv, fo = summary["datasets"]["asvspoof2019"], summary["datasets"]["for"]
    assert (asv["embedding_source"], fo["embedding_source"]) == ("attack_aware", "binary")
    # separated attack blobs: the attacks are far apart relative to their spread
    assert 0 < asv["collapse"]["nc1_attacks"] < 0.1
    assert asv["collapse"]["nc1_bonafide"] > 0 and asv["collapse"]["nc1_spoof"] > 0
    assert fo["collapse"]["nc1_attacks"] is None  # no attack ids
    assert sample_full_method.main(base) == 0
    assert json.loads(summary_path.read_text())["embedding_source"] == "binary"
    assert sample_full_method.main([*base, "--fallback", "wavefake"]) == 2


# --------------------------------------------------------------------------- tables


def _metrics(path: Path, eer: float, m: float, det: float) -> str:
    """A metrics JSON as ``evaluate`` writes it: ``map`` = spoof-positive AP, plus the extra APs."""
    ap_bonafide = m / 2
    path.write_text(
        json.dumps(
            {
                "eer_roc": eer,
                "map": m,
                "eer_det": det,
                "auc": 0.9,
                "ap_spoof": m,
                "ap_bonafide": ap_bonafide,
                "ap_mean": (m + ap_bonafide) / 2,
            }
        )
    )
    return str(path)


def test_make_table2_layout_means_and_std(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    entries = []
    for n, seed, base in [(100, 1, 0.30), (100, 2, 0.20), (10, 1, 0.40), (1000, 1, 0.10)]:
        for eval_set, shift in [("eval data", 0.0), ("In the wild", 0.1)]:
            path = _metrics(
                tmp_path / f"{n}_{seed}_{shift}.json", base + shift, 0.8 - base, base + shift + 0.01
            )
            entries += ["--entry", str(n), eval_set, path]
    out, md, seeds = tmp_path / "t2.csv", tmp_path / "t2.md", tmp_path / "seeds.json"
    assert (
        make_table_exp3.main(
            [*entries, "--out", str(out), "--markdown", str(md), "--seeds-json", str(seeds)]
        )
        == 0
    )
    table = pd.read_csv(out)
    assert list(table.columns) == "eval_set metric 10 100 1000 10_std 100_std 1000_std".split()
    assert list(zip(table["eval_set"], table["metric"], strict=True)) == [
        (e, m)
        for e in ("eval data", "In the wild")
        for m in ("EER-ROC", "mAP", "EER-DET", "AP-bonafide", "AP-mean")
    ]
    row = table.iloc[0]
    assert row["100"] == pytest.approx(0.25) and row["10"] == pytest.approx(0.4)
    assert (
        row["100_std"] == pytest.approx(np.std([0.3, 0.2], ddof=1), abs=1e-4) and row["10_std"] == 0
    )
    cell = table.set_index(["eval_set", "metric"])["100"]
    assert cell[("In the wild", "mAP")] == pytest.approx(0.55)  # mean over seeds of 0.5 and 0.6
    assert cell[("In the wild", "AP-bonafide")] == pytest.approx(0.275)  # halves of those
    assert cell[("In the wild", "AP-mean")] == pytest.approx(0.4125)  # (mAP + AP-bonafide) / 2
    assert "| In the wild | AP-mean |" in md.read_text()
    text = md.read_text()
    assert "Table 2" in text and "Standard deviation" in text
    cells = json.loads(seeds.read_text())["cells"]
    assert [c["eer_roc"] for c in cells if c["N"] == 100 and c["eval_set"] == "eval data"] == [
        [0.3, 0.2]
    ]
    # One run per cell: no std columns. A missing cell is an error.
    assert make_table_exp3.main([*entries[:8], "--out", str(out), "--markdown", str(md)]) == 0
    assert list(pd.read_csv(out).columns) == ["eval_set", "metric", "100"]
    assert (
        make_table_exp3.main(
            [*entries[:4], *entries[20:24], "--out", str(out), "--markdown", str(md)]
        )
        == 2
    )
    # A metrics file from before "map" meant spoof-positive AP (no "ap_mean") is refused,
    # saying why.
    stale = tmp_path / "stale.json"
    stale.write_text(
        json.dumps(
            {"eer_roc": 0.3, "map": 0.5, "eer_det": 0.31, "ap_bonafide": 0.6, "ap_spoof": 0.4}
        )
    )
    assert (
        make_table_exp3.main(
            ["--entry", "10", "eval data", str(stale), "--out", str(out), "--markdown", str(md)]
        )
        == 2
    )
    last_error = capsys.readouterr().err.split("make_table_exp3: error:")[-1]
    assert (
        "stale.json" in last_error
        and "'ap_mean'" in last_error
        and "re-run workflow_scripts.evaluate" in last_error
    )


def _sampling_summary(path: Path, n: int, available: dict[tuple[str, str], int]) -> str:
    counts = [
        {
            "dataset": d,
            "label": c,
            "rows": a,
            "excluded": 0,
            "requested": n,
            "available": a,
            "drawn": min(n, a),
        }
        for (d, c), a in available.items()
    ]
    path.write_text(
        json.dumps({"mode": "n_per_class", "n_per_class": n, "seed": 7, "counts": counts})
    )
    return str(path)


def test_make_table2_training_counts_rows_csv_and_shortfall_caption(tmp_path: Path) -> None:
    available = {
        ("asvspoof2019", "bonafide"): 2580,
        ("asvspoof2019", "spoof"): 22800,
        ("for", "bonafide"): 26941,
        ("for", "spoof"): 26927,
    }
    args = []
    for n in (1000, 3000, 5000):
        for seed in (0, 1):
            for k, eval_set in enumerate(["eval data", "In the wild"]):
                path = _metrics(tmp_path / f"m{n}_{seed}_{k}.json", 0.3 + 0.01 * seed, 0.6, 0.31)
                args += ["--entry", str(n), eval_set, path]
            args += [
                "--summary",
                str(n),
                str(seed),
                _sampling_summary(tmp_path / f"s{n}_{seed}.json", n, available),
            ]
    out, md, counts_csv = tmp_path / "t2.csv", tmp_path / "t2.md", tmp_path / "counts.csv"
    assert (
        make_table_exp3.main(
            [*args, "--out", str(out), "--markdown", str(md), "--counts-out", str(counts_csv)]
        )
        == 0
    )

    counts = pd.read_csv(counts_csv)
    expected = "n_per_class seed dataset class requested available drawn shortfall".split()
    assert list(counts.columns) == expected
    assert len(counts) == 3 * 2 * 4
    row = counts[
        (counts["n_per_class"] == 3000)
        & (counts["dataset"] == "asvspoof2019")
        & (counts["class"] == "bonafide")
    ]
    assert (
        row[["requested", "available", "drawn", "shortfall"]].values.tolist()
        == [[3000, 2580, 2580, 420]] * 2
    )
    assert (counts.loc[counts["dataset"] == "for", "shortfall"] == 0).all()

    table = pd.read_csv(out)
    training = table[table["eval_set"] == "training rows"].set_index("metric")
    assert list(training.index) == [
        "asvspoof2019 bonafide",
        "asvspoof2019 spoof",
        "for bonafide",
        "for spoof",
    ]
    assert training.loc["asvspoof2019 bonafide", ["1000", "3000", "5000"]].tolist() == [
        1000,
        2580,
        2580,
    ]
    assert training.loc["for spoof", "5000"] == 5000 and training.loc["for spoof", "5000_std"] == 0
    assert "2580" in out.read_text() and "2580.0" not in out.read_text()  # counts stay integers
    assert table[table["eval_set"] == "eval data"].iloc[0]["1000"] == pytest.approx(0.305)
    text = md.read_text()
    assert "| training rows | asvspoof2019 bonafide | 1000 | 2580 | 2580 |" in text
    assert (
        "N = 3,000: asvspoof2019 bonafide 2,580 of 3,000 requested; "
        "N = 5,000: asvspoof2019 bonafide 2,580 of 5,000 requested."
    ) in text

    # No shortfall: the caption says so. A summary of another N, or a missing N, is an error.
    small = [
        "--entry",
        "10",
        "eval data",
        args[3],
        "--summary",
        "10",
        "0",
        _sampling_summary(tmp_path / "s10.json", 10, available),
    ]
    dups = tmp_path / "duplicates.json"
    dups.write_text(json.dumps({"pairs": 4, "rows_scanned": 116, "rows_unchecked": 2}))
    argv = [*small, "--out", str(out), "--markdown", str(md), "--duplicates-summary", str(dups)]
    assert make_table_exp3.main(argv) == 0
    assert "Every corpus gave the requested N" in md.read_text()
    assert "4 pairs of copies found in 116 rows; 2 rows could not be checked" in md.read_text()
    wrong = [
        *small[:4],
        "--summary",
        "10",
        "0",
        _sampling_summary(tmp_path / "s20.json", 20, available),
    ]
    assert make_table_exp3.main([*wrong, "--out", str(out), "--markdown", str(md)]) == 2
    other_n = [
        *args[:8],
        "--summary",
        "3000",
        "0",
        str(tmp_path / "s3000_0.json"),
    ]  # counts for an N not in the table
    assert make_table_exp3.main([*other_n, "--out", str(out), "--markdown", str(md)]) == 2
    assert (
        make_table_exp3.main(
            [*small[:4], "--out", str(out), "--markdown", str(md), "--counts-out", str(counts_csv)]
        )
        == 2
    )


def test_make_table_exp4_rows_and_figure(tmp_path: Path) -> None:
    runs = []
    for method, budget, eer in [("random_matched", (30, 20), 0.3), ("full_method", (30, 20), 0.2)]:
        for seed in (1, 2):
            tag = f"{method}_{seed}"
            summary = tmp_path / f"{tag}.json"
            summary.write_text(
                json.dumps({"total": {"bonafide": budget[0], "spoof": budget[1], "rows": 50}})
            )
            history = tmp_path / f"{tag}.csv"
            pd.DataFrame(
                {
                    "epoch": [1, 2],
                    "train_loss": [0.5, 0.4],
                    "val_loss": [0.6, 0.5],
                    "val_eer": [0.2, 0.1],
                    "seconds": [10.0 + seed, 20.0],
                    "lr": [1e-3, 1e-3],
                }
            ).to_csv(history, index=False)
            metrics = {
                e: _metrics(tmp_path / f"{tag}_{k}.json", eer + 0.02 * seed + k, 0.7, eer + 0.01)
                for k, e in enumerate(["eval data", "In the wild"])
            }
            runs += [
                "--run",
                json.dumps(
                    {
                        "method": method,
                        "seed": seed,
                        "summary": str(summary),
                        "history": str(history),
                        "metrics": metrics,
                    }
                ),
            ]
    out, md, fig = tmp_path / "t4.csv", tmp_path / "t4.md", tmp_path / "figs" / "exp4.png"
    assert (
        make_table_exp4.main(
            [*runs, "--out", str(out), "--markdown", str(md), "--figure", str(fig)]
        )
        == 0
    )
    table = pd.read_csv(out)
    assert list(table["method"]) == ["full_method", "random_matched"]
    full = table.iloc[0]
    assert (full["n_runs"], full["train_bonafide"], full["train_spoof"]) == (2, 30, 20)
    assert full["train_seconds_mean"] == pytest.approx(31.5) and full[
        "train_seconds_std"
    ] == pytest.approx(0.7, abs=0.05)
    assert full["eval data: EER-ROC mean"] == pytest.approx(0.23)
    assert full["eval data: EER-ROC std"] == pytest.approx(np.std([0.22, 0.24], ddof=1), abs=1e-4)
    assert full["In the wild: EER-ROC mean"] == pytest.approx(1.23)
    assert full["eval data: mAP mean"] == pytest.approx(0.7) and full[
        "eval data: AP-mean mean"
    ] == pytest.approx(0.525)
    assert table.iloc[1]["eval data: EER-ROC mean"] == pytest.approx(0.33)
    assert "±" in md.read_text()
    assert fig.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and fig.stat().st_size > 5000
    # A run lacking an eval set the others have is an error, not a gap.
    bad = json.loads(runs[-1])
    bad["metrics"].pop("In the wild")
    assert (
        make_table_exp4.main(
            [
                *runs[:-2],
                "--run",
                json.dumps(bad),
                "--out",
                str(out),
                "--markdown",
                str(md),
                "--figure",
                str(fig),
            ]
        )
        == 2
    )
