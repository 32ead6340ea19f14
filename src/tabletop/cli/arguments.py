"""Option values that several commands share, and the parser every command uses."""

from __future__ import annotations

import argparse
import functools
import math
import re
import tempfile
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import NoReturn, TypeVar

from tabletop.errors import InputError
from tabletop.spec.fields import IDENTIFIER_LENGTH, IDENTIFIER_PATTERN, parse_duration

T = TypeVar("T")


class OneLineParser(argparse.ArgumentParser):
    """An argument parser that reports a bad command line in one line, without the usage block."""

    def error(self, message: str) -> NoReturn:
        """Print ``PROG: error: MESSAGE (see PROG --help)`` and exit with code 2."""
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _whole_number(text: str, least: int) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None
    if value < least:
        raise argparse.ArgumentTypeError(f"must be at least {least}, got {value}")
    return value


def positive_int(text: str) -> int:
    """argparse type: an integer of at least 1."""
    return _whole_number(text, 1)


def seed(text: str) -> int:
    """argparse type: a root random seed, an integer of at least 0."""
    return _whole_number(text, 0)


def positive_float(text: str) -> float:
    """argparse type: a number above 0."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number") from None
    if not value > 0 or math.isinf(value):
        raise argparse.ArgumentTypeError(f"must be a positive number, got {text}")
    return value


def fraction(text: str) -> float:
    """argparse type: a number in (0, 1]."""
    value = positive_float(text)
    if value > 1:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1, got {text}")
    return value


def identifier(text: str) -> str:
    """argparse type: an id for a file to write, as ids in scenario and policy files are."""
    if not re.fullmatch(IDENTIFIER_PATTERN, text) or len(text) > IDENTIFIER_LENGTH:
        raise argparse.ArgumentTypeError(
            f"'{text}' is not an id: use letters, digits, '-', '_' and '.', starting with a letter or digit, "
            f"at most {IDENTIFIER_LENGTH} characters"
        )
    return text


def output_file(text: str) -> Path:
    """argparse type: a file to write, in a folder that exists and accepts new files."""
    path = Path(text)
    if path.is_dir():
        raise argparse.ArgumentTypeError(f"{path} is a folder; give a file name")
    if not path.parent.exists():
        raise argparse.ArgumentTypeError(
            f"cannot write {path}: folder {path.parent} does not exist; create it first or choose another place"
        )
    if not path.exists():
        _check_creatable_in(path.parent, path)
    return path


def output_folder(text: str) -> Path:
    """argparse type: a folder to write files into, either existing or creatable."""
    path = Path(text)
    if path.exists() and not path.is_dir():
        raise argparse.ArgumentTypeError(f"{path} is a file; give a folder")
    nearest = next(folder for folder in (path, *path.parents) if folder.exists())
    _check_creatable_in(nearest, path)
    return path


def _check_creatable_in(folder: Path, path: Path) -> None:
    """Refuse ``path`` unless ``folder``, where it or its first missing parent goes, takes new entries."""
    if not folder.is_dir():
        raise argparse.ArgumentTypeError(f"cannot write {path}: {folder} is a file, not a folder; choose another place")
    try:
        # Only trying tells: permissions, read-only mounts and virtual file systems such as /proc
        # all refuse in their own way, and the superuser passes every permission check.
        Path(tempfile.mkdtemp(prefix=".tabletop-", dir=folder)).rmdir()
    except OSError as exc:
        raise argparse.ArgumentTypeError(
            f"cannot write {path}: nothing can be created in {folder} ({exc.strerror}); choose another place"
        ) from None


#: The longest horizon a command looks over: a century keeps its end inside the dates Python can represent.
MAX_HORIZON = timedelta(days=36_500)


def parse_horizon(text: str, option: str = "--horizon") -> timedelta:
    """A positive span such as ``90d`` or ``2w`` from a command-line option."""
    try:
        minutes = parse_duration(text)
    except ValueError as exc:
        raise InputError(f"{option}: {exc}") from None
    if minutes <= 0:
        raise InputError(f"{option} must be a positive duration such as 90d, got {text}")
    if timedelta(minutes=minutes) > MAX_HORIZON:
        raise InputError(f"{option} {text} is longer than {MAX_HORIZON.days}d (a century), the longest it may be")
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
