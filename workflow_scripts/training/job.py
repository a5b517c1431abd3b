"""One training job as the workflow runs it: checked inputs, resume, a test hook for kills.

The ``train`` command parses flags and calls :func:`run_training_job`; the
curve figure is drawn by the command (the reporting layer comes later).
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from workflow_scripts.io.files import parse_json_object
from workflow_scripts.training.loop import (
    SUMMARY_NAME,
    TrainParams,
    TrainResult,
    prepare_data,
    train,
    write_outputs,
)

#: Test hook: exit hard (os._exit) right after this epoch's resume checkpoint, to simulate a kill.
EXIT_AFTER_EPOCH_ENV = "NC_TRAIN_EXIT_AFTER_EPOCH"
#: Exit status of that simulated kill.
SIMULATED_KILL_STATUS = 75
#: Test hook: SIGKILL the job's whole process group (the Snakemake that started it included)
#: once every output exists, as a kill at that moment would: the outputs stay marked incomplete.
KILL_GROUP_AFTER_OUTPUTS_ENV = "NC_TRAIN_KILL_GROUP_AFTER_OUTPUTS"
#: Files a run writes into its output folder.
OUTPUT_NAMES: tuple[str, ...] = ("best.pt", "history.csv", SUMMARY_NAME, "curve.png")


def check_resume_path(resume_path: Path, out_dir: Path) -> None:
    """The resume checkpoint must not be one of the run's outputs (it is deleted at the end)."""
    if resume_path.resolve().parent == out_dir.resolve() and resume_path.name in OUTPUT_NAMES:
        raise ValueError(f"--resume-path {resume_path} would overwrite an output in {out_dir}")


def kill_hook_from_env() -> Callable[[dict[str, Any]], None] | None:
    """Epoch callback that simulates a kill after the epoch named by the environment (tests)."""
    target = os.environ.get(EXIT_AFTER_EPOCH_ENV)
    if not target:
        return None

    def hook(record: dict[str, Any]) -> None:
        if int(record["epoch"]) == int(target):
            sys.stderr.flush()
            os._exit(SIMULATED_KILL_STATUS)

    return hook


def kill_group_if_asked() -> None:
    """Apply the :data:`KILL_GROUP_AFTER_OUTPUTS_ENV` test hook, if set."""
    if os.environ.get(KILL_GROUP_AFTER_OUTPUTS_ENV):
        sys.stderr.flush()
        os.killpg(os.getpgrp(), signal.SIGKILL)


def run_training_job(
    model: str,
    model_kwargs_json: str,
    params: TrainParams,
    *,
    train_caches: Sequence[Path],
    train_selection: Path | None,
    val_caches: Sequence[Path] | None,
    val_selection: Path | None,
    val_fraction: float,
    out_dir: Path,
    resume_path: Path,
) -> TrainResult:
    """Train (resuming from ``resume_path`` when it matches) and write ``best.pt``,
    ``history.csv`` and ``training.json`` (the kept epoch and why the run stopped) into
    ``out_dir``. The caller removes the resume checkpoint
    (:func:`~workflow_scripts.training.loop.discard_resume`) once all its outputs exist.

    Bad input (flags, caches, selections, unknown model options) raises ValueError.
    """
    check_resume_path(resume_path, out_dir)
    kwargs = parse_json_object(model_kwargs_json, "--model-kwargs-json")
    data = prepare_data(
        train_caches,
        train_selection,
        val_caches,
        val_fraction,
        params.seed,
        val_selection=val_selection,
    )
    try:
        result = train(
            model, kwargs, data, params, resume_path, epoch_callback=kill_hook_from_env()
        )
    except TypeError as err:  # create_model: an option the model does not take
        raise ValueError(f"model {model!r}: {err}") from err
    write_outputs(result, out_dir)
    return result
