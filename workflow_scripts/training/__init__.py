"""Training layer (layer 4): batches from log-mel caches, the training loop, checkpoints, scoring.

``prepare_data`` + ``train`` run the paper's recipe with exact resume;
``load_model`` rebuilds a model from a checkpoint; ``score_rows`` gives
logits (higher = more bonafide) and penultimate embeddings of cache rows.
See docs/training.md.
"""

from workflow_scripts import lazy_exports

#: Public name -> the module that defines it (imported on first use: see lazy_exports).
_EXPORTS: dict[str, str] = {
    "AudioScorer": "inference",
    "CHECKPOINT_KEYS": "checkpoint",
    "DataSplit": "loop",
    "HISTORY_COLUMNS": "loop",
    "RESUME_KEYS": "checkpoint",
    "RowIndex": "data",
    "ScoredRows": "inference",
    "TrainParams": "loop",
    "TrainResult": "loop",
    "epoch_order": "data",
    "index_caches": "data",
    "load_checkpoint": "checkpoint",
    "load_model": "checkpoint",
    "open_features": "data",
    "prepare_data": "loop",
    "read_selection": "data",
    "resolve_device": "device",
    "save_checkpoint": "checkpoint",
    "score_rows": "inference",
    "scores_table": "inference",
    "stratified_holdout": "data",
    "train": "loop",
    "write_outputs": "loop",
}
__all__ = sorted(_EXPORTS)
lazy_exports(__name__, _EXPORTS)
