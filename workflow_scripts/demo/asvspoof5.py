"""Demo ASVspoof 5 corpus: the track-1 protocols and audio folders of the real release.

Written (see ``datasets/asvspoof5.py`` for the sources)::

    ASVspoof5.train.tsv, ASVspoof5.dev.track_1.tsv, ASVspoof5.eval.track_1.tsv
    flac_T/T_<10 digits>.flac, flac_D/D_<10 digits>.flac, flac_E_eval/E_<10 digits>.flac

``sizes``: ``{"n_speakers": 8, "train": {"bonafide": b, "spoof": s}, "dev": ...,
"eval": ...}``. Speakers (``T_/D_/E_####``) are disjoint between splits, as are
the attacks (train A01-A08, dev A09-A16, eval A17-A32, each played by one of
the demo's ASVspoof recipes); attack tags are AC1-AC3. Train and dev are
uncoded (``CODEC``/``CODEC_Q`` ``-``); in eval about two thirds of the rows
are coded copies (``C01``-``C11``, quality 1-5, the seed utterance named in
``CODEC_SEED``) of the other, uncoded rows (``CODEC`` ``-``, ``CODEC_Q`` ``0``),
through :mod:`workflow_scripts.demo.codecs`.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial

import numpy as np

from . import codecs
from .attacks import ASVSPOOF_ATTACKS, describe
from .jobs import AudioJob, count, drawn_utterance, split_counts
from .speech import rng_for, sample_speaker

FORMAT = "asvspoof5"
ALLOWED_KEYS = {"n_speakers", "train", "dev", "eval"}
SR = 16000
PROTOCOLS = {
    "train": "ASVspoof5.train.tsv",
    "dev": "ASVspoof5.dev.track_1.tsv",
    "eval": "ASVspoof5.eval.track_1.tsv",
}
AUDIO_DIRS = {"train": "flac_T", "dev": "flac_D", "eval": "flac_E_eval"}
LETTERS = {"train": "T", "dev": "D", "eval": "E"}
ATTACKS = {
    "train": [f"A{i:02d}" for i in range(1, 9)],
    "dev": [f"A{i:02d}" for i in range(9, 17)],
    "eval": [f"A{i:02d}" for i in range(17, 33)],
}
#: Demo recipe behind each ASVspoof 5 attack id (cycling through the ASVspoof 2019 recipes).
RECIPE_OF = {f"A{i:02d}": f"A{(i - 1) % 19 + 1:02d}" for i in range(1, 33)}
TAGS = ("AC1", "AC2", "AC3")
CODED_SHARE = 2 / 3


def _coded(name: str, quality: int, x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    del quality  # the demo's codec steps have one strength per codec
    return codecs.apply(codecs.ASVSPOOF5_CODECS[name], x, SR, rng)


def jobs(
    sizes: Mapping[str, object], seed: int, duration_s: tuple[float, float]
) -> tuple[list[AudioJob], dict[str, str]]:
    """Audio jobs and protocol files of the demo ``asvspoof5`` corpus."""
    counts = split_counts(FORMAT, sizes)
    n_speakers = count(sizes.get("n_speakers", 8), f"{FORMAT}.n_speakers")
    if n_speakers < 1:
        raise ValueError(f"demo sizes: {FORMAT}.n_speakers must be at least 1")
    audio: list[AudioJob] = []
    texts: dict[str, str] = {}
    for split, (n_bona, n_spoof) in counts.items():
        letter = LETTERS[split]
        rng = rng_for(seed, FORMAT, split, "layout")
        spk_numbers = rng.choice(5000, n_speakers, replace=False)
        speaker_ids = [f"{letter}_{n:04d}" for n in sorted(spk_numbers)]
        genders = {s: "FM"[int(rng.integers(2))] for s in speaker_ids}
        speakers = {
            s: sample_speaker(
                rng_for(seed, FORMAT, "speaker", s), s, sex="f" if genders[s] == "F" else "m"
            )
            for s in speaker_ids
        }
        total = n_bona + n_spoof
        attacks = [None] * n_bona + [ATTACKS[split][k % 8] for k in range(n_spoof)]
        order = rng.permutation(total)
        file_numbers = np.sort(rng.choice(10**9, total, replace=False))
        n_coded = int(round(total * CODED_SHARE)) if split == "eval" else 0
        seeds: dict[str, list[int]] = {"bonafide": [], "spoof": []}  # uncoded rows per key
        rows: list[tuple[str, str | None, str, str]] = []  # (speaker, attack, tag, file id)
        lines = []
        for i, k in enumerate(order):
            attack = attacks[k]
            key = "bonafide" if attack is None else "spoof"
            file_id = f"{letter}_{file_numbers[i]:010d}"
            pool = seeds[key]
            if i >= total - n_coded and pool:  # a coded copy of an uncoded row of its class
                src = pool[int(rng.integers(len(pool)))]
                spk, attack, tag, src_id = rows[src]
                codec = sorted(codecs.ASVSPOOF5_CODECS)[int(rng.integers(11))]
                quality = int(rng.integers(1, 6))
                codec_fields = f"{codec} {quality} {src_id}"
                post = partial(_coded, codec, quality)
            else:
                src, post = i, None
                pool.append(i)
                spk = speaker_ids[int(rng.integers(n_speakers))]
                tag = "-" if attack is None else TAGS[int(rng.integers(len(TAGS)))]
                codec_fields = "- 0 -" if split == "eval" else "- - -"
            rows.append((spk, attack, tag, file_id))
            label = attack or "bonafide"
            lines.append(f"{spk} {file_id} {genders[spk]} {codec_fields} {tag} {label} {key} -")
            chain = None if attack is None else ASVSPOOF_ATTACKS[RECIPE_OF[attack]]
            make = drawn_utterance(
                seed, (FORMAT, split, src), speakers[spk], duration_s, (-30.0, -16.0), SR,
                "for_mixed", chain, post,
            )  # fmt: skip
            audio.append(AudioJob(f"{AUDIO_DIRS[split]}/{file_id}.flac", SR, make, "FLAC"))
        texts[PROTOCOLS[split]] = "".join(line + "\n" for line in lines)
    return audio, texts


def systems() -> list[tuple[str, str]]:
    """(attack, recipe) pairs of the corpus' spoofs, for its README."""
    return [(a, describe(ASVSPOOF_ATTACKS[r])) for a, r in RECIPE_OF.items()]
