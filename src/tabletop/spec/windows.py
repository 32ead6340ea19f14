"""Recurring local time windows: working hours, sleep, restrictions, condition windows."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field, model_validator

from tabletop.spec.fields import WEEKDAYS, Spec, TimeOfDay, Weekday

ALL_DAYS = tuple(range(7))


class Window(Spec):
    """A daily window from ``start`` to ``end`` local time on the given weekdays.

    A window whose end is not after its start runs past midnight; its days are the days
    on which it starts.
    """

    days: list[Weekday] = Field(default_factory=lambda: list(ALL_DAYS))
    start: TimeOfDay
    end: TimeOfDay

    @model_validator(mode="after")
    def _has_length(self) -> Window:
        if self.start == self.end:
            raise ValueError("start and end are the same time; a window must have some length")
        return self

    @property
    def overnight(self) -> bool:
        """True when the window runs past midnight."""
        return self.end <= self.start

    def contains(self, local: datetime) -> bool:
        """Whether the local wall-clock time ``local`` falls inside the window."""
        return self.covers(local.weekday(), local.hour * 60 + local.minute + local.second / 60)

    def covers(self, day: int, minute: float) -> bool:
        """Whether minute ``minute`` of weekday ``day`` (Monday = 0), local time, falls inside the window."""
        if not self.overnight:
            return day in self.days and self.start <= minute < self.end
        return (day in self.days and minute >= self.start) or ((day - 1) % 7 in self.days and minute < self.end)

    def describe(self) -> str:
        """Human-readable form, e.g. ``mon–fri 09:00–17:00``."""
        names = ",".join(WEEKDAYS[d] for d in sorted(set(self.days)))
        return f"{names} {self.start // 60:02d}:{self.start % 60:02d}–{self.end // 60:02d}:{self.end % 60:02d}"
