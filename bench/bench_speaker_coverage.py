"""Coverage of the paired-bootstrap interval of an EER-ROC difference: utterance vs speaker units.

    python bench/bench_speaker_coverage.py [--speakers 2 4 8 15 30] [--side-sd 1.2]
        [--per-class 6] [--draws 100] [--resamples 40] [--seed 1]

Simulates ``--draws`` evaluation sets of G speakers (each of ``--speakers``) with
``--per-class`` bonafide and spoof utterances per speaker, scored by two detectors whose
classes are separated by 2.0 and 1.5. A score is ``label * separation`` plus a per-speaker,
per-class offset shared by both detectors (sd 0.3, or ``--side-sd`` if smaller), one that is
the detector's own (sd ``--side-sd``: a detector is better on some voices than another) and
per-utterance noise (sd 1). The population EER is ``Phi(-separation / (2 sigma))``, so the
true difference is known; the script prints, per G, the share of 95 % intervals
(``metrics.significance.paired_difference``, one seed per side) that cover it when the
bootstrap draws utterances and when it draws speakers. ``--side-sd 0`` is the case without
any speaker effect. This is the model of ``tests/test_resampling.py``; docs/metrics.md
("Resampling units") quotes its output when choosing ``statistics.min_speakers``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
from scipy.special import ndtr

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from workflow_scripts.metrics.resampling import resampling_units  # noqa: E402
from workflow_scripts.metrics.significance import paired_difference  # noqa: E402

SEPARATIONS = (2.0, 1.5)
SHARED_SD, NOISE_SD = 0.3, 1.0


def coverage(
    n_speakers: int, per_class: int, side_sd: float, draws: int, resamples: int, seed: int
) -> dict[str, float]:
    """Share of intervals covering the true difference, per kind of resampling unit."""
    shared_sd = min(SHARED_SD, side_sd)
    sigma = np.sqrt(shared_sd**2 + side_sd**2 + NOISE_SD**2)
    truth = float(ndtr(-SEPARATIONS[0] / (2 * sigma)) - ndtr(-SEPARATIONS[1] / (2 * sigma)))
    labels = np.tile(np.repeat([1, 0], per_class), n_speakers)
    speaker = np.repeat(np.arange(n_speakers), 2 * per_class)
    units = {
        "utterances": resampling_units(labels),
        "speakers": resampling_units(labels, speaker.astype(str), min_speakers=1),
    }
    rng = np.random.default_rng(seed)
    hits = {name: 0 for name in units}
    klass = 1 - labels
    for r in range(draws):
        common = rng.normal(0.0, shared_sd, (n_speakers, 2))[speaker, klass]
        sides = [
            labels * mu
            + common
            + rng.normal(0.0, side_sd, (n_speakers, 2))[speaker, klass]
            + rng.normal(0.0, NOISE_SD, labels.size)
            for mu in SEPARATIONS
        ]
        for name, unit in units.items():
            d = paired_difference(
                *sides, labels, metrics=("eer_roc",), n_resamples=resamples, seed=r, units=unit
            )["eer_roc"]
            hits[name] += d.low <= truth <= d.high
    return {name: count / draws for name, count in hits.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--speakers", type=int, nargs="+", default=[2, 4, 8, 15, 30])
    parser.add_argument("--per-class", type=int, default=6)
    parser.add_argument("--side-sd", type=float, default=1.2)
    parser.add_argument("--draws", type=int, default=100)
    parser.add_argument("--resamples", type=int, default=40)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    print(f"side sd {args.side_sd}, {args.per_class} utterances per class and speaker")
    for g in args.speakers:
        found = coverage(g, args.per_class, args.side_sd, args.draws, args.resamples, args.seed)
        print(
            f"{g:3d} speakers: utterance bootstrap covers {found['utterances']:.2f}, "
            f"speaker bootstrap {found['speakers']:.2f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
