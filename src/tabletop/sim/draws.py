"""Everything random about an incident, drawn when it starts so that every policy sees the same incident."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from tabletop.scenarios.model import PHASES, IncidentType, Scenario

#: For each service, the services that depend on it (directly or not) with their distance.
Dependents = dict[str, list[tuple[str, int]]]


class Symptom(NamedTuple):
    """A dependent service showing the fault, with its alert time and correlation draw."""

    service: str
    alert_at: float
    correlation_draw: float


class IncidentDraws(NamedTuple):
    """Everything random about an incident, drawn at creation so every policy sees the same incident."""

    root_service: str
    tier: str
    detected_by: str
    detect_after: float
    work: dict[str, dict[str, float]]
    review_after: float
    triage: float
    symptoms: tuple[Symptom, ...]


class IncidentSampler:
    """Draws incidents of one type; what does not vary between incidents is worked out once."""

    __slots__ = ("_dependents", "_detection", "_kind", "_names", "_probabilities", "_propagation", "_services", "_work")

    def __init__(self, kind: IncidentType, scenario: Scenario, dependents: Dependents) -> None:
        weights = kind.root_weights()
        total = sum(weights.values())
        self._kind = kind
        self._names = list(weights)
        self._probabilities = [weights[n] / total for n in self._names]
        self._services = {s.id: s for s in scenario.services}
        self._dependents = dependents
        self._detection = kind.detection
        self._propagation = scenario.propagation_delay
        self._work = [(phase, list(kind.work.phase(phase).items())) for phase in PHASES]

    def draw(self, rng: np.random.Generator) -> IncidentDraws:
        """Every random attribute of a new incident, in a fixed order, whatever the policy."""
        kind, services, detection, names = self._kind, self._services, self._detection, self._names
        root = names[0] if len(names) == 1 else names[int(rng.choice(len(names), p=self._probabilities))]
        tier = kind.tier or services[root].tier
        # Draws that cannot matter are skipped; which ones are skipped depends on the scenario
        # alone, so every policy still sees the same incident.
        chance = detection.monitored
        monitored = services[root].monitored and (chance >= 1 or (chance > 0 and rng.random() < chance))
        monitor_delay = detection.delay.sample(rng) if monitored else 0.0
        report_delay = 0.0 if monitored else detection.customer_report_delay.sample(rng)
        work: dict[str, dict[str, float]] = {}
        for phase, items in self._work:
            drawn = work[phase] = {}
            for domain, dist in items:
                drawn[domain] = dist.sample(rng)
        review_after = kind.review.sample(rng)
        triage = kind.triage.sample(rng)
        symptoms = []
        for service, depth in self._dependents[root]:
            spread = sum(self._propagation.sample(rng) for _ in range(depth))
            alert_delay = detection.delay.sample(rng)
            draw = rng.random()
            if services[service].monitored:
                symptoms.append(Symptom(service, spread + alert_delay, draw))
        return IncidentDraws(
            root,
            tier,
            "monitoring" if monitored else "customer",
            monitor_delay if monitored else report_delay,
            work,
            review_after,
            triage,
            tuple(symptoms),
        )
