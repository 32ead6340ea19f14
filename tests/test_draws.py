"""Incident attributes drawn a block at a time: the same incidents as the scenario describes, whatever the block."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tabletop.policies.loading import load_pair
from tabletop.scenarios.model import PHASES
from tabletop.sim.draws import FIRST_BLOCK, NO_WORK, IncidentDraws, IncidentStream
from tabletop.sim.prepared import Prepared, dependents
from tabletop.sim.streams import Source, stream
from tabletop.sim.world import World

SCENARIO, POLICY = load_pair("payments-platform", "payments-tiered")
PREPARED = Prepared(SCENARIO, POLICY, SCENARIO.horizon)
SERVICES = {s.id: s for s in SCENARIO.services}
FAN_OUT = dependents(SCENARIO)


def incidents(kind_index: int, count: int, seed: int = 3) -> list[IncidentDraws]:
    kind = SCENARIO.incident_types[kind_index]
    drawn = IncidentStream(PREPARED.samplers[kind.id], stream(seed, 0, Source.ATTRIBUTES, kind_index))
    return [drawn.next() for _ in range(count)]


def test_the_nth_incident_is_the_same_in_every_replay() -> None:
    first, again = incidents(0, 3 * FIRST_BLOCK), incidents(0, 3 * FIRST_BLOCK)
    assert first == again
    assert incidents(0, 3 * FIRST_BLOCK, seed=4) != first


@pytest.mark.parametrize("kind_index", range(len(SCENARIO.incident_types)))
def test_symptoms_are_the_roots_monitored_dependents_after_their_spread(kind_index: int) -> None:
    """Each symptom is a monitored service depending on the root, in order, after a (lognormal, so positive) spread."""
    for draws in incidents(kind_index, 300):
        expected = [s for s, _ in FAN_OUT[draws.root_service] if SERVICES[s].monitored]
        assert [s.service for s in draws.symptoms] == expected
        assert all(s.alert_at > 0 and 0 <= s.correlation_draw < 1 for s in draws.symptoms)


def test_detection_and_work_follow_their_distributions() -> None:
    """bad-deploy: monitoring catches 90% of faults in monitored services; two domains diagnose, one remediates."""
    kind = SCENARIO.incident_types[0]
    drawn = incidents(0, 6000)
    monitored = [d for d in drawn if SERVICES[d.root_service].monitored]
    caught = sum(d.detected_by == "monitoring" for d in monitored) / len(monitored)
    chance = kind.detection.monitored
    assert caught == pytest.approx(chance, abs=4 * math.sqrt(chance * (1 - chance) / len(monitored)) + 1e-9)
    for phase in ("diagnose", "remediate"):
        for domain, dist in kind.work.phase(phase).items():
            values = np.array([d.work[PHASES.index(phase)][domain] for d in drawn])
            assert values.mean() == pytest.approx(dist.mean(), rel=0.06)


def test_a_change_to_one_incidents_work_leaves_every_other_incident_as_drawn() -> None:
    """Phases without work share one read-only map; a decision adding work there gives that incident its own."""
    world = World(SCENARIO, POLICY, seed=3, replication=0)
    world.begin()
    kind, empty = next(
        (kind, i) for kind in SCENARIO.incident_types for i, phase in enumerate(PHASES) if not kind.work.phase(phase)
    )
    domain = kind.domains[0]
    world.start_incident(kind.id)
    world.start_incident(kind.id)
    changed, other = sorted(world.open, key=lambda incident: incident.number)
    assert changed.draws.work[empty] is other.draws.work[empty] is NO_WORK
    changed.change_work(PHASES[empty], domain, add=30.0)
    assert changed.draws.work[empty] == {domain: 30.0}
    assert other.draws.work[empty] == {} and dict(NO_WORK) == {}
    with pytest.raises(TypeError):
        NO_WORK[domain] = 1.0  # type: ignore[index]
