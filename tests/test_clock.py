"""Local time of engine minutes: each person's context and PagerDuty hour class through the week."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from tabletop.scenarios.model import Person
from tabletop.sim.clock import WEEK, Clock, hour_class, person_context, week_of_moments
from tabletop.spec.fields import WEEKDAYS
from tabletop.spec.windows import Window

times = st.integers(0, 1439)


@st.composite
def windows(draw: st.DrawFn) -> Window:
    start, end = draw(times), draw(times)
    if start == end:
        end = (end + 1) % 1440
    days = draw(st.lists(st.sampled_from(WEEKDAYS), min_size=1, max_size=7, unique=True))
    return Window.model_validate({"days": days, "start": clock_time(start), "end": clock_time(end)})


def clock_time(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


@given(windows(), windows())
def test_the_week_table_is_each_minute_worked_out_alone(working: Window, sleep: Window) -> None:
    person = Person(id="p", name="P", time_zone="UTC", working_hours=working, sleep=sleep)
    week = week_of_moments(person)
    assert len(week) == WEEK
    for minute in range(0, WEEK, 7):
        assert week[minute] == (person_context(person, minute), hour_class(minute), minute // 60)
    for minute in (working.start, working.end, sleep.start, sleep.end, 479, 480, 1079, 1080, 1319, 1320):
        for day in range(7):
            at = (day * 1440 + minute) % WEEK
            assert week[at] == (person_context(person, at), hour_class(at), at // 60)


@given(
    st.floats(0, 60 * 24 * 400, allow_nan=False),
    st.sampled_from(["UTC", "Europe/London", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe"]),
)
def test_minute_of_week_is_what_the_local_clock_reads(t: float, name: str) -> None:
    """Against datetime.fromtimestamp, across daylight-saving changes and half-hour zones, to the microsecond."""
    clock = Clock(datetime(2027, 1, 4, tzinfo=UTC))
    tz = ZoneInfo(name)
    local = clock.local(t, tz)
    assert clock.minute_of_week(t, tz) == local.weekday() * 1440 + local.hour * 60 + local.minute


def test_an_instant_half_a_microsecond_before_a_minute_is_in_that_minute() -> None:
    clock = Clock(datetime(2027, 1, 4, tzinfo=UTC))
    tz = ZoneInfo("UTC")
    for before in (1e-7, 2.5e-7, 4.9e-7, 6e-7, 2e-6):
        t = 60.0 - before / 60.0
        local = clock.local(t, tz)
        assert clock.minute_of_week(t, tz) == local.hour * 60 + local.minute
