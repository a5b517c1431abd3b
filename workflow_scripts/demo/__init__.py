"""Built-in synthetic demo corpora (layer 1): the workflow runs without downloads.

- :mod:`.speech`: parametric source-filter speech model (bonafide content);
- :mod:`.attacks`: registry of simulated spoofing algorithms and dataset attack ids;
- :mod:`.channels`: per-corpus recording conditions and in-the-wild degradations;
- :mod:`.corpora`: writers for the ASVspoof 2019 LA, FoR, WaveFake and
  In-the-Wild on-disk layouts (:func:`write_demo_corpus`).
"""

from .corpora import FORMATS, write_demo_corpus

__all__ = ["FORMATS", "write_demo_corpus"]
