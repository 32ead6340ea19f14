"""The escalation executor: walks a chain's levels, pages targets and moves on when nobody answers."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from math import isnan, nan
from typing import TYPE_CHECKING

from tabletop.policies.model import EscalationChain, EscalationLevel, Target
from tabletop.spec.fields import zone

if TYPE_CHECKING:
    from tabletop.sim.incident import Incident
    from tabletop.sim.responders import Page, Responder
    from tabletop.sim.world import World

#: Called with the first responder to acknowledge.
OnAcknowledge = Callable[["Responder"], None]


class EscalationRun:
    """One walk of an escalation chain for one purpose (an alert, a role or a domain) of an incident."""

    __slots__ = (
        "_reinforcing",
        "_token",
        "acknowledged_by",
        "chain",
        "incident",
        "level",
        "loop",
        "on_acknowledge",
        "seat",
        "stood_down",
        "world",
    )

    def __init__(
        self,
        world: World,
        incident: Incident,
        chain: EscalationChain,
        on_acknowledge: OnAcknowledge,
        seat: str = "",
    ) -> None:
        self.world = world
        #: The drill seat whose player answers this run's pages ("" for runs the engine always plays).
        self.seat = seat
        self.incident = incident
        self.chain = chain
        self.on_acknowledge = on_acknowledge
        self.acknowledged_by: Responder | None = None
        self.loop = 0
        self.level = -1
        self._token = 0
        #: When a re-escalation of an acknowledged, stalled incident began (NaN when none waits for an answer).
        self._reinforcing = nan
        self.stood_down = False

    @property
    def done(self) -> bool:
        """Acknowledged, stood down, or the incident is over."""
        return self.acknowledged_by is not None or self.stood_down or self.incident.closed

    def stand_down(self) -> None:
        """Stop paging and ignore late answers: what this run looked for was found another way (a role assumed)."""
        self.stood_down = True
        self._token += 1

    def advance(self) -> None:
        """Move on to the next level now (a manual or triggered escalation)."""
        if not self.done:
            self.incident.record.escalations += 1
            self._enter(self.level + 1)

    def repage(self) -> None:
        """Page the current level again, even if it was acknowledged (a stalled incident)."""
        if self.incident.closed or self.level < 0:
            return
        if self.acknowledged_by is None:
            self._enter(self.level)
        elif self.level < len(self.chain.levels):
            self._page_level(self.chain.levels[self.level], self.level)

    def _enter(self, index: int = 0) -> None:
        """Page the first applicable level from ``index`` on; ``start()`` pages from the first."""
        if self.acknowledged_by is not None or self.incident.closed:
            return
        levels = self.chain.levels
        if index >= len(levels):
            if self.loop < self.chain.repeat:
                self.loop += 1
                index = self.chain.repeat_from - 1
            else:
                self._backstop()
                return
        self.level = index
        self._token += 1
        level = levels[index]
        if level.when is not None and not self._applies(level):
            self._enter(index + 1)
            return
        paged = self._page_level(level, index)
        if not paged:
            on_empty = level.on_empty or self.chain.on_empty
            if on_empty == "skip":
                self._enter(index + 1)
                return
            if on_empty == "hold":
                wake = self.world.next_roster_change(level.targets)
                if wake is not None:
                    self.world.after(wake - self.world.env.now, self._retry, (index, self._token))
                return
        if self.acknowledged_by is None and not self.incident.closed:  # an instant answer needs no timer
            timeouts = self.world.level_timeouts.get(level.delay)
            if timeouts is None:
                timeouts = self.world.level_timeouts[level.delay] = LevelTimeouts(self.world, level.delay)
            timeouts.set(self)

    #: Page the first applicable level (``_enter`` itself rather than a call to it: every incident starts runs).
    start = _enter

    def _retry(self, payload: tuple[int, int]) -> None:
        index, token = payload
        if token == self._token:
            self._enter(index)

    def timeout(self, token: int) -> None:
        """The level paged with ``token`` went unanswered for its delay: move on, unless that has been overtaken."""
        if token == self._token and not self.done:
            self.incident.record.escalations += 1
            self._enter(self.level + 1)

    def _backstop(self) -> None:
        backstop = self.chain.backstop
        self._token += 1
        if backstop is None:
            return
        self.incident.record.escalations += 1
        self._page_targets(backstop.targets, len(self.chain.levels), round_robin=False)

    def _applies(self, level: EscalationLevel) -> bool:
        when = level.when
        assert when is not None
        if when.tiers is not None and self.incident.record.tier not in when.tiers:
            return False
        if when.days is None and when.window is None:
            return True
        name = when.time_zone or self.chain.time_zone or self.world.policy.time_zone
        day, minute = divmod(self.world.clock.minute_of_week(self.world.env.now, zone(name)), 1440)
        if when.days is not None and day not in when.days:
            return False
        return when.window is None or when.window.covers(day, minute)

    def _page_level(self, level: EscalationLevel, index: int) -> bool:
        return self._page_targets(level.targets, index, level.assignment == "round_robin")

    def _page_targets(self, targets: list[Target], index: int, round_robin: bool) -> bool:
        world = self.world
        people: list[str] = []
        paged_any = False
        for target in targets:
            if target.kind == "pool":
                world.pools[target.ref].request(self, index)
                paged_any = True
                continue
            for person in world.resolve(target):
                if person not in people:
                    people.append(person)
        if not people:
            return paged_any
        if round_robin:
            robin_key = (self.chain.id, index)
            turn = world.round_robin.get(robin_key, 0)
            world.round_robin[robin_key] = turn + 1
            people = [people[turn % len(people)]]
        seats = world.seats
        if seats is not None and seats.plays(self.seat):
            for person in people:
                seats.page(self, world.responders[person], index)
            return True
        for person in people:
            world.responders[person].page(self, index, self.acknowledge)
        return True

    def acknowledge(self, responder: Responder, page: Page | None = None) -> None:
        """A page of this run was answered; the first answer wins, later ones are recorded only."""
        if self.stood_down or self.incident.closed:
            return
        if self.acknowledged_by is not None:
            if not isnan(self._reinforcing) and responder is not self.acknowledged_by:
                since, self._reinforcing = self._reinforcing, nan
                self.incident.reinforce(responder, since)
            return
        self.acknowledged_by = responder
        self._token += 1
        self.on_acknowledge(responder)
        if self.chain.stop_on == "resolve":
            self._watch(self._stall_window())

    def _stall_window(self) -> float:
        # PagerDuty re-triggers an acknowledged incident after 30 minutes by default.
        return self.chain.repage_after if self.chain.repage_after is not None else 30.0

    def _watch(self, delay: float) -> None:
        self.world.after(delay, self._check_stall, self._token)

    def _check_stall(self, token: int) -> None:
        incident = self.incident
        if token != self._token or incident.closed or not isnan(incident.record.resolved):
            return
        window = self._stall_window()
        left = incident.quiet_left(window)
        if left:
            self._watch(left)
            return
        # Not resolved and no progress: keep escalating as if unacknowledged (Opsgenie's if-not-closed).
        if self.escalate_further():
            self._watch(window)

    def escalate_further(self) -> bool:
        """Page the next level although someone acknowledged; whoever answers takes over stuck work.

        False when every level has been brought in and there is nobody further to escalate to.
        """
        if self.level + 1 >= len(self.chain.levels):
            return False
        self.incident.record.escalations += 1
        self.level += 1
        self._reinforcing = self.world.env.now
        self._page_level(self.chain.levels[self.level], self.level)
        return True


class LevelTimeouts:
    """Escalation timeouts that all wait the same delay, so they fall due in the order they were set.

    Only the earliest still-live timeout waits on the engine's heap; the others wait in line. Most
    timeouts are overtaken by an acknowledgement: those are dropped from the line without ever
    becoming an event.
    """

    __slots__ = ("_at", "_delay", "_due", "_env", "_waiting")

    def __init__(self, world: World, delay: float) -> None:
        self._at = world.at
        self._env = world.env
        self._delay = delay
        self._due: deque[tuple[float, EscalationRun, int]] = deque()
        #: Whether an event on the heap will look at the head of the line.
        self._waiting = False

    def set(self, run: EscalationRun) -> None:
        """Start the timeout of the level ``run`` has just paged."""
        self._due.append((self._env.now + self._delay, run, run._token))
        if not self._waiting:
            self._waiting = True
            self._at(self._due[0][0], self._fire, None)

    def _fire(self, _: object) -> None:
        due = self._due
        _, run, token = due.popleft()
        run.timeout(token)
        # A run's token moves on whenever it pages again, is answered or stands down: such timeouts are overtaken.
        while due and due[0][2] != due[0][1]._token:
            due.popleft()
        if due:
            self._at(due[0][0], self._fire, None)
        else:
            self._waiting = False
