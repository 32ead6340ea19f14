"""Shifts that may overlap (Grafana OnCall) turned into rotation levels of one person at a time.

In Grafana OnCall everyone whose shift covers an instant is notified, unless a shift of a
higher level (priority) covers it too, in which case only the highest level's people are.
A Tabletop rotation level has one person at a time, so the people notified at once are
spread over levels ``primary``, ``overlap-2``, … that an escalation level pages together.
Each person keeps their level for as long as they stay on call.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo

from tabletop.policies.importers.translation import duration
from tabletop.policies.roster import Segment


@dataclass(frozen=True)
class Shift:
    """One person on call from ``start`` to ``end`` (POSIX seconds) at a priority level."""

    start: float
    end: float
    person: str
    priority: int


def notified(shifts: list[Shift]) -> list[tuple[float, float, list[str]]]:
    """Spans with the people notified during each: everyone on call at the highest priority present."""
    bounds = sorted({s.start for s in shifts} | {s.end for s in shifts})
    spans = []
    for start, end in pairwise(bounds):
        active = [s for s in shifts if s.start <= start < s.end]
        if not active:
            continue
        top = max(s.priority for s in active)
        people = list(dict.fromkeys(s.person for s in active if s.priority == top))
        spans.append((start, end, people))
    return spans


def slot_segments(spans: list[tuple[float, float, list[str]]]) -> list[list[Segment]]:
    """Spread the people of each span over slots, one person per slot, keeping each person in their slot."""
    slots: list[list[Segment]] = []
    holder: list[str | None] = []
    for start, end, people in spans:
        holder = [p if p in people else None for p in holder]
        for person in people:
            if person in holder:
                continue
            free = holder.index(None) if None in holder else len(holder)
            if free == len(holder):
                holder.append(None)
                slots.append([])
            holder[free] = person
        for slot, holding in enumerate(holder):
            if holding is None:
                continue
            segments = slots[slot]
            if segments and segments[-1].person == holding and segments[-1].end == start:
                segments[-1] = Segment(segments[-1].start, end, holding)
            else:
                segments.append(Segment(start, end, holding))
    return slots


def level_name(slot: int) -> str:
    """The rotation level holding the slot-th person notified at once."""
    return "primary" if slot == 0 else f"overlap-{slot + 1}"


def rotation_levels(shifts: list[Shift], tz: ZoneInfo) -> dict[str, dict[str, Any]]:
    """Rotation levels (one layer per on-call stretch) equivalent to the shifts."""
    levels = {}
    for slot, segments in enumerate(slot_segments(notified(shifts))):
        levels[level_name(slot)] = {
            "layers": [
                {
                    "people": [seg.person],
                    "start": datetime.fromtimestamp(seg.start, tz).isoformat(),
                    "end": datetime.fromtimestamp(seg.end, tz).isoformat(),
                    "turn": duration(seg.end - seg.start),
                }
                for seg in segments
            ]
        }
    return levels
