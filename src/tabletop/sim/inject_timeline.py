"""The MSEL of a live drill: which injects are due when, and how the players answered them.

Every time here is in scenario (engine) minutes, so a paused drill clock moves the whole
timeline with it and nothing fires late by the length of a pause.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

from tabletop.scenarios.model import Inject, Scenario, scenario_offset

#: Key of the detection time in a milestone mapping; triggers count from it.
DETECTED = "detected"
NO_MILESTONES: Mapping[str, float] = MappingProxyType({})

InjectStatus = Literal["pending", "delivered"]
ActionRating = Literal["done", "late", "missed", "pending"]
ObjectiveRating = Literal["P", "S", "M", "U"]
#: One entry of the players' action log: (scenario minute, role, action).
LoggedAction = tuple[float, str, str]


@dataclass(frozen=True)
class Delivery:
    """An inject handed to its recipients: when it was due and when it went out."""

    inject: Inject
    due_at: float
    delivered_at: float


class InjectTimeline:
    """Releases a scenario's injects in scenario time, each exactly once."""

    def __init__(self, scenario: Scenario) -> None:
        self._injects = {inject.id: inject for inject in scenario.injects}
        self._timed = {i.id: scenario_offset(i.at, scenario.start) for i in scenario.injects if i.at is not None}
        self._delivered: dict[str, Delivery] = {}

    def status(self, inject_id: str) -> InjectStatus:
        """Whether the inject has gone out yet."""
        self._inject(inject_id)
        return "delivered" if inject_id in self._delivered else "pending"

    @property
    def deliveries(self) -> list[Delivery]:
        """Delivered injects in the order they went out."""
        return list(self._delivered.values())

    def due_time(self, inject_id: str, milestones: Mapping[str, float] = NO_MILESTONES) -> float | None:
        """Scenario minute the inject falls due given the milestones so far, or None if not (yet) known.

        A ``reached`` trigger falls due when its milestone is reached, but not before
        ``after`` minutes past detection; a ``not_reached`` one ``after`` minutes past
        detection unless the milestone was reached by then. Contingency injects never fall
        due on their own.
        """
        inject = self._inject(inject_id)
        if inject.id in self._timed:
            return self._timed[inject.id]
        trigger = inject.trigger
        if trigger is None or DETECTED not in milestones:
            return None
        earliest = milestones[DETECTED] + trigger.after
        if trigger.reached is not None:
            reached = milestones.get(trigger.reached)
            return None if reached is None else max(reached, earliest)
        assert trigger.not_reached is not None
        reached = milestones.get(trigger.not_reached)
        return earliest if reached is None or reached > earliest else None

    def due(self, now: float, milestones: Mapping[str, float] = NO_MILESTONES) -> list[Delivery]:
        """Deliver every pending inject due by ``now``, earliest first."""
        ready = []
        for inject_id in self._injects:
            if inject_id in self._delivered:
                continue
            when = self.due_time(inject_id, milestones)
            if when is not None and when <= now:
                ready.append((when, inject_id))
        ready.sort(key=lambda item: item[0])  # stable: MSEL order breaks ties
        return [self._deliver(inject_id, when, now) for when, inject_id in ready]

    def release(self, inject_id: str, now: float) -> Delivery:
        """Deliver an inject at ``now`` whatever its timing (the facilitator's "release now")."""
        self._inject(inject_id)
        if inject_id in self._delivered:
            raise ValueError(f"inject '{inject_id}' was already delivered")
        return self._deliver(inject_id, now, now)

    def next_time(self, now: float, milestones: Mapping[str, float] = NO_MILESTONES) -> float | None:
        """The earliest known due time of a pending inject at or after ``now`` (for "jump to next")."""
        times = [
            when
            for inject_id in self._injects
            if inject_id not in self._delivered
            and (when := self.due_time(inject_id, milestones)) is not None
            and when >= now
        ]
        return min(times, default=None)

    def _inject(self, inject_id: str) -> Inject:
        try:
            return self._injects[inject_id]
        except KeyError:
            raise KeyError(f"no inject '{inject_id}' in the scenario") from None

    def _deliver(self, inject_id: str, due_at: float, now: float) -> Delivery:
        delivery = Delivery(self._injects[inject_id], due_at, now)
        self._delivered[inject_id] = delivery
        return delivery


@dataclass(frozen=True)
class ExpectedActionResult:
    """How one expected action of a delivered inject was met."""

    inject_id: str
    who: str
    action: str
    deadline: float
    done_at: float | None
    rating: ActionRating


class ExpectedActionCheck:
    """Rates expected actions against the players' action log and proposes objective ratings.

    An expected action is met by the first log entry with the same role and action from
    the minute the inject went out; one entry meets every inject that expects it (paging
    once answers two injects that each ask for a page). It is *done* by the deadline
    (delivery plus ``within``), *late* after it, *missed* when the deadline has passed
    with no such entry and *pending* while the window is still open.

    Objective ratings (HSEEP P/S/M/U) count the settled (not pending) expected actions of
    the injects linked to the objective: **P** every one done on time; **S** none missed
    but some late; **M** some missed but at least half done (on time or late); **U** more
    than half missed. Objectives with nothing settled get no rating.
    """

    def rate(
        self, deliveries: Iterable[Delivery], log: Iterable[LoggedAction], now: float
    ) -> list[ExpectedActionResult]:
        """The rating of every expected action of the delivered injects at scenario minute ``now``."""
        entries = sorted(log, key=lambda entry: entry[0])
        results = []
        for delivery in sorted(deliveries, key=lambda d: d.delivered_at):
            for expected in delivery.inject.expected_actions:
                deadline = delivery.delivered_at + expected.within
                done_at = next(
                    (
                        minute
                        for minute, role, action in entries
                        if delivery.delivered_at <= minute <= now and (role, action) == (expected.who, expected.action)
                    ),
                    None,
                )
                rating: ActionRating
                if done_at is None:
                    rating = "missed" if now > deadline else "pending"
                else:
                    rating = "done" if done_at <= deadline else "late"
                results.append(
                    ExpectedActionResult(delivery.inject.id, expected.who, expected.action, deadline, done_at, rating)
                )
        return results

    def objectives(
        self, deliveries: Iterable[Delivery], results: Iterable[ExpectedActionResult]
    ) -> dict[str, ObjectiveRating]:
        """A proposed P/S/M/U rating per objective from settled expected-action results."""
        objective_of = {d.inject.id: d.inject.objective for d in deliveries}
        tallies: dict[str, list[ActionRating]] = {}
        for result in results:
            objective = objective_of.get(result.inject_id)
            if objective is not None and result.rating != "pending":
                tallies.setdefault(objective, []).append(result.rating)
        return {objective: _rating(ratings) for objective, ratings in tallies.items()}


def _rating(ratings: list[ActionRating]) -> ObjectiveRating:
    missed = ratings.count("missed")
    if missed * 2 > len(ratings):
        return "U"
    if missed:
        return "M"
    return "S" if "late" in ratings else "P"
