"""Validation selection of an Experiment-3/4 run: dev rows that are no training row and no copy.

Usage::

    python -m workflow_scripts.make_val_selection \
        --cache asvspoof2019:dev=results/caches/asvspoof2019/dev.h5 \
        --cache for:dev=... --cache wavefake:dev=... \
        --duplicates results/duplicates/pairs.tsv \
        --training-selection results/sampling/exp3/n1000/seed0.tsv \
        --out seed0.val.tsv --summary-out seed0.val.json

Every row of the given caches is kept unless
``sampling.exclusions.validation_exclusions`` names it: a training row
(``experiment3.pool: train_dev`` draws from dev), a row that
``duplicate_exclusions`` drops (priority: training splits first, then the
order of ``--cache``), or a copy of a training row. So a model never
validates on a recording it trains on. Evaluation caches are refused.

Selection columns: ``dataset, split, utt_id, label, attack`` (what ``train
--val-selection`` reads). Summary keys: ``caches``, ``duplicates`` (``file``,
``pairs``), ``training_selection`` (``file``, ``rows``), ``counts`` (per
dataset and class: ``rows``, one column per exclusion reason, ``kept``),
``per_dataset`` and ``total`` (``bonafide``, ``spoof``, ``rows``).
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from workflow_scripts.cli import add_named_inputs, add_summary_outputs, command, new_parser
from workflow_scripts.io import selections
from workflow_scripts.io.files import write_json
from workflow_scripts.sampling.exclusions import cache_priority, refuse_split
from workflow_scripts.sampling.validation import excluded_totals, validation_selection

log = logging.getLogger("workflow_scripts.make_val_selection")


def build_parser() -> argparse.ArgumentParser:
    parser = new_parser(__file__, __doc__)
    cache_help = "a validation (dev) cache (repeat; corpora in configured order)"
    add_named_inputs(parser, "--cache", help=cache_help)
    parser.add_argument("--duplicates", type=Path, required=True, help="find_duplicates pairs")
    parser.add_argument("--training-selection", type=Path, required=True, help="training TSV")
    add_summary_outputs(parser, "validation selection TSV")
    return parser


def run(args: argparse.Namespace) -> None:
    table, caches = selections.read_cache_tables(args.cache)
    refuse_split(caches, "eval", "never validate (select a model) on evaluation data")
    pairs = selections.read_duplicate_pairs(args.duplicates)
    training = selections.read_selection(args.training_selection)
    selection, counts = validation_selection(table, pairs, cache_priority(caches), training)
    selections.write_selection(selection, args.out)
    summary = {
        "caches": caches,
        "duplicates": {"file": str(args.duplicates), "pairs": len(pairs)},
        "training_selection": {"file": str(args.training_selection), "rows": len(training)},
        "counts": counts.to_dict(orient="records"),
        "per_dataset": selections.class_counts(selection),
        "total": {**selections.class_counts(selection, by_dataset=False), "rows": len(selection)},
    }
    write_json(summary, args.summary_out)
    dropped = excluded_totals(counts)
    log.info("validation: %d of %d rows kept (excluded: %s)", len(selection), len(table), dropped)


main = command(build_parser, run)

if __name__ == "__main__":
    raise SystemExit(main())
