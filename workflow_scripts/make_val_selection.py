"""Validation selection of an Experiment-3/4 run: dev rows that are no training row and no copy of a kept row.

Usage::

    python -m workflow_scripts.make_val_selection \
        --cache asvspoof2019:dev=results/caches/asvspoof2019/dev.h5 \
        --cache for:dev=... --cache wavefake:dev=... \
        --duplicates results/duplicates/pairs.tsv \
        --training-selection results/sampling/exp3/n1000/seed0.tsv \
        --out seed0.val.tsv --summary-out seed0.val.json

Every row of the given caches is kept unless
:func:`selections.validation_exclusions` names it: a row of the training
selection (``experiment3.pool: train_dev`` draws from dev), a row that
:func:`selections.duplicate_exclusions` drops (the duplicate pairs cover
every split of the corpora, so a dev copy of a train-split recording goes,
priority: training splits first, then the order of ``--cache``), or a copy
of a training row. So a model never validates on a recording it trains on,
and since ``eval_data`` drops every eval copy of a train or dev recording,
never evaluates on one either. Evaluation caches are refused.

Selection columns: ``dataset, split, utt_id, label, attack`` (what
``train --val-selection`` reads). Summary keys: ``caches``, ``duplicates``
(``file``, ``pairs``), ``training_selection`` (``file``, ``rows``),
``counts`` (per dataset and class: ``rows``, one column per exclusion reason,
``kept``) and ``total`` (``bonafide``, ``spoof``, ``rows``).
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from workflow_scripts.io.files import write_json
from workflow_scripts.io.selections import class_counts, CLASS_NAMES, parse_named_path, read_cache_tables, read_duplicate_pairs, read_selection, write_selection
from workflow_scripts.sampling.exclusions import row_keys, VALIDATION_EXCLUSION_REASONS, validation_exclusions

log = logging.getLogger("workflow_scripts.make_val_selection")

SELECTION_OUTPUT_COLUMNS: tuple[str, ...] = ("dataset", "split", "utt_id", "label", "attack")


def validation_selection(
    table: pd.DataFrame, pairs: pd.DataFrame, priority: Sequence[tuple[str, str]], training: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The kept rows of ``table`` (cache metadata) and a count table per dataset and class.

    ``priority`` orders the (dataset, split) pairs for :func:`duplicate_exclusions`;
    ``training`` is the run's training selection.
    """
    reasons = validation_exclusions(pairs, priority, row_keys(training))
    why = np.array([reasons.get(k, "") for k in row_keys(table)], dtype=object)
    keep = why == ""
    rows: list[dict[str, Any]] = []
    for dataset in dict.fromkeys(table["dataset"]):
        for label in CLASS_NAMES:
            part = ((table["dataset"] == dataset) & (table["label"] == label)).to_numpy()
            record: dict[str, Any] = {"dataset": dataset, "label": label, "rows": int(part.sum())}
            for reason in VALIDATION_EXCLUSION_REASONS:
                record[reason] = int((part & (why == reason)).sum())
            record["kept"] = int((part & keep).sum())
            rows.append(record)
    selection = table.loc[keep, list(SELECTION_OUTPUT_COLUMNS)].reset_index(drop=True)
    return selection, pd.DataFrame(rows)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m workflow_scripts.make_val_selection",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--cache", action="append", required=True, metavar="DATASET[:SPLIT]=H5",
                        help="a validation (dev) cache (repeat; corpora in configured order)")
    parser.add_argument("--duplicates", type=Path, required=True, help="find_duplicates pair TSV")
    parser.add_argument("--training-selection", type=Path, required=True, help="the run's training selection TSV")
    parser.add_argument("--out", type=Path, required=True, help="validation selection TSV")
    parser.add_argument("--summary-out", type=Path, required=True, help="summary JSON")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        table, caches = read_cache_tables([parse_named_path(t, option="--cache") for t in args.cache])
        for cache in caches:
            if cache["split"] == "eval":
                raise ValueError(f"{cache['path']} is an eval split; never validate (select a model) on evaluation data")
        pairs = read_duplicate_pairs(args.duplicates)
        training = read_selection(args.training_selection)
        selection, counts = validation_selection(table, pairs, [(c["dataset"], c["split"]) for c in caches], training)
        total = class_counts(selection, by_dataset=False)
        empty = [name for name in CLASS_NAMES if total[name] == 0]
        if empty:
            raise ValueError(f"no {' or '.join(empty)} row is left for validation "
                             f"(counts: {counts.to_dict(orient='records')})")
    except ValueError as err:
        print(f"make_val_selection: error: {err}", file=sys.stderr)
        return 2
    write_selection(selection, args.out)
    write_json(
        {
            "caches": caches,
            "duplicates": {"file": str(args.duplicates), "pairs": int(len(pairs))},
            "training_selection": {"file": str(args.training_selection), "rows": int(len(training))},
            "counts": counts.to_dict(orient="records"),
            "per_dataset": class_counts(selection),
            "total": {**total, "rows": int(len(selection))},
        },
        args.summary_out,
    )
    dropped = {r: int(counts[r].sum()) for r in VALIDATION_EXCLUSION_REASONS}
    log.info("validation: %d of %d rows kept (excluded: %s) -> %s", len(selection), len(table), dropped, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
