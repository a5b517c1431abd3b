"""Write synthetic demo corpora in the exact on-disk layouts of the real releases.

The workflow runs end to end without downloads on these corpora; the dataset
adapters read them exactly as they read ASVspoof 2019 LA, Fake-or-Real,
WaveFake (+ LJSpeech) (this module), and In-the-Wild, ASVspoof 2021 LA/DF,
ASVspoof 5 and MLAAD (+ M-AILABS) (one module each). Every file is a pure function of
``(seed, corpus, split, index)`` and the sizes, so runs are byte-identical.

The LJSpeech-like utterance ``i`` depends only on ``(seed, "ljspeech", i)``
and ``duration_s``: the FoR-like corpus plants copies of some of them (added
leading silence, another level, resampled, some through an MP3 round trip;
listed in ``demo_duplicates.tsv``) for the cross-dataset de-duplication check,
without needing the WaveFake-like corpus on disk.
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
import shutil
import sys
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import soundfile as sf

from . import asvspoof5 as asvspoof5_demo
from . import asvspoof2021 as asvspoof2021_demo
from . import channels
from . import in_the_wild as itw_demo
from . import mlaad as mlaad_demo
from .attacks import (
    ASVSPOOF_ATTACKS,
    ASVSPOOF_EVAL_IDS,
    ASVSPOOF_TRAIN_IDS,
    FOR_RECIPES,
    WAVEFAKE_VOCODERS,
    describe,
    synthesize_spoof,
    wavefake_vocoder,
)
from .codecs import mp3_round_trip
from .jobs import AudioJob, make_utterance
from .jobs import check_duration as _check_duration
from .jobs import count as _count
from .jobs import draw_duration as _duration
from .jobs import drawn_utterance as _drawn_utterance
from .jobs import finish as _finish
from .jobs import split_counts as _split_counts
from .speech import Speaker, plan_utterance, rng_for, sample_speaker

FOR_VARIANTS = ("for-norm", "for-2sec", "for-rerec", "for-original")
SPLITS = ("train", "dev", "eval")
ASVSPOOF_SR = 16000
FOR_SR = 16000
LJSPEECH_SR = 22050
#: Default WaveFake vocoder folders (all three file-name styles occur).
DEFAULT_VOCODERS = tuple(WAVEFAKE_VOCODERS)
DUPLICATES_FILE = "demo_duplicates.tsv"
README_FILE = "DEMO_CORPUS.txt"

# ------------------------------------------------------------------ validation
def _check_keys(fmt: str, sizes: Mapping[str, object]) -> None:
    """Reject non-mappings and unknown keys (typos in the config would otherwise be ignored)."""
    if not isinstance(sizes, Mapping):
        raise ValueError(f"demo sizes for {fmt!r} must be a mapping, got {type(sizes).__name__}")
    allowed = DEMO_WRITERS[fmt].allowed_keys
    unknown = set(sizes) - allowed
    if unknown:
        raise ValueError(
            f"demo sizes for {fmt!r}: unknown keys {sorted(unknown)}; allowed {sorted(allowed)}"
        )


# ----------------------------------------------------------------- LJSpeech
def ljspeech_id(index: int) -> str:
    """LJSpeech-style id of utterance ``index`` (LJ001-0001, LJ002-0001, ..., LJ050-0001,
    LJ001-0002, ...)."""
    if not 0 <= index < 50 * 9999:
        raise ValueError(f"LJSpeech utterance index out of range: {index}")
    return f"LJ{1 + index % 50:03d}-{1 + index // 50:04d}"


def ljspeech_speaker(seed: int) -> Speaker:
    """The single female LJSpeech-like speaker."""
    return sample_speaker(rng_for(seed, "ljspeech", "speaker"), "LJ", sex="f")


def ljspeech_utterance(seed: int, index: int, duration_s: tuple[float, float]) -> np.ndarray:
    """LJSpeech-like utterance ``index`` at 22.05 kHz, exactly as the WaveFake corpus writes it."""
    keys, speaker, levels = ("ljspeech", index), ljspeech_speaker(seed), (-22.0, -18.0)
    make = _drawn_utterance(seed, keys, speaker, duration_s, levels, LJSPEECH_SR, "ljspeech", None)
    return make()


def _ljspeech_fake(
    seed: int, index: int, folder: str, duration_s: tuple[float, float]
) -> np.ndarray:
    """A vocoder copy of LJSpeech-like utterance ``index``: same plan and recording path, plus
    artefacts."""
    keys = ("ljspeech", index)
    chain, _ = wavefake_vocoder(folder)
    speaker = ljspeech_speaker(seed)
    plan = plan_utterance(speaker, _duration(seed, keys, duration_s), rng_for(seed, *keys, "plan"))

    def record(x: np.ndarray) -> np.ndarray:
        return channels.record(x, LJSPEECH_SR, "ljspeech", rng_for(seed, *keys, "record"))

    x = synthesize_spoof(
        chain,
        plan,
        speaker,
        LJSPEECH_SR,
        rng_for(seed, "wavefake", folder, index, "attack"),
        record,
        rng_for(seed, *keys, "render"),
    )
    level = float(rng_for(seed, "wavefake", folder, index, "level").uniform(-22.0, -18.0))
    return _finish(x, LJSPEECH_SR, level, f"wavefake/{folder}/{index}")


# ---------------------------------------------------------------- the formats
def _asvspoof_jobs(
    sizes: Mapping[str, object], seed: int, duration_s: tuple[float, float]
) -> tuple[list[AudioJob], dict[str, str]]:
    counts = _split_counts("asvspoof2019_la", sizes)
    n_speakers = _count(sizes.get("n_speakers", 10), "asvspoof2019_la.n_speakers")
    if n_speakers < 1:
        raise ValueError("demo sizes: asvspoof2019_la.n_speakers must be at least 1")
    jobs: list[AudioJob] = []
    texts: dict[str, str] = {}
    proto_dir = "LA/ASVspoof2019_LA_cm_protocols"
    layout = {
        "train": ("T", "ASVspoof2019.LA.cm.train.trn.txt", ASVSPOOF_TRAIN_IDS),
        "dev": ("D", "ASVspoof2019.LA.cm.dev.trl.txt", ASVSPOOF_TRAIN_IDS),
        "eval": ("E", "ASVspoof2019.LA.cm.eval.trl.txt", ASVSPOOF_EVAL_IDS),
    }
    first_speaker = {
        "eval": 1,
        "dev": 1 + n_speakers,
        "train": 1 + 2 * n_speakers,
    }  # disjoint per split
    for split, (letter, proto_name, attack_ids) in layout.items():
        n_bona, n_spoof = counts[split]
        rng = rng_for(seed, "asvspoof2019_la", split, "layout")
        speaker_ids = [f"LA_{first_speaker[split] + k:04d}" for k in range(n_speakers)]
        speakers = {
            sid: sample_speaker(rng_for(seed, "asvspoof2019_la", "speaker", sid), sid)
            for sid in speaker_ids
        }
        numbers = rng.choice(9_000_000, n_bona + n_spoof, replace=False) + 1_000_000
        attacks = ["-"] * n_bona + [attack_ids[k % len(attack_ids)] for k in range(n_spoof)]
        order = rng.permutation(n_bona + n_spoof)
        lines = []
        for i, k in enumerate(order):
            attack = attacks[k]
            file_id = f"LA_{letter}_{numbers[i]}"
            spk = speaker_ids[int(rng.integers(n_speakers))]
            key = "bonafide" if attack == "-" else "spoof"
            lines.append(f"{spk} {file_id} - {attack} {key}")
            keys, speaker, levels = ("asvspoof2019_la", split, i), speakers[spk], (-26.0, -18.0)
            chain = None if attack == "-" else ASVSPOOF_ATTACKS[attack]
            make = _drawn_utterance(
                seed, keys, speaker, duration_s, levels, ASVSPOOF_SR, "vctk_studio", chain
            )
            jobs.append(
                AudioJob(
                    f"LA/ASVspoof2019_LA_{split}/flac/{file_id}.flac", ASVSPOOF_SR, make, "FLAC"
                )
            )
        texts[f"{proto_dir}/{proto_name}"] = "".join(line + "\n" for line in lines)
    return jobs, texts


def _allocate(total: int, weights: list[int]) -> list[int]:
    """Split ``total`` over bins proportionally to ``weights`` (largest remainder, capped by
    weights)."""
    if total > sum(weights):
        raise ValueError(f"cannot place {total} items in bins of sizes {weights}")
    if total == 0:
        return [0] * len(weights)
    exact = [total * w / sum(weights) for w in weights]
    out = [min(int(e), w) for e, w in zip(exact, weights, strict=True)]
    for k in sorted(range(len(weights)), key=lambda j: exact[j] - int(exact[j]), reverse=True):
        if sum(out) == total:
            break
        if out[k] < weights[k]:
            out[k] += 1
    while sum(out) < total:  # caps left some unplaced: fill any bin with room
        k = next(j for j in range(len(weights)) if out[j] < weights[j])
        out[k] += 1
    return out


def _for_name(number: int, spoof: bool, variant: str) -> str:
    """FoR-style file name, e.g. ``file123.wav_16k.wav_norm.wav_mono.wav_silence.wav``."""
    stem = f"file{number}.mp3" if spoof else f"file{number}"
    if variant == "for-original":
        return f"{stem}.wav"
    name = f"{stem}.wav_16k.wav_norm.wav_mono.wav_silence.wav"
    return name + "_2sec.wav" if variant == "for-2sec" else name


#: Rates the FoR-like duplicates pass through on their way from LJSpeech (22.05 kHz) to the corpus:
#: MP3 round trips at 44.1 or 22.05 kHz; the others are resampled directly.
DUPLICATE_MP3_RATES = (44100, 22050)
#: Leading silence (s) and gain (dB, after FoR's loudness normalisation) of the planted duplicates.
DUPLICATE_MAX_OFFSET_S = 0.5
DUPLICATE_MAX_GAIN_DB = 6.0


def _for_duplicate(
    seed: int, index: int, duration_s: tuple[float, float], variant: str, order: int
) -> np.ndarray:
    """A FoR real file that is LJSpeech-like utterance ``index``, as a real copy would differ
    from it.

    Per copy (seeded by ``index``): 0-500 ms of added leading silence and a
    +-6 dB level change; copies with even ``order`` (their position among the
    planted copies) go through an MP3 round trip at 44.1 or 22.05 kHz
    (alternately), the others are only resampled. ``for-original`` keeps the
    LJSpeech rate (22.05 kHz); the other variants end at 16 kHz, and
    ``for-2sec`` keeps the first 2 s.
    """
    x = ljspeech_utterance(seed, index, duration_s).astype(np.float64)
    rng = rng_for(seed, "for", variant, "duplicate", index)
    offset = int(round(rng.uniform(0.0, DUPLICATE_MAX_OFFSET_S) * LJSPEECH_SR))
    gain_db = float(rng.uniform(-DUPLICATE_MAX_GAIN_DB, DUPLICATE_MAX_GAIN_DB))
    y, rate = np.concatenate([np.zeros(offset), x]), LJSPEECH_SR
    if order % 2 == 0:
        mp3_rate = DUPLICATE_MP3_RATES[(order // 2) % len(DUPLICATE_MP3_RATES)]
        y = mp3_round_trip(channels.resample(y, rate, mp3_rate) * 0.5, mp3_rate)
        rate = mp3_rate
    out_rate = LJSPEECH_SR if variant == "for-original" else FOR_SR
    y = channels.resample(y, rate, out_rate)
    if variant == "for-2sec":
        y = y[: 2 * FOR_SR]
    level = -20.0  # FoR's loudness normalisation; the original release keeps LJSpeech's own level
    if variant == "for-original":
        level = float(rng_for(seed, "ljspeech", index, "level").uniform(-22.0, -18.0))
    return _finish(y, out_rate, level + gain_db, f"for duplicate of {ljspeech_id(index)}")


def _for_jobs(
    sizes: Mapping[str, object], seed: int, duration_s: tuple[float, float], variant: str
) -> tuple[list[AudioJob], dict[str, str]]:
    if variant not in FOR_VARIANTS:
        raise ValueError(f"unknown FoR variant {variant!r}; expected one of {FOR_VARIANTS}")
    counts = _split_counts("for", sizes)
    n_speakers = max(1, _count(sizes.get("n_speakers", 12), "for.n_speakers"))
    n_dup = _count(sizes.get("ljspeech_duplicates", 0), "for.ljspeech_duplicates")
    pool = _count(sizes.get("ljspeech_pool", n_dup), "for.ljspeech_pool")
    if pool < n_dup:
        raise ValueError(
            f"demo sizes: for.ljspeech_pool ({pool}) must be >= for.ljspeech_duplicates ({n_dup})"
        )
    folders = {"train": "training", "dev": "validation", "eval": "testing"}
    rng = rng_for(seed, "for", variant, "layout")
    total = sum(b + s for b, s in counts.values())
    numbers = iter(rng.choice(max(100_000, 10 * total), total, replace=False) + 1)
    dup_ids = iter(sorted(int(v) for v in rng.choice(pool, n_dup, replace=False)) if n_dup else [])
    dup_per_split = dict(zip(SPLITS, _allocate(n_dup, [counts[s][0] for s in SPLITS]), strict=True))
    jobs: list[AudioJob] = []
    dup_rows = []
    for split in SPLITS:
        n_bona, n_spoof = counts[split]
        speakers = [
            sample_speaker(rng_for(seed, "for", split, "speaker", k), f"for_{split}_{k}")
            for k in range(n_speakers)
        ]
        for i in range(n_bona + n_spoof):
            spoof = i >= n_bona
            name = _for_name(int(next(numbers)), spoof, variant)
            rel = f"{variant}/{folders[split]}/{'fake' if spoof else 'real'}/{name}"
            if not spoof and i < dup_per_split[split]:
                index = next(dup_ids)
                order = len(dup_rows)
                dup_rows.append((rel, ljspeech_id(index)))
                rate = LJSPEECH_SR if variant == "for-original" else FOR_SR
                jobs.append(
                    AudioJob(
                        rel, rate, partial(_for_duplicate, seed, index, duration_s, variant, order)
                    )
                )
                continue
            keys = ("for", variant, split, i)
            rate = FOR_SR
            if variant == "for-original":
                rate = int(rng_for(seed, *keys, "rate").choice([16000, 22050, 24000]))
            level = (
                float(rng_for(seed, *keys, "level").uniform(-30.0, -14.0))
                if variant == "for-original"
                else -20.0
            )
            dur = 2.0 if variant == "for-2sec" else _duration(seed, keys, duration_s)
            chain = FOR_RECIPES[(i - n_bona) % len(FOR_RECIPES)] if spoof else None
            post = _rerecord if variant == "for-rerec" else None
            speaker = speakers[int(rng_for(seed, *keys, "speaker").integers(n_speakers))]
            jobs.append(
                AudioJob(
                    rel,
                    rate,
                    partial(
                        make_utterance,
                        seed,
                        keys,
                        speaker,
                        dur,
                        rate,
                        "for_mixed",
                        chain,
                        level,
                        post,
                    ),
                )
            )
    table = "for_path\tljspeech_id\n" + "".join(f"{p}\t{lj}\n" for p, lj in dup_rows)
    return jobs, {DUPLICATES_FILE: table}


def _rerecord(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """FoR 'rerec' post-processing at the FoR rate."""
    return channels.rerecord(x, FOR_SR, rng)


def _wavefake_jobs(
    sizes: Mapping[str, object],
    seed: int,
    duration_s: tuple[float, float],
    vocoders: list[str] | None,
) -> tuple[list[AudioJob], dict[str, str]]:
    n = _count(sizes.get("n_utterances"), "wavefake.n_utterances")
    folders = list(DEFAULT_VOCODERS if vocoders is None else vocoders)
    if (
        not folders
        or len(set(folders)) != len(folders)
        or any(not f or "/" in f or f.startswith(".") for f in folders)
    ):
        raise ValueError(f"wavefake vocoders must be distinct plain folder names, got {folders!r}")
    jobs: list[AudioJob] = []
    meta = []
    for index in range(n):
        lj = ljspeech_id(index)
        meta.append(f"{lj}|Synthetic demo utterance {index}.|Synthetic demo utterance {index}.\n")
        jobs.append(
            AudioJob(
                f"LJSpeech-1.1/wavs/{lj}.wav",
                LJSPEECH_SR,
                partial(ljspeech_utterance, seed, index, duration_s),
            )
        )
        for folder in folders:
            _, suffix = wavefake_vocoder(folder)
            make = partial(_ljspeech_fake, seed, index, folder, duration_s)
            jobs.append(AudioJob(f"generated_audio/{folder}/{lj}{suffix}.wav", LJSPEECH_SR, make))
    return jobs, {"LJSpeech-1.1/metadata.csv": "".join(meta)}


# ------------------------------------------------------------------ writing
@contextlib.contextmanager
def _atomic_dir(root: Path) -> Iterator[Path]:
    """Build a folder under a temporary sibling name and rename it to ``root`` when complete."""
    if root.exists():
        if root.is_dir() and not any(root.iterdir()):
            root.rmdir()
        else:
            raise FileExistsError(
                f"{root}: already exists; remove it to regenerate the demo corpus"
            )
    root.parent.mkdir(parents=True, exist_ok=True)
    tmp = root.parent / f".{root.name}.tmp-{os.getpid()}"
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir()
    try:
        yield tmp
        os.replace(tmp, root)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp)


def _progress(total: int, desc: str, enabled: bool):  # noqa: ANN202 - tqdm or a no-op
    """A tqdm bar when asked for and stderr is a terminal, else a silent stand-in."""
    if enabled and sys.stderr.isatty():
        from tqdm import tqdm

        return tqdm(total=total, desc=desc, unit="file")
    return contextlib.nullcontext(_NoBar())


class _NoBar:
    """Progress sink used when no bar is shown."""

    def update(self, n: int = 1) -> None:
        """Ignore progress."""


def write_demo_corpus(
    fmt: str,
    root: Path,
    sizes: dict,
    *,
    seed: int,
    duration_s: tuple[float, float],
    variant: str = "for-norm",
    vocoders: list[str] | None = None,
    progress: bool = False,
) -> None:
    """Generate one synthetic demo corpus at ``root`` in the real corpus' layout.

    ``sizes`` is the format's entry of the config's ``demo:`` section, e.g.
    ``{"n_speakers": 10, "train": {"bonafide": 30, "spoof": 270}, ...}`` for
    ``asvspoof2019_la``; ``{"train": ..., "dev": ..., "eval": ...,
    "ljspeech_duplicates": 12}`` for ``for``; ``{"n_utterances": 60}`` for
    ``wavefake``; the other formats' sizes are described in their modules
    (``demo/in_the_wild.py``, ``demo/asvspoof2021.py``, ``demo/asvspoof5.py``,
    ``demo/mlaad.py``). ``root`` must not exist (or be
    empty); it appears only when complete.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown demo corpus format {fmt!r}; expected one of {FORMATS}")
    rng_for(seed)  # validates the seed early
    _check_keys(fmt, sizes)
    duration = _check_duration(duration_s)
    options = DemoOptions(variant=variant, vocoders=vocoders)
    jobs, texts = DEMO_WRITERS[fmt].jobs(sizes, seed, duration, options)
    info = {"format": fmt, "seed": seed, "sizes": sizes, "duration_s": list(duration)}
    if fmt == "for":
        info["variant"] = variant
    if fmt == "wavefake":
        info["vocoders"] = list(DEFAULT_VOCODERS if vocoders is None else vocoders)
    texts[README_FILE] = (
        "SYNTHETIC DEMO CORPUS - not real speech.\n"
        "Generated by workflow_scripts.demo (parametric speech model + simulated spoofing\n"
        "artefacts) in the on-disk layout of the real corpus, "
        "so the pipeline runs without downloads.\n"
        "Results on it say nothing about real detectors.\n"
        f"{json.dumps(info, sort_keys=True)}\n"
        "Spoofing systems (workflow_scripts.demo.attacks):\n"
        + "".join(f"  {k}: {v}\n" for k, v in DEMO_WRITERS[fmt].systems(sizes, options))
    )
    with _atomic_dir(Path(root)) as tmp:
        for rel, text in texts.items():
            path = tmp / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        with _progress(len(jobs), f"demo {fmt}", progress) as bar:
            for job in jobs:
                path = tmp / job.rel_path
                path.parent.mkdir(parents=True, exist_ok=True)
                sf.write(path, job.make(), job.sr, subtype="PCM_16", format=job.fmt)
                bar.update(1)


@dataclass(frozen=True)
class DemoOptions:
    """Per-format options of a demo corpus beyond its sizes (FoR variant, WaveFake vocoders)."""

    variant: str = "for-norm"
    vocoders: list[str] | None = None


Jobs = tuple[list[AudioJob], dict[str, str]]


@dataclass(frozen=True)
class DemoWriter:
    """How one corpus format's demo is written: the size keys it accepts, its audio jobs and
    text files, and the spoofing systems its README lists."""

    allowed_keys: frozenset[str]
    jobs: Callable[[Mapping[str, Any], int, tuple[float, float], DemoOptions], Jobs]
    systems: Callable[[Mapping[str, Any], DemoOptions], list[tuple[str, str]]]


def _vocoder_systems(options: DemoOptions) -> list[tuple[str, str]]:
    folders = DEFAULT_VOCODERS if options.vocoders is None else options.vocoders
    return [(f, describe(wavefake_vocoder(f)[0])) for f in folders]


def _asvspoof2021_writer(fmt: str) -> DemoWriter:
    return DemoWriter(
        frozenset(asvspoof2021_demo.ALLOWED_KEYS),
        lambda sizes, seed, d, o: asvspoof2021_demo.jobs(fmt, sizes, seed, d),
        lambda sizes, o: asvspoof2021_demo.systems(fmt),
    )


#: The demo writer of every corpus format, keyed like ``datasets.FORMAT_SPECS``
#: (tests/test_registries.py checks that every format has one).
DEMO_WRITERS: dict[str, DemoWriter] = {
    "asvspoof2019_la": DemoWriter(
        frozenset({"train", "dev", "eval", "n_speakers"}),
        lambda sizes, seed, d, o: _asvspoof_jobs(sizes, seed, d),
        lambda sizes, o: [(k, describe(v)) for k, v in ASVSPOOF_ATTACKS.items()],
    ),
    "for": DemoWriter(
        frozenset({"train", "dev", "eval", "n_speakers", "ljspeech_duplicates", "ljspeech_pool"}),
        lambda sizes, seed, d, o: _for_jobs(sizes, seed, d, o.variant),
        lambda sizes, o: [(f"tts{k + 1}", describe(v)) for k, v in enumerate(FOR_RECIPES)],
    ),
    "wavefake": DemoWriter(
        frozenset({"n_utterances"}),
        lambda sizes, seed, d, o: _wavefake_jobs(sizes, seed, d, o.vocoders),
        lambda sizes, o: _vocoder_systems(o),
    ),
    itw_demo.FORMAT: DemoWriter(
        frozenset(itw_demo.ALLOWED_KEYS),
        lambda sizes, seed, d, o: itw_demo.jobs(sizes, seed, d),
        lambda sizes, o: itw_demo.systems(sizes),
    ),
    **{fmt: _asvspoof2021_writer(fmt) for fmt in asvspoof2021_demo.FORMATS},
    asvspoof5_demo.FORMAT: DemoWriter(
        frozenset(asvspoof5_demo.ALLOWED_KEYS),
        lambda sizes, seed, d, o: asvspoof5_demo.jobs(sizes, seed, d),
        lambda sizes, o: asvspoof5_demo.systems(),
    ),
    mlaad_demo.FORMAT: DemoWriter(
        frozenset(mlaad_demo.ALLOWED_KEYS),
        lambda sizes, seed, d, o: mlaad_demo.jobs(sizes, seed, d),
        lambda sizes, o: mlaad_demo.systems(sizes),
    ),
}
#: Every format a demo corpus can be written in.
FORMATS: tuple[str, ...] = tuple(DEMO_WRITERS)


def read_duplicates(root: Path) -> list[tuple[str, str]]:
    """(for_path, ljspeech_id) rows of a FoR-like corpus' ``demo_duplicates.tsv``."""
    path = Path(root) / DUPLICATES_FILE
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh, delimiter="\t")
        header = next(reader, None)
        if header != ["for_path", "ljspeech_id"]:
            raise ValueError(f"{path}: expected header for_path<TAB>ljspeech_id, got {header!r}")
        return [(row[0], row[1]) for row in reader]
