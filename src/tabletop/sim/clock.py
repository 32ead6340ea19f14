"""Engine time (float minutes since the scenario's start) and what it means locally."""

from __future__ import annotations

import math
from datetime import datetime
from itertools import pairwise
from typing import Literal
from zoneinfo import ZoneInfo

from tabletop.scenarios.model import Person
from tabletop.spec.fields import zone

#: Engine time: minutes since the scenario's start.
SimTime = float
#: A responder's situation when paged (drives acknowledgement delay and misses).
Context = Literal["work", "off_hours", "sleep"]
#: PagerDuty's split of interruptions by local time: business 08–18 Mon–Fri, off 18–22
#: weekdays and 08–22 weekends, sleep 22–08.
HourClass = Literal["business", "off", "sleep"]
#: Minutes in a week; local times are told apart by their minute of the week, Monday 00:00 = 0.
WEEK = 7 * 1440
#: The POSIX epoch fell on a Thursday: minutes to add to POSIX minutes to count from a Monday.
_EPOCH_WEEKDAY_MINUTES = 3 * 1440
#: UTC offsets are looked up once per zone and hour of POSIX time (no zone changes offset twice in an hour).
_OFFSET_BLOCK = 3600
#: A block not looked up yet, as no UTC offset is this far out (None marks a block in which the offset changes).
_UNSEEN = -(10**9)
#: Fractions of a second from which rounding to microseconds may reach the next second.
_LAST_MICROSECOND = 0.9999995


class Clock:
    """Converts engine minutes to instants and local minutes of the week."""

    def __init__(self, start: datetime) -> None:
        self.start = start
        self.start_ts = start.timestamp()
        # Per zone and hour block: the UTC offset in seconds, or None if it changes within the block.
        self._offsets: dict[ZoneInfo, dict[int, int | None]] = {}

    def posix(self, t: SimTime) -> float:
        """POSIX seconds of engine time ``t``."""
        return self.start_ts + t * 60.0

    def local(self, t: SimTime, tz: ZoneInfo) -> datetime:
        """The local date and time at engine time ``t`` in ``tz``, for people to read."""
        return datetime.fromtimestamp(self.posix(t), tz)

    def minute_of_week(self, t: SimTime, tz: ZoneInfo) -> int:
        """The local minute of the week at engine time ``t`` in ``tz``, Monday 00:00 = 0."""
        instant = self.start_ts + t * 60.0
        second = int(instant)
        if not 0.0 <= instant - second < _LAST_MICROSECOND:
            # The POSIX second datetime.fromtimestamp puts this instant in: it rounds to microseconds, half to
            # even, which moves an instant less than half a microsecond before a second into that second.
            fraction, whole = math.modf(instant)
            micro = round(fraction * 1e6)
            second = int(whole) + 1 if micro >= 1_000_000 else int(whole) - 1 if micro < 0 else int(whole)
        blocks = self._offsets.get(tz)
        if blocks is None:
            blocks = self._offsets[tz] = {}
        block = second // _OFFSET_BLOCK
        offset = blocks.get(block, _UNSEEN)
        if offset == _UNSEEN:
            first = _offset(block * _OFFSET_BLOCK, tz)
            offset = blocks[block] = first if _offset((block + 1) * _OFFSET_BLOCK - 1, tz) == first else None
        if offset is None:
            offset = _offset(second, tz)
        return ((second + offset) // 60 + _EPOCH_WEEKDAY_MINUTES) % WEEK


def _offset(second: int, tz: ZoneInfo) -> int:
    offset = datetime.fromtimestamp(second, tz).utcoffset()
    assert offset is not None
    return int(offset.total_seconds())


def person_context(person: Person, minute_of_week: int) -> Context:
    """Whether someone is at work, off hours or asleep at a local minute of the week."""
    day, minute = divmod(minute_of_week, 1440)
    if person.working_hours.covers(day, minute):
        return "work"
    if person.sleep.covers(day, minute):
        return "sleep"
    return "off_hours"


def hour_class(minute_of_week: int) -> HourClass:
    """PagerDuty's business / off / sleep split of a local minute of the week."""
    day, minute = divmod(minute_of_week, 1440)
    hour = minute // 60
    if hour >= 22 or hour < 8:
        return "sleep"
    if day < 5 and hour < 18:
        return "business"
    return "off"


#: A person's situation at a local minute of the week: context, PagerDuty hour class and hour of the week.
Moment = tuple[Context, HourClass, int]


def week_of_moments(person: Person) -> list[Moment]:
    """A person's moment at every local minute of the week (Monday 00:00 = index 0).

    A moment changes only on the hour or where a working-hours or sleep window starts or ends, so
    each day is worked out once per stretch between those; every minute of a stretch shares one tuple.
    """
    week: list[Moment] = []
    windows = (person.working_hours, person.sleep)
    boundaries = sorted({*range(0, 1441, 60), *(w.start for w in windows), *(w.end for w in windows)})
    for day in range(7):
        for start, end in pairwise(boundaries):
            minute = day * 1440 + start
            week.extend([(person_context(person, minute), hour_class(minute), minute // 60)] * (end - start))
    return week


def person_zone(person: Person) -> ZoneInfo:
    """A person's time zone."""
    return zone(person.time_zone)
