"""Wall time to scenario time for a live drill: start, pause, resume and speed changes."""

from __future__ import annotations

import time
from collections.abc import Callable

#: Seconds from an arbitrary but monotonic origin, like :func:`time.monotonic`.
WallClock = Callable[[], float]


class DrillClock:
    """Maps wall-clock seconds to scenario minutes at a speed, stopping while paused.

    Scenario time is kept as an anchor (the scenario minute at the last start, resume or
    speed change) plus the wall time elapsed since then times the speed, so changing the
    speed never makes scenario time jump.
    """

    def __init__(self, speed: float = 1.0, wall: WallClock = time.monotonic, at: float = 0.0) -> None:
        _check_speed(speed)
        self.speed = speed
        self._wall = wall
        self._anchor_scenario = at
        self._anchor_wall: float | None = None  # None while stopped or paused
        self._started = False
        self._advanced = at

    @property
    def running(self) -> bool:
        """Whether scenario time is moving."""
        return self._anchor_wall is not None

    @property
    def started(self) -> bool:
        """Whether the drill has been started."""
        return self._started

    def start(self) -> None:
        """Start the drill clock; a second start is refused."""
        if self._started:
            raise RuntimeError("the drill clock is already started")
        self._started = True
        self._anchor_wall = self._wall()

    def pause(self, wall: float | None = None) -> None:
        """Stop scenario time where it is (or was at the ``wall`` reading); pausing a paused clock does nothing."""
        if self._anchor_wall is None:
            return
        self._anchor_scenario = self.now(wall)
        self._anchor_wall = None

    def resume(self) -> None:
        """Let scenario time move again from where it stopped."""
        if not self._started:
            raise RuntimeError("start the drill clock before resuming it")
        if self._anchor_wall is None:
            self._anchor_wall = self._wall()

    def set_speed(self, speed: float) -> None:
        """Change how many scenario seconds pass per wall second, without a jump."""
        _check_speed(speed)
        if self._anchor_wall is not None:
            self._anchor_scenario = self.now()
            self._anchor_wall = self._wall()
        self.speed = speed

    def jump_to(self, minute: float) -> None:
        """Move scenario time forward to ``minute`` (for "jump to the next event"); a minute already past is a no-op.

        A running clock may pass the minute between the caller reading it and this call, so
        a minute just behind is not an error.
        """
        current = self.now()
        if minute <= current:
            return
        self._anchor_scenario = minute
        if self._anchor_wall is not None:
            self._anchor_wall = self._wall()

    def now(self, wall: float | None = None) -> float:
        """Scenario minutes at wall time ``wall`` (default: the clock's own now)."""
        if self._anchor_wall is None:
            return self._anchor_scenario
        reading = self._wall() if wall is None else wall
        # A reading from before the anchor (e.g. a stale timer tick) must not turn time back.
        elapsed = max(0.0, reading - self._anchor_wall)
        return self._anchor_scenario + elapsed * self.speed / 60.0

    def advance_to(self, wall: float | None = None) -> float:
        """Scenario minutes the engine should run until now; never less than last time."""
        self._advanced = max(self._advanced, self.now(wall))
        return self._advanced


def _check_speed(speed: float) -> None:
    if not speed > 0:
        raise ValueError(f"speed must be positive, got {speed!r}")
