"""Batches from log-mel caches, the training loop, checkpoints, scoring.

``training.loop.train`` runs the paper's recipe with exact resume;
``training.checkpoint.load_model`` rebuilds a model from a checkpoint;
``training.inference.score_rows`` gives logits (higher = more bonafide) and penultimate
embeddings of cache rows. Import from the modules: the package re-exports nothing.
See docs/training.md.
"""
