"""Engine time (float minutes since the scenario's start) and what it means locally."""

from __future__ import annotations

from datetime import datetime
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


class Clock:
    """Converts engine minutes to instants and local times."""

    def __init__(self, start: datetime) -> None:
        self.start = start
        self.start_ts = start.timestamp()

    def posix(self, t: SimTime) -> float:
        """POSIX seconds of engine time ``t``."""
        return self.start_ts + t * 60.0

    def local(self, t: SimTime, tz: ZoneInfo) -> datetime:
        """Naive local wall-clock time at engine time ``t`` in ``tz``."""
        return datetime.fromtimestamp(self.posix(t), tz).replace(tzinfo=None)


def person_context(person: Person, local: datetime) -> Context:
    """Whether someone is at work, off hours or asleep at their local time."""
    if person.working_hours.contains(local):
        return "work"
    if person.sleep.contains(local):
        return "sleep"
    return "off_hours"


def hour_class(local: datetime) -> HourClass:
    """PagerDuty's business / off / sleep split of a local time."""
    hour = local.hour
    if hour >= 22 or hour < 8:
        return "sleep"
    if local.weekday() < 5 and hour < 18:
        return "business"
    return "off"


def person_zone(person: Person) -> ZoneInfo:
    """A person's time zone."""
    return zone(person.time_zone)
