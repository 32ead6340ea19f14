"""The exception hierarchy: every error a user can cause is an :class:`InputError`."""

from __future__ import annotations

from dataclasses import dataclass


class TabletopError(Exception):
    """Base class of every error Tabletop raises on purpose."""


class InputError(TabletopError):
    """A bad file, argument or name supplied by the user (exit code 2)."""


@dataclass(frozen=True, order=True)
class Problem:
    """One problem in one input file, located by 1-based line and column."""

    file: str
    line: int
    column: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}: {self.message}"


class SpecError(InputError):
    """A scenario or policy file that failed to load or validate; carries every problem found."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(set(problems))
        super().__init__("\n".join(str(p) for p in self.problems))
