"""Experiment 3: random N bonafide + N spoof per dataset, duplicates removed, merged into one selection.

Usage::

    python -m workflow_scripts.sample_random \
        --cache asvspoof2019=results/caches/asvspoof2019/train.h5 \
        --cache for=... --cache wavefake=... \
        --n-per-class N --seed S [--duplicates duplicates.tsv] \
        --out selection.tsv --summary-out summary.json

    # pool of train + dev (experiment3.pool: train_dev): several splits of one dataset
    python -m workflow_scripts.sample_random \
        --cache asvspoof2019:train=... --cache asvspoof2019:dev=... --cache for:train=... ...

    # random control at the full method's budget (Experiment 4):
    python -m workflow_scripts.sample_random --cache ... --match-counts full_method_summary.json \
        --seed S [--duplicates duplicates.tsv] --out ... --summary-out ...

A dataset's pool is the union of its caches (``train``, or ``train`` and
``dev``; an ``eval`` cache is refused). Rows listed as excluded by
:func:`selections.duplicate_exclusions` (priority: the order of ``--cache``,
training splits first) are never drawn. A (dataset,
class) with fewer eligible rows than requested gives all it has; the
shortfall is logged and written to the summary. Each (dataset, class) draws
from its own random stream keyed by name (``sampling.draw_per_dataset``), so
``--match-counts`` with the same count everywhere equals ``--n-per-class``.

Selection columns: ``dataset, split, utt_id, label, attack``. Summary keys:
``mode``, ``n_per_class``, ``seed``, ``caches``, ``pool`` (splits per dataset),
``counts`` (per dataset and class: ``rows``, ``excluded``, ``requested``,
``available``, ``drawn``), ``shortfall``, ``duplicates``, ``per_dataset``,
``per_split`` (drawn rows per dataset, split and class) and ``total``
(``bonafide``, ``spoof``, ``rows``).
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from workflow_scripts.sampling import draw_per_dataset
from workflow_scripts.io.files import read_json, write_json
from workflow_scripts.io.selections import class_counts, CLASS_NAMES, NamedPath, parse_named_path, read_cache_tables, read_duplicate_pairs, write_selection
from workflow_scripts.sampling.exclusions import duplicate_exclusions, excluded_mask

log = logging.getLogger("workflow_scripts.sample_random")

SELECTION_OUTPUT_COLUMNS: tuple[str, ...] = ("dataset", "split", "utt_id", "label", "attack")
COUNT_COLUMNS: tuple[str, ...] = ("dataset", "label", "rows", "excluded", "requested", "available", "drawn")


@dataclass(frozen=True)
class Pool:
    """Metadata of all given caches (one per dataset), positionally indexed, and the excluded rows."""

    table: pd.DataFrame
    excluded: np.ndarray
    caches: list[dict[str, Any]]
    duplicates: dict[str, Any]

    @property
    def datasets(self) -> list[str]:
        """Datasets in the order first given (a dataset may have several caches: its pool splits)."""
        return list(dict.fromkeys(c["dataset"] for c in self.caches))

    @property
    def splits(self) -> dict[str, list[str]]:
        """Splits of each dataset's pool, in the order given."""
        out: dict[str, list[str]] = {}
        for c in self.caches:
            out.setdefault(c["dataset"], []).append(c["split"])
        return out


def load_pool(specs: Sequence[NamedPath], duplicates: Path | None) -> Pool:
    """Read the caches' metadata and mark rows excluded as duplicates.

    One cache per (dataset, split); a dataset may have several (its pool).
    Exclusion priority is the order of ``specs`` (see ``duplicate_exclusions``:
    training splits outrank evaluation splits regardless of order).
    """
    table, caches = read_cache_tables(specs)
    info: dict[str, Any] = {"file": None, "pairs": 0, "excluded": 0}
    excluded = np.zeros(len(table), dtype=bool)
    if duplicates is not None:
        pairs = read_duplicate_pairs(duplicates)
        priority = [(c["dataset"], c["split"]) for c in caches]
        excluded = excluded_mask(table, duplicate_exclusions(pairs, priority))
        info = {"file": str(duplicates), "pairs": int(len(pairs)), "excluded": int(excluded.sum())}
    return Pool(table=table, excluded=excluded, caches=caches, duplicates=info)


def draw_counts(pool: Pool, requested: Mapping[tuple[str, str], int], seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Draw ``requested[(dataset, class)]`` eligible rows of each dataset and class.

    Returns the selection (pool order) and the count table (``COUNT_COLUMNS``).
    Every (dataset, class) of the pool must have a request.
    """
    table = pool.table
    exclude = set(np.flatnonzero(pool.excluded).tolist())
    drawn: list[pd.Index] = []
    rows: list[dict[str, Any]] = []
    for dataset in pool.datasets:
        part = table[table["dataset"] == dataset]
        for label in CLASS_NAMES:
            if (dataset, label) not in requested:
                raise ValueError(f"no requested count for dataset {dataset!r}, class {label!r}")
            n = int(requested[(dataset, label)])
            result = draw_per_dataset(part, n, seed, exclude, labels=[label])
            drawn.append(result.index)
            row = result.counts.iloc[0].to_dict()
            in_class = (part["label"] == label).to_numpy()
            rows.append(
                {
                    "dataset": dataset,
                    "label": label,
                    "rows": int(in_class.sum()),
                    "excluded": int(pool.excluded[part.index.to_numpy()][in_class].sum()),
                    "requested": int(row["requested"]),
                    "available": int(row["available"]),
                    "drawn": int(row["drawn"]),
                }
            )
    positions = np.sort(np.concatenate([idx.to_numpy(dtype=np.int64) for idx in drawn]))
    selection = table.iloc[positions][list(SELECTION_OUTPUT_COLUMNS)].reset_index(drop=True)
    return selection, pd.DataFrame(rows, columns=list(COUNT_COLUMNS))


def uniform_counts(pool: Pool, n_per_class: int) -> dict[tuple[str, str], int]:
    """``n_per_class`` for every dataset and class of the pool."""
    if n_per_class < 0:
        raise ValueError(f"--n-per-class must be >= 0, got {n_per_class}")
    return {(ds, label): int(n_per_class) for ds in pool.datasets for label in CLASS_NAMES}


def matched_counts(summary: Mapping[str, Any], datasets: Sequence[str], where: str) -> dict[tuple[str, str], int]:
    """Per (dataset, class) counts a full-method summary reports (``datasets.<name>.counts``)."""
    per_dataset = summary.get("datasets") if isinstance(summary, Mapping) else None
    if not isinstance(per_dataset, Mapping):
        raise ValueError(f"{where}: no 'datasets' mapping; expected a sample_full_method summary")
    counts: dict[tuple[str, str], int] = {}
    for ds in datasets:
        entry = per_dataset.get(ds)
        if not isinstance(entry, Mapping) or not isinstance(entry.get("counts"), Mapping):
            raise ValueError(f"{where}: no counts for dataset {ds!r} (has {sorted(per_dataset)})")
        for label in CLASS_NAMES:
            value = entry["counts"].get(label)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"{where}: datasets.{ds}.counts.{label} must be a non-negative integer, got {value!r}")
            counts[(ds, label)] = value
    extra = sorted(set(per_dataset) - set(datasets))
    if extra:
        raise ValueError(f"{where}: counts for dataset(s) {extra} but no cache for them was given")
    return counts


def split_counts(selection: pd.DataFrame) -> dict[str, dict[str, dict[str, int]]]:
    """Selected rows per dataset, split and class (how much of a train + dev pool came from dev)."""
    return {
        str(ds): {str(sp): class_counts(rows, by_dataset=False) for sp, rows in part.groupby("split", sort=True)}
        for ds, part in selection.groupby("dataset", sort=True)
    }


def report(
    pool: Pool, counts: pd.DataFrame, selection: pd.DataFrame, *, seed: int, **extra: Any
) -> dict[str, Any]:
    """Summary JSON content (module docstring) and a log line per shortfall."""
    shortfall = counts[counts["drawn"] < counts["requested"]]
    for row in shortfall.itertuples(index=False):
        log.warning("%s %s: %d requested but only %d eligible (%d excluded as duplicates)",
                    row.dataset, row.label, row.requested, row.available, row.excluded)
    return {
        **extra,
        "seed": int(seed),
        "caches": pool.caches,
        "pool": pool.splits,
        "counts": counts.to_dict(orient="records"),
        "shortfall": shortfall.to_dict(orient="records"),
        "duplicates": pool.duplicates,
        "per_dataset": class_counts(selection),
        "per_split": split_counts(selection),
        "total": {**class_counts(selection, by_dataset=False), "rows": int(len(selection))},
    }


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m workflow_scripts.sample_random", description=__doc__.split("\n")[0])
    parser.add_argument("--cache", action="append", required=True, metavar="DATASET[:SPLIT]=H5",
                        help="a training-pool cache (repeat; one per dataset and split, e.g. train and dev)")
    budget = parser.add_mutually_exclusive_group(required=True)
    budget.add_argument("--n-per-class", type=int, help="N bonafide and N spoof per dataset")
    budget.add_argument("--match-counts", type=Path, help="sample_full_method summary whose per-dataset counts to draw")
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--duplicates", type=Path, default=None, help="find_duplicates pair TSV")
    parser.add_argument("--out", type=Path, required=True, help="selection TSV")
    parser.add_argument("--summary-out", type=Path, required=True, help="summary JSON")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        if args.seed < 0:
            raise ValueError(f"--seed must be >= 0, got {args.seed}")
        pool = load_pool([parse_named_path(t, option="--cache") for t in args.cache], args.duplicates)
        for cache in pool.caches:
            if cache["split"] == "eval":
                raise ValueError(f"{cache['path']} is an eval split; training rows are never drawn from evaluation data")
            if cache["split"] != "train":
                log.info("%s: the %r split is part of the %s pool", cache["path"], cache["split"], cache["dataset"])
        if args.match_counts is not None:
            requested = matched_counts(read_json(args.match_counts, "match-counts summary"), pool.datasets,
                                       str(args.match_counts))
            mode = {"mode": "match_counts", "n_per_class": None, "match_counts": str(args.match_counts)}
        else:
            requested = uniform_counts(pool, args.n_per_class)
            mode = {"mode": "n_per_class", "n_per_class": int(args.n_per_class), "match_counts": None}
        selection, counts = draw_counts(pool, requested, args.seed)
    except ValueError as err:
        print(f"sample_random: error: {err}", file=sys.stderr)
        return 2
    write_selection(selection, args.out)
    write_json(report(pool, counts, selection, seed=args.seed, **mode), args.summary_out)
    log.info("selected %d rows from %d datasets -> %s", len(selection), len(pool.caches), args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
