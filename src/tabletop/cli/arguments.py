"""Option values that several commands share, and the parser every command uses."""

from __future__ import annotations

import argparse
from datetime import timedelta
from typing import NoReturn

from tabletop.errors import InputError
from tabletop.spec.fields import parse_duration


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
