"""Training layer (layer 4): batches from log-mel caches, the training loop, checkpoints, scoring.

``prepare_data`` + ``train`` run the paper's recipe with exact resume;
``load_model`` rebuilds a model from a checkpoint; ``score_rows`` gives
logits (higher = more bonafide) and penultimate embeddings of cache rows.
See docs/training.md.
"""

from workflow_scripts.training.checkpoint import (
    CHECKPOINT_KEYS,
    RESUME_KEYS,
    load_checkpoint,
    load_model,
    save_checkpoint,
)
from workflow_scripts.training.data import (
    RowIndex,
    epoch_order,
    index_caches,
    open_features,
    read_selection,
    stratified_holdout,
)
from workflow_scripts.training.device import resolve_device
from workflow_scripts.training.inference import AudioScorer, ScoredRows, score_rows, scores_table
from workflow_scripts.training.loop import (
    HISTORY_COLUMNS,
    DataSplit,
    TrainParams,
    TrainResult,
    prepare_data,
    train,
    write_outputs,
)

__all__ = [
    "CHECKPOINT_KEYS",
    "HISTORY_COLUMNS",
    "RESUME_KEYS",
    "AudioScorer",
    "DataSplit",
    "RowIndex",
    "ScoredRows",
    "TrainParams",
    "TrainResult",
    "epoch_order",
    "index_caches",
    "load_checkpoint",
    "load_model",
    "open_features",
    "prepare_data",
    "read_selection",
    "resolve_device",
    "save_checkpoint",
    "score_rows",
    "scores_table",
    "stratified_holdout",
    "train",
    "write_outputs",
]
