"""Experiment 4 per embedding source of Algorithm 2: cluster recovery, full method vs. random.

Usage::

    python -m workflow_scripts.make_table_exp4_sources \\
        --run '{"source": "binary", "method": "full_method", "seed": 0,
                "summary": "sel/full_0.json", "history": "runs/full_0/history.csv",
                "metrics": {"eval data": "m/full_0/eval.json"}}' \\
        --run '{"source": "attack_aware", "method": "random_matched", ...}' [...] \\
        [--significance results/table_exp4_sources_significance.csv] \\
        --out results/table_exp4_sources.csv \\
        --clusters-out results/table_exp4_sources_clusters.csv \\
        --markdown results/table_exp4_sources.md --figure results/figures/exp4_sources.png

Each ``--run`` is an Experiment-4 run (see ``make_table_exp4``) with the embedding
``source`` its full method clustered (``binary``, ``attack_aware``, ``stage<N>``). The CSV
has Experiment 4's columns per source; the clusters CSV, from the full method's selection
summaries, says per source and corpus how well k-means recovered the attacks (k chosen,
silhouette, ARI, NMI, NC1 per class).

``--training-summary JSON`` (repeat: each run's ``training.json``) adds a note under the
Markdown table naming the runs that kept epoch 1 or 2 (``reporting.best_epochs``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from workflow_scripts.cli import add_table_options, command, new_parser
from workflow_scripts.reporting import exp4_sources
from workflow_scripts.reporting.companions import write_table_markdown
from workflow_scripts.reporting.tables import chosen_metrics, write_csv


def build_parser() -> argparse.ArgumentParser:
    parser = new_parser(__file__, __doc__)
    add = parser.add_argument
    add("--run", action="append", required=True, metavar="JSON", help="one trained model (repeat)")
    add("--out", type=Path, required=True, help="CSV: full method vs. random per source")
    add("--clusters-out", type=Path, required=True, help="CSV: cluster recovery per source")
    add("--markdown", type=Path, required=True, help="Markdown output")
    add("--figure", type=Path, required=True, help="PNG comparison figure")
    add_table_options(parser)
    return parser


def run(args: argparse.Namespace) -> None:
    runs = [exp4_sources.read_source_run(text) for text in args.run]
    metrics = chosen_metrics(args.metric)
    table = exp4_sources.sources_table(runs, metrics=metrics)
    clusters = exp4_sources.cluster_recovery(runs)
    write_csv(table, args.out)
    write_csv(clusters, args.clusters_out)
    write_table_markdown(
        exp4_sources.sources_markdown(table, clusters, metrics),
        args.markdown,
        training_summaries=args.training_summary,
        significance=args.significance,
        title="Full method minus matched random sampling, per embedding source",
    )
    exp4_sources.plot_sources(runs, args.figure)
    print(clusters.to_string(index=False), file=sys.stderr)


main = command(build_parser, run)

if __name__ == "__main__":
    raise SystemExit(main())
