"""Responders: how a person answers pages and works through incident tasks one at a time."""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from tabletop.scenarios.model import (
    DEFAULT_FATIGUE_PER_INTERRUPTION,
    DEFAULT_RESPONSE,
    Person,
    ResponsivenessProfile,
)
from tabletop.sim.clock import Context, Moment, person_zone
from tabletop.sim.records import PageRecord
from tabletop.sim.streams import Source, stream
from tabletop.spec.distributions import Distribution, Fixed

if TYPE_CHECKING:
    from tabletop.sim.escalation import EscalationRun
    from tabletop.sim.incident import Incident
    from tabletop.sim.pool import Pool
    from tabletop.sim.world import World

#: Interruptions in this many minutes before a page slow its acknowledgement (fatigue).
FATIGUE_WINDOW = 24 * 60.0


@dataclass(frozen=True, slots=True)
class Behaviour:
    """A person's resolved acknowledgement delay and miss probability per context."""

    ack: dict[str, Distribution]
    miss: dict[str, float]
    fatigue: float
    #: Never misses and always acknowledges at once: pages are answered as they arrive, with no draws.
    instant: bool

    @classmethod
    def resolve(cls, *profiles: ResponsivenessProfile | None) -> Behaviour:
        """Built-in defaults, overridden by whatever each profile sets, later profiles winning."""
        ack: dict[str, Distribution] = {}
        miss: dict[str, float] = {}
        fatigue = DEFAULT_FATIGUE_PER_INTERRUPTION
        for context, default in DEFAULT_RESPONSE.items():
            assert default.ack is not None and default.miss is not None
            ack[context], miss[context] = default.ack, default.miss
        for profile in profiles:
            if profile is None:
                continue
            for context in DEFAULT_RESPONSE:
                given = getattr(profile, context)
                if given.ack is not None:
                    ack[context] = given.ack
                if given.miss is not None:
                    miss[context] = given.miss
            if profile.fatigue_per_interruption is not None:
                fatigue = profile.fatigue_per_interruption
        instant = all(isinstance(d, Fixed) and d.value == 0 for d in ack.values()) and not any(miss.values())
        return cls(ack, miss, fatigue, instant)


class WorkItem:
    """A stretch of hands-on work one responder does for one incident."""

    __slots__ = ("done", "incident", "remaining", "started", "token")

    def __init__(self, incident: Incident, minutes: float, done: Callable[[WorkItem], None]) -> None:
        self.incident = incident
        self.remaining = minutes
        self.done = done
        self.started = math.nan
        self.token = 0


class Page:
    """A notification to one person on behalf of an escalation."""

    __slots__ = ("acknowledge", "level", "record", "run")

    def __init__(
        self,
        run: EscalationRun,
        level: int,
        acknowledge: Callable[[Responder, Page], None],
        record: PageRecord,
    ) -> None:
        self.run = run
        self.level = level
        self.acknowledge = acknowledge
        self.record = record


class Responder:
    """One person in the simulation: pages in, acknowledgements and work out."""

    __slots__ = (
        "_clock",
        "_index",
        "_moments",
        "_rng",
        "_sequence",
        "behaviour",
        "current",
        "held_pages",
        "id",
        "interruptions",
        "person",
        "pools",
        "queue",
        "world",
        "zone",
    )

    def __init__(
        self,
        world: World,
        person: Person,
        behaviour: Behaviour,
        index: int,
        moments: list[Moment],
    ) -> None:
        self.world = world
        self.person = person
        self.id = person.id
        self.zone = person_zone(person)
        self.behaviour = behaviour
        #: The moment at each local minute of the week, shared by every replication.
        self._moments = moments
        self._clock = world.clock
        self._index = index
        self._rng: np.random.Generator | None = None
        self.current: WorkItem | None = None
        self.queue: list[tuple[int, int, WorkItem]] = []
        self.held_pages: list[tuple[int, int, Page]] = []
        self.interruptions: deque[float] = deque()
        self._sequence = 0
        #: Pools of the teams this person belongs to, which may offer them the next incident when they are free.
        self.pools: list[Pool] = []

    @property
    def rng(self) -> np.random.Generator:
        """This person's own random stream, made on first use: most people are not paged in a replication."""
        if self._rng is None:
            world = self.world
            self._rng = stream(world.seed, world.replication, Source.PERSON, self._index)
        return self._rng

    # -- pages ---------------------------------------------------------------------------
    def moment(self, now: float) -> Moment:
        """Work / off hours / sleep, PagerDuty hour class and local hour of the week at engine time ``now``."""
        return self._moments[self._clock.minute_of_week(now, self.zone)]

    def record_page(self, run: EscalationRun, level: int) -> PageRecord:
        """Record a page for ``run`` to this person now, its outcome still open."""
        world = self.world
        now = world.env.now
        context, hours, hour = self.moment(now)
        incident = run.incident
        record = PageRecord(world.replication, incident.number, self.id, now, context, hours, hour, level)
        world.records.pages.append(record)
        incident.record.pages += 1
        return record

    def notify(self, run: EscalationRun, level: int, acknowledge: Callable[[Responder, Page], None]) -> Page:
        """Deliver a page for ``run`` to this person's phone and record it, without deciding how they answer."""
        return Page(run, level, acknowledge, self.record_page(run, level))

    def take(self, run: EscalationRun, level: int) -> None:
        """Page this person, free and ``instant``, for ``run``: they acknowledge as it arrives, nothing to track."""
        record = self.record_page(run, level)
        record.outcome = "acknowledged"
        record.answered = record.paged
        run.acknowledge(self)

    def page(self, run: EscalationRun, level: int, acknowledge: Callable[[Responder, Page], None]) -> Page:
        """Notify this person; they may miss it, or acknowledge after a delay drawn from their context."""
        world = self.world
        page = self.notify(run, level, acknowledge)
        context = page.record.context
        miss = self.behaviour.miss[context]
        if miss > 0 and self.rng.random() < miss:
            page.record.outcome = "missed"
            return page
        busy = self.current
        incident = run.incident
        if busy is not None and not self._preempts(incident, busy.incident):
            self._sequence += 1
            self.held_pages.append((world.tier_rank[incident.record.tier], self._sequence, page))
            return page
        self._answer_later(page, context)
        return page

    def _preempts(self, incoming: Incident, working_on: Incident) -> bool:
        rank = self.world.tier_rank
        return self.world.policy.preemption and rank[incoming.record.tier] < rank[working_on.record.tier]

    def _answer_later(self, page: Page, context: Context) -> None:
        behaviour = self.behaviour
        delay = behaviour.ack[context].sample(self.rng)
        if behaviour.fatigue:  # without fatigue, recent interruptions cannot slow anything
            now = self.world.env.now
            interruptions = self.interruptions
            while interruptions and interruptions[0] < now - FATIGUE_WINDOW:
                interruptions.popleft()
            delay *= 1 + behaviour.fatigue * len(interruptions)
            interruptions.append(now)
        if delay > 0:
            self.world.after(delay, self.answer, page)
        else:
            self.answer(page)  # an instant answer needs no event on the heap

    def answer(self, page: Page) -> None:
        """Acknowledge a page now."""
        page.record.outcome = "acknowledged"
        page.record.answered = self.world.env.now
        page.acknowledge(self, page)

    # -- work ----------------------------------------------------------------------------
    @property
    def free(self) -> bool:
        """Not working on anything and nothing queued."""
        return self.current is None and not self.queue

    def assign(self, item: WorkItem) -> None:
        """Queue work; it starts now if the responder is free, else by tier priority."""
        if self.current is None:
            self._start(item)
        elif self._preempts(item.incident, self.current.incident):
            self._suspend()
            self._start(item)
        else:
            self._sequence += 1
            self.queue.append((self.world.tier_rank[item.incident.record.tier], self._sequence, item))
            self.queue.sort(key=lambda e: (e[0], e[1]))
            item.incident.refresh()

    def interrupt(self, minutes: float) -> None:
        """Something else takes ``minutes`` of this person's time: their current work finishes that much later."""
        item = self.current
        if item is None:
            return
        now = self.world.env.now
        item.remaining -= now - item.started
        item.remaining += minutes
        self._start(item)

    def withdraw(self, item: WorkItem) -> float:
        """Take an item away (it moves to someone else); returns the minutes of work left on it."""
        if self.current is item:
            item.remaining -= self.world.env.now - item.started
            item.token += 1
            self.current = None
            self._next()
        else:
            self.queue = [entry for entry in self.queue if entry[2] is not item]
        return max(item.remaining, 0.0)

    def _suspend(self) -> None:
        item = self.current
        assert item is not None
        item.remaining -= self.world.env.now - item.started
        item.token += 1
        self.current = None
        self._sequence += 1
        self.queue.append((self.world.tier_rank[item.incident.record.tier], self._sequence, item))
        self.queue.sort(key=lambda e: (e[0], e[1]))
        item.incident.refresh()

    def _start(self, item: WorkItem) -> None:
        self.current = item
        item.started = self.world.env.now
        item.token += 1
        self.world.after(max(item.remaining, 0.0), self._finish, (item, item.token))
        item.incident.refresh()

    def _finish(self, payload: tuple[WorkItem, int]) -> None:
        item, token = payload
        if item.token != token or self.current is not item:
            return
        self.current = None
        item.remaining = 0.0
        item.done(item)
        self._next()

    def _next(self) -> None:
        if self.held_pages and self.current is None:
            self.held_pages.sort(key=lambda e: (e[0], e[1]))
            held = [page for _, _, page in self.held_pages]
            self.held_pages.clear()
            for page in held:
                self._answer_later(page, self.moment(self.world.env.now)[0])
        if self.current is None and self.queue:
            _, _, item = self.queue.pop(0)
            self._start(item)
        if self.current is None:
            for pool in self.pools:
                if pool.waiting:
                    pool.serve()
