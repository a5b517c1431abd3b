"""Train a detector on log-mel caches (paper recipe: BCE, Adam, early stopping on validation loss).

Usage::

    python -m workflow_scripts.train --model tiny_resnet [--model-kwargs-json '{}']
        --train-caches A.h5 [B.h5 ...] [--train-selection sel.tsv]
        [--val-caches V.h5 ... [--val-selection val.tsv]] [--val-fraction 0.1]
        --max-epochs N --patience P --batch-size B --learning-rate LR --seed S
        [--device auto] [--threads T] [--max-memory-mb MB]
        --out-dir DIR --resume-path R.pt

Writes DIR/best.pt, DIR/history.csv and DIR/curve.png (each atomically).
R.pt holds the state after the last finished epoch: a rerun with the same
configuration continues from it; it is removed once the outputs exist.
See docs/training.md.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from workflow_scripts.training.data import DEFAULT_MAX_MEMORY_MB
from workflow_scripts.training.device import DEVICE_CHOICES
from workflow_scripts.training.loop import (
    VAL_LOSSES,
    TrainParams,
    discard_resume,
    prepare_data,
    train,
    write_outputs,
)

#: Test hook: exit hard (os._exit) right after this epoch's resume checkpoint, to simulate a killed job.
EXIT_AFTER_EPOCH_ENV = "NC_TRAIN_EXIT_AFTER_EPOCH"
#: Exit status of that simulated kill.
SIMULATED_KILL_STATUS = 75


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m workflow_scripts.train", description=__doc__.split("\n")[0])
    parser.add_argument("--model", required=True, help="registered model name (resnet, tiny_resnet, convnext)")
    parser.add_argument("--model-kwargs-json", default="{}", help="JSON object of model constructor overrides")
    parser.add_argument("--train-caches", nargs="+", required=True, type=Path, metavar="H5", help="training caches")
    parser.add_argument("--train-selection", type=Path, default=None,
                        help="TSV (dataset, split, utt_id) restricting the training rows")
    parser.add_argument("--val-caches", nargs="*", type=Path, default=None, metavar="H5",
                        help="validation caches (e.g. the dev split); default: hold out --val-fraction")
    parser.add_argument("--val-selection", type=Path, default=None,
                        help="TSV (dataset, split, utt_id) restricting the validation rows of --val-caches")
    parser.add_argument("--val-fraction", type=float, default=0.1,
                        help="stratified hold-out share when no --val-caches are given")
    parser.add_argument("--max-epochs", type=int, default=100)
    parser.add_argument("--patience", type=int, default=10, help="epochs without val-loss improvement before stopping")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--learning-rate", type=float, default=1e-3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--device", choices=DEVICE_CHOICES, default="auto")
    parser.add_argument("--threads", type=int, default=None, help="torch intra-op threads")
    parser.add_argument("--max-memory-mb", type=float, default=DEFAULT_MAX_MEMORY_MB,
                        help="load features into memory when they fit in this many MB (float16), else read per batch")
    parser.add_argument("--val-loss", choices=VAL_LOSSES, default="balanced",
                        help="early-stopping loss: class-balanced BCE (default) or plain mean BCE")
    parser.add_argument("--out-dir", type=Path, required=True)
    parser.add_argument("--resume-path", type=Path, required=True,
                        help="resume checkpoint (not a workflow output; survives a killed job)")
    return parser


def _model_kwargs(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as err:
        raise ValueError(f"--model-kwargs-json is not valid JSON: {err}") from None
    if not isinstance(value, dict):
        raise ValueError(f"--model-kwargs-json must be a JSON object, got {text!r}")
    return value


def _exit_hook() -> Any:
    """Callback that simulates a kill after the epoch named by the environment (tests of resume)."""
    target = os.environ.get(EXIT_AFTER_EPOCH_ENV)
    if not target:
        return None

    def hook(record: dict[str, Any]) -> None:
        if int(record["epoch"]) == int(target):
            sys.stderr.flush()
            os._exit(SIMULATED_KILL_STATUS)

    return hook


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        if args.resume_path.resolve().parent == args.out_dir.resolve() and args.resume_path.name in (
                "best.pt", "history.csv", "curve.png"):
            raise ValueError(f"--resume-path {args.resume_path} would overwrite an output in {args.out_dir}")
        params = TrainParams(
            max_epochs=args.max_epochs, patience=args.patience, batch_size=args.batch_size,
            learning_rate=args.learning_rate, seed=args.seed, device=args.device, threads=args.threads,
            max_memory_mb=args.max_memory_mb, val_loss=args.val_loss,
        )
        kwargs = _model_kwargs(args.model_kwargs_json)
        data = prepare_data(args.train_caches, args.train_selection, args.val_caches, args.val_fraction, args.seed,
                            val_selection=args.val_selection)
        result = train(args.model, kwargs, data, params, args.resume_path, epoch_callback=_exit_hook())
    except (ValueError, KeyError, FileNotFoundError, TypeError) as err:
        message = err.args[0] if isinstance(err, KeyError) and err.args else err
        print(f"train: error: {message}", file=sys.stderr)
        return 2
    from workflow_scripts.reporting.curves import plot_training_curves  # matplotlib only once training is done

    write_outputs(result, args.out_dir)
    plot_training_curves(result.history, args.out_dir / "curve.png", result.best_epoch,
                         title=f"{args.model} (best epoch {result.best_epoch})")
    discard_resume(args.resume_path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
