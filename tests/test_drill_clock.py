"""The drill clock: scenario minutes from wall seconds, pause-correct and speed-safe."""

from __future__ import annotations

import pytest
from drill_helpers import HandWall
from hypothesis import given
from hypothesis import strategies as st

from tabletop.sim.drill_clock import DrillClock


def test_real_time_runs_one_minute_per_minute() -> None:
    wall = HandWall()
    clock = DrillClock(wall=wall)
    assert clock.now() == 0
    clock.start()
    wall.seconds += 90
    assert clock.now() == pytest.approx(1.5)


def test_pause_stops_scenario_time_and_resume_continues() -> None:
    wall = HandWall()
    clock = DrillClock(speed=60, wall=wall)
    clock.start()
    wall.seconds += 10  # 10 minutes of scenario time at 60x
    clock.pause()
    wall.seconds += 3600
    assert clock.now() == pytest.approx(10)
    clock.resume()
    wall.seconds += 5
    assert clock.now() == pytest.approx(15)


def test_speed_change_has_no_jump() -> None:
    wall = HandWall()
    clock = DrillClock(speed=10, wall=wall)
    clock.start()
    wall.seconds += 60
    clock.set_speed(600)
    assert clock.now() == pytest.approx(10)
    wall.seconds += 1
    assert clock.now() == pytest.approx(20)


def test_advance_to_never_goes_back_and_jump_moves_forward() -> None:
    wall = HandWall()
    clock = DrillClock(speed=60, wall=wall)
    clock.start()
    assert clock.advance_to(wall.seconds + 30) == pytest.approx(30)
    assert clock.advance_to(wall.seconds + 10) == pytest.approx(30)  # a stale tick
    clock.jump_to(45)
    assert clock.now() == pytest.approx(45)
    clock.jump_to(5)
    assert clock.now() == pytest.approx(45), "a jump never turns time back"


def test_bad_speeds_and_orders_are_refused() -> None:
    with pytest.raises(ValueError, match="positive"):
        DrillClock(speed=0)
    clock = DrillClock(wall=HandWall())
    with pytest.raises(RuntimeError, match="start"):
        clock.resume()
    clock.start()
    with pytest.raises(RuntimeError, match="already"):
        clock.start()


Step = tuple[str, float]
steps = st.lists(
    st.one_of(
        st.tuples(st.just("wait"), st.floats(min_value=0, max_value=3600)),
        st.tuples(st.just("pause"), st.just(0.0)),
        st.tuples(st.just("resume"), st.just(0.0)),
        st.tuples(st.just("speed"), st.sampled_from([1.0, 10.0, 60.0, 600.0, 0.5])),
    ),
    max_size=40,
)


@given(steps)
def test_scenario_time_never_goes_back_and_pauses_add_nothing(sequence: list[Step]) -> None:
    wall = HandWall()
    clock = DrillClock(wall=wall)
    clock.start()
    expected = 0.0
    last = clock.now()
    for kind, value in sequence:
        if kind == "wait":
            wall.seconds += value
            if clock.running:
                expected += value * clock.speed / 60
        elif kind == "pause":
            clock.pause()
        elif kind == "resume":
            clock.resume()
        else:
            clock.set_speed(value)
        now = clock.now()
        assert now >= last
        assert now == pytest.approx(expected, rel=1e-9, abs=1e-6)
        last = now
