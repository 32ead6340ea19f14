"""Shared by the drill tests: a wall clock the test moves by hand."""

from __future__ import annotations


class HandWall:
    """A wall clock (seconds, like time.monotonic) that only moves when the test says."""

    def __init__(self) -> None:
        self.seconds = 1000.0

    def __call__(self) -> float:
        return self.seconds
