"""What a scenario and policy imply that no replication changes, worked out once and shared by all."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from tabletop.policies.model import Backstop, EscalationChain, EscalationLevel, EscalationTrigger, Policy, Target, Tier
from tabletop.policies.roster import RosterCalendar
from tabletop.scenarios.model import Scenario
from tabletop.sim.clock import Clock, Moment, week_of_moments
from tabletop.sim.draws import IncidentSampler
from tabletop.sim.responders import Behaviour

#: After the horizon no new incidents start; open ones may run on this long before they are cut off.
DRAIN_LIMIT = 30 * 1440.0
#: How long a role or domain page waits at each try before paging again.
ROLE_PAGE_DELAY = 15.0
ROLE_PAGE_REPEATS = 2


def single_level(name: str, target: Target, backstop: Target | None = None) -> EscalationChain:
    """A chain that pages one target in rounds (and then a backstop): how roles and successors are sought."""
    level = EscalationLevel(targets=[target], delay=ROLE_PAGE_DELAY)
    last = Backstop(targets=[backstop]) if backstop is not None else None
    return EscalationChain(id=name, levels=[level], repeat=ROLE_PAGE_REPEATS, backstop=last)


@dataclass(frozen=True, slots=True)
class TierPlan:
    """What the policy does with every incident of one tier, decided once so that incidents skip what never applies."""

    #: Roles paged at declaration, and roles paged only when the commander asks.
    page: tuple[str, ...]
    on_request: tuple[str, ...]
    #: Escalation triggers armed when an incident is detected.
    triggers: tuple[EscalationTrigger, ...]
    #: Whether incidents post status updates (which slow a commander who posts them while working).
    posts: bool
    #: Whether they post updates or invite customers to a bridge.
    announces: bool

    @classmethod
    def of(cls, tier: Tier, policy: Policy) -> TierPlan:
        """The plan for a tier under a policy."""
        mobilization = policy.mobilization.tiers.get(tier.id)
        posts = tier.updates.internal is not None or tier.updates.external is not None
        return cls(
            page=tuple(mobilization.page) if mobilization is not None else (),
            on_request=tuple(mobilization.on_request) if mobilization is not None else (),
            triggers=tuple(t for t in policy.escalation_triggers if t.tiers is None or tier.id in t.tiers),
            posts=posts,
            announces=posts or tier.customer_inclusion is not None,
        )


def roster_for(scenario: Scenario, policy: Policy, horizon: float) -> RosterCalendar:
    """The roster calendar covering a run, from a day before the start to past the drain limit."""
    start = scenario.start - timedelta(days=1)
    end = scenario.start + timedelta(minutes=horizon + DRAIN_LIMIT + 1440)
    return RosterCalendar(policy, start, end)


def dependents(scenario: Scenario) -> dict[str, list[tuple[str, int]]]:
    """For each service, the services that depend on it (directly or not) with their distance."""
    direct: dict[str, list[str]] = {s.id: [] for s in scenario.services}
    for service in scenario.services:
        for dep in service.depends_on:
            direct[dep].append(service.id)
    result: dict[str, list[tuple[str, int]]] = {}
    for root in direct:
        seen = {root: 0}
        frontier = [root]
        while frontier:
            following = []
            for node in frontier:
                for upstream in direct[node]:
                    if upstream not in seen:
                        seen[upstream] = seen[node] + 1
                        following.append(upstream)
            frontier = following
        result[root] = [(s, d) for s, d in seen.items() if s != root]
    return result


class Prepared:
    """The roster calendar, arrival profiles, dependency fan-out, responder behaviour and derived chains."""

    def __init__(self, scenario: Scenario, policy: Policy, horizon: float) -> None:
        self.calendar = roster_for(scenario, policy, horizon)
        self.clock = Clock(scenario.start)
        self.weights = {kind.id: kind.hour_of_week.weights() for kind in scenario.incident_types}
        fan_out = dependents(scenario)
        self.samplers = {kind.id: IncidentSampler(kind, scenario, fan_out) for kind in scenario.incident_types}
        self.behaviours = {
            person.id: Behaviour.resolve(scenario.responsiveness_profiles.get(person.responsiveness), person.response)
            for person in scenario.people
        }
        #: Each person's moment (context, hour class, hour of the week) by local minute of the week; people
        #: with the same working and sleeping hours share one table.
        tables: dict[tuple[str, str], list[Moment]] = {}
        self.moments = {}
        for person in scenario.people:
            hours = (person.working_hours.describe(), person.sleep.describe())
            if hours not in tables:
                tables[hours] = week_of_moments(person)
            self.moments[person.id] = tables[hours]
        #: Chains built on demand (routes, roles, domains, successors, triggers), the same in every replication.
        self.chains: dict[tuple[str, ...], EscalationChain | None] = {}
        #: What the policy does with each tier's incidents.
        self.plans = {tier.id: TierPlan.of(tier, policy) for tier in policy.tiers}
