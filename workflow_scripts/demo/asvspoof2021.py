"""Demo ASVspoof 2021 LA and DF corpora: eval audio plus the keys package, in the real layout.

Written (``<T>`` is ``LA`` or ``DF``; see ``datasets/asvspoof2021.py`` for the sources)::

    ASVspoof2021_<T>_eval/flac/<T>_E_<7 digits>.flac
    ASVspoof2021_<T>_eval/ASVspoof2021.<T>.cm.eval.trl.txt      trial list (one id per line)
    keys/<T>/CM/trial_metadata.txt                              keys and meta-labels

``sizes``: ``{"n_speakers": 10, "eval": {"bonafide": b, "spoof": s},
"progress": {...}, "hidden": {...}}`` (``progress`` and ``hidden`` optional);
every trial is listed in the keys with its phase, so the adapter's default
(``subset: [eval]``) reads exactly ``sizes.eval``. Spoofs use the ASVspoof
2019 eval attacks A07-A19 (DF also VCC 2020 team tags); every trial goes
through a codec (and, for LA, a transmission) condition of
:mod:`workflow_scripts.demo.codecs`, hidden trials also have their leading and
trailing non-speech trimmed. The vocoder families of the DF keys are this
demo's assignment, and the LA keys write transmission ``-`` for codec ``none``
(the real value there is not documented).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial

import numpy as np

from . import codecs
from .attacks import ASVSPOOF_ATTACKS, ASVSPOOF_EVAL_IDS, describe
from .jobs import AudioJob, count, drawn_utterance, split_counts
from .speech import rng_for, sample_speaker

FORMATS = ("asvspoof2021_la", "asvspoof2021_df")
PHASES = ("eval", "progress", "hidden")
ALLOWED_KEYS = {"n_speakers", *PHASES}
SR = 16000
#: Demo vocoder family of each ASVspoof 2019 eval attack (DF meta-label vocabulary).
VOCODER_FAMILY: dict[str, str] = {
    "A07": "traditional_vocoder",
    "A08": "neural_vocoder_nonautoregressive",
    "A09": "traditional_vocoder",
    "A10": "neural_vocoder_autoregressive",
    "A11": "traditional_vocoder",
    "A12": "neural_vocoder_autoregressive",
    "A13": "waveform_concatenation",
    "A14": "traditional_vocoder",
    "A15": "neural_vocoder_autoregressive",
    "A16": "waveform_concatenation",
    "A17": "unknown",
    "A18": "traditional_vocoder",
    "A19": "unknown",
}
#: DF spoofs from VCC 2020: team tag -> the ASVspoof recipe it borrows and its family.
VCC2020_TEAMS: dict[str, tuple[str, str]] = {
    "Task1-team20": ("A10", "neural_vocoder_nonautoregressive"),
    "Task2-team12": ("A18", "traditional_vocoder"),
}


def _post(
    steps: tuple[codecs.Step, ...], trim: bool, x: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    x = codecs.apply(steps, x, SR, rng)
    return codecs.trim_silence(x, SR) if trim else x


def _phase_counts(sizes: Mapping[str, object], fmt: str) -> dict[str, tuple[int, int]]:
    present = tuple(p for p in PHASES if p == "eval" or p in sizes)
    counts = split_counts(fmt, sizes, present)
    return {p: counts.get(p, (0, 0)) for p in PHASES}


def jobs(
    fmt: str, sizes: Mapping[str, object], seed: int, duration_s: tuple[float, float]
) -> tuple[list[AudioJob], dict[str, str]]:
    """Audio jobs and text files of the demo ``asvspoof2021_la`` or ``asvspoof2021_df``."""
    track = {"asvspoof2021_la": "LA", "asvspoof2021_df": "DF"}[fmt]
    counts = _phase_counts(sizes, fmt)
    n_speakers = count(sizes.get("n_speakers", 10), f"{fmt}.n_speakers")
    if n_speakers < 1:
        raise ValueError(f"demo sizes: {fmt}.n_speakers must be at least 1")
    rng = rng_for(seed, fmt, "layout")
    speaker_ids = [f"LA_{k + 1:04d}" for k in range(n_speakers)]
    speakers = {s: sample_speaker(rng_for(seed, fmt, "speaker", s), s) for s in speaker_ids}
    total = sum(b + s for b, s in counts.values())
    numbers = rng.choice(9_000_000, total, replace=False) + 1_000_000
    attacks = list(ASVSPOOF_EVAL_IDS)
    if track == "DF":  # the VCC teams early in the cycle, so small corpora have them too
        attacks[1:1], attacks[5:5] = ["Task1-team20"], ["Task2-team12"]
    trials = []
    for phase, (n_bona, n_spoof) in counts.items():
        labels = [None] * n_bona + [attacks[k % len(attacks)] for k in range(n_spoof)]
        trials += [(phase, labels[k]) for k in rng.permutation(n_bona + n_spoof)]
    codec_table = codecs.LA_CODECS if track == "LA" else codecs.DF_CODECS
    codec_names = list(codec_table)
    top = f"ASVspoof2021_{track}_eval"
    lines, ids, audio = [], [], []
    for i, (phase, attack) in enumerate(trials):
        trial = f"{track}_E_{numbers[i]}"
        spk = speaker_ids[int(rng.integers(n_speakers))]
        codec = codec_names[int(rng.integers(len(codec_names)))]
        trim = "trim" if phase == "hidden" else "notrim"
        key = "bonafide" if attack is None else "spoof"
        recipe_id = VCC2020_TEAMS.get(attack, (attack,))[0] if attack else None
        steps = codec_table[codec]
        if track == "LA":
            trans_names = [t for t in codecs.LA_TRANSMISSIONS if t != "-"]
            trans = "-" if codec == "none" else trans_names[int(rng.integers(len(trans_names)))]
            steps = steps + codecs.LA_TRANSMISSIONS[trans]
            lines.append(
                f"{spk} {trial} {codec} {trans} {attack or 'bonafide'} {key} {trim} {phase}"
            )
        else:
            source = "asvspoof" if attack is None or attack.startswith("A") else "vcc2020"
            family = "bonafide" if attack is None else VOCODER_FAMILY.get(attack)
            family = family or VCC2020_TEAMS[attack][1]
            task, team = attack.split("-") if source == "vcc2020" else ("-", "-")
            lines.append(
                f"{spk} {trial} {codec} {source} {attack or '-'} {key} {trim} {phase} {family} "
                f"{task} {team} - -"
            )
        keys = (fmt, i)
        chain = None if recipe_id is None else ASVSPOOF_ATTACKS[recipe_id]
        post = partial(_post, steps, trim == "trim")
        make = drawn_utterance(
            seed, keys, speakers[spk], duration_s, (-26.0, -18.0), SR, "vctk_studio", chain, post
        )
        ids.append(trial)
        audio.append(AudioJob(f"{top}/flac/{trial}.flac", SR, make, "FLAC"))
    texts = {
        f"keys/{track}/CM/trial_metadata.txt": "".join(line + "\n" for line in lines),
        f"{top}/ASVspoof2021.{track}.cm.eval.trl.txt": "".join(t + "\n" for t in ids),
    }
    return audio, texts


def systems(fmt: str) -> list[tuple[str, str]]:
    """(attack, recipe) pairs of the corpus' spoofs, for its README."""
    pairs = [(a, describe(ASVSPOOF_ATTACKS[a])) for a in ASVSPOOF_EVAL_IDS]
    if fmt == "asvspoof2021_df":
        pairs += [(t, describe(ASVSPOOF_ATTACKS[a])) for t, (a, _) in VCC2020_TEAMS.items()]
    return pairs
