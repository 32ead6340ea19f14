"""The inject timeline of a live drill and the expected-action check."""

from __future__ import annotations

from collections import Counter

import pytest

from tabletop.scenarios.loading import load_scenario
from tabletop.scenarios.model import Scenario
from tabletop.sim.drill_clock import DrillClock
from tabletop.sim.inject_timeline import DETECTED, Delivery, ExpectedActionCheck, InjectTimeline

DRILLS = ["drill-db-failover", "drill-security-incident", "drill-sev1-enterprise"]


def drill(name: str = "drill-db-failover") -> Scenario:
    return load_scenario(name)


def test_timed_injects_fall_due_at_relative_and_absolute_times() -> None:
    timeline = InjectTimeline(drill())
    assert timeline.due_time("I-01") == 2
    assert timeline.due_time("I-07") == 60  # 2027-01-06T04:00:00Z, an hour after the 03:00 start
    assert [d.inject.id for d in timeline.due(1)] == []
    assert [d.inject.id for d in timeline.due(10)] == ["I-01", "I-02"]
    assert timeline.status("I-01") == "delivered"
    assert timeline.due(10) == []


def test_triggers_count_from_detection() -> None:
    timeline = InjectTimeline(drill())
    assert timeline.due_time("I-04") is None  # reached identified: not yet
    assert timeline.due_time("I-04", {DETECTED: 2, "identified": 30}) == 30
    assert timeline.due_time("I-04", {DETECTED: 2, "identified": 3}) == 4  # not before 2m after detection
    assert timeline.due_time("I-05", {DETECTED: 2}) == 32  # not_reached contained, after 30m
    assert timeline.due_time("I-05", {DETECTED: 2, "contained": 20}) is None
    assert timeline.due_time("I-05", {DETECTED: 2, "contained": 40}) == 32
    assert timeline.due_time("I-11", {DETECTED: 2}) is None  # contingency


def test_next_time_is_the_earliest_known_pending_time() -> None:
    timeline = InjectTimeline(drill())
    assert timeline.next_time(0) == 2
    timeline.due(2)
    assert timeline.next_time(2.5) == 8
    assert timeline.next_time(2.5, {DETECTED: 2}) == 8
    timeline.due(40, {DETECTED: 2})
    assert timeline.next_time(40, {DETECTED: 2}) == 60


def test_release_delivers_now_once() -> None:
    timeline = InjectTimeline(drill())
    delivery = timeline.release("I-11", 12.5)
    assert (delivery.due_at, delivery.delivered_at) == (12.5, 12.5)
    assert timeline.status("I-11") == "delivered"
    with pytest.raises(ValueError, match="already delivered"):
        timeline.release("I-11", 13)
    with pytest.raises(KeyError, match="no inject"):
        timeline.release("I-99", 13)


def test_trigger_now_after_a_pause_fires_at_the_current_scenario_time() -> None:
    """OpenAEV #1395: a "trigger now" after a pause fired late by the pause's length."""
    wall = [0.0]
    clock = DrillClock(speed=60, wall=lambda: wall[0])
    timeline = InjectTimeline(drill())
    clock.start()
    wall[0] += 10  # ten scenario minutes
    clock.pause()
    wall[0] += 1800  # a half-hour coffee break
    clock.resume()
    wall[0] += 1
    now = clock.advance_to()
    released = timeline.release("I-12", now)
    assert released.delivered_at == pytest.approx(11)
    # Timed injects move with the pause too: I-06 (+00:35) is not yet due at scenario minute 11.
    assert "I-06" not in {d.inject.id for d in timeline.due(now, {DETECTED: 2})}


@pytest.mark.parametrize("name", DRILLS)
def test_every_bundled_inject_is_due_exactly_once(name: str) -> None:
    scenario = drill(name)
    timeline = InjectTimeline(scenario)
    # A slow response: detected at 3, mobilised at 40, identified at 45, contained at 120.
    script = {DETECTED: 3, "acknowledged": 10, "mobilized": 40, "identified": 45, "contained": 120, "recovered": 150}
    delivered: Counter[str] = Counter()
    minute = 0.0
    while minute <= scenario.horizon:
        reached = {k: v for k, v in script.items() if v <= minute}
        for delivery in timeline.due(minute, reached):
            assert delivery.due_at <= delivery.delivered_at == minute
            delivered[delivery.inject.id] += 1
        minute += 7  # a coarse tick, as at high speed
    scheduled = {i.id for i in scenario.injects if not i.contingency}
    contingency = {i.id for i in scenario.injects if i.contingency}
    assert contingency
    assert set(delivered) == scheduled
    assert set(delivered.values()) == {1}
    for inject_id in contingency:
        assert timeline.status(inject_id) == "pending"
        timeline.release(inject_id, minute)
    assert all(timeline.status(i.id) == "delivered" for i in scenario.injects)
    assert len(timeline.deliveries) == len(scenario.injects)


def _delivered(*pairs: tuple[str, float]) -> list[Delivery]:
    injects = {i.id: i for i in drill().injects}
    return [Delivery(injects[i], at, at) for i, at in pairs]


def test_expected_actions_done_late_missed_pending() -> None:
    # I-01 expects the tech lead to acknowledge within 5m and escalate within 15m.
    deliveries = _delivered(("I-01", 2))
    check = ExpectedActionCheck()
    log = [(4.0, "tech_lead", "acknowledge"), (1.0, "tech_lead", "escalate")]  # escalated before the page
    assert [r.rating for r in check.rate(deliveries, log, now=10)] == ["done", "pending"]
    assert [r.rating for r in check.rate(deliveries, log, now=20)] == ["done", "missed"]
    late = [(9.0, "tech_lead", "acknowledge"), (30.0, "tech_lead", "escalate")]
    results = check.rate(deliveries, late, now=40)
    assert [(r.rating, r.done_at) for r in results] == [("late", 9.0), ("late", 30.0)]


def test_one_action_meets_every_inject_that_expects_it() -> None:
    # I-02 (out at 8) and I-03 (at 17) expect the commander to assume the role by 18 and by 22; I-03 and I-12 (at 29)
    # expect a page by 22 and by 34. Both actions come at 29, the page in the minute I-12 went out.
    deliveries = _delivered(("I-02", 8), ("I-03", 17), ("I-12", 29))
    log = [(29.0, "incident_commander", "assume_role"), (29.0, "incident_commander", "page")]
    results = ExpectedActionCheck().rate(deliveries, log, now=60)
    assert [(r.inject_id, r.action, r.done_at, r.rating) for r in results] == [
        ("I-02", "assume_role", 29.0, "late"),
        ("I-02", "post_internal_update", None, "missed"),
        ("I-03", "page", 29.0, "late"),
        ("I-03", "assume_role", 29.0, "late"),
        ("I-12", "page", 29.0, "done"),
        ("I-12", "note", None, "missed"),
    ]


@pytest.mark.parametrize(
    ("log", "rating"),
    [
        ([(3.0, "tech_lead", "acknowledge"), (5.0, "tech_lead", "escalate"), (9.0, "incident_commander", "page")], "P"),
        (
            [(3.0, "tech_lead", "acknowledge"), (30.0, "tech_lead", "escalate"), (9.0, "incident_commander", "page")],
            "S",
        ),
        ([(3.0, "tech_lead", "acknowledge"), (5.0, "tech_lead", "escalate")], "M"),
        ([], "U"),
    ],
)
def test_objective_ratings(log: list[tuple[float, str, str]], rating: str) -> None:
    # mobilize: I-01 (acknowledge 5m, escalate 15m) and I-12 (page 5m, note 10m, always noted on time).
    deliveries = _delivered(("I-01", 2), ("I-12", 6))
    check = ExpectedActionCheck()
    full = [*log, (10.0, "incident_commander", "note")]
    assert check.objectives(deliveries, check.rate(deliveries, full, now=100)) == {"mobilize": rating}


def test_pending_actions_leave_an_objective_unrated() -> None:
    deliveries = _delivered(("I-09", 300))
    check = ExpectedActionCheck()
    assert check.objectives(deliveries, check.rate(deliveries, [], now=301)) == {}
