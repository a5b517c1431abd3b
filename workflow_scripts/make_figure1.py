"""Figure 1: t-SNE of the penultimate embeddings of the training set, class means marked.

Usage::

    python -m workflow_scripts.make_figure1 --embeddings emb.h5
        --out-png figure1_tsne.png --out-pdf figure1_tsne.pdf
        [--max-points 5000] [--seed S] [--color-by label|attack] [--perplexity 30]
        [--points interest|all] [--class-mean centroid|embedded] [--threads T]
        [--dataset D --split S] [--other-png figure1_tsne_by_attack.png]

Points: the samples of interest (``correct`` True) by default, as in the
paper's method section; ``--points all`` shows every training row.
``--max-points N`` keeps a seeded subsample of N points stratified by
(label, attack) (0 = all points). Class means are stars: at the 2-D centre of
the class's plotted samples of interest (``--class-mean centroid``, default),
or eq. 1's mean embedded with the points (``embedded``); see
``reporting/figures.py`` for both and for the t-SNE settings. The coordinates
go to the PNG's path with suffix ``.tsv`` (``reporting.figures.COORD_COLUMNS``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from workflow_scripts.cli import command, new_parser, non_negative_int, positive_float
from workflow_scripts.io.embeddings import read_embeddings
from workflow_scripts.io.files import write_tsv
from workflow_scripts.reporting.figures import figure1_table, plot_tsne

#: Options handed to :func:`figure1_table` as they are on the command line.
TSNE_OPTIONS = ("points", "class_mean", "max_points", "perplexity", "seed", "threads")
#: ``--other-png`` shows the same points and coordinates in the other colouring.
OTHER_COLOURING = {"label": "attack", "attack": "label"}


def build_parser() -> argparse.ArgumentParser:
    parser = new_parser(__file__, __doc__)
    add = parser.add_argument
    add("--embeddings", type=Path, required=True)
    add("--out-png", type=Path, required=True, help="PNG; coordinates go to the same stem + .tsv")
    add("--out-pdf", type=Path, default=None)
    add("--max-points", type=non_negative_int, default=5000, help="subsample size, 0 = all")
    add("--seed", type=non_negative_int, default=0)
    add("--color-by", choices=("label", "attack"), default="label")
    add("--perplexity", type=positive_float, default=30.0)
    add("--points", choices=("interest", "all"), default="interest", help="which rows to plot")
    add("--class-mean", choices=("centroid", "embedded"), default="centroid", help="star position")
    add("--threads", type=lambda t: max(1, non_negative_int(t)), default=1, help="openTSNE jobs")
    add("--title", default="", help="figure title")
    add("--other-png", type=Path, default=None, help="also this PNG, coloured the other way")
    add("--dataset", default=None, help="dataset name if the file does not record it")
    add("--split", default=None, help="split if the file does not record it")
    return parser


def run(args: argparse.Namespace) -> None:
    emb = read_embeddings(args.embeddings, dataset=args.dataset, split=args.split)
    options = {key: getattr(args, key) for key in TSNE_OPTIONS}
    table, caption, used = figure1_table(emb, **options)
    write_tsv(table, args.out_png.with_suffix(".tsv"))
    plot_tsne(
        table, args.out_png, args.out_pdf, color_by=args.color_by, title=args.title, caption=caption
    )
    if args.other_png is not None:
        other = OTHER_COLOURING[args.color_by]
        plot_tsne(table, args.other_png, color_by=other, title=args.title, caption=caption)
    n_points = int((table["point"] == "sample").sum())
    print(
        f"make_figure1: {n_points} points, perplexity {used:g} -> {args.out_png}", file=sys.stderr
    )


main = command(build_parser, run)

if __name__ == "__main__":
    raise SystemExit(main())
