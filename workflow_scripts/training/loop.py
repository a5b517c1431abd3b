"""The training loop of the paper (section 3.2.2) with exact resume.

BCE-with-logits (label 1 = bonafide), Adam, early stopping on validation
loss, best-validation checkpoint kept. After every epoch the full run state
goes to a resume checkpoint (outside the workflow's outputs); a restarted run
with the same config continues from it and, on the CPU, ends with the same
weights and history as a run that was never interrupted. With
``attack_weight`` > 0 the model also has an attack-id head trained with
cross-entropy (loss = BCE + weight * CE; validation and early stopping stay
on the binary loss).
"""

from __future__ import annotations

import copy
import logging
import math
import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch
from tqdm import tqdm

from workflow_scripts.io.files import atomic_path, write_json
from workflow_scripts.metrics.eer import eer_roc
from workflow_scripts.training.checkpoint import (
    build_model,
    load_checkpoint,
    save_checkpoint,
    to_cpu,
    version_info,
)
from workflow_scripts.training.data import (
    DEFAULT_MAX_MEMORY_MB,
    FeatureSource,
    RowIndex,
    attack_classes,
    attack_targets,
    batch_positions,
    device_batches,
    epoch_order,
    feature_bytes,
    index_caches,
    open_features,
    read_selection,
    shared_rows,
    stratified_holdout,
)
from workflow_scripts.training.device import (
    configure_threads,
    resolve_device,
    seed_everything,
    uses_mixed_precision,
)
from workflow_scripts.training.inference import check_front_end, predict_rows, progress_enabled

log = logging.getLogger(__name__)

#: Columns of history.csv, in order.
VAL_LOSSES: tuple[str, ...] = ("balanced", "plain")
HISTORY_COLUMNS: tuple[str, ...] = ("epoch", "train_loss", "val_loss", "val_eer", "seconds", "lr")

#: Config entries that may change between a killed run and its resumption.
_RESUME_FREE_TRAINING_KEYS: frozenset[str] = frozenset({"max_epochs"})

#: File name of the run summary written beside ``best.pt`` (:func:`run_summary`).
SUMMARY_NAME = "training.json"
#: Why a run stopped: no lower validation loss for ``patience`` epochs, or the epoch limit.
STOP_REASONS: tuple[str, ...] = ("patience", "max_epochs")


@dataclass(frozen=True)
class TrainParams:
    """Recipe parameters (defaults: the paper's Adam 1e-3, 100 epochs, patience 10)."""

    max_epochs: int = 100
    patience: int = 10
    batch_size: int = 64
    learning_rate: float = 1e-3
    seed: int = 0
    device: str = "auto"
    threads: int | None = None
    max_memory_mb: float = DEFAULT_MAX_MEMORY_MB
    #: Early-stopping criterion: "balanced" = mean of the per-class mean BCE (independent of the
    #: validation set's class ratio), "plain" = mean BCE over all validation rows.
    val_loss: str = "balanced"
    #: Weight of the attack-id cross-entropy next to the BCE; 0 = the plain binary detector.
    attack_weight: float = 0.0

    def __post_init__(self) -> None:
        if self.val_loss not in VAL_LOSSES:
            raise ValueError(f"val_loss must be one of {VAL_LOSSES}, got {self.val_loss!r}")
        if self.max_epochs < 1:
            raise ValueError(f"max_epochs must be >= 1, got {self.max_epochs}")
        if self.patience < 1:
            raise ValueError(f"patience must be >= 1, got {self.patience}")
        if self.batch_size < 2:
            raise ValueError(f"batch_size must be >= 2 (batch norm), got {self.batch_size}")
        if not (self.learning_rate > 0 and math.isfinite(self.learning_rate)):
            raise ValueError(f"learning_rate must be a positive number, got {self.learning_rate}")
        if not (math.isfinite(self.attack_weight) and self.attack_weight >= 0):
            raise ValueError(
                f"attack_weight must be a finite number >= 0, got {self.attack_weight}"
            )


@dataclass(frozen=True)
class DataSplit:
    """The rows a run trains and validates on, and how validation was chosen."""

    train: RowIndex
    val: RowIndex
    validation: str  # "caches", "selection" (selected rows of the caches) or "holdout:<fraction>"


@dataclass
class TrainResult:
    """What :func:`train` produced."""

    best: dict[str, Any]
    history: pd.DataFrame
    best_epoch: int
    stopped_early: bool
    resumed_from_epoch: int
    #: Training and validation rows per class (``RowIndex.class_counts``).
    class_counts: dict[str, dict[str, int]] | None = None


def prepare_data(
    train_caches: Sequence[str | os.PathLike[str]],
    train_selection: str | os.PathLike[str] | None = None,
    val_caches: Sequence[str | os.PathLike[str]] | None = None,
    val_fraction: float = 0.1,
    seed: int = 0,
    val_selection: str | os.PathLike[str] | None = None,
) -> DataSplit:
    """Resolve training and validation rows.

    With ``val_caches`` (e.g. the ASVspoof dev split) those are the validation
    set, restricted to the rows of ``val_selection`` when given (Experiments
    3 and 4: dev rows de-duplicated against the training pool); otherwise a
    seeded stratified ``val_fraction`` of the training selection is held out.
    Evaluation caches are refused for validation, since early stopping on
    them would select on the test set, and a row that is both a training and
    a validation row is an error.
    """
    selection = read_selection(train_selection) if train_selection is not None else None
    rows = index_caches(
        train_caches, selection, selection_name=str(train_selection or "selection table")
    )
    if val_selection is not None and not val_caches:
        raise ValueError(
            f"a validation selection ({val_selection}) needs the validation caches it selects from"
        )
    if val_caches:
        chosen = read_selection(val_selection) if val_selection is not None else None
        val = index_caches(
            val_caches, chosen, selection_name=str(val_selection or "validation selection")
        )
        eval_caches = [d["path"] for d in val.describe() if d["split"] == "eval"]
        if eval_caches:
            raise ValueError(
                f"validation cache(s) {eval_caches} are evaluation splits; "
                "never select on an evaluation set"
            )
        _check_val_front_end(rows, val)
        both = shared_rows(rows, val)
        if both:
            raise ValueError(
                f"{len(both)} row(s) are both training and validation rows, e.g. {both[0]}; "
                "validate on rows the model does not train on"
            )
        split = DataSplit(
            train=rows, val=val, validation="caches" if chosen is None else "selection"
        )
    else:
        train_pos, val_pos = stratified_holdout(rows.label, val_fraction, seed)
        split = DataSplit(
            train=rows.subset(train_pos),
            val=rows.subset(val_pos),
            validation=f"holdout:{val_fraction:g}",
        )
    for name, part in (("training", split.train), ("validation", split.val)):
        counts = part.class_counts()
        if min(counts.values()) == 0:
            raise ValueError(
                f"{name} set has {counts['bonafide']} bonafide and {counts['spoof']} spoof rows; "
                "both classes are needed (validation EER and a meaningful loss)"
            )
    return split


def _check_val_front_end(train: RowIndex, val: RowIndex) -> None:
    check_front_end(
        train.feature_attrs, val, "validation caches " + ", ".join(str(p) for p in val.cache_paths)
    )


def run_config(
    model_name: str, model_kwargs: Mapping[str, Any], params: TrainParams, data: DataSplit
) -> dict[str, Any]:
    """The checkpoint ``config``: enough to rebuild the model and to recognise the same run on
    resume.

    With ``params.attack_weight`` > 0 the attack classes of the training rows
    (:func:`~workflow_scripts.training.data.attack_classes`) give the model kwarg
    ``num_attack_classes`` and go to ``config["attack_head"]`` with the weight.
    """
    kwargs = copy.deepcopy(dict(model_kwargs))
    if "num_attack_classes" in kwargs:
        raise ValueError(
            "num_attack_classes is set from the training rows' attack ids when the attack loss "
            "weight is > 0; do not pass it as a model option"
        )
    attack_head: dict[str, Any] | None = None
    if params.attack_weight > 0:
        classes = attack_classes(data.train)
        kwargs["num_attack_classes"] = len(classes)
        attack_head = {"weight": float(params.attack_weight), "classes": classes}
    config = {
        "model": {"name": model_name, "kwargs": kwargs},
        "training": {
            "max_epochs": params.max_epochs,
            "patience": params.patience,
            "batch_size": params.batch_size,
            "learning_rate": float(params.learning_rate),
            "seed": params.seed,
            "optimizer": "adam",
            "loss": "bce_with_logits" if attack_head is None else "bce_with_logits+attack_ce",
            "val_loss": params.val_loss,
            "validation": data.validation,
        },
        "features": dict(data.train.feature_attrs),
        "data": {
            "train": data.train.describe(),
            "val": data.val.describe(),
            "train_fingerprint": data.train.fingerprint(),
            "val_fingerprint": data.val.fingerprint(),
        },
    }
    if attack_head is not None:
        config["attack_head"] = attack_head
    return config


def resume_key(config: Mapping[str, Any]) -> dict[str, Any]:
    """The parts of a config that must match for a resume (not cache paths or max_epochs)."""
    key = copy.deepcopy(dict(config))
    key["training"] = {
        k: v for k, v in key["training"].items() if k not in _RESUME_FREE_TRAINING_KEYS
    }
    key["data"] = {
        name: (
            [{k: v for k, v in d.items() if k != "path"} for d in value]
            if isinstance(value, list)
            else value
        )
        for name, value in key["data"].items()
    }
    return key


def _rng_state(device: torch.device) -> dict[str, Any]:
    state: dict[str, Any] = {"torch": torch.get_rng_state()}
    if device.type == "cuda":
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def _set_rng_state(state: Mapping[str, Any], device: torch.device) -> None:
    torch.set_rng_state(state["torch"])
    if (
        device.type == "cuda"
        and "cuda" in state
        and len(state["cuda"]) == torch.cuda.device_count()
    ):
        torch.cuda.set_rng_state_all(state["cuda"])


def _try_resume(path: Path, config: Mapping[str, Any]) -> dict[str, Any] | None:
    """Load the resume checkpoint at ``path`` if it belongs to this run, else ``None`` (with a
    log line)."""
    if not path.is_file():
        return None
    try:
        checkpoint = load_checkpoint(path)
    except ValueError as err:
        log.warning("ignoring unreadable resume checkpoint %s: %s", path, err)
        return None
    if checkpoint.get("kind") != "resume" or resume_key(checkpoint["config"]) != resume_key(config):
        log.warning("resume checkpoint %s is from a different configuration; starting afresh", path)
        return None
    return checkpoint


def run_train_epoch(
    model: torch.nn.Module,
    source: FeatureSource,
    rows: RowIndex,
    batches: list[np.ndarray],
    optimizer: torch.optim.Optimizer,
    scaler: torch.amp.GradScaler,
    device: torch.device,
    epoch: int,
    attack_targets: np.ndarray | None = None,
    attack_weight: float = 0.0,
) -> float:
    """One optimisation pass over ``batches`` (positions into ``rows``); returns the mean
    per-sample loss.

    With ``attack_targets`` (the attack class of every row of ``rows``) and ``attack_weight``
    > 0 the loss is ``BCE + attack_weight * CE`` of the model's two heads (one backbone
    pass, :meth:`~workflow_scripts.models.SpectrogramDetector.forward_heads`).
    """
    model.train()
    amp = uses_mixed_precision(device)
    criterion = torch.nn.BCEWithLogitsLoss(reduction="sum")
    with_attacks = attack_targets is not None and attack_weight > 0
    attack_criterion = torch.nn.CrossEntropyLoss(reduction="sum")
    targets = torch.from_numpy(attack_targets) if with_attacks else None
    total = torch.zeros((), dtype=torch.float64, device=device)
    n_seen = 0
    stream = device_batches(source, rows, batches, device)
    for positions, x, y in tqdm(
        stream,
        total=len(batches),
        desc=f"epoch {epoch}",
        unit="batch",
        leave=False,
        disable=not progress_enabled(),
    ):
        optimizer.zero_grad(set_to_none=True)
        if targets is None:
            with torch.autocast(device.type, dtype=torch.float16, enabled=amp):
                logits = model(x)
            loss_sum = criterion(logits.float(), y)
        else:
            with torch.autocast(device.type, dtype=torch.float16, enabled=amp):
                logits, attack_logits = model.forward_heads(model.forward_features(x))
            batch_targets = targets[torch.from_numpy(positions)].to(device, non_blocking=True)
            loss_sum = criterion(logits.float(), y) + attack_weight * attack_criterion(
                attack_logits.float(), batch_targets
            )
        scaler.scale(loss_sum / positions.shape[0]).backward()
        scaler.step(optimizer)
        scaler.update()
        total += loss_sum.detach().double()
        n_seen += int(positions.shape[0])
    mean = float(total.item()) / max(n_seen, 1)
    if not math.isfinite(mean):
        raise FloatingPointError(
            f"training loss became non-finite in epoch {epoch}; lower the learning rate"
        )
    return mean


def validation_loss(logits: np.ndarray, labels: np.ndarray, kind: str = "balanced") -> float:
    """BCE of validation logits; ``balanced`` averages the two classes' mean losses.

    The balanced form does not depend on the validation set's class ratio: a
    model trained on a balanced sample (Experiments 2-4) but validated on a
    1:9 dev split would otherwise see its plain loss rise while it learns to
    separate the classes, and early stopping would keep an untrained model.
    """
    per_row = torch.nn.functional.binary_cross_entropy_with_logits(
        torch.from_numpy(np.asarray(logits, dtype=np.float32)),
        torch.from_numpy(np.asarray(labels, dtype=np.float32)),
        reduction="none",
    ).numpy()
    if kind == "plain":
        return float(per_row.mean())
    return float(np.mean([per_row[labels == c].mean() for c in (0, 1) if (labels == c).any()]))


def _validate(
    model: torch.nn.Module,
    source: FeatureSource,
    rows: RowIndex,
    batch_size: int,
    device: torch.device,
    kind: str = "balanced",
) -> tuple[float, float]:
    """(validation BCE, EER-ROC) on the validation rows."""
    logits, _ = predict_rows(model, source, rows, device, batch_size, desc="validate")
    loss = validation_loss(logits, rows.label, kind)
    return loss, float(eer_roc(logits.astype(np.float64), rows.label))


def train(
    model_name: str,
    model_kwargs: Mapping[str, Any],
    data: DataSplit,
    params: TrainParams,
    resume_path: str | os.PathLike[str],
    epoch_callback: Callable[[dict[str, Any]], None] | None = None,
) -> TrainResult:
    """Train with early stopping, writing the resume checkpoint after every epoch.

    If ``resume_path`` holds the state of an interrupted run with the same
    config, training continues after its last epoch (a finished run returns
    at once). ``epoch_callback`` gets each epoch's history row after the
    resume checkpoint has been written. Returns the best checkpoint (a plain
    dict: see :mod:`workflow_scripts.training.checkpoint`) and the history.
    """
    deterministic = torch.are_deterministic_algorithms_enabled()
    fill = torch.utils.deterministic.fill_uninitialized_memory
    try:
        return _train(model_name, model_kwargs, data, params, Path(resume_path), epoch_callback)
    finally:  # seed_everything switches them; leave the caller's process as it was
        torch.use_deterministic_algorithms(deterministic)
        torch.utils.deterministic.fill_uninitialized_memory = fill


@dataclass
class _Run:
    """What one training run holds between its steps: the built model and its optimiser."""

    config: dict[str, Any]
    device: torch.device
    amp: bool
    model: torch.nn.Module
    optimizer: torch.optim.Optimizer
    scaler: torch.amp.GradScaler


def _set_up(
    model_name: str, model_kwargs: Mapping[str, Any], data: DataSplit, params: TrainParams
) -> _Run:
    """Threads, device, seeds, then model, optimiser and scaler, in that order (the order
    of the random draws is part of the result)."""
    configure_threads(params.threads)
    device = resolve_device(params.device)
    amp = uses_mixed_precision(device)
    config = run_config(model_name, model_kwargs, params, data)
    config["runtime"] = {"device": str(device), "mixed_precision": amp}
    seed_everything(params.seed, device)
    model = build_model(config).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=params.learning_rate)
    scaler = torch.amp.GradScaler(device.type, enabled=amp)
    return _Run(config, device, amp, model, optimizer, scaler)


def _initial_state(run: _Run, resume_path: Path) -> dict[str, Any]:
    """A fresh run's state, or the state of the interrupted run at ``resume_path`` (model,
    optimiser, scaler and random generators restored with it)."""
    state: dict[str, Any] = {
        "epoch": 0,
        "history": [],
        "best_epoch": 0,
        "best_val_loss": math.inf,
        "epochs_without_improvement": 0,
        "best": None,
        "finished": False,
    }
    resumed = _try_resume(resume_path, run.config)
    if resumed is not None:
        run.model.load_state_dict(resumed["model"])
        run.optimizer.load_state_dict(resumed["optimizer"])
        run.scaler.load_state_dict(resumed["scaler"])
        _set_rng_state(resumed["rng"], run.device)
        for key in state:
            state[key] = resumed[key]
        log.info("resuming from %s after epoch %d", resume_path, state["epoch"])
    return state


def _stopping_rule_met(state: Mapping[str, Any], params: TrainParams) -> bool:
    """Re-evaluated rather than read from ``finished``, so a raised max_epochs continues."""
    return (
        state["epoch"] >= params.max_epochs
        or state["epochs_without_improvement"] >= params.patience
    )


def _open_sources(
    run: _Run, model_name: str, data: DataSplit, params: TrainParams
) -> tuple[FeatureSource, FeatureSource]:
    """Training and validation features, in memory while both fit ``max_memory_mb``."""
    train_source = open_features(data.train, params.max_memory_mb, run.device)
    used_mb = feature_bytes(data.train) / 2**20 if train_source.in_memory else 0.0
    val_source = open_features(data.val, params.max_memory_mb - used_mb, run.device)
    log.info(
        "training %s on %d rows (%s), validating on %d rows (%s), device %s%s, features %s",
        model_name,
        len(data.train),
        data.train.class_counts(),
        len(data.val),
        data.val.class_counts(),
        run.device,
        " (mixed precision)" if run.amp else "",
        "in memory" if train_source.in_memory else "read per batch",
    )
    attack_head = run.config.get("attack_head")
    if attack_head:
        log.info(
            "attack head: %d classes %s, loss BCE + %g * CE",
            len(attack_head["classes"]),
            attack_head["classes"],
            attack_head["weight"],
        )
    return train_source, val_source


def _epoch(
    run: _Run,
    sources: tuple[FeatureSource, FeatureSource],
    data: DataSplit,
    params: TrainParams,
    epoch: int,
    targets: Any,
) -> dict[str, Any]:
    """One epoch of training and its validation: the epoch's history row."""
    started = time.perf_counter()
    batches = batch_positions(epoch_order(len(data.train), params.seed, epoch), params.batch_size)
    train_loss = run_train_epoch(
        run.model,
        sources[0],
        data.train,
        batches,
        run.optimizer,
        run.scaler,
        run.device,
        epoch,
        attack_targets=targets,
        attack_weight=params.attack_weight,
    )
    val_loss, val_eer = _validate(
        run.model, sources[1], data.val, params.batch_size, run.device, params.val_loss
    )
    if not math.isfinite(val_loss):
        raise FloatingPointError(f"validation loss became non-finite in epoch {epoch}")
    return {
        "epoch": epoch,
        "train_loss": train_loss,
        "val_loss": val_loss,
        "val_eer": val_eer,
        "seconds": round(time.perf_counter() - started, 3),
        "lr": float(run.optimizer.param_groups[0]["lr"]),
    }


def _early_stopping(
    state: dict[str, Any], run: _Run, record: Mapping[str, Any], params: TrainParams
) -> bool:
    """Record the epoch in ``state``, keep it as best when its validation loss improves, and
    say whether training is done (patience spent, or the last epoch)."""
    epoch, val_loss = record["epoch"], record["val_loss"]
    state["history"].append(dict(record))
    state["epoch"] = epoch
    if val_loss < state["best_val_loss"]:
        state.update(best_val_loss=val_loss, best_epoch=epoch, epochs_without_improvement=0)
        state["best"] = {
            "epoch": epoch,
            "model": to_cpu(run.model.state_dict()),
            "optimizer": to_cpu(run.optimizer.state_dict()),
            "metric": {"val_loss": val_loss, "val_eer": record["val_eer"]},
        }
    else:
        state["epochs_without_improvement"] += 1
    stop_early = state["epochs_without_improvement"] >= params.patience
    state["finished"] = stop_early or epoch >= params.max_epochs
    return bool(state["finished"])


def _best_checkpoint(state: Mapping[str, Any], config: Mapping[str, Any]) -> dict[str, Any]:
    """The best epoch's checkpoint, a plain dict (``training.checkpoint``)."""
    return {
        "kind": "best",
        "epoch": state["best"]["epoch"],
        "model": state["best"]["model"],
        "optimizer": state["best"]["optimizer"],
        "config": config,
        "metric": state["best"]["metric"],
        "version": version_info(),
        "history": list(state["history"]),
        "best_epoch": state["best_epoch"],
    }


def _train(
    model_name: str,
    model_kwargs: Mapping[str, Any],
    data: DataSplit,
    params: TrainParams,
    resume_path: Path,
    epoch_callback: Callable[[dict[str, Any]], None] | None,
) -> TrainResult:
    """Body of :func:`train`: set-up, resume, the epoch loop with validation and early
    stopping (a resume checkpoint after every epoch), then the best checkpoint."""
    run = _set_up(model_name, model_kwargs, data, params)
    state = _initial_state(run, resume_path)
    resumed_from = int(state["epoch"])
    # The stopping rule may be met already (a finished run, or max_epochs lowered).
    done = _stopping_rule_met(state, params)

    attack_head = run.config.get("attack_head")
    targets = attack_targets(data.train, attack_head["classes"]) if attack_head else None
    sources: tuple[FeatureSource, FeatureSource] | None = None
    try:
        if not done:
            sources = _open_sources(run, model_name, data, params)
        epochs = range(state["epoch"] + 1, params.max_epochs + 1)
        bar = tqdm(epochs, desc="epochs", unit="epoch", disable=done or not progress_enabled())
        for epoch in bar:
            if done:
                break
            assert sources is not None
            record = _epoch(run, sources, data, params, epoch, targets)
            done = _early_stopping(state, run, record, params)
            save_checkpoint(
                _resume_checkpoint(
                    state, run.model, run.optimizer, run.scaler, run.config, run.device
                ),
                resume_path,
            )
            log.info(
                "epoch %d/%d train_loss %.4f val_loss %.4f val_eer %.4f (%.1f s)%s",
                epoch,
                params.max_epochs,
                record["train_loss"],
                record["val_loss"],
                record["val_eer"],
                record["seconds"],
                " *best*" if state["best_epoch"] == epoch else "",
            )
            bar.set_postfix(val_loss=f"{record['val_loss']:.4f}", best=state["best_epoch"])
            if epoch_callback is not None:
                epoch_callback(dict(record))
        bar.close()
    finally:
        for source in sources or ():
            source.close()

    if state["best"] is None:
        raise RuntimeError(
            f"no epoch was trained (resume checkpoint {resume_path}, "
            f"max_epochs {params.max_epochs})"
        )
    best = _best_checkpoint(state, run.config)
    stopped_early = (
        state["epochs_without_improvement"] >= params.patience
        and state["epoch"] < params.max_epochs
    )
    if stopped_early:
        log.info(
            "early stop after epoch %d: no val-loss improvement for %d epochs",
            state["epoch"],
            params.patience,
        )
    log.info(
        "best epoch %d: val_loss %.4f val_eer %.4f",
        best["epoch"],
        best["metric"]["val_loss"],
        best["metric"]["val_eer"],
    )
    return TrainResult(
        best=best,
        history=history_frame(state["history"]),
        best_epoch=int(state["best_epoch"]),
        stopped_early=stopped_early,
        resumed_from_epoch=resumed_from,
        class_counts={"train": data.train.class_counts(), "val": data.val.class_counts()},
    )


def _resume_checkpoint(
    state: Mapping[str, Any],
    model: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    scaler: torch.amp.GradScaler,
    config: Mapping[str, Any],
    device: torch.device,
) -> dict[str, Any]:
    """Everything an exact resume needs, as a plain dict."""
    last = state["history"][-1]
    return {
        "kind": "resume",
        "epoch": state["epoch"],
        "model": to_cpu(model.state_dict()),
        "optimizer": to_cpu(optimizer.state_dict()),
        "config": dict(config),
        "metric": {"val_loss": last["val_loss"], "val_eer": last["val_eer"]},
        "version": version_info(),
        "history": list(state["history"]),
        "rng": _rng_state(device),
        "scaler": scaler.state_dict(),
        "best_epoch": state["best_epoch"],
        "best_val_loss": state["best_val_loss"],
        "epochs_without_improvement": state["epochs_without_improvement"],
        "best": state["best"],
        "finished": state["finished"],
    }


def history_frame(history: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """History rows as a table with :data:`HISTORY_COLUMNS`."""
    return pd.DataFrame(
        [{k: row[k] for k in HISTORY_COLUMNS} for row in history], columns=list(HISTORY_COLUMNS)
    )


def run_summary(result: TrainResult) -> dict[str, Any]:
    """Which epoch the run kept, of how many it ran, and why it stopped, as plain JSON.

    The result tables read this instead of the checkpoint, so reporting needs no torch: a
    run that kept epoch 1 or 2 (with ``val_loss: plain`` on a validation split whose class
    ratio differs from the training sample's, an almost untrained model) is named under
    every table it feeds (docs/training.md).
    """
    training = result.best["config"]["training"]
    metric = result.best["metric"]
    summary: dict[str, Any] = {
        "model": result.best["config"]["model"]["name"],
        "seed": int(training["seed"]),
        "best_epoch": int(result.best_epoch),
        "epochs_run": len(result.history),
        "max_epochs": int(training["max_epochs"]),
        "patience": int(training["patience"]),
        "stop_reason": STOP_REASONS[0] if result.stopped_early else STOP_REASONS[1],
        "val_loss": str(training["val_loss"]),
        "validation": str(training["validation"]),
        "best_val_loss": float(metric["val_loss"]),
        "best_val_eer": float(metric["val_eer"]),
    }
    if result.class_counts is not None:
        summary["train_rows"] = dict(result.class_counts["train"])
        summary["val_rows"] = dict(result.class_counts["val"])
    return summary


def write_outputs(result: TrainResult, out_dir: str | os.PathLike[str]) -> dict[str, Path]:
    """Write ``best.pt``, ``history.csv`` and ``training.json`` (:func:`run_summary`) into
    ``out_dir`` (each atomically); returns their paths."""
    out = Path(out_dir)
    paths = {"best": out / "best.pt", "history": out / "history.csv", "summary": out / SUMMARY_NAME}
    save_checkpoint(result.best, paths["best"])
    with atomic_path(paths["history"]) as tmp:
        result.history.to_csv(tmp, index=False)
    write_json(run_summary(result), paths["summary"])
    return paths


def discard_resume(resume_path: str | os.PathLike[str]) -> None:
    """Remove the resume checkpoint once the final outputs exist (a later run then starts
    afresh)."""
    Path(resume_path).unlink(missing_ok=True)


__all__ = [
    "HISTORY_COLUMNS",
    "STOP_REASONS",
    "SUMMARY_NAME",
    "DataSplit",
    "TrainParams",
    "TrainResult",
    "discard_resume",
    "history_frame",
    "prepare_data",
    "resume_key",
    "run_train_epoch",
    "run_config",
    "run_summary",
    "train",
    "write_outputs",
]
