"""What a bootstrap of an evaluation set draws: utterances, or whole speakers.

Utterances of one speaker share the voice, the recording set-up and often the text, so a
detector's errors on them are correlated. Resampling utterances one by one treats them as
independent and gives intervals that are too narrow for claims about unseen speakers.
Where the evaluation manifest names speakers, :func:`resampling_units` makes each speaker
one cluster and the bootstrap draws clusters with replacement, all of a drawn speaker's
utterances together (a cluster bootstrap; ``docs/metrics.md``, "Resampling units"):

* clusters are drawn within strata of (corpus, classes the cluster holds): speakers with
  only bonafide, only spoof, or both classes; the class sizes then vary only as much as
  the speakers carrying them do, every resample keeps both classes, and a merged set (the
  "eval data" of Experiments 3 and 4) keeps its share of each corpus;
* an utterance without a speaker (``-``) is a cluster of its own;
* a corpus with fewer than ``min_speakers`` named speakers is resampled by utterance (a
  cluster bootstrap of a handful of speakers says little), and a note says so.

With no speaker at all the units are single utterances by class, the draws of the earlier
utterance bootstrap, so its numbers are unchanged. Pure numpy and pandas; the manifests are
read as plain TSV tables, never through ``datasets``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

#: Speaker values that mean "unknown speaker" in a manifest.
UNKNOWN_SPEAKERS: frozenset[str] = frozenset({"-", ""})
#: A corpus with fewer named speakers than this is resampled by utterance.
DEFAULT_MIN_SPEAKERS = 8
#: Manifest columns the speaker join needs.
SPEAKER_COLUMNS = ("utt_id", "dataset", "label", "speaker")
#: Stratum order within a corpus: clusters holding bonafide only, spoof only, both.
_COMPOSITIONS = ("bonafide", "spoof", "both")


@dataclass(frozen=True)
class _Stratum:
    """Clusters drawn together: their member indices back to back, with start and size."""

    members: np.ndarray
    starts: np.ndarray
    sizes: np.ndarray

    def draw(self, rng: np.random.Generator) -> np.ndarray:
        chosen = rng.integers(0, self.sizes.size, self.sizes.size)
        lengths = self.sizes[chosen]
        offsets = np.cumsum(lengths) - lengths
        return self.members[
            np.repeat(self.starts[chosen] - offsets, lengths) + np.arange(lengths.sum())
        ]


@dataclass(frozen=True)
class ResamplingUnits:
    """The strata and clusters one bootstrap draws, and what they are in words."""

    strata: tuple[_Stratum, ...]
    n_utterances: int
    n_speakers: int
    n_single: int
    notes: tuple[str, ...] = ()

    @property
    def description(self) -> str:
        """``speakers (58)``, ``speakers (12) + utterances (300)`` or ``utterances``."""
        if self.n_speakers == 0:
            return "utterances"
        if self.n_single == 0:
            return f"speakers ({self.n_speakers})"
        return f"speakers ({self.n_speakers}) + utterances ({self.n_single})"

    def draw(self, rng: np.random.Generator) -> np.ndarray:
        """One resample: indices of the drawn clusters' utterances, stratum after stratum."""
        return np.concatenate([stratum.draw(rng) for stratum in self.strata])

    def resamples(self, n: int, seed: int) -> Iterator[np.ndarray]:
        """``n`` resamples from ``numpy.random.default_rng(seed)``, one at a time."""
        rng = np.random.default_rng(seed)
        for _ in range(n):
            yield self.draw(rng)


def resampling_units(
    labels: np.ndarray,
    speakers: Sequence[str] | np.ndarray | None = None,
    datasets: Sequence[str] | np.ndarray | None = None,
    *,
    min_speakers: int = DEFAULT_MIN_SPEAKERS,
) -> ResamplingUnits:
    """The bootstrap units of an evaluation set with ``labels`` (1 bonafide, 0 spoof).

    ``speakers`` and ``datasets`` are aligned with ``labels`` (``None``: all unknown, one
    corpus). A speaker is a cluster within its corpus (the same name in two corpora is two
    speakers). Strata, in order: per corpus (first appearance), clusters with bonafide only,
    spoof only, both; clusters within a stratum in order of their first utterance.
    """
    y = np.asarray(labels)
    n = y.size
    if min_speakers < 1:
        raise ValueError(f"min_speakers must be >= 1, got {min_speakers}")
    spk = _strings(speakers, n, "-", "speakers")
    corpus = _strings(datasets, n, "", "datasets")
    if not ((y == 0) | (y == 1)).all():
        raise ValueError("labels must be 0 (spoof) or 1 (bonafide)")
    if not (y == 1).any() or not (y == 0).any():
        raise ValueError("a bootstrap needs bonafide and spoof utterances")
    known = ~np.isin(spk, list(UNKNOWN_SPEAKERS))
    notes = []
    corpus_names = list(dict.fromkeys(corpus.tolist()))
    for name in corpus_names:
        mine = corpus == name
        count = len(set(spk[mine & known].tolist()))
        if 0 < count < min_speakers:
            label = f"{name}: " if name else ""
            notes.append(
                f"{label}{count} named speaker(s), fewer than min_speakers = {min_speakers}: "
                f"its {int(mine.sum())} utterances are resampled one by one"
            )
            known &= ~mine
    # one cluster key per utterance: its corpus and speaker, or its own index (a tab and a
    # newline cannot occur in a TSV field, so the two kinds of key never meet)
    keys = np.where(known, np.char.add(np.char.add(corpus.astype(str), "\t"), spk), "")
    own = np.char.add("\n", np.arange(n).astype(str))
    cluster_ids, cluster_keys = pd.factorize(np.where(known, keys, own))  # first-appearance order
    n_clusters = len(cluster_keys)
    has_bona = np.zeros(n_clusters, dtype=bool)
    has_spoof = np.zeros(n_clusters, dtype=bool)
    has_bona[cluster_ids[y == 1]] = True
    has_spoof[cluster_ids[y == 0]] = True
    composition = np.where(has_bona & has_spoof, 2, np.where(has_bona, 0, 1))
    cluster_corpus = np.empty(n_clusters, dtype=np.int64)
    corpus_index = {name: k for k, name in enumerate(corpus_names)}
    cluster_corpus[cluster_ids] = [corpus_index[c] for c in corpus.tolist()]
    order = np.argsort(cluster_ids, kind="stable")  # members of each cluster, in index order
    sizes_all = np.bincount(cluster_ids, minlength=n_clusters)
    starts_all = np.cumsum(sizes_all) - sizes_all
    strata = []
    for c in range(len(corpus_names)):
        for k in range(len(_COMPOSITIONS)):
            chosen = np.flatnonzero((cluster_corpus == c) & (composition == k))
            if chosen.size == 0:
                continue
            sizes = sizes_all[chosen]
            members = np.concatenate(
                [order[s : s + z] for s, z in zip(starts_all[chosen], sizes, strict=True)]
            )
            strata.append(_Stratum(members, np.cumsum(sizes) - sizes, sizes))
    n_speakers = int(np.unique(keys[known]).size)
    return ResamplingUnits(
        strata=tuple(strata),
        n_utterances=n,
        n_speakers=n_speakers,
        n_single=int((~known).sum()),
        notes=tuple(notes),
    )


def _strings(values: Sequence[str] | np.ndarray | None, n: int, fill: str, what: str) -> np.ndarray:
    if values is None:
        return np.full(n, fill, dtype=object).astype(str)
    out = np.asarray(values, dtype=str)
    if out.shape != (n,):
        raise ValueError(f"{what} has shape {out.shape}, labels ({n},)")
    return out


# --------------------------------------------------------------------------- manifests


def read_speaker_manifests(paths: Sequence[str | os.PathLike[str]]) -> pd.DataFrame:
    """``utt_id, dataset, label, speaker`` of the given manifests, stacked; errors name the file."""
    tables = []
    for path in paths:
        try:
            table = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False)
        except FileNotFoundError:
            raise ValueError(f"{path}: manifest not found") from None
        except (pd.errors.EmptyDataError, pd.errors.ParserError, UnicodeDecodeError) as exc:
            raise ValueError(f"{path}: cannot read the manifest ({exc})".splitlines()[0]) from None
        missing = [c for c in SPEAKER_COLUMNS if c not in table.columns]
        if missing:
            raise ValueError(f"{path}: not a manifest (missing {missing})")
        tables.append(table.loc[:, list(SPEAKER_COLUMNS)])
    if not tables:
        raise ValueError("no manifest given")
    return pd.concat(tables, ignore_index=True)


def speakers_of_scores(
    scores: pd.DataFrame, manifests: pd.DataFrame, where: str
) -> tuple[np.ndarray, np.ndarray]:
    """(speaker, dataset) of every row of a score table, from the manifests by ``utt_id``.

    A score table of several corpora (``dataset`` column, the "eval data") is joined on
    ``(dataset, utt_id)``, else on ``utt_id``. A scored utterance missing from the
    manifests, found twice, or labelled otherwise there is an error naming ``where``.
    """
    keys = ["dataset", "utt_id"] if "dataset" in scores.columns else ["utt_id"]
    left = scores.loc[:, [*keys, "label"]].astype(str)
    right = manifests.astype(str).drop_duplicates()
    repeated = right.duplicated(subset=keys, keep=False)
    if repeated.any():
        wanted = right.loc[repeated, keys].merge(left[keys], on=keys)
        if len(wanted):
            first = " / ".join(wanted.iloc[0].tolist())
            raise ValueError(f"{where}: {first!r} is in the manifests more than once")
        right = right.loc[~repeated]
    joined = left.merge(
        right, on=keys, how="left", suffixes=("", "_manifest"), validate="one_to_one"
    )
    unmatched = joined["speaker"].isna()
    if unmatched.any():
        first = joined.loc[unmatched, "utt_id"].iloc[0]
        raise ValueError(
            f"{where}: {int(unmatched.sum())} scored utt_id(s) are not in the manifests "
            f"(first: {first!r})"
        )
    relabelled = joined["label"] != joined["label_manifest"]
    if relabelled.any():
        first = joined.loc[relabelled, "utt_id"].iloc[0]
        raise ValueError(f"{where}: {first!r} has another label in its manifest")
    return joined["speaker"].to_numpy(dtype=str), joined["dataset"].to_numpy(dtype=str)
