"""Planning of the cross-corpus duplicate search (``rules/duplicates.smk``).

Pure functions of the validated config (see ``planning/__init__.py``).
"""

from __future__ import annotations

from workflow_scripts.planning.common import Config, Paths, as_paths, repeat_option
from workflow_scripts.planning.corpora import dataset_format, dataset_splits, demo_dir, is_demo


def fingerprint_path(name: str, split: str) -> str:
    return f"results/fingerprints/{name}/{split}.h5"


def duplicate_scan_splits(config: Config) -> list[tuple[str, str]]:
    """(dataset, split) scanned for cross-corpus duplicates: every split of the Exp-3 corpora."""
    return [(d, s) for d in config["experiment3"]["datasets"] for s in dataset_splits(config, d)]


def duplicate_scan_fingerprints(config: Config) -> list[str]:
    """Fingerprint files of the scanned splits, in the configured order."""
    return [fingerprint_path(d, s) for d, s in duplicate_scan_splits(config)]


def duplicate_scan_args(config: Config) -> list[str]:
    """``--fingerprints dataset:split=path`` flags, in the configured corpus order."""
    splits = duplicate_scan_splits(config)
    return repeat_option("--fingerprints", (f"{d}:{s}={fingerprint_path(d, s)}" for d, s in splits))


def expected_demo_duplicates(config: Config) -> list[str]:
    """The demo FoR corpus lists its planted LJSpeech duplicates; check the scan finds them."""
    for name in config["experiment3"]["datasets"]:
        if dataset_format(config, name) == "for" and is_demo(config, name):
            return [demo_dir(name)]
    return []


def expected_demo_args(demo_dirs: Paths) -> list[str]:
    """``--expected-demo`` with the planted-duplicates list of the demo FoR corpus, if any."""
    return repeat_option(
        "--expected-demo", (f"{d}/demo_duplicates.tsv" for d in as_paths(demo_dirs))
    )
