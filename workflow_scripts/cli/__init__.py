"""The one pattern every command follows (``python -m workflow_scripts.<command>``).

A command module defines ``build_parser()`` (from ``new_parser(__file__, __doc__)``, with the
shared argument types and options below) and ``run(args)``, and exposes
``main = command(build_parser, run)``. :func:`command` parses the arguments,
sets up logging once, and turns an input error (``ValueError``, ``KeyError``,
``OSError``) into one line on stderr, ``<prog>: error: <message>``, with exit
status 2: the same form and status argparse uses for a bad flag, so a user
sees every problem the same way and no traceback for bad input.
"""

from __future__ import annotations

import argparse
import logging
import math
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from workflow_scripts.io.selections import NamedPath, parse_named_path

#: Exit status of a command whose input is wrong (as argparse's for a bad flag).
EXIT_INPUT_ERROR = 2
#: Errors that mean "the input is wrong": reported as one line, not a traceback.
INPUT_ERRORS: tuple[type[Exception], ...] = (ValueError, KeyError, OSError)
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

Main = Callable[[Sequence[str] | None], int]


def new_parser(module_file: str, doc: str | None) -> argparse.ArgumentParser:
    """Parser of the command in ``module_file`` (its ``__file__``; ``__name__`` is
    ``__main__`` under ``python -m``); the description is the first line of its docstring
    ``doc``."""
    name = Path(module_file).stem
    description = (doc or "").strip().split("\n")[0]
    return argparse.ArgumentParser(
        prog=f"python -m workflow_scripts.{name}", description=description
    )


def setup_logging() -> None:
    """INFO and above to stderr with time, level and logger name (once per process)."""
    logging.basicConfig(level=logging.INFO, format=LOG_FORMAT)


def error_message(err: BaseException) -> str:
    """The message of an input error; a ``KeyError``'s without the quotes ``str`` adds."""
    if isinstance(err, KeyError) and err.args:
        return str(err.args[0])
    return str(err)


def command(
    build_parser: Callable[[], argparse.ArgumentParser],
    run: Callable[[argparse.Namespace], int | None],
) -> Main:
    """The ``main(argv) -> exit status`` of a command made of a parser and a ``run`` function."""

    def main(argv: Sequence[str] | None = None) -> int:
        parser = build_parser()
        args = parser.parse_args(argv)
        setup_logging()
        try:
            status = run(args)
        except INPUT_ERRORS as err:
            print(f"{parser.prog}: error: {error_message(err)}", file=sys.stderr)
            return EXIT_INPUT_ERROR
        return 0 if status is None else int(status)

    return main


# --------------------------------------------------------------------------- argument types


def non_negative_int(text: str) -> int:
    """Counts, seeds and sizes that may be 0."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a non-negative integer, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be a non-negative integer, got {text!r}")
    return value


def positive_int(text: str) -> int:
    """Counts that must be at least 1 (threads, epochs, batch sizes)."""
    value = non_negative_int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text!r}")
    return value


def _float_where(text: str, accept: Callable[[float], bool], expected: str) -> float:
    """A finite float that ``accept`` allows; else an argparse error saying what was expected."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and accept(value)):
        raise argparse.ArgumentTypeError(f"must be {expected}, got {text!r}")
    return value


def positive_float(text: str) -> float:
    """A finite number above 0 (e.g. a t-SNE perplexity)."""
    return _float_where(text, lambda v: v > 0, "a positive number")


def rate(text: str) -> float:
    """A sampling rate: the share of a class kept, in [0, 1]."""
    return _float_where(text, lambda v: 0.0 <= v <= 1.0, "a number in [0, 1]")


def named_path(text: str) -> NamedPath:
    """``DATASET=PATH`` or ``DATASET:SPLIT=PATH``."""
    try:
        return parse_named_path(text, option="")
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err).strip()) from None


# --------------------------------------------------------------------------- shared options


def add_named_inputs(
    parser: argparse.ArgumentParser,
    option: str,
    *,
    help: str,
    metavar: str = "DATASET[:SPLIT]=H5",
) -> None:
    """A required, repeatable ``DATASET[:SPLIT]=PATH`` input (``--cache``, ``--embeddings``)."""
    parser.add_argument(
        option, action="append", required=True, type=named_path, metavar=metavar, help=help
    )


def add_summary_outputs(parser: argparse.ArgumentParser, out_help: str = "selection TSV") -> None:
    """``--out`` (a table) and ``--summary-out`` (its JSON summary), both required."""
    parser.add_argument("--out", type=Path, required=True, help=out_help)
    parser.add_argument("--summary-out", type=Path, required=True, help="summary JSON")


def add_draw_options(parser: argparse.ArgumentParser) -> None:
    """What every training-data draw ends with: ``--seed``, an optional ``--duplicates`` table
    (rows it excludes are never drawn) and the selection and summary outputs."""
    parser.add_argument("--seed", type=non_negative_int, required=True)
    parser.add_argument("--duplicates", type=Path, default=None, help="find_duplicates pair TSV")
    add_summary_outputs(parser)


def add_metrics_option(parser: argparse.ArgumentParser) -> None:
    """``--metric KEY`` (repeat): the metrics a table shows, in order (config ``tables.metrics``;
    none: the table's default, the paper's rows first)."""
    parser.add_argument(
        "--metric",
        action="append",
        default=[],
        metavar="KEY",
        help="metric key of the metrics files to show (repeat; default: the table's own set)",
    )


def add_significance_option(parser: argparse.ArgumentParser) -> None:
    """``--significance``: the ``compare_runs`` table an experiment table shows under itself."""
    parser.add_argument(
        "--significance",
        type=Path,
        default=None,
        help="significance table (python -m workflow_scripts.compare_runs) shown under the table",
    )


def add_training_summary_option(parser: argparse.ArgumentParser) -> None:
    """``--training-summary`` (repeat): the ``training.json`` of each run behind a table; the
    runs that kept epoch 1 or 2 are named under it (``reporting.best_epochs``)."""
    parser.add_argument(
        "--training-summary",
        action="append",
        default=[],
        type=Path,
        metavar="JSON",
        help="training.json of a run behind the table (repeat); early kept epochs are noted",
    )


def add_table_options(parser: argparse.ArgumentParser, *, significance: bool = True) -> None:
    """The options every experiment table command shares: ``--metric``,
    ``--training-summary`` and (unless ``significance`` is False) ``--significance``."""
    if significance:
        add_significance_option(parser)
    add_metrics_option(parser)
    add_training_summary_option(parser)
