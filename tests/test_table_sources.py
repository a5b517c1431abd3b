"""Every number of the tiny run's result tables traced back to the files it comes from.

After target ``all`` (session fixture ``full_workdir``), each numeric cell of
``results/table1.csv``, ``table2.csv``, ``table2_counts.csv``, ``table_exp2.csv`` and
``table_exp4.csv`` must equal the value in its ``results/metrics/**.json`` source (or sampling
summary, selection TSV or training history), at the table's precision: Tables 1, 2 and the
Experiment-4 table round metrics to 4 digits, the Experiment-2 table writes ``%.10g``. The
mapping is written out here from the rules and the path conventions (``rules/*.smk``:
``results/metrics/{run}/{dataset}/{split}.json``, ``.../eval_data.json``), not taken from
``workflow_scripts.planning``, so a miswired planner fails too. Every metrics file the run
wrote must feed a table.

The checks are functions of a table, so the last test can show they fail when two columns or
two rows of a real table are swapped. The random controls are also checked against their
counterpart: same training rows per (corpus, class) as the NC sample at the same grid point
(Experiment 2) and as the full method (Experiment 4).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import h5py
import numpy as np
import pandas as pd
import pytest
import yaml
from conftest import REPO, SNAKEMAKE, TINY
from table_expectations import EXP2_KEYS, METRICS, at_10g, exp2_columns, mean, std

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(SNAKEMAKE is None, reason="snakemake is not installed in this environment"),
]

EXP2_METHOD_ORDER = ("nc", "random_interest", "random_all")
EXP4_METHODS = ("full_method", "random_matched")
CLASSES = ("bonafide", "spoof")


def tiny_config() -> dict[str, Any]:
    """The tiny config as the Snakefile sees it: validated, schema defaults filled in."""
    utils = pytest.importorskip("snakemake.utils")
    config = yaml.safe_load(TINY.read_text())
    utils.validate(config, str(REPO / "schemas" / "config.schema.yaml"))
    return config


CONFIG = tiny_config() if SNAKEMAKE is not None else {}


def rate_tag(rate: float) -> str:
    """Path tag of a rate (shortest decimal that reads back, as ``planning.config.rate_tag``)."""
    tag = repr(float(rate))
    assert "e" not in tag and float(tag) == rate
    return tag


class Sources:
    """Reads the files behind a table and records every metrics file used."""

    def __init__(self, results: Path) -> None:
        self.results = results
        self.used: set[Path] = set()

    def metrics(self, run: str, rel: str) -> dict[str, Any]:
        path = self.results / "metrics" / run / rel
        assert path.is_file(), f"metrics source missing: {path}"
        self.used.add(path)
        return json.loads(path.read_text())

    def json(self, rel: str) -> Any:
        return json.loads((self.results / rel).read_text())

    def selection_counts(self, rel: str) -> Counter[tuple[str, str]]:
        """Training rows per (dataset, label) of a selection TSV."""
        table = pd.read_csv(self.results / rel, sep="\t", dtype=str, keep_default_na=False)
        return Counter(zip(table["dataset"], table["label"], strict=True))

    def seconds(self, rel: str) -> float:
        """Training time of one run: the sum of its ``history.csv`` ``seconds``."""
        history = pd.read_csv(self.results / rel)
        return float(history["seconds"].to_numpy(dtype=np.float64).sum())


def eval_metrics_1() -> dict[str, str]:
    """{row label: path under the run} of Table 1 / Experiment 2 (experiment1.eval_sets)."""
    return {
        ev["name"]: f"{ev['dataset']}/{ev['split']}.json"
        for ev in CONFIG["experiment1"]["eval_sets"]
    }


def eval_metrics_34() -> dict[str, str]:
    """{row label: path under the run} of Experiments 3 and 4 (score_eval_data + In the wild)."""
    return {
        "eval data": "eval_data.json",
        "In the wild": f"{CONFIG['experiment3']['itw_dataset']}/eval.json",
    }


def read_table(results: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(results / name)


def row_index(table: pd.DataFrame, **labels: object) -> int:
    mask = np.ones(len(table), dtype=bool)
    for column, value in labels.items():
        mask &= (table[column] == value).to_numpy()
    found = np.flatnonzero(mask)
    assert len(found) == 1, f"{labels}: {len(found)} rows"
    return int(table.index[found[0]])


# --------------------------------------------------------------------------- the checks


def check_table1(table: pd.DataFrame, src: Sources) -> None:
    exp = CONFIG["experiment1"]
    rows = eval_metrics_1()
    assert list(table.columns) == ["eval_set", "metric", *exp["models"]]
    assert list(zip(table["eval_set"], table["metric"], strict=True)) == [
        (name, label) for name in rows for _, label in METRICS
    ]
    cells = table.set_index(["eval_set", "metric"])
    for model in exp["models"]:
        for name, rel in rows.items():
            values = src.metrics(f"pretrained/{exp['train_dataset']}/{model}", rel)
            for key, label in METRICS:
                assert cells.loc[(name, label), model] == round(values[key], 4), (
                    f"table1 ({name}, {label}, {model})"
                )


def exp3_drawn(src: Sources, n: int, seed: int) -> dict[tuple[str, str], int]:
    """Rows drawn per (dataset, class) of one Experiment-3 run; summary and TSV must agree."""
    summary = src.json(f"sampling/exp3/n{n}/seed{seed}.json")
    drawn = {(c["dataset"], c["label"]): int(c["drawn"]) for c in summary["counts"]}
    tsv = src.selection_counts(f"sampling/exp3/n{n}/seed{seed}.tsv")
    assert dict(tsv) == {k: v for k, v in drawn.items() if v}, f"exp3 n{n} seed{seed}"
    return drawn


def check_table2(table: pd.DataFrame, src: Sources) -> None:
    exp = CONFIG["experiment3"]
    ns, seeds = exp["n_per_class"], range(exp["seeds"])
    n_columns = [str(n) for n in ns]
    std_columns = [f"{n}_std" for n in ns] if len(seeds) > 1 else []
    assert list(table.columns) == ["eval_set", "metric", *n_columns, *std_columns]
    pairs = [(d, c) for d in exp["datasets"] for c in CLASSES]
    rows = eval_metrics_34()
    assert list(zip(table["eval_set"], table["metric"], strict=True)) == [
        *((name, label) for name in rows for _, label in METRICS),
        *(("training rows", f"{d} {c}") for d, c in pairs),
    ]
    cells = table.set_index(["eval_set", "metric"])
    for n in ns:
        for name, rel in rows.items():
            runs = [src.metrics(f"exp3/n{n}/seed{seed}", rel) for seed in seeds]
            for key, label in METRICS:
                values = [run[key] for run in runs]
                where = f"table2 ({name}, {label}, N={n})"
                assert cells.loc[(name, label), str(n)] == round(mean(values), 4), where
                if std_columns:
                    assert cells.loc[(name, label), f"{n}_std"] == round(std(values), 4), where
        drawn = [exp3_drawn(src, n, seed) for seed in seeds]
        for d, c in pairs:
            counts = [run[(d, c)] for run in drawn]
            where = f"table2 (training rows, {d} {c}, N={n})"
            # a mean over seeds: whole counts stay integers, others get one decimal
            assert cells.loc[("training rows", f"{d} {c}"), str(n)] == round(mean(counts), 1), where
            if std_columns:
                assert cells.loc[("training rows", f"{d} {c}"), f"{n}_std"] == round(
                    std(counts), 1
                ), where


def check_table2_counts(table: pd.DataFrame, src: Sources) -> None:
    exp = CONFIG["experiment3"]
    expected = []
    for n in exp["n_per_class"]:
        for seed in range(exp["seeds"]):
            exp3_drawn(src, n, seed)  # the TSV holds what the summary says
            for record in src.json(f"sampling/exp3/n{n}/seed{seed}.json")["counts"]:
                expected.append(
                    {
                        "n_per_class": n,
                        "seed": seed,
                        "dataset": record["dataset"],
                        "class": record["label"],
                        "requested": record["requested"],
                        "available": record["available"],
                        "drawn": record["drawn"],
                        "shortfall": record["requested"] - record["drawn"],
                    }
                )
    assert list(table.columns) == list(expected[0])
    assert table.to_dict("records") == expected, "table2_counts differs from the summaries"


def exp2_settings() -> list[tuple[str, float, float]]:
    """(method, bonafide rate, spoof rate) of the trained Experiment-2 runs, in table order."""
    exp = CONFIG["experiment2"]
    grid = sorted(((float(b), float(s)) for b, s in exp["grid"]), key=lambda p: (-p[0], -p[1]))
    methods = [m for m in EXP2_METHOD_ORDER if m in exp["methods"]]
    return [(m, b, s) for m in methods for b, s in grid]


def exp2_setting_dir(method: str, b: float, s: float) -> str:
    return f"exp2/{method}_b{rate_tag(b)}_s{rate_tag(s)}"


def exp2_trained_as(method: str, b: float, s: float) -> str:
    """The method whose runs a table row shows (docs/experiments.md): at rates (1.0, 1.0)
    random_interest selects nc's rows and reuses nc's runs."""
    shared = (method, b, s) == ("random_interest", 1.0, 1.0)
    return "nc" if shared and "nc" in CONFIG["experiment2"]["methods"] else method


def check_table_exp2(table: pd.DataFrame, src: Sources) -> None:
    exp = CONFIG["experiment2"]
    assert list(table.columns) == exp2_columns(
        ["_".join(name.lower().split()) for name in eval_metrics_1()]
    )
    keys = [("full", 1.0, 1.0), *exp2_settings()]
    assert list(zip(table["method"], table["bonafide_rate"], table["spoof_rate"], strict=True)) == (
        keys
    )
    rows = eval_metrics_1()
    cells = table.set_index(["method", "bonafide_rate", "spoof_rate"])
    for key in keys:
        method, b, s = key
        trained_as = method if method == "full" else exp2_trained_as(method, b, s)
        setting = exp2_setting_dir(trained_as, b, s)
        run_dirs = [f"{setting}/seed{i}" for i in range(exp["seeds"])]
        n_counts = []
        for i in range(exp["seeds"]):
            summary = src.json(f"sampling/{setting}/seed{i}.json")
            assert (summary["method"], summary["bonafide_rate"], summary["spoof_rate"]) == (
                trained_as,
                b,
                s,
            )
            tsv = src.selection_counts(f"sampling/{setting}/seed{i}.tsv")
            assert {c: sum(v for (_, lab), v in tsv.items() if lab == c) for c in CLASSES} == (
                summary["counts"]
            ), f"{setting} seed{i}: selection TSV and summary counts differ"
            n_counts.append(summary["counts"])
        if method == "full":
            with h5py.File(src.results / "caches" / exp["source_dataset"] / "train.h5", "r") as h5:
                labels = h5["label"][:]
            # the reference trained on the whole train split: 1 = bonafide, 0 = spoof
            assert n_counts[0] == {
                "bonafide": int((labels == 1).sum()),
                "spoof": int((labels == 0).sum()),
            }
        assert all(c == n_counts[0] for c in n_counts), f"{key}: counts differ between seeds"
        where = f"table_exp2 {key}"
        assert cells.loc[key, "n_bonafide"] == n_counts[0]["bonafide"], where
        assert cells.loc[key, "n_spoof"] == n_counts[0]["spoof"], where
        assert cells.loc[key, "n_seeds"] == len(run_dirs), where
        assert cells.loc[key, "trained_as"] == trained_as, where
        seconds = [src.seconds(f"models/{run}/history.csv") for run in run_dirs]
        assert cells.loc[key, "train_seconds_mean"] == at_10g(mean(seconds)), where
        for name, rel in rows.items():
            slug = "_".join(name.lower().split())
            runs = [src.metrics(run, rel) for run in run_dirs]
            for metric in EXP2_KEYS:
                values = [run[metric] for run in runs]
                column = f"{slug}_{metric}"
                assert cells.loc[key, f"{column}_mean"] == at_10g(mean(values)), (where, column)
                assert cells.loc[key, f"{column}_std"] == pytest.approx(
                    std(values), rel=1e-9, abs=1e-12
                ), (where, column)


def exp4_totals(src: Sources, method: str, seed: int) -> dict[str, int]:
    """Training rows per class of one Experiment-4 run; summary ``total`` and TSV must agree."""
    total = src.json(f"sampling/exp4/{method}/seed{seed}.json")["total"]
    tsv = src.selection_counts(f"sampling/exp4/{method}/seed{seed}.tsv")
    per_class = {c: sum(v for (_, lab), v in tsv.items() if lab == c) for c in CLASSES}
    assert per_class == {c: total[c] for c in CLASSES}, f"exp4 {method} seed{seed}"
    return per_class


def exp4_setting(method: str, source: str = "binary") -> str:
    """The run directory of an Experiment-4 arm on an embedding source, as the rules name it."""
    return method if source == "binary" else f"{method}-{source}"


def check_table_exp4(table: pd.DataFrame, src: Sources, source: str = "binary") -> None:
    seeds = list(range(CONFIG["experiment4"]["seeds"]))
    rows = eval_metrics_34()
    fixed = [
        "method",
        "n_runs",
        "seeds",
        "train_bonafide",
        "train_spoof",
        "train_seconds_mean",
        "train_seconds_std",
    ]
    # eval sets in the order the table shows them; each with every metric, mean then std
    shown = list(dict.fromkeys(c.split(": ")[0] for c in table.columns[len(fixed) :]))
    assert sorted(shown) == sorted(rows)
    assert list(table.columns) == fixed + [
        f"{name}: {label} {stat}"
        for name in shown
        for _, label in METRICS
        for stat in ("mean", "std")
    ]
    assert list(table["method"]) == list(EXP4_METHODS)
    cells = table.set_index("method")
    for method in EXP4_METHODS:
        setting = exp4_setting(method, source)
        where = f"table_exp4 {setting}"
        assert cells.loc[method, "n_runs"] == len(seeds), where
        assert str(cells.loc[method, "seeds"]) == ",".join(map(str, seeds)), where
        totals = [exp4_totals(src, setting, seed) for seed in seeds]
        for c in CLASSES:
            assert cells.loc[method, f"train_{c}"] == round(mean([t[c] for t in totals]), 1), where
        seconds = [src.seconds(f"models/exp4/{setting}/seed{seed}/history.csv") for seed in seeds]
        assert cells.loc[method, "train_seconds_mean"] == round(mean(seconds), 1), where
        assert cells.loc[method, "train_seconds_std"] == round(std(seconds), 1), where
        for name, rel in rows.items():
            runs = [src.metrics(f"exp4/{setting}/seed{seed}", rel) for seed in seeds]
            for key, label in METRICS:
                values = [run[key] for run in runs]
                column = f"{name}: {label}"
                assert cells.loc[method, f"{column} mean"] == round(mean(values), 4), (
                    where,
                    column,
                )
                assert cells.loc[method, f"{column} std"] == round(std(values), 4), (where, column)


def check_table_exp4_sources(table: pd.DataFrame, src: Sources) -> None:
    """Each source's rows are Experiment 4's table of that source's runs, sources in order."""
    sources = CONFIG["experiment4"]["embedding_sources"]
    assert list(dict.fromkeys(table["source"])) == sources
    assert table.columns[0] == "source"
    for source in sources:
        part = table[table["source"] == source].drop(columns=["source"]).reset_index(drop=True)
        check_table_exp4(part, src, source)


def silhouettes(algorithm2: Sequence[dict[str, Any]]) -> list[float]:
    """The silhouette at the chosen k of each seed (none where k = 1 had no score)."""
    scores = [a["silhouette"].get(str(a["k"])) for a in algorithm2]
    return [v for v in scores if v is not None]


def check_exp4_clusters(table: pd.DataFrame, src: Sources) -> None:
    """Per source and corpus: k, silhouette, ARI/NMI and NC1 from the full method's summaries."""
    exp4 = CONFIG["experiment4"]
    seeds = range(exp4["seeds"])
    expected = []
    for source in exp4["embedding_sources"]:
        summaries = [
            src.json(f"sampling/exp4/{exp4_setting('full_method', source)}/seed{i}.json")
            for i in seeds
        ]
        for dataset in CONFIG["experiment3"]["datasets"]:
            parts = [s["datasets"][dataset] for s in summaries]
            a2 = [p["algorithm2"] for p in parts]
            fallback = source == "attack_aware" and dataset == "for"
            assert {p["embedding_source"] for p in parts} == {"binary" if fallback else source}
            agreement = [a["agreement"] for a in a2 if a["agreement"] is not None]
            expected.append(
                {
                    "source": source,
                    "dataset": dataset,
                    "embedding_used": "binary" if fallback else source,
                    "n_attacks": len(a2[0]["attacks"]),
                    "k": ",".join(str(a["k"]) for a in a2),
                    "silhouette": mean(scores) if (scores := silhouettes(a2)) else None,
                    "ari": mean([g["ari"] for g in agreement]) if agreement else None,
                    "nmi": mean([g["nmi"] for g in agreement]) if agreement else None,
                    **{
                        key: parts[0]["collapse"][key]
                        for key in ("nc1_bonafide", "nc1_spoof", "nc1_attacks")
                    },
                }
            )
    assert len(table) == len(expected)
    for row, want in zip(table.to_dict(orient="records"), expected, strict=True):
        where = f"clusters {want['source']} {want['dataset']}"
        for key, value in want.items():
            got = row[key]
            if value is None or (isinstance(value, float) and np.isnan(value)):
                assert pd.isna(got), (where, key, got)
            elif isinstance(value, float):
                assert got == pytest.approx(round(value, 4), abs=1e-9), (where, key)
            else:
                assert str(got) == str(value), (where, key)
    assert (table["dataset"] == "for").any()


#: Metrics of the significance tables: key in the metrics files -> row label.
COMPARED = {"EER-ROC": "eer_roc", "mAP": "map"}


def expected_comparisons() -> dict[str, list[tuple[str, str, str, str, list[str], list[str]]]]:
    """(setting, eval set, method, control, method runs, control runs) per significance table,
    written out from the rules' run paths."""
    exp2, exp3, exp4 = CONFIG["experiment2"], CONFIG["experiment3"], CONFIG["experiment4"]
    tables: dict[str, list[tuple[str, str, str, str, list[str], list[str]]]] = {}

    def exp2_runs(method: str, b: float, s: float) -> list[str]:
        trained_as = method if method == "full" else exp2_trained_as(method, b, s)
        return [f"{exp2_setting_dir(trained_as, b, s)}/seed{i}" for i in range(exp2["seeds"])]

    # nc against each random control, then each method against the full-data reference; a
    # run is never compared with itself, and a comparison is made once
    grid = [(float(b), float(s)) for b, s in exp2["grid"]]
    nc = ["nc"] if "nc" in exp2["methods"] else []
    pairs = [("nc", c, b, s) for _ in nc for b, s in grid for c in exp2["methods"] if c != "nc"]
    pairs += [(method, "full", b, s) for method in exp2["methods"] for b, s in grid]
    made: list[tuple[list[str], list[str]]] = []
    tables["table_exp2_significance.csv"] = []
    for method, control, b, s in pairs:
        sides = (
            exp2_runs(method, b, s),
            exp2_runs(control, 1.0, 1.0) if control == "full" else exp2_runs(control, b, s),
        )
        if sides[0] == sides[1] or sides in made:
            continue
        made.append(sides)
        tables["table_exp2_significance.csv"] += [
            (f"b{rate_tag(b)}_s{rate_tag(s)}", name, method, control, *sides)
            for name in eval_metrics_1()
        ]
    sizes = sorted(exp3["n_per_class"])
    tables["table2_significance.csv"] = [
        (
            "-",
            name,
            f"N={large}",
            f"N={small}",
            [f"exp3/n{large}/seed{i}" for i in range(exp3["seeds"])],
            [f"exp3/n{small}/seed{i}" for i in range(exp3["seeds"])],
        )
        for small, large in zip(sizes, sizes[1:], strict=False)
        for name in eval_metrics_34()
    ]
    tables["table_exp4_significance.csv"] = [
        (
            "-",
            name,
            "full_method",
            "random_matched",
            [f"exp4/full_method/seed{i}" for i in range(exp4["seeds"])],
            [f"exp4/random_matched/seed{i}" for i in range(exp4["seeds"])],
        )
        for name in eval_metrics_34()
    ]
    tables["table_exp4_sources_significance.csv"] = [
        (
            source,
            name,
            *EXP4_METHODS,
            *(
                [f"exp4/{exp4_setting(method, source)}/seed{i}" for i in range(exp4["seeds"])]
                for method in EXP4_METHODS
            ),
        )
        for source in exp4["embedding_sources"]
        for name in eval_metrics_34()
    ]
    return tables


def check_significance(name: str, table: pd.DataFrame, src: Sources) -> None:
    """Each row's two sides are the means of the right runs' metrics; the verdicts follow."""
    expected = expected_comparisons()[name]
    rows = eval_metrics_1() if name.startswith("table_exp2") else eval_metrics_34()
    assert len(table) == len(expected) * len(COMPARED), name
    table = table.assign(setting=table["setting"].astype(str))
    for setting, eval_set, method, control, method_runs, control_runs in expected:
        for label, key in COMPARED.items():
            i = row_index(
                table,
                setting=setting,
                eval_set=eval_set,
                method=method,
                control=control,
                metric=label,
            )
            row = table.loc[i]
            where = f"{name} {setting} {eval_set} {method}-{control} {label}"
            for side, runs in (("method", method_runs), ("control", control_runs)):
                values = [src.metrics(run, rows[eval_set])[key] for run in runs]
                assert row[f"n_seeds_{side}"] == len(runs), where
                assert row[f"{side}_value"] == pytest.approx(mean(values), abs=1e-9), where
            assert row["difference"] == pytest.approx(
                row["method_value"] - row["control_value"], abs=1e-9
            ), where
            assert row["ci_low"] <= row["ci_high"], where
            assert 0 < row["p_value"] <= row["p_holm"] <= 1, where
            assert row["significant"] == ("yes" if row["p_value"] < row["alpha"] else "no"), where
            excludes_zero = row["ci_low"] > 0 or row["ci_high"] < 0
            if row["p_value"] < row["alpha"] * 0.9 or row["p_value"] > row["alpha"] * 1.1:
                assert excludes_zero == (row["significant"] == "yes"), where


def test_significance_tables_compare_the_right_runs(full_workdir: Path) -> None:
    results = full_workdir / "results"
    src = Sources(results)
    for name in expected_comparisons():
        table = pd.read_csv(results / name, dtype={"setting": str})
        check_significance(name, table, src)
        stem = name.removesuffix("_significance.csv")
        markdown = (results / f"{stem}.md").read_text()
        assert "95% interval" in markdown and "Holm" in markdown, name
        assert ("None of the" in markdown) or ("Significant at alpha" in markdown), name


def per_attack_sources(name: str) -> tuple[dict[str, list[str]], dict[str, str], list[tuple]]:
    """{column: runs}, {eval set: path under a run}, (manifest, splits) of the trained spoofs."""
    if name == "table1_per_attack.csv":
        exp = CONFIG["experiment1"]
        train = exp["train_dataset"]
        columns = {model: [f"pretrained/{train}/{model}"] for model in exp["models"]}
        return columns, eval_metrics_1(), [(train, ("train",))]
    exp = CONFIG["experiment3"]
    columns = {
        str(n): [f"exp3/n{n}/seed{i}" for i in range(exp["seeds"])] for n in exp["n_per_class"]
    }
    splits = ("train", "dev") if exp.get("pool") == "train_dev" else ("train",)
    return columns, eval_metrics_34(), [(d, splits) for d in exp["datasets"]]


def check_per_attack(name: str, table: pd.DataFrame, src: Sources) -> None:
    columns, rows, trained = per_attack_sources(name)
    assert list(table.columns) == ["eval_set", "attack", "n_spoof", "seen", *columns], name
    seen: set[str] = set()
    for dataset, splits in trained:
        manifest = pd.read_csv(
            src.results / "manifests" / f"{dataset}.tsv",
            sep="\t",
            dtype=str,
            keep_default_na=False,
        )
        spoof = manifest[(manifest["label"] == "spoof") & manifest["split"].isin(splits)]
        seen |= set(spoof["attack"])
    table = table.assign(attack=table["attack"].astype(str))
    for eval_set, rel in rows.items():
        part = table[table["eval_set"] == eval_set].set_index("attack")
        for column, runs in columns.items():
            per_run = [src.metrics(run, rel)["per_attack"] for run in runs]
            assert sorted(part.index) == sorted(per_run[0]), (name, eval_set, column)
            for attack in per_run[0]:
                where = f"{name} {eval_set} {attack} {column}"
                values = [r[attack]["eer_roc"] for r in per_run]
                assert part.loc[attack, column] == round(mean(values), 4), where
                assert part.loc[attack, "n_spoof"] == per_run[0][attack]["n"], where
                assert part.loc[attack, "seen"] == ("yes" if attack in seen else "no"), where
    assert (table["seen"] == "no").any() or name == "table2_per_attack.csv", (
        f"{name}: the tiny run's Table 1 evaluates unseen attacks (ASVspoof eval), none marked"
    )


def test_per_attack_tables_trace_to_the_metrics_files(full_workdir: Path) -> None:
    results = full_workdir / "results"
    src = Sources(results)
    for name in ("table1_per_attack.csv", "table2_per_attack.csv"):
        check_per_attack(name, pd.read_csv(results / name, keep_default_na=False), src)
    assert (results / "figures" / "table1_per_attack.png").stat().st_size > 0
    assert (results / "figures" / "figure1_tsne_by_attack.png").stat().st_size > 0


#: Table file -> its check.
CHECKS: dict[str, Callable[[pd.DataFrame, Sources], None]] = {
    "table1.csv": check_table1,
    "table2.csv": check_table2,
    "table2_counts.csv": check_table2_counts,
    "table_exp2.csv": check_table_exp2,
    "table_exp4.csv": check_table_exp4,
    "table_exp4_sources.csv": check_table_exp4_sources,
    "table_exp4_sources_clusters.csv": check_exp4_clusters,
}


# --------------------------------------------------------------------------- tests


def test_table1_cells_equal_their_metrics_files(full_workdir: Path) -> None:
    results = full_workdir / "results"
    check_table1(read_table(results, "table1.csv"), Sources(results))


def test_table2_cells_equal_their_metrics_files_and_draws(full_workdir: Path) -> None:
    results = full_workdir / "results"
    check_table2(read_table(results, "table2.csv"), Sources(results))
    check_table2_counts(read_table(results, "table2_counts.csv"), Sources(results))


def test_table_exp2_cells_equal_their_metrics_summaries_and_histories(full_workdir: Path) -> None:
    results = full_workdir / "results"
    check_table_exp2(read_table(results, "table_exp2.csv"), Sources(results))


def test_table_exp4_cells_equal_their_metrics_summaries_and_histories(full_workdir: Path) -> None:
    results = full_workdir / "results"
    check_table_exp4(read_table(results, "table_exp4.csv"), Sources(results))


def test_every_metrics_file_feeds_a_table(full_workdir: Path) -> None:
    results = full_workdir / "results"
    src = Sources(results)
    for name, check in CHECKS.items():
        check(read_table(results, name), src)
    written = set((results / "metrics").rglob("*.json"))
    assert written, "the run wrote no metrics files"
    assert sorted(map(str, written - src.used)) == [], "metrics files no table uses"
    assert src.used <= written


def test_exp2_random_controls_train_on_the_nc_counts(full_workdir: Path) -> None:
    results = full_workdir / "results"
    src = Sources(results)
    exp = CONFIG["experiment2"]
    assert "nc" in exp["methods"]
    controls = [m for m in ("random_interest", "random_all") if m in exp["methods"]]
    assert controls, "the tiny config runs no random control"
    table = read_table(results, "table_exp2.csv").set_index(
        ["method", "bonafide_rate", "spoof_rate"]
    )
    for b, s in exp["grid"]:
        b, s = float(b), float(s)
        for seed in range(exp["seeds"]):
            nc_dir = exp2_setting_dir("nc", b, s)
            nc = src.selection_counts(f"sampling/{nc_dir}/seed{seed}.tsv")
            nc_summary = src.json(f"sampling/{nc_dir}/seed{seed}.json")
            assert sum(nc.values()) > 0
            for method in controls:
                setting = exp2_setting_dir(method, b, s)
                where = f"{method} at ({b}, {s}) seed {seed}"
                assert src.selection_counts(f"sampling/{setting}/seed{seed}.tsv") == nc, where
                summary = src.json(f"sampling/{setting}/seed{seed}.json")
                assert summary["counts"] == nc_summary["counts"], where
        for method in controls:
            for column in ("n_bonafide", "n_spoof"):
                assert table.loc[(method, b, s), column] == table.loc[("nc", b, s), column]


def test_exp4_random_control_trains_on_the_full_method_counts(full_workdir: Path) -> None:
    results = full_workdir / "results"
    src = Sources(results)
    for seed in range(CONFIG["experiment4"]["seeds"]):
        full = src.selection_counts(f"sampling/exp4/full_method/seed{seed}.tsv")
        random = src.selection_counts(f"sampling/exp4/random_matched/seed{seed}.tsv")
        assert sum(full.values()) > 0
        assert random == full, f"seed {seed}: per-(corpus, class) rows differ"
        full_summary = src.json(f"sampling/exp4/full_method/seed{seed}.json")
        random_summary = src.json(f"sampling/exp4/random_matched/seed{seed}.json")
        assert set(full_summary["datasets"]) == set(CONFIG["experiment3"]["datasets"])
        assert random_summary["per_dataset"] == {
            d: full_summary["datasets"][d]["counts"] for d in full_summary["datasets"]
        }
        assert random_summary["total"] == full_summary["total"]
        assert exp4_totals(src, "random_matched", seed) == exp4_totals(src, "full_method", seed)
    table = read_table(results, "table_exp4.csv").set_index("method")
    for column in ("train_bonafide", "train_spoof"):
        assert table.loc["random_matched", column] == table.loc["full_method", column]


# --------------------------------------------------------------------------- swaps are caught


def swap_columns(table: pd.DataFrame, a: str, b: str) -> pd.DataFrame:
    out = table.copy()
    out[a], out[b] = table[b].copy(), table[a].copy()
    return out


def swap_rows(table: pd.DataFrame, pairs: Sequence[tuple[int, int]], columns: Sequence[str]):
    """``table`` with the ``columns`` of each row pair exchanged (the row labels stay)."""
    out = table.copy()
    for i, j in pairs:
        for column in columns:
            out.at[i, column], out.at[j, column] = table.at[j, column], table.at[i, column]
    return out


def label_rows(table: pd.DataFrame, a: str, b: str, labels: Sequence[str]) -> list[tuple[int, int]]:
    """Pairs (row of (a, label), row of (b, label)) of a table keyed by eval_set + metric."""
    return [
        (row_index(table, eval_set=a, metric=label), row_index(table, eval_set=b, metric=label))
        for label in labels
    ]


def metric_rows(table: pd.DataFrame, eval_set: str, x: str, y: str) -> list[tuple[int, int]]:
    return [
        (
            row_index(table, eval_set=eval_set, metric=x),
            row_index(table, eval_set=eval_set, metric=y),
        )
    ]


def swapped_tables(name: str, table: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Column and row swaps of one real table (kind 'column ...' or 'row ...')."""
    labels = [label for _, label in METRICS]
    if name == "table1.csv":
        value_columns = list(table.columns[2:])
        a, b = list(eval_metrics_1())
        return {
            "column resnet/convnext": swap_columns(table, "resnet", "convnext"),
            "row ASV eval/In the wild": swap_rows(
                table, label_rows(table, a, b, labels), value_columns
            ),
            "row EER-ROC/mAP": swap_rows(
                table, metric_rows(table, a, "EER-ROC", "mAP"), value_columns
            ),
        }
    if name == "table2.csv":
        value_columns = list(table.columns[2:])
        a, b = list(eval_metrics_34())
        out = {
            "column N=2/N=3": swap_columns(table, "2", "3"),
            "row eval data/In the wild": swap_rows(
                table, label_rows(table, a, b, labels), value_columns
            ),
            "row EER-ROC/mAP": swap_rows(
                table, metric_rows(table, b, "EER-ROC", "mAP"), value_columns
            ),
        }
        counted = table.index[table["eval_set"] == "training rows"]
        for i, j in zip(counted[:-1], counted[1:], strict=True):
            out[f"row training rows {i}/{j}"] = swap_rows(table, [(i, j)], value_columns)
        return out
    if name == "table2_counts.csv":
        return {
            "column available/drawn": swap_columns(table, "available", "drawn"),
            "row 0/1": swap_rows(table, [(0, 1)], ["requested", "available", "drawn", "shortfall"]),
        }
    if name == "table_exp2.csv":
        value_columns = list(table.columns[3:])
        a, b = ("_".join(n.lower().split()) for n in eval_metrics_1())
        keys = {m: row_index(table, method=m) for m in ("full", "nc", "random_all")}
        return {
            "column n_bonafide/n_spoof": swap_columns(table, "n_bonafide", "n_spoof"),
            "column eval sets": swap_columns(table, f"{a}_map_mean", f"{b}_map_mean"),
            "column EER-ROC/mAP": swap_columns(table, f"{a}_eer_roc_mean", f"{a}_map_mean"),
            "row nc/random_all": swap_rows(
                table, [(keys["nc"], keys["random_all"])], value_columns
            ),
            "row full/nc": swap_rows(table, [(keys["full"], keys["nc"])], value_columns),
        }
    if name == "table_exp4_sources.csv":
        value_columns = list(table.columns[2:])
        a, b = list(eval_metrics_34())
        return {
            "column eval sets": swap_columns(table, f"{a}: mAP mean", f"{b}: mAP mean"),
            "row source": swap_rows(table, [(0, 2)], value_columns),
        }
    if name == "table_exp4_sources_clusters.csv":
        value_columns = list(table.columns[3:])
        return {
            "column ari/nmi": swap_columns(table, "ari", "nmi"),
            "row first/last": swap_rows(table, [(0, len(table) - 1)], value_columns),
        }
    if name == "table_exp4.csv":
        value_columns = list(table.columns[1:])
        a, b = list(eval_metrics_34())
        return {
            "column eval sets": swap_columns(table, f"{a}: mAP mean", f"{b}: mAP mean"),
            "column EER-ROC/mAP": swap_columns(table, f"{a}: EER-ROC mean", f"{a}: mAP mean"),
            "row full_method/random_matched": swap_rows(table, [(0, 1)], value_columns),
        }
    raise AssertionError(name)


@pytest.mark.parametrize("name", list(CHECKS))
def test_checks_fail_on_a_table_with_two_columns_or_rows_swapped(
    full_workdir: Path, name: str
) -> None:
    results = full_workdir / "results"
    table = read_table(results, name)
    CHECKS[name](table, Sources(results))  # the real table passes
    caught = []
    for swap, swapped in swapped_tables(name, table).items():
        if swapped.equals(table):  # equal values: the swap changes nothing
            continue
        with pytest.raises(AssertionError):
            CHECKS[name](swapped, Sources(results))
        caught.append(swap.split()[0])
    # each table has at least one column swap and one row swap that changes it, and is caught
    assert set(caught) == {"column", "row"}, f"{name}: swaps that changed the table: {caught}"
