"""Planning of Experiment 2: grid, methods, full-data reference, table (``rules/experiment2.smk``).

Pure functions of the validated config (see ``planning/__init__.py``).
"""

from __future__ import annotations

import json

from workflow_scripts.planning.common import Config, RunSpec, repeat_option
from workflow_scripts.planning.config import (
    exp2_rate,
    exp2_settings,
    rate_tag,
)
from workflow_scripts.planning.experiment1 import eval_set_metrics
from workflow_scripts.sampling.methods import (
    FULL_METHOD,
    TREATMENT,
    selection_method,
)

#: Method of Experiment 2's full-data reference (``sample_nc --method full``: every row).
EXP2_FULL = FULL_METHOD
#: Path tag of rate 1.0, the rates of the full-data reference.
FULL_RATE_TAG = rate_tag(1.0)


def exp2_rate_arg(config: Config, tag: str, which: str) -> str:
    """The configured rate behind a path tag, as exact text for the sampler's command line.

    Tag ``1.0`` is always valid: the full-data reference samples at rates 1.0 / 1.0 whether
    or not a grid point does.
    """
    if tag == FULL_RATE_TAG:
        return repr(1.0)
    return repr(exp2_rate(config, tag, which))


def exp2_trained_as(config: Config, method: str, bonafide_rate: float, spoof_rate: float) -> str:
    """The method whose training runs stand for ``method`` at a grid point: itself, unless a
    method before it selects the same rows by construction.

    At rates (1.0, 1.0) ``nc`` keeps every sample of interest and ``random_interest`` draws
    them all too: the same rows, so one run per seed serves both (training reads a selection
    in cache order, so the two files' row orders do not matter). ``random_all`` at (1.0, 1.0)
    draws as many rows as there are samples of interest from the whole split, which is the
    full set only when every training row is a sample of interest; the config cannot know
    that, so it keeps its own runs.
    """
    shared = (bonafide_rate, spoof_rate) == (1.0, 1.0) and selection_method(
        method
    ).pool == "interest"
    return TREATMENT if shared and TREATMENT in config["experiment2"]["methods"] else method


def exp2_run_spec(config: Config, method: str, b: str, s: str, seed: int) -> RunSpec:
    """The spec of ``method`` at rate tags (b, s), repetition ``seed``: its own run's files, or
    those of the run it shares (key ``trained_as``, see :func:`exp2_trained_as`)."""
    rates = {
        "bonafide_rate": 1.0 if method == EXP2_FULL else exp2_rate(config, b, "bonafide"),
        "spoof_rate": 1.0 if method == EXP2_FULL else exp2_rate(config, s, "spoof"),
    }
    trained_as = method
    if method != EXP2_FULL:
        trained_as = exp2_trained_as(config, method, rates["bonafide_rate"], rates["spoof_rate"])
    setting = f"{trained_as}_b{b}_s{s}"
    run = f"exp2/{setting}/seed{seed}"
    spec: RunSpec = {
        "method": method,
        **rates,
        "seed": seed,
        "summary": f"results/sampling/exp2/{setting}/seed{seed}.json",
        "history": f"results/models/{run}/history.csv",
        "metrics": eval_set_metrics(config, run),
    }
    if trained_as != method:
        spec["trained_as"] = trained_as
    return spec


def exp2_runs(config: Config) -> tuple[list[RunSpec], list[RunSpec]]:
    """One spec per Experiment-2 table entry (JSON-ready), and the full-data reference's, one
    per seed: the tiny ResNet trained on every training row with the same seeds."""
    seeds = range(config["experiment2"]["seeds"])
    runs = [
        exp2_run_spec(config, method, b, s, seed)
        for method, b, s in exp2_settings(config)
        for seed in seeds
    ]
    tag = FULL_RATE_TAG
    references = [exp2_run_spec(config, EXP2_FULL, tag, tag, seed) for seed in seeds]
    return runs, references


def spec_files(spec: RunSpec) -> list[str]:
    """The files a run spec points at: sampling summary, training history, metrics."""
    return [spec["summary"], spec["history"], *spec["metrics"].values()]


def spec_json(spec: RunSpec) -> str:
    return json.dumps(spec, sort_keys=True)


def exp2_table_inputs(config: Config) -> dict[str, list[str]]:
    """The files of every run spec; a shared run's files appear once."""
    runs, references = exp2_runs(config)
    return {
        "runs": list(dict.fromkeys(f for spec in runs for f in spec_files(spec))),
        "reference": [f for spec in references for f in spec_files(spec)],
    }


def exp2_table_args(config: Config) -> list[str]:
    """``--run <spec JSON>`` per run, then ``--reference <spec JSON>`` per reference seed."""
    runs, references = exp2_runs(config)
    return [
        *repeat_option("--run", map(spec_json, runs)),
        *repeat_option("--reference", map(spec_json, references)),
    ]
