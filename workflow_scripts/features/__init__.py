"""Layer 2: audio decoding, fixed-length log-mel features, sharded HDF5 caches, duplicate
fingerprints."""

from workflow_scripts import lazy_exports

#: Public name -> the module that defines it (imported on first use: see lazy_exports).
_EXPORTS: dict[str, str] = {
    "AudioError": "audio",
    "CacheReader": "cache",
    "FeatureParams": "logmel",
    "FingerprintParams": "fingerprint",
    "LogMelExtractor": "logmel",
    "MergeSummary": "cache",
    "QuarantineLimitError": "cache",
    "ShardSummary": "cache",
    "build_fingerprints": "fingerprint",
    "build_shard": "cache",
    "check_audio": "audio",
    "file_to_logmel": "logmel",
    "fingerprint_file": "fingerprint",
    "fingerprint_wave": "fingerprint",
    "fix_length": "audio",
    "load_audio": "audio",
    "merge_shards": "cache",
    "prepare_wave": "logmel",
    "shard_rows": "cache",
    "waveform_to_logmel": "logmel",
}
__all__ = sorted(_EXPORTS)
lazy_exports(__name__, _EXPORTS)
