"""Config files validate against the schema; the schema rejects typos; dataset resolution."""

from __future__ import annotations

from pathlib import Path

import jsonschema
import pytest
import yaml

from workflow_scripts.planning.config import ConfigError, resolve_dataset

REPO = Path(__file__).resolve().parents[1]
SCHEMA = yaml.safe_load((REPO / "schemas" / "config.schema.yaml").read_text())


@pytest.mark.parametrize(
    "name", ["config.yaml", "config/paper.yaml", "tests/data/tiny_config.yaml"]
)
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


def test_paper_config_follows_the_paper_where_it_says_something() -> None:
    """FoR's full release and 7 generators, the train+dev pool, the plain validation loss.

    Each is commented in config/paper.yaml.
    """
    from workflow_scripts.datasets.fakeorreal import VARIANT_FOLDERS
    from workflow_scripts.training.loop import VAL_LOSSES

    text = (REPO / "config" / "paper.yaml").read_text()
    paper = yaml.safe_load(text)
    assert paper["datasets"]["for"]["variant"] == "for-original"
    assert "for-original" in VARIANT_FOLDERS
    assert "111,000 real and 87,000 fake" in text
    assert paper["experiment4"]["k_max"] == {"for": 7}
    assert (
        paper["experiment3"]["pool"] == "train_dev"
    )  # ASVspoof 2019 LA train alone has 2,580 bonafide
    assert paper["training"]["val_loss"] == "plain"
    assert "plain" in VAL_LOSSES
    assert _schema_node(["training", "val_loss"])["default"] == "balanced"


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
    resolved = resolve_dataset(
        "wavefake", {"format": "wavefake", "root": None}, "results/demo/wavefake"
    )
    assert resolved["root"] == resolved["ljspeech_root"] == "results/demo/wavefake"
    assert "ljspeech_melgan" in resolved["vocoders"]
    real = resolve_dataset("for", {"format": "for", "root": "/data/FoR"}, "unused")
    assert real == {"format": "for", "root": "/data/FoR", "variant": "for-norm"}


def test_resolve_dataset_rejects_options_of_another_format() -> None:
    with pytest.raises(ConfigError, match="variant"):
        resolve_dataset(
            "asv", {"format": "asvspoof2019_la", "root": None, "variant": "for-norm"}, "x"
        )


# --------------------------------------------------------------------------- Experiment 2 rate tags


def test_rate_tags_are_lossless_and_canonical() -> None:
    import re

    from workflow_scripts.planning.config import RATE_TAG_PATTERN, rate_tag

    expected = [
        (1.0, "1.0"),
        (1, "1.0"),
        (0.5, "0.5"),
        (0.25, "0.25"),
        (0.125, "0.125"),
        (0.12, "0.12"),
        (1e-7, "0.0000001"),
        (0.1 + 0.2, "0.30000000000000004"),
    ]
    for value, tag in expected:
        assert rate_tag(value) == tag
        assert float(tag) == float(value)
        assert re.fullmatch(RATE_TAG_PATTERN, tag)
    assert rate_tag(0.125) != rate_tag(0.12)  # the old ':.2f' tag made both '0.12'
    for other_spelling in ("0.50", "1.00", "1", "0.5000", ".5"):
        assert not re.fullmatch(RATE_TAG_PATTERN, other_spelling)


def _grid_config(grid: list) -> dict:
    return {"experiment2": {"grid": grid, "methods": ["nc", "random_all"]}}


def test_exp2_grid_rejects_rates_outside_0_1_and_repeated_points() -> None:
    from workflow_scripts.planning.config import exp2_grid, exp2_rate, exp2_settings

    cfg = _grid_config([[1.0, 0.5], [0.125, 0.5], [0.12, 0.5]])
    assert exp2_grid(cfg) == [(1.0, 0.5), (0.125, 0.5), (0.12, 0.5)]
    assert exp2_settings(cfg)[:3] == [
        ("nc", "1.0", "0.5"),
        ("nc", "0.125", "0.5"),
        ("nc", "0.12", "0.5"),
    ]
    assert len(set(exp2_settings(cfg))) == 6
    assert (
        exp2_rate(cfg, "0.125", "bonafide") == 0.125 and exp2_rate(cfg, "0.12", "bonafide") == 0.12
    )
    with pytest.raises(ConfigError, match="tag '0.3'"):
        exp2_rate(cfg, "0.3", "spoof")
    for grid, message in [
        (
            [[1.0, 0.5], [0.0, 0.5]],
            r"experiment2.grid\[1\] bonafide rate = 0.0 is outside \(0, 1\]",
        ),
        ([[1.0, 1.5]], r"experiment2.grid\[0\] spoof rate = 1.5 is outside"),
        ([[-0.5, 0.5]], r"grid\[0\] bonafide rate"),
        (
            [[1.0, 0.5], [0.5, 0.5], [1, 0.5]],
            r"experiment2.grid\[2\] = \[1, 0.5\] repeats experiment2.grid\[0\]",
        ),
        ([[True, 0.5]], "must be a number"),
        ([[0.5]], "pair"),
    ]:
        with pytest.raises(ConfigError, match=message):
            exp2_grid(_grid_config(grid))


def test_schema_rejects_a_zero_rate_and_knows_the_exp3_pool() -> None:
    cfg = yaml.safe_load((REPO / "config.yaml").read_text())
    cfg["experiment2"]["grid"] = [[0.0, 0.5]]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(cfg, SCHEMA)
    cfg = yaml.safe_load((REPO / "config.yaml").read_text())
    for pool in ("train", "train_dev"):
        cfg["experiment3"]["pool"] = pool
        jsonschema.validate(cfg, SCHEMA)
    cfg["experiment3"]["pool"] = "dev"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(cfg, SCHEMA)
    assert _schema_node(["experiment3", "pool"])["default"] == "train"


def test_exp3_pool_lists_train_or_train_and_dev_caches() -> None:
    from workflow_scripts.planning.config import exp3_pool

    splits = {"asv": ("train", "dev", "eval"), "nodev": ("train", "eval"), "itw": ("eval",)}
    cfg = {"experiment3": {"datasets": ["asv", "nodev"]}}
    assert exp3_pool(cfg, splits.__getitem__) == [
        ("asv", "train"),
        ("nodev", "train"),
    ]  # default: train
    cfg["experiment3"]["pool"] = "train_dev"
    assert exp3_pool(cfg, splits.__getitem__) == [
        ("asv", "train"),
        ("asv", "dev"),
        ("nodev", "train"),
    ]
    cfg["experiment3"]["datasets"] = ["itw"]
    with pytest.raises(ConfigError, match="'itw' has no train split"):
        exp3_pool(cfg, splits.__getitem__)


def test_dry_run_passes_exact_rates_and_the_pool_to_the_commands(tmp_path: Path) -> None:
    """0.125 and 0.12 get their own outputs; sample_nc gets the configured value.

    experiment3.pool: train_dev reaches sample_exp3.
    """
    from conftest import SNAKEMAKE, TINY, snakemake

    if SNAKEMAKE is None:
        pytest.skip("snakemake is not installed in this environment")
    text = TINY.read_text()
    assert "    - [1.0, 0.5]\n" in text and "  n_per_class: [2, 3]\n" in text
    text = text.replace("    - [1.0, 0.5]\n", "    - [0.125, 0.5]\n    - [0.12, 0.5]\n")
    text = text.replace("  n_per_class: [2, 3]\n", "  n_per_class: [2, 3]\n  pool: train_dev\n")
    config = tmp_path / "rates.yaml"
    config.write_text(text)
    proc = snakemake(
        tmp_path / "work",
        "-n",
        "-p",
        "results/table2.csv",
        "results/table_exp2.csv",
        "results/table_exp4.csv",
        config=config,
    )
    out = proc.stdout + proc.stderr
    lines = [line.strip().removeprefix("Shell command:").strip() for line in out.splitlines()]
    commands = [line for line in lines if line.startswith("python -m workflow_scripts.")]

    def flag(command: str, name: str) -> str:
        words = command.split()
        return words[words.index(name) + 1]

    nc = {
        flag(c, "--out"): c
        for c in commands
        if c.startswith("python -m workflow_scripts.sample_nc ")
    }
    assert len(nc) == 7  # 2 grid points x 3 methods, no shared path, and the full-data reference
    full = nc["results/sampling/exp2/full_b1.0_s1.0/seed0.tsv"]
    assert flag(full, "--bonafide-rate") == flag(full, "--spoof-rate") == "1.0"
    for method in ("nc", "random_interest", "random_all"):
        for tag in ("0.125", "0.12"):
            command = nc[f"results/sampling/exp2/{method}_b{tag}_s0.5/seed0.tsv"]
            assert flag(command, "--bonafide-rate") == tag and float(
                flag(command, "--bonafide-rate")
            ) == float(tag)
            assert flag(command, "--spoof-rate") == "0.5"
    assert (
        '"bonafide_rate": 0.125' in out and '"bonafide_rate": 0.12,' in out
    )  # table_exp2 run specs

    exp3 = [
        c
        for c in commands
        if c.startswith("python -m workflow_scripts.sample_random ") and "--n-per-class" in c
    ]
    assert len(exp3) == 2
    for command in exp3:
        assert "--cache asvspoof2019:dev=results/caches/asvspoof2019/dev.h5" in command
        assert "--cache wavefake:train=results/caches/wavefake/train.h5" in command
    matched = [c for c in commands if "--match-counts" in c]
    assert matched and all(
        ":dev=" not in c and "dev.h5" not in c for c in matched
    )  # Experiment 4 stays on train
    train = [
        c
        for c in commands
        if c.startswith("python -m workflow_scripts.train ") and "--train-selection" in c
    ]
    for command in train:
        out_dir = flag(command, "--out-dir")
        if out_dir.startswith("results/models/exp2/"):
            assert "--val-selection" not in command  # Experiment 2 validates on its whole dev split
        else:
            setting = out_dir.removeprefix("results/models/")
            assert (
                flag(command, "--val-selection") == f"results/sampling/{setting.rsplit('/', 1)[0]}/"
                f"{setting.rsplit('/', 1)[1]}.val.tsv"
            )
        if out_dir.startswith("results/models/exp3/"):
            assert (
                "results/caches/for/dev.h5" in command.split("--val-caches")[0]
            )  # dev rows can be drawn
    assert (
        sum("make_val_selection" in c for c in commands) == 2 + 2
    )  # exp3 N = 2, 3; exp4 two methods
    assert "--counts-out results/table2_counts.csv" in out


def test_a_repeated_grid_point_stops_the_workflow_naming_it(tmp_path: Path) -> None:
    from conftest import SNAKEMAKE, TINY, snakemake

    if SNAKEMAKE is None:
        pytest.skip("snakemake is not installed in this environment")
    config = tmp_path / "dup.yaml"
    config.write_text(
        TINY.read_text().replace("    - [1.0, 0.5]\n", "    - [1.0, 0.5]\n    - [1, 0.5]\n")
    )
    proc = snakemake(tmp_path / "work", "-n", "results/table_exp2.csv", config=config, check=False)
    assert proc.returncode != 0
    assert "experiment2.grid[1] = [1, 0.5] repeats experiment2.grid[0]" in proc.stdout + proc.stderr
