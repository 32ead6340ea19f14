"""Preflight checks of a policy (and the scenario it plays) over a horizon: what will bite before it does.

Every rule is a pure function of a :class:`LintContext` returning :class:`LintFinding`
values located by a path in the policy (or scenario) document. Rules look at the roster
calendar over the horizon, and walk escalation chains at sampled instants (every 15
minutes and at every coverage change) as they would run if an incident started then;
a walk evaluates time conditions at that instant, without letting time pass.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import cached_property
from typing import Literal
from zoneinfo import ZoneInfo

import holidays

from tabletop.policies.model import (
    SLA_METRICS,
    Condition,
    EscalationChain,
    EscalationLevel,
    Layer,
    Policy,
    Route,
    Target,
)
from tabletop.policies.roster import RosterCalendar, instant_seconds, rotation_zone
from tabletop.scenarios.model import IncidentType, Scenario
from tabletop.spec.fields import WEEKDAYS, zone
from tabletop.spec.yaml_source import DocPath

Severity = Literal["error", "warning"]
#: Spacing of the instants at which chains are walked (seconds).
SAMPLE_STEP = 15 * 60
#: How far past the horizon the calendar looks to tell when a held escalation would resume.
LOOKAHEAD = timedelta(days=30)

#: Every rule, with what it finds (the documentation lists the same).
RULES: dict[str, str] = {
    "coverage-gap": "a rotation level with nobody on call during part of the horizon",
    "empty-level": "an escalation level whose rotation targets all have nobody on call at the same time",
    "never-pages": "a level, chain or route that can never page anyone",
    "window-never-opens": "a `when` time window or days that never occur in the horizon",
    "stall": "an escalation that pages nobody, or holds forever, when an incident starts at some instant",
    "unqualified-role": "people paged into a role who lack its qualification (or a tech lead outside the domain)",
    "sla-before-first-page": "an acknowledge target shorter than the wait before anyone can be paged",
    "tier-without-route": "incidents of a tier that no route matches",
    "at-fraction-without-target": "an at_fraction trigger on tiers without a target for its metric",
}


@dataclass(frozen=True)
class LintFinding:
    """One finding: its severity, rule, where it is in the policy document and what."""

    severity: Severity
    rule: str
    path: DocPath
    message: str


def _when(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%d %H:%MZ")


def _hours(seconds: float) -> str:
    if seconds < 3600:
        return f"{seconds / 60:.0f}m"
    hours = seconds / 3600
    return f"{hours:.0f}h" if hours >= 10 else f"{hours:.1f}h".replace(".0h", "h")


def _intersect(a: list[tuple[float, float]], b: list[tuple[float, float]]) -> list[tuple[float, float]]:
    out = []
    i = j = 0
    while i < len(a) and j < len(b):
        start, end = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        if start < end:
            out.append((start, end))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return out


def dst_changes(tz: ZoneInfo, start: float, end: float) -> list[float]:
    """Instants (to the hour) at which the zone's UTC offset changes within ``[start, end)``."""
    changes = []
    t = start - start % 3600
    before = datetime.fromtimestamp(t, tz).utcoffset()
    while t < end:
        t += 3600
        now = datetime.fromtimestamp(t, tz).utcoffset()
        if now != before:
            changes.append(t)
            before = now
    return changes


@dataclass
class LintContext:
    """A policy, optionally its scenario, and the roster calendar over the horizon."""

    policy: Policy
    scenario: Scenario | None
    start: datetime
    horizon: timedelta
    calendar: RosterCalendar = field(init=False)

    def __post_init__(self) -> None:
        self.calendar = RosterCalendar(self.policy, self.start, self.start + self.horizon + LOOKAHEAD)

    @property
    def begin(self) -> float:
        """Start of the horizon, POSIX seconds."""
        return self.start.timestamp()

    @property
    def end(self) -> float:
        """End of the horizon, POSIX seconds."""
        return (self.start + self.horizon).timestamp()

    def gaps(self, rotation: str, level: str) -> list[tuple[float, float]]:
        """Spans of the horizon with nobody on call for a rotation level."""
        return [(a, min(b, self.end)) for a, b in self.calendar.gaps(rotation, level) if a < self.end]

    def on_call(self, rotation: str, level: str) -> set[str]:
        """Everyone on call for a rotation level at some time in the horizon."""
        return {seg.person for seg in self.calendar.segments(rotation, level) if seg.start < self.end}

    @cached_property
    def samples(self) -> list[float]:
        """Instants at which chains are walked: a 15-minute grid and every change of who is on call."""
        points = {self.begin + k * SAMPLE_STEP for k in range(int((self.end - self.begin) // SAMPLE_STEP) + 1)}
        for rotation in self.policy.rotations:
            for level in rotation.levels:
                for seg in self.calendar.segments(rotation.id, level):
                    points.update((seg.start, seg.end))
        return sorted(p for p in points if self.begin <= p < self.end)

    @cached_property
    def team_members(self) -> dict[str, list[str]]:
        """Members of each scenario team (empty without a scenario)."""
        return {t.id: t.members for t in self.scenario.teams} if self.scenario else {}

    def pages_someone(self, targets: list[Target], at: float) -> bool:
        """Whether any target resolves to somebody at ``at`` (people, teams and pools always do)."""
        for target in targets:
            if target.kind == "rotation":
                if self.calendar.on_call_at(target.ref, target.rotation_level, at) is not None:
                    return True
            elif target.kind == "next_on_call":
                if self.calendar.next_on_call(target.ref, target.rotation_level, at) is not None:
                    return True
            elif target.kind not in ("team", "pool") or self.scenario is None or self.team_members.get(target.ref):
                return True
        return False

    def refill(self, targets: list[Target], at: float) -> float | None:
        """When somebody next comes on call for any rotation target after ``at`` (None: not in the horizon)."""
        found = []
        for target in targets:
            if target.kind in ("rotation", "next_on_call"):
                for seg in self.calendar.segments(target.ref, target.rotation_level):
                    if seg.start > at:
                        found.append(seg.start)
                        break
        return min(found, default=None)

    def applies(self, chain: EscalationChain, level: EscalationLevel, tier: str, at: float) -> bool:
        """Whether a level's ``when`` holds for this tier at ``at``."""
        when = level.when
        if when is None:
            return True
        if when.tiers is not None and tier not in when.tiers:
            return False
        if when.days is None and when.window is None:
            return True
        local = datetime.fromtimestamp(at, self.condition_zone(chain, when))
        if when.days is not None and local.weekday() not in when.days:
            return False
        return when.window is None or when.window.contains(local)

    def condition_zone(self, chain: EscalationChain, when: Condition) -> ZoneInfo:
        """The zone a condition's days and window are read in."""
        return zone(when.time_zone or chain.time_zone or self.policy.time_zone)

    @cached_property
    def walk_results(self) -> list[tuple[int, EscalationChain, str, list[tuple[float, _Walk]]]]:
        """Each chain walked for each tier it receives, at every sampled instant."""
        return list(_walks(self))

    @cached_property
    def routes_reaching(self) -> dict[str, list[int]]:
        """Indexes of the routes that can send incidents to each chain (none after a catch-all route)."""
        reaching: dict[str, list[int]] = {}
        for r, route in enumerate(self.policy.routing):
            reaching.setdefault(route.chain, []).append(r)
            if _catch_all(route):
                break
        return reaching

    @cached_property
    def tiers_reaching(self) -> dict[str, set[str]]:
        """The tiers of the incidents each chain can receive (from the scenario's incidents when given)."""
        all_tiers = {t.id for t in self.policy.tiers}
        reached: dict[str, set[str]] = {c.id: set() for c in self.policy.escalation_chains}
        if self.scenario is None:
            for chain, indexes in self.routes_reaching.items():
                for r in indexes:
                    reached.setdefault(chain, set()).update(self.policy.routing[r].tiers or all_tiers)
            return reached
        for tier, route in self._scenario_alerts():
            if route is not None:
                reached.setdefault(route.chain, set()).add(tier)
        return reached

    def _scenario_alerts(self) -> Iterator[tuple[str, Route | None]]:
        """The tier and route of every alert the engine can raise: at the root service, at the services
        showing its symptoms, and for each domain's tech lead taken from the domain team's route."""
        assert self.scenario is not None
        services = {s.id: s for s in self.scenario.services}
        dependents: dict[str, list[str]] = {}
        for service in self.scenario.services:
            for dependency in service.depends_on:
                dependents.setdefault(dependency, []).append(service.id)
        domains = self.scenario.domains()
        for kind, root, tier, route in self.incident_routes:
            yield tier, route
            seen, queue = {root}, [root]
            while queue:
                for dependent in dependents.get(queue.pop(), []):
                    if dependent not in seen:
                        seen.add(dependent)
                        queue.append(dependent)
                        yield tier, self.first_route(services[dependent].id, services[dependent].owner, tier, kind)
            for domain in self.scenario_kinds[kind].domains:
                if domain in self.policy.mobilization.tech_leads or domain not in domains:
                    continue
                team = domains[domain][0]
                owned = next((s for s in self.scenario.services if s.owner == team), None)
                if owned is not None:
                    yield tier, self.first_route(owned.id, team, tier, kind)

    @cached_property
    def scenario_kinds(self) -> dict[str, IncidentType]:
        """The scenario's incident types by id."""
        return {k.id: k for k in self.scenario.incident_types} if self.scenario else {}

    def first_route(self, service: str, team: str, tier: str, kind: str) -> Route | None:
        """The first route matching an alert, as the engine picks it."""
        for route in self.policy.routing:
            if (
                (route.services is None or service in route.services)
                and (route.teams is None or team in route.teams)
                and (route.tiers is None or tier in route.tiers)
                and (route.incident_types is None or kind in route.incident_types)
            ):
                return route
        return None

    @cached_property
    def incident_routes(self) -> list[tuple[str, str, str, Route | None]]:
        """Each (incident type, root service, tier) of the scenario with the first route that matches it."""
        assert self.scenario is not None
        services = {s.id: s for s in self.scenario.services}
        out = []
        for kind in self.scenario.incident_types:
            for service_id in kind.root_weights():
                service = services[service_id]
                tier = kind.tier or service.tier
                out.append((kind.id, service.id, tier, self.first_route(service.id, service.owner, tier, kind.id)))
        return out


def _catch_all(route: Route) -> bool:
    return all(getattr(route, key) is None for key in ("services", "teams", "tiers", "incident_types"))


def _chains(policy: Policy) -> Iterator[tuple[int, EscalationChain]]:
    yield from enumerate(policy.escalation_chains)


def coverage_gaps(ctx: LintContext) -> list[LintFinding]:
    """Rotation levels with nobody on call during part of the horizon, noting daylight-saving changes and holidays."""
    findings = []
    for r, rotation in enumerate(ctx.policy.rotations):
        tz = rotation_zone(rotation, ctx.policy)
        changes = dst_changes(tz, ctx.begin, ctx.end)
        for name, level in rotation.levels.items():
            gaps = ctx.gaps(rotation.id, name)
            if not gaps:
                continue
            total = sum(b - a for a, b in gaps)
            if total >= ctx.end - ctx.begin:
                message = f"rotation '{rotation.id}' level '{name}' has nobody on call at all in the horizon"
            else:
                shown = []
                calendar = None
                if level.holidays is not None:
                    years = range(ctx.start.year, (ctx.start + ctx.horizon).year + 1)
                    country = level.holidays
                    calendar = holidays.country_holidays(country.country, subdiv=country.subdivision, years=years)
                for a, b in gaps[:3]:
                    notes = []
                    near = [c for c in changes if a - 86_400 <= c <= b + 86_400]
                    if near:
                        notes.append(f"around the daylight-saving change of {_when(near[0])[:10]} in {tz.key}")
                    day = datetime.fromtimestamp(a, tz).date()
                    if calendar is not None and (day in calendar or day + timedelta(days=1) in calendar):
                        notes.append(
                            f"next to the public holiday {calendar.get(day) or calendar.get(day + timedelta(days=1))}"
                        )
                    note = f" ({'; '.join(notes)})" if notes else ""
                    shown.append(f"{_when(a)}–{_when(b)}{note}")
                more = f" and {len(gaps) - 3} more" if len(gaps) > 3 else ""
                message = (
                    f"rotation '{rotation.id}' level '{name}' has nobody on call for {_hours(total)} in "
                    f"{len(gaps)} gap(s): {', '.join(shown)}{more}"
                )
            findings.append(LintFinding("warning", "coverage-gap", ("rotations", r, "levels", name), message))
    return findings


def empty_levels(ctx: LintContext) -> list[LintFinding]:
    """Escalation levels whose targets are all rotations with nobody on call at the same time."""
    findings = []
    for c, chain in _chains(ctx.policy):
        for k, level in enumerate(chain.levels):
            if not all(t.kind == "rotation" for t in level.targets):
                continue
            empty = [(ctx.begin, ctx.end)]
            for target in level.targets:
                empty = _intersect(empty, ctx.gaps(target.ref, target.rotation_level))
            if empty and sum(b - a for a, b in empty) < ctx.end - ctx.begin:
                total = sum(b - a for a, b in empty)
                message = (
                    f"level {k + 1} of chain '{chain.id}' pages nobody for {_hours(total)} of the horizon "
                    f"(first {_when(empty[0][0])}–{_when(empty[0][1])}): every rotation it targets is empty then"
                )
                path: DocPath = ("escalation_chains", c, "levels", k, "targets")
                findings.append(LintFinding("warning", "empty-level", path, message))
    return findings


def never_paging(ctx: LintContext) -> list[LintFinding]:
    """Chains no route reaches, routes after a catch-all, levels whose tiers or targets never page anyone."""
    findings = []
    catch_all = next((r for r, route in enumerate(ctx.policy.routing) if _catch_all(route)), None)
    if catch_all is not None:
        for r in range(catch_all + 1, len(ctx.policy.routing)):
            message = f"route {r + 1} comes after route {catch_all + 1}, which matches everything; it never matches"
            findings.append(LintFinding("warning", "never-pages", ("routing", r), message))
    for c, chain in _chains(ctx.policy):
        reached = ctx.tiers_reaching.get(chain.id, set())
        if not reached:
            source = "alert of the scenario's incidents" if ctx.scenario is not None else "route"
            message = f"chain '{chain.id}' is reached by no {source}: it never pages anyone"
            findings.append(LintFinding("warning", "never-pages", ("escalation_chains", c, "id"), message))
            continue
        for k, level in enumerate(chain.levels):
            path: DocPath = ("escalation_chains", c, "levels", k)
            if level.when is not None and level.when.tiers is not None and not reached & set(level.when.tiers):
                message = (
                    f"level {k + 1} of chain '{chain.id}' applies only to tiers {', '.join(level.when.tiers)}, "
                    f"but the chain only receives {', '.join(sorted(reached))}: it never pages anyone"
                )
                findings.append(LintFinding("warning", "never-pages", (*path, "when", "tiers"), message))
            only_rotations = all(t.kind == "rotation" for t in level.targets)
            if only_rotations and all(not ctx.on_call(t.ref, t.rotation_level) for t in level.targets):
                message = f"level {k + 1} of chain '{chain.id}' targets rotations with nobody on call in the horizon"
                findings.append(LintFinding("warning", "never-pages", (*path, "targets"), message))
    return findings


def _opens(ctx: LintContext, when: Condition, tz: ZoneInfo) -> bool:
    """Whether some instant of the horizon satisfies the condition's days and window (read in ``tz``)."""
    first = datetime.fromtimestamp(ctx.begin, tz).date() - timedelta(days=1)
    last = datetime.fromtimestamp(ctx.end, tz).date()
    day = first
    while day <= last:
        for opens, closes in _day_spans(when, day):
            a = instant_seconds(datetime.combine(day, datetime.min.time()) + timedelta(minutes=opens), tz)
            b = instant_seconds(datetime.combine(day, datetime.min.time()) + timedelta(minutes=closes), tz)
            if a < ctx.end and b > ctx.begin and a < b:
                return True
        day += timedelta(days=1)
    return False


def _day_spans(when: Condition, day: date) -> list[tuple[int, int]]:
    """The minutes of a local day at which the condition's days and window both hold."""
    if when.days is not None and day.weekday() not in when.days:
        return []
    window = when.window
    if window is None:
        return [(0, 1440)]
    spans = []
    if day.weekday() in window.days:
        spans.append((window.start, 1440 if window.overnight else window.end))
    if window.overnight and (day.weekday() - 1) % 7 in window.days:
        spans.append((0, window.end))
    return spans


def closed_windows(ctx: LintContext) -> list[LintFinding]:
    """``when`` days and windows that never occur within the horizon."""
    findings = []
    for c, chain in _chains(ctx.policy):
        for k, level in enumerate(chain.levels):
            when = level.when
            if when is None or (when.days is None and when.window is None):
                continue
            tz = ctx.condition_zone(chain, when)
            if not _opens(ctx, when, tz):
                days = ",".join(WEEKDAYS[d] for d in when.days) if when.days is not None else "any day"
                window = f" {when.window.describe()}" if when.window is not None else ""
                message = (
                    f"level {k + 1} of chain '{chain.id}' applies only on {days}{window} ({tz.key}), "
                    f"which never occurs from {_when(ctx.begin)} to {_when(ctx.end)}: it never pages anyone"
                )
                findings.append(
                    LintFinding("warning", "window-never-opens", ("escalation_chains", c, "levels", k, "when"), message)
                )
    return findings


@dataclass(frozen=True)
class _Walk:
    """How a chain walked at one instant ends: who is paged first, after what wait, or a stall."""

    outcome: Literal["paged", "held", "nobody"]
    wait: float
    level: int | None
    until: float | None = None


def _walk(ctx: LintContext, chain: EscalationChain, tier: str, at: float) -> _Walk:
    """Walk a chain for an incident of ``tier`` starting at ``at``: the first page, the waits before it, or a stall."""
    wait = 0.0
    for loop in range(chain.repeat + 1):
        first = 0 if loop == 0 else chain.repeat_from - 1
        for k in range(first, len(chain.levels)):
            level = chain.levels[k]
            if not ctx.applies(chain, level, tier, at):
                continue
            if ctx.pages_someone(level.targets, at):
                return _Walk("paged", wait, k)
            on_empty = level.on_empty or chain.on_empty
            if on_empty == "hold":
                until = ctx.refill(level.targets, at)
                return _Walk("held", wait + (until - at if until is not None else float("inf")), k, until)
            if on_empty == "wait":
                wait += level.delay * 60
    if chain.backstop is not None and ctx.pages_someone(chain.backstop.targets, at):
        return _Walk("paged", wait, None)
    return _Walk("nobody", wait, None)


def _walks(ctx: LintContext) -> Iterator[tuple[int, EscalationChain, str, list[tuple[float, _Walk]]]]:
    for c, chain in _chains(ctx.policy):
        for tier in sorted(ctx.tiers_reaching.get(chain.id, set())):
            yield c, chain, tier, [(at, _walk(ctx, chain, tier, at)) for at in ctx.samples]


def stalls(ctx: LintContext) -> list[LintFinding]:
    """Chains that page nobody, or hold with nobody coming on call, for an incident starting at some instant."""
    findings = []
    for c, chain, tier, walks in ctx.walk_results:
        nobody = [at for at, walk in walks if walk.outcome == "nobody"]
        forever = [at for at, walk in walks if walk.outcome == "held" and walk.until is None]
        held = [(at, walk) for at, walk in walks if walk.outcome == "held" and walk.until is not None]
        path: DocPath = ("escalation_chains", c)
        if nobody:
            backstop = "an empty backstop" if chain.backstop is not None else "no backstop"
            message = (
                f"chain '{chain.id}' pages nobody for a {tier} incident starting at {_when(nobody[0])} "
                f"(and {len(nobody) - 1} other sampled instants): every level is empty or passed over and it has "
                f"{backstop}; the escalation stalls for good. Add a backstop or close the coverage gaps"
            )
            findings.append(LintFinding("error", "stall", path, message))
        if forever:
            message = (
                f"chain '{chain.id}' holds a {tier} incident starting at {_when(forever[0])} on an empty level "
                "that nobody comes on call for in the horizon: it waits forever"
            )
            findings.append(LintFinding("error", "stall", path, message))
        if held:
            at, walk = max(held, key=lambda item: item[1].wait)
            message = (
                f"chain '{chain.id}' holds a {tier} incident starting at {_when(at)} for {_hours(walk.wait)} on "
                f"level {(walk.level or 0) + 1} until someone comes on call"
            )
            findings.append(LintFinding("warning", "stall", path, message))
    return findings


def sla_before_first_page(ctx: LintContext) -> list[LintFinding]:
    """Acknowledge targets shorter than the wait before the first level that can page someone."""
    findings = []
    targets = {t.id: t.sla.acknowledge for t in ctx.policy.tiers}
    for c, chain, tier, walks in ctx.walk_results:
        target = targets.get(tier)
        if target is None or not walks:
            continue
        late = [(at, walk) for at, walk in walks if walk.outcome != "nobody" and walk.wait > target * 60]
        if not late:
            continue
        at, walk = max(late, key=lambda item: item[1].wait)
        always = len(late) == len(walks)
        wait = "forever" if walk.wait == float("inf") else f"after {_hours(walk.wait)}"
        message = (
            f"tier {tier} must be acknowledged within {target:g}m, but chain '{chain.id}' first pages anyone "
            f"{wait} for an incident starting at {_when(at)}"
            + (" (at every instant of the horizon)" if always else f" ({len(late)} sampled instants)")
            + ": earlier levels are empty and wait or hold"
        )
        findings.append(
            LintFinding("error" if always else "warning", "sla-before-first-page", ("escalation_chains", c), message)
        )
    return findings


def _role_people(ctx: LintContext, target: Target) -> set[str]:
    if target.kind in ("rotation", "next_on_call"):
        return ctx.on_call(target.ref, target.rotation_level)
    if target.kind == "person":
        return {target.ref}
    return set(ctx.team_members.get(target.ref, []))


def unqualified_roles(ctx: LintContext) -> list[LintFinding]:
    """People a role's source pages who lack the qualification; tech leads outside their domain."""
    if ctx.scenario is None:
        return []
    people = {p.id: p for p in ctx.scenario.people}
    findings = []
    for role, target in ctx.policy.mobilization.roles.items():
        paged = _role_people(ctx, target) & set(people)
        lacking = sorted(p for p in paged if role not in people[p].qualifications)
        if lacking:
            severity: Severity = "error" if len(lacking) == len(paged) else "warning"
            message = (
                f"{role} is paged from {target.kind} '{target.ref}', whose {', '.join(lacking)} "
                f"{'lack' if len(lacking) > 1 else 'lacks'} the {role} qualification"
                + (": nobody it pages is qualified" if severity == "error" else "")
            )
            findings.append(LintFinding(severity, "unqualified-role", ("mobilization", "roles", role), message))
    domains = ctx.scenario.domains()
    for domain, target in ctx.policy.mobilization.tech_leads.items():
        members = {m for team in domains.get(domain, []) for m in ctx.team_members.get(team, [])}
        outside = sorted(_role_people(ctx, target) - members)
        if outside:
            message = (
                f"tech lead for {domain} is paged from {target.kind} '{target.ref}', whose "
                f"{', '.join(outside)} belong to no {domain} team"
            )
            findings.append(LintFinding("warning", "unqualified-role", ("mobilization", "tech_leads", domain), message))
    return findings


def unrouted_tiers(ctx: LintContext) -> list[LintFinding]:
    """Tiers whose incidents no route matches (the engine then pages the owner team directly)."""
    findings = []
    index = {t.id: i for i, t in enumerate(ctx.policy.tiers)}
    if ctx.scenario is None:
        routed = set().union(*ctx.tiers_reaching.values()) if ctx.tiers_reaching else set()
        for tier, i in index.items():
            if tier not in routed:
                message = (
                    f"no route matches incidents of tier {tier}: they page the owning team directly, with no escalation"
                )
                findings.append(LintFinding("warning", "tier-without-route", ("tiers", i, "id"), message))
        return findings
    unrouted: dict[str, list[str]] = {}
    for kind, service, tier, route in ctx.incident_routes:
        if route is None:
            unrouted.setdefault(tier, []).append(f"{kind} at {service}")
    for tier, cases in unrouted.items():
        message = (
            f"no route matches {', '.join(cases[:3])}{' …' if len(cases) > 3 else ''} (tier {tier}): "
            "they page the owning team directly, with no escalation; add a route or a catch-all"
        )
        findings.append(
            LintFinding(
                "warning", "tier-without-route", ("tiers", index[tier], "id") if tier in index else ("tiers",), message
            )
        )
    return findings


def untargeted_fractions(ctx: LintContext) -> list[LintFinding]:
    """``at_fraction`` triggers on tiers without an SLA target for the trigger's metric."""
    findings = []
    for g, trigger in enumerate(ctx.policy.escalation_triggers):
        if trigger.at_fraction is None or trigger.not_reached is None:
            continue
        metric = trigger.not_reached
        assert metric in SLA_METRICS
        tiers = [t for t in ctx.policy.tiers if trigger.tiers is None or t.id in trigger.tiers]
        missing = [t.id for t in tiers if getattr(t.sla, metric) is None]
        if missing:
            severity: Severity = "error" if len(missing) == len(tiers) else "warning"
            message = (
                f"trigger '{trigger.id}' fires at {trigger.at_fraction:g} of the {metric} target, but tier(s) "
                f"{', '.join(missing)} have no {metric} target, so it never fires for them"
            )
            findings.append(
                LintFinding(severity, "at-fraction-without-target", ("escalation_triggers", g, "at_fraction"), message)
            )
    return findings


#: The rules in the order their findings are reported.
CHECKS: tuple[Callable[[LintContext], list[LintFinding]], ...] = (
    coverage_gaps,
    empty_levels,
    never_paging,
    closed_windows,
    stalls,
    sla_before_first_page,
    unqualified_roles,
    unrouted_tiers,
    untargeted_fractions,
)


def lint(policy: Policy, scenario: Scenario | None, start: datetime, horizon: timedelta) -> list[LintFinding]:
    """Every finding of every rule over ``[start, start + horizon)``."""
    ctx = LintContext(policy, scenario, start, horizon)
    return [finding for check in CHECKS for finding in check(ctx)]


def _first_handoff(layer: Layer, tz: ZoneInfo) -> float:
    """When a layer's first turn begins: its start, at its handoff time when it has one."""
    if layer.handoff_time is None:
        return instant_seconds(layer.start, tz)
    local = datetime.combine(layer.start.date(), datetime.min.time()) + timedelta(minutes=layer.handoff_time)
    return instant_seconds(local, tz)


def default_start(policy: Policy, now: datetime) -> datetime:
    """Where the horizon starts without a scenario: now, or once every rotation level has begun if that is later.

    Starting before a level's first turn would report the days before the roster existed
    as coverage gaps.
    """
    begun = [
        min(
            _first_handoff(layer, zone(layer.time_zone) if layer.time_zone else rotation_zone(rotation, policy))
            for layer in level.layers
        )
        for rotation in policy.rotations
        for level in rotation.levels.values()
    ]
    latest = max(begun, default=now.timestamp())
    return datetime.fromtimestamp(max(latest, now.timestamp()), UTC).replace(second=0, microsecond=0)
