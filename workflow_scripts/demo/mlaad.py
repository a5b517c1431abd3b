"""Demo MLAAD corpus: per-language, per-model spoof folders and the M-AILABS books they read.

Written (see ``datasets/mlaad.py`` and ``datasets/mailabs.py`` for the sources)::

    fake/<ll>/<model folder>/meta.csv, fake/<ll>/<model folder>/<clip id>.wav
    <ll_CC>/by_book/{female,male}/<speaker>/<book>/metadata.csv, .../wavs/<clip id>.wav

``sizes``: ``{"n_languages": 2, "models_per_language": 2, "bonafide_per_language": 40,
"spoof_per_model": 20}``. Each language has two M-AILABS-like readers (one
female, one male book) at 16 kHz. Each TTS model of a language re-synthesises
``spoof_per_model`` of that language's clips with its own voice, rate and
artefact recipe; a fake is named after the clip it reads, as in MLAAD, and
its ``meta.csv`` row names that clip in ``original_file``. The multilingual
model appears in every language under one ``model_name`` (one attack).
"""

from __future__ import annotations

from collections.abc import Mapping

from .attacks import Recipe, describe, recipe
from .jobs import AudioJob, count, draw_duration, drawn_utterance
from .speech import rng_for, sample_speaker

FORMAT = "mlaad"
ALLOWED_KEYS = {"n_languages", "models_per_language", "bonafide_per_language", "spoof_per_model"}
MAILABS_SR = 16000
#: (MLAAD language code, M-AILABS folder, female reader, male reader).
LANGUAGES = (
    ("en", "en_US", "judy_demo", "elliot_demo"),
    ("de", "de_DE", "eva_demo", "karlsson_demo"),
    ("fr", "fr_FR", "ezwa_demo", "bernard_demo"),
    ("es", "es_ES", "karen_demo", "tux_demo"),
    ("it", "it_IT", "lisa_demo", "riccardo_demo"),
    ("pl", "pl_PL", "nina_demo", "piotr_demo"),
)
#: (model_name template, architecture, sample rate, recipe); ``{ll}`` is the language.
MODELS: tuple[tuple[str, str, int, Recipe], ...] = (
    ("tts_models/multilingual/multi-dataset/xtts_v2", "xtts_v2", 24000,
     recipe("bandlimit_imaging")),
    ("tts_models/{ll}/demo/vits", "vits", 22050, recipe(("frame_checkerboard", {"period": 8}))),
    ("tts_models/{ll}/demo/tacotron2-DDC", "tacotron2-DDC", 22050,
     recipe("oversmoothed_params", "griffin_lim")),
    ("tts_models/{ll}/demo/glow-tts", "glow-tts", 16000, recipe("subband_aliasing")),
)  # fmt: skip
HEADER = (
    "path|original_file|language|is_original_language|duration|training_data|"
    "model_name|architecture|transcript"
)


def _sizes(sizes: Mapping[str, object]) -> tuple[int, int, int, int]:
    n_lang = count(sizes.get("n_languages", 2), "mlaad.n_languages")
    n_models = count(sizes.get("models_per_language", 2), "mlaad.models_per_language")
    n_bona = count(sizes.get("bonafide_per_language", 40), "mlaad.bonafide_per_language")
    n_spoof = count(sizes.get("spoof_per_model", 20), "mlaad.spoof_per_model")
    if not 1 <= n_lang <= len(LANGUAGES):
        raise ValueError(f"demo sizes: mlaad.n_languages must be in 1..{len(LANGUAGES)}")
    if not 1 <= n_models <= len(MODELS):
        raise ValueError(f"demo sizes: mlaad.models_per_language must be in 1..{len(MODELS)}")
    if n_spoof > n_bona:
        raise ValueError(
            "demo sizes: mlaad.spoof_per_model must not exceed bonafide_per_language "
            "(each fake reads a distinct clip)"
        )
    return n_lang, n_models, n_bona, n_spoof


def jobs(
    sizes: Mapping[str, object], seed: int, duration_s: tuple[float, float]
) -> tuple[list[AudioJob], dict[str, str]]:
    """Audio jobs and text files of the demo ``mlaad`` corpus (M-AILABS books included)."""
    n_lang, n_models, n_bona, n_spoof = _sizes(sizes)
    audio: list[AudioJob] = []
    texts: dict[str, str] = {}
    for ll, folder, female, male in LANGUAGES[:n_lang]:
        clips = []  # (relative wav path, clip id, transcript)
        for gender, reader, share in (
            ("female", female, (n_bona + 1) // 2),
            ("male", male, n_bona // 2),
        ):
            book = f"{reader.split('_')[0]}_book"
            book_dir = f"{folder}/by_book/{gender}/{reader}/{book}"
            speaker = sample_speaker(rng_for(seed, FORMAT, ll, reader), reader, sex=gender[0])
            meta = []
            for j in range(share):
                clip_id = f"{book}_01_f{j + 1:06d}"
                text = f"Demo sentence {j + 1} of {book} ({ll})."
                meta.append(f"{clip_id}|{text}|{text}\n")
                rel = f"{book_dir}/wavs/{clip_id}.wav"
                clips.append((rel, clip_id, text))
                make = drawn_utterance(
                    seed, (FORMAT, ll, reader, j), speaker, duration_s, (-24.0, -18.0),
                    MAILABS_SR, "ljspeech", None,
                )  # fmt: skip
                audio.append(AudioJob(rel, MAILABS_SR, make))
            texts[f"{book_dir}/metadata.csv"] = "".join(meta)
        for m, (template, arch, sr, chain) in enumerate(MODELS[:n_models]):
            model_name = template.format(ll=ll)
            model_dir = f"fake/{ll}/{model_name.replace('/', '_')}"
            voice = sample_speaker(rng_for(seed, FORMAT, ll, model_name, "voice"), f"tts{m}")
            picks = rng_for(seed, FORMAT, ll, model_name, "picks").permutation(len(clips))
            rows = [HEADER + "\n"]
            for i in sorted(int(p) for p in picks[:n_spoof]):
                rel, clip_id, text = clips[i]
                keys = (FORMAT, ll, model_name, clip_id)
                duration = draw_duration(seed, keys, duration_s)
                rows.append(
                    f"./{model_dir}/{clip_id}.wav|{rel}|{ll}|True|{duration:.2f}|demo|"
                    f"{model_name}|{arch}|{text}\n"
                )
                make = drawn_utterance(
                    seed, keys, voice, duration_s, (-22.0, -16.0), sr, "ljspeech", chain
                )
                audio.append(AudioJob(f"{model_dir}/{clip_id}.wav", sr, make))
            texts[f"{model_dir}/meta.csv"] = "".join(rows)
    return audio, texts


def systems(sizes: Mapping[str, object]) -> list[tuple[str, str]]:
    """(model_name, recipe) pairs of the corpus' spoofs, for its README."""
    n_lang, n_models, _, _ = _sizes(sizes)
    names = {
        template.format(ll=ll): describe(chain)
        for ll, *_ in LANGUAGES[:n_lang]
        for template, _, _, chain in MODELS[:n_models]
    }
    return sorted(names.items())
