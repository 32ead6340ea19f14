"""PagerDuty REST v2 (escalation policies, schedules, services, users) translated into a policy.

PagerDuty's meaning is kept, not only its fields:

- a schedule is a rotation with one level; its layers keep their order (the later layer
  wins), their people in order, turn length, restrictions and end; the turn containing a
  layer's ``start`` is found from ``rotation_virtual_start``, and a layer that starts
  mid-turn gets a separate first layer for that partial turn, so nobody's turn moves;
- overrides (``overrides_subschedule``) become overrides;
- when the schedule carries PagerDuty's ``final_schedule``, the translation is checked
  against it (and the layer order flipped if the API returned the layers reversed);
- an escalation policy is a chain: rules are levels (delay, targets, round robin), a
  level with nobody on call is skipped; ``num_loops`` writes the rules out again that many
  times, for high urgency only, as low-urgency incidents neither escalate nor loop;
- a service routes to its policy's chain; low urgency never escalates past the first
  level (``when: {tiers: [high]}`` on later levels); urgency by support hours lets later
  levels escalate only inside the support hours; ``acknowledgement_timeout`` re-pages
  acknowledged incidents (``stop_on: resolve``).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from tabletop.errors import InputError
from tabletop.policies.importers.starter_scenario import StarterService, StarterTeam, service_owner
from tabletop.policies.importers.translation import Identifiers, Translation, assemble, duration
from tabletop.policies.importers.vendor_json import VendorObject, one_page_note, read_json, unwrap
from tabletop.policies.model import RotationLevel
from tabletop.policies.roster import Segment, level_segments
from tabletop.spec.fields import WEEKDAYS

VENDOR = "PagerDuty"
_ENVELOPES = (
    "escalation_policy",
    "escalation_policies",
    "schedule",
    "schedules",
    "service",
    "services",
    "user",
    "users",
)
_KIND = {
    "escalation_policy": "escalation policy",
    "escalation_policies": "escalation policy",
    "schedule": "schedule",
    "schedules": "schedule",
    "service": "service",
    "services": "service",
    "user": "user",
    "users": "user",
}
_DAY_SECONDS = 86_400
TIERS = [
    {"id": "high", "name": "High urgency: escalates when not acknowledged"},
    {"id": "low", "name": "Low urgency: pages the first level only, never escalates"},
]


@dataclass
class _Export:
    """The PagerDuty objects found in the files, by kind and id."""

    objects: dict[str, dict[str, VendorObject]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def add(self, kind: str, obj: VendorObject) -> None:
        source_id = obj.text("id")
        name = obj.get("name") or obj.get("summary") or ""
        labelled = obj.named(f"{kind} {source_id}" + (f" ('{name}')" if name else ""))
        known = self.objects.setdefault(kind, {})
        if source_id in known and known[source_id].data != obj.data:
            self.notes.append(f"{kind} {source_id} is given twice with different content; the later one is used")
        known[source_id] = labelled

    def of(self, kind: str) -> list[VendorObject]:
        return list(self.objects.get(kind, {}).values())


def _read(paths: list[Path]) -> _Export:
    export = _Export()
    for path in paths:
        document = read_json(path)
        for key, obj in unwrap(document, path, _ENVELOPES):
            export.add(_KIND[key], obj)
        if isinstance(document, dict) and document.get("more") is True:
            export.notes.append(one_page_note(path, "more: true", "offset/limit"))
    return export


class _People:
    """Everyone the configuration pages, with names and time zones where PagerDuty gives them."""

    def __init__(self, ids: Identifiers) -> None:
        self.ids = ids
        self.people: dict[str, dict[str, str]] = {}
        self.teams: dict[str, StarterTeam] = {}
        self.unnamed: set[str] = set()
        #: People without a user object whom no schedule names either, so whose zone is a guess.
        self.zoneless: set[str] = set()

    def user(self, user: VendorObject) -> None:
        person = self.ids.of("person", user.text("id"))
        tz = user.time_zone("time_zone")
        self.people[person] = {"name": user.optional_text("name") or user.text("id"), "time_zone": tz.key}
        for team in user.objects("teams", required=False):
            source = team.text("id")
            name = team.optional_text("summary") or team.optional_text("name") or source
            self.teams.setdefault(source, StarterTeam(self.ids.of("team", source), name)).members.append(person)

    def reference(self, ref: VendorObject, fallback_zone: str | None) -> str:
        """The person a user reference names; without a user object, in ``fallback_zone`` (UTC if None)."""
        person = self.ids.of("person", ref.text("id"))
        if person not in self.people:
            name = ref.optional_text("summary") or ref.optional_text("name") or ref.text("id")
            self.people[person] = {"name": name, "time_zone": fallback_zone or "UTC"}
            self.unnamed.add(person)
            if fallback_zone is None:
                self.zoneless.add(person)
        return person


def _at(seconds: float, tz: ZoneInfo) -> str:
    return datetime.fromtimestamp(seconds, tz).isoformat()


def _handoff(origin: datetime, k: int, turn: int, tz: ZoneInfo) -> float:
    """The k-th handoff after ``origin`` as the roster computes it (whole days on the local wall clock)."""
    if k == 0:
        return origin.timestamp()
    if turn % _DAY_SECONDS:
        return origin.timestamp() + k * turn
    local = origin.astimezone(tz).replace(tzinfo=None) + timedelta(days=k * turn // _DAY_SECONDS)
    return local.replace(tzinfo=tz).timestamp()


def _restriction(rule: VendorObject) -> dict[str, Any]:
    kind = rule.choice("type", ("daily_restriction", "weekly_restriction"))
    text = rule.text("start_time_of_day")
    parts = text.split(":")
    if len(parts) not in (2, 3) or not all(p.isdigit() for p in parts) or (len(parts) == 3 and int(parts[2])):
        raise rule.error("start_time_of_day", f"is '{text}'; Tabletop restrictions start on a whole minute (HH:mm:00)")
    hour, minute = int(parts[0]), int(parts[1])
    if hour > 23 or minute > 59:
        raise rule.error("start_time_of_day", f"'{text}' is not a time of day")
    seconds = rule.whole("duration_seconds", minimum=1)
    limit = _DAY_SECONDS if kind == "daily_restriction" else 7 * _DAY_SECONDS
    if seconds > limit:
        raise rule.error("duration_seconds", f"is {seconds}, longer than a {kind.split('_')[0]} restriction can last")
    out: dict[str, Any] = {"type": kind.split("_")[0]}
    if kind == "weekly_restriction":
        day = rule.whole("start_day_of_week", minimum=1)
        if day > 7:
            raise rule.error("start_day_of_week", f"is {day}; PagerDuty counts days 1 (Monday) to 7 (Sunday)")
        out["start_day"] = WEEKDAYS[day - 1]
    out["start"] = f"{hour:02d}:{minute:02d}"
    out["duration"] = duration(seconds)
    return out


def _layers(layer: VendorObject, tz: ZoneInfo, people: _People) -> list[dict[str, Any]]:
    """One PagerDuty layer as one layer, or two when it starts mid-turn (the partial first turn, then the rest)."""
    users = [people.reference(u.object("user"), tz.key) for u in layer.objects("users")]
    if not users:
        raise layer.error("users", "is empty; a layer needs at least one user")
    start, end = layer.instant("start"), layer.optional_instant("end")
    origin = layer.instant("rotation_virtual_start")
    turn = layer.whole("rotation_turn_length_seconds", minimum=1)
    if end is not None and end <= start:
        raise layer.error("end", f"{end.isoformat()} is not after the layer's start {start.isoformat()}")
    restrictions = [_restriction(r) for r in layer.objects("restrictions", required=False)]
    name = layer.optional_text("name") or layer.text("id")
    # The turn holding ``start``: PagerDuty counts turns from rotation_virtual_start, which
    # may be before or after the layer's start; user k mod n has turn k.
    at = start.timestamp()
    k = int((at - origin.timestamp()) // turn)
    while _handoff(origin, k, turn, tz) > at:
        k -= 1
    while _handoff(origin, k + 1, turn, tz) <= at:
        k += 1
    n = len(users)

    def rotated(first: int) -> list[str]:
        return [users[(first + i) % n] for i in range(n)]

    def shaped(values: dict[str, Any], stop: datetime | None) -> dict[str, Any]:
        values["turn"] = duration(turn)
        if stop is not None:
            values["end"] = stop.isoformat()
        if restrictions:
            values["restrictions"] = restrictions
        return values

    turn_start, next_handoff = _handoff(origin, k, turn, tz), _handoff(origin, k + 1, turn, tz)
    if turn_start == at:
        return [shaped({"name": name, "people": rotated(k), "start": start.isoformat()}, end)]
    first_end = datetime.fromtimestamp(next_handoff, tz)
    partial = shaped(
        {"name": f"{name} (first, partial turn)", "people": [users[k % n]], "start": start.isoformat()},
        first_end if end is None or first_end < end else end,
    )
    if end is not None and end <= first_end:
        return [partial]
    rest = {"name": name, "people": rotated(k + 1), "start": _at(next_handoff, tz)}
    return [partial, shaped(rest, end)]


def _overrides(schedule: VendorObject, tz: ZoneInfo, people: _People) -> list[dict[str, Any]]:
    sub = schedule.optional_object("overrides_subschedule")
    entries = sub.objects("rendered_schedule_entries", required=False) if sub is not None else []
    overrides = []
    for entry in entries:
        start, end = entry.instant("start"), entry.instant("end")
        if end <= start:
            raise entry.error("end", f"{end.isoformat()} is not after the override's start {start.isoformat()}")
        overrides.append(
            {
                "start": start.isoformat(),
                "end": end.isoformat(),
                "person": people.reference(entry.object("user"), tz.key),
            }
        )
    return overrides


def _merged(segments: list[Segment]) -> list[Segment]:
    out: list[Segment] = []
    for seg in sorted(segments):
        if out and out[-1].person == seg.person and out[-1].end == seg.start:
            out[-1] = Segment(out[-1].start, seg.end, seg.person)
        else:
            out.append(seg)
    return out


def _first_difference(expected: list[Segment], level: dict[str, Any], tz: ZoneInfo) -> str | None:
    """Where the translated level disagrees with PagerDuty's rendered final schedule, or None."""
    start, end = expected[0].start, expected[-1].end
    ours = level_segments(RotationLevel.model_validate(level), tz, start, end)
    instants = sorted({s.start for s in expected} | {s.start for s in ours} | {s.end for s in expected})
    for at in instants:
        if at >= end:
            break
        theirs = next((s.person for s in expected if s.start <= at < s.end), None)
        mine = next((s.person for s in ours if s.start <= at < s.end), None)
        if theirs != mine:
            return f"at {_at(at, tz)} PagerDuty has {theirs or 'nobody'}, the import has {mine or 'nobody'}"
    return None


def _rotation(schedule: VendorObject, ids: Identifiers, people: _People, notes: list[str]) -> dict[str, Any]:
    tz = schedule.time_zone("time_zone")
    layers = schedule.objects("schedule_layers")
    if not layers:
        raise schedule.error("schedule_layers", "is empty; a schedule needs at least one layer")
    level: dict[str, Any] = {"layers": [part for layer in layers for part in _layers(layer, tz, people)]}
    overrides = _overrides(schedule, tz, people)
    if overrides:
        level["overrides"] = overrides
    source = schedule.text("id")
    final = schedule.optional_object("final_schedule")
    entries = final.objects("rendered_schedule_entries", required=False) if final is not None else []
    if entries:
        expected = _merged(
            [
                Segment(
                    e.instant("start").timestamp(),
                    e.instant("end").timestamp(),
                    people.reference(e.object("user"), tz.key),
                )
                for e in entries
            ]
        )
        difference = _first_difference(expected, level, tz)
        if difference is not None:
            flipped = dict(level, layers=[p for layer in reversed(layers) for p in _layers(layer, tz, people)])
            if _first_difference(expected, flipped, tz) is None:
                level = flipped
                notes.append(
                    f"schedule {source}: the layers were listed highest-precedence first (as some API versions "
                    "return them); they were reversed so that the final schedule matches"
                )
            else:
                notes.append(
                    f"schedule {source}: the import differs from PagerDuty's rendered final schedule: {difference}"
                )
        else:
            window = f"{_at(expected[0].start, tz)} to {_at(expected[-1].end, tz)}"
            notes.append(f"schedule {source}: checked against PagerDuty's rendered final schedule from {window}: same")
    rotation: dict[str, Any] = {"id": ids.of("rotation", source), "name": schedule.optional_text("name") or source}
    rotation["time_zone"] = tz.key
    rotation["levels"] = {"primary": level}
    return rotation


def _assignment(rule: VendorObject) -> str:
    strategy = rule.get("escalation_rule_assignment_strategy")
    if isinstance(strategy, dict):
        strategy = strategy.get("type")
    if strategy in (None, "assign_to_everyone"):
        return "all"
    if strategy == "round_robin":
        return "round_robin"
    raise rule.error("escalation_rule_assignment_strategy", f"is {strategy!r}; known: assign_to_everyone, round_robin")


def _chain(
    policy: VendorObject, ids: Identifiers, people: _People, rotations: dict[str, str], notes: list[str]
) -> dict[str, Any]:
    source = policy.text("id")
    levels = []
    for i, rule in enumerate(policy.objects("escalation_rules"), 1):
        targets: list[dict[str, str]] = []
        for target in rule.objects("targets"):
            kind = target.choice("type", ("user", "user_reference", "schedule", "schedule_reference"))
            if kind.startswith("user"):
                targets.append({"person": people.reference(target, None)})
                continue
            schedule = target.text("id")
            if schedule not in rotations:
                raise target.unknown("id", "schedule", schedule, f"GET /schedules/{schedule}")
            targets.append({"rotation": rotations[schedule]})
        if not targets:
            raise rule.error("targets", "is empty; PagerDuty needs at least one target per rule")
        delay = rule.whole("escalation_delay_in_minutes", minimum=1)
        level: dict[str, Any] = {"name": f"rule {i} ({rule.text('id')})" if rule.has("id") else f"rule {i}"}
        level["targets"] = targets
        level["delay"] = duration(delay * 60)
        if _assignment(rule) == "round_robin":
            level["assignment"] = "round_robin"
        if i > 1:
            # Low-urgency incidents notify the first level and never escalate.
            level["when"] = {"tiers": ["high"]}
        levels.append(level)
    if not levels:
        raise policy.error("escalation_rules", "is empty; an escalation policy needs at least one rule")
    chain: dict[str, Any] = {"id": ids.of("chain", source), "name": policy.optional_text("name") or source}
    loops = policy.optional_whole("num_loops") or 0
    if loops > 20:
        raise policy.error("num_loops", f"is {loops}; Tabletop repeats a chain at most 20 times")
    # Low-urgency incidents do not loop either, and a chain's repeat would re-page its first level
    # for every tier: the loops are written out as further rounds of the rules, for tier high only.
    rounds = [
        {**copy.deepcopy(level), "name": f"{level['name']}, loop {n}", "when": {"tiers": ["high"]}}
        for n in range(1, loops + 1)
        for level in levels
    ]
    if loops:
        notes.append(
            f"escalation policy {source}: num_loops {loops} is written as {loops} more round(s) of its rules "
            "for tier high: low-urgency incidents neither escalate nor loop"
        )
    chain["levels"] = levels + rounds
    chain["on_empty"] = "skip"
    return chain


@dataclass(frozen=True)
class _Variant:
    """What a service changes about its escalation policy's chain."""

    support_hours: tuple[tuple[str, ...], str, str, str] | None
    ack_timeout: int | None


def _support_hours(service: VendorObject) -> tuple[tuple[str, ...], str, str, str]:
    hours = service.object("support_hours")
    tz = hours.time_zone("time_zone")
    days = hours.get("days_of_week")
    if not isinstance(days, list) or not days or not all(isinstance(d, int) and 1 <= d <= 7 for d in days):
        raise hours.error("days_of_week", f"must list days 1 (Monday) to 7 (Sunday), got {days!r}")
    times = []
    for key in ("start_time", "end_time"):
        text = hours.text(key)
        parts = text.split(":")
        if len(parts) not in (2, 3) or not all(p.isdigit() for p in parts) or (len(parts) == 3 and int(parts[2])):
            raise hours.error(key, f"is '{text}'; Tabletop windows start and end on a whole minute (HH:mm:00)")
        times.append(f"{int(parts[0]):02d}:{int(parts[1]):02d}")
    return tuple(WEEKDAYS[d - 1] for d in sorted(set(days))), times[0], times[1], tz.key


def _urgency(rule: VendorObject, field_name: str) -> str:
    nested = rule.object(field_name)
    return nested.choice("urgency", ("high", "low", "severity_based"))


def _service_terms(service: VendorObject, notes: list[str]) -> tuple[str, _Variant]:
    """The tier of a service's incidents and the variant of its chain."""
    source = service.text("id")
    rule = service.optional_object("incident_urgency_rule")
    hours = None
    tier = "high"
    if rule is not None:
        kind = rule.choice("type", ("constant", "use_support_hours"))
        if kind == "constant":
            urgency = rule.choice("urgency", ("high", "low", "severity_based"))
        else:
            during, outside = _urgency(rule, "during_support_hours"), _urgency(rule, "outside_support_hours")
            if during == outside:
                urgency = during
            elif (during, outside) == ("high", "low"):
                urgency = "high"
                hours = _support_hours(service)
                days, opens, closes, tz = hours
                notes.append(
                    f"service {source}: high urgency in support hours ({','.join(days)} {opens}–{closes} {tz}), "
                    "low outside: imported as tier high whose levels after the first page only inside support hours; "
                    "incidents outside support hours still count against tier high's targets"
                )
            else:
                raise rule.error(
                    "outside_support_hours",
                    f"makes incidents {outside} urgency outside support hours and {during} inside; "
                    "Tabletop can only express escalation inside a window, not outside it",
                )
        if urgency == "severity_based":
            notes.append(
                f"service {source}: urgency follows each alert's severity; imported as tier high (critical and "
                "error alerts); give incident types of warning or info alerts tier: low in the scenario"
            )
            urgency = "high"
        tier = urgency
    timeout = service.get("acknowledgement_timeout")
    if timeout is not None:
        timeout = service.whole("acknowledgement_timeout", minimum=1)
        notes.append(
            f"service {source}: PagerDuty re-triggers an acknowledged incident after {duration(timeout)} unresolved; "
            f"imported as stop_on: resolve with repage_after: {duration(timeout)} (Tabletop re-pages the next level "
            "when an acknowledged incident makes no progress for that long)"
        )
    if service.has("auto_resolve_timeout"):
        notes.append(f"service {source}: auto_resolve_timeout is not simulated; incidents end when their work is done")
    if service.get("scheduled_actions"):
        notes.append(
            f"service {source}: scheduled_actions (urgency changes at support-hours boundaries) are not imported"
        )
    if service.get("status") == "disabled":
        notes.append(f"service {source} is disabled in PagerDuty; it is imported and routed as if enabled")
    return tier, _Variant(hours, timeout)


def _variant_chain(base: dict[str, Any], variant: _Variant, chain_id: str, service_name: str) -> dict[str, Any]:
    chain = copy.deepcopy(base)
    chain["id"] = chain_id
    chain["name"] = f"{base['name']} (for {service_name})"
    if variant.support_hours is not None:
        days, opens, closes, tz = variant.support_hours
        for level in chain["levels"][1:]:
            level["when"] = {**level["when"], "days": list(days), "window": {"start": opens, "end": closes}}
            level["when"]["time_zone"] = tz
    if variant.ack_timeout is not None:
        chain["stop_on"] = "resolve"
        chain["repage_after"] = duration(variant.ack_timeout)
    return chain


def _owner(service: VendorObject, policy: VendorObject) -> str | None:
    for obj in (service, policy):
        for team in obj.objects("teams", required=False):
            return team.text("id")
    return None


def _routing(
    found: list[VendorObject],
    *,
    policies: list[VendorObject],
    chains: dict[str, dict[str, Any]],
    teams: dict[str, StarterTeam],
    rotations: list[dict[str, Any]],
    ids: Identifiers,
    notes: list[str],
) -> tuple[list[StarterService], list[dict[str, Any]], dict[str, dict[str, Any]]]:
    """Services with their routes, and the chains they use (a service's terms may vary its policy's chain)."""
    services: list[StarterService] = []
    routes: list[dict[str, Any]] = []
    variants: dict[tuple[str, _Variant], str] = {}
    used: dict[str, dict[str, Any]] = {}
    for service in found:
        source = service.text("id")
        reference = service.object("escalation_policy")
        ep = reference.text("id")
        if ep not in chains:
            raise reference.unknown("id", "escalation policy", ep, f"GET /escalation_policies/{ep}")
        tier, variant = _service_terms(service, notes)
        base = chains[ep]
        chain_id = base["id"]
        if variant != _Variant(None, None):
            if (ep, variant) not in variants:
                variants[ep, variant] = ids.of("chain", f"{ep}.{source}")
                name = service.optional_text("name") or source
                used[variants[ep, variant]] = _variant_chain(base, variant, variants[ep, variant], name)
            chain_id = variants[ep, variant]
        else:
            used[chain_id] = base
        owner = _owner(service, next(p for p in policies if p.text("id") == ep))
        team = service_owner(teams, owner, base, rotations, lambda key: ids.of("team", key))
        service_id = ids.of("service", source)
        services.append(StarterService(service_id, service.optional_text("name") or source, team, tier))
        routes.append({"chain": chain_id, "services": [service_id]})
    if not services:
        notes.append(
            "no services given: each escalation policy gets a placeholder service routed to it in scenario.yaml"
        )
        for ep, chain in chains.items():
            team = service_owner(teams, None, chain, rotations, lambda key: ids.of("team", key))
            service_id = ids.of("service", f"{ep}-service")
            services.append(StarterService(service_id, f"Service paging {chain['name']}", team, "high"))
            routes.append({"chain": chain["id"], "services": [service_id]})
            used[chain["id"]] = chain
    return services, routes, used


def translate(paths: list[Path], *, policy_id: str, start: datetime) -> Translation:
    """Translate PagerDuty JSON files into a policy and a starter scenario (``start`` is the scenario's start)."""
    export = _read(paths)
    notes = list(export.notes)
    ids = Identifiers()
    people = _People(ids)
    for user in export.of("user"):
        people.user(user)
    schedules = export.of("schedule")
    rotation_ids = {s.text("id"): ids.of("rotation", s.text("id")) for s in schedules}
    rotations = [_rotation(s, ids, people, notes) for s in schedules]
    policies = export.of("escalation policy")
    if not policies:
        raise InputError(
            f"no escalation policy in {', '.join(map(str, paths))}; add GET /escalation_policies "
            "(the policies say who is paged; schedules alone page nobody)"
        )
    chains = {p.text("id"): _chain(p, ids, people, rotation_ids, notes) for p in policies}
    for policy in policies:
        if policy.get("on_call_handoff_notifications") == "always":
            notes.append(f"escalation policy {policy.text('id')}: on-call handoff notifications are not simulated")
    services, routes, used_chains = _routing(
        export.of("service"),
        policies=policies,
        chains=chains,
        teams=people.teams,
        rotations=rotations,
        ids=ids,
        notes=notes,
    )
    for ep, chain in chains.items():
        if chain["id"] not in used_chains:
            used_chains[chain["id"]] = chain
            notes.append(f"escalation policy {ep} is used by no service given; it is imported but nothing routes to it")
    if people.unnamed:
        zoneless = ""
        if people.zoneless:
            listed = ", ".join(sorted(people.zoneless))
            zoneless = f"; {listed}, in no schedule, {'is' if len(people.zoneless) == 1 else 'are'} placed in UTC"
        notes.append(
            f"{len(people.unnamed)} people have no user object (add GET /users to the import): they are named after "
            f"PagerDuty's summary and placed in their schedule's time zone{zoneless}"
        )
    notes += ids.notes()
    return assemble(
        VENDOR,
        paths,
        policy_id=policy_id,
        description=(
            f"{len(chains)} escalation policies, {len(rotations)} schedules and {len(services)} services "
            f"imported from {VENDOR}; PagerDuty ids are kept as Tabletop ids."
        ),
        body={
            "time_zone": rotations[0]["time_zone"] if rotations else "UTC",
            "tiers": TIERS,
            "rotations": rotations,
            "escalation_chains": list(used_chains.values()),
            "routing": routes,
        },
        start=start,
        people=people.people,
        teams=people.teams.values(),
        services=services,
        notes=notes,
    )
