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
command-line adapters. Import from the modules: the package re-exports nothing, so a
sampling job loads scikit-learn only when it clusters. Decisions are documented in
``docs/sampling.md``.
"""
