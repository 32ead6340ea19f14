"""The engine's core: SimPy's environment with timed callbacks, its own event loop and a plain clock."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from tabletop.sim.world import CallAfter, CallAt, Engine


def test_the_clock_follows_every_way_of_advancing() -> None:
    env = Engine()
    seen: list[tuple[str, float]] = []

    def process() -> Generator[Any, Any, None]:
        yield env.timeout(3)
        seen.append(("process", env.now))

    env.process(process())
    CallAfter(env, 2.0, lambda value: seen.append((value, env.now)), "call")
    CallAt(env, 7.5, lambda value: seen.append((value, env.now)), "call at")
    env.step()  # the process starts
    assert env.now == 0
    env.play(2.5)
    assert seen == [("call", 2.0)] and env.now == 2.0
    env.run(until=5)
    assert seen[-1] == ("process", 3.0) and env.now == 5
    env.run(until=8)
    assert seen[-1] == ("call at", 7.5) and env.now == 8 == env._now


def test_play_stops_before_until_and_when_nothing_is_going_on() -> None:
    env = Engine()
    fired: list[float] = []
    for when in (1.0, 2.0, 3.0):
        CallAt(env, when, fired.append, when)
    env.play(2.0)
    assert fired == [1.0]
    going = {"open"}
    CallAt(env, 2.5, lambda _: going.clear(), None)
    env.play(10.0, going)
    assert fired == [1.0, 2.0] and env.now == 2.5 and env.peek() == 3.0
