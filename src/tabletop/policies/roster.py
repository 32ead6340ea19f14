"""The roster calendar: who is on call for each rotation and level, at any instant of a window.

Semantics follow PagerDuty schedules. Each layer hands the turn from person to person in
order from its start; restrictions only hide parts of a turn and never shift the phase;
where layers overlap the later layer wins; holiday cover beats the layers; overrides beat
everything. A turn of whole days hands off at the same local wall-clock time every time,
across daylight-saving changes; other turn lengths are measured in elapsed time.

Everything is computed once for a window into sorted, disjoint intervals per rotation
level; a query is one bisection.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

import holidays

from tabletop.policies.model import HolidayCover, Layer, Policy, Restriction, Rotation, RotationLevel
from tabletop.spec.fields import require_offset, zone
from tabletop.spec.suggest import did_you_mean

_DAY = 86_400


class Segment(NamedTuple):
    """A half-open span of POSIX seconds with the person on call during it."""

    start: float
    end: float
    person: str


@dataclass(frozen=True)
class OnCallInterval:
    """One person on call for one rotation level from ``start`` to ``end`` (UTC, half-open)."""

    rotation: str
    level: str
    person: str
    start: datetime
    end: datetime


def _wall_seconds(local: datetime, tz: ZoneInfo) -> float:
    """POSIX seconds of a naive local wall-clock time in ``tz``.

    A wall-clock time skipped by a daylight-saving change is read with the offset before
    the change (02:30 on a spring-forward night is 03:30 after it); a time that occurs twice
    is its first occurrence.
    """
    return local.replace(tzinfo=tz, fold=0).timestamp()


def _local_seconds(day: date, minute_of_day: float, tz: ZoneInfo) -> float:
    """POSIX seconds of a local wall-clock time; ``24:00`` is the next midnight."""
    return _wall_seconds(datetime.combine(day, time()) + timedelta(minutes=minute_of_day), tz)


def instant_seconds(value: datetime, tz: ZoneInfo) -> float:
    """POSIX seconds of a date-time that is local to ``tz`` unless it has an offset."""
    return (value if value.tzinfo else value.replace(tzinfo=tz)).timestamp()


def _local_dates(start: float, end: float, tz: ZoneInfo, margin: int = 8) -> Iterator[date]:
    first = datetime.fromtimestamp(start, tz).date() - timedelta(days=margin)
    last = datetime.fromtimestamp(end, tz).date() + timedelta(days=margin)
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


def _merge(segments: Iterable[Segment]) -> list[Segment]:
    """Join touching segments of the same person; input sorted and disjoint."""
    merged: list[Segment] = []
    for seg in segments:
        if seg.end <= seg.start:
            continue
        if merged and merged[-1].person == seg.person and merged[-1].end == seg.start:
            merged[-1] = Segment(merged[-1].start, seg.end, seg.person)
        else:
            merged.append(seg)
    return merged


def paint(base: list[Segment], top: list[Segment]) -> list[Segment]:
    """``top`` where it has someone, ``base`` elsewhere; both sorted and disjoint."""
    out: list[Segment] = []
    pending = iter(base)
    current = next(pending, None)
    for seg in top:
        while current is not None and current.end <= seg.start:
            out.append(current)
            current = next(pending, None)
        if current is not None and current.start < seg.start:
            out.append(Segment(current.start, seg.start, current.person))
        out.append(seg)
        while current is not None and current.end <= seg.end:
            current = next(pending, None)
        if current is not None and current.start < seg.end:
            current = Segment(seg.end, current.end, current.person)
    while current is not None:
        out.append(current)
        current = next(pending, None)
    return out


def _intersect(turns: list[Segment], windows: list[tuple[float, float]]) -> list[Segment]:
    """The parts of each turn that fall inside the (sorted, disjoint) windows."""
    out: list[Segment] = []
    w = 0
    for turn in turns:
        while w < len(windows) and windows[w][1] <= turn.start:
            w += 1
        k = w
        while k < len(windows) and windows[k][0] < turn.end:
            start, end = max(turn.start, windows[k][0]), min(turn.end, windows[k][1])
            if start < end:
                out.append(Segment(start, end, turn.person))
            k += 1
    return out


def _restriction_windows(
    restrictions: list[Restriction], tz: ZoneInfo, start: float, end: float
) -> list[tuple[float, float]]:
    """The union of the restriction windows over ``[start, end)``, sorted."""
    spans: list[tuple[float, float]] = []
    for day in _local_dates(start, end, tz):
        for rule in restrictions:
            if rule.type == "weekly" and day.weekday() != rule.start_day:
                continue
            opens = _local_seconds(day, rule.start, tz)
            if rule.duration is not None:
                # Like ``end``, the duration is read on the local wall clock, so a window of
                # 1d is a whole local day and a window never grows or shrinks by an hour
                # when it spans a daylight-saving change.
                closes = _local_seconds(day, rule.start + rule.duration, tz)
            else:
                assert rule.end is not None
                if rule.type == "weekly":
                    assert rule.start_day is not None
                    offset = ((rule.end_day if rule.end_day is not None else rule.start_day) - rule.start_day) % 7
                    if offset == 0 and rule.end <= rule.start:
                        offset = 7
                else:
                    offset = 1 if rule.end <= rule.start else 0
                closes = _local_seconds(day + timedelta(days=offset), rule.end, tz)
            if opens < closes and closes > start and opens < end:
                spans.append((opens, closes))
    spans.sort()
    union: list[tuple[float, float]] = []
    for opens, closes in spans:
        if union and opens <= union[-1][1]:
            union[-1] = (union[-1][0], max(union[-1][1], closes))
        else:
            union.append((opens, closes))
    return union


def _layer_origin(layer: Layer, tz: ZoneInfo) -> tuple[float, datetime]:
    """The instant of the layer's first handoff and its naive local wall-clock time in ``tz``.

    ``handoff_time`` is a local time of day in the layer's zone on the start's date, also
    when the start carries a UTC offset.
    """
    start = layer.start
    if layer.handoff_time is not None:
        local = datetime.combine(start.date(), time()) + timedelta(minutes=layer.handoff_time)
        return _wall_seconds(local, tz), local
    if start.tzinfo is None:
        return _wall_seconds(start, tz), start
    return start.timestamp(), start.astimezone(tz).replace(tzinfo=None)


def layer_segments(layer: Layer, tz: ZoneInfo, start: float, end: float) -> list[Segment]:
    """The layer's turns over ``[start, end)``, with restrictions applied."""
    tz = zone(layer.time_zone) if layer.time_zone else tz
    origin_s, local_origin = _layer_origin(layer, tz)
    stop = min(end, instant_seconds(layer.end, tz)) if layer.end is not None else end
    turn_s = layer.turn * 60
    whole_days = layer.turn % 1440 == 0
    days = int(layer.turn // 1440)

    def handoff(k: int) -> float:
        if k == 0:
            return origin_s
        if whole_days:
            return _wall_seconds(local_origin + timedelta(days=k * days), tz)
        return origin_s + k * turn_s

    # Whole-day turns drift from elapsed time by at most an hour or two, so start one turn early.
    k = max(0, int((start - origin_s) // turn_s) - 1)
    turns: list[Segment] = []
    people = layer.people
    while (opens := handoff(k)) < stop:
        closes = min(handoff(k + 1), stop)
        if closes > start:
            turns.append(Segment(max(opens, start), closes, people[k % len(people)]))
        k += 1
    if not layer.restrictions:
        return turns
    return _intersect(turns, _restriction_windows(layer.restrictions, tz, start, end))


def _holiday_segments(cover: HolidayCover, tz: ZoneInfo, start: float, end: float) -> list[Segment]:
    years = range(datetime.fromtimestamp(start, tz).year - 1, datetime.fromtimestamp(end, tz).year + 2)
    calendar = holidays.country_holidays(cover.country, subdiv=cover.subdivision, years=years)
    segments = []
    for day in _local_dates(start, end, tz, margin=1):
        if day in calendar:
            segments.append(Segment(_local_seconds(day, 0, tz), _local_seconds(day, 1440, tz), cover.cover))
    return segments


def level_segments(level: RotationLevel, tz: ZoneInfo, start: float, end: float) -> list[Segment]:
    """Who is on call for one rotation level over ``[start, end)``, as merged segments."""
    timeline: list[Segment] = []
    for layer in level.layers:
        timeline = paint(timeline, layer_segments(layer, tz, start, end))
    if level.holidays is not None:
        timeline = paint(timeline, _holiday_segments(level.holidays, tz, start, end))
    for override in level.overrides:
        opens, closes = instant_seconds(override.start, tz), instant_seconds(override.end, tz)
        if closes > opens:
            timeline = paint(timeline, [Segment(opens, closes, override.person)])
    clipped = (Segment(max(s.start, start), min(s.end, end), s.person) for s in timeline)
    return _merge(clipped)


def _aware_seconds(at: datetime) -> float:
    """POSIX seconds of an aware datetime; a naive one would silently read the machine's zone."""
    return require_offset(at).timestamp()


class RosterCalendar:
    """Precomputed on-call intervals for every rotation level of a policy over a window."""

    def __init__(self, policy: Policy, start: datetime, end: datetime) -> None:
        if start.tzinfo is None or end.tzinfo is None:
            raise ValueError(f"calendar window needs UTC offsets, got {start.isoformat()} to {end.isoformat()}")
        if end <= start:
            raise ValueError(f"calendar window end {end.isoformat()} is not after start {start.isoformat()}")
        self.policy = policy
        self.start = start.timestamp()
        self.end = end.timestamp()
        self._starts: dict[tuple[str, str], list[float]] = {}
        self._segments: dict[tuple[str, str], list[Segment]] = {}
        #: person -> (start, end, rotation, level) of every segment, by start; built on first use.
        self._shifts: dict[str, list[tuple[float, float, str, str]]] | None = None
        for rotation in policy.rotations:
            tz = rotation_zone(rotation, policy)
            for name, level in rotation.levels.items():
                segments = level_segments(level, tz, self.start, self.end)
                self._segments[(rotation.id, name)] = segments
                self._starts[(rotation.id, name)] = [s.start for s in segments]

    def _key(self, rotation: str, level: str) -> tuple[str, str]:
        key = (rotation, level)
        if key not in self._segments:
            rotations = {r.id: r for r in self.policy.rotations}
            if rotation not in rotations:
                raise KeyError(f"unknown rotation '{rotation}'{did_you_mean(rotation, rotations)}")
            levels = rotations[rotation].levels
            raise KeyError(f"rotation '{rotation}' has no level '{level}'{did_you_mean(level, levels)}")
        return key

    def _check(self, at: float) -> None:
        if not self.start <= at < self.end:
            raise ValueError(
                f"{datetime.fromtimestamp(at, UTC).isoformat()} is outside the calendar window "
                f"{datetime.fromtimestamp(self.start, UTC).isoformat()} to "
                f"{datetime.fromtimestamp(self.end, UTC).isoformat()}"
            )

    def on_call_at(self, rotation: str, level: str, at: float) -> str | None:
        """The person on call at POSIX second ``at``, or None during a gap."""
        segment = self.segment_at(rotation, level, at)
        return segment.person if segment is not None else None

    def on_call(self, rotation: str, level: str, at: datetime) -> str | None:
        """The person on call at an aware datetime, or None during a gap."""
        return self.on_call_at(rotation, level, _aware_seconds(at))

    def shift_of(self, person: str, at: float) -> tuple[str, str, float] | None:
        """The rotation level ``person`` is on call for at ``at`` and when that shift ends (the latest, if several)."""
        if self._shifts is None:
            self._shifts = {}
            for (rotation, level), segments in self._segments.items():
                for seg in segments:
                    self._shifts.setdefault(seg.person, []).append((seg.start, seg.end, rotation, level))
            for shifts in self._shifts.values():
                shifts.sort()
        best: tuple[str, str, float] | None = None
        for start, end, rotation, level in self._shifts.get(person, ()):
            if start > at:
                break
            if at < end and (best is None or end > best[2]):
                best = (rotation, level, end)
        return best

    def segment_at(self, rotation: str, level: str, at: float) -> Segment | None:
        """The on-call segment containing POSIX second ``at``, or None during a gap."""
        key = self._key(rotation, level)
        self._check(at)
        segments = self._segments[key]
        i = bisect_right(self._starts[key], at) - 1
        if i >= 0 and at < segments[i].end:
            return segments[i]
        return None

    def next_on_call(self, rotation: str, level: str, at: float) -> tuple[str, float] | None:
        """The next person to come on call after whoever is on call at ``at``, and when."""
        key = self._key(rotation, level)
        self._check(at)
        segments = self._segments[key]
        current = self.on_call_at(rotation, level, at)
        for seg in segments[bisect_right(self._starts[key], at) :]:
            if seg.person != current:
                return seg.person, seg.start
        return None

    def who_is_on_call(self, at: datetime) -> dict[str, dict[str, list[str]]]:
        """Every rotation and level with the people on call at ``at`` (empty during a gap)."""
        moment = _aware_seconds(at)
        result: dict[str, dict[str, list[str]]] = {}
        for rotation, level in self._segments:
            person = self.on_call_at(rotation, level, moment)
            result.setdefault(rotation, {})[level] = [person] if person else []
        return result

    def segments(self, rotation: str, level: str) -> list[Segment]:
        """The raw sorted, disjoint segments of a rotation level."""
        return list(self._segments[self._key(rotation, level)])

    def intervals(self, rotation: str, level: str) -> list[OnCallInterval]:
        """The on-call intervals of a rotation level over the window, in order."""
        return [
            OnCallInterval(
                rotation,
                level,
                seg.person,
                datetime.fromtimestamp(seg.start, UTC),
                datetime.fromtimestamp(seg.end, UTC),
            )
            for seg in self._segments[self._key(rotation, level)]
        ]

    def gaps(self, rotation: str, level: str) -> list[tuple[float, float]]:
        """Spans of the window with nobody on call for a rotation level."""
        gaps = []
        cursor = self.start
        for seg in self._segments[self._key(rotation, level)]:
            if seg.start > cursor:
                gaps.append((cursor, seg.start))
            cursor = max(cursor, seg.end)
        if cursor < self.end:
            gaps.append((cursor, self.end))
        return gaps


def rotation_zone(rotation: Rotation, policy: Policy) -> ZoneInfo:
    """The time zone a rotation's local times are read in."""
    return zone(rotation.time_zone or policy.time_zone)
