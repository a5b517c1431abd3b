"""Train a detector on log-mel caches (paper recipe: BCE, Adam, early stopping on validation loss).

Usage::

    python -m workflow_scripts.train --model tiny_resnet [--model-kwargs-json '{}']
        --train-caches A.h5 [B.h5 ...] [--train-selection sel.tsv]
        [--val-caches V.h5 ... [--val-selection val.tsv]] [--val-fraction 0.1]
        --max-epochs N --patience P --batch-size B --learning-rate LR --seed S
        [--device auto] [--threads T] [--max-memory-mb MB] [--attack-loss-weight W]
        --out-dir DIR --resume-path R.pt

Writes DIR/best.pt, DIR/history.csv, DIR/training.json (best epoch, epochs run, stop
reason, validation-loss kind) and DIR/curve.png (each atomically).
R.pt holds the state after the last finished epoch: a rerun with the same
configuration continues from it; it is removed once the outputs exist.
``--attack-loss-weight W`` > 0 adds an attack-id head (loss BCE + W * CE; docs/models.md).
See docs/training.md.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from workflow_scripts.cli import command, new_parser
from workflow_scripts.training.data import DEFAULT_MAX_MEMORY_MB
from workflow_scripts.training.device import DEVICE_CHOICES
from workflow_scripts.training.job import (  # noqa: F401 (the kill hook's names, for tests)
    EXIT_AFTER_EPOCH_ENV,
    KILL_GROUP_AFTER_OUTPUTS_ENV,
    SIMULATED_KILL_STATUS,
    kill_group_if_asked,
    run_training_job,
)
from workflow_scripts.training.loop import VAL_LOSSES, TrainParams, discard_resume


def build_parser() -> argparse.ArgumentParser:
    parser = new_parser(__file__, __doc__)
    add = parser.add_argument
    add("--model", required=True, help="registered model name (resnet, tiny_resnet, convnext)")
    add("--model-kwargs-json", default="{}", help="JSON object of model constructor overrides")
    add("--train-caches", nargs="+", required=True, type=Path, metavar="H5", help="training caches")
    add("--train-selection", type=Path, help="TSV (dataset, split, utt_id) of the training rows")
    add("--val-caches", nargs="*", type=Path, metavar="H5",
        help="validation caches (e.g. the dev split); default: hold out --val-fraction")
    add("--val-selection", type=Path, help="TSV restricting the validation rows of --val-caches")
    add("--val-fraction", type=float, default=0.1,
        help="stratified hold-out share when no --val-caches are given")
    add("--max-epochs", type=int, default=100)
    add("--patience", type=int, default=10,
        help="epochs without val-loss improvement before stopping")
    add("--batch-size", type=int, default=64)
    add("--learning-rate", type=float, default=1e-3)
    add("--seed", type=int, default=0)
    add("--device", choices=DEVICE_CHOICES, default="auto")
    add("--threads", type=int, default=None, help="torch intra-op threads")
    add("--max-memory-mb", type=float, default=DEFAULT_MAX_MEMORY_MB,
        help="load features into memory when they fit in this many MB (float16)")
    add("--val-loss", choices=VAL_LOSSES, default="balanced",
        help="early-stopping loss: class-balanced BCE (default) or plain mean BCE")
    add("--attack-loss-weight", type=float, default=0.0,
        help="weight of an attack-id cross-entropy head (0: binary detector only)")
    add("--out-dir", type=Path, required=True)
    add("--resume-path", type=Path, required=True,
        help="resume checkpoint (not a workflow output; survives a killed job)")
    return parser


def run(args: argparse.Namespace) -> None:
    params = TrainParams(
        max_epochs=args.max_epochs, patience=args.patience, batch_size=args.batch_size,
        learning_rate=args.learning_rate, seed=args.seed, device=args.device,
        threads=args.threads, max_memory_mb=args.max_memory_mb, val_loss=args.val_loss,
        attack_weight=args.attack_loss_weight,
    )
    result = run_training_job(
        args.model, args.model_kwargs_json, params,
        train_caches=args.train_caches, train_selection=args.train_selection,
        val_caches=args.val_caches, val_selection=args.val_selection,
        val_fraction=args.val_fraction, out_dir=args.out_dir, resume_path=args.resume_path,
    )
    from workflow_scripts.reporting.curves import plot_training_curves  # matplotlib after training

    plot_training_curves(result.history, args.out_dir / "curve.png", result.best_epoch,
                         title=f"{args.model} (best epoch {result.best_epoch})")
    kill_group_if_asked()
    discard_resume(args.resume_path)


main = command(build_parser, run)

if __name__ == "__main__":
    raise SystemExit(main())
