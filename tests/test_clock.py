"""Local time of engine minutes: each person's context and PagerDuty hour class through the week."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from tabletop.scenarios.model import Person
from tabletop.sim.clock import WEEK, hour_class, person_context, week_of_moments
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
        assert week[minute] == (person_context(person, minute), hour_class(minute))
    for minute in (working.start, working.end, sleep.start, sleep.end, 479, 480, 1079, 1080, 1319, 1320):
        for day in range(7):
            at = (day * 1440 + minute) % WEEK
            assert week[at] == (person_context(person, at), hour_class(at))
