"""Experiment 2 adapters: NC/random selections, NC diagnostics, Figure 1 t-SNE, results table.

Embedding files are built in the layout of ``python -m workflow_scripts.embed``
(two Gaussian classes in 8-D, some rows marked incorrect); every CLI runs on
real files in ``tmp_path``.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import h5py
import numpy as np
import pandas as pd
import pytest
import yaml

from workflow_scripts import compare_runs, make_figure1, make_table_exp2, nc_diagnostics, sample_nc
from workflow_scripts.io.embeddings import read_embeddings
from workflow_scripts.io.files import read_tsv
from workflow_scripts.planning import experiment2 as plan_experiment2
from workflow_scripts.planning import significance as plan_significance
from workflow_scripts.reporting.exp2 import slugify
from workflow_scripts.reporting.figures import effective_perplexity, stratified_subsample
from workflow_scripts.reporting.significance import read_significance, significance_markdown

REPO = Path(__file__).resolve().parents[1]
STR = h5py.string_dtype("utf-8")


def write_embedding_file(
    path: Path,
    *,
    n_bonafide: int = 30,
    n_spoof: int = 90,
    dim: int = 8,
    incorrect_every: int = 7,
    seed: int = 0,
    origin: str = "rows",
) -> dict[str, np.ndarray]:
    """Write an embedding HDF5; every ``incorrect_every``-th row is marked incorrect.

    ``origin``: ``rows`` (per-row dataset/split datasets, as embed writes),
    ``attrs`` (file attributes) or ``none`` (the caller must pass flags).
    Spoof rows cycle through attacks A01-A03; bonafide rows have attack ``-``.
    """
    rng = np.random.default_rng(seed)
    n = n_bonafide + n_spoof
    centre = np.zeros(dim)
    centre[0] = 4.0
    x = np.concatenate(
        [rng.normal(centre, 1.0, (n_bonafide, dim)), rng.normal(-centre, 1.0, (n_spoof, dim))]
    )
    label = np.array([1] * n_bonafide + [0] * n_spoof, dtype=np.int8)
    attack = np.array(["-"] * n_bonafide + [f"A0{1 + i % 3}" for i in range(n_spoof)], dtype=object)
    correct = (np.arange(n) % incorrect_every) != 3
    utt = np.array([f"LA_T_{i:05d}" for i in range(n)], dtype=object)
    with h5py.File(path, "w") as h5:
        h5.create_dataset("utt_id", data=utt, dtype=STR)
        h5.create_dataset("embedding", data=x.astype(np.float32))
        h5.create_dataset("label", data=label)
        h5.create_dataset("attack", data=attack, dtype=STR)
        h5.create_dataset("logit", data=(x[:, 0] * 2).astype(np.float32))
        h5.create_dataset("correct", data=correct)
        if origin == "rows":
            h5.create_dataset(
                "dataset", data=np.array(["asvspoof2019"] * n, dtype=object), dtype=STR
            )
            h5.create_dataset("split", data=np.array(["train"] * n, dtype=object), dtype=STR)
        elif origin == "attrs":
            h5.attrs["dataset"] = "asvspoof2019"
            h5.attrs["split"] = "train"
        h5.attrs.update({"model": "resnet", "checkpoint": "best.pt", "decision_threshold": 0.0})
    return {
        "x": x.astype(np.float32).astype(np.float64),
        "label": label.astype(np.int64),
        "correct": correct,
        "utt": utt,
        "attack": attack,
    }


def round_half_up(rate: float, n: int) -> int:
    return int(math.floor(rate * n + 0.5))


def run_sample(
    emb: Path, out: Path, method: str, b: float, s: float, seed: int = 0, extra=()
) -> dict:
    summary = out.with_suffix(".json")
    rc = sample_nc.main(
        [
            "--embeddings",
            str(emb),
            "--method",
            method,
            "--bonafide-rate",
            str(b),
            "--spoof-rate",
            str(s),
            "--seed",
            str(seed),
            "--out",
            str(out),
            "--summary-out",
            str(summary),
            *extra,
        ]
    )
    assert rc == 0
    return json.loads(summary.read_text())


@pytest.fixture()
def emb_file(tmp_path: Path) -> tuple[Path, dict[str, np.ndarray]]:
    path = tmp_path / "emb.h5"
    return path, write_embedding_file(path)


# ----------------------------------------------------------------------------- sample_nc


def test_nc_keeps_nearest_samples_of_interest_at_the_rates(emb_file, tmp_path: Path) -> None:
    path, data = emb_file
    out = tmp_path / "nc.tsv"
    summary = run_sample(path, out, "nc", 1.0, 0.5)
    sel = read_tsv(out)
    assert list(sel.columns[:3]) == ["dataset", "split", "utt_id"]
    assert set(sel["dataset"]) == {"asvspoof2019"} and set(sel["split"]) == {"train"}
    assert (sel["correct"] == "True").all()

    x, y, ok = data["x"], data["label"], data["correct"]
    expected_ids = []
    for k, rate in ((1, 1.0), (0, 0.5)):
        idx = np.flatnonzero(ok & (y == k))
        d = np.linalg.norm(x[idx] - x[idx].mean(axis=0), axis=1)
        keep = idx[np.argsort(d, kind="stable")[: round_half_up(rate, idx.size)]]
        expected_ids += data["utt"][keep].tolist()
    # rows in cache order, exactly the nearest ones per class
    assert sel["utt_id"].tolist() == sorted(expected_ids)
    n_int = {"bonafide": int((ok & (y == 1)).sum()), "spoof": int((ok & (y == 0)).sum())}
    assert n_int["spoof"] % 2 == 1  # 0.5 of an odd count: the round-half-up rule is exercised
    assert summary["n_interest"] == n_int
    assert summary["n_total"] == {"bonafide": 30, "spoof": 90}
    assert summary["counts"] == {
        "bonafide": n_int["bonafide"],
        "spoof": round_half_up(0.5, n_int["spoof"]),
    }
    assert (sel["label"] == "bonafide").sum() == summary["counts"]["bonafide"]
    # ranks of the spoof rows are 0..count-1, the largest kept distance is in the summary
    spoof = sel[sel["label"] == "spoof"]
    assert sorted(spoof["rank"].astype(int)) == list(range(summary["counts"]["spoof"]))
    assert spoof["distance"].astype(float).max() == pytest.approx(
        summary["max_selected_distance"]["spoof"]
    )


def test_random_controls_have_nc_counts_and_their_pools(emb_file, tmp_path: Path) -> None:
    path, data = emb_file
    nc = run_sample(path, tmp_path / "nc.tsv", "nc", 0.8, 0.4)
    ri = run_sample(path, tmp_path / "ri.tsv", "random_interest", 0.8, 0.4, seed=5)
    ra = run_sample(path, tmp_path / "ra.tsv", "random_all", 0.8, 0.4, seed=5)
    assert nc["counts"] == ri["counts"] == ra["counts"]
    ri_rows, ra_rows, nc_rows = (read_tsv(tmp_path / f"{m}.tsv") for m in ("ri", "ra", "nc"))
    assert (ri_rows["correct"] == "True").all()
    assert (ra_rows["correct"] == "False").any()  # the whole training set is the pool
    assert set(ri_rows["utt_id"]) != set(nc_rows["utt_id"])
    assert ra_rows.loc[ra_rows["correct"] == "False", "rank"].eq("-1").all()
    for rows in (ri_rows, ra_rows):
        assert rows["utt_id"].tolist() == sorted(rows["utt_id"])
        assert rows["label"].value_counts().to_dict() == {
            k: v for k, v in nc["counts"].items() if v
        }


def test_full_selection_and_the_identical_rate_one_selections(
    emb_file, tmp_path: Path, capsys
) -> None:
    """``full`` keeps every row; at rates (1.0, 1.0) nc and random_interest keep the same rows
    (every sample of interest, what lets planning train them once), random_all does not."""
    path, data = emb_file
    full = run_sample(path, tmp_path / "full.tsv", "full", 1.0, 1.0, seed=3)
    assert full["counts"] == full["n_total"] == {"bonafide": 30, "spoof": 90}
    assert read_tsv(tmp_path / "full.tsv")["utt_id"].tolist() == data["utt"].tolist()
    rows = {}
    for method in ("nc", "random_interest", "random_all"):
        run_sample(path, tmp_path / f"{method}.tsv", method, 1.0, 1.0, seed=5)
        rows[method] = set(read_tsv(tmp_path / f"{method}.tsv")["utt_id"])
    assert rows["nc"] == rows["random_interest"] == set(data["utt"][data["correct"]])
    assert rows["random_all"] != rows["nc"]  # as many rows, drawn from all of them
    bad = ["--embeddings", str(path), "--method", "full", "--out", str(tmp_path / "bad.tsv")]
    assert sample_nc.main([*bad, "--bonafide-rate", "1.0", "--spoof-rate", "0.5"]) == 2
    assert "both rates must be 1.0" in capsys.readouterr().err


def test_selection_is_deterministic_and_seeded(emb_file, tmp_path: Path) -> None:
    path, _ = emb_file
    for name, method, seed in [
        ("a", "random_interest", 1),
        ("b", "random_interest", 1),
        ("c", "random_interest", 2),
        ("n1", "nc", 1),
        ("n2", "nc", 2),
    ]:
        run_sample(path, tmp_path / f"{name}.tsv", method, 0.5, 0.5, seed=seed)
    read = lambda name: (tmp_path / f"{name}.tsv").read_bytes()  # noqa: E731
    assert read("a") == read("b")
    assert (tmp_path / "a.json").read_bytes() == (tmp_path / "b.json").read_bytes()
    assert read("a") != read("c")
    assert read("n1") == read("n2")  # Algorithm 1 has no randomness


def test_cosine_metric_and_origin_fallbacks(tmp_path: Path) -> None:
    bare = tmp_path / "bare.h5"
    write_embedding_file(bare, origin="none")
    out = tmp_path / "sel.tsv"
    nc_args = ["--embeddings", str(bare), "--method", "nc", "--spoof-rate", "0.5"]
    nc_args += ["--out", str(out)]
    with pytest.raises(SystemExit):  # argparse rejects a rate outside [0, 1]
        sample_nc.main([*nc_args, "--bonafide-rate", "1.5"])
    assert sample_nc.main([*nc_args, "--bonafide-rate", "1"]) == 2  # origin unknown
    assert not out.exists()
    summary = run_sample(
        bare,
        out,
        "nc",
        1.0,
        0.5,
        extra=["--dataset", "asvspoof2019", "--split", "train", "--metric", "cosine"],
    )
    assert summary["metric"] == "cosine" and set(read_tsv(out)["split"]) == {"train"}
    attrs = tmp_path / "attrs.h5"
    write_embedding_file(attrs, origin="attrs")
    assert read_embeddings(attrs).dataset.tolist() == ["asvspoof2019"] * 120
    with pytest.raises(ValueError, match="attrs.h5.*--dataset"):
        read_embeddings(attrs, dataset="for")


def test_bad_embedding_file_is_named(tmp_path: Path, capsys) -> None:
    bad = tmp_path / "bad.h5"
    with h5py.File(bad, "w") as h5:
        h5.create_dataset("embedding", data=np.zeros((3, 2), dtype=np.float32))
    rc = sample_nc.main(
        [
            "--embeddings",
            str(bad),
            "--method",
            "nc",
            "--bonafide-rate",
            "1",
            "--spoof-rate",
            "1",
            "--out",
            str(tmp_path / "s.tsv"),
        ]
    )
    assert rc == 2
    err = capsys.readouterr().err
    assert "bad.h5" in err and "missing dataset" in err


def test_sample_nc_runs_as_module(emb_file, tmp_path: Path) -> None:
    path, _ = emb_file
    out = tmp_path / "sub.tsv"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "workflow_scripts.sample_nc",
            "--embeddings",
            str(path),
            "--method",
            "random_all",
            "--bonafide-rate",
            "1.0",
            "--spoof-rate",
            "0.5",
            "--seed",
            "3",
            "--out",
            str(out),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert len(read_tsv(out)) > 0 and not list(tmp_path.glob(".*tmp*"))


# ----------------------------------------------------------------------------- diagnostics


def test_nc_diagnostics_outputs(emb_file, tmp_path: Path) -> None:
    path, data = emb_file
    out_json, out_tsv, png = tmp_path / "nc.json", tmp_path / "d.tsv", tmp_path / "d.png"
    assert (
        nc_diagnostics.main(
            [
                "--embeddings",
                str(path),
                "--out-json",
                str(out_json),
                "--out-tsv",
                str(out_tsv),
                "--plot",
                str(png),
            ]
        )
        == 0
    )
    result = json.loads(out_json.read_text())
    for key in (
        "nc1",
        "within_between_ratio",
        "mean_class_mean_distance",
        "n",
        "n_interest",
        "n_total",
        "accuracy",
        "distances",
    ):
        assert key in result
    x, y, ok = data["x"][data["correct"]], data["label"][data["correct"]], data["correct"]
    assert result["n"] == int(ok.sum())
    means = {k: x[y == k].mean(axis=0) for k in (0, 1)}
    within = np.mean([np.sum((x[i] - means[y[i]]) ** 2) for i in range(len(y))])
    assert result["within_between_ratio"] == pytest.approx(
        within / np.sum((means[1] - means[0]) ** 2)
    )
    assert 0 < result["nc1"] < 1  # well-separated classes are collapsed
    table = read_tsv(out_tsv)
    assert table["label"].tolist() == ["bonafide", "spoof"]
    assert table["n"].astype(int).tolist() == [int((y == 1).sum()), int((y == 0).sum())]
    spoof_median = float(np.median(np.linalg.norm(x[y == 0] - means[0], axis=1)))
    assert float(table.loc[1, "median"]) == pytest.approx(spoof_median)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


# ----------------------------------------------------------------------------- Figure 1


def test_stratified_subsample_shares() -> None:
    strata = ["a"] * 13 + ["b"] * 7 + ["c"] * 80
    idx = stratified_subsample(strata, 10, seed=3)
    assert idx.tolist() == sorted(set(idx.tolist())) and len(idx) == 10
    # shares 1.3, 0.7, 8.0 -> floors 1, 0, 8 and the leftover to the largest fraction (b)
    assert pd.Series([strata[i] for i in idx]).value_counts().to_dict() == {"c": 8, "a": 1, "b": 1}
    assert stratified_subsample(strata, 0, seed=3).tolist() == list(range(100))
    assert not np.array_equal(idx, stratified_subsample(strata, 10, seed=4))
    assert effective_perplexity(32, 30.0) == pytest.approx(31 / 3)


def test_figure1_subsample_and_outputs(tmp_path: Path) -> None:
    path = tmp_path / "emb.h5"
    data = write_embedding_file(path, n_bonafide=40, n_spoof=120)
    png, pdf = tmp_path / "fig" / "figure1_tsne.png", tmp_path / "fig" / "figure1_tsne.pdf"
    argv = [
        "--embeddings",
        str(path),
        "--out-png",
        str(png),
        "--out-pdf",
        str(pdf),
        "--max-points",
        "30",
        "--seed",
        "7",
        "--color-by",
        "attack",
        "--perplexity",
        "30",
    ]
    assert make_figure1.main(argv) == 0
    coords = read_tsv(png.with_suffix(".tsv"))
    assert len(coords) == 30 + 2
    samples = coords[coords["point"] == "sample"]
    assert (samples["correct"] == "True").all()
    ok, y = data["correct"], data["label"]
    share = (ok & (y == 1)).sum() / ok.sum() * 30
    assert abs((samples["label"] == "bonafide").sum() - share) < 1  # stratified
    means = coords[coords["point"] == "class_mean"].set_index("label")[["x", "y"]].astype(float)
    assert sorted(means.index) == ["bonafide", "spoof"]
    for name, group in samples.groupby("label"):  # default star: the class's centre in the map
        np.testing.assert_allclose(
            means.loc[name].to_numpy(), group[["x", "y"]].astype(float).mean().to_numpy()
        )
    assert np.isfinite(coords[["x", "y"]].astype(float).to_numpy()).all()
    assert png.read_bytes()[:4] == b"\x89PNG" and pdf.read_bytes()[:4] == b"%PDF"
    first = png.with_suffix(".tsv").read_bytes()
    assert make_figure1.main(argv) == 0
    assert png.with_suffix(".tsv").read_bytes() == first  # seeded t-SNE is reproducible
    # all points, every row (incorrect ones too); eq. 1 means embedded with the points
    assert (
        make_figure1.main(
            [*argv[:6], "--max-points", "0", "--points", "all", "--class-mean", "embedded"]
        )
        == 0
    )
    coords = read_tsv(png.with_suffix(".tsv"))
    assert len(coords) == 160 + 2 and (coords["correct"] == "False").any()


# ----------------------------------------------------------------------------- table


def _write_run(
    tmp: Path,
    name: str,
    *,
    eer_asv: float,
    eer_itw: float,
    seconds: list[float],
    counts: dict | None = None,
    method: str = "nc",
    rates=(1.0, 0.5),
    n_total=None,
) -> dict:
    """Hand-made run files.

    EER-DET = EER-ROC + 0.01, mAP = 1 - EER-ROC, AP-bonafide = 0.7 - EER-ROC.
    """
    run_dir = tmp / name
    run_dir.mkdir()
    metrics = {}
    for eval_name, eer in (("ASV eval", eer_asv), ("In the wild", eer_itw)):
        p = run_dir / f"{slugify(eval_name)}.json"
        p.write_text(
            json.dumps(
                {
                    "eer_roc": eer,
                    "eer_det": eer + 0.01,
                    "map": 1 - eer,
                    "auc": 0.5,
                    "ap_spoof": 1 - eer,
                    "ap_bonafide": 0.7 - eer,
                    "ap_mean": 0.85 - eer,
                }
            )
        )
        metrics[eval_name] = str(p)
    history = run_dir / "history.csv"
    pd.DataFrame(
        {
            "epoch": range(1, len(seconds) + 1),
            "train_loss": 0.5,
            "val_loss": 0.5,
            "val_eer": 0.1,
            "seconds": seconds,
            "lr": 1e-3,
        }
    ).to_csv(history, index=False)
    summary = run_dir / "summary.json"
    summary.write_text(
        json.dumps(
            {
                "method": method,
                "bonafide_rate": rates[0],
                "spoof_rate": rates[1],
                "counts": counts or {"bonafide": 0, "spoof": 0},
                "n_total": n_total or {"bonafide": 2580, "spoof": 22800},
            }
        )
    )
    return {"summary": str(summary), "history": str(history), "metrics": metrics}


def test_table_exp2_aggregates_and_orders(tmp_path: Path) -> None:
    nc_counts = {"bonafide": 2500, "spoof": 11000}
    runs = []
    for seed, (a, w) in enumerate([(0.10, 0.50), (0.20, 0.56), (0.30, 0.53)], start=1):
        runs.append(
            {
                "method": "nc",
                "bonafide_rate": 1.0,
                "spoof_rate": 0.5,
                "seed": seed,
                **_write_run(
                    tmp_path, f"nc{seed}", eer_asv=a, eer_itw=w, seconds=[10, 20], counts=nc_counts
                ),
            }
        )
    runs.append(
        {
            "method": "random_all",
            "bonafide_rate": "1.0",
            "spoof_rate": "0.5",
            "seed": "1",  # wildcards
            **_write_run(
                tmp_path,
                "ra1",
                eer_asv=0.4,
                eer_itw=0.6,
                seconds=[5],
                counts=nc_counts,
                method="random_all",
            ),
        }
    )
    runs.append(
        {
            "method": "nc",
            "bonafide_rate": 1.0,
            "spoof_rate": 0.25,
            "seed": 1,
            **_write_run(
                tmp_path,
                "nc_q",
                eer_asv=0.15,
                eer_itw=0.55,
                seconds=[7, 8],
                counts={"bonafide": 2500, "spoof": 5500},
                rates=(1.0, 0.25),
            ),
        }
    )
    runs.append(
        {
            "method": "random_interest",
            "bonafide_rate": 1.0,
            "spoof_rate": 0.5,
            "seed": 1,
            **_write_run(
                tmp_path,
                "ri1",
                eer_asv=0.2,
                eer_itw=0.6,
                seconds=[4],
                counts=nc_counts,
                method="random_interest",
            ),
        }
    )
    refs = [
        {"seed": s, **_write_run(tmp_path, f"ref{s}", eer_asv=e, eer_itw=0.57, seconds=[100, 100])}
        for s, e in ((1, 0.08), (2, 0.12))
    ]
    out, md = tmp_path / "results" / "table_exp2.csv", tmp_path / "results" / "table_exp2.md"
    argv = [
        *sum((["--run", json.dumps(r)] for r in runs[::-1]), []),
        *sum((["--reference", json.dumps(r)] for r in refs), []),
        "--out",
        str(out),
        "--markdown",
        str(md),
    ]
    assert make_table_exp2.main(argv) == 0
    table = pd.read_csv(out)
    assert list(zip(table["method"], table["spoof_rate"], strict=True)) == [
        ("full", 1.0),
        ("nc", 0.5),
        ("nc", 0.25),
        ("random_interest", 0.5),
        ("random_all", 0.5),
    ]
    nc = table.iloc[1]
    assert nc["n_seeds"] == 3 and nc["n_bonafide"] == 2500 and nc["n_spoof"] == 11000
    assert nc["asv_eval_eer_roc_mean"] == pytest.approx(0.2)
    assert nc["asv_eval_eer_roc_std"] == pytest.approx(0.1)  # ddof=1 of 0.1, 0.2, 0.3
    assert nc["asv_eval_eer_det_mean"] == pytest.approx(0.21)
    assert nc["asv_eval_map_mean"] == pytest.approx(0.8)
    assert nc["asv_eval_ap_bonafide_mean"] == pytest.approx(0.5)
    assert nc["asv_eval_ap_mean_mean"] == pytest.approx(0.65)
    assert nc["asv_eval_ap_mean_std"] == pytest.approx(0.1)
    assert nc["in_the_wild_eer_roc_mean"] == pytest.approx(0.53)
    assert nc["in_the_wild_eer_roc_std"] == pytest.approx(0.03)
    assert nc["train_seconds_mean"] == pytest.approx(30.0)
    ref = table.iloc[0]
    assert (ref["n_bonafide"], ref["n_spoof"]) == (2580, 22800)  # full data: n_total of the summary
    assert ref["asv_eval_eer_roc_mean"] == pytest.approx(0.10)
    assert ref["asv_eval_eer_roc_std"] == pytest.approx(math.sqrt(2) * 0.02)
    single = table.iloc[4]
    assert single["n_seeds"] == 1 and single["asv_eval_eer_roc_std"] == 0.0
    assert not table.isna().any().any()
    text = md.read_text()
    assert "0.200 ± 0.100" in text and "In the wild EER-ROC" in text
    assert (
        "ASV eval mAP" in text and "ASV eval AP-bonafide" in text and "In the wild AP-mean" in text
    )


def test_table_exp2_refuses_inconsistent_inputs(tmp_path: Path, capsys) -> None:
    counts = {"bonafide": 10, "spoof": 20}
    good = {
        "method": "nc",
        "bonafide_rate": 1.0,
        "spoof_rate": 0.5,
        "seed": 1,
        **_write_run(tmp_path, "a", eer_asv=0.1, eer_itw=0.5, seconds=[1], counts=counts),
    }
    out, md = tmp_path / "t.csv", tmp_path / "t.md"

    def rc(*runs: dict) -> int:
        return make_table_exp2.main(
            [
                *sum((["--run", json.dumps(r)] for r in runs), []),
                "--out",
                str(out),
                "--markdown",
                str(md),
            ]
        )

    assert rc(good, good) == 2 and "given twice" in capsys.readouterr().err
    wrong_rate = {**good, "seed": 2, "spoof_rate": 0.25}
    assert rc(wrong_rate) == 2 and "spoof_rate" in capsys.readouterr().err
    lacking = {**good, "seed": 3, "metrics": {"ASV eval": good["metrics"]["ASV eval"]}}
    assert rc(good, lacking) == 2 and "In the wild" in capsys.readouterr().err
    broken = Path(good["metrics"]["ASV eval"]).with_name("broken.json")
    broken.write_text(json.dumps({"eer_roc": 0.1, "map": 0.9}))
    assert rc({**good, "metrics": {"ASV eval": str(broken)}}) == 2
    assert "broken.json" in capsys.readouterr().err
    # A metrics file from before "map" meant spoof-positive AP lacks "ap_mean": refused, saying why.
    stale = broken.with_name("stale.json")
    stale.write_text(json.dumps({"eer_roc": 0.1, "eer_det": 0.11, "map": 0.9, "ap_bonafide": 0.85}))
    assert rc({**good, "metrics": {"ASV eval": str(stale)}}) == 2
    err = capsys.readouterr().err
    assert "stale.json" in err and "'ap_mean'" in err and "re-run workflow_scripts.evaluate" in err
    assert not out.exists() and not md.exists()


def _write_planned_run(
    spec: dict, n_total: dict, counts: dict, separation: float, seed: int
) -> None:
    """The files ``spec`` points at (summary, history, metrics and their score files), written at
    the planned paths under the working directory; scores separate the classes by
    ``separation`` plus noise."""
    rng = np.random.default_rng(seed)
    labels = np.repeat(["bonafide", "spoof"], 60)
    for i, path in enumerate([spec["summary"], spec["history"], *spec["metrics"].values()]):
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        if i == 0:
            summary = {"method": spec["method"], "counts": counts, "n_total": n_total}
            summary |= {"bonafide_rate": spec["bonafide_rate"], "spoof_rate": spec["spoof_rate"]}
            Path(path).write_text(json.dumps(summary))
        elif i == 1:
            pd.DataFrame({"epoch": [1], "seconds": [2.0]}).to_csv(path, index=False)
        else:
            eer = 0.5 - separation / 10
            values = {"eer_roc": eer, "eer_det": eer, "map": 1 - eer}
            Path(path).write_text(json.dumps(values | {"ap_bonafide": 0.6, "ap_mean": 0.6}))
            score = (labels == "bonafide") * separation + rng.normal(0.0, 1.0, labels.size)
            scores = Path(plan_significance.scores_of_metrics(path))
            scores.parent.mkdir(parents=True, exist_ok=True)
            ids = [f"u{k:03d}" for k in range(labels.size)]
            pd.DataFrame({"utt_id": ids, "label": labels, "score": score}).to_csv(
                scores, sep="\t", index=False
            )


def test_planned_comparisons_against_the_full_data_on_synthetic_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The planner's Experiment-2 comparisons, run by compare_runs and make_table_exp2 on
    synthetic score files: every method against the full-data reference (with each side's
    share of the training data), the (1.0, 1.0) run shared by nc and random_interest shown
    once per method in the table and never compared with itself."""
    utils = pytest.importorskip("snakemake.utils")
    config = yaml.safe_load((REPO / "tests" / "data" / "tiny_config.yaml").read_text())
    utils.validate(config, str(REPO / "schemas" / "config.schema.yaml"))
    config["experiment2"].update(grid=[[1.0, 1.0], [1.0, 0.5]], seeds=2)
    monkeypatch.chdir(tmp_path)
    specs, references = plan_experiment2.exp2_runs(config)
    n_total = {"bonafide": 40, "spoof": 160}  # 36 and 150 samples of interest: kept at rate 1
    separation = {"full": 3.0, "nc": 2.0, "random_interest": 2.0, "random_all": 1.0}
    for k, spec in enumerate([*specs, *references]):
        if "trained_as" in spec:
            continue  # its files are nc's
        counts = {"bonafide": 36, "spoof": 75 if spec["spoof_rate"] == 0.5 else 150}
        counts = n_total if spec["method"] == "full" else counts
        _write_planned_run(spec, n_total, counts, separation[spec["method"]], seed=k)
    for path in plan_significance.significance_manifests(config, "table_exp2"):  # speakers unknown
        labels = np.repeat(["bonafide", "spoof"], 60)
        ids = [f"u{k:03d}" for k in range(labels.size)]
        manifest = pd.DataFrame({"utt_id": ids, "dataset": Path(path).stem, "label": labels})
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        manifest.assign(speaker="-").to_csv(path, sep="\t", index=False)

    out = tmp_path / "results" / "table_exp2_significance.csv"
    args = plan_significance.significance_args(config, "table_exp2")
    assert compare_runs.main([*args, "--n-resamples", "50", "--out", str(out)]) == 0
    table = read_significance(out)
    sides = zip(table["setting"], table["method"], table["control"], strict=True)
    pairs = list(dict.fromkeys(sides))
    assert pairs == [
        ("b1.0_s1.0", "nc", "random_all"),
        ("b1.0_s0.5", "nc", "random_interest"),
        ("b1.0_s0.5", "nc", "random_all"),
        ("b1.0_s1.0", "nc", "full"),
        ("b1.0_s0.5", "nc", "full"),
        ("b1.0_s0.5", "random_interest", "full"),
        ("b1.0_s1.0", "random_all", "full"),
        ("b1.0_s0.5", "random_all", "full"),
    ]
    assert len(table) == len(pairs) * 2 * 2  # x eval sets x metrics, the whole Holm family
    assert (table["n_seeds_method"] == 2).all() and (table["n_seeds_control"] == 2).all()
    by_pair = table.set_index(["setting", "method", "control"])
    assert (
        by_pair.loc[("b1.0_s0.5", "nc", "full"), "train_fraction_method"].tolist()
        == [pytest.approx((36 + 75) / 200)] * 4
    )
    assert (by_pair.xs("full", level="control")["train_fraction_control"] == 1.0).all()
    assert (by_pair.loc[("b1.0_s1.0", "nc", "random_all"), "train_fraction_control"] == 0.93).all()
    to_full = table[(table["control"] == "full") & (table["metric"] == "EER-ROC")]
    assert (to_full["difference"] > 0).all()  # every sample does worse than the full set here
    markdown = significance_markdown(table, title="T")
    assert "| training data |" in markdown and "55.5% vs 100.0%" in markdown

    csv, md = tmp_path / "results" / "table_exp2.csv", tmp_path / "results" / "table_exp2.md"
    table_args = [*plan_experiment2.exp2_table_args(config), "--significance", str(out)]
    assert make_table_exp2.main([*table_args, "--out", str(csv), "--markdown", str(md)]) == 0
    exp2 = pd.read_csv(csv).set_index(["method", "bonafide_rate", "spoof_rate"])
    assert exp2.loc[("full", 1.0, 1.0), "n_seeds"] == 2
    assert exp2.loc[("random_interest", 1.0, 1.0), "trained_as"] == "nc"
    shared, nc = exp2.loc[("random_interest", 1.0, 1.0)], exp2.loc[("nc", 1.0, 1.0)]
    assert shared["asv_eval_eer_roc_mean"] == nc["asv_eval_eer_roc_mean"]
    own = exp2.drop(index=("random_interest", 1.0, 1.0))
    assert (own["trained_as"] == own.index.get_level_values("method")).all()
    text = md.read_text()
    assert "random, samples of interest †" in text
    assert "random, samples of interest at (1, 1) is the run of NC sampling (Alg. 1)" in text
    assert "each method minus full data" in text and "nc − full" in text
