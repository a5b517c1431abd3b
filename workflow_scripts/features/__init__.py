"""Layer 2: audio decoding, fixed-length log-mel features and sharded HDF5 caches."""

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
from workflow_scripts.features.logmel import (
    FeatureParams,
    LogMelExtractor,
    file_to_logmel,
    prepare_wave,
    waveform_to_logmel,
)

__all__ = [
    "AudioError", "CacheReader", "FeatureParams", "LogMelExtractor", "MergeSummary",
    "QuarantineLimitError", "ShardSummary", "build_shard", "check_audio", "file_to_logmel",
    "fix_length", "load_audio", "merge_shards", "prepare_wave", "shard_rows", "waveform_to_logmel",
]
