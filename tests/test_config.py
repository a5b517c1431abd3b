"""Config files validate against the schema; the schema rejects typos; dataset resolution."""

from __future__ import annotations

from pathlib import Path

import jsonschema
import pytest
import yaml

from workflow_scripts.workflow_config import ConfigError, resolve_dataset

REPO = Path(__file__).resolve().parents[1]
SCHEMA = yaml.safe_load((REPO / "schemas" / "config.schema.yaml").read_text())


@pytest.mark.parametrize("name", ["config.yaml", "config/paper.yaml", "tests/data/tiny_config.yaml"])
def test_shipped_configs_validate(name: str) -> None:
    jsonschema.validate(yaml.safe_load((REPO / name).read_text()), SCHEMA)


def test_paper_config_uses_the_papers_recipe_and_grids() -> None:
    paper = yaml.safe_load((REPO / "config" / "paper.yaml").read_text())
    assert paper["training"]["max_epochs"] == 100
    assert paper["training"]["patience"] == 10
    assert paper["training"]["learning_rate"] == 0.001
    assert paper["experiment3"]["n_per_class"] == [1000, 3000, 5000]
    assert [1.0, 0.5] in paper["experiment2"]["grid"]
    assert all(ds["root"] for ds in paper["datasets"].values())


def _schema_node(path: list[str]) -> dict:
    node = SCHEMA
    for key in path:
        node = node["properties"][key]
    return node


def test_every_schema_key_has_a_description() -> None:
    def walk(node: dict, where: str) -> None:
        for key, child in node.get("properties", {}).items():
            assert "description" in child or "$ref" in child, f"{where}.{key} has no description"
            walk(child, f"{where}.{key}")
        for key, child in SCHEMA.get("$defs", {}).items():
            assert "description" in child, f"$defs.{key} has no description"

    walk(SCHEMA, "config")


@pytest.mark.parametrize(
    "mutate",
    [
        lambda c: c["training"].update({"max_epoch": 3}),
        lambda c: c.update({"sed": 1}),
        lambda c: c["features"].update({"n_mels": "80"}),
        lambda c: c["datasets"]["asvspoof2019"].update({"format": "asvspoof2021"}),
    ],
)
def test_typos_and_wrong_types_are_rejected(mutate) -> None:
    cfg = yaml.safe_load((REPO / "config.yaml").read_text())
    mutate(cfg)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(cfg, SCHEMA)


def test_resolve_dataset_fills_format_defaults_and_demo_root() -> None:
    resolved = resolve_dataset("wavefake", {"format": "wavefake", "root": None}, "results/demo/wavefake")
    assert resolved["root"] == resolved["ljspeech_root"] == "results/demo/wavefake"
    assert "ljspeech_melgan" in resolved["vocoders"]
    real = resolve_dataset("for", {"format": "for", "root": "/data/FoR"}, "unused")
    assert real == {"format": "for", "root": "/data/FoR", "variant": "for-norm"}


def test_resolve_dataset_rejects_options_of_another_format() -> None:
    with pytest.raises(ConfigError, match="variant"):
        resolve_dataset("asv", {"format": "asvspoof2019_la", "root": None, "variant": "for-norm"}, "x")
