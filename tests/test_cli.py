"""The one command pattern (workflow_scripts.cli): argument types and the error contract."""

from __future__ import annotations

import argparse

import pytest

from workflow_scripts.cli import command, non_negative_int, positive_float, positive_int, rate


@pytest.mark.parametrize(
    ("parse", "good", "bad"),
    [
        (non_negative_int, {"0": 0, "7": 7}, ["-1", "1.5", "x"]),
        (positive_int, {"1": 1, "12": 12}, ["0", "-3", "x"]),
        (positive_float, {"30": 30.0, "0.5": 0.5}, ["0", "-1", "inf", "nan", "x"]),
        (rate, {"0": 0.0, "0.125": 0.125, "1": 1.0}, ["1.5", "-0.1", "nan", "inf", "x"]),
    ],
)
def test_argument_types_accept_and_reject(parse, good, bad) -> None:
    for text, value in good.items():
        assert parse(text) == value
    for text in bad:
        with pytest.raises(argparse.ArgumentTypeError, match=repr(text)):
            parse(text)


def test_command_reports_input_errors_as_one_line_with_status_2(capsys) -> None:
    def build_parser() -> argparse.ArgumentParser:
        parser = argparse.ArgumentParser(prog="python -m workflow_scripts.demo_cmd")
        parser.add_argument("--fail", choices=["value", "key", "os", "no"], default="no")
        return parser

    def run(args: argparse.Namespace) -> int | None:
        errors = {"value": ValueError("bad.tsv: no rows"), "key": KeyError("missing column"),
                  "os": FileNotFoundError("x.h5: not found")}
        if args.fail in errors:
            raise errors[args.fail]
        return None

    main = command(build_parser, run)
    assert main([]) == 0
    for kind, message in [("value", "bad.tsv: no rows"), ("key", "missing column"),
                          ("os", "x.h5: not found")]:
        assert main(["--fail", kind]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert err == [f"python -m workflow_scripts.demo_cmd: error: {message}"]
    with pytest.raises(SystemExit) as exit_info:  # argparse's own errors use the same status
        main(["--fail", "nope"])
    assert exit_info.value.code == 2


def test_command_lets_programming_errors_through() -> None:
    def run(args: argparse.Namespace) -> None:
        raise TypeError("a bug, not bad input")

    main = command(lambda: argparse.ArgumentParser(prog="p"), run)
    with pytest.raises(TypeError):
        main([])
