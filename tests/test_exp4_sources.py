"""make_table_exp4_sources: the Algorithm-2 ablation's two tables, on hand-made run files."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.test_tables import write_history, write_metrics
from workflow_scripts import make_table_exp4_sources

EVAL_SETS = ("eval data", "In the wild")


def _summary(path: Path, *, source: str, k: int, ari: float | None, fallback: bool) -> None:
    """A selection summary with the keys the table reads (one corpus with, one without ids)."""
    asv = {
        "embedding_source": source,
        "algorithm2": {
            "k": k,
            "attacks": ["A01", "A02", "A03"],
            "silhouette": {"2": 0.3, str(k): 0.5},
            "agreement": None if ari is None else {"ari": ari, "nmi": ari + 0.1},
        },
        "collapse": {"nc1_bonafide": 0.2, "nc1_spoof": 0.01, "nc1_attacks": 0.5},
    }
    fo = {
        "embedding_source": "binary" if fallback else source,
        "algorithm2": {"k": 2, "attacks": [], "silhouette": {"2": 0.4}, "agreement": None},
        "collapse": {"nc1_bonafide": 0.3, "nc1_spoof": 0.02, "nc1_attacks": None},
    }
    doc = {"datasets": {"asvspoof2019": asv, "for": fo}, "total": {"bonafide": 30, "spoof": 20}}
    path.write_text(json.dumps(doc))


def _runs(tmp_path: Path) -> list[str]:
    """Two sources x two arms x two seeds; attack_aware's full method has EER 0.1 lower."""
    words = []
    for source, k, ari in (("binary", 2, 0.1), ("attack_aware", 3, 0.8)):
        for method in ("full_method", "random_matched"):
            for seed in (0, 1):
                tag = f"{source}_{method}_{seed}"
                summary = tmp_path / f"{tag}.json"
                full = method == "full_method"
                _summary(
                    summary,
                    source=source,
                    k=k + seed,
                    ari=ari if full else None,
                    fallback=source == "attack_aware",
                )
                eer = 0.3 - (0.1 if full and source == "attack_aware" else 0.0) + 0.01 * seed
                metrics = {
                    name: write_metrics(tmp_path / f"{tag}_{i}.json", {"eer_roc": eer + i})
                    for i, name in enumerate(EVAL_SETS)
                }
                spec = {
                    "source": source,
                    "method": method,
                    "seed": seed,
                    "summary": str(summary),
                    "history": write_history(tmp_path / f"{tag}.csv", [5.0, 6.0]),
                    "metrics": metrics,
                }
                words += ["--run", json.dumps(spec)]
    return words


def _outputs(tmp_path: Path) -> dict[str, Path]:
    names = {"--out": "t.csv", "--clusters-out": "c.csv", "--markdown": "t.md", "--figure": "f.png"}
    return {flag: tmp_path / "out" / name for flag, name in names.items()}


def test_sources_table_and_cluster_recovery(tmp_path: Path) -> None:
    out = _outputs(tmp_path)
    args = [*_runs(tmp_path), *(w for flag, path in out.items() for w in (flag, str(path)))]
    assert make_table_exp4_sources.main(args) == 0
    table = pd.read_csv(out["--out"])
    assert list(table["source"]) == ["binary", "binary", "attack_aware", "attack_aware"]
    assert list(table["method"]) == ["full_method", "random_matched"] * 2
    eer = table["eval data: EER-ROC mean"].to_numpy()
    assert eer == pytest.approx([0.305, 0.305, 0.205, 0.305])
    assert table["In the wild: EER-ROC mean"].iloc[2] == pytest.approx(1.205)

    clusters = pd.read_csv(out["--clusters-out"], keep_default_na=False)
    rows = clusters.set_index(["source", "dataset"])
    assert list(clusters["source"]) == ["binary", "binary", "attack_aware", "attack_aware"]
    assert rows.loc[("attack_aware", "asvspoof2019"), "k"] == "3,4"  # per seed
    assert float(rows.loc[("attack_aware", "asvspoof2019"), "ari"]) == pytest.approx(0.8)
    assert float(rows.loc[("attack_aware", "asvspoof2019"), "nmi"]) == pytest.approx(0.9)
    assert float(rows.loc[("binary", "asvspoof2019"), "silhouette"]) == pytest.approx(0.5)
    assert rows.loc[("attack_aware", "for"), "embedding_used"] == "binary"  # fell back
    assert rows.loc[("attack_aware", "for"), "ari"] == ""  # no attack ids: no agreement
    assert rows.loc[("binary", "for"), "n_attacks"] == 0
    assert float(rows.loc[("binary", "asvspoof2019"), "nc1_spoof"]) == pytest.approx(0.01)

    markdown = out["--markdown"].read_text()
    assert "#### Source: attack_aware" in markdown and "n/a" in markdown
    assert "0.2050 ± 0.0071" in markdown
    png = out["--figure"].read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 5000
    assert np.isfinite(table.select_dtypes("number").to_numpy()).all()


def test_a_run_without_a_source_or_a_summary_without_clusters_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    words = _runs(tmp_path)
    out = _outputs(tmp_path)
    tail = [w for flag, path in out.items() for w in (flag, str(path))]
    spec = json.loads(words[1])
    spec.pop("source")
    assert make_table_exp4_sources.main(["--run", json.dumps(spec), *words[2:], *tail]) == 2
    assert "needs a 'source'" in capsys.readouterr().err
    broken = json.loads(words[1])
    Path(broken["summary"]).write_text(json.dumps({"datasets": {}, "total": {}}))
    assert make_table_exp4_sources.main(["--run", json.dumps(broken), *words[2:], *tail]) == 2
    assert broken["summary"] in capsys.readouterr().err
    assert not any(path.exists() for path in out.values())
