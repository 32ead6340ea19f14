"""Option values that several commands share, and the parser every command uses."""

from __future__ import annotations

import argparse
import functools
from collections.abc import Callable
from datetime import timedelta
from typing import NoReturn, TypeVar

from tabletop.errors import InputError
from tabletop.spec.fields import parse_duration

T = TypeVar("T")


class OneLineParser(argparse.ArgumentParser):
    """An argument parser that reports a bad command line in one line, without the usage block."""

    def error(self, message: str) -> NoReturn:
        """Print ``PROG: error: MESSAGE (see PROG --help)`` and exit with code 2."""
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def parse_horizon(text: str, option: str = "--horizon") -> timedelta:
    """A positive span such as ``90d`` or ``2w`` from a command-line option."""
    try:
        minutes = parse_duration(text)
    except ValueError as exc:
        raise InputError(f"{option}: {exc}") from None
    if minutes <= 0:
        raise InputError(f"{option} must be a positive duration such as 90d, got {text}")
    return timedelta(minutes=minutes)


def argument_type(parse: Callable[[str], T]) -> Callable[[str], T]:
    """An argparse ``type`` from a reader that raises InputError, so its message becomes the option's error."""

    @functools.wraps(parse)
    def read(text: str) -> T:
        try:
            return parse(text)
        except InputError as exc:
            # argparse reports only ArgumentTypeError in its own words; anything else escapes as a traceback.
            raise argparse.ArgumentTypeError(str(exc)) from None

    return read
