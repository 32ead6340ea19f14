"""The ``tabletop`` command line: the only layer that knows every other layer."""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from collections.abc import Sequence

from tabletop import __version__
from tabletop.cli import compare, drill, export, import_config, lint, oncall, run, schema, sweep, validate
from tabletop.cli.arguments import OneLineParser
from tabletop.errors import InputError, SpecError

_COMMANDS = (validate, oncall, run, compare, sweep, drill, schema, import_config, export, lint)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand."""
    # Subcommand parsers take the class of their parent, so every level reports errors in one line.
    parser = OneLineParser(
        prog="tabletop",
        description="Tabletop-exercise simulator and escalation-policy testbed.",
    )
    parser.add_argument("--version", action="version", version=f"tabletop {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for command in _COMMANDS:
        command.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (0 ok, 2 bad input, 1 internal error, 141 output closed)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code: int = args.handler(args)
        # A reader that went away (``| head``) shows here rather than after main has returned.
        sys.stdout.flush()
    except BrokenPipeError:
        # Nothing more can be shown, and that is the reader's choice: end quietly, as a program stopped by
        # SIGPIPE would. Python would try to flush standard output once more on exit, so it goes nowhere.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return _SIGPIPE
    except SpecError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return 2
    except InputError as exc:
        print(f"tabletop {args.command}: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("tabletop: interrupted", file=sys.stderr)
        return 130
    except OSError as exc:
        # Inputs are read with their own messages, so a named file the system refused is an output
        # the checks before the run could not foresee (permissions, a folder removed meanwhile).
        if exc.filename is None:
            return _internal_error()
        print(f"tabletop {args.command}: cannot write {exc.filename}: {exc.strerror}", file=sys.stderr)
        return 2
    except Exception:
        return _internal_error()
    return code


#: The exit code of a program stopped by SIGPIPE (128 + 13), which a shell reports for ``yes | head`` too.
_SIGPIPE = 141


def _internal_error() -> int:
    traceback.print_exc()
    print("tabletop: internal error; this is a bug, please report it with the traceback above", file=sys.stderr)
    return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
