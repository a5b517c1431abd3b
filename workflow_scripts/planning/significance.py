"""Planning of the significance tables (``rules/significance.smk``).

Pure functions of the validated config (see ``planning/__init__.py``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from workflow_scripts.planning.common import EXP4_METHODS, Config, RunSpec, repeat_option
from workflow_scripts.planning.config import (
    rate_tag,
)
from workflow_scripts.planning.corpora import manifest_path
from workflow_scripts.planning.experiment2 import EXP2_FULL, exp2_runs, spec_json
from workflow_scripts.planning.experiment3 import exp3_table_cells
from workflow_scripts.planning.experiment4 import exp4_runs, exp4_source_runs, exp4_sources
from workflow_scripts.sampling.methods import (
    TREATMENT,
    selection_method,
)

#: Tables that get a significance companion ``results/{table}_significance.csv``.
SIGNIFICANCE_TABLES = ("table_exp2", "table2", "table_exp4", "table_exp4_sources")


def scores_of_metrics(path: str) -> str:
    """The score file a metrics file is computed from (rule ``metrics``)."""
    prefix, suffix = "results/metrics/", ".json"
    if not (path.startswith(prefix) and path.endswith(suffix)):
        raise ValueError(f"not a metrics path: {path!r}")
    return f"results/scores/{path[len(prefix) : -len(suffix)]}.tsv"


def _comparisons(
    setting: str,
    method: str,
    control: str,
    method_runs: Sequence[Mapping[str, str]],
    control_runs: Sequence[Mapping[str, str]],
) -> list[RunSpec]:
    """One comparison per evaluation set; each run is ``{eval set: metrics path}``."""
    return [
        {
            "setting": setting,
            "eval_set": name,
            "method": method,
            "control": control,
            "method_scores": [scores_of_metrics(run[name]) for run in method_runs],
            "control_scores": [scores_of_metrics(run[name]) for run in control_runs],
        }
        for name in method_runs[0]
    ]


def exp2_comparisons(config: Config) -> list[RunSpec]:
    """NC sampling against each random control at every grid point, then every method against
    the full-data reference; each with the sampling summaries that give its training shares.

    A comparison of a run with itself (``nc`` and a control sharing one run) or one already
    made (``random_interest`` sharing ``nc``'s run against the full set) is left out: it
    would add a zero or a repeated test to the Holm family.
    """
    runs, references = exp2_runs(config)
    by_setting: dict[tuple[str, float, float], list[RunSpec]] = {}
    for spec in runs:
        key = (spec["method"], spec["bonafide_rate"], spec["spoof_rate"])
        by_setting.setdefault(key, []).append(spec)
    methods = config["experiment2"]["methods"]
    pairs = []  # (setting, method, control, method runs, control runs)
    for method, b, s in by_setting:
        if method == TREATMENT:
            setting = f"b{rate_tag(b)}_s{rate_tag(s)}"
            for control in (m for m in methods if selection_method(m).role == "control"):
                pairs.append(
                    (
                        setting,
                        TREATMENT,
                        control,
                        by_setting[(method, b, s)],
                        by_setting[(control, b, s)],
                    )
                )
    for (method, b, s), specs in by_setting.items():
        pairs.append((f"b{rate_tag(b)}_s{rate_tag(s)}", method, EXP2_FULL, specs, references))
    comparisons: list[RunSpec] = []
    made: set[tuple[tuple[str, ...], tuple[str, ...]]] = set()
    for setting, method, control, method_runs, control_runs in pairs:
        sides = tuple(
            tuple(spec["history"] for spec in side) for side in (method_runs, control_runs)
        )
        if sides[0] == sides[1] or sides in made:
            continue
        made.add(sides)
        summaries = {
            "method_summary": method_runs[0]["summary"],
            "control_summary": control_runs[0]["summary"],
        }
        per_eval_set = _comparisons(
            setting,
            method,
            control,
            [run["metrics"] for run in method_runs],
            [run["metrics"] for run in control_runs],
        )
        comparisons += [{**spec, **summaries} for spec in per_eval_set]
    return comparisons


def exp3_comparisons(config: Config) -> list[RunSpec]:
    """Each N of Table 2 against the next smaller one (does doubling the data help?)."""
    cells = exp3_table_cells(config)
    by_n: dict[int, dict[str, list[str]]] = {}
    for n, name, path in cells:
        by_n.setdefault(n, {}).setdefault(name, []).append(path)
    sizes = sorted(by_n)
    comparisons = []
    for small, large in zip(sizes, sizes[1:], strict=False):
        runs = {
            n: [
                {name: paths[i] for name, paths in by_n[n].items()}
                for i in range(config["experiment3"]["seeds"])
            ]
            for n in (small, large)
        }
        comparisons += _comparisons("-", f"N={large}", f"N={small}", runs[large], runs[small])
    return comparisons


def exp4_comparisons(config: Config) -> list[RunSpec]:
    """The full method against matched random sampling, on every evaluation set."""
    runs = exp4_runs(config)
    arms = {m: [spec["metrics"] for spec in runs if spec["method"] == m] for m in EXP4_METHODS}
    return _comparisons("-", EXP4_METHODS[0], EXP4_METHODS[1], *arms.values())


def exp4_source_comparisons(config: Config) -> list[RunSpec]:
    """Per embedding source, its full method against its matched random control."""
    runs = exp4_source_runs(config)
    comparisons = []
    for source in exp4_sources(config):
        arms = [
            [spec["metrics"] for spec in runs if (spec["source"], spec["method"]) == (source, m)]
            for m in EXP4_METHODS
        ]
        comparisons += _comparisons(source, *EXP4_METHODS, *arms)
    return comparisons


def significance_comparisons(config: Config, table: str) -> list[RunSpec]:
    """The comparisons behind ``results/{table}_significance.csv``."""
    planners = {
        "table_exp2": exp2_comparisons,
        "table2": exp3_comparisons,
        "table_exp4": exp4_comparisons,
        "table_exp4_sources": exp4_source_comparisons,
    }
    if table not in planners:
        raise ValueError(f"no significance table for {table!r}; choose from {SIGNIFICANCE_TABLES}")
    return [
        {**spec, "manifests": eval_manifests(config, spec["method_scores"][0])}
        for spec in planners[table](config)
    ]


def eval_manifests(config: Config, scores: str) -> list[str]:
    """The manifests naming the speakers of a score file's evaluation set: its corpus', or
    for the "eval data" (``results/scores/<run>/eval_data.tsv``) those of the Experiment-3
    corpora it merges (its scores carry a ``dataset`` column to join on)."""
    if scores.endswith("/eval_data.tsv"):
        return [manifest_path(name) for name in config["experiment3"]["datasets"]]
    parts = scores.split("/")
    if len(parts) < 3 or parts[-2] not in config["datasets"]:
        raise ValueError(f"no dataset in score path {scores!r}")
    return [manifest_path(parts[-2])]


def significance_manifests(config: Config, table: str) -> list[str]:
    """Every manifest the comparisons of ``table`` read for speakers, each once."""
    specs = significance_comparisons(config, table)
    return list(dict.fromkeys(m for spec in specs for m in spec["manifests"]))


#: Optional comparison keys: the sampling summary of each side (its share of the training set).
SUMMARY_KEYS = ("method_summary", "control_summary")


def significance_files(config: Config, table: str) -> list[str]:
    """Every score file (and sampling summary) the comparisons of ``table`` read, each once."""
    files = [
        f
        for spec in significance_comparisons(config, table)
        for f in (
            *spec["method_scores"],
            *spec["control_scores"],
            *(spec[key] for key in SUMMARY_KEYS if key in spec),
        )
    ]
    return list(dict.fromkeys(files))


def significance_args(config: Config, table: str) -> list[str]:
    """``--comparison <JSON>`` per comparison of ``table``."""
    return repeat_option("--comparison", map(spec_json, significance_comparisons(config, table)))


def significance_table(config: Config, table: str) -> list[str]:
    """``[results/{table}_significance.csv]`` when ``table`` has comparisons, else ``[]``."""
    return [f"results/{table}_significance.csv"] if significance_comparisons(config, table) else []


def significance_table_args(config: Config, table: str) -> list[str]:
    """``--significance <table>`` for a table command, or nothing."""
    return repeat_option("--significance", significance_table(config, table))
