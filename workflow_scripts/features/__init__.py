"""Audio decoding, fixed-length log-mel features, sharded HDF5 caches, duplicate fingerprints.

Import from the modules (``features.audio``, ``features.logmel``, ``features.cache``,
``features.fingerprint``): the package re-exports nothing, so a job that merges caches
never pays for torch.
"""
