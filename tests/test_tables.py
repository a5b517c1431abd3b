"""The table builders of ``workflow_scripts/reporting`` checked cell by cell (no Snakemake).

Every test writes small inputs in ``tmp_path``: metrics JSON files laid out as
``workflow_scripts.evaluate`` writes them (all keys of ``compute_metrics``, indented JSON),
sampling summaries and training histories. Each model / setting / evaluation set / metric /
seed gets its own value, so a table whose two columns (resnet and convnext, N = 2 and N = 3,
train_bonafide and train_spoof) or two rows (ASV eval and In the wild, EER-ROC and mAP, nc and
random_all) were swapped fails: cells are looked up by their labels (row key + column name)
and compared with the value computed here from the inputs.

Metric values are ``k / 10000 + 0.00003`` for distinct integers ``k``: rounding to the tables'
4 digits is never a tie, and neither is the mean of two of them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from table_expectations import EXP2_KEYS, METRICS, at_10g, exp2_columns, mean, std

from workflow_scripts import make_table_exp1, make_table_exp2, make_table_exp3, make_table_exp4
from workflow_scripts.metrics.report import compute_metrics
from workflow_scripts.reporting import exp1, exp2, exp3, exp4
from workflow_scripts.reporting.tables import TABLE_METRICS, metric_grid

KEYS = tuple(key for key, _ in METRICS)

#: Every key ``compute_metrics`` writes, from a real call on a small score table.
METRICS_TEMPLATE: dict[str, Any] = compute_metrics(
    pd.DataFrame(
        {
            "utt_id": [f"u{i}" for i in range(6)],
            "label": ["bonafide", "spoof", "bonafide", "spoof", "spoof", "bonafide"],
            "score": [0.9, 0.1, 0.4, 0.6, 0.2, 0.8],
            "attack": ["-", "A01", "-", "A02", "A01", "-"],
        }
    )
)


class Values:
    """A distinct value per key, drawn once: ``k / 10000 + 0.00003`` with ``k`` never repeated."""

    def __init__(self, seed: int) -> None:
        self._pool = iter(np.random.default_rng(seed).permutation(np.arange(100, 9900)))
        self.by_key: dict[tuple[object, ...], float] = {}

    def __call__(self, *key: object) -> float:
        if key not in self.by_key:
            self.by_key[key] = int(next(self._pool)) / 10_000 + 0.00003
        return self.by_key[key]


def assert_distinct(values: Iterable[float], what: str) -> None:
    """The test's own precondition: cells that could be swapped hold different values."""
    values = list(values)
    assert len(set(values)) == len(values), f"{what}: expected cells are not all distinct"


def write_metrics(path: Path, values: Mapping[str, float]) -> str:
    """A metrics JSON as ``evaluate`` writes it, with the table metrics set to ``values``."""
    doc = {**METRICS_TEMPLATE, **values}
    doc["ap_spoof"] = doc["map"]  # the paper's mAP is the spoof-positive AP
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc, indent=2, allow_nan=False) + "\n")
    return str(path)


def write_history(path: Path, seconds: Sequence[float]) -> str:
    """A training ``history.csv`` with one epoch per entry of ``seconds``."""
    rows = [
        {
            "epoch": i + 1,
            "train_loss": 0.7 - 0.01 * i,
            "val_loss": 0.69,
            "val_eer": 0.5,
            "seconds": s,
            "lr": 0.001,
        }
        for i, s in enumerate(seconds)
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(rows).to_csv(path, index=False)
    return str(path)


def write_json_file(path: Path, data: Any) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2) + "\n")
    return str(path)


def read_csv(path: Path) -> pd.DataFrame:
    """A result table as written (pandas 3 parses floats exactly: cells compare with ==)."""
    return pd.read_csv(path)


def markdown_rows(text: str) -> list[dict[str, str]]:
    """The rows of the (first) Markdown table in ``text`` as {header: cell}."""
    lines = [line for line in text.splitlines() if line.startswith("|")]
    header = [c.strip() for c in lines[0].strip("|").split("|")]
    assert set(lines[1].replace("|", "")) == {"-"}
    rows = []
    for line in lines[2:]:
        if set(line.replace("|", "")) == {"-"}:  # a second table starts
            break
        cells = [c.strip() for c in line.strip("|").split("|")]
        rows.append(dict(zip(header, cells, strict=True)))
    return rows


def md_number(value: float) -> str:
    """A float as ``tables.to_markdown`` shows it: 4 decimals, trailing zeros dropped."""
    return f"{value:.4f}".rstrip("0").rstrip(".")


# --------------------------------------------------------------------------- shared grid


def test_table_metrics_are_the_papers_rows_in_order() -> None:
    assert TABLE_METRICS == METRICS
    assert exp2.EXP2_METRICS == tuple((k, dict(METRICS)[k]) for k in EXP2_KEYS)


def test_metric_grid_puts_every_value_under_its_row_and_column() -> None:
    values = Values(1)
    rows, columns = ["ASV eval", "In the wild"], ["resnet", "convnext", "tiny_resnet"]
    # cells given column-major and reversed: the layout must come from the orders, not the input
    cells = [
        (row, column, {key: values(row, column, key) for key in KEYS})
        for column in reversed(columns)
        for row in reversed(rows)
    ]
    table = metric_grid(cells, row_order=rows, column_order=columns)
    assert list(table.columns) == ["eval_set", "metric", *columns]
    assert list(zip(table["eval_set"], table["metric"], strict=True)) == [
        (row, label) for row in rows for _, label in METRICS
    ]
    indexed = table.set_index(["eval_set", "metric"])
    for row in rows:
        for key, label in METRICS:
            for column in columns:
                assert indexed.loc[(row, label), column] == round(values(row, column, key), 4)

    with pytest.raises(ValueError, match="no metrics for"):
        metric_grid(cells[1:], row_order=rows, column_order=columns)
    with pytest.raises(ValueError, match="duplicate table cell"):
        metric_grid([*cells, cells[0]], row_order=rows, column_order=columns)


# --------------------------------------------------------------------------- Experiment 1

EXP1_MODELS = ("resnet", "convnext", "tiny_resnet")
EXP1_EVAL = {"ASV eval": "asvspoof2019/eval.json", "In the wild": "itw/eval.json"}


def exp1_entries(tmp_path: Path, values: Values) -> list[tuple[str, str, str]]:
    """(eval set, model, metrics path) in the workflow's order (per model, then eval set)."""
    entries = []
    for model in EXP1_MODELS:
        for eval_set, rel in EXP1_EVAL.items():
            path = tmp_path / "metrics" / "pretrained" / "asvspoof2019" / model / rel
            metrics = {key: values(model, eval_set, key) for key in KEYS}
            entries.append((eval_set, model, write_metrics(path, metrics)))
    assert_distinct(values.by_key.values(), "Table 1")
    return entries


def assert_table1(
    table: pd.DataFrame,
    values: Values,
    models: Sequence[str] = EXP1_MODELS,
    eval_sets: Sequence[str] = tuple(EXP1_EVAL),
) -> None:
    assert list(table.columns) == ["eval_set", "metric", *models]
    assert list(zip(table["eval_set"], table["metric"], strict=True)) == [
        (eval_set, label) for eval_set in eval_sets for _, label in METRICS
    ]
    indexed = table.set_index(["eval_set", "metric"])
    for eval_set in EXP1_EVAL:
        for key, label in METRICS:
            for model in models:
                expected = round(values(model, eval_set, key), 4)
                assert indexed.loc[(eval_set, label), model] == expected, (eval_set, label, model)


def test_table1_cells_come_from_their_model_and_eval_set(tmp_path: Path) -> None:
    values = Values(11)
    entries = exp1_entries(tmp_path, values)
    assert_table1(exp1.table1(entries), values)
    # the same files, In the wild first and models sorted: rows and columns follow the first
    # mention, each value stays under its own labels
    shuffled = sorted(entries, key=lambda e: (e[0] != "In the wild", e[1]))
    assert_table1(exp1.table1(shuffled), values, sorted(EXP1_MODELS), ["In the wild", "ASV eval"])


def test_make_table_exp1_writes_each_value_in_its_cell(tmp_path: Path) -> None:
    values = Values(12)
    entries = exp1_entries(tmp_path, values)
    out, md = tmp_path / "table1.csv", tmp_path / "table1.md"
    args = [word for entry in entries for word in ("--entry", *entry)]
    assert make_table_exp1.main([*args, "--out", str(out), "--markdown", str(md)]) == 0
    assert_table1(read_csv(out), values)

    text = md.read_text()
    assert text.startswith("### Table 1")
    rows = markdown_rows(text)
    assert [(r["eval_set"], r["metric"]) for r in rows] == [
        (eval_set, label) for eval_set in EXP1_EVAL for _, label in METRICS
    ]
    for row in rows:
        key = {label: key for key, label in METRICS}[row["metric"]]
        for model in EXP1_MODELS:
            assert row[model] == md_number(round(values(model, row["eval_set"], key), 4))


def test_tables_show_the_configured_metrics_in_order(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``--metric`` (config ``tables.metrics``): exactly those rows, in that order, each value
    from its own key; an unknown key is refused by name."""
    values = Values(13)
    chosen = ("min_dcf", "eer_roc", "cllr")
    entries = []
    for model in EXP1_MODELS:
        for eval_set, rel in EXP1_EVAL.items():
            path = tmp_path / "metrics" / model / rel
            metrics = {key: values(model, eval_set, key) for key in (*KEYS, "cllr", "min_dcf")}
            entries.append((eval_set, model, write_metrics(path, metrics)))
    out, md = tmp_path / "table1.csv", tmp_path / "table1.md"
    args = [word for entry in entries for word in ("--entry", *entry)]
    args += ["--out", str(out), "--markdown", str(md)]
    flags = [word for key in chosen for word in ("--metric", key)]
    assert make_table_exp1.main([*args, *flags]) == 0
    table = read_csv(out)
    labels = {"min_dcf": "minDCF", "eer_roc": "EER-ROC", "cllr": "Cllr"}
    assert list(zip(table["eval_set"], table["metric"], strict=True)) == [
        (eval_set, labels[key]) for eval_set in EXP1_EVAL for key in chosen
    ]
    for row in table.to_dict(orient="records"):
        key = {v: k for k, v in labels.items()}[row["metric"]]
        for model in EXP1_MODELS:
            assert row[model] == round(values(model, row["eval_set"], key), 4)
    assert make_table_exp1.main([*args, "--metric", "nope"]) == 2
    assert "unknown table metric(s) ['nope']" in capsys.readouterr().err


# --------------------------------------------------------------------------- Experiment 2

EXP2_EVAL = {"ASV eval": "asv_eval", "In the wild": "in_the_wild"}
EXP2_METHODS = ("nc", "random_interest", "random_all")
#: Grid points (bonafide rate, spoof rate) and the per-class counts their NC sample has; the
#: random controls draw the same counts. The two points mirror each other, so a swap of the
#: rate columns or of the count columns changes the table.
EXP2_GRID = {(1.0, 0.5): (5, 6), (0.5, 1.0): (3, 11)}
EXP2_SEEDS = (0, 1)
EXP2_TOTAL = (10, 20)


def exp2_inputs(tmp_path: Path, values: Values) -> tuple[list[dict], dict, dict]:
    """Run specs, the reference spec, and {row key: training seconds per seed} for the table."""
    specs, seconds = [], {}
    index = 0
    for method in EXP2_METHODS:
        for (b, s), (n_b, n_s) in EXP2_GRID.items():
            for seed in EXP2_SEEDS:
                index += 1
                run = tmp_path / "exp2" / f"{method}_b{b}_s{s}" / f"seed{seed}"
                summary = {
                    "method": method,
                    "bonafide_rate": b,
                    "spoof_rate": s,
                    "metric": "euclidean",
                    "seed": 7 + 1000 * seed,
                    "counts": {"bonafide": n_b, "spoof": n_s},
                    "n_interest": {"bonafide": 5, "spoof": 11},
                    "n_total": {"bonafide": EXP2_TOTAL[0], "spoof": EXP2_TOTAL[1]},
                    "n_selected": n_b + n_s,
                }
                epochs = [0.5 + 0.013 * index, 0.25 + 0.007 * index]
                seconds.setdefault((method, b, s), []).append(sum(epochs))
                specs.append(
                    {
                        "method": method,
                        "bonafide_rate": b,
                        "spoof_rate": s,
                        "seed": seed,
                        "summary": write_json_file(run / "summary.json", summary),
                        "history": write_history(run / "history.csv", epochs),
                        "metrics": {
                            name: write_metrics(
                                run / f"{slug}.json",
                                {k: values(method, b, s, seed, name, k) for k in KEYS},
                            )
                            for name, slug in EXP2_EVAL.items()
                        },
                    }
                )
    ref = tmp_path / "reference"
    diagnostics = {
        "nc1": 1.37,
        "n": 16,
        "n_interest": {"bonafide": 5, "spoof": 11},
        "n_total": {"bonafide": EXP2_TOTAL[0], "spoof": EXP2_TOTAL[1]},
        "metric": "euclidean",
    }
    seconds[("full", 1.0, 1.0)] = [4.25 + 0.5]
    reference = {
        "seed": 0,
        "summary": write_json_file(ref / "diagnostics.json", diagnostics),
        "history": write_history(ref / "history.csv", [4.25, 0.5]),
        "metrics": {
            name: write_metrics(
                ref / f"{slug}.json", {k: values("full", 1.0, 1.0, 0, name, k) for k in KEYS}
            )
            for name, slug in EXP2_EVAL.items()
        },
    }
    return specs, reference, seconds


def exp2_expected(values: Values, seconds: dict) -> list[dict[str, Any]]:
    """The expected rows, in the documented order, computed from the inputs."""
    keys = [("full", 1.0, 1.0)] + [
        (method, b, s)
        for method in EXP2_METHODS
        for b, s in sorted(EXP2_GRID, key=lambda point: (-point[0], -point[1]))
    ]
    rows = []
    for method, b, s in keys:
        seeds = (0,) if method == "full" else EXP2_SEEDS
        n_b, n_s = EXP2_TOTAL if method == "full" else EXP2_GRID[(b, s)]
        row: dict[str, Any] = {
            "method": method,
            "bonafide_rate": b,
            "spoof_rate": s,
            "n_bonafide": n_b,
            "n_spoof": n_s,
            "n_seeds": len(seeds),
            "trained_as": method,
        }
        for name, slug in EXP2_EVAL.items():
            for key in EXP2_KEYS:
                per_seed = [values(method, b, s, seed, name, key) for seed in seeds]
                row[f"{slug}_{key}_mean"] = mean(per_seed)
                row[f"{slug}_{key}_std"] = std(per_seed)
        row["train_seconds_mean"] = mean(seconds[(method, b, s)])
        rows.append(row)
    return rows


def assert_exp2(table: pd.DataFrame, expected: list[dict[str, Any]], *, written: bool) -> None:
    """Rows in order, every cell by (row key, column); ``written``: at the CSV's precision."""
    assert list(table.columns) == exp2_columns(EXP2_EVAL.values())
    keys = [(r["method"], r["bonafide_rate"], r["spoof_rate"]) for r in expected]
    assert list(zip(table["method"], table["bonafide_rate"], table["spoof_rate"], strict=True)) == (
        keys
    )
    indexed = table.set_index(["method", "bonafide_rate", "spoof_rate"])
    for key, row in zip(keys, expected, strict=True):
        for column in exp2_columns(EXP2_EVAL.values())[3:]:
            cell, want = indexed.loc[key, column], row[column]
            if column == "trained_as":
                assert cell == want, key
            elif column.endswith("_std") and want != 0:
                assert cell == pytest.approx(want, rel=1e-9), (key, column)
            else:
                assert cell == (at_10g(want) if written else want), (key, column)


def test_exp2_table_cells_by_setting_eval_set_and_metric(tmp_path: Path) -> None:
    values = Values(21)
    specs, reference, seconds = exp2_inputs(tmp_path, values)
    assert_distinct(values.by_key.values(), "Experiment 2 inputs")
    expected = exp2_expected(values, seconds)
    means = [
        v for r in expected for c, v in r.items() if c.endswith("_mean") and "seconds" not in c
    ]
    assert_distinct(means, "Experiment 2 means")
    assert_distinct([v for r in expected for c, v in r.items() if c.endswith("_std") and v], "std")
    assert_distinct([r["train_seconds_mean"] for r in expected], "Experiment 2 training seconds")

    # specs in reverse: the row order is the module's (reference, nc, random_interest,
    # random_all; rates descending), not the input's
    table, names = exp2.build_table(list(reversed(specs)), [reference])
    assert names == list(EXP2_EVAL)
    assert_exp2(table, expected, written=False)


def test_make_table_exp2_writes_each_value_in_its_cell(tmp_path: Path) -> None:
    values = Values(22)
    specs, reference, seconds = exp2_inputs(tmp_path, values)
    expected = exp2_expected(values, seconds)
    args = []
    for i, spec in enumerate(specs):  # inline JSON and spec files (as Snakemake passes them)
        text = json.dumps(spec)
        if i % 2:
            text = write_json_file(tmp_path / "specs" / f"run{i}.json", spec)
        args += ["--run", text]
    args += ["--reference", write_json_file(tmp_path / "specs" / "reference.json", reference)]
    out, md = tmp_path / "table_exp2.csv", tmp_path / "table_exp2.md"
    assert make_table_exp2.main([*args, "--out", str(out), "--markdown", str(md)]) == 0
    assert_exp2(read_csv(out), expected, written=True)

    rows = markdown_rows(md.read_text())
    by_key = {(r["training data"], r["bonafide rate"], r["spoof rate"]): r for r in rows}
    assert len(by_key) == len(rows) == len(expected)
    for row in expected:
        shown = by_key[
            (
                exp2.METHOD_NAMES[row["method"]],
                f"{row['bonafide_rate']:g}",
                f"{row['spoof_rate']:g}",
            )
        ]
        assert (shown["n bonafide"], shown["n spoof"]) == (
            str(row["n_bonafide"]),
            str(row["n_spoof"]),
        )
        for name, slug in EXP2_EVAL.items():
            for key, label in exp2.EXP2_METRICS:
                m, s = row[f"{slug}_{key}_mean"], row[f"{slug}_{key}_std"]
                text = f"{m:.3f}" if row["n_seeds"] < 2 else f"{m:.3f} ± {s:.3f}"
                assert shown[f"{name} {label}"] == text, (row["method"], name, label)


# --------------------------------------------------------------------------- Experiment 3

EXP3_N = (2, 3, 10)  # 10 after 3: N columns sort as numbers
EXP3_EVAL = {"eval data": "eval_data.json", "In the wild": "itw/eval.json"}
EXP3_SEEDS = (0, 1)
#: Eligible rows per (corpus, class): N = 10 draws a different number from each, so swapped
#: training-row rows change the table; N = 3 falls short for WaveFake bonafide only.
EXP3_AVAILABLE = {
    ("asvspoof2019", "bonafide"): 4,
    ("asvspoof2019", "spoof"): 7,
    ("for", "bonafide"): 5,
    ("for", "spoof"): 6,
    ("wavefake", "bonafide"): 2,
    ("wavefake", "spoof"): 9,
}


def exp3_inputs(tmp_path: Path, values: Values) -> tuple[list[str], list[str]]:
    """``--entry`` and ``--summary`` words in the workflow's order (N, seed, eval set)."""
    entries, summaries = [], []
    for n in EXP3_N:
        for seed in EXP3_SEEDS:
            run = tmp_path / "metrics" / "exp3" / f"n{n}" / f"seed{seed}"
            for name, rel in EXP3_EVAL.items():
                path = write_metrics(run / rel, {k: values(n, seed, name, k) for k in KEYS})
                entries += ["--entry", str(n), name, path]
            counts = [
                {
                    "dataset": dataset,
                    "label": label,
                    "rows": available + 1,
                    "excluded": 1,
                    "requested": n,
                    "available": available,
                    "drawn": min(n, available),
                }
                for (dataset, label), available in EXP3_AVAILABLE.items()
            ]
            summary = {
                "mode": "n_per_class",
                "n_per_class": n,
                "match_counts": None,
                "seed": 7 + 1000 * seed,
                "counts": counts,
                "shortfall": [c for c in counts if c["drawn"] < n],
            }
            path = write_json_file(
                tmp_path / "sampling" / "exp3" / f"n{n}" / f"seed{seed}.json", summary
            )
            summaries += ["--summary", str(n), str(seed), path]
    return entries, summaries


def exp3_metric_cells(values: Values) -> dict[tuple[str, str, str], float]:
    """{(eval set, metric label, column): rounded value} of the metric rows, N and N_std."""
    cells = {}
    for name in EXP3_EVAL:
        for key, label in METRICS:
            for n in EXP3_N:
                per_seed = [values(n, seed, name, key) for seed in EXP3_SEEDS]
                cells[(name, label, str(n))] = round(mean(per_seed), 4)
                cells[(name, label, f"{n}_std")] = round(std(per_seed), 4)
    return cells


def test_table2_cells_by_eval_set_metric_and_n(tmp_path: Path) -> None:
    values = Values(31)
    entry_words, _ = exp3_inputs(tmp_path, values)
    assert_distinct(values.by_key.values(), "Table 2 inputs")
    cells = exp3_metric_cells(values)
    assert_distinct([v for (_, _, c), v in cells.items() if "_std" not in c], "Table 2 means")
    assert_distinct([v for (_, _, c), v in cells.items() if "_std" in c], "Table 2 std")
    groups = [entry_words[i + 1 : i + 4] for i in range(0, len(entry_words), 4)]
    entries = exp3.read_entries(groups)
    table = exp3.table2(entries)
    assert list(table.means.columns) == ["eval_set", "metric", "2", "3", "10"]
    assert list(table.stds.columns) == ["eval_set", "metric", "2_std", "3_std", "10_std"]
    for frame in (table.means, table.stds):
        assert list(zip(frame["eval_set"], frame["metric"], strict=True)) == [
            (name, label) for name in EXP3_EVAL for _, label in METRICS
        ]
    means = table.means.set_index(["eval_set", "metric"])
    stds = table.stds.set_index(["eval_set", "metric"])
    for (name, label, column), want in cells.items():
        frame = stds if column.endswith("_std") else means
        assert frame.loc[(name, label), column] == want, (name, label, column)
    assert table.runs.to_dict("records") == [
        {"eval_set": name, "N": n, "n_runs": len(EXP3_SEEDS)} for name in EXP3_EVAL for n in EXP3_N
    ]


def test_make_table_exp3_writes_metrics_counts_and_sources_in_their_cells(tmp_path: Path) -> None:
    values = Values(32)
    entry_words, summary_words = exp3_inputs(tmp_path, values)
    cells = exp3_metric_cells(values)
    out, md = tmp_path / "table2.csv", tmp_path / "table2.md"
    seeds_json, counts_csv = tmp_path / "table2_seeds.json", tmp_path / "table2_counts.csv"
    args = [*entry_words, *summary_words, "--out", str(out), "--markdown", str(md)]
    args += ["--seeds-json", str(seeds_json), "--counts-out", str(counts_csv)]
    assert make_table_exp3.main(args) == 0

    table = read_csv(out)
    n_columns = [str(n) for n in EXP3_N]
    assert list(table.columns) == [
        "eval_set",
        "metric",
        *n_columns,
        *(f"{c}_std" for c in n_columns),
    ]
    count_rows = [("training rows", f"{d} {c}") for d, c in EXP3_AVAILABLE]
    assert list(zip(table["eval_set"], table["metric"], strict=True)) == [
        *((name, label) for name in EXP3_EVAL for _, label in METRICS),
        *count_rows,
    ]
    indexed = table.set_index(["eval_set", "metric"])
    for (name, label, column), want in cells.items():
        assert indexed.loc[(name, label), column] == want, (name, label, column)
    drawn_at_10 = [indexed.loc[row, "10"] for row in count_rows]
    assert_distinct(drawn_at_10, "training rows at N = 10")
    for (dataset, label), available in EXP3_AVAILABLE.items():
        for n in EXP3_N:
            assert indexed.loc[("training rows", f"{dataset} {label}"), str(n)] == min(n, available)
            assert indexed.loc[("training rows", f"{dataset} {label}"), f"{n}_std"] == 0

    counts = pd.read_csv(counts_csv)
    assert list(counts.columns) == list(exp3.TABLE2_COUNT_COLUMNS)
    assert counts.to_dict("records") == [
        {
            "n_per_class": n,
            "seed": seed,
            "dataset": dataset,
            "class": label,
            "requested": n,
            "available": available,
            "drawn": min(n, available),
            "shortfall": n - min(n, available),
        }
        for n in EXP3_N
        for seed in EXP3_SEEDS
        for (dataset, label), available in EXP3_AVAILABLE.items()
    ]

    sources = json.loads(seeds_json.read_text())["cells"]
    assert [(c["eval_set"], c["N"]) for c in sources] == [
        (name, n) for n in EXP3_N for name in EXP3_EVAL
    ]
    for cell in sources:
        n, name = cell["N"], cell["eval_set"]
        assert cell["files"] == [
            str(tmp_path / "metrics" / "exp3" / f"n{n}" / f"seed{seed}" / EXP3_EVAL[name])
            for seed in EXP3_SEEDS
        ]
        for key in KEYS:
            assert cell[key] == [values(n, seed, name, key) for seed in EXP3_SEEDS]

    text = md.read_text()
    assert markdown_rows(text)[0] == {
        "eval_set": "eval data",
        "metric": "EER-ROC",
        **{str(n): md_number(cells[("eval data", "EER-ROC", str(n))]) for n in EXP3_N},
    }
    assert "N = 3: wavefake bonafide 2 of 3 requested" in text
    assert "N = 10: asvspoof2019 bonafide 4 of 10 requested" in text
    assert "N = 10: wavefake spoof 9 of 10 requested" in text
    assert "N = 2:" not in text


# --------------------------------------------------------------------------- Experiment 4

EXP4_EVAL = {"eval data": "eval_data.json", "In the wild": "itw/eval.json"}
EXP4_SEEDS = (3, 5)
#: Training samples per class per seed (the random control draws the full method's counts).
EXP4_TOTAL = {3: (13, 11), 5: (14, 11)}


def exp4_specs(tmp_path: Path, values: Values) -> tuple[list[dict], dict[str, list[float]]]:
    """``--run`` specs (random control first) and training seconds per method."""
    specs, seconds = [], {}
    for i, method in enumerate(("random_matched", "full_method")):
        for seed in EXP4_SEEDS:
            run = tmp_path / "exp4" / method / f"seed{seed}"
            n_b, n_s = EXP4_TOTAL[seed]
            total = {"bonafide": n_b, "spoof": n_s, "rows": n_b + n_s}
            if method == "full_method":
                summary = {
                    "method": method,
                    "seed": 7 + 1000 * seed,
                    "datasets": {},
                    "total": total,
                }
            else:
                summary = {
                    "mode": "match_counts",
                    "n_per_class": None,
                    "counts": [],
                    "total": total,
                }
            epochs = [1.1 + 0.7 * i + 0.3 * seed, 0.9 + 0.1 * seed]
            seconds.setdefault(method, []).append(sum(epochs))
            specs.append(
                {
                    "method": method,
                    "seed": seed,
                    "summary": write_json_file(run / "summary.json", summary),
                    "history": write_history(run / "history.csv", epochs),
                    "metrics": {
                        name: write_metrics(
                            run / rel, {k: values(method, seed, name, k) for k in KEYS}
                        )
                        for name, rel in EXP4_EVAL.items()
                    },
                }
            )
    return specs, seconds


def exp4_expected(values: Values, seconds: dict[str, list[float]]) -> dict[str, dict[str, Any]]:
    rows = {}
    for method in ("full_method", "random_matched"):
        row: dict[str, Any] = {
            "method": method,
            "n_runs": len(EXP4_SEEDS),
            "seeds": ",".join(map(str, EXP4_SEEDS)),
            "train_bonafide": round(mean([EXP4_TOTAL[s][0] for s in EXP4_SEEDS]), 1),
            "train_spoof": round(mean([EXP4_TOTAL[s][1] for s in EXP4_SEEDS]), 1),
            "train_seconds_mean": round(mean(seconds[method]), 1),
            "train_seconds_std": round(std(seconds[method]), 1),
        }
        for name in EXP4_EVAL:
            for key, label in METRICS:
                per_seed = [values(method, seed, name, key) for seed in EXP4_SEEDS]
                row[f"{name}: {label} mean"] = round(mean(per_seed), 4)
                row[f"{name}: {label} std"] = round(std(per_seed), 4)
        rows[method] = row
    return rows


def assert_exp4(table: pd.DataFrame, expected: dict[str, dict[str, Any]]) -> None:
    columns = list(expected["full_method"])
    assert list(table.columns) == columns
    assert list(table["method"]) == ["full_method", "random_matched"]
    indexed = table.set_index("method")
    for method, row in expected.items():
        for column in columns[1:]:
            assert indexed.loc[method, column] == row[column], (method, column)


def test_exp4_table_cells_by_method_eval_set_and_metric(tmp_path: Path) -> None:
    values = Values(41)
    specs, seconds = exp4_specs(tmp_path, values)
    assert_distinct(values.by_key.values(), "Experiment 4 inputs")
    expected = exp4_expected(values, seconds)
    for suffix in (" mean", " std"):
        assert_distinct(
            [v for r in expected.values() for c, v in r.items() if ":" in c and c.endswith(suffix)],
            f"Experiment 4{suffix}",
        )
    assert expected["full_method"]["train_bonafide"] != expected["full_method"]["train_spoof"]
    assert seconds["full_method"] != seconds["random_matched"]

    runs = [exp4.read_run(json.dumps(spec)) for spec in specs]
    assert_exp4(exp4.exp4_table(runs), expected)

    summary = exp4.exp4_summary(runs).set_index(["method", "eval_set", "metric"])
    assert list(summary.index) == [
        (method, name, label)
        for method in ("full_method", "random_matched")
        for name in EXP4_EVAL
        for _, label in METRICS
    ]
    for method in ("full_method", "random_matched"):
        for name in EXP4_EVAL:
            for key, label in METRICS:
                per_seed = [values(method, seed, name, key) for seed in EXP4_SEEDS]
                cell = summary.loc[(method, name, label)]
                assert cell["mean"] == pytest.approx(mean(per_seed), abs=1e-12)
                assert cell["std"] == pytest.approx(std(per_seed), abs=1e-12)
                assert cell["n_runs"] == len(EXP4_SEEDS)


def test_make_table_exp4_writes_each_value_in_its_cell(tmp_path: Path) -> None:
    values = Values(42)
    specs, seconds = exp4_specs(tmp_path, values)
    expected = exp4_expected(values, seconds)
    out, md, figure = tmp_path / "t4.csv", tmp_path / "t4.md", tmp_path / "exp4.png"
    args = [word for spec in specs for word in ("--run", json.dumps(spec))]
    args += ["--out", str(out), "--markdown", str(md), "--figure", str(figure)]
    assert make_table_exp4.main(args) == 0
    assert_exp4(read_csv(out), expected)
    assert figure.stat().st_size > 1000

    rows = {r["method"]: r for r in markdown_rows(md.read_text())}
    assert list(rows) == [exp4.METHOD_LABELS[m] for m in ("full_method", "random_matched")]
    for method, row in expected.items():
        shown = rows[exp4.METHOD_LABELS[method]]
        assert shown["bonafide / spoof (train)"] == (
            f"{row['train_bonafide']:g} / {row['train_spoof']:g}"
        )
        for name in EXP4_EVAL:
            for _, label in METRICS:
                m, s = row[f"{name}: {label} mean"], row[f"{name}: {label} std"]
                assert shown[f"{name}: {label}"] == f"{m:.4f} ± {s:.4f}", (method, name, label)
