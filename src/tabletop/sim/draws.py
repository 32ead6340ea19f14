"""Everything random about an incident, drawn when it starts so that every policy sees the same incident."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np

from tabletop.scenarios.model import PHASES, IncidentType, Scenario

#: For each service, the services that depend on it (directly or not) with their distance.
Dependents = dict[str, list[tuple[str, int]]]
#: Incidents drawn in a type's first block, and the most drawn at once (blocks double in between).
FIRST_BLOCK, LAST_BLOCK = 8, 512
#: The work of a phase that needs none, shared by every incident: read-only, so a change makes a dict of its own.
NO_WORK: Mapping[str, float] = MappingProxyType({})


@dataclass(slots=True)
class Symptom:
    """A dependent service showing the fault, with its alert time and correlation draw."""

    service: str
    alert_at: float
    correlation_draw: float


@dataclass(slots=True)
class IncidentDraws:
    """All the scenario decides about an incident, drawn at creation so every policy sees the same incident.

    Its type and root service with the facts that follow from them, then every random attribute.
    """

    incident_type: str
    security: bool
    root_service: str
    #: The team owning the root service, and whether customers use that service.
    team: str
    customer_facing: bool
    tier: str
    detected_by: str
    detect_after: float
    #: Minutes of work per domain for each phase, in the order of ``PHASES`` (changed by replacing a phase's map).
    work: tuple[Mapping[str, float], ...]
    review_after: float
    triage: float
    symptoms: tuple[Symptom, ...]


class IncidentSampler:
    """Draws incidents of one type, a block at a time; what does not vary between incidents is worked out once.

    Each attribute is drawn for the whole block in one call to the generator, in a fixed order, and the
    n-th incident of a type always takes the n-th draws: the scenario alone decides every incident, so
    every policy still sees the same ones.
    """

    __slots__ = (
        "_dependents",
        "_detection",
        "_facts",
        "_kind",
        "_names",
        "_probabilities",
        "_propagation",
        "_services",
        "_widest",
        "_work",
    )

    def __init__(self, kind: IncidentType, scenario: Scenario, dependents: Dependents) -> None:
        weights = kind.root_weights()
        total = sum(weights.values())
        self._kind = kind
        self._names = list(weights)
        self._probabilities = [weights[n] / total for n in self._names]
        self._services = {s.id: s for s in scenario.services}
        #: Per root service: its owner, whether customers use it, whether it is monitored, the incident's tier.
        self._facts = {s.id: (s.owner, s.customer_facing, s.monitored, kind.tier or s.tier) for s in scenario.services}
        self._dependents = dependents
        fan_outs = [dependents[root] for root in self._names]
        #: The most dependent services, and the most propagation hops, that any root of this type has.
        self._widest = (max(map(len, fan_outs)), max(sum(depth for _, depth in fan_out) for fan_out in fan_outs))
        self._detection = kind.detection
        self._propagation = scenario.propagation_delay
        self._work = [(phase, list(kind.work.phase(phase).items())) for phase in PHASES]

    def block(self, rng: np.random.Generator, size: int) -> list[IncidentDraws]:
        """The next ``size`` incidents of this type, in order."""
        kind, detection, names = self._kind, self._detection, self._names
        if len(names) == 1:
            roots = names * size
        else:
            roots = [names[i] for i in rng.choice(len(names), size, p=self._probabilities).tolist()]
        # Draws that cannot matter are skipped; which ones are skipped depends on the scenario
        # alone, so every policy still sees the same incident.
        chance = detection.monitored
        caught = rng.random(size).tolist() if 0 < chance < 1 else [0.0 if chance >= 1 else 1.0] * size
        monitor_delays = detection.delay.block(rng, size)
        report_delays = detection.customer_report_delay.block(rng, size)
        phases: list[list[Mapping[str, float]]] = []
        for _, items in self._work:
            columns = [(domain, dist.block(rng, size)) for domain, dist in items]
            if not columns:
                phases.append([NO_WORK] * size)
            elif len(columns) == 1:
                # The usual case, and a dict display is several times quicker than dict(zip(...)).
                domain, values = columns[0]
                phases.append([{domain: value} for value in values])
            else:
                domains = [domain for domain, _ in columns]
                rows = zip(*(values for _, values in columns), strict=True)
                phases.append([dict(zip(domains, row, strict=True)) for row in rows])
        works = list(zip(*phases, strict=True))
        reviews = kind.review.block(rng, size)
        triages = kind.triage.block(rng, size)
        symptoms = self._symptoms(rng, roots)
        facts, kind_id, security = self._facts, kind.id, kind.security
        draws = []
        for root, caught_at, monitor_delay, report_delay, work, review, triage, shown in zip(
            roots, caught, monitor_delays, report_delays, works, reviews, triages, symptoms, strict=True
        ):
            owner, customer_facing, watched, tier = facts[root]
            monitored = watched and caught_at < chance
            draws.append(
                IncidentDraws(
                    kind_id,
                    security,
                    root,
                    owner,
                    customer_facing,
                    tier,
                    "monitoring" if monitored else "customer",
                    monitor_delay if monitored else report_delay,
                    work,
                    review,
                    triage,
                    shown,
                )
            )
        return draws

    def _symptoms(self, rng: np.random.Generator, roots: list[str]) -> list[tuple[Symptom, ...]]:
        """The symptoms of each incident of a block given its root; each has draws for the widest fan-out."""
        services, hops = self._widest
        size = len(roots)
        if not services:
            return [()] * size
        spreads = np.reshape(self._propagation.block(rng, size * hops), (size, hops)).tolist()
        delays = np.reshape(self._detection.delay.block(rng, size * services), (size, services)).tolist()
        draws = rng.random((size, services)).tolist()
        symptoms = []
        for i, root in enumerate(roots):
            found, hop = [], 0
            for j, (service, depth) in enumerate(self._dependents[root]):
                spread = sum(spreads[i][hop : hop + depth])
                hop += depth
                if self._services[service].monitored:
                    found.append(Symptom(service, spread + delays[i][j], draws[i][j]))
            symptoms.append(tuple(found))
        return symptoms


class IncidentStream:
    """The incidents of one type in one replication, drawn from the type's attribute stream a block at a time."""

    __slots__ = ("_ready", "_rng", "_sampler", "_size")

    def __init__(self, sampler: IncidentSampler, rng: np.random.Generator) -> None:
        self._sampler = sampler
        self._rng = rng
        self._ready: list[IncidentDraws] = []
        # Blocks double from this size: a rare type draws little it never uses, a frequent one draws in bulk.
        self._size = FIRST_BLOCK

    def next(self) -> IncidentDraws:
        """The next incident of this type."""
        if not self._ready:
            self._ready = self._sampler.block(self._rng, self._size)
            self._ready.reverse()
            self._size = min(self._size * 2, LAST_BLOCK)
        return self._ready.pop()
