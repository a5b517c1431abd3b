"""Layer 2: audio decoding, fixed-length log-mel features, sharded HDF5 caches, duplicate
fingerprints."""

from workflow_scripts.features.audio import AudioError, check_audio, fix_length, load_audio
from workflow_scripts.features.cache import (
    CacheReader,
    MergeSummary,
    QuarantineLimitError,
    ShardSummary,
    build_shard,
    merge_shards,
    shard_rows,
)
from workflow_scripts.features.fingerprint import (
    FingerprintParams,
    build_fingerprints,
    fingerprint_file,
    fingerprint_wave,
)
from workflow_scripts.features.logmel import (
    FeatureParams,
    LogMelExtractor,
    file_to_logmel,
    prepare_wave,
    waveform_to_logmel,
)

__all__ = [
    "AudioError",
    "CacheReader",
    "FeatureParams",
    "FingerprintParams",
    "LogMelExtractor",
    "MergeSummary",
    "QuarantineLimitError",
    "ShardSummary",
    "build_fingerprints",
    "build_shard",
    "check_audio",
    "file_to_logmel",
    "fingerprint_file",
    "fingerprint_wave",
    "fix_length",
    "load_audio",
    "merge_shards",
    "prepare_wave",
    "shard_rows",
    "waveform_to_logmel",
]
