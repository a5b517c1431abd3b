"""Batched scoring with a trained detector: cache rows or audio files -> logits (and embeddings).

The score is the raw logit for class bonafide (higher = more bonafide), so a
decision threshold of 0 corresponds to probability 0.5.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch
from tqdm import tqdm

from workflow_scripts.features.audio import AudioError, check_audio, fix_length, load_audio
from workflow_scripts.features.logmel import FeatureParams, LogMelExtractor
from workflow_scripts.io.hdf5 import plain
from workflow_scripts.metrics.eer import eer_det
from workflow_scripts.training.checkpoint import load_model
from workflow_scripts.training.data import (
    FRONT_END_ATTRS,
    CacheFeatures,
    FeatureSource,
    RowIndex,
    batch_positions,
    device_batches,
    index_caches,
    read_selection,
)
from workflow_scripts.training.device import (
    DEVICE_CHOICES,
    configure_threads,
    resolve_device,
    uses_mixed_precision,
)

#: Logit at or above which a row counts as predicted bonafide (probability 0.5).
DECISION_THRESHOLD: float = 0.0

log = logging.getLogger("workflow_scripts.training.inference")


def progress_enabled() -> bool:
    """Progress bars only on an interactive stderr, so log files stay clean."""
    return sys.stderr.isatty()


@torch.inference_mode()
def forward_batch(
    model: torch.nn.Module,
    features: torch.Tensor,
    device: torch.device,
    with_embeddings: bool = False,
    stage: int | None = None,
) -> tuple[torch.Tensor, torch.Tensor | None]:
    """Logits (and penultimate embeddings) of one ``(B, n_mels, n_frames)`` (or
    ``(B, 1, n_mels, n_frames)``) batch, as float32 on the CPU.

    One backbone pass gives both outputs via ``forward_features`` and
    ``forward_head``; with ``stage`` the embeddings are the pooled output of that
    (1-based) stage instead (``features_and_stage``), the logits still the full model's.
    Float16 autocast is used on CUDA. Inference mode (no autograd bookkeeping at all)
    gives the same numbers as ``no_grad``, a little faster.
    """
    x = features.to(device, non_blocking=True)
    if x.dim() == 3:
        x = x.unsqueeze(1)
    with torch.autocast(device.type, dtype=torch.float16, enabled=uses_mixed_precision(device)):
        embedding = None
        if with_embeddings and stage is not None:
            feats, embedding = model.features_and_stage(x, stage)
        else:
            feats = model.forward_features(x)
        logits = model.forward_head(feats)
        if with_embeddings and stage is None:
            embedding = model.forward_head(feats, pre_logits=True)
    return logits.float().cpu(), (embedding.float().cpu() if embedding is not None else None)


def predict_rows(
    model: torch.nn.Module,
    source: FeatureSource,
    rows: RowIndex,
    device: torch.device,
    batch_size: int = 128,
    with_embeddings: bool = False,
    desc: str = "score",
    stage: int | None = None,
) -> tuple[np.ndarray, np.ndarray | None]:
    """Logits (float32, row order) and optionally embeddings ``(N, num_features)`` for every row
    (with ``stage``: the pooled stage output, ``(N, widths[stage - 1])``).

    Puts the model in eval mode (no dropout, running batch-norm statistics).
    """
    model.eval()
    logits: list[torch.Tensor] = []
    embeddings: list[torch.Tensor] = []
    batches = batch_positions(np.arange(len(rows)), batch_size)
    stream = device_batches(source, rows, batches, device)
    for _, x, _ in tqdm(
        stream,
        total=len(batches),
        desc=desc,
        unit="batch",
        leave=False,
        disable=not progress_enabled(),
    ):
        out, emb = forward_batch(model, x, device, with_embeddings, stage)
        logits.append(out)
        if emb is not None:
            embeddings.append(emb)
    width = int(model.widths[stage - 1] if stage else getattr(model, "num_features", 0))
    scores = torch.cat(logits).numpy() if logits else np.zeros(0, dtype=np.float32)
    if not np.isfinite(scores).all():
        raise FloatingPointError(
            f"model produced non-finite scores for {int((~np.isfinite(scores)).sum())} rows"
        )
    if not with_embeddings:
        return scores, None
    emb_all = (
        torch.cat(embeddings).numpy() if embeddings else np.zeros((0, width), dtype=np.float32)
    )
    return scores, emb_all


def check_front_end(expected: Mapping[str, Any], rows: RowIndex, what: str) -> None:
    """Refuse to score caches built with a front end other than the one the model was trained on."""
    for key in FRONT_END_ATTRS:
        a, b = plain(expected.get(key)), plain(rows.feature_attrs.get(key))
        if a is not None and b is not None and a != b:
            raise ValueError(f"{what} has {key}={b!r} but the model was trained on {key}={a!r}")
    if "n_mels" in expected and "n_frames" in expected:
        trained = (int(expected["n_mels"]), int(expected["n_frames"]))
        if trained != rows.shape:
            raise ValueError(
                f"{what} holds {rows.shape} features but the model was trained on {trained}"
            )


@dataclass(frozen=True)
class ScoredRows:
    """Scores (logits) of cache rows, plus embeddings when asked for."""

    rows: RowIndex
    score: np.ndarray
    embedding: np.ndarray | None

    @property
    def predicted_bonafide(self) -> np.ndarray:
        """Decision at logit > 0 (probability > 0.5)."""
        return self.score > DECISION_THRESHOLD

    @property
    def correct(self) -> np.ndarray:
        """Whether the thresholded decision matches the label."""
        return self.predicted_bonafide == (self.rows.label == 1)


def score_rows(
    model: torch.nn.Module,
    rows: RowIndex,
    device: torch.device,
    batch_size: int = 128,
    with_embeddings: bool = False,
    expected_features: Mapping[str, Any] | None = None,
    stage: int | None = None,
) -> ScoredRows:
    """Score every row of ``rows`` straight from the caches (each row is read once, in cache
    order); ``stage`` picks the embeddings as in :func:`predict_rows`."""
    if expected_features is not None:
        check_front_end(expected_features, rows, ", ".join(str(p) for p in rows.cache_paths))
    source = CacheFeatures(rows)
    try:
        score, embedding = predict_rows(
            model, source, rows, device, batch_size, with_embeddings, stage=stage
        )
    finally:
        source.close()
    return ScoredRows(rows=rows, score=score, embedding=embedding)


@dataclass(frozen=True)
class CacheScoringRun:
    """A checkpoint run over cache rows, as the commands that do one (score, embed) take it:
    :meth:`add_arguments` declares an option per field, :meth:`from_args` reads them back."""

    checkpoint: str | os.PathLike[str]
    caches: Sequence[str | os.PathLike[str]]
    selection: str | os.PathLike[str] | None = None
    device: str = "auto"
    threads: int | None = None
    batch_size: int = 128

    @staticmethod
    def add_arguments(parser: argparse.ArgumentParser, *, what: str) -> None:
        """The options of a command that runs a checkpoint over cache rows to ``what`` them."""
        parser.add_argument("--checkpoint", type=Path, required=True)
        parser.add_argument("--caches", nargs="+", type=Path, required=True, metavar="H5")
        parser.add_argument(
            "--selection",
            type=Path,
            default=None,
            help=f"TSV (dataset, split, utt_id) of rows to {what}",
        )
        parser.add_argument("--device", choices=DEVICE_CHOICES, default="auto")
        parser.add_argument("--batch-size", type=int, default=128)
        parser.add_argument("--threads", type=int, default=None)

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> CacheScoringRun:
        """The run named by the options :meth:`add_arguments` declared, once parsed."""
        return cls(**{field.name: getattr(args, field.name) for field in fields(cls)})


def check_checkpoint_stage(
    model: torch.nn.Module, stage: int, checkpoint_path: str | os.PathLike[str]
) -> int:
    """``stage`` if the checkpoint's model has that (1-based) stage, else a ValueError naming
    the checkpoint and its number of stages."""
    n_stages = len(model.widths)
    if isinstance(stage, bool) or not isinstance(stage, int) or not 1 <= stage <= n_stages:
        raise ValueError(
            f"stage {stage!r} is out of range: the model of checkpoint {checkpoint_path} has "
            f"{n_stages} stages (1..{n_stages})"
        )
    return stage


def score_cache_files(
    run: CacheScoringRun, *, with_embeddings: bool = False, stage: int | None = None
) -> tuple[ScoredRows, dict[str, Any], torch.nn.Module, torch.device]:
    """Load a checkpoint and score (optionally embed) the selected rows of some caches.

    With ``stage`` the embeddings are the pooled output of that (1-based) backbone stage.
    Returns the scored rows, the checkpoint dict, the model and the device, so a
    caller can score further rows (e.g. a calibration set) with the same model.
    """
    configure_threads(run.threads)
    dev = resolve_device(run.device)
    model, checkpoint = load_model(run.checkpoint, dev)
    if stage is not None:
        check_checkpoint_stage(model, stage, run.checkpoint)
    selection = read_selection(run.selection) if run.selection is not None else None
    rows = index_caches(run.caches, selection, selection_name=str(run.selection))
    scored = score_rows(
        model,
        rows,
        dev,
        run.batch_size,
        with_embeddings=with_embeddings,
        expected_features=checkpoint["config"]["features"],
        stage=stage,
    )
    return scored, checkpoint, model, dev


def scores_table(scored: ScoredRows, with_dataset: bool = False) -> pd.DataFrame:
    """Score-file table: utt_id, label (bonafide/spoof), attack, score[, dataset]."""
    rows = scored.rows
    table = pd.DataFrame(
        {
            "utt_id": rows.utt_id.astype(str),
            "label": np.where(rows.label == 1, "bonafide", "spoof"),
            "attack": rows.attack.astype(str),
            "score": scored.score.astype(np.float64),
        }
    )
    if with_dataset:
        table["dataset"] = rows.dataset.astype(str)
    return table


def split_windows(wave: np.ndarray, n_samples: int, pad: str, min_tail_samples: int) -> np.ndarray:
    """Cut a wave into consecutive windows of ``n_samples`` (hop = window) ->
    ``(n_windows, n_samples)``.

    The last partial window is padded like the caches (``pad`` policy) and
    kept when it is at least ``min_tail_samples`` long; a wave shorter than
    one window always gives one padded window.
    """
    wave = np.asarray(wave, dtype=np.float32).reshape(-1)
    n_full = wave.shape[0] // n_samples
    windows = [wave[i * n_samples : (i + 1) * n_samples] for i in range(n_full)]
    tail = wave[n_full * n_samples :]
    if tail.shape[0] > 0 and (n_full == 0 or tail.shape[0] >= min_tail_samples):
        windows.append(fix_length(tail, n_samples, "start", pad, key="", seed=0))  # type: ignore[arg-type]
    return np.stack(windows)


class AudioScorer:
    """Scores whole audio files: 3 s windows -> log-mel -> logits -> mean logit.

    Uses the front end recorded in the checkpoint, so any sample rate or
    length is featurised like the training caches (resampled, windowed,
    padded, log-mel rounded through float16 as the caches store it).
    """

    def __init__(
        self,
        model: torch.nn.Module,
        feature_attrs: Mapping[str, Any],
        device: torch.device,
        batch_size: int = 32,
    ) -> None:
        known = {
            k: plain(v) for k, v in feature_attrs.items() if k in FeatureParams.__dataclass_fields__
        }
        self.params = FeatureParams.from_dict(known)
        self.model = model.eval()
        self.device = device
        self.batch_size = batch_size
        self.extractor = LogMelExtractor(self.params).to(device).eval()

    def windows(self, path: str | os.PathLike[str]) -> np.ndarray:
        """Decode, check (too short / silent, as for the caches) and window one file."""
        p = self.params
        wave = load_audio(path, p.sample_rate)
        check_audio(wave, p.sample_rate, p.min_duration_s, p.silence_dbfs)
        return split_windows(wave, p.n_samples, p.pad, int(round(p.min_duration_s * p.sample_rate)))

    @torch.inference_mode()
    def window_logits(self, windows: np.ndarray) -> np.ndarray:
        """Logit of each window."""
        out = []
        for start in range(0, windows.shape[0], self.batch_size):
            waves = torch.from_numpy(windows[start : start + self.batch_size]).to(self.device)
            logmel = self.extractor(waves).to(torch.float16).float()
            logits, _ = forward_batch(self.model, logmel, self.device)
            out.append(logits.numpy())
        return np.concatenate(out)

    def score_file(self, path: str | os.PathLike[str]) -> tuple[float, int]:
        """(mean window logit, number of windows); raises AudioError for a bad file."""
        logits = self.window_logits(self.windows(path))
        score = float(np.mean(logits, dtype=np.float64))
        if not np.isfinite(score):
            raise FloatingPointError(f"{path}: model produced a non-finite score")
        return score, int(logits.shape[0])


#: Extensions searched for in folders (case-insensitive).
AUDIO_EXTENSIONS: frozenset[str] = frozenset({".wav", ".flac", ".mp3", ".ogg"})
#: Columns of the table :func:`predict_files` returns.
PREDICTION_COLUMNS: tuple[str, ...] = ("path", "score", "n_windows", "error")


def find_audio(inputs: Iterable[str | os.PathLike[str]]) -> list[Path]:
    """Files named directly (any extension) plus audio files under folders, sorted per folder."""
    found: list[Path] = []
    for item in inputs:
        path = Path(item)
        if path.is_dir():
            found.extend(
                sorted(
                    p
                    for p in path.rglob("*")
                    if p.is_file() and p.suffix.lower() in AUDIO_EXTENSIONS
                )
            )
        else:
            found.append(path)  # missing files are reported per file, not fatal
    return found


def open_audio_scorer(
    checkpoint_path: str | os.PathLike[str], device: str, threads: int | None, batch_size: int
) -> AudioScorer:
    """An :class:`AudioScorer` for a checkpoint, on the resolved device."""
    configure_threads(threads)
    resolved = resolve_device(device)
    model, checkpoint = load_model(checkpoint_path, resolved)
    return AudioScorer(model, checkpoint["config"]["features"], resolved, batch_size)


def predict_files(scorer: AudioScorer, paths: Sequence[Path]) -> pd.DataFrame:
    """One row per file: path, score (mean window logit), n_windows, error ('' when scored).

    A file that cannot be scored gets its reason in ``error`` (and a log
    warning); one bad file must not lose the others' scores.
    """
    rows = []
    for path in paths:
        try:
            score, n_windows = scorer.score_file(path)
            rows.append({"path": str(path), "score": score, "n_windows": n_windows, "error": ""})
        except (AudioError, FloatingPointError, ValueError, RuntimeError, OSError) as err:
            reason = err.reason if isinstance(err, AudioError) else f"{type(err).__name__}: {err}"
            log.warning("%s: %s", path, reason)
            rows.append({"path": str(path), "score": None, "n_windows": 0, "error": reason})
    table = pd.DataFrame(rows, columns=list(PREDICTION_COLUMNS))
    table["score"] = table["score"].astype("float64")
    return table


@dataclass(frozen=True)
class EmbeddedRows:
    """Cache rows with their embeddings, logits and the "correctly classified" decision.

    ``embedding_layer`` names the embeddings' layer: ``penultimate`` or ``stage<N>``.
    """

    scored: ScoredRows
    model_name: str
    threshold: float
    threshold_source: str
    embedding_layer: str = "penultimate"

    @property
    def correct(self) -> np.ndarray:
        """The detector's decision (logit above the threshold = bonafide) matches the label."""
        return (self.scored.score > self.threshold) == (self.scored.rows.label == 1)


def embed_cache_files(
    run: CacheScoringRun,
    threshold_caches: Sequence[str | os.PathLike[str]] | None = None,
    stage: int | None = None,
) -> EmbeddedRows:
    """Penultimate embeddings and logits of cache rows, and the decision threshold.

    The threshold is logit 0, or with ``threshold_caches`` the EER-DET
    threshold of the detector on those (validation) caches: a detector
    trained on a 1:9 bonafide:spoof set is biased towards spoof at logit 0.
    With ``stage`` the embeddings are the global-average-pooled output of that
    (1-based) backbone stage; the logits (so the threshold and "correct") are
    still the full model's.
    """
    scored, checkpoint, model, resolved = score_cache_files(run, with_embeddings=True, stage=stage)
    threshold, source = DECISION_THRESHOLD, "logit 0"
    if threshold_caches:
        dev = score_rows(
            model,
            index_caches(threshold_caches),
            resolved,
            run.batch_size,
            expected_features=checkpoint["config"]["features"],
        )
        threshold = float(eer_det(dev.score, (dev.rows.label == 1).astype(np.int64))[1])
        source = "EER-DET threshold on " + " ".join(str(p) for p in threshold_caches)
    layer = "penultimate" if stage is None else f"stage{stage}"
    return EmbeddedRows(scored, checkpoint["config"]["model"]["name"], threshold, source, layer)
