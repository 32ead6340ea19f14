"""A rotation level's on-call intervals as an iCalendar file people can subscribe to or import."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import datetime

import icalendar

from tabletop.policies.roster import OnCallInterval


def event_uid(policy_id: str, interval: OnCallInterval) -> str:
    """A UID that stays the same for the same shift each time the calendar is exported."""
    key = f"{policy_id}|{interval.rotation}|{interval.level}|{interval.person}|{interval.start.isoformat()}"
    return f"{hashlib.sha1(key.encode()).hexdigest()[:20]}@tabletop"


def on_call_calendar(
    policy_id: str,
    name: str,
    intervals: list[OnCallInterval],
    names: Mapping[str, str],
    stamp: datetime,
) -> bytes:
    """An iCalendar (RFC 5545) document with one event per interval, in UTC.

    ``names`` gives display names by person id (the summary falls back to the id);
    ``stamp`` is the DTSTAMP, when the calendar was made.
    """
    cal = icalendar.Calendar()
    cal.add("prodid", "-//Tabletop//on-call export//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    for interval in intervals:
        event = icalendar.Event()
        event.add("uid", event_uid(policy_id, interval))
        event.add("dtstamp", stamp)
        event.add("dtstart", interval.start)
        event.add("dtend", interval.end)
        event.add("summary", names.get(interval.person, interval.person))
        event.add(
            "description",
            f"On call for rotation {interval.rotation}, level {interval.level}, of policy {policy_id} "
            f"(person {interval.person})",
        )
        cal.add_component(event)
    document: bytes = cal.to_ical()
    return document
