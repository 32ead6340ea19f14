"""The world: a SimPy environment that plays one replication of a scenario against a policy."""

from __future__ import annotations

import gc
from collections.abc import Callable, Collection
from heapq import heappop, heappush
from typing import Any

import numpy as np
import simpy
from simpy.events import NORMAL

from tabletop.policies.model import (
    EscalationChain,
    EscalationLevel,
    Policy,
    Target,
    Tier,
)
from tabletop.scenarios.model import IncidentType, Scenario, scenario_offset
from tabletop.sim.clock import SimTime
from tabletop.sim.draws import IncidentStream
from tabletop.sim.escalation import LevelTimeouts
from tabletop.sim.incident import Incident
from tabletop.sim.pool import Pool
from tabletop.sim.prepared import DRAIN_LIMIT, Prepared, single_level
from tabletop.sim.records import HandoffReason, HandoffRecord, ReplicationRecords
from tabletop.sim.responders import Responder
from tabletop.sim.seats import Seats
from tabletop.sim.streams import Exponentials, Source, stream
from tabletop.spec.fields import zone

#: What a timed callback is called with.
Callback = Callable[[Any], None]


class Engine(simpy.Environment):
    """SimPy's environment with timed callbacks, and its clock a plain attribute.

    A timed callback waits on SimPy's heap as ``(time, priority, id, fn, value)``: no event object, as the
    engine schedules several per incident. ``step`` and ``play`` call ``fn(value)`` when its time comes;
    SimPy's own events (processes, timeouts, ``run(until=...)``) sit on the same heap as usual.
    SimPy's ``now`` is a property over ``_now``; here every step copies ``_now`` into ``now``.
    """

    #: Engine time; a plain attribute, not SimPy's read-only property.
    now: SimTime = 0.0
    #: SimPy's heap, which here also holds timed callbacks.
    _queue: list[Any]

    def after(self, delay: float, fn: Callback, value: Any) -> None:
        """Call ``fn(value)`` after ``delay`` minutes of engine time."""
        heappush(self._queue, (self.now + delay, NORMAL, next(self._eid), fn, value))

    def at(self, when: SimTime, fn: Callback, value: Any) -> None:
        """Call ``fn(value)`` at engine time ``when``."""
        heappush(self._queue, (when, NORMAL, next(self._eid), fn, value))

    def step(self) -> None:
        """Process the next event (``Environment.step``), the clock set to its time while its callbacks run."""
        queue = self._queue
        if queue and len(queue[0]) == _CALLBACK:
            when, _, _, fn, value = heappop(queue)
            self._now = self.now = when
            fn(value)
            return
        self.now = self.peek()
        try:
            super().step()
        finally:
            self.now = self._now

    def play(self, until: SimTime, going: Collection[object] | None = None) -> None:
        """Process the events due before ``until``, while ``going`` (when given) is not empty.

        ``Environment.run`` and ``step`` done in one loop: timed callbacks are called here directly; any
        other event goes through ``step`` as usual.
        """
        queue = self._queue
        while queue and (going is None or going):
            entry = queue[0]
            when = entry[0]
            if when >= until:
                break
            if len(entry) == _CALLBACK:
                heappop(queue)
                self._now = self.now = when
                entry[3](entry[4])
            else:
                self.step()


#: The length of a timed callback's heap entry (SimPy's events have four items).
_CALLBACK = 5


class PoissonArrivals:
    """Arrivals of one incident type: a Poisson process, thinned to the type's hour-of-week profile.

    Each arrival schedules the next with a fresh bound method: a closure or a stored one would refer
    to itself, and keep the world alive after its run until the cycle collector came by.
    """

    __slots__ = (
        "_clock",
        "_create",
        "_env",
        "_gaps",
        "_horizon",
        "_keep",
        "_mean_gap",
        "_payload",
        "_peak",
        "_weights",
        "_zone",
    )

    def __init__(self, world: World, kind: IncidentType, incidents: IncidentStream, index: int) -> None:
        assert kind.rate_per_week is not None
        arrivals = stream(world.seed, world.replication, Source.ARRIVALS, index)
        weights = world.prepared.weights[kind.id]
        self._peak = max(weights)
        self._weights = weights
        # Per minute, at the busiest hour.
        self._mean_gap = 1.0 / (kind.rate_per_week * self._peak / 10080.0)
        flat = min(weights) == self._peak
        # A flat profile draws only gaps; otherwise each arrival also draws whether it is kept (thinning).
        self._gaps: Exponentials | np.random.Generator = Exponentials(arrivals) if flat else arrivals
        self._keep = None if flat else arrivals
        self._clock = world.clock
        self._zone = zone(world.scenario.time_zone)
        self._create = world.create
        self._payload = (kind, incidents)
        self._env = world.env
        self._horizon = world.horizon

    def next_after(self, now: SimTime) -> None:
        """Schedule the arrival after ``now``, unless it falls past the horizon."""
        gap = self._gaps.exponential(self._mean_gap)
        if now + gap < self._horizon:
            self._env.after(gap, self.arrive, None)

    def arrive(self, _: object) -> None:
        """An arrival: an incident starts (if thinning keeps it) and the next arrival is scheduled."""
        now = self._env.now
        keep = self._keep
        if (
            keep is None
            or keep.random() * self._peak < self._weights[self._clock.minute_of_week(now, self._zone) // 60]
        ):
            self._create(self._payload)
        self.next_after(now)


class World:
    """One replication: the environment, the people, the roster and the incidents."""

    __slots__ = (
        "_chains",
        "_count",
        "_incidents",
        "_lead_domains",
        "_person_domains",
        "after",
        "at",
        "calendar",
        "chains",
        "clock",
        "cost",
        "env",
        "horizon",
        "level_timeouts",
        "open",
        "policy",
        "policy_rng",
        "pools",
        "prepared",
        "records",
        "replication",
        "responders",
        "rostered",
        "round_robin",
        "scenario",
        "seats",
        "seed",
        "services",
        "team_domain",
        "teams",
        "tier_rank",
        "tiers",
    )

    def __init__(
        self,
        scenario: Scenario,
        policy: Policy,
        *,
        seed: int,
        replication: int,
        days: float | None = None,
        prepared: Prepared | None = None,
    ) -> None:
        self.scenario = scenario
        self.policy = policy
        self.seed = seed
        self.replication = replication
        self.env = Engine()
        self.horizon = days * 1440.0 if days is not None else scenario.horizon
        self.prepared = prepared or Prepared(scenario, policy, self.horizon)
        self.clock = self.prepared.clock
        self.calendar = self.prepared.calendar
        self.records = ReplicationRecords(replication)
        self.services = {s.id: s for s in scenario.services}
        self.teams = {t.id: t for t in scenario.teams}
        self.team_domain = {t.id: t.domain for t in scenario.teams}
        self._person_domains: dict[str, set[str]] = {}
        self._lead_domains: dict[tuple[str, str, str], tuple[str, ...]] = {}
        for team in scenario.teams:
            for member in team.members:
                self._person_domains.setdefault(member, set()).add(team.domain)
        self.tier_rank = {tier.id: i for i, tier in enumerate(policy.tiers)}
        self.tiers: dict[str, Tier] = {tier.id: tier for tier in policy.tiers}
        self.chains = {c.id: c for c in policy.escalation_chains}
        #: What incidents cost, when the policy counts it.
        self.cost = policy.cost
        self.responders: dict[str, Responder] = {}
        for index, person in enumerate(scenario.people):
            self.responders[person.id] = Responder(
                self, person, self.prepared.behaviours[person.id], index, self.prepared.moments[person.id]
            )
        self.pools = {t.id: Pool(self, [self.responders[m] for m in t.members]) for t in scenario.teams}
        for team in scenario.teams:
            for member in team.members:
                self.responders[member].pools.append(self.pools[team.id])
        #: Whether anyone is ever on call (else nobody's shift ends mid-incident).
        self.rostered = bool(policy.rotations)
        self.round_robin: dict[tuple[str, int], int] = {}
        self.policy_rng = stream(seed, replication, Source.POLICY)
        self.open: set[Incident] = set()
        #: The drill's seats when people play roles; None in Monte Carlo runs.
        self.seats: Seats | None = None
        self._incidents: dict[str, IncidentStream] = {}
        self._count = 0
        self._chains = self.prepared.chains
        #: ``after(delay, fn, value)`` calls ``fn(value)`` after ``delay`` minutes of engine time (``Engine.after``).
        self.after = self.env.after
        #: ``at(when, fn, value)``: the same at engine time ``when``.
        self.at = self.env.at
        #: Escalation level timeouts, by delay.
        self.level_timeouts: dict[float, LevelTimeouts] = {}

    # -- scheduling ----------------------------------------------------------------------
    def begin(self) -> None:
        """Schedule the first arrivals of every incident type (a drill then advances the world itself)."""
        for index, kind in enumerate(self.scenario.incident_types):
            self._start_arrivals(index, kind)

    def run(self) -> ReplicationRecords:
        """Play arrivals up to the horizon, let open incidents finish, and return the records."""
        # Closed incidents hold no reference cycles and are freed by reference counting: the cycle collector
        # would only walk live objects in vain while the replication runs (a test keeps it that way).
        collecting = gc.isenabled()
        gc.disable()
        try:
            self.begin()
            env = self.env
            env.play(self.horizon)
            # As after ``Environment.run(until=horizon)``, the clock stands at the horizon even when nothing was due.
            env._now = env.now = max(env.now, self.horizon)
            env.play(self.horizon + DRAIN_LIMIT, self.open)
        finally:
            if collecting:
                gc.enable()
        # Incidents still open at the cut-off are recorded as they stand.
        for incident in self.open:
            incident.settle()
        self._let_go()
        return self.records

    def _let_go(self) -> None:
        """Drop the world's hold on its people, pools, incidents and pending events once its run is over.

        They all point back at the world: left as they are, the world and its records would be freed
        only by the cycle collector, which walks every surviving record of every replication meanwhile.
        """
        self.env._queue.clear()
        self.open.clear()
        self.level_timeouts.clear()
        for responder in self.responders.values():
            responder.pools.clear()
        self.responders.clear()
        self.pools.clear()

    # -- arrivals ------------------------------------------------------------------------
    def _start_arrivals(self, index: int, kind: IncidentType) -> None:
        attributes = self._incidents[kind.id] = IncidentStream(
            self.prepared.samplers[kind.id], stream(self.seed, self.replication, Source.ATTRIBUTES, index)
        )
        if kind.times is not None:
            for text in kind.times:
                offset = scenario_offset(text, self.scenario.start)
                if 0 <= offset < self.horizon:
                    self.after(offset, self.create, (kind, attributes))
            return
        PoissonArrivals(self, kind, attributes, index).next_after(self.env.now)

    def create(self, payload: tuple[IncidentType, IncidentStream]) -> None:
        """Start an incident of a type now, with the next draws of the type's stream."""
        kind, incidents = payload
        self._count += 1
        draws = incidents.next()
        incident = Incident(self, self._count, kind, draws)
        self.open.add(incident)
        # Recorded as it starts, so records come in incident order; the incident fills its record in as it goes.
        self.records.incidents.append(incident.record)
        if self.seats is not None:
            self.seats.started(incident)
        if draws.detect_after > 0:
            self.after(draws.detect_after, self._alert, (incident, draws.root_service, False, draws.detected_by))
        else:
            incident.alert(draws.root_service, False, draws.detected_by)
        for symptom in draws.symptoms:
            correlated = self.policy.correlation.enabled and symptom.correlation_draw < self.policy.correlation.accuracy
            self.after(symptom.alert_at, self._alert, (incident, symptom.service, correlated, "monitoring"))

    def start_incident(self, kind_id: str) -> None:
        """Start an incident of a type now (a drill decision's effect), drawn from that type's own stream."""
        kind = next(k for k in self.scenario.incident_types if k.id == kind_id)
        self.create((kind, self._incidents[kind.id]))

    def _alert(self, payload: tuple[Incident, str, bool, str]) -> None:
        incident, service, correlated, by = payload
        incident.alert(service, correlated, by)

    # -- routing and targets -------------------------------------------------------------
    def route(self, service_id: str, incident: Incident) -> EscalationChain:
        """The chain the first matching route names for an alert on ``service_id``."""
        # Every incident routes its first alert, so the known chain is looked up without a builder.
        key = ("route", service_id, incident.record.incident_type, incident.record.tier)
        chain = self._chains.get(key)
        if chain is None:
            chain = self._chains[key] = self._match(service_id, self.services[service_id].owner, incident)
        return chain

    def chain(self, key: tuple[str, ...], build: Callable[[], EscalationChain]) -> EscalationChain:
        """A derived chain, built the first time any replication needs it."""
        chain = self._chains.get(key)
        if chain is None:
            chain = self._chains[key] = build()
        return chain

    def _match(self, service_id: str, team: str, incident: Incident) -> EscalationChain:
        for route in self.policy.routing:
            if route.services is not None and service_id not in route.services:
                continue
            if route.teams is not None and team not in route.teams:
                continue
            if route.tiers is not None and incident.record.tier not in route.tiers:
                continue
            if route.incident_types is not None and incident.kind.id not in route.incident_types:
                continue
            return self.chains[route.chain]
        # Nothing routes it: the alert pages nobody, which the records show as never acknowledged.
        return EscalationChain(id="unrouted", levels=[EscalationLevel(targets=[Target(team=team)])], on_empty="skip")

    def domain_chain(self, domain: str, incident: Incident) -> EscalationChain:
        """Where a tech lead for ``domain`` comes from: the policy's source, else the domain team's route."""
        return self.chain(
            ("domain", domain, incident.kind.id, incident.record.tier), lambda: self._domain_chain(domain, incident)
        )

    def _domain_chain(self, domain: str, incident: Incident) -> EscalationChain:
        team = next(t for t in self.scenario.teams if t.domain == domain)
        target = self.policy.mobilization.tech_leads.get(domain)
        if target is not None:
            # Work cannot wait for ever on one source: after its rounds, anyone in the domain's team will do.
            return single_level(f"tech_lead.{domain}", target, backstop=Target(team=team.id))
        owned = next((s.id for s in self.scenario.services if s.owner == team.id), None)
        if owned is not None:
            return self._match(owned, team.id, incident)
        return single_level(f"tech_lead.{domain}", Target(team=team.id))

    def role_chain(self, role: str) -> EscalationChain | None:
        """A one-level chain paging the policy's source for a role, or None when it has none."""
        key = ("role", role)
        if key not in self._chains:
            target = self.policy.mobilization.roles.get(role)  # type: ignore[call-overload]
            self._chains[key] = single_level(f"role.{role}", target) if target is not None else None
        return self._chains[key]

    def resolve(self, target: Target) -> list[str]:
        """People a (non-pool) target pages right now."""
        kind = target.kind
        if kind == "person":
            return [target.ref]
        if kind == "team":
            return list(self.teams[target.ref].members)
        at = self.clock.posix(self.env.now)
        if kind == "rotation":
            person = self.calendar.on_call_at(target.ref, target.rotation_level, at)
            return [person] if person is not None else []
        upcoming = self.calendar.next_on_call(target.ref, target.rotation_level, at)
        return [upcoming[0]] if upcoming is not None else []

    def next_roster_change(self, targets: list[Target]) -> float | None:
        """Engine time of the next on-call change among rotation targets, or None."""
        at = self.clock.posix(self.env.now)
        changes = []
        for target in targets:
            if target.kind in ("rotation", "next_on_call"):
                upcoming = self.calendar.next_on_call(target.ref, target.rotation_level, at)
                if upcoming is not None:
                    changes.append((upcoming[1] - self.clock.start_ts) / 60.0)
        return min(changes) if changes else None

    def shift_of(self, person: str) -> tuple[str, str, float] | None:
        """The rotation level a person is on call for now, and when that shift ends (the latest, if several)."""
        shift = self.calendar.shift_of(person, self.clock.posix(self.env.now))
        if shift is None:
            return None
        rotation, level, ends = shift
        return rotation, level, (ends - self.clock.start_ts) / 60.0

    def on_call_now(self, rotation: str, level: str) -> str | None:
        """Who is on call for a rotation level right now."""
        return self.calendar.on_call_at(rotation, level, self.clock.posix(self.env.now))

    def person_chain(self, person: str) -> EscalationChain:
        """A one-level chain paging one person (for a handover to a named successor)."""
        return self.chain(("person", person), lambda: single_level(f"person.{person}", Target(person=person)))

    def lead_domains(self, person: str, incident: Incident, team: str) -> tuple[str, ...]:
        """Domains, in order, a person who answers for ``team`` leads in ``incident``.

        Their own teams' domains that the incident involves; else the team's domain, if involved, else its first.
        """
        key = (person, incident.record.incident_type, team)
        domains = self._lead_domains.get(key)
        if domains is None:
            involved = incident.kind.domains
            own = self._person_domains.get(person, set()).intersection(involved)
            if not own:
                team_domain = self.team_domain[team]
                own = {team_domain if team_domain in involved else involved[0]}
            domains = self._lead_domains[key] = tuple(sorted(own))
        return domains

    # -- handoffs ------------------------------------------------------------------------
    def new_handoff(
        self, incident: Incident, reason: HandoffReason, role: str, sender: str, *, initiated: float | None = None
    ) -> HandoffRecord:
        """Open a handoff record, initiated now unless said otherwise."""
        start = self.env.now if initiated is None else initiated
        record = HandoffRecord(self.replication, incident.number, reason, role, sender, "", start)
        self.records.handoffs.append(record)
        incident.record.handoffs += 1
        return record

    def accept_handoff(
        self, incident: Incident, record: HandoffRecord, receiver: Responder, *, briefed: bool | None = None
    ) -> None:
        """The receiver takes over: briefed (costs minutes) or not (redoes part of the sender's work).

        Whether a briefing happens is drawn from the policy unless ``briefed`` says (a player's handoff).
        """
        briefing = self.policy.handoffs.briefing
        now = self.env.now
        record.receiver = receiver.id
        if briefed is None:
            briefed = self.policy_rng.random() < briefing.probability
        if briefed:
            cost = briefing.cost.sample(self.policy_rng)
            record.briefed = True
            record.accepted = now + cost
            incident.extra_work[receiver.id] = incident.extra_work.get(receiver.id, 0.0) + cost
        else:
            engaged = incident.engaged.get(record.sender, now)
            lost = briefing.context_loss * (now - engaged)
            record.accepted = now
            incident.extra_work[receiver.id] = incident.extra_work.get(receiver.id, 0.0) + lost
        incident.record.handoff_delay += record.accepted - record.initiated

    # -- lifecycle hooks -----------------------------------------------------------------
    def add_engagement(self, person: str, minutes: float) -> None:
        """Add engaged minutes to a person's load."""
        self.records.engaged[person] = self.records.engaged.get(person, 0.0) + minutes

    def incident_closed(self, incident: Incident) -> None:
        """A resolved incident is no longer open (its record is complete)."""
        self.open.discard(incident)
