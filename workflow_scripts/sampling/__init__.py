"""Sampling layer: which training samples to keep (numpy, pandas, scikit-learn; no torch).

* :mod:`.nc_sampling` - Algorithm 1, nearest-to-class-mean sampling;
* :mod:`.clusters` - Algorithm 2, cluster-wise sampling of the spoof class;
* :mod:`.nc_selection` - Experiment 2: Algorithm 1 or a random control of the same size;
* :mod:`.full_method` - Experiment 4: Algorithm 1 for bonafide + Algorithm 2 for spoofs;
* :mod:`.random_draws` - random control draws, seed derivation and the random-draw pools
  of Experiment 3 (also the eval data and the Experiment 4 control);
* :mod:`.exclusions` - which rows to drop when one recording sits in several places;
* :mod:`.validation` - the validation rows of a run;
* :mod:`.diagnostics` - neural-collapse measures and distance summaries;
* :mod:`.duplicates` - matching content fingerprints to find cross-dataset copies.

Functions take arrays and tables; reading and writing files is left to the
command-line adapters. Decisions are documented in ``docs/sampling.md``.
"""

from .clusters import (
    ClusterSample,
    KSelection,
    choose_k,
    cluster_agreement,
    cluster_sample,
    overlap_table,
)
from .diagnostics import (
    collapse_metrics,
    distance_summary,
    embedding_diagnostics,
    nc1,
    within_between_ratio,
)
from .duplicates import SimilarityScan, dedup_indices, find_duplicates, scan_similarities
from .exclusions import duplicate_exclusions, validation_exclusions
from .full_method import FullMethodSample, full_method, full_method_summary
from .nc_sampling import (
    NCSample,
    class_means,
    distances_to_mean,
    distances_to_means,
    nc_sample,
    rate_to_count,
)
from .nc_selection import nc_selection
from .random_draws import (
    PerDatasetDraw,
    Pool,
    derive_seed,
    draw_counts,
    draw_per_dataset,
    draw_summary,
    load_pool,
    make_pool,
    matched_counts,
    random_draw,
    rng_for,
)
from .validation import validation_selection

__all__ = [
    "ClusterSample",
    "FullMethodSample",
    "KSelection",
    "NCSample",
    "PerDatasetDraw",
    "Pool",
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
    "draw_counts",
    "draw_per_dataset",
    "draw_summary",
    "duplicate_exclusions",
    "embedding_diagnostics",
    "find_duplicates",
    "full_method",
    "full_method_summary",
    "load_pool",
    "make_pool",
    "matched_counts",
    "nc1",
    "nc_sample",
    "nc_selection",
    "overlap_table",
    "random_draw",
    "rate_to_count",
    "rng_for",
    "scan_similarities",
    "validation_exclusions",
    "validation_selection",
    "within_between_ratio",
]
