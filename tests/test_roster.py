"""The roster calendar, pinned down exactly: PagerDuty layer semantics, restrictions,
overrides, holiday cover, follow-the-sun and daylight-saving changes.

Instants in expectations are UTC (``...Z``) unless a test says otherwise. 2027 changes:
America/New_York springs forward on 2027-03-14 (02:00 EST -> 03:00 EDT) and falls back on
2027-11-07 (02:00 EDT -> 01:00 EST); Europe/London springs forward on 2027-03-28 (01:00 GMT
-> 02:00 BST) and falls back on 2027-10-31 (02:00 BST -> 01:00 GMT).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tabletop.policies.loading import load_policy
from tabletop.policies.model import Layer, Policy, Restriction, RotationLevel
from tabletop.policies.roster import OnCallInterval, RosterCalendar, Segment, paint

NEW_YORK = "America/New_York"
LONDON = "Europe/London"


# --------------------------------------------------------------------------- helpers


def at(text: str) -> datetime:
    """An aware datetime from ISO text with an offset (``Z`` for UTC)."""
    value = datetime.fromisoformat(text)
    assert value.tzinfo is not None, text
    return value


def ts(text: str) -> float:
    """POSIX seconds of ISO text with an offset."""
    return at(text).timestamp()


def z(value: datetime | float) -> str:
    """An instant as compact UTC text, e.g. ``2027-03-14T07:30:00Z``."""
    moment = value if isinstance(value, datetime) else datetime.fromtimestamp(value, UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def make_policy(rotations: list[dict[str, Any]], time_zone: str = "UTC") -> Policy:
    """A minimal valid policy around the given rotation dicts."""
    return Policy.model_validate(
        {
            "kind": "policy",
            "id": "p",
            "name": "P",
            "time_zone": time_zone,
            "tiers": [{"id": "SEV1"}],
            "rotations": rotations,
            "escalation_chains": [{"id": "c", "levels": [{"targets": [{"rotation": rotations[0]["id"]}]}]}]
            if rotations
            else [{"id": "c", "levels": [{"targets": [{"person": "nobody"}]}]}],
            "routing": [{"chain": "c"}],
        }
    )


def one_level(
    layers: list[dict[str, Any]],
    tz: str | None = "UTC",
    overrides: list[dict[str, Any]] | None = None,
    holidays: dict[str, Any] | None = None,
) -> Policy:
    """A policy with one rotation ``r`` and one level ``primary``."""
    level: dict[str, Any] = {"layers": layers}
    if overrides is not None:
        level["overrides"] = overrides
    if holidays is not None:
        level["holidays"] = holidays
    rotation: dict[str, Any] = {"id": "r", "levels": {"primary": level}}
    if tz is not None:
        rotation["time_zone"] = tz
    return make_policy([rotation])


def calendar(policy: Policy, start: str, end: str) -> RosterCalendar:
    return RosterCalendar(policy, at(start), at(end))


def who(cal: RosterCalendar, when: str, rotation: str = "r", level: str = "primary") -> str | None:
    return cal.on_call(rotation, level, at(when))


def spans(cal: RosterCalendar, rotation: str = "r", level: str = "primary") -> list[tuple[str, str, str]]:
    """The intervals as (person, start, end) with UTC text."""
    return [(i.person, z(i.start), z(i.end)) for i in cal.intervals(rotation, level)]


def assert_well_formed(cal: RosterCalendar, rotation: str = "r", level: str = "primary") -> None:
    """Sorted, non-empty, pairwise disjoint, inside the window, touching neighbours differ."""
    segs = cal.segments(rotation, level)
    for seg in segs:
        assert cal.start <= seg.start < seg.end <= cal.end, seg
    for a, b in pairwise(segs):
        assert a.end <= b.start, (a, b)
        if a.end == b.start:
            assert a.person != b.person, (a, b)


def assert_tiles(cal: RosterCalendar, rotation: str = "r", level: str = "primary", start: float | None = None) -> None:
    """Consecutive intervals touch exactly (no gap, no overlap) from ``start`` to the window end."""
    assert_well_formed(cal, rotation, level)
    segs = cal.segments(rotation, level)
    assert segs, "no intervals"
    assert segs[0].start == (cal.start if start is None else start)
    assert segs[-1].end == cal.end
    for a, b in pairwise(segs):
        assert a.end == b.start, (a, b)


def local(value: float, tz: str) -> datetime:
    return datetime.fromtimestamp(value, ZoneInfo(tz))


# ------------------------------------------------------------------ weekly rotation

WEEKLY_ABC = {"people": ["alice", "bob", "carol"], "start": "2027-01-04", "handoff_time": "09:00", "turn": "1w"}


@pytest.fixture
def weekly() -> RosterCalendar:
    """Alice, Bob, Carol weekly from Monday 2027-01-04 09:00 London (GMT = UTC in winter)."""
    return calendar(one_level([WEEKLY_ABC], LONDON), "2027-01-01T00:00:00Z", "2027-02-15T00:00:00Z")


def test_weekly_intervals_exact(weekly: RosterCalendar) -> None:
    assert spans(weekly) == [
        ("alice", "2027-01-04T09:00:00Z", "2027-01-11T09:00:00Z"),
        ("bob", "2027-01-11T09:00:00Z", "2027-01-18T09:00:00Z"),
        ("carol", "2027-01-18T09:00:00Z", "2027-01-25T09:00:00Z"),
        ("alice", "2027-01-25T09:00:00Z", "2027-02-01T09:00:00Z"),
        ("bob", "2027-02-01T09:00:00Z", "2027-02-08T09:00:00Z"),
        ("carol", "2027-02-08T09:00:00Z", "2027-02-15T00:00:00Z"),
    ]
    assert_tiles(weekly, start=ts("2027-01-04T09:00:00Z"))


@pytest.mark.parametrize(
    ("when", "person"),
    [
        ("2027-01-01T00:00:00Z", None),
        ("2027-01-04T08:59:59Z", None),
        ("2027-01-04T08:59:59.999000Z", None),
        ("2027-01-04T09:00:00Z", "alice"),
        ("2027-01-04T09:00:01Z", "alice"),
        ("2027-01-11T08:59:59Z", "alice"),
        ("2027-01-11T09:00:00Z", "bob"),
        ("2027-01-11T09:00:01Z", "bob"),
        ("2027-01-18T08:59:59Z", "bob"),
        ("2027-01-18T09:00:00Z", "carol"),
        ("2027-01-25T08:59:59Z", "carol"),
        ("2027-01-25T09:00:00Z", "alice"),
        ("2027-02-14T23:59:59Z", "carol"),
        # offsets other than Z name the same instants
        ("2027-01-11T04:00:00-05:00", "bob"),
        ("2027-01-11T03:59:59-05:00", "alice"),
    ],
)
def test_weekly_person_around_handoffs(weekly: RosterCalendar, when: str, person: str | None) -> None:
    assert who(weekly, when) == person


def test_rotation_starting_after_window_start_leaves_a_gap_before(weekly: RosterCalendar) -> None:
    assert weekly.gaps("r", "primary") == [(ts("2027-01-01T00:00:00Z"), ts("2027-01-04T09:00:00Z"))]


def test_rotation_starting_after_window_end_has_nobody() -> None:
    cal = calendar(one_level([WEEKLY_ABC], LONDON), "2026-12-01T00:00:00Z", "2027-01-04T09:00:00Z")
    assert cal.intervals("r", "primary") == []
    assert cal.gaps("r", "primary") == [(cal.start, cal.end)]
    assert who(cal, "2027-01-04T08:59:59Z") is None


def test_window_starting_mid_turn_clips_the_first_interval() -> None:
    cal = calendar(one_level([WEEKLY_ABC], LONDON), "2027-01-13T12:34:00Z", "2027-01-20T00:00:00Z")
    assert spans(cal) == [
        ("bob", "2027-01-13T12:34:00Z", "2027-01-18T09:00:00Z"),
        ("carol", "2027-01-18T09:00:00Z", "2027-01-20T00:00:00Z"),
    ]


def test_window_far_after_start_keeps_the_phase() -> None:
    # 2029-01-01 is 104 weeks and 7 hours... after 2027-01-04 09:00: week index 103 -> 103 % 3 == 1 -> bob.
    cal = calendar(one_level([WEEKLY_ABC], LONDON), "2028-12-30T00:00:00Z", "2029-01-10T00:00:00Z")
    assert spans(cal) == [
        ("bob", "2028-12-30T00:00:00Z", "2029-01-01T09:00:00Z"),
        ("carol", "2029-01-01T09:00:00Z", "2029-01-08T09:00:00Z"),
        ("alice", "2029-01-08T09:00:00Z", "2029-01-10T00:00:00Z"),
    ]


def test_layer_end_stops_the_layer() -> None:
    layer = {**WEEKLY_ABC, "end": "2027-01-20T12:00"}
    cal = calendar(one_level([layer], LONDON), "2027-01-01T00:00:00Z", "2027-02-01T00:00:00Z")
    assert spans(cal) == [
        ("alice", "2027-01-04T09:00:00Z", "2027-01-11T09:00:00Z"),
        ("bob", "2027-01-11T09:00:00Z", "2027-01-18T09:00:00Z"),
        ("carol", "2027-01-18T09:00:00Z", "2027-01-20T12:00:00Z"),
    ]
    assert who(cal, "2027-01-20T11:59:59Z") == "carol"
    assert who(cal, "2027-01-20T12:00:00Z") is None
    assert cal.gaps("r", "primary")[-1] == (ts("2027-01-20T12:00:00Z"), cal.end)


def test_layer_end_with_offset_is_an_instant() -> None:
    layer = {**WEEKLY_ABC, "end": "2027-01-20T12:00:00+02:00"}
    cal = calendar(one_level([layer], LONDON), "2027-01-01T00:00:00Z", "2027-02-01T00:00:00Z")
    assert cal.intervals("r", "primary")[-1].end == at("2027-01-20T10:00:00Z")


def test_a_new_layer_taking_over_at_the_old_layers_end_is_seamless() -> None:
    old = {**WEEKLY_ABC, "end": "2027-01-20T09:00"}
    new = {"people": ["dan", "erin"], "start": "2027-01-20T09:00", "turn": "1w"}
    cal = calendar(one_level([old, new], LONDON), "2027-01-04T09:00:00Z", "2027-02-10T00:00:00Z")
    assert spans(cal) == [
        ("alice", "2027-01-04T09:00:00Z", "2027-01-11T09:00:00Z"),
        ("bob", "2027-01-11T09:00:00Z", "2027-01-18T09:00:00Z"),
        ("carol", "2027-01-18T09:00:00Z", "2027-01-20T09:00:00Z"),
        ("dan", "2027-01-20T09:00:00Z", "2027-01-27T09:00:00Z"),
        ("erin", "2027-01-27T09:00:00Z", "2027-02-03T09:00:00Z"),
        ("dan", "2027-02-03T09:00:00Z", "2027-02-10T00:00:00Z"),
    ]
    assert_tiles(cal)


def test_single_person_is_one_merged_interval() -> None:
    cal = calendar(
        one_level([{"people": ["solo"], "start": "2027-01-01", "turn": "1d"}]),
        "2027-01-10T00:00:00Z",
        "2027-02-10T00:00:00Z",
    )
    assert spans(cal) == [("solo", "2027-01-10T00:00:00Z", "2027-02-10T00:00:00Z")]


def test_repeated_person_in_order_merges_touching_turns() -> None:
    cal = calendar(
        one_level([{"people": ["a", "a", "b"], "start": "2027-01-01", "turn": "1d"}]),
        "2027-01-01T00:00:00Z",
        "2027-01-07T00:00:00Z",
    )
    assert spans(cal) == [
        ("a", "2027-01-01T00:00:00Z", "2027-01-03T00:00:00Z"),
        ("b", "2027-01-03T00:00:00Z", "2027-01-04T00:00:00Z"),
        ("a", "2027-01-04T00:00:00Z", "2027-01-06T00:00:00Z"),
        ("b", "2027-01-06T00:00:00Z", "2027-01-07T00:00:00Z"),
    ]


# ------------------------------------------------------------- turn lengths


def test_start_time_without_handoff_time_sets_the_handoff() -> None:
    cal = calendar(
        one_level([{"people": ["a", "b"], "start": "2027-01-04T17:30", "turn": "1d"}], LONDON),
        "2027-01-04T00:00:00Z",
        "2027-01-07T00:00:00Z",
    )
    assert spans(cal) == [
        ("a", "2027-01-04T17:30:00Z", "2027-01-05T17:30:00Z"),
        ("b", "2027-01-05T17:30:00Z", "2027-01-06T17:30:00Z"),
        ("a", "2027-01-06T17:30:00Z", "2027-01-07T00:00:00Z"),
    ]


def test_handoff_time_replaces_the_time_of_the_start() -> None:
    cal = calendar(
        one_level([{"people": ["a", "b"], "start": "2027-01-04T17:30", "handoff_time": "06:15", "turn": "1d"}]),
        "2027-01-04T00:00:00Z",
        "2027-01-06T12:00:00Z",
    )
    assert spans(cal) == [
        ("a", "2027-01-04T06:15:00Z", "2027-01-05T06:15:00Z"),
        ("b", "2027-01-05T06:15:00Z", "2027-01-06T06:15:00Z"),
        ("a", "2027-01-06T06:15:00Z", "2027-01-06T12:00:00Z"),
    ]


def test_handoff_time_of_24_00_is_the_next_midnight() -> None:
    # Bug fixed in roster.py: "24:00" is a valid time of day but crashed (hour must be in 0..23).
    cal = calendar(
        one_level([{"people": ["a", "b"], "start": "2027-01-04", "handoff_time": "24:00", "turn": "1d"}]),
        "2027-01-04T00:00:00Z",
        "2027-01-07T00:00:00Z",
    )
    assert spans(cal) == [
        ("a", "2027-01-05T00:00:00Z", "2027-01-06T00:00:00Z"),
        ("b", "2027-01-06T00:00:00Z", "2027-01-07T00:00:00Z"),
    ]


def test_handoff_time_is_local_to_the_layer_zone_even_when_start_has_an_offset() -> None:
    # Bug fixed in roster.py: the handoff time was read in the start's fixed UTC offset, so
    # "09:00" with a start of ...Z handed off at 10:00 London time all year.
    layer = {"people": ["a", "b"], "start": "2027-07-05T00:00:00Z", "handoff_time": "09:00", "turn": "1w"}
    cal = calendar(one_level([layer], LONDON), "2027-07-01T00:00:00Z", "2027-11-30T00:00:00Z")
    segs = cal.segments("r", "primary")
    assert z(segs[0].start) == "2027-07-05T08:00:00Z"  # 09:00 BST
    assert {local(s.start, LONDON).strftime("%a %H:%M") for s in segs[1:]} == {"Mon 09:00"}
    assert z(segs[-1].start) == "2027-11-29T09:00:00Z"  # 09:00 GMT


def test_start_with_offset_and_no_handoff_time_is_the_exact_first_handoff() -> None:
    layer = {"people": ["a", "b"], "start": "2027-01-04T09:00:00-05:00", "turn": "1d"}
    cal = calendar(one_level([layer], LONDON), "2027-01-04T00:00:00Z", "2027-01-06T00:00:00Z")
    assert spans(cal) == [
        ("a", "2027-01-04T14:00:00Z", "2027-01-05T14:00:00Z"),
        ("b", "2027-01-05T14:00:00Z", "2027-01-06T00:00:00Z"),
    ]


def test_twelve_hour_turns() -> None:
    cal = calendar(
        one_level([{"people": ["a", "b", "c"], "start": "2027-01-04T08:00", "turn": "12h"}]),
        "2027-01-04T00:00:00Z",
        "2027-01-06T12:00:00Z",
    )
    assert spans(cal) == [
        ("a", "2027-01-04T08:00:00Z", "2027-01-04T20:00:00Z"),
        ("b", "2027-01-04T20:00:00Z", "2027-01-05T08:00:00Z"),
        ("c", "2027-01-05T08:00:00Z", "2027-01-05T20:00:00Z"),
        ("a", "2027-01-05T20:00:00Z", "2027-01-06T08:00:00Z"),
        ("b", "2027-01-06T08:00:00Z", "2027-01-06T12:00:00Z"),
    ]


def test_eight_hour_turns_of_two_people_alternate_through_the_day() -> None:
    cal = calendar(
        one_level([{"people": ["a", "b"], "start": "2027-01-04T06:00", "turn": "8h"}]),
        "2027-01-04T06:00:00Z",
        "2027-01-06T06:00:00Z",
    )
    assert [p for p, _, _ in spans(cal)] == ["a", "b"] * 3
    assert [s for _, s, _ in spans(cal)] == [
        "2027-01-04T06:00:00Z",
        "2027-01-04T14:00:00Z",
        "2027-01-04T22:00:00Z",
        "2027-01-05T06:00:00Z",
        "2027-01-05T14:00:00Z",
        "2027-01-05T22:00:00Z",
    ]
    # Three turns a day between two people: the same hours go to a different person each day.
    assert who(cal, "2027-01-04T13:59:59Z") == "a"
    assert who(cal, "2027-01-05T13:59:59Z") == "b"
    assert who(cal, "2027-01-05T21:59:59Z") == "a"
    assert who(cal, "2027-01-05T22:00:00Z") == "b"


def test_two_day_turns_are_whole_days() -> None:
    cal = calendar(
        one_level(
            [{"people": ["a", "b", "c"], "start": "2027-03-10", "handoff_time": "09:00", "turn": "2d"}], NEW_YORK
        ),
        "2027-03-10T00:00:00Z",
        "2027-03-18T00:00:00Z",
    )
    assert spans(cal) == [
        ("a", "2027-03-10T14:00:00Z", "2027-03-12T14:00:00Z"),
        ("b", "2027-03-12T14:00:00Z", "2027-03-14T13:00:00Z"),  # 09:00 EST -> 09:00 EDT: 47 h
        ("c", "2027-03-14T13:00:00Z", "2027-03-16T13:00:00Z"),
        ("a", "2027-03-16T13:00:00Z", "2027-03-18T00:00:00Z"),
    ]


def test_elapsed_turns_drift_on_the_wall_clock_across_dst_but_whole_days_do_not() -> None:
    twelve = {"people": ["a", "b", "c"], "start": "2027-03-12T09:00", "turn": "12h"}
    cal = calendar(one_level([twelve], NEW_YORK), "2027-03-12T14:00:00Z", "2027-03-16T00:00:00Z")
    assert spans(cal) == [
        ("a", "2027-03-12T14:00:00Z", "2027-03-13T02:00:00Z"),  # 09:00 EST
        ("b", "2027-03-13T02:00:00Z", "2027-03-13T14:00:00Z"),
        ("c", "2027-03-13T14:00:00Z", "2027-03-14T02:00:00Z"),
        ("a", "2027-03-14T02:00:00Z", "2027-03-14T14:00:00Z"),  # 12 h elapsed, 13 h on the wall
        ("b", "2027-03-14T14:00:00Z", "2027-03-15T02:00:00Z"),  # 10:00 EDT
        ("c", "2027-03-15T02:00:00Z", "2027-03-15T14:00:00Z"),
        ("a", "2027-03-15T14:00:00Z", "2027-03-16T00:00:00Z"),
    ]
    assert local(ts("2027-03-14T14:00:00Z"), NEW_YORK).strftime("%H:%M") == "10:00"
    daily = {"people": ["a", "b", "c"], "start": "2027-03-12T09:00", "turn": "1d"}
    cal = calendar(one_level([daily], NEW_YORK), "2027-03-12T14:00:00Z", "2027-03-16T00:00:00Z")
    assert [local(s.start, NEW_YORK).strftime("%H:%M") for s in cal.segments("r", "primary")] == ["09:00"] * 4


def test_thirty_six_hour_turns_are_elapsed_time() -> None:
    layer = {"people": ["a", "b"], "start": "2027-03-13T00:00", "turn": "36h"}
    cal = calendar(one_level([layer], NEW_YORK), "2027-03-13T05:00:00Z", "2027-03-17T00:00:00Z")
    assert [z(s.start) for s in cal.segments("r", "primary")] == [
        "2027-03-13T05:00:00Z",
        "2027-03-14T17:00:00Z",
        "2027-03-16T05:00:00Z",
    ]


def test_ninety_minute_turns() -> None:
    layer = {"people": ["a", "b", "c"], "start": "2027-01-04T00:00", "turn": "90m"}
    cal = calendar(one_level([layer]), "2027-01-04T00:00:00Z", "2027-01-04T06:00:00Z")
    assert spans(cal) == [
        ("a", "2027-01-04T00:00:00Z", "2027-01-04T01:30:00Z"),
        ("b", "2027-01-04T01:30:00Z", "2027-01-04T03:00:00Z"),
        ("c", "2027-01-04T03:00:00Z", "2027-01-04T04:30:00Z"),
        ("a", "2027-01-04T04:30:00Z", "2027-01-04T06:00:00Z"),
    ]


# -------------------------------------------------------------------- restrictions


def daily_turns(people: list[str], restrictions: list[dict[str, Any]], handoff: str = "09:00") -> dict[str, Any]:
    """Daily turns from Monday 2027-01-04 at ``handoff`` with restrictions."""
    return {
        "people": people,
        "start": "2027-01-04",
        "handoff_time": handoff,
        "turn": "1d",
        "restrictions": restrictions,
    }


def test_daily_restriction_hides_time_but_keeps_the_turn_boundaries() -> None:
    layer = daily_turns(["a", "b", "c"], [{"type": "daily", "start": "09:00", "end": "17:00"}], handoff="12:00")
    cal = calendar(one_level([layer], LONDON), "2027-01-04T00:00:00Z", "2027-01-07T00:00:00Z")
    assert spans(cal) == [
        ("a", "2027-01-04T12:00:00Z", "2027-01-04T17:00:00Z"),
        ("a", "2027-01-05T09:00:00Z", "2027-01-05T12:00:00Z"),
        ("b", "2027-01-05T12:00:00Z", "2027-01-05T17:00:00Z"),
        ("b", "2027-01-06T09:00:00Z", "2027-01-06T12:00:00Z"),
        ("c", "2027-01-06T12:00:00Z", "2027-01-06T17:00:00Z"),
    ]
    assert who(cal, "2027-01-05T08:59:59Z") is None
    assert who(cal, "2027-01-05T09:00:00Z") == "a"
    assert who(cal, "2027-01-05T16:59:59Z") == "b"
    assert who(cal, "2027-01-05T17:00:00Z") is None
    assert cal.gaps("r", "primary")[1] == (ts("2027-01-04T17:00:00Z"), ts("2027-01-05T09:00:00Z"))
    assert_well_formed(cal)


def test_weekly_restriction_does_not_shift_the_phase() -> None:
    """Weekends are restricted out, but the turns keep counting through them (PagerDuty)."""
    weekdays = {"type": "weekly", "start_day": "mon", "start": "09:00", "end_day": "fri", "end": "17:00"}
    cal = calendar(
        one_level([daily_turns(["a", "b", "c"], [weekdays])], LONDON), "2027-01-04T00:00:00Z", "2027-01-19T00:00:00Z"
    )
    # Mon a, Tue b, Wed c, Thu a, Fri b (to 17:00), Sat c and Sun a hidden, Mon b, Tue c, ...
    assert spans(cal) == [
        ("a", "2027-01-04T09:00:00Z", "2027-01-05T09:00:00Z"),
        ("b", "2027-01-05T09:00:00Z", "2027-01-06T09:00:00Z"),
        ("c", "2027-01-06T09:00:00Z", "2027-01-07T09:00:00Z"),
        ("a", "2027-01-07T09:00:00Z", "2027-01-08T09:00:00Z"),
        ("b", "2027-01-08T09:00:00Z", "2027-01-08T17:00:00Z"),
        ("b", "2027-01-11T09:00:00Z", "2027-01-12T09:00:00Z"),
        ("c", "2027-01-12T09:00:00Z", "2027-01-13T09:00:00Z"),
        ("a", "2027-01-13T09:00:00Z", "2027-01-14T09:00:00Z"),
        ("b", "2027-01-14T09:00:00Z", "2027-01-15T09:00:00Z"),
        ("c", "2027-01-15T09:00:00Z", "2027-01-15T17:00:00Z"),
        ("c", "2027-01-18T09:00:00Z", "2027-01-19T00:00:00Z"),
    ]
    assert who(cal, "2027-01-09T12:00:00Z") is None
    assert who(cal, "2027-01-11T10:00:00Z") == "b"  # not c: the restriction did not pause the rotation


def test_daily_restriction_crossing_midnight() -> None:
    night = {"type": "daily", "start": "22:00", "end": "06:00"}
    layer = {
        "people": ["a", "b"],
        "start": "2027-01-04",
        "handoff_time": "00:00",
        "turn": "1d",
        "restrictions": [night],
    }
    cal = calendar(one_level([layer]), "2027-01-04T00:00:00Z", "2027-01-07T00:00:00Z")
    assert spans(cal) == [
        ("a", "2027-01-04T00:00:00Z", "2027-01-04T06:00:00Z"),  # the window from Sunday 22:00, clipped
        ("a", "2027-01-04T22:00:00Z", "2027-01-05T00:00:00Z"),
        ("b", "2027-01-05T00:00:00Z", "2027-01-05T06:00:00Z"),
        ("b", "2027-01-05T22:00:00Z", "2027-01-06T00:00:00Z"),
        ("a", "2027-01-06T00:00:00Z", "2027-01-06T06:00:00Z"),
        ("a", "2027-01-06T22:00:00Z", "2027-01-07T00:00:00Z"),
    ]
    assert who(cal, "2027-01-05T05:59:59Z") == "b"
    assert who(cal, "2027-01-05T06:00:00Z") is None
    assert who(cal, "2027-01-05T21:59:59Z") is None
    assert who(cal, "2027-01-05T22:00:00Z") == "b"


def test_weekly_restriction_spanning_several_days() -> None:
    weekend = {"type": "weekly", "start_day": "fri", "start": "18:00", "end_day": "mon", "end": "08:00"}
    layer = {**WEEKLY_ABC, "restrictions": [weekend]}
    cal = calendar(one_level([layer], LONDON), "2027-01-04T00:00:00Z", "2027-01-25T00:00:00Z")
    assert spans(cal) == [
        ("alice", "2027-01-08T18:00:00Z", "2027-01-11T08:00:00Z"),
        ("bob", "2027-01-15T18:00:00Z", "2027-01-18T08:00:00Z"),
        ("carol", "2027-01-22T18:00:00Z", "2027-01-25T00:00:00Z"),
    ]
    assert who(cal, "2027-01-14T12:00:00Z") is None
    assert who(cal, "2027-01-15T17:59:59Z") is None
    assert who(cal, "2027-01-16T12:00:00Z") == "bob"
    assert who(cal, "2027-01-18T07:59:59Z") == "bob"
    assert who(cal, "2027-01-18T08:00:00Z") is None


def test_weekly_restriction_window_straddling_a_handoff_splits_between_people() -> None:
    # Sunday 12:00 to Tuesday 12:00 covers the Monday 09:00 handoff.
    rule = {"type": "weekly", "start_day": "sun", "start": "12:00", "end_day": "tue", "end": "12:00"}
    cal = calendar(
        one_level([{**WEEKLY_ABC, "restrictions": [rule]}], LONDON), "2027-01-04T00:00:00Z", "2027-01-20T00:00:00Z"
    )
    assert spans(cal) == [
        ("alice", "2027-01-04T09:00:00Z", "2027-01-05T12:00:00Z"),
        ("alice", "2027-01-10T12:00:00Z", "2027-01-11T09:00:00Z"),
        ("bob", "2027-01-11T09:00:00Z", "2027-01-12T12:00:00Z"),
        ("bob", "2027-01-17T12:00:00Z", "2027-01-18T09:00:00Z"),
        ("carol", "2027-01-18T09:00:00Z", "2027-01-19T12:00:00Z"),
    ]


def test_weekly_restriction_without_end_day_is_the_same_day() -> None:
    rule = {"type": "weekly", "start_day": "wed", "start": "10:00", "end": "11:30"}
    cal = calendar(
        one_level([{**WEEKLY_ABC, "restrictions": [rule]}], LONDON), "2027-01-04T00:00:00Z", "2027-01-18T00:00:00Z"
    )
    assert spans(cal) == [
        ("alice", "2027-01-06T10:00:00Z", "2027-01-06T11:30:00Z"),
        ("bob", "2027-01-13T10:00:00Z", "2027-01-13T11:30:00Z"),
    ]


def test_several_restrictions_are_a_union() -> None:
    rules = [
        {"type": "daily", "start": "09:00", "end": "12:00"},
        {"type": "daily", "start": "11:00", "end": "13:00"},
        {"type": "daily", "start": "15:00", "end": "16:00"},
    ]
    cal = calendar(
        one_level([daily_turns(["a", "b"], rules, handoff="00:00")]), "2027-01-04T00:00:00Z", "2027-01-05T00:00:00Z"
    )
    assert spans(cal) == [
        ("a", "2027-01-04T09:00:00Z", "2027-01-04T13:00:00Z"),
        ("a", "2027-01-04T15:00:00Z", "2027-01-04T16:00:00Z"),
    ]


def test_daily_restriction_with_duration_equals_the_same_window_with_end() -> None:
    by_duration = daily_turns(["a", "b", "c"], [{"type": "daily", "start": "20:00", "duration": "12h"}])
    by_end = daily_turns(["a", "b", "c"], [{"type": "daily", "start": "20:00", "end": "08:00"}])
    window = ("2027-01-04T00:00:00Z", "2027-01-10T00:00:00Z")
    cal = calendar(one_level([by_duration], LONDON), *window)
    assert spans(cal) == spans(calendar(one_level([by_end], LONDON), *window))
    assert spans(cal)[:2] == [
        ("a", "2027-01-04T20:00:00Z", "2027-01-05T08:00:00Z"),
        ("b", "2027-01-05T20:00:00Z", "2027-01-06T08:00:00Z"),
    ]


def test_weekly_restriction_with_duration_equals_the_same_window_with_end_day() -> None:
    by_duration = {
        **WEEKLY_ABC,
        "restrictions": [{"type": "weekly", "start_day": "mon", "start": "09:00", "duration": "4d8h"}],
    }
    by_end = {
        **WEEKLY_ABC,
        "restrictions": [{"type": "weekly", "start_day": "mon", "start": "09:00", "end_day": "fri", "end": "17:00"}],
    }
    window = ("2027-01-01T00:00:00Z", "2027-01-20T00:00:00Z")
    cal = calendar(one_level([by_duration], LONDON), *window)
    assert spans(cal) == spans(calendar(one_level([by_end], LONDON), *window))
    assert spans(cal) == [
        ("alice", "2027-01-04T09:00:00Z", "2027-01-08T17:00:00Z"),
        ("bob", "2027-01-11T09:00:00Z", "2027-01-15T17:00:00Z"),
        ("carol", "2027-01-18T09:00:00Z", "2027-01-20T00:00:00Z"),
    ]


def test_whole_week_restriction_covers_everything() -> None:
    rule = {"type": "weekly", "start_day": "thu", "start": "03:00", "end": "03:00"}
    cal = calendar(
        one_level([{**WEEKLY_ABC, "restrictions": [rule]}], LONDON), "2027-01-04T09:00:00Z", "2027-02-01T00:00:00Z"
    )
    assert cal.gaps("r", "primary") == []


def test_daily_restriction_of_one_day_duration_leaves_no_gap_across_dst() -> None:
    # Bug fixed in roster.py: a duration was elapsed time, so "00:00 for 1d" ended at 23:00
    # local on the 25-hour day of 2027-10-31 and left a one-hour gap.
    rule = {"type": "daily", "start": "00:00", "duration": "1d"}
    layer = {"people": ["a", "b"], "start": "2027-01-01", "turn": "1w", "restrictions": [rule]}
    cal = calendar(one_level([layer], LONDON), "2027-10-20T00:00:00Z", "2027-11-10T00:00:00Z")
    assert cal.gaps("r", "primary") == []
    cal = calendar(one_level([layer], LONDON), "2027-03-20T00:00:00Z", "2027-04-10T00:00:00Z")
    assert cal.gaps("r", "primary") == []


def test_restriction_duration_is_read_on_the_local_wall_clock_across_dst() -> None:
    rule = {"type": "weekly", "start_day": "wed", "start": "09:00", "duration": "5d"}
    layer = {"people": ["a"], "start": "2027-03-01", "turn": "1w", "restrictions": [rule]}
    cal = calendar(one_level([layer], LONDON), "2027-03-20T00:00:00Z", "2027-04-05T00:00:00Z")
    assert spans(cal) == [
        ("a", "2027-03-20T00:00:00Z", "2027-03-22T09:00:00Z"),  # Wed 17th 09:00 GMT + 5 days
        ("a", "2027-03-24T09:00:00Z", "2027-03-29T08:00:00Z"),  # Mon 29th 09:00 BST, not 10:00
        ("a", "2027-03-31T08:00:00Z", "2027-04-05T00:00:00Z"),
    ]


def test_daily_restriction_keeps_local_hours_across_dst() -> None:
    rule = {"type": "daily", "start": "09:00", "end": "17:00"}
    layer = {"people": ["a"], "start": "2027-03-01", "turn": "1w", "restrictions": [rule]}
    cal = calendar(one_level([layer], NEW_YORK), "2027-03-12T00:00:00Z", "2027-03-17T00:00:00Z")
    assert spans(cal) == [
        ("a", "2027-03-12T14:00:00Z", "2027-03-12T22:00:00Z"),
        ("a", "2027-03-13T14:00:00Z", "2027-03-13T22:00:00Z"),
        ("a", "2027-03-14T13:00:00Z", "2027-03-14T21:00:00Z"),
        ("a", "2027-03-15T13:00:00Z", "2027-03-15T21:00:00Z"),
        ("a", "2027-03-16T13:00:00Z", "2027-03-16T21:00:00Z"),
    ]


def test_restriction_windows_meeting_at_a_skipped_time_still_tile() -> None:
    """Both edges at 02:30 New York read the same way on 2027-03-14 (03:30 EDT): no gap, no overlap."""
    day: dict[str, Any] = {"people": ["d"], "start": "2027-03-01", "turn": "1w"}
    night: dict[str, Any] = {"people": ["n"], "start": "2027-03-01", "turn": "1w"}
    day["restrictions"] = [{"type": "daily", "start": "02:30", "end": "14:30"}]
    night["restrictions"] = [{"type": "daily", "start": "14:30", "end": "02:30"}]
    cal = calendar(one_level([day, night], NEW_YORK), "2027-03-12T00:00:00Z", "2027-03-17T00:00:00Z")
    assert cal.gaps("r", "primary") == []
    assert [(p, s) for p, s, _ in spans(cal)][3:8] == [
        ("d", "2027-03-13T07:30:00Z"),  # 02:30 EST
        ("n", "2027-03-13T19:30:00Z"),
        ("d", "2027-03-14T07:30:00Z"),  # 03:30 EDT
        ("n", "2027-03-14T18:30:00Z"),  # 14:30 EDT
        ("d", "2027-03-15T06:30:00Z"),  # 02:30 EDT
    ]


def test_restrictions_are_read_in_the_layer_time_zone() -> None:
    rule = {"type": "daily", "start": "09:00", "end": "17:00"}
    layer = {"people": ["a"], "start": "2027-01-01", "turn": "1w", "time_zone": "Asia/Tokyo", "restrictions": [rule]}
    cal = calendar(one_level([layer], NEW_YORK), "2027-01-05T00:00:00Z", "2027-01-06T00:00:00Z")
    assert spans(cal) == [("a", "2027-01-05T00:00:00Z", "2027-01-05T08:00:00Z")]


# --------------------------------------------------------------- layer precedence

BASE = {"people": ["a", "b"], "start": "2027-01-04", "turn": "1w"}
BUSINESS = {
    "people": ["x", "y"],
    "start": "2027-01-04",
    "turn": "1d",
    "restrictions": [{"type": "weekly", "start_day": "mon", "start": "09:00", "end_day": "fri", "end": "17:00"}],
}


def test_later_layer_wins_and_earlier_layer_shows_through_its_gaps() -> None:
    cal = calendar(one_level([BASE, BUSINESS]), "2027-01-04T00:00:00Z", "2027-01-12T00:00:00Z")
    assert spans(cal) == [
        ("a", "2027-01-04T00:00:00Z", "2027-01-04T09:00:00Z"),
        ("x", "2027-01-04T09:00:00Z", "2027-01-05T00:00:00Z"),
        ("y", "2027-01-05T00:00:00Z", "2027-01-06T00:00:00Z"),
        ("x", "2027-01-06T00:00:00Z", "2027-01-07T00:00:00Z"),
        ("y", "2027-01-07T00:00:00Z", "2027-01-08T00:00:00Z"),
        ("x", "2027-01-08T00:00:00Z", "2027-01-08T17:00:00Z"),
        ("a", "2027-01-08T17:00:00Z", "2027-01-11T00:00:00Z"),
        ("b", "2027-01-11T00:00:00Z", "2027-01-11T09:00:00Z"),
        ("y", "2027-01-11T09:00:00Z", "2027-01-12T00:00:00Z"),  # Mon 11th: day 7 -> y (phase kept)
    ]
    assert who(cal, "2027-01-09T12:00:00Z") == "a"
    assert who(cal, "2027-01-11T08:59:59Z") == "b"
    assert who(cal, "2027-01-11T09:00:00Z") == "y"
    assert_tiles(cal)


def test_earlier_layer_is_hidden_entirely_by_an_unrestricted_later_layer() -> None:
    cal = calendar(one_level([BUSINESS, BASE]), "2027-01-04T00:00:00Z", "2027-01-20T00:00:00Z")
    assert spans(cal) == [
        ("a", "2027-01-04T00:00:00Z", "2027-01-11T00:00:00Z"),
        ("b", "2027-01-11T00:00:00Z", "2027-01-18T00:00:00Z"),
        ("a", "2027-01-18T00:00:00Z", "2027-01-20T00:00:00Z"),
    ]


def test_earlier_layer_shows_after_the_later_layer_ends_and_before_it_starts() -> None:
    cover = {"people": ["temp"], "start": "2027-01-06T12:00", "end": "2027-01-08T12:00", "turn": "1d"}
    cal = calendar(one_level([BASE, cover]), "2027-01-04T00:00:00Z", "2027-01-12T00:00:00Z")
    assert spans(cal) == [
        ("a", "2027-01-04T00:00:00Z", "2027-01-06T12:00:00Z"),
        ("temp", "2027-01-06T12:00:00Z", "2027-01-08T12:00:00Z"),
        ("a", "2027-01-08T12:00:00Z", "2027-01-11T00:00:00Z"),
        ("b", "2027-01-11T00:00:00Z", "2027-01-12T00:00:00Z"),
    ]


def test_three_layers_stack_in_order() -> None:
    nights = {
        "people": ["n"],
        "start": "2027-01-04",
        "turn": "1w",
        "restrictions": [{"type": "daily", "start": "20:00", "end": "08:00"}],
    }
    cal = calendar(one_level([BASE, BUSINESS, nights]), "2027-01-05T00:00:00Z", "2027-01-06T00:00:00Z")
    assert spans(cal) == [
        ("n", "2027-01-05T00:00:00Z", "2027-01-05T08:00:00Z"),
        ("y", "2027-01-05T08:00:00Z", "2027-01-05T20:00:00Z"),
        ("n", "2027-01-05T20:00:00Z", "2027-01-06T00:00:00Z"),
    ]


# ---------------------------------------------------------------------- overrides


def test_override_beats_the_layers() -> None:
    overrides = [{"start": "2027-01-05T10:00", "end": "2027-01-05T14:00", "person": "olga"}]
    cal = calendar(one_level([BASE, BUSINESS], overrides=overrides), "2027-01-05T00:00:00Z", "2027-01-06T00:00:00Z")
    assert spans(cal) == [
        ("y", "2027-01-05T00:00:00Z", "2027-01-05T10:00:00Z"),
        ("olga", "2027-01-05T10:00:00Z", "2027-01-05T14:00:00Z"),
        ("y", "2027-01-05T14:00:00Z", "2027-01-06T00:00:00Z"),
    ]
    assert who(cal, "2027-01-05T09:59:59Z") == "y"
    assert who(cal, "2027-01-05T10:00:00Z") == "olga"
    assert who(cal, "2027-01-05T13:59:59Z") == "olga"
    assert who(cal, "2027-01-05T14:00:00Z") == "y"


def test_override_fills_a_gap() -> None:
    overrides = [{"start": "2027-01-09T10:00", "end": "2027-01-09T14:00", "person": "olga"}]
    cal = calendar(one_level([BUSINESS], overrides=overrides), "2027-01-08T00:00:00Z", "2027-01-12T00:00:00Z")
    assert spans(cal) == [
        ("x", "2027-01-08T00:00:00Z", "2027-01-08T17:00:00Z"),
        ("olga", "2027-01-09T10:00:00Z", "2027-01-09T14:00:00Z"),
        ("y", "2027-01-11T09:00:00Z", "2027-01-12T00:00:00Z"),
    ]


def test_override_before_the_rotation_starts() -> None:
    overrides = [{"start": "2027-01-01T00:00", "end": "2027-01-05T00:00", "person": "olga"}]
    cal = calendar(one_level([WEEKLY_ABC], LONDON, overrides=overrides), "2027-01-02T00:00:00Z", "2027-01-12T00:00:00Z")
    assert spans(cal) == [
        ("olga", "2027-01-02T00:00:00Z", "2027-01-05T00:00:00Z"),
        ("alice", "2027-01-05T00:00:00Z", "2027-01-11T09:00:00Z"),
        ("bob", "2027-01-11T09:00:00Z", "2027-01-12T00:00:00Z"),
    ]


@pytest.mark.parametrize(
    ("first", "second", "expected"),
    [
        (
            ("10:00", "14:00", "olga"),
            ("12:00", "16:00", "pat"),
            [("olga", "10:00", "12:00"), ("pat", "12:00", "16:00")],
        ),
        (
            ("12:00", "16:00", "pat"),
            ("10:00", "14:00", "olga"),
            [("olga", "10:00", "14:00"), ("pat", "14:00", "16:00")],
        ),
        (
            ("10:00", "16:00", "olga"),
            ("12:00", "13:00", "pat"),
            [("olga", "10:00", "12:00"), ("pat", "12:00", "13:00"), ("olga", "13:00", "16:00")],
        ),
        (
            ("12:00", "13:00", "pat"),
            ("10:00", "16:00", "olga"),
            [("olga", "10:00", "16:00")],
        ),
    ],
)
def test_overlapping_overrides_later_listed_wins(
    first: tuple[str, str, str], second: tuple[str, str, str], expected: list[tuple[str, str, str]]
) -> None:
    overrides = [{"start": f"2027-01-05T{s}", "end": f"2027-01-05T{e}", "person": p} for s, e, p in (first, second)]
    cal = calendar(one_level([BASE], overrides=overrides), "2027-01-05T09:00:00Z", "2027-01-05T18:00:00Z")
    middle = [(p, f"2027-01-05T{s}:00Z", f"2027-01-05T{e}:00Z") for p, s, e in expected]
    assert spans(cal) == [
        ("a", "2027-01-05T09:00:00Z", "2027-01-05T10:00:00Z"),
        *middle,
        ("a", "2027-01-05T16:00:00Z", "2027-01-05T18:00:00Z"),
    ]


def test_override_local_time_versus_explicit_offset() -> None:
    layer = {"people": ["a"], "start": "2027-07-01", "turn": "1w"}
    overrides = [
        {"start": "2027-07-05T10:00", "end": "2027-07-05T11:00", "person": "local"},  # New York, EDT
        {"start": "2027-07-05T10:00:00+00:00", "end": "2027-07-05T11:00:00+00:00", "person": "utc"},
        {"start": "2027-07-05T17:00:00+02:00", "end": "2027-07-05T17:30:00+02:00", "person": "paris"},
    ]
    cal = calendar(one_level([layer], NEW_YORK, overrides=overrides), "2027-07-05T09:00:00Z", "2027-07-05T16:00:00Z")
    assert spans(cal) == [
        ("a", "2027-07-05T09:00:00Z", "2027-07-05T10:00:00Z"),
        ("utc", "2027-07-05T10:00:00Z", "2027-07-05T11:00:00Z"),
        ("a", "2027-07-05T11:00:00Z", "2027-07-05T14:00:00Z"),
        ("local", "2027-07-05T14:00:00Z", "2027-07-05T15:00:00Z"),
        ("paris", "2027-07-05T15:00:00Z", "2027-07-05T15:30:00Z"),
        ("a", "2027-07-05T15:30:00Z", "2027-07-05T16:00:00Z"),
    ]


def test_override_reaching_outside_the_window_is_clipped() -> None:
    overrides = [{"start": "2027-01-01T00:00", "end": "2027-03-01T00:00", "person": "olga"}]
    cal = calendar(one_level([BASE], overrides=overrides), "2027-01-10T00:00:00Z", "2027-01-20T00:00:00Z")
    assert spans(cal) == [("olga", "2027-01-10T00:00:00Z", "2027-01-20T00:00:00Z")]


def test_override_by_the_person_already_on_call_merges() -> None:
    overrides = [{"start": "2027-01-05T10:00", "end": "2027-01-12T10:00", "person": "a"}]
    cal = calendar(one_level([BASE], overrides=overrides), "2027-01-05T00:00:00Z", "2027-01-13T00:00:00Z")
    assert spans(cal) == [
        ("a", "2027-01-05T00:00:00Z", "2027-01-12T10:00:00Z"),
        ("b", "2027-01-12T10:00:00Z", "2027-01-13T00:00:00Z"),
    ]


def test_override_that_ends_before_it_starts_in_instants_is_ignored() -> None:
    # Model validation cannot order a local and an offset time; the calendar ignores it.
    overrides = [{"start": "2027-01-05T12:00", "end": "2027-01-05T11:00:00Z", "person": "olga"}]
    cal = calendar(one_level([BASE], overrides=overrides), "2027-01-05T00:00:00Z", "2027-01-06T00:00:00Z")
    assert spans(cal) == [("a", "2027-01-05T00:00:00Z", "2027-01-06T00:00:00Z")]


# ------------------------------------------------------------------ holiday cover


def test_gb_christmas_holiday_cover_beats_layers_but_not_overrides() -> None:
    overrides = [{"start": "2027-12-25T10:00", "end": "2027-12-25T12:00", "person": "olga"}]
    policy = one_level(
        [WEEKLY_ABC, BUSINESS], LONDON, overrides=overrides, holidays={"country": "GB", "cover": "holly"}
    )
    cal = calendar(policy, "2027-12-24T00:00:00Z", "2027-12-30T00:00:00Z")
    # GB 2027: Christmas Day (Sat 25th), Boxing Day (Sun 26th), both observed on Mon 27th and Tue 28th.
    assert spans(cal) == [
        ("x", "2027-12-24T00:00:00Z", "2027-12-24T17:00:00Z"),
        ("carol", "2027-12-24T17:00:00Z", "2027-12-25T00:00:00Z"),
        ("holly", "2027-12-25T00:00:00Z", "2027-12-25T10:00:00Z"),
        ("olga", "2027-12-25T10:00:00Z", "2027-12-25T12:00:00Z"),
        ("holly", "2027-12-25T12:00:00Z", "2027-12-29T00:00:00Z"),
        ("y", "2027-12-29T00:00:00Z", "2027-12-30T00:00:00Z"),
    ]
    assert who(cal, "2027-12-24T23:59:59Z") == "carol"
    assert who(cal, "2027-12-25T00:00:00Z") == "holly"
    assert who(cal, "2027-12-28T23:59:59Z") == "holly"
    assert who(cal, "2027-12-29T00:00:00Z") == "y"


def test_us_thanksgiving_cover_is_the_local_day_in_new_york() -> None:
    policy = one_level([WEEKLY_ABC], NEW_YORK, holidays={"country": "US", "cover": "turkey"})
    cal = calendar(policy, "2027-11-24T00:00:00Z", "2027-11-27T00:00:00Z")
    assert [s for s in spans(cal) if s[0] == "turkey"] == [("turkey", "2027-11-25T05:00:00Z", "2027-11-26T05:00:00Z")]
    assert who(cal, "2027-11-25T04:59:59Z") != "turkey"
    assert who(cal, "2027-11-25T05:00:00Z") == "turkey"
    assert who(cal, "2027-11-26T04:59:59Z") == "turkey"
    assert who(cal, "2027-11-26T05:00:00Z") != "turkey"
    assert_tiles(cal)


def test_holiday_cover_fills_gaps_of_restricted_layers() -> None:
    # US Christmas 2027 is a Saturday, outside the weekday restriction.
    policy = one_level([BUSINESS], "UTC", holidays={"country": "US", "cover": "santa"})
    cal = calendar(policy, "2027-12-24T12:00:00Z", "2027-12-27T12:00:00Z")
    assert spans(cal) == [
        ("santa", "2027-12-24T12:00:00Z", "2027-12-26T00:00:00Z"),  # the 24th is Christmas (observed)
        ("y", "2027-12-27T09:00:00Z", "2027-12-27T12:00:00Z"),
    ]


def test_holiday_subdivision() -> None:
    # Victoria Day is a public holiday in Canadian provinces but St-Jean-Baptiste only in Quebec.
    qc = calendar(
        one_level([BASE], "America/Toronto", holidays={"country": "CA", "subdivision": "QC", "cover": "h"}),
        "2027-06-24T12:00:00Z",
        "2027-06-24T13:00:00Z",
    )
    on = calendar(
        one_level([BASE], "America/Toronto", holidays={"country": "CA", "subdivision": "ON", "cover": "h"}),
        "2027-06-24T12:00:00Z",
        "2027-06-24T13:00:00Z",
    )
    assert who(qc, "2027-06-24T12:30:00Z") == "h"
    assert who(on, "2027-06-24T12:30:00Z") != "h"


# ----------------------------------------------------------------- follow the sun

FOLLOW_THE_SUN = [
    {
        "name": "apac",
        "people": ["tokyo1", "tokyo2"],
        "start": "2027-01-04",
        "turn": "1w",
        "time_zone": "Asia/Tokyo",
        "restrictions": [{"type": "daily", "start": "07:00", "end": "17:00"}],
    },
    {
        "name": "emea",
        "people": ["london1", "london2"],
        "start": "2027-01-04",
        "turn": "1w",
        "time_zone": LONDON,
        "restrictions": [{"type": "daily", "start": "07:00", "end": "18:00"}],
    },
    {
        "name": "amer",
        "people": ["ny1", "ny2"],
        "start": "2027-01-04",
        "turn": "1w",
        "time_zone": NEW_YORK,
        "restrictions": [{"type": "daily", "start": "12:00", "duration": "7h"}],
    },
]


def _region(person: str | None) -> str | None:
    return None if person is None else person.rstrip("0123456789")


def test_follow_the_sun_covers_a_month_with_two_dst_changes() -> None:
    cal = calendar(one_level(FOLLOW_THE_SUN, "UTC"), "2027-03-01T00:00:00Z", "2027-04-01T00:00:00Z")
    assert cal.gaps("r", "primary") == []
    assert_tiles(cal)


@pytest.mark.parametrize(
    ("when", "region"),
    [
        ("2027-03-10T03:00:00Z", "tokyo"),  # 12:00 Tokyo
        ("2027-03-10T06:59:59Z", "tokyo"),
        ("2027-03-10T07:00:00Z", "london"),  # 07:00 GMT: later layer wins the overlap
        ("2027-03-10T16:59:59Z", "london"),
        ("2027-03-10T17:00:00Z", "ny"),  # 12:00 EST
        ("2027-03-10T23:59:59Z", "ny"),  # 18:59 EST
        ("2027-03-11T00:00:00Z", "tokyo"),  # 19:00 EST ends New York; 09:00 Tokyo
        ("2027-03-20T16:00:00Z", "ny"),  # 12:00 EDT, while London is still on GMT
        ("2027-03-20T17:59:59Z", "ny"),
        ("2027-03-20T22:59:59Z", "ny"),
        ("2027-03-20T23:00:00Z", "tokyo"),  # 19:00 EDT; 08:00 Tokyo
        ("2027-03-30T06:00:00Z", "london"),  # 07:00 BST
        ("2027-03-30T05:59:59Z", "tokyo"),
        ("2027-03-30T15:59:59Z", "london"),
        ("2027-03-30T16:00:00Z", "ny"),
        ("2027-03-30T22:00:00Z", "ny"),  # 07:00 Tokyo overlaps 18:00 EDT: the later layer wins
    ],
)
def test_follow_the_sun_region_at(when: str, region: str) -> None:
    cal = calendar(one_level(FOLLOW_THE_SUN, "UTC"), "2027-03-01T00:00:00Z", "2027-04-01T00:00:00Z")
    assert _region(who(cal, when)) == region


def test_follow_the_sun_people_rotate_weekly_within_each_region() -> None:
    cal = calendar(one_level(FOLLOW_THE_SUN, "UTC"), "2027-03-01T00:00:00Z", "2027-04-01T00:00:00Z")
    # 2027-03-01 is week 8 from 2027-01-04 -> index 0; 2027-03-08 is week 9 -> index 1.
    assert who(cal, "2027-03-03T12:00:00Z") == "london1"
    assert who(cal, "2027-03-10T12:00:00Z") == "london2"
    assert who(cal, "2027-03-10T20:00:00Z") == "ny2"
    assert who(cal, "2027-03-10T03:00:00Z") == "tokyo2"


# ------------------------------------------------------------ daylight saving time


@dataclass(frozen=True)
class DstChange:
    zone: str
    day: date
    before: int  # UTC offset in hours on the day before the change
    after: int  # UTC offset in hours from the change on


DST_CHANGES = [
    DstChange(NEW_YORK, date(2027, 3, 14), -5, -4),
    DstChange(NEW_YORK, date(2027, 11, 7), -4, -5),
    DstChange(LONDON, date(2027, 3, 28), 0, 1),
    DstChange(LONDON, date(2027, 10, 31), 1, 0),
]


def utc_of(day: date, hour: int, offset: int) -> str:
    """UTC text of a local wall-clock hour at a given offset."""
    moment = datetime.combine(day, time(hour), tzinfo=UTC) - timedelta(hours=offset)
    return z(moment)


def test_dst_changes_are_where_the_tests_say() -> None:
    for change in DST_CHANGES:
        tz = ZoneInfo(change.zone)
        day_before = datetime.combine(change.day - timedelta(days=1), time(12), tzinfo=tz)
        day_of = datetime.combine(change.day, time(12), tzinfo=tz)
        assert day_before.utcoffset() == timedelta(hours=change.before)
        assert day_of.utcoffset() == timedelta(hours=change.after)


@pytest.mark.parametrize("change", DST_CHANGES, ids=lambda c: f"{c.zone}-{c.day}")
def test_daily_turn_hands_off_at_0900_local_across_dst(change: DstChange) -> None:
    start = change.day - timedelta(days=10)
    layer = {"people": ["a", "b", "c"], "start": start.isoformat(), "handoff_time": "09:00", "turn": "1d"}
    window_start = datetime.combine(start, time(9), tzinfo=ZoneInfo(change.zone))
    cal = RosterCalendar(one_level([layer], change.zone), window_start, window_start + timedelta(days=20))
    assert_tiles(cal)
    segs = cal.segments("r", "primary")
    assert [local(s.start, change.zone).strftime("%H:%M:%S") for s in segs] == ["09:00:00"] * 20
    assert [local(s.end, change.zone).strftime("%H:%M:%S") for s in segs] == ["09:00:00"] * 20

    # Day 9 (the day before the change) is a's turn, day 10 (the change day) is b's, day 11 c's.
    before = utc_of(change.day - timedelta(days=1), 9, change.before)
    handoff = utc_of(change.day, 9, change.after)
    next_handoff = utc_of(change.day + timedelta(days=1), 9, change.after)
    index = [z(s.start) for s in segs].index(before)
    assert [(s.person, z(s.start), z(s.end)) for s in segs[index : index + 2]] == [
        ("a", before, handoff),
        ("b", handoff, next_handoff),
    ]
    length = segs[index].end - segs[index].start
    assert length == (24 - (change.after - change.before)) * 3600
    assert cal.on_call_at("r", "primary", ts(handoff) - 1) == "a"
    assert cal.on_call_at("r", "primary", ts(handoff)) == "b"
    # 24 elapsed hours after the previous handoff is the wrong instant, by one hour either way.
    elapsed = ts(before) + 86_400
    assert cal.on_call_at("r", "primary", elapsed) == ("b" if change.after > change.before else "a")
    assert cal.on_call_at("r", "primary", ts(next_handoff) - 1) == "b"
    assert cal.on_call_at("r", "primary", ts(next_handoff)) == "c"


@pytest.mark.parametrize("change", DST_CHANGES, ids=lambda c: f"{c.zone}-{c.day}")
def test_weekly_turn_hands_off_at_0900_local_across_dst(change: DstChange) -> None:
    start = change.day - timedelta(days=10)  # a Thursday
    layer = {"people": ["a", "b", "c"], "start": start.isoformat(), "handoff_time": "09:00", "turn": "1w"}
    window_start = datetime.combine(start, time(9), tzinfo=ZoneInfo(change.zone))
    cal = RosterCalendar(one_level([layer], change.zone), window_start, window_start + timedelta(weeks=4))
    assert_tiles(cal)
    first = utc_of(start, 9, change.before)
    second = utc_of(start + timedelta(days=7), 9, change.before)  # 3 days before the change
    third = utc_of(start + timedelta(days=14), 9, change.after)  # 4 days after the change
    fourth = utc_of(start + timedelta(days=21), 9, change.after)
    assert spans(cal) == [
        ("a", first, second),
        ("b", second, third),
        ("c", third, fourth),
        ("a", fourth, z(cal.end)),
    ]
    assert ts(third) - ts(second) == (168 - (change.after - change.before)) * 3600
    assert cal.on_call_at("r", "primary", ts(third) - 1) == "b"
    assert cal.on_call_at("r", "primary", ts(third)) == "c"
    assert {local(s.start, change.zone).strftime("%a %H:%M") for s in cal.segments("r", "primary")} == {
        f"{start:%a} 09:00"
    }


def test_daily_turn_at_0900_new_york_spring_exact() -> None:
    layer = {"people": ["a", "b", "c"], "start": "2027-03-10", "handoff_time": "09:00", "turn": "1d"}
    cal = calendar(one_level([layer], NEW_YORK), "2027-03-12T00:00:00Z", "2027-03-16T00:00:00Z")
    assert spans(cal) == [
        ("b", "2027-03-12T00:00:00Z", "2027-03-12T14:00:00Z"),
        ("c", "2027-03-12T14:00:00Z", "2027-03-13T14:00:00Z"),
        ("a", "2027-03-13T14:00:00Z", "2027-03-14T13:00:00Z"),  # 23 hours
        ("b", "2027-03-14T13:00:00Z", "2027-03-15T13:00:00Z"),
        ("c", "2027-03-15T13:00:00Z", "2027-03-16T00:00:00Z"),
    ]
    assert who(cal, "2027-03-14T12:59:59Z") == "a"
    assert who(cal, "2027-03-14T13:00:00Z") == "b"
    assert who(cal, "2027-03-14T13:59:59Z") == "b"


def test_daily_turn_at_0900_new_york_fall_exact() -> None:
    layer = {"people": ["a", "b", "c"], "start": "2027-11-03", "handoff_time": "09:00", "turn": "1d"}
    cal = calendar(one_level([layer], NEW_YORK), "2027-11-06T00:00:00Z", "2027-11-09T00:00:00Z")
    assert spans(cal) == [
        ("c", "2027-11-06T00:00:00Z", "2027-11-06T13:00:00Z"),
        ("a", "2027-11-06T13:00:00Z", "2027-11-07T14:00:00Z"),  # 25 hours
        ("b", "2027-11-07T14:00:00Z", "2027-11-08T14:00:00Z"),
        ("c", "2027-11-08T14:00:00Z", "2027-11-09T00:00:00Z"),
    ]
    assert who(cal, "2027-11-07T13:00:00Z") == "a"
    assert who(cal, "2027-11-07T13:59:59Z") == "a"
    assert who(cal, "2027-11-07T14:00:00Z") == "b"


@pytest.mark.parametrize(
    ("zone_name", "start", "handoff", "window", "expected"),
    [
        pytest.param(
            NEW_YORK,
            "2027-03-10",
            "02:30",
            ("2027-03-13T00:00:00Z", "2027-03-17T00:00:00Z"),
            [
                ("c", "2027-03-13T00:00:00Z", "2027-03-13T07:30:00Z"),
                ("a", "2027-03-13T07:30:00Z", "2027-03-14T07:30:00Z"),  # 02:30 EST
                ("b", "2027-03-14T07:30:00Z", "2027-03-15T06:30:00Z"),  # 02:30 does not exist: 03:30 EDT
                ("c", "2027-03-15T06:30:00Z", "2027-03-16T06:30:00Z"),  # 02:30 EDT again
                ("a", "2027-03-16T06:30:00Z", "2027-03-17T00:00:00Z"),
            ],
            id="new-york-spring-gap",
        ),
        pytest.param(
            NEW_YORK,
            "2027-11-03",
            "01:30",
            ("2027-11-06T00:00:00Z", "2027-11-09T00:00:00Z"),
            [
                ("c", "2027-11-06T00:00:00Z", "2027-11-06T05:30:00Z"),
                ("a", "2027-11-06T05:30:00Z", "2027-11-07T05:30:00Z"),  # 01:30 EDT
                ("b", "2027-11-07T05:30:00Z", "2027-11-08T06:30:00Z"),  # first 01:30 (EDT); 25 h
                ("c", "2027-11-08T06:30:00Z", "2027-11-09T00:00:00Z"),  # 01:30 EST
            ],
            id="new-york-fall-overlap",
        ),
        pytest.param(
            LONDON,
            "2027-03-24",
            "01:30",
            ("2027-03-26T00:00:00Z", "2027-03-30T00:00:00Z"),
            [
                ("b", "2027-03-26T00:00:00Z", "2027-03-26T01:30:00Z"),
                ("c", "2027-03-26T01:30:00Z", "2027-03-27T01:30:00Z"),
                ("a", "2027-03-27T01:30:00Z", "2027-03-28T01:30:00Z"),  # 01:30 GMT
                ("b", "2027-03-28T01:30:00Z", "2027-03-29T00:30:00Z"),  # 01:30 does not exist: 02:30 BST
                ("c", "2027-03-29T00:30:00Z", "2027-03-30T00:00:00Z"),  # 01:30 BST
            ],
            id="london-spring-gap",
        ),
        pytest.param(
            LONDON,
            "2027-10-27",
            "01:30",
            ("2027-10-29T00:00:00Z", "2027-11-02T00:00:00Z"),
            [
                ("b", "2027-10-29T00:00:00Z", "2027-10-29T00:30:00Z"),
                ("c", "2027-10-29T00:30:00Z", "2027-10-30T00:30:00Z"),
                ("a", "2027-10-30T00:30:00Z", "2027-10-31T00:30:00Z"),  # 01:30 BST
                ("b", "2027-10-31T00:30:00Z", "2027-11-01T01:30:00Z"),  # first 01:30 (BST); 25 h
                ("c", "2027-11-01T01:30:00Z", "2027-11-02T00:00:00Z"),  # 01:30 GMT
            ],
            id="london-fall-overlap",
        ),
    ],
)
def test_daily_handoff_inside_the_dst_gap_or_overlap(
    zone_name: str, start: str, handoff: str, window: tuple[str, str], expected: list[tuple[str, str, str]]
) -> None:
    """A skipped wall-clock time is read with the offset before the change (it moves later by
    the gap); a repeated one is its first occurrence. Either way the turns touch exactly."""
    layer = {"people": ["a", "b", "c"], "start": start, "handoff_time": handoff, "turn": "1d"}
    cal = calendar(one_level([layer], zone_name), *window)
    assert spans(cal) == expected
    assert_tiles(cal)
    for seg in cal.segments("r", "primary")[1:]:
        assert cal.on_call_at("r", "primary", seg.start - 1) != seg.person
        assert cal.on_call_at("r", "primary", seg.start) == seg.person


def test_weekly_handoff_inside_the_new_york_gap() -> None:
    layer = {"people": ["a", "b"], "start": "2027-02-28", "handoff_time": "02:30", "turn": "1w"}  # Sundays
    cal = calendar(one_level([layer], NEW_YORK), "2027-03-01T00:00:00Z", "2027-03-25T00:00:00Z")
    assert spans(cal) == [
        ("a", "2027-03-01T00:00:00Z", "2027-03-07T07:30:00Z"),
        ("b", "2027-03-07T07:30:00Z", "2027-03-14T07:30:00Z"),  # 03:30 EDT on the change day
        ("a", "2027-03-14T07:30:00Z", "2027-03-21T06:30:00Z"),  # 02:30 EDT
        ("b", "2027-03-21T06:30:00Z", "2027-03-25T00:00:00Z"),
    ]


def test_layer_starting_inside_the_gap_keeps_its_wall_clock_afterwards() -> None:
    # Bug fixed in roster.py: the start was turned into an instant (03:30 EDT) and back, so
    # every later handoff was at 03:30 instead of 02:30.
    layer = {"people": ["a", "b"], "start": "2027-03-14T02:30", "turn": "1d"}
    cal = calendar(one_level([layer], NEW_YORK), "2027-03-14T00:00:00Z", "2027-03-17T00:00:00Z")
    assert spans(cal) == [
        ("a", "2027-03-14T07:30:00Z", "2027-03-15T06:30:00Z"),
        ("b", "2027-03-15T06:30:00Z", "2027-03-16T06:30:00Z"),
        ("a", "2027-03-16T06:30:00Z", "2027-03-17T00:00:00Z"),
    ]


def test_layer_starting_at_the_second_occurrence_of_an_overlapping_time() -> None:
    # 2027-11-07T01:30-05:00 is the second 01:30 in New York (EST).
    layer = {"people": ["a", "b"], "start": "2027-11-07T01:30:00-05:00", "turn": "1d"}
    cal = calendar(one_level([layer], NEW_YORK), "2027-11-07T00:00:00Z", "2027-11-09T12:00:00Z")
    assert spans(cal) == [
        ("a", "2027-11-07T06:30:00Z", "2027-11-08T06:30:00Z"),
        ("b", "2027-11-08T06:30:00Z", "2027-11-09T06:30:00Z"),
        ("a", "2027-11-09T06:30:00Z", "2027-11-09T12:00:00Z"),
    ]


def test_hourly_turns_across_dst_are_elapsed_and_touch() -> None:
    layer = {"people": ["a", "b", "c"], "start": "2027-10-30T00:00", "turn": "1h"}
    cal = calendar(one_level([layer], LONDON), "2027-10-30T23:00:00Z", "2027-10-31T03:00:00Z")
    # 2027-10-30T00:00 BST is 2027-10-29T23:00Z, so the window starts 24 elapsed hours later.
    assert [p for p, _, _ in spans(cal)] == ["a", "b", "c", "a"]
    assert_tiles(cal)


# ------------------------------------------------------------------ queries and API


def two_rotations() -> Policy:
    return make_policy(
        [
            {
                "id": "sre",
                "time_zone": LONDON,
                "levels": {
                    "primary": {"layers": [WEEKLY_ABC]},
                    "secondary": {"layers": [{**WEEKLY_ABC, "people": ["carol", "alice", "bob"]}]},
                },
            },
            {
                "id": "db",
                "levels": {"primary": {"layers": [BUSINESS]}},
            },
        ]
    )


def test_who_is_on_call() -> None:
    cal = RosterCalendar(two_rotations(), at("2027-01-01T00:00:00Z"), at("2027-02-01T00:00:00Z"))
    assert cal.who_is_on_call(at("2027-01-12T10:00:00Z")) == {
        "sre": {"primary": ["bob"], "secondary": ["alice"]},
        "db": {"primary": ["x"]},
    }
    assert cal.who_is_on_call(at("2027-01-09T10:00:00Z")) == {
        "sre": {"primary": ["alice"], "secondary": ["carol"]},
        "db": {"primary": []},
    }
    assert cal.who_is_on_call(at("2027-01-02T10:00:00Z")) == {
        "sre": {"primary": [], "secondary": []},
        "db": {"primary": []},
    }


def test_who_is_on_call_with_no_rotations() -> None:
    cal = RosterCalendar(make_policy([]), at("2027-01-01T00:00:00Z"), at("2027-02-01T00:00:00Z"))
    assert cal.who_is_on_call(at("2027-01-12T10:00:00Z")) == {}


def test_on_call_at_seconds_matches_on_call_datetime() -> None:
    cal = RosterCalendar(two_rotations(), at("2027-01-01T00:00:00Z"), at("2027-02-01T00:00:00Z"))
    moment = at("2027-01-18T09:00:00+00:00")
    assert cal.on_call_at("sre", "primary", moment.timestamp()) == cal.on_call("sre", "primary", moment) == "carol"


def test_next_on_call() -> None:
    cal = RosterCalendar(two_rotations(), at("2027-01-01T00:00:00Z"), at("2027-02-01T00:00:00Z"))
    # During a turn: the next person and their start.
    assert cal.next_on_call("sre", "primary", ts("2027-01-05T00:00:00Z")) == ("bob", ts("2027-01-11T09:00:00Z"))
    # At the exact handoff, the person now on call is bob; next is carol.
    assert cal.next_on_call("sre", "primary", ts("2027-01-11T09:00:00Z")) == ("carol", ts("2027-01-18T09:00:00Z"))
    assert cal.next_on_call("sre", "primary", ts("2027-01-11T08:59:59Z")) == ("bob", ts("2027-01-11T09:00:00Z"))
    # In a gap before the rotation starts: the first person.
    assert cal.next_on_call("sre", "primary", ts("2027-01-02T00:00:00Z")) == ("alice", ts("2027-01-04T09:00:00Z"))
    # Restricted: in the weekend gap the next is whoever starts on Monday (phase kept).
    assert cal.next_on_call("db", "primary", ts("2027-01-09T12:00:00Z")) == ("y", ts("2027-01-11T09:00:00Z"))
    # During the last turn of the window there is nobody after.
    assert cal.next_on_call("sre", "primary", ts("2027-01-30T00:00:00Z")) is None


def test_next_on_call_skips_the_same_person_coming_back_after_a_gap() -> None:
    layer = {
        "people": ["a", "b"],
        "start": "2027-01-04",
        "turn": "1w",
        "restrictions": [{"type": "daily", "start": "09:00", "end": "17:00"}],
    }
    cal = calendar(one_level([layer]), "2027-01-04T00:00:00Z", "2027-01-20T00:00:00Z")
    assert cal.next_on_call("r", "primary", ts("2027-01-04T10:00:00Z")) == ("b", ts("2027-01-11T09:00:00Z"))
    assert cal.next_on_call("r", "primary", ts("2027-01-04T18:00:00Z")) == ("a", ts("2027-01-05T09:00:00Z"))


def test_next_on_call_single_person_is_none() -> None:
    cal = calendar(
        one_level([{"people": ["solo"], "start": "2027-01-01", "turn": "1d"}]),
        "2027-01-10T00:00:00Z",
        "2027-02-10T00:00:00Z",
    )
    assert cal.next_on_call("r", "primary", ts("2027-01-12T00:00:00Z")) is None


def test_intervals_carry_rotation_level_and_utc() -> None:
    cal = RosterCalendar(two_rotations(), at("2027-01-10T00:00:00Z"), at("2027-01-12T00:00:00Z"))
    assert cal.intervals("sre", "secondary") == [
        OnCallInterval("sre", "secondary", "carol", at("2027-01-10T00:00:00Z"), at("2027-01-11T09:00:00Z")),
        OnCallInterval("sre", "secondary", "alice", at("2027-01-11T09:00:00Z"), at("2027-01-12T00:00:00Z")),
    ]
    for interval in cal.intervals("sre", "secondary"):
        assert interval.start.tzinfo is UTC and interval.end.tzinfo is UTC


def test_segments_returns_a_copy() -> None:
    cal = RosterCalendar(two_rotations(), at("2027-01-10T00:00:00Z"), at("2027-01-12T00:00:00Z"))
    cal.segments("sre", "primary").clear()
    assert len(cal.segments("sre", "primary")) == 2


def test_window_accepts_any_offset() -> None:
    cal = RosterCalendar(two_rotations(), at("2027-01-10T01:00:00+01:00"), at("2027-01-11T04:00:00-05:00"))
    assert cal.start == ts("2027-01-10T00:00:00Z")
    assert cal.end == ts("2027-01-11T09:00:00Z")
    assert [i.person for i in cal.intervals("sre", "primary")] == ["alice"]


def test_query_outside_the_window_names_the_instant() -> None:
    cal = RosterCalendar(two_rotations(), at("2027-01-10T00:00:00Z"), at("2027-01-12T00:00:00Z"))
    with pytest.raises(ValueError, match=r"2027-01-12T00:00:00\+00:00 is outside the calendar window"):
        cal.on_call("sre", "primary", at("2027-01-12T00:00:00Z"))  # the end is excluded
    with pytest.raises(ValueError, match=r"2027-01-09T23:59:59\+00:00 is outside"):
        cal.on_call_at("sre", "primary", ts("2027-01-09T23:59:59Z"))
    with pytest.raises(ValueError, match=r"2027-02-01T00:00:00\+00:00 is outside"):
        cal.next_on_call("sre", "primary", ts("2027-02-01T00:00:00Z"))
    with pytest.raises(ValueError, match=r"2026-12-31T23:00:00\+00:00 is outside"):
        cal.who_is_on_call(at("2027-01-01T00:00:00+01:00"))
    assert cal.on_call("sre", "primary", at("2027-01-10T00:00:00Z")) == "alice"  # the start is included


def test_unknown_rotation_or_level_suggests_the_right_name() -> None:
    cal = RosterCalendar(two_rotations(), at("2027-01-10T00:00:00Z"), at("2027-01-12T00:00:00Z"))
    moment = at("2027-01-11T00:00:00Z")
    with pytest.raises(KeyError, match=r"unknown rotation 'sr'; did you mean 'sre'\?"):
        cal.on_call("sr", "primary", moment)
    with pytest.raises(KeyError, match=r"rotation 'sre' has no level 'primay'; did you mean 'primary'\?"):
        cal.on_call("sre", "primay", moment)
    with pytest.raises(KeyError, match=r"unknown rotation 'payments'"):
        cal.intervals("payments", "primary")
    with pytest.raises(KeyError, match=r"rotation 'db' has no level 'secondary'"):
        cal.gaps("db", "secondary")
    with pytest.raises(KeyError, match=r"did you mean 'secondary'"):
        cal.next_on_call("sre", "secundary", moment.timestamp())
    with pytest.raises(KeyError, match=r"did you mean 'db'"):
        cal.segments("DB", "primary")


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (datetime(2027, 1, 1), datetime(2027, 2, 1, tzinfo=UTC)),
        (datetime(2027, 1, 1, tzinfo=UTC), datetime(2027, 2, 1)),
        (datetime(2027, 1, 1), datetime(2027, 2, 1)),
    ],
)
def test_naive_window_is_an_error(start: datetime, end: datetime) -> None:
    with pytest.raises(ValueError, match="calendar window needs UTC offsets, got 2027-01-01T00:00:00"):
        RosterCalendar(two_rotations(), start, end)


@pytest.mark.parametrize("end", ["2027-01-01T00:00:00Z", "2026-12-31T00:00:00Z", "2027-01-01T01:00:00+01:00"])
def test_empty_window_is_an_error(end: str) -> None:
    with pytest.raises(ValueError, match="is not after start"):
        RosterCalendar(two_rotations(), at("2027-01-01T00:00:00Z"), at(end))


def test_naive_query_is_an_error() -> None:
    # Fixed in roster.py: a naive datetime was silently read in the machine's own time zone.
    cal = RosterCalendar(two_rotations(), at("2027-01-10T00:00:00Z"), at("2027-01-12T00:00:00Z"))
    with pytest.raises(ValueError, match="2027-01-11T00:00:00 has no UTC offset"):
        cal.on_call("sre", "primary", datetime(2027, 1, 11))
    with pytest.raises(ValueError, match="has no UTC offset"):
        cal.who_is_on_call(datetime(2027, 1, 11))


def test_paint() -> None:
    base = [Segment(0, 10, "a"), Segment(10, 20, "b"), Segment(25, 30, "c")]
    assert paint(base, []) == base
    assert paint([], base) == base
    assert paint(base, [Segment(5, 12, "x")]) == [
        Segment(0, 5, "a"),
        Segment(5, 12, "x"),
        Segment(12, 20, "b"),
        Segment(25, 30, "c"),
    ]
    assert paint(base, [Segment(-5, 0, "x"), Segment(2, 3, "y"), Segment(20, 26, "z"), Segment(40, 50, "w")]) == [
        Segment(-5, 0, "x"),
        Segment(0, 2, "a"),
        Segment(2, 3, "y"),
        Segment(3, 10, "a"),
        Segment(10, 20, "b"),
        Segment(20, 26, "z"),
        Segment(26, 30, "c"),
        Segment(40, 50, "w"),
    ]
    assert paint(base, [Segment(-1, 31, "x")]) == [Segment(-1, 31, "x")]


EXAMPLE_POLICY = """\
kind: policy
id: basic
name: Basic
scenario: tiny
tiers:
  - {id: SEV1, sla: {acknowledge: 5m, contain: 1h}}
  - {id: SEV2, sla: {acknowledge: 15m}}
rotations:
  - id: sre
    time_zone: Europe/London
    levels:
      primary:
        layers:
          - {people: [alice, bob], start: 2027-01-04, handoff_time: "09:00", turn: 1w}
escalation_chains:
  - id: sre
    levels:
      - targets: [{rotation: sre}]
        delay: 15m
      - targets: [{team: sre}]
routing:
  - chain: sre
"""


def test_example_policy_file(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(EXAMPLE_POLICY)
    policy = load_policy(path)
    cal = RosterCalendar(policy, at("2027-01-01T00:00:00Z"), at("2027-07-01T00:00:00Z"))
    segs = cal.segments("sre", "primary")
    assert z(segs[0].start) == "2027-01-04T09:00:00Z"
    assert {local(s.start, LONDON).strftime("%a %H:%M") for s in segs} == {"Mon 09:00"}
    assert [s.person for s in segs[:4]] == ["alice", "bob", "alice", "bob"]
    assert_tiles(cal, "sre", "primary", start=segs[0].start)


# ------------------------------------------------------------------- properties
#
# A brute-force reference built from the semantics: whose turn it is by counting local days
# (whole-day turns) or elapsed seconds (other turns), whether the instant is inside a
# restriction by its local wall-clock time, later layers over earlier ones, overrides last
# listed first. Restriction edges are drawn outside 01:00-03:00 local, where every zone
# below changes its clocks, because a local wall-clock window edge that is skipped or
# repeated has no single meaning to compare against.

ZONES = ["UTC", NEW_YORK, LONDON, "Europe/Berlin", "Australia/Sydney", "Asia/Kolkata"]
TURNS = ["1h", "90m", "7h", "8h", "12h", "1d", "2d", "3d", "1w", "2w"]
WHOLE_DAY_TURNS = ["1d", "2d", "3d", "1w", "2w"]
NAMES = ["p0", "p1", "p2", "p3", "p4", "p5", "p6", "p7"]
SAFE_TIMES = [m for m in range(0, 1440, 30) if not 60 <= m < 180]
ZONE_CHANGES = [
    (NEW_YORK, date(2027, 3, 14)),
    (NEW_YORK, date(2027, 11, 7)),
    (LONDON, date(2027, 3, 28)),
    (LONDON, date(2027, 10, 31)),
    ("Europe/Berlin", date(2027, 3, 28)),
    ("Europe/Berlin", date(2027, 10, 31)),
    ("Australia/Sydney", date(2027, 4, 4)),
    ("Australia/Sydney", date(2027, 10, 3)),
]


def hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def wall(local_time: datetime, tz: ZoneInfo) -> float:
    """POSIX seconds of a naive wall-clock time (first occurrence; skipped times move later)."""
    return local_time.replace(tzinfo=tz, fold=0).timestamp()


def instant_of(value: datetime, tz: ZoneInfo) -> float:
    return value.timestamp() if value.tzinfo is not None else wall(value, tz)


def ref_in_restrictions(rules: list[Restriction], lt: datetime) -> bool:
    minute = lt.hour * 60 + lt.minute + lt.second / 60 + lt.microsecond / 60e6
    for rule in rules:
        if rule.type == "daily":
            if rule.duration is not None:
                length = rule.duration
            else:
                assert rule.end is not None
                length = (rule.end - rule.start) % 1440 or 1440
            if (minute - rule.start) % 1440 < length:
                return True
        else:
            assert rule.start_day is not None
            opens = rule.start_day * 1440 + rule.start
            if rule.duration is not None:
                length = rule.duration
            else:
                assert rule.end is not None
                end_day = rule.end_day if rule.end_day is not None else rule.start_day
                length = (end_day * 1440 + rule.end - opens) % 10080 or 10080
            if (lt.weekday() * 1440 + minute - opens) % 10080 < length:
                return True
    return False


def ref_layer(layer: Layer, rotation_tz: ZoneInfo, t: float) -> str | None:
    tz = ZoneInfo(layer.time_zone) if layer.time_zone else rotation_tz
    if layer.handoff_time is not None:
        wall0 = datetime.combine(layer.start.date(), time()) + timedelta(minutes=layer.handoff_time)
        t0 = wall(wall0, tz)
    elif layer.start.tzinfo is None:
        wall0, t0 = layer.start, wall(layer.start, tz)
    else:
        wall0, t0 = layer.start.astimezone(tz).replace(tzinfo=None), layer.start.timestamp()
    if t < t0 or (layer.end is not None and t >= instant_of(layer.end, tz)):
        return None
    lt = datetime.fromtimestamp(t, tz)
    if layer.turn % 1440 == 0:

        def handoff(n: int) -> float:
            return t0 if n == 0 else wall(wall0 + timedelta(days=n), tz)

        days = max(0, (lt.date() - wall0.date()).days)
        while days > 0 and handoff(days) > t:
            days -= 1
        while handoff(days + 1) <= t:
            days += 1
        k = days // int(layer.turn // 1440)
    else:
        k = math.floor((t - t0) / (layer.turn * 60))
    if layer.restrictions and not ref_in_restrictions(layer.restrictions, lt):
        return None
    return layer.people[k % len(layer.people)]


def ref_level(level: RotationLevel, tz: ZoneInfo, t: float) -> str | None:
    for override in reversed(level.overrides):
        if instant_of(override.start, tz) <= t < instant_of(override.end, tz):
            return override.person
    for layer in reversed(level.layers):
        person = ref_layer(layer, tz, t)
        if person is not None:
            return person
    return None


@dataclass(frozen=True)
class Case:
    policy: Policy
    start: datetime
    end: datetime


@st.composite
def restrictions(draw: st.DrawFn) -> dict[str, Any]:
    start = draw(st.sampled_from(SAFE_TIMES))
    end = draw(st.one_of(st.just(start), st.sampled_from([*SAFE_TIMES, 1440])))  # end == start: a whole day/week
    rule: dict[str, Any]
    if draw(st.booleans()):
        rule = {"type": "daily", "start": hhmm(start)}
        length = (end - start) % 1440 or 1440
    else:
        start_day, end_day = draw(st.integers(0, 6)), draw(st.integers(0, 6))
        rule = {
            "type": "weekly",
            "start": hhmm(start),
            "start_day": ("mon", "tue", "wed", "thu", "fri", "sat", "sun")[start_day],
        }
        if draw(st.booleans()):
            rule["end_day"] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")[end_day]
        else:
            end_day = start_day
        length = ((end_day * 1440 + end) - (start_day * 1440 + start)) % 10080 or 10080
    if draw(st.booleans()):
        rule["duration"] = f"{length}m"
    else:
        rule["end"] = hhmm(end)
    return rule


@st.composite
def windows(draw: st.DrawFn) -> tuple[datetime, datetime, str]:
    """A window and a zone: half the time the window spans one of that zone's clock changes."""
    if draw(st.booleans()):
        zone_name, change = draw(st.sampled_from(ZONE_CHANGES))
        day = change - timedelta(days=draw(st.integers(0, 5)))
        start = datetime.combine(day, time(), tzinfo=UTC) + timedelta(minutes=draw(st.integers(0, 1439)))
        return start, start + timedelta(minutes=draw(st.integers(6 * 1440, 12 * 1440))), zone_name
    start = datetime(2027, 1, 1, tzinfo=UTC) + timedelta(minutes=draw(st.integers(0, 364 * 1440)))
    return start, start + timedelta(minutes=draw(st.integers(1, 21 * 1440))), draw(st.sampled_from(ZONES))


@st.composite
def layers(
    draw: st.DrawFn,
    window_start: datetime,
    *,
    turns: list[str] = TURNS,
    restricted: bool = True,
    before_window: bool = False,
    unique_people: bool = False,
) -> dict[str, Any]:
    count = draw(st.integers(1, 6))
    people = (
        draw(st.lists(st.sampled_from(NAMES), min_size=count, max_size=count, unique=True))
        if unique_people
        else draw(st.lists(st.sampled_from(NAMES), min_size=count, max_size=count))
    )
    layer: dict[str, Any] = {"people": people, "turn": draw(st.sampled_from(turns))}
    offset = draw(st.integers(-120 * 1440, -2 * 1440 if before_window else 3 * 1440))
    start = (window_start + timedelta(minutes=offset)).replace(tzinfo=None)
    if draw(st.integers(0, 4)) == 0 and not before_window:
        layer["start"] = (window_start + timedelta(minutes=offset)).isoformat()  # with an offset
    else:
        layer["start"] = start.replace(second=0).isoformat()
    if draw(st.booleans()):
        # Half the time at 01:00-02:30, where the zones above skip or repeat wall-clock times.
        layer["handoff_time"] = hhmm(draw(st.one_of(st.integers(0, 47), st.integers(2, 5))) * 30)
    if draw(st.integers(0, 2)) == 0:
        layer["time_zone"] = draw(st.sampled_from(ZONES))
    if restricted and draw(st.booleans()):
        layer["restrictions"] = draw(st.lists(restrictions(), min_size=1, max_size=3))
        if not before_window and draw(st.integers(0, 3)) == 0:
            layer["end"] = (start + timedelta(minutes=draw(st.integers(-5 * 1440, 30 * 1440)))).isoformat()
    return layer


@st.composite
def overrides(draw: st.DrawFn, window_start: datetime, window_end: datetime) -> dict[str, Any]:
    span = int((window_end - window_start).total_seconds() // 60)
    start = window_start + timedelta(minutes=draw(st.integers(-1440, span + 60)))
    end = start + timedelta(minutes=draw(st.integers(1, 3 * 1440)))
    if draw(st.booleans()):
        return {"start": start.isoformat(), "end": end.isoformat(), "person": draw(st.sampled_from(["o1", "o2", "o3"]))}
    naive = {"start": start.replace(tzinfo=None).isoformat(), "end": end.replace(tzinfo=None).isoformat()}
    return {**naive, "person": draw(st.sampled_from(["o1", "o2", "o3"]))}


@st.composite
def cases(draw: st.DrawFn, *, restricted: bool = True, before_window: bool = False) -> Case:
    start, end, zone_name = draw(windows())
    levels: dict[str, Any] = {}
    for name in draw(st.sampled_from([["primary"], ["primary", "secondary"]])):
        level: dict[str, Any] = {
            "layers": draw(
                st.lists(layers(start, restricted=restricted, before_window=before_window), min_size=1, max_size=3)
            )
        }
        if draw(st.booleans()):
            level["overrides"] = draw(st.lists(overrides(start, end), min_size=1, max_size=3))
        levels[name] = level
    rotation = {"id": "r", "time_zone": zone_name, "levels": levels}
    return Case(make_policy([rotation]), start, end)


PROPERTY_SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def probe_points(cal: RosterCalendar, levels: list[str], rng: random.Random, extra: list[float]) -> list[float]:
    """Instants worth checking: every interval edge and its neighbours, given edges, random instants."""
    points: set[float] = set(extra)
    for level in levels:
        for seg in cal.segments("r", level):
            points.update((seg.start - 1, seg.start, seg.start + 1, seg.end - 1, seg.end))
    inside = sorted(p for p in points if cal.start <= p < cal.end)
    chosen = rng.sample(inside, min(len(inside), 80))
    chosen += [cal.start + rng.random() * (cal.end - cal.start) for _ in range(20)]
    chosen.append(cal.start)
    return [p for p in chosen if cal.start <= p < cal.end]


def reference_edges(level: RotationLevel, tz: ZoneInfo, start: float, end: float) -> list[float]:
    """Override edges and the reference's own handoffs near the window start."""
    edges = [instant_of(o.start, tz) for o in level.overrides] + [instant_of(o.end, tz) for o in level.overrides]
    for layer in level.layers:
        ltz = ZoneInfo(layer.time_zone) if layer.time_zone else tz
        local_start = datetime.fromtimestamp(start, ltz).replace(tzinfo=None)
        for days in range(3):
            for minute in {layer.handoff_time or 0, layer.start.hour * 60 + layer.start.minute}:
                day = datetime.combine(local_start.date() + timedelta(days=days), time())
                edges.append(wall(day + timedelta(minutes=minute), ltz))
    return [e for e in edges if start <= e < end]


@PROPERTY_SETTINGS
@given(case=cases(), rng=st.randoms(use_true_random=False))
def test_property_point_queries_agree_with_the_reference(case: Case, rng: random.Random) -> None:
    cal = RosterCalendar(case.policy, case.start, case.end)
    rotation = case.policy.rotations[0]
    tz = ZoneInfo(rotation.time_zone or "UTC")
    extra: list[float] = []
    for level in rotation.levels.values():
        extra += reference_edges(level, tz, cal.start, cal.end)
    for name, level in rotation.levels.items():
        assert_well_formed(cal, "r", name)
        for t in probe_points(cal, list(rotation.levels), rng, extra):
            expected = ref_level(level, tz, t)
            assert cal.on_call_at("r", name, t) == expected, (name, z(t), t)


@PROPERTY_SETTINGS
@given(case=cases(restricted=False, before_window=True))
def test_property_unrestricted_layers_cover_the_window_exactly(case: Case) -> None:
    cal = RosterCalendar(case.policy, case.start, case.end)
    for name in case.policy.rotations[0].levels:
        intervals = cal.intervals("r", name)
        assert intervals[0].start == case.start
        assert intervals[-1].end == case.end
        for a, b in pairwise(intervals):
            assert a.end == b.start
            assert a.person != b.person
        assert cal.gaps("r", name) == []


@PROPERTY_SETTINGS
@given(data=st.data(), window=windows())
def test_property_whole_day_turns_keep_the_wall_clock_handoff(
    data: st.DataObject, window: tuple[datetime, datetime, str]
) -> None:
    start, end, zone_name = window
    end = max(end, start + timedelta(days=10))
    layer = data.draw(layers(start, turns=WHOLE_DAY_TURNS, restricted=False, unique_people=True))
    layer["start"] = layer["start"][:16]  # local, without an offset
    policy = one_level([layer], zone_name)
    cal = RosterCalendar(policy, start, end)
    parsed = policy.rotations[0].levels["primary"].layers[0]
    tz = ZoneInfo(parsed.time_zone or zone_name)
    handoff = parsed.handoff_time if parsed.handoff_time is not None else parsed.start.hour * 60 + parsed.start.minute
    turn_days = int(parsed.turn // 1440)
    boundaries = [s.start for s in cal.segments("r", "primary") if s.start > cal.start]
    if len(parsed.people) == 1:
        assert boundaries == [] or len(boundaries) == 1  # only the layer's start
        return
    previous: date | None = None
    for moment in boundaries:
        here = datetime.fromtimestamp(moment, tz)
        # The handoff is the handoff time on its local date (moved later only where it was skipped).
        expected = wall(datetime.combine(here.date(), time()) + timedelta(minutes=handoff), tz)
        assert moment == expected, z(moment)
        if datetime.fromtimestamp(expected, tz).replace(tzinfo=None) == datetime.combine(
            here.date(), time()
        ) + timedelta(minutes=handoff):
            assert here.hour * 60 + here.minute == handoff
        if previous is not None:
            assert (here.date() - previous).days == turn_days
        previous = here.date()


@PROPERTY_SETTINGS
@given(case=cases())
def test_property_intervals_sorted_disjoint_and_gaps_complement(case: Case) -> None:
    cal = RosterCalendar(case.policy, case.start, case.end)
    for name in case.policy.rotations[0].levels:
        assert_well_formed(cal, "r", name)
        covered = sum(s.end - s.start for s in cal.segments("r", name))
        missing = sum(b - a for a, b in cal.gaps("r", name))
        assert covered + missing == pytest.approx(cal.end - cal.start)
        for a, b in cal.gaps("r", name):
            assert cal.on_call_at("r", name, a) is None
            assert cal.on_call_at("r", name, (a + b) / 2) is None
