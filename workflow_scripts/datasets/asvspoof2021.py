"""ASVspoof 2021 LA and DF adapters (evaluation only): CM keys -> manifest rows.

Layout (formats ``asvspoof2021_la`` and ``asvspoof2021_df``; ``<T>`` is ``LA`` or ``DF``)::

    <root>/ASVspoof2021_<T>_eval/flac/<TRIAL_ID>.flac       audio (the eval tarballs)
    <keys_root>/keys/<T>/CM/trial_metadata.txt              CM keys and meta-labels

``root`` is either the folder containing ``ASVspoof2021_<T>_eval/`` or that
folder itself (recognised by ``flac/``). The four DF audio tarballs
(``ASVspoof2021_DF_eval_part0{0..3}``) all unpack into ``ASVspoof2021_DF_eval/``.
``keys_root`` (default: ``root``) is the folder where the keys package
(``<T>-keys-full.tar.gz``) was unpacked, i.e. containing ``keys/``, or the
``keys`` folder itself.

``trial_metadata.txt`` has one whitespace-separated line per trial:

* LA, 8 fields: ``SPEAKER TRIAL CODEC TRANSMISSION ATTACK KEY TRIM SUBSET``, e.g.
  ``LA_0009 LA_E_9332881 alaw ita_tx A07 spoof notrim eval``; bonafide lines carry
  ``bonafide`` (accepted: ``-``) in the attack field.
* DF, 13 fields: ``SPEAKER TRIAL CODEC SOURCE ATTACK KEY TRIM SUBSET VOCODER TASK TEAM
  GENDER_PAIR LANGUAGE``, e.g.
  ``LA_0023 DF_E_2000011 nocodec asvspoof A14 spoof notrim progress traditional_vocoder - - - -``;
  the attack is ``A07``-``A19`` for ASVspoof 2019 sources and a VCC team tag (``Task1-team20``)
  for VCC 2020 ones, ``-`` for bonafide.

``SUBSET`` is the challenge phase: ``eval`` (the official evaluation subset),
``progress`` or ``hidden`` (non-speech trimmed). Sources: the keys' README
"On meta-labels" (asvspoof-challenge/2021, ``eval-package/README.md``), the
column lists of ``eval-package/config.py`` (``ConfigLA.p_names``,
``ConfigDF.p_names``), ``README.LA.txt`` of ``ASVspoof2021_LA_eval``
(``flac/``, 16 kHz FLAC) and, for the DF parts each holding
``ASVspoof2021_DF_eval/flac/``, the layout shown in Gallo00/ASVspoof ``README.md``.

Decisions: option ``subset`` (default ``[eval]``, the phase the official
evaluation package scores by default and the one disjoint from the progress
and hidden subsets) lists the phases to keep; other lines are checked but not
kept. Every row is split ``eval``. ``utt_id`` is the trial id, attack the
attack field (``-`` for bonafide), speaker the speaker field. Condition
columns: ``subset``, ``codec`` and ``transmission`` (LA), ``subset``,
``codec``, ``source_corpus`` and ``vocoder_family`` (DF; ``-`` for bonafide).
Rows keep file order.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from . import manifest

SPLITS: tuple[str, ...] = ("eval",)
#: Challenge phases of the ``SUBSET`` field.
SUBSETS: tuple[str, ...] = ("eval", "progress", "hidden")
DEFAULT_SUBSETS: tuple[str, ...] = ("eval",)
TRIM_VALUES = frozenset({"trim", "notrim"})
KEYS = ("bonafide", "spoof")
KEYS_DIR = "keys"
META_FILE = "trial_metadata.txt"
#: ASVspoof 2019 LA eval attacks used in 2021 LA (and for DF's ASVspoof sources).
LA_ATTACKS = frozenset(f"A{i:02d}" for i in range(7, 20))


@dataclass(frozen=True)
class Track:
    """One evaluation track (``LA`` or ``DF``): its format name, key-file layout and line parser.

    Carries the attributes the registry reads from an adapter module
    (``FORMAT``, ``SPLITS``, ``HAS_ATTACK_IDS``, ``HAS_CONDITIONS``, ``OPTION_DEFAULTS``).
    """

    name: str
    n_fields: int
    fields: str
    parse: Callable[[list[str]], tuple[str | None, str, dict[str, str]]]

    SPLITS: ClassVar[tuple[str, ...]] = SPLITS
    #: Whether spoofs carry attack ids (an attack-aware detector needs them).
    HAS_ATTACK_IDS: ClassVar[bool] = True
    #: Whether manifests carry condition columns (subset, codec, ...): per-condition tables.
    HAS_CONDITIONS: ClassVar[bool] = True
    OPTION_DEFAULTS: ClassVar[dict[str, Any]] = {
        "root": None,
        "keys_root": None,
        "subset": list(DEFAULT_SUBSETS),
    }

    @property
    def FORMAT(self) -> str:  # noqa: N802 - the attribute name of the adapter modules
        return f"asvspoof2021_{self.name.lower()}"

    @property
    def audio_top(self) -> str:
        """Top folder of the eval audio release."""
        return f"ASVspoof2021_{self.name}_eval"

    @property
    def meta_rel(self) -> str:
        """The CM key file, relative to ``keys/``."""
        return f"{self.name}/CM/{META_FILE}"


def _common_problem(key: str, trim: str, subset: str) -> str | None:
    if key not in KEYS:
        return f"KEY must be 'bonafide' or 'spoof', got {key!r}"
    if trim not in TRIM_VALUES:
        return f"TRIM must be 'trim' or 'notrim', got {trim!r}"
    if subset not in SUBSETS:
        return f"SUBSET must be one of {', '.join(SUBSETS)}, got {subset!r}"
    return None


def parse_la(fields: list[str]) -> tuple[str | None, str, dict[str, str]]:
    """(problem or None, attack, conditions) of an LA line with the right field count."""
    _, _, codec, transmission, attack, key, trim, subset = fields
    problem = _common_problem(key, trim, subset)
    if problem is None and key == "bonafide" and attack not in ("bonafide", manifest.NO_VALUE):
        problem = f"bonafide line must have ATTACK 'bonafide' or '-', got {attack!r}"
    if problem is None and key == "spoof" and attack not in LA_ATTACKS:
        problem = f"spoof line must have ATTACK A07..A19, got {attack!r}"
    conditions = {"subset": subset, "codec": codec, "transmission": transmission}
    return problem, attack if key == "spoof" else manifest.NO_VALUE, conditions


def parse_df(fields: list[str]) -> tuple[str | None, str, dict[str, str]]:
    """(problem or None, attack, conditions) of a DF line with the right field count."""
    _, _, codec, source, attack, key, trim, subset, vocoder = fields[:9]
    problem = _common_problem(key, trim, subset)
    if problem is None and key == "bonafide" and attack not in ("bonafide", manifest.NO_VALUE):
        problem = f"bonafide line must have ATTACK '-' or 'bonafide', got {attack!r}"
    if problem is None and key == "spoof" and attack in ("bonafide", manifest.NO_VALUE):
        problem = f"spoof line must name its ATTACK, got {attack!r}"
    family = vocoder if key == "spoof" else manifest.NO_VALUE
    conditions = {
        "subset": subset,
        "codec": codec,
        "source_corpus": source,
        "vocoder_family": family,
    }
    return problem, attack if key == "spoof" else manifest.NO_VALUE, conditions


LA = Track("LA", 8, "SPEAKER TRIAL CODEC TRANSMISSION ATTACK KEY TRIM SUBSET", parse_la)
DF = Track(
    "DF",
    13,
    "SPEAKER TRIAL CODEC SOURCE ATTACK KEY TRIM SUBSET VOCODER TASK TEAM GENDER_PAIR LANGUAGE",
    parse_df,
)
TRACKS: tuple[Track, ...] = (LA, DF)


def check_subsets(value: Any, *, context: str) -> set[str]:
    """Validated, non-empty list of phases from :data:`SUBSETS`."""
    if isinstance(value, str) or not isinstance(value, (list, tuple)) or not value:
        raise manifest.DatasetConfigError(
            f"{context}: subset must be a non-empty list of {list(SUBSETS)}, got {value!r}"
        )
    bad = [v for v in value if v not in SUBSETS]
    if bad:
        raise manifest.DatasetConfigError(
            f"{context}: subset values must be in {list(SUBSETS)}, got {bad!r}"
        )
    return set(value)


def read_track(
    track: Track, name: str, cfg: Mapping[str, Any], problems: manifest.ProblemLog
) -> list[manifest.ManifestRow]:
    """Manifest rows (all ``eval``) of the selected phases, validated line by line."""
    context = manifest.dataset_context(name, track.FORMAT)
    options = manifest.take_options(cfg, track.OPTION_DEFAULTS, context=context)
    keep = check_subsets(options["subset"], context=context)
    root = manifest.require_root(options["root"], context=context)
    eval_dir = manifest.locate_top_folder(root, track.audio_top, ["flac"], context=context)
    flac_dir = manifest.require_dir(eval_dir / "flac", context=context, what="audio")
    keys_root = (
        root
        if options["keys_root"] is None
        else manifest.require_root(options["keys_root"], context=context, key="keys_root")
    )
    keys_dir = manifest.locate_top_folder(
        keys_root, KEYS_DIR, [track.meta_rel], context=context, key="keys_root"
    )
    meta = manifest.require_file(keys_dir / track.meta_rel, context=context, what="CM keys")
    return _read_keys(track, name, meta, flac_dir, keep, problems)


def _read_keys(
    track: Track,
    name: str,
    meta: Path,
    flac_dir: Path,
    keep: set[str],
    problems: manifest.ProblemLog,
) -> list[manifest.ManifestRow]:
    present = manifest.file_names(flac_dir)
    rows: list[manifest.ManifestRow] = []
    first_seen: dict[str, int] = {}
    for line_no, line in enumerate(manifest.read_text_lines(meta), start=1):
        fields = line.split()
        if not fields:
            continue
        trial = fields[1] if len(fields) > 1 else ""
        audio_path = str(flac_dir / f"{trial}.flac") if trial else ""
        if len(fields) != track.n_fields:
            problem: str | None = (
                f"expected {track.n_fields} whitespace-separated fields ({track.fields}), "
                f"got {len(fields)}"
            )
            attack, conditions = manifest.NO_VALUE, {}
        else:
            problem, attack, conditions = track.parse(fields)
        if problem is None and trial in first_seen:
            problem = f"duplicate TRIAL {trial!r} (first listed at line {first_seen[trial]})"
        if problem is None:
            first_seen[trial] = line_no
            if conditions["subset"] not in keep:
                continue  # a valid line of a phase not selected
            if f"{trial}.flac" not in present:
                problem = f"audio file not found: {audio_path}"
        if problem is not None:
            problems.report(meta, line_no, problem, utt_id=trial, path=audio_path)
            continue
        label = fields[5]
        rows.append(
            manifest.ManifestRow(
                trial, name, "eval", label, attack, fields[0], audio_path, conditions
            )
        )
    return rows


def read_asvspoof2021_la(
    name: str, cfg: Mapping[str, Any], problems: manifest.ProblemLog
) -> list[manifest.ManifestRow]:
    """ASVspoof 2021 LA eval rows (see the module docstring)."""
    return read_track(LA, name, cfg, problems)


def read_asvspoof2021_df(
    name: str, cfg: Mapping[str, Any], problems: manifest.ProblemLog
) -> list[manifest.ManifestRow]:
    """ASVspoof 2021 DF eval rows (see the module docstring)."""
    return read_track(DF, name, cfg, problems)
