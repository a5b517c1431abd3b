"""Sampling layer: which training samples to keep (numpy, pandas, scikit-learn; no torch).

* :mod:`.nc_sampling` - Algorithm 1, nearest-to-class-mean sampling;
* :mod:`.clusters` - Algorithm 2, cluster-wise sampling of the spoof class;
* :mod:`.diagnostics` - neural-collapse measures and distance summaries;
* :mod:`.random_draws` - random control draws and seed derivation;
* :mod:`.duplicates` - matching content fingerprints to find cross-dataset copies.

Functions take arrays and tables; reading and writing files is left to the
command-line adapters. Decisions are documented in ``docs/sampling.md``.
"""

from .clusters import ClusterSample, KSelection, choose_k, cluster_agreement, cluster_sample, overlap_table
from .diagnostics import collapse_metrics, distance_summary, nc1, within_between_ratio
from .duplicates import SimilarityScan, dedup_indices, find_duplicates, scan_similarities
from .nc_sampling import NCSample, class_means, distances_to_mean, distances_to_means, nc_sample, rate_to_count
from .random_draws import PerDatasetDraw, derive_seed, draw_per_dataset, random_draw, rng_for

__all__ = [
    "ClusterSample",
    "KSelection",
    "NCSample",
    "PerDatasetDraw",
    "SimilarityScan",
    "choose_k",
    "class_means",
    "cluster_agreement",
    "cluster_sample",
    "collapse_metrics",
    "dedup_indices",
    "derive_seed",
    "distance_summary",
    "distances_to_mean",
    "distances_to_means",
    "draw_per_dataset",
    "find_duplicates",
    "nc1",
    "nc_sample",
    "overlap_table",
    "random_draw",
    "rate_to_count",
    "rng_for",
    "scan_similarities",
    "within_between_ratio",
]
