"""Incident attributes drawn a block at a time: the same incidents as the scenario describes, whatever the block."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tabletop.policies.loading import load_pair
from tabletop.scenarios.model import PHASES
from tabletop.sim.draws import FIRST_BLOCK, IncidentDraws, IncidentStream
from tabletop.sim.prepared import Prepared, dependents
from tabletop.sim.streams import Source, stream

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
