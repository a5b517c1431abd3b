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

from workflow_scripts import lazy_exports

#: Public name -> the module that defines it (imported on first use: see lazy_exports).
_EXPORTS: dict[str, str] = {
    "ClusterSample": "clusters",
    "FullMethodSample": "full_method",
    "KSelection": "clusters",
    "NCSample": "nc_sampling",
    "PerDatasetDraw": "random_draws",
    "Pool": "random_draws",
    "SimilarityScan": "duplicates",
    "choose_k": "clusters",
    "class_means": "nc_sampling",
    "cluster_agreement": "clusters",
    "cluster_sample": "clusters",
    "collapse_metrics": "diagnostics",
    "dedup_indices": "duplicates",
    "derive_seed": "random_draws",
    "distance_summary": "diagnostics",
    "distances_to_mean": "nc_sampling",
    "distances_to_means": "nc_sampling",
    "draw_counts": "random_draws",
    "draw_per_dataset": "random_draws",
    "draw_summary": "random_draws",
    "duplicate_exclusions": "exclusions",
    "embedding_diagnostics": "diagnostics",
    "find_duplicates": "duplicates",
    "full_method": "full_method",
    "full_method_summary": "full_method",
    "load_pool": "random_draws",
    "make_pool": "random_draws",
    "matched_counts": "random_draws",
    "nc1": "diagnostics",
    "nc1_per_class": "diagnostics",
    "nc_sample": "nc_sampling",
    "nc_selection": "nc_selection",
    "overlap_table": "clusters",
    "random_draw": "random_draws",
    "rate_to_count": "nc_sampling",
    "rng_for": "random_draws",
    "scan_similarities": "duplicates",
    "validation_exclusions": "exclusions",
    "validation_selection": "validation",
    "within_between_ratio": "diagnostics",
}
__all__ = sorted(_EXPORTS)
lazy_exports(__name__, _EXPORTS)
