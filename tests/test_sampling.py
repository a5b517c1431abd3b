"""Tests for the sampling layer: Algorithm 1/2, diagnostics, random draws and pools, validation
rows, the full method, duplicates."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from workflow_scripts.io.embeddings import Embeddings
from workflow_scripts.io.selections import DUPLICATE_COLUMNS
from workflow_scripts.sampling.clusters import (
    choose_k,
    cluster_agreement,
    cluster_sample,
    overlap_groups,
    overlap_table,
)
from workflow_scripts.sampling.diagnostics import (
    collapse_metrics,
    distance_summary,
    embedding_diagnostics,
    nc1,
    nc1_per_class,
    within_between_ratio,
)
from workflow_scripts.sampling.duplicates import dedup_indices, find_duplicates
from workflow_scripts.sampling.exclusions import ROW_COLUMNS, cache_priority, refuse_split
from workflow_scripts.sampling.full_method import (
    DEFAULT_K_MAX,
    choose_k_max,
    full_method,
    full_method_summary,
    parse_k_max,
)
from workflow_scripts.sampling.nc_sampling import (
    class_means,
    distances_to_means,
    nc_sample,
    rate_to_count,
)
from workflow_scripts.sampling.nc_selection import NC_SELECTION_COLUMNS, nc_selection
from workflow_scripts.sampling.random_draws import (
    COUNT_COLUMNS,
    derive_seed,
    draw_counts,
    draw_per_dataset,
    draw_summary,
    make_pool,
    matched_counts,
    random_draw,
    uniform_counts,
)
from workflow_scripts.sampling.validation import validation_selection

# ---------------------------------------------------------------- Algorithm 1

# Class 1 (bonafide): a plus around (10, 10) plus one far point; class 0
# (spoof): points on the x axis. Integer coordinates keep distances exact.
EMB = np.array(
    [
        [10, 10],  # 0  class 1, at the mean
        [11, 10],  # 1  class 1, d=1
        [9, 10],  # 2  class 1, d=1 (tie with 1)
        [10, 11],  # 3  class 1, d=1 (tie)
        [10, 9],  # 4  class 1, d=1 (tie)
        [0, 0],  # 5  class 0
        [1, 0],  # 6  class 0
        [2, 0],  # 7  class 0, at the mean of 5..9
        [3, 0],  # 8  class 0
        [4, 0],  # 9  class 0
        [50, 50],  # 10 class 1, NOT of interest (misclassified)
    ],
    dtype=float,
)
LAB = np.array([1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 1])
INTEREST = np.array([True] * 10 + [False])


def test_class_means_use_only_samples_of_interest() -> None:
    means = class_means(EMB, LAB, INTEREST)
    np.testing.assert_allclose(means[1], [10, 10])
    np.testing.assert_allclose(means[0], [2, 0])
    # With the outlier included the bonafide mean moves: the mask matters.
    assert not np.allclose(class_means(EMB, LAB)[1], [10, 10])


def test_distances_to_means_are_euclidean_to_own_class_mean() -> None:
    d = distances_to_means(EMB[:10], LAB[:10], class_means(EMB, LAB, INTEREST))
    np.testing.assert_allclose(d, [0, 1, 1, 1, 1, 2, 1, 0, 1, 2])


def test_nc_sample_ranks_nearest_first_and_breaks_ties_by_index() -> None:
    s = nc_sample(EMB, LAB, INTEREST, rates={1: 0.4, 0: 0.6})
    # class 1: 5 of interest, 0.4 -> 2: the centre and the lowest-index tie.
    np.testing.assert_array_equal(s.ranked[1], [0, 1, 2, 3, 4])
    # class 0: distances [2,1,0,1,2] at 5..9 -> order 7, 6, 8, 5, 9.
    np.testing.assert_array_equal(s.ranked[0], [7, 6, 8, 5, 9])
    np.testing.assert_allclose(s.ranked_distances[0], [0, 1, 1, 2, 2])
    assert s.counts == {1: 2, 0: 3}
    np.testing.assert_array_equal(s.selected, [0, 1, 6, 7, 8])
    assert 10 not in s.table()["index"].tolist()
    assert s.n_interest == {1: 5, 0: 5}


def test_nc_sample_ties_go_to_the_lower_position_of_the_given_arrays() -> None:
    perm = np.array([4, 3, 2, 1, 0, 9, 8, 7, 6, 5, 10])
    s = nc_sample(EMB[perm], LAB[perm], INTEREST[perm], rates={1: 0.4, 0: 0.4})
    # Reversed order: the tie winners are now the originals 4 (class 1) and 8 (class 0).
    np.testing.assert_array_equal(s.ranked[1], [4, 0, 1, 2, 3])
    np.testing.assert_array_equal(s.ranked[0], [7, 6, 8, 5, 9])
    assert sorted(perm[s.selected].tolist()) == [0, 4, 7, 8]


@pytest.mark.parametrize(
    ("n", "rate", "expected"),
    [
        (5, 0.5, 3),  # exact half rounds up
        (4, 0.5, 2),
        (10, 0.3, 3),  # 0.3*10 = 3.0000000000000004: ceil would give 4
        (10, 0.15, 2),  # 0.15*10 = 1.4999999999999998 in binary: still a half
        (10, 0.29, 3),
        (10, 0.24, 2),
        (10, 0.0, 0),
        (10, 1.0, 10),
        (3, 1e-9, 0),
        (0, 0.7, 0),
        (22800, 0.5, 11400),
    ],
)
def test_rate_to_count_rounds_half_up(n: int, rate: float, expected: int) -> None:
    assert rate_to_count(n, rate) == expected


def test_rates_zero_and_one() -> None:
    s = nc_sample(EMB, LAB, INTEREST, rates={1: 1.0, 0: 0.0})
    np.testing.assert_array_equal(s.selected, [0, 1, 2, 3, 4])
    assert s.counts == {1: 5, 0: 0}


@pytest.mark.parametrize("rate", [-0.1, 1.5, float("nan")])
def test_rate_outside_unit_interval_is_an_error(rate: float) -> None:
    with pytest.raises(ValueError, match="class 0"):
        nc_sample(EMB, LAB, INTEREST, rates={1: 0.5, 0: rate})


def test_distance_thresholds_keep_d_at_most_threshold() -> None:
    s = nc_sample(EMB, LAB, INTEREST, distance_thresholds={1: 0.5, 0: 1.0})
    assert s.counts == {1: 1, 0: 3}
    np.testing.assert_array_equal(s.selected, [0, 6, 7, 8])
    # Mixed: a rate for one class, a distance for the other.
    mixed = nc_sample(EMB, LAB, INTEREST, rates={1: 1.0}, distance_thresholds={0: 0.0})
    np.testing.assert_array_equal(mixed.selected, [0, 1, 2, 3, 4, 7])


def test_every_class_needs_exactly_one_rule() -> None:
    with pytest.raises(ValueError, match="class 0"):
        nc_sample(EMB, LAB, INTEREST, rates={1: 0.5})
    with pytest.raises(ValueError, match="both"):
        nc_sample(EMB, LAB, INTEREST, rates={1: 0.5, 0: 0.5}, distance_thresholds={0: 1.0})


def test_class_without_samples_of_interest_is_named() -> None:
    interest = LAB == 1
    with pytest.raises(ValueError, match="class 0 has no samples of interest"):
        nc_sample(EMB, LAB, interest, rates={1: 0.5, 0: 0.5})


def test_cosine_metric_ranks_by_angle_not_length() -> None:
    emb = np.array([[1.0, 0.0], [100.0, 1.0], [1.0, 1.0], [0.0, 0.0]])
    lab = np.zeros(4, dtype=int)
    s = nc_sample(emb, lab, rates={0: 0.5}, metric="cosine")
    # Mean is (25.5, 0.5): direction ~x axis. The long vector [100, 1] is
    # closest in angle; the zero vector has no direction and ranks as distance 1.
    assert s.ranked[0][0] == 1
    assert s.ranked_distances[0][-1] == pytest.approx(1.0)
    assert s.ranked[0][-1] == 3
    euclid = nc_sample(emb, lab, rates={0: 0.5})
    assert euclid.ranked[0][0] != 1


def test_nc_sample_is_deterministic_and_rejects_bad_input() -> None:
    rng = np.random.default_rng(3)
    emb = rng.normal(size=(200, 8))
    lab = rng.integers(0, 2, size=200)
    a = nc_sample(emb, lab, rates={0: 0.37, 1: 0.81})
    b = nc_sample(emb.copy(), lab.copy(), rates={0: 0.37, 1: 0.81})
    np.testing.assert_array_equal(a.selected, b.selected)
    assert np.all(np.diff(a.selected) > 0)
    bad = emb.copy()
    bad[5, 2] = np.nan
    with pytest.raises(ValueError, match="row 5"):
        nc_sample(bad, lab, rates={0: 0.5, 1: 0.5})
    with pytest.raises(ValueError, match="metric"):
        nc_sample(emb, lab, rates={0: 0.5, 1: 0.5}, metric="manhattan")  # type: ignore[arg-type]


# ---------------------------------------------------------------- diagnostics


def _two_classes(spread: float, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    means = np.array([[5.0] * 6, [-5.0] * 6])
    lab = np.repeat([0, 1], [300, 100])  # imbalanced, as in ASVspoof
    return means[lab] + spread * rng.normal(size=(400, 6)), lab


def test_collapse_measures_are_smaller_for_tight_classes() -> None:
    tight, lab = _two_classes(0.2)
    diffuse, _ = _two_classes(3.0)
    assert nc1(tight, lab) < nc1(diffuse, lab) / 50
    assert within_between_ratio(tight, lab) < within_between_ratio(diffuse, lab) / 50
    # Closed form for K=2, isotropic within-class variance s^2 in d dims and
    # mean gap D: NC1 = 2 s^2 / D^2, within/between = d s^2 / D^2.
    gap2 = 6 * 10.0**2
    assert nc1(diffuse, lab) == pytest.approx(2 * 9.0 / gap2, rel=0.15)
    assert within_between_ratio(diffuse, lab) == pytest.approx(6 * 9.0 / gap2, rel=0.15)
    summary = collapse_metrics(tight, lab)
    assert summary["n"] == 400 and summary["mean_class_mean_distance"] == pytest.approx(
        np.sqrt(gap2), rel=0.01
    )


def test_nc1_per_class_splits_nc1_by_class_size_and_names_the_collapsed_class() -> None:
    rng = np.random.default_rng(4)
    lab = np.repeat([0, 1], [300, 100])
    x = np.where(lab[:, None] == 0, 5.0, -5.0) + rng.normal(size=(400, 6))
    x[lab == 0] = 5.0 + 0.05 * rng.normal(size=(300, 6))  # class 0 collapsed to a point
    per_class = nc1_per_class(x, lab)
    assert set(per_class) == {0, 1}
    assert (300 * per_class[0] + 100 * per_class[1]) / 400 == pytest.approx(nc1(x, lab))
    assert per_class[0] < per_class[1] / 100
    with pytest.raises(ValueError, match="two classes"):
        nc1_per_class(x[lab == 0], lab[lab == 0])


def test_distance_summary_per_class() -> None:
    d = np.array([0.0, 1.0, 2.0, 3.0, 4.0, 10.0, 20.0])
    lab = np.array([0, 0, 0, 0, 0, 1, 1])
    sel = np.array([True, True, False, False, False, True, False])
    t = distance_summary(d, lab, selected=sel)
    row0 = t.set_index("label").loc[0]
    assert row0["n"] == 5 and row0["median"] == 2.0 and row0["min"] == 0.0 and row0["max"] == 4.0
    assert row0["q25"] == 1.0 and row0["n_selected"] == 2 and row0["max_selected"] == 1.0
    assert t.set_index("label").loc[1, "mean"] == 15.0
    assert not t.isna().any().any()


# ---------------------------------------------------------------- random draws


def test_random_draw_counts_pool_and_determinism() -> None:
    lab = np.repeat([0, 1], [500, 100])
    pool = np.zeros(600, dtype=bool)
    pool[::2] = True
    idx = random_draw(lab, {0: 40, 1: 10}, pool_mask=pool, seed=7)
    assert np.sum(lab[idx] == 0) == 40 and np.sum(lab[idx] == 1) == 10
    assert pool[idx].all() and np.unique(idx).shape[0] == 50 and np.all(np.diff(idx) > 0)
    np.testing.assert_array_equal(idx, random_draw(lab, {0: 40, 1: 10}, pool_mask=pool, seed=7))
    assert not np.array_equal(idx, random_draw(lab, {0: 40, 1: 10}, pool_mask=pool, seed=8))
    # A class's draw does not depend on the other class's count.
    only0 = random_draw(lab, {0: 40}, pool_mask=pool, seed=7)
    np.testing.assert_array_equal(only0, idx[lab[idx] == 0])
    with pytest.raises(
        ValueError, match="class 1: 51 samples requested but the pool holds only 50"
    ):
        random_draw(lab, {1: 51}, pool_mask=pool, seed=7)


def test_derive_seed_is_stable_and_key_dependent() -> None:
    assert derive_seed(20240917, "kmeans", 3) == derive_seed(20240917, "kmeans", 3)
    assert derive_seed(20240917, "kmeans", 3) != derive_seed(20240917, "kmeans", 4)
    assert derive_seed(1, "a") != derive_seed(2, "a")
    with pytest.raises(ValueError, match="seed"):
        derive_seed(-1, "a")


def _manifest() -> pd.DataFrame:
    rows = []
    for ds, n_bona, n_spoof in (("asvspoof2019", 30, 200), ("for", 80, 60), ("wavefake", 0, 90)):
        rows += [(f"{ds}_b{i}", ds, "bonafide") for i in range(n_bona)]
        rows += [(f"{ds}_s{i}", ds, "spoof") for i in range(n_spoof)]
    return pd.DataFrame(rows, columns=["utt_id", "dataset", "label"]).set_index("utt_id")


def test_draw_per_dataset_counts_and_shortfall() -> None:
    table = _manifest()
    excluded = {f"for_b{i}" for i in range(20)}
    draw = draw_per_dataset(table, 50, seed=11, exclude=excluded)
    drawn = table.loc[draw.index]
    counts = drawn.groupby(["dataset", "label"]).size().to_dict()
    assert counts == {
        ("asvspoof2019", "bonafide"): 30,
        ("asvspoof2019", "spoof"): 50,
        ("for", "bonafide"): 50,
        ("for", "spoof"): 50,
        ("wavefake", "spoof"): 50,
    }
    assert not set(draw.index) & excluded
    short = draw.shortfall.set_index(["dataset", "label"])
    assert set(short.index) == {("asvspoof2019", "bonafide"), ("wavefake", "bonafide")}
    assert short.loc[("asvspoof2019", "bonafide"), "available"] == 30
    assert short.loc[("wavefake", "bonafide"), "drawn"] == 0
    again = draw_per_dataset(table, 50, seed=11, exclude=excluded)
    assert list(again.index) == list(draw.index)
    assert list(draw_per_dataset(table, 50, seed=12, exclude=excluded).index) != list(draw.index)
    # Removing a dataset leaves the others' draws unchanged (streams keyed by name).
    without = draw_per_dataset(table[table["dataset"] != "wavefake"], 50, seed=11, exclude=excluded)
    assert list(without.index) == [i for i in draw.index if not i.startswith("wavefake")]
    with pytest.raises(ValueError, match="dataset"):
        draw_per_dataset(table.drop(columns="dataset"), 5, seed=1)


def _pool_table() -> tuple[pd.DataFrame, list[dict[str, object]]]:
    """Cache metadata as ``read_cache_tables`` returns it: for train + dev, wavefake train."""
    rows, caches = [], []
    for ds, split, n_bona, n_spoof in (
        ("for", "train", 6, 8),
        ("for", "dev", 3, 3),
        ("wf", "train", 4, 9),
    ):
        labels = ["bonafide"] * n_bona + ["spoof"] * n_spoof
        rows += [(ds, split, f"{ds}{split}{i}", lab, "-") for i, lab in enumerate(labels)]
        caches.append(
            {"dataset": ds, "split": split, "path": f"{ds}_{split}.h5", "rows": len(labels)}
        )
    return pd.DataFrame(rows, columns=list(ROW_COLUMNS)), caches


def test_pool_draws_requested_counts_without_duplicates_and_reports() -> None:
    table, caches = _pool_table()
    assert cache_priority(caches) == [("for", "train"), ("for", "dev"), ("wf", "train")]
    pairs = pd.DataFrame(
        [("for", "dev", "fordev0", "for", "train", "fortrain0", 0.99)],
        columns=list(DUPLICATE_COLUMNS),
    )
    pool = make_pool(table, caches, pairs, "dups.tsv")
    assert pool.datasets == ["for", "wf"]
    assert pool.splits == {"for": ["train", "dev"], "wf": ["train"]}
    assert pool.duplicates == {"file": "dups.tsv", "pairs": 1, "excluded": 1}
    assert make_pool(table, caches).duplicates == {"file": None, "pairs": 0, "excluded": 0}
    selection, counts = draw_counts(pool, uniform_counts(pool, 5), seed=3)
    assert list(selection.columns) == list(ROW_COLUMNS)
    assert "fordev0" not in set(selection["utt_id"])
    got = counts.set_index(["dataset", "label"])
    assert list(counts.columns) == list(COUNT_COLUMNS)
    columns = ["rows", "excluded", "available", "drawn"]
    assert tuple(got.loc[("for", "bonafide"), columns]) == (9, 1, 8, 5)
    assert tuple(got.loc[("wf", "bonafide"), ["available", "drawn"]]) == (4, 4)
    summary = draw_summary(pool, counts, selection, seed=3, mode="test")
    assert list(summary)[:2] == ["mode", "seed"]
    assert summary["shortfall"] == [counts.iloc[2].to_dict()]
    assert summary["total"] == {"bonafide": 9, "spoof": 10, "rows": 19}
    per_split = summary["per_split"]["for"]
    assert per_split["train"]["bonafide"] + per_split["dev"]["bonafide"] == 5
    # The same counts by name reproduce the uniform draw (one stream per dataset and class).
    budget = {"datasets": {d: {"counts": {"bonafide": 5, "spoof": 5}} for d in ("for", "wf")}}
    again, _ = draw_counts(pool, matched_counts(budget, pool.datasets, "b.json"), seed=3)
    pd.testing.assert_frame_equal(again, selection)
    with pytest.raises(ValueError, match="b.json: no counts for dataset 'wf'"):
        matched_counts({"datasets": {"for": budget["datasets"]["for"]}}, pool.datasets, "b.json")
    with pytest.raises(ValueError, match="no requested count for dataset 'wf'"):
        draw_counts(pool, {("for", "bonafide"): 1, ("for", "spoof"): 1}, seed=3)


def test_refuse_split_names_the_cache() -> None:
    _, caches = _pool_table()
    refuse_split(caches, "eval", "never")
    with pytest.raises(ValueError, match="for_dev.h5 is a dev split; not here"):
        refuse_split(caches, "dev", "not here")


def test_validation_selection_drops_training_rows_and_copies() -> None:
    table, caches = _pool_table()
    dev = table[table["split"] == "dev"].reset_index(drop=True)
    pairs = pd.DataFrame(
        [("for", "dev", "fordev1", "for", "train", "fortrain0", 0.99)],
        columns=list(DUPLICATE_COLUMNS),
    )
    training = pd.DataFrame({"dataset": ["for"], "split": ["dev"], "utt_id": ["fordev0"]})
    selection, counts = validation_selection(dev, pairs, cache_priority(caches), training)
    assert selection["utt_id"].tolist() == ["fordev2", "fordev3", "fordev4", "fordev5"]
    assert counts.to_dict(orient="records")[0] == {
        "dataset": "for",
        "label": "bonafide",
        "rows": 3,
        "training": 1,
        "duplicate": 1,
        "copy_of_training": 0,
        "kept": 1,
    }
    with pytest.raises(ValueError, match="no bonafide row is left for validation"):
        validation_selection(dev.iloc[[0, 1, 3]], pairs, cache_priority(caches), training)


def _embeddings(
    x: np.ndarray, label: np.ndarray, attack: list[str], correct: np.ndarray
) -> Embeddings:
    n = label.shape[0]
    return Embeddings(
        path=Path("emb.h5"),
        utt_id=np.array([f"u{i:03d}" for i in range(n)], dtype=object),
        embedding=x.astype(np.float64),
        label=label.astype(np.int64),
        attack=np.array(attack, dtype=object),
        correct=correct,
        dataset=np.full(n, "asv", dtype=object),
        split=np.full(n, "train", dtype=object),
        attrs={"model": "resnet"},
    )


def test_nc_selection_and_diagnostics_on_embeddings() -> None:
    emb = _embeddings(EMB, LAB, ["-"] * 5 + ["A01"] * 5 + ["-"], INTEREST)
    table, summary = nc_selection(emb, "nc", bonafide_rate=0.2, spoof_rate=0.6)
    assert list(table.columns) == list(NC_SELECTION_COLUMNS)
    assert table["utt_id"].tolist() == ["u000", "u006", "u007", "u008"]
    assert summary["counts"] == {"bonafide": 1, "spoof": 3} and summary["n_total"]["bonafide"] == 6
    assert summary["max_selected_distance"] == {"bonafide": 0.0, "spoof": 1.0}
    drawn, info = nc_selection(emb, "random_all", bonafide_rate=0.2, spoof_rate=0.6, seed=4)
    assert info["counts"] == summary["counts"] and set(drawn["rank"]) <= set(range(-1, 5))
    with pytest.raises(ValueError, match="unknown method"):
        nc_selection(emb, "other", bonafide_rate=1, spoof_rate=1)
    result, dist, per_class = embedding_diagnostics(emb)
    assert result["n"] == 10 and result["accuracy"] == pytest.approx(10 / 11)
    assert dist["label"].tolist() == ["bonafide", "spoof"]
    assert set(per_class) == {"bonafide", "spoof"}
    assert result["distances"]["spoof"]["max"] == 2.0 and result["model"] == "resnet"


# ---------------------------------------------------------------- Algorithm 2


def _blobs(centres: np.ndarray, n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    truth = np.repeat(np.arange(centres.shape[0]), n)
    return centres[truth] + rng.normal(size=(truth.shape[0], centres.shape[1])), truth


def test_algorithm2_finds_four_separated_blobs_and_samples_near_centres() -> None:
    rng = np.random.default_rng(0)
    centres = rng.normal(size=(4, 16))
    centres *= 8.0 / np.linalg.norm(centres, axis=1, keepdims=True)
    x, truth = _blobs(centres, 120, seed=1)
    # Add bonafide rows and a not-of-interest spoof row: both must be ignored.
    emb = np.vstack([x, np.full((5, 16), 30.0), np.full((1, 16), -30.0)])
    lab = np.r_[np.zeros(480, int), np.ones(5, int), 0]
    interest = np.r_[np.ones(485, bool), False]
    r = cluster_sample(emb, lab, interest, k_max=6, seed=5, rate=0.25)
    assert r.k == 4 and max(r.silhouette, key=r.silhouette.get) == 4
    assert set(r.silhouette) == {2, 3, 4, 5, 6}
    np.testing.assert_array_equal(r.indices, np.arange(480))
    assert cluster_agreement(r.cluster_labels, truth)["ari"] > 0.95
    assert r.overlap_groups == [] and not r.overlap["overlapping"].any()
    counts = r.cluster_counts()
    np.testing.assert_array_equal(
        counts["n_selected"], [rate_to_count(n, 0.25) for n in counts["n"]]
    )
    assert set(r.selected) <= set(range(480))
    t = r.table()
    for c in range(4):
        rows = t[t["cluster"] == c]
        kept, dropped = rows[rows["selected"]], rows[~rows["selected"]]
        assert kept["distance"].max() <= dropped["distance"].min()
        assert sorted(kept["rank"]) == list(range(len(kept)))
    again = cluster_sample(emb, lab, interest, k_max=6, seed=5, rate=0.25)
    np.testing.assert_array_equal(again.selected, r.selected)


def test_algorithm2_detects_overlapping_pair_and_samples_it_jointly() -> None:
    centres = np.zeros((3, 16))
    centres[1, 0] = 1.5  # 1.5 sigma from blob 0: overlapping
    centres[2, 1] = 20.0  # far away
    x, truth = _blobs(centres, 300, seed=2)
    r = cluster_sample(x, np.zeros(900, int), k_min=3, k_max=3, seed=4, rate=0.5)
    far = int(np.bincount(r.cluster_labels[truth == 2]).argmax())
    overlapping = tuple(sorted({0, 1, 2} - {far}))
    assert r.overlap_groups == [overlapping]
    assert not r.all_overlap
    counts = r.cluster_counts().set_index("cluster")
    # The far cluster follows the rate exactly; the overlapping pair keeps only
    # points kept both around their own centre and around the pair's mean.
    assert counts.loc[far, "n_selected"] == rate_to_count(counts.loc[far, "n"], 0.5)
    t = r.table()
    pair = t[t["cluster"].isin(overlapping)]
    np.testing.assert_array_equal(pair["selected"], pair["individual"] & pair["collective"])
    assert pair["selected"].sum() < pair["individual"].sum()
    assert pair["collective"].sum() == rate_to_count(len(pair), 0.5)


def test_algorithm2_all_clusters_overlapping_falls_back_to_one_group() -> None:
    x = np.random.default_rng(6).normal(size=(500, 8))
    r = cluster_sample(x, np.zeros(500, int), k_max=2, seed=1, distance_threshold=2.5)
    assert r.k == 2 and r.all_overlap and r.groups == [(0, 1)]
    t = r.table()
    assert (t["selected"] == ((t["distance"] <= 2.5) & (t["group_distance"] <= 2.5))).all()


def test_overlap_helpers_and_k_edge_cases() -> None:
    pairs = pd.DataFrame(
        {"cluster_a": [0, 1, 3], "cluster_b": [1, 2, 4], "overlapping": [True, True, False]}
    )
    assert overlap_groups(pairs, 5) == [(0, 1, 2), (3,), (4,)]
    x = np.r_[np.zeros((50, 2)), np.full((50, 2), 10.0)] + np.random.default_rng(0).normal(
        size=(100, 2)
    )
    table = overlap_table(x, np.repeat([0, 1], 50))
    assert table.loc[0, "valley_ratio"] == 0.0 and not table.loc[0, "overlapping"]
    single = choose_k(x, 1, seed=0)
    assert single.k == 1 and single.silhouette == {}
    with pytest.raises(ValueError, match="k_min"):
        choose_k(x, 3, seed=0, k_min=4)
    with pytest.raises(ValueError, match="class 0 has no samples of interest"):
        cluster_sample(x, np.ones(100, int), k_max=2, seed=0, rate=0.5)


def test_cluster_agreement() -> None:
    assert cluster_agreement(np.array([0, 0, 1, 1]), np.array(["A01", "A01", "A02", "A02"])) == {
        "ari": 1.0,
        "nmi": 1.0,
    }
    assert cluster_agreement(np.array([0, 1, 0, 1]), np.array(["A", "A", "B", "B"]))["ari"] < 0.0


def test_full_method_helpers_and_duplicate_removal() -> None:
    known = ["A01", "A02"]
    assert choose_k_max(np.array(["A01", "-", "A02", "A01"]), None) == (2, "attacks", known)
    assert choose_k_max(np.array(["-", ""]), None) == (DEFAULT_K_MAX, "default", [])
    assert choose_k_max(np.array(["A01"]), 3) == (3, "override", ["A01"])
    assert parse_k_max(["for=3", "wf=1"]) == {"for": 3, "wf": 1}
    for bad in ("for", "for=0", "=2", "for=x"):
        with pytest.raises(ValueError, match="expected DATASET=K"):
            parse_k_max([bad])
    centres = np.array([[0.0, 0.0], [10.0, 0.0], [0.0, 10.0]])
    x, truth = _blobs(centres, 20, seed=3)
    attacks = [["-", "A01", "A02"][t] for t in truth]
    emb = _embeddings(x, (truth == 0).astype(int), attacks, np.ones(60, bool))
    pairs = pd.DataFrame(
        [("asv", "train", "u000", "asv", "train", "u001", 0.99)], columns=list(DUPLICATE_COLUMNS)
    )
    sample = full_method(
        [("asv", emb)], bonafide_rate=1.0, spoof_rate=0.5, k_max={}, seed=1, pairs=pairs
    )
    info = sample.per_dataset["asv"]
    assert info["algorithm2"]["k"] == 2 and info["selected"] == {"bonafide": 20, "spoof": 20}
    assert sample.n_excluded == 1 and info["counts"] == {"bonafide": 19, "spoof": 20}
    assert "u001" not in set(sample.selection["utt_id"])
    summary = full_method_summary(sample, seed=1, bonafide_rate=1.0, spoof_rate=0.5, pairs_file="d")
    assert summary["duplicates"] == {"file": "d", "pairs": 1, "excluded": 1}
    assert summary["total"] == {"bonafide": 19, "spoof": 20, "rows": 39}
    with pytest.raises(ValueError, match="dataset 'asv' given twice"):
        full_method([("asv", emb)] * 2, bonafide_rate=1, spoof_rate=1, k_max={}, seed=1, pairs=None)
    with pytest.raises(ValueError, match="--k-max for dataset"):
        full_method(
            [("asv", emb)], bonafide_rate=1, spoof_rate=1, k_max={"for": 2}, seed=1, pairs=None
        )


# ---------------------------------------------------------------- duplicates

# Fingerprints (features.fingerprint) and the lag-searched scan: tests/test_duplicates.py.


def test_find_duplicates_within_one_set_and_dedup_groups() -> None:
    rng = np.random.default_rng(1)
    base = rng.normal(size=(40, 32)).astype(np.float32)
    fp = np.vstack([base, base[3] + 0.01, base[3] + 0.02, base[10] - 0.01])  # rows 40, 41, 42
    fp /= np.linalg.norm(fp, axis=1, keepdims=True)
    blocked = find_duplicates(fp, threshold=0.95, block_size=8)
    assert list(zip(blocked["i"], blocked["j"], strict=True)) == [
        (3, 40),
        (3, 41),
        (10, 42),
        (40, 41),
    ]
    assert (blocked["i"] < blocked["j"]).all()
    whole = find_duplicates(fp, threshold=0.95, block_size=1000)
    pd.testing.assert_frame_equal(blocked, whole, check_exact=False, rtol=1e-5)
    np.testing.assert_array_equal(dedup_indices(blocked, within_set=True), [40, 41, 42])
    empty = find_duplicates(fp[:40], threshold=0.95)
    assert empty.empty and list(empty.columns) == ["i", "j", "similarity"]


def test_zero_fingerprints_match_nothing_and_bad_shapes_fail() -> None:
    fp = np.zeros((2, 16), dtype=np.float32)  # silent recordings get zero fingerprints
    assert find_duplicates(fp, threshold=0.9).empty
    with pytest.raises(ValueError, match="2-D"):
        find_duplicates(np.zeros((3, 4, 5)))
    with pytest.raises(ValueError, match="lengths differ"):
        find_duplicates(np.ones((2, 4)), np.ones((2, 5)))
