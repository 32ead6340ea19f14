"""The engine's core: SimPy's environment with timed callbacks, its own event loop and a plain clock."""

from __future__ import annotations

from collections.abc import Generator
from types import SimpleNamespace
from typing import Any, cast

from tabletop.sim.escalation import EscalationRun, LevelTimeouts
from tabletop.sim.world import Engine, World


def test_the_clock_follows_every_way_of_advancing() -> None:
    env = Engine()
    seen: list[tuple[str, float]] = []

    def process() -> Generator[Any, Any, None]:
        yield env.timeout(3)
        seen.append(("process", env.now))

    env.process(process())
    env.after(2.0, lambda value: seen.append((value, env.now)), "call")
    env.at(7.5, lambda value: seen.append((value, env.now)), "call at")
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
        env.at(when, fired.append, when)
    env.play(2.0)
    assert fired == [1.0]
    going = {"open"}
    env.at(2.5, lambda _: going.clear(), None)
    env.play(10.0, going)
    assert fired == [1.0, 2.0] and env.now == 2.5 and env.peek() == 3.0


class _Run:
    """Stands in for an escalation run: a token that moves on when answered, and the timeouts it saw."""

    def __init__(self, env: Engine, timeouts: list[LevelTimeouts] | None = None) -> None:
        self._token = 1
        self.env = env
        self.seen: list[tuple[float, int]] = []
        #: When set, the run pages its next level on a timeout and starts that level's timeout.
        self.next_level = timeouts

    def timeout(self, token: int) -> None:
        if token != self._token:
            return
        self.seen.append((self.env.now, token))
        if self.next_level:
            self._token += 1
            self.next_level.pop().set(cast(EscalationRun, self))


def test_level_timeouts_wait_in_line_with_one_event_and_drop_those_overtaken() -> None:
    env = Engine()
    world = SimpleNamespace(env=env, at=env.at)
    timeouts = LevelTimeouts(cast(World, world), 10.0)
    a, b, c = _Run(env), _Run(env), _Run(env, [timeouts])
    for when, run in ((0.0, a), (1.0, b), (2.0, c)):
        env.at(when, lambda r: timeouts.set(cast(EscalationRun, r)), run)
    env.play(3.0)
    assert len(env._queue) == 1, "three timeouts set, one event on the heap"
    b._token += 1  # b is answered at 5: its timeout is overtaken
    env.play(10.5)
    assert a.seen == [(10.0, 1)] and b.seen == []
    assert len(env._queue) == 1 and env.peek() == 12.0, "b's timeout, due at 11, never becomes an event"
    env.play(100.0)
    # c's timeout fired at 12, and its next level's, set in the same line as it fired, at 22.
    assert c.seen == [(12.0, 1), (22.0, 2)] and b.seen == [] and not env._queue
