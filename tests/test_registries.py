"""Each closed vocabulary has one registry, and everything else is built from it or tested
equal to it: Experiment 2's selection methods and the tables' metrics (issue 22)."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from workflow_scripts.io.embeddings import Embeddings
from workflow_scripts.metrics.report import compute_metrics
from workflow_scripts.metrics.table_metrics import DEFAULT_TABLE_METRICS, TABLE_METRIC_REGISTRY
from workflow_scripts.reporting.exp2 import METHOD_NAMES, METHOD_ORDER
from workflow_scripts.reporting.tables import METRIC_LABELS, TABLE_METRICS
from workflow_scripts.sampling import methods
from workflow_scripts.sampling.nc_selection import nc_selection

REPO = Path(__file__).resolve().parents[1]
SCHEMA = yaml.safe_load((REPO / "schemas" / "config.schema.yaml").read_text())
CONFIG = yaml.safe_load((REPO / "config.yaml").read_text())


def schema_node(*keys: str) -> dict:
    node = SCHEMA
    for key in keys:
        node = node["properties"][key]
    return node


# ----------------------------------------------------------------- selection methods


def test_method_registry_has_one_treatment_one_reference_and_known_pools() -> None:
    roles = [m.role for m in methods.METHODS]
    assert roles.count("treatment") == 1 and roles.count("reference") == 1
    assert set(roles) <= {"treatment", "control", "reference"}
    assert {m.pool for m in methods.METHODS} <= {"nearest", "interest", "all", "every_row"}
    assert len(set(methods.SELECTION_METHODS)) == len(methods.METHODS)
    assert all(m.label for m in methods.METHODS)
    assert methods.FULL_METHOD not in methods.CONFIG_METHODS


def test_schema_and_config_list_the_registered_methods() -> None:
    node = schema_node("experiment2", "methods")
    assert node["items"]["enum"] == list(methods.CONFIG_METHODS)
    assert node["default"] == list(methods.DEFAULT_METHODS)
    assert CONFIG["experiment2"]["methods"] == list(methods.DEFAULT_METHODS)


def test_table_and_wildcard_follow_the_method_registry() -> None:
    assert METHOD_ORDER == methods.SELECTION_METHODS
    assert METHOD_NAMES == {m.name: m.label for m in methods.METHODS}
    common = (REPO / "rules" / "common.smk").read_text()
    assert re.search(r'^\s+method="\|"\.join\(SELECTION_METHODS\),$', common, re.M)


def _embeddings() -> Embeddings:
    rng = np.random.default_rng(0)
    label = np.array([1] * 10 + [0] * 10, dtype=np.int64)
    correct = np.array([True] * 8 + [False] * 2 + [True] * 7 + [False] * 3)
    n = label.shape[0]
    return Embeddings(
        path=Path("emb.h5"),
        utt_id=np.array([f"u{i:02d}" for i in range(n)], dtype=object),
        embedding=rng.normal(size=(n, 4)) + label[:, None],
        label=label,
        attack=np.array(["-"] * 10 + ["A01"] * 10, dtype=object),
        correct=correct,
        dataset=np.full(n, "asv", dtype=object),
        split=np.full(n, "train", dtype=object),
    )


@pytest.mark.parametrize("method", methods.SELECTION_METHODS)
def test_every_registered_method_selects_from_its_pool(method: str) -> None:
    """A registration without its branch in nc_selection fails here."""
    emb = _embeddings()
    rate = 1.0 if method == methods.FULL_METHOD else 0.5
    table, summary = nc_selection(emb, method, bonafide_rate=rate, spoof_rate=rate, seed=3)
    chosen = set(table["utt_id"])
    interest = set(emb.utt_id[emb.correct])
    pool = methods.BY_NAME[method].pool
    if pool == "every_row":
        assert chosen == set(emb.utt_id)
    elif pool in ("nearest", "interest"):
        assert chosen <= interest and len(chosen) == 4 + 4  # half of 8 and of 7, rounded up
    else:
        assert len(chosen) == 8 and not chosen <= interest  # seed 3 draws a non-interest row
    assert summary["method"] == method


def test_an_unregistered_method_is_refused_with_the_registered_ones() -> None:
    with pytest.raises(ValueError, match=r"unknown method 'median'.*random_interest"):
        nc_selection(_embeddings(), "median", bonafide_rate=0.5, spoof_rate=0.5)


# ----------------------------------------------------------------- table metrics


def test_schema_lists_the_registered_table_metrics() -> None:
    node = schema_node("tables", "metrics")
    assert node["items"]["enum"] == [m.key for m in TABLE_METRIC_REGISTRY]
    assert node["default"] == list(DEFAULT_TABLE_METRICS)
    assert [k for k, _ in TABLE_METRICS] == list(DEFAULT_TABLE_METRICS)
    assert METRIC_LABELS == {m.key: m.label for m in TABLE_METRIC_REGISTRY}


def test_every_registered_metric_is_computed() -> None:
    """A metric registered without its computation in metrics/report.py fails here."""
    rng = np.random.default_rng(1)
    label = np.array([1] * 30 + [0] * 60)
    table = pd.DataFrame(
        {
            "utt_id": [f"u{i}" for i in range(90)],
            "label": np.where(label == 1, "bonafide", "spoof"),
            "attack": ["-"] * 30 + ["A01"] * 60,
            "score": rng.normal(size=90) + 1.5 * label,
        }
    )
    result = compute_metrics(table)
    missing = [m.key for m in TABLE_METRIC_REGISTRY if m.key not in result]
    assert not missing, missing
    for m in TABLE_METRIC_REGISTRY:
        assert np.isfinite(result[m.key]), m.key
    assert {m.better for m in TABLE_METRIC_REGISTRY} == {"lower", "higher"}


# ----------------------------------------------------------------- corpus formats


def test_every_format_spec_is_complete() -> None:
    from workflow_scripts.datasets import ADAPTERS, FORMAT_SPECS

    for spec in FORMAT_SPECS:
        for attribute in (
            "FORMAT",
            "SPLITS",
            "HAS_ATTACK_IDS",
            "HAS_CONDITIONS",
            "OPTION_DEFAULTS",
        ):
            assert hasattr(spec, attribute), f"{spec}: no {attribute}"
        assert set(spec.SPLITS) <= {"train", "dev", "eval"}, spec.FORMAT
    formats = [spec.FORMAT for spec in FORMAT_SPECS]
    assert len(set(formats)) == len(formats)
    assert list(ADAPTERS) == formats, "every format needs its adapter, in registry order"


def test_every_format_has_a_demo_writer_and_the_schema_lists_them() -> None:
    from workflow_scripts.datasets import FORMAT_SPECS
    from workflow_scripts.demo.corpora import DEMO_WRITERS

    formats = [spec.FORMAT for spec in FORMAT_SPECS]
    assert list(DEMO_WRITERS) == formats, "a format without a demo writer (or the reverse)"
    dataset = SCHEMA["$defs"]["dataset"]["properties"]["format"]
    assert dataset["enum"] == formats


def test_derived_format_sets_follow_the_specs() -> None:
    from workflow_scripts.datasets import ATTACK_ID_FORMATS, CONDITION_FORMATS, FORMAT_SPECS

    assert CONDITION_FORMATS == {s.FORMAT for s in FORMAT_SPECS if s.HAS_CONDITIONS}
    assert ATTACK_ID_FORMATS == {s.FORMAT for s in FORMAT_SPECS if s.HAS_ATTACK_IDS}
    # the four formats whose releases record codec, language, ... conditions
    assert CONDITION_FORMATS == {"asvspoof2021_la", "asvspoof2021_df", "asvspoof5", "mlaad"}
