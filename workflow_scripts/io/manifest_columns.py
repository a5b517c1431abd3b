"""The manifest table's columns and value vocabulary: the contract every layer reads.

Kept in ``io`` (a foundation) so that features, training, sampling and reporting can read
manifest-shaped tables without importing the corpus adapters of ``datasets``, which build
them (``datasets/manifest.py`` re-exports these names).
"""

from __future__ import annotations

#: Manifest columns, in file order.
MANIFEST_COLUMNS: tuple[str, ...] = (
    "utt_id",
    "dataset",
    "split",
    "label",
    "attack",
    "speaker",
    "path",
)
#: Optional condition columns a manifest may carry after :data:`MANIFEST_COLUMNS`, in this
#: order: string-valued, ``-`` when unknown. Only corpora that record a condition write its
#: column; formats without conditions write exactly :data:`MANIFEST_COLUMNS`.
CONDITION_COLUMNS: tuple[str, ...] = (
    "subset",  # ASVspoof 2021 phase: eval, progress, hidden
    "codec",  # codec / compression condition (ASVspoof 2021 LA/DF, ASVspoof 5)
    "codec_quality",  # codec quality configuration number (ASVspoof 5)
    "transmission",  # transmission channel (ASVspoof 2021 LA)
    "source_corpus",  # where the source speech comes from (ASVspoof 2021 DF)
    "vocoder_family",  # vocoder type of a spoof (ASVspoof 2021 DF)
    "attack_tag",  # attacker adaptation condition (ASVspoof 5)
    "gender",  # speaker gender, F or M (ASVspoof 5, M-AILABS)
    "language",  # language code (MLAAD, M-AILABS)
    "architecture",  # TTS architecture of a spoof (MLAAD)
)
#: Columns of a quarantine list (problems found while building a table).
QUARANTINE_COLUMNS: tuple[str, ...] = ("utt_id", "path", "stage", "reason")
#: Allowed label strings (``workflow_scripts.LABELS`` maps them to 1/0).
LABEL_VALUES: tuple[str, ...] = ("bonafide", "spoof")
#: Normalised split names, in manifest row order.
SPLIT_VALUES: tuple[str, ...] = ("train", "dev", "eval")
#: Placeholder for "no attack" / "unknown speaker".
NO_VALUE = "-"
#: Attack values that mean "no attack id" (bonafide rows, corpora without ids).
UNKNOWN_ATTACKS: frozenset[str] = frozenset({NO_VALUE, ""})
