"""Opsgenie (API v2: escalations, schedules with rotations, users, teams) translated into a policy.

Opsgenie's meaning is kept, not only its fields:

- the rotations of a schedule add up: everyone on call in any of them is notified, so
  each rotation becomes its own level of the schedule's rotation, and a rule notifying
  the schedule pages all of those levels together;
- a rule's delay counts from the start of the escalation, so rules become levels in
  order of delay, each level's delay the gap to the next rule; rules due at the same time
  share a level; a rule notifying nobody still lets the time run (``on_empty: wait``);
- ``repeat`` runs the rules again ``count`` times after ``waitInterval``;
- ``if-not-closed`` rules keep escalating after acknowledgement (``stop_on: resolve``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from tabletop.errors import InputError
from tabletop.policies.importers.starter_scenario import StarterService, StarterTeam, service_owner
from tabletop.policies.importers.translation import (
    STEP_PACE,
    Identifiers,
    Translation,
    assemble,
    duration,
    time_of_day,
)
from tabletop.policies.importers.vendor_json import VendorObject, one_page_note, read_json, unwrap

VENDOR = "Opsgenie"
_UNIT_SECONDS = {"minutes": 60, "hours": 3600, "days": 86_400}
_TURN_UNIT = {"hourly": "h", "daily": "d", "weekly": "w"}
_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
TIERS = [
    {"id": f"P{n}", "name": name} for n, name in enumerate(("Critical", "High", "Moderate", "Low", "Informational"), 1)
]
#: Opsgenie gives alerts priority P3 unless told otherwise.
DEFAULT_TIER = "P3"


def _kind(obj: VendorObject) -> str:
    data = obj.data
    if isinstance(data.get("rules"), list):
        return "escalation"
    if "rotations" in data or "enabled" in data:
        return "schedule"
    if "username" in data:
        return "user"
    if "members" in data or set(data) <= {"id", "name", "description"}:
        return "team"
    raise InputError(
        f"{obj.where}: cannot tell what this object is; expected an escalation, schedule (with ?expand=rotation), "
        "user or team from the Opsgenie API v2"
    )


@dataclass
class _Export:
    objects: dict[str, dict[str, VendorObject]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def of(self, kind: str) -> list[VendorObject]:
        return list(self.objects.get(kind, {}).values())


def _read(paths: list[Path]) -> _Export:
    export = _Export()
    for path in paths:
        document = read_json(path)
        paging = document.get("paging") if isinstance(document, dict) else None
        if isinstance(paging, dict) and paging.get("next"):
            export.notes.append(one_page_note(path, f"paging.next: {paging['next']}", "offset/limit"))
        for _, obj in unwrap(document, path, ("data",)):
            kind = _kind(obj)
            source = obj.text("id")
            name = obj.get("name") or obj.get("username") or ""
            export.objects.setdefault(kind, {})[source] = obj.named(
                f"{kind} {source}" + (f" ('{name}')" if name else "")
            )
    return export


class _People:
    """Opsgenie users by id and username, and team members."""

    def __init__(self, export: _Export, ids: Identifiers) -> None:
        self.ids = ids
        self.people: dict[str, dict[str, str]] = {}
        self.by_username: dict[str, str] = {}
        self.unnamed: set[str] = set()
        for user in export.of("user"):
            person = ids.of("person", user.text("id"))
            tz = user.time_zone("timeZone").key if user.has("timeZone") else "UTC"
            self.people[person] = {"name": user.optional_text("fullName") or user.text("username"), "time_zone": tz}
            self.by_username[user.text("username").lower()] = person
        self.teams: dict[str, StarterTeam] = {}
        for team in export.of("team"):
            members = [self.reference(m.object("user"), "UTC") for m in team.objects("members", required=False)]
            self.teams[team.text("id")] = StarterTeam(
                ids.of("team", team.text("id")), team.optional_text("name") or team.text("id"), members
            )

    def reference(self, ref: VendorObject, fallback_zone: str) -> str:
        """The person a ``{id, username}`` reference names."""
        if ref.has("id"):
            person = self.ids.of("person", ref.text("id"))
        elif ref.has("username") and ref.text("username").lower() in self.by_username:
            return self.by_username[ref.text("username").lower()]
        else:
            person = self.ids.of("person", ref.text("username"))
        if person not in self.people:
            self.people[person] = {
                "name": ref.optional_text("username") or ref.optional_text("name") or person,
                "time_zone": fallback_zone,
            }
            self.unnamed.add(person)
        return person


def _restrictions(rotation: VendorObject) -> list[dict[str, Any]]:
    restriction = rotation.optional_object("timeRestriction")
    if restriction is None:
        return []
    kind = restriction.choice("type", ("time-of-day", "weekday-and-time-of-day"))

    def clock(obj: VendorObject, prefix: str) -> str:
        hour, minute = obj.whole(f"{prefix}Hour"), obj.whole(f"{prefix}Min")
        if hour > 24 or minute > 59 or (hour == 24 and minute):
            raise obj.error(f"{prefix}Hour", f"{hour}:{minute:02d} is not a time of day")
        return time_of_day(hour, minute)

    if kind == "time-of-day":
        window = restriction.object("restriction")
        return [{"type": "daily", "start": clock(window, "start"), "end": clock(window, "end")}]
    out = []
    for window in restriction.objects("restrictions"):
        start_day, end_day = window.choice("startDay", _DAYS), window.choice("endDay", _DAYS)
        out.append(
            {
                "type": "weekly",
                "start_day": start_day[:3],
                "start": clock(window, "start"),
                "end_day": end_day[:3],
                "end": clock(window, "end"),
            }
        )
    return out


def _level(rotation: VendorObject, tz: str, people: _People) -> dict[str, Any]:
    participants = []
    for participant in rotation.objects("participants"):
        kind = participant.choice("type", ("user", "none", "team", "escalation"))
        if kind != "user":
            what = {"none": "an empty turn", "team": "a whole team's turn", "escalation": "an escalation's turn"}[kind]
            raise participant.error("type", f"is {kind} ({what}); Tabletop rotations take turns between people only")
        participants.append(people.reference(participant, tz))
    if not participants:
        raise rotation.error("participants", "is empty; a rotation needs at least one participant")
    unit = _TURN_UNIT[rotation.choice("type", tuple(_TURN_UNIT))]
    start, end = rotation.instant("startDate"), rotation.optional_instant("endDate")
    layer: dict[str, Any] = {
        "name": rotation.optional_text("name") or rotation.text("id"),
        "people": participants,
        "start": start.isoformat(),
        "turn": f"{rotation.optional_whole('length', minimum=1) or 1}{unit}",
    }
    if end is not None:
        if end <= start:
            raise rotation.error("endDate", f"{end.isoformat()} is not after its startDate {start.isoformat()}")
        layer["end"] = end.isoformat()
    restrictions = _restrictions(rotation)
    if restrictions:
        layer["restrictions"] = restrictions
    return {"layers": [layer]}


def _rotation(schedule: VendorObject, ids: Identifiers, people: _People, notes: list[str]) -> dict[str, Any]:
    tz = schedule.time_zone("timezone")
    rotations = schedule.objects("rotations", required=False)
    if not rotations:
        raise schedule.error("rotations", "is missing or empty; fetch the schedule with ?expand=rotation")
    levels = {}
    # Level ids are made from rotation names; that they differ from the names is expected, not a note.
    level_ids = Identifiers()
    for i, rotation in enumerate(rotations):
        level_id = level_ids.of("level", str(i), rotation.optional_text("name") or rotation.text("id"))
        levels[level_id] = _level(rotation, tz.key, people)
    source = schedule.text("id")
    if len(levels) > 1:
        notes.append(
            f"schedule {source}: its {len(levels)} rotations add up (everyone on call in any of them is notified); "
            f"imported as levels {', '.join(levels)} of one rotation, all paged together"
        )
    if schedule.get("enabled") is False:
        notes.append(f"schedule {source} is disabled in Opsgenie; it is imported as if enabled")
    return {
        "id": ids.of("rotation", source),
        "name": schedule.optional_text("name") or source,
        "time_zone": tz.key,
        "levels": levels,
    }


def _targets(
    rule: VendorObject, rotations: dict[str, dict[str, Any]], people: _People, notes: list[str]
) -> tuple[list[dict[str, str]], bool]:
    """The targets of one rule, and whether they take turns (a random team member)."""
    recipient = rule.object("recipient")
    kind = recipient.choice("type", ("user", "schedule", "team"))
    notify = rule.text("notifyType") if rule.has("notifyType") else "default"
    if kind == "user":
        return [{"person": people.reference(recipient, "UTC")}], False
    if kind == "schedule":
        source = recipient.text("id")
        if source not in rotations:
            raise recipient.unknown("id", "schedule", source, f"GET /v2/schedules/{source}?expand=rotation")
        rotation = rotations[source]
        if notify == "default":
            return [{"rotation": rotation["id"], "level": level} for level in rotation["levels"]], False
        if notify == "next":
            notes.append(f"{rule.where}: notifies the next on-call of each rotation (next_on_call targets)")
            return [{"next_on_call": rotation["id"], "level": level} for level in rotation["levels"]], False
        if notify == "all":
            everyone = {
                p for level in rotation["levels"].values() for layer in level["layers"] for p in layer["people"]
            }
            return [{"person": p} for p in sorted(everyone)], False
        raise rule.error(
            "notifyType",
            f"is {notify} for a schedule; Tabletop can page its current or next on-call (default, next) "
            "or everyone (all)",
        )
    source = recipient.text("id")
    team = people.teams.get(source)
    if team is None or not team.members:
        raise recipient.error(
            "id", f"names team {source}, whose members are not in the files given; add GET /v2/teams/{source}"
        )
    if notify == "all":
        return [{"team": team.id}], False
    if notify == "random":
        notes.append(
            f"{rule.where}: notifies a random member of team {source}; imported as members taking turns (round robin)"
        )
        return [{"team": team.id}], True
    raise rule.error(
        "notifyType",
        f"is {notify} for a team; Tabletop can page all members (all) or one of them (random), "
        "not the team's own escalation",
    )


def _chain(
    escalation: VendorObject, ids: Identifiers, rotations: dict[str, dict[str, Any]], people: _People, notes: list[str]
) -> dict[str, Any]:
    source = escalation.text("id")
    timed: list[tuple[int, list[dict[str, str]], bool]] = []
    conditions = set()
    for rule in escalation.objects("rules"):
        conditions.add(rule.choice("condition", ("if-not-acked", "if-not-closed")))
        delay = rule.object("delay")
        seconds = (
            delay.whole("timeAmount") * _UNIT_SECONDS[delay.choice("timeUnit", tuple(_UNIT_SECONDS))]
            if rule.has("delay")
            else 0
        )
        targets, round_robin = _targets(rule, rotations, people, notes)
        timed.append((seconds, targets, round_robin))
    if not timed:
        raise escalation.error("rules", "is empty; an escalation needs at least one rule")
    timed.sort(key=lambda item: item[0])
    if timed[0][0]:
        notes.append(
            f"{escalation.where}: its first rule waits {duration(timed[0][0])}; Tabletop pages the first level at once"
        )
    levels: list[dict[str, Any]] = []
    at: list[int] = []
    for seconds, targets, round_robin in timed:
        if levels and at[-1] == seconds and not round_robin and "assignment" not in levels[-1]:
            levels[-1]["targets"] += [t for t in targets if t not in levels[-1]["targets"]]
            continue
        level: dict[str, Any] = {"name": f"after {duration(seconds)}" if seconds else "at once", "targets": targets}
        if round_robin:
            level["assignment"] = "round_robin"
        levels.append(level)
        at.append(seconds)
    for level, start, following in zip(levels, at, at[1:], strict=False):
        level["delay"] = duration(following - start) if following > start else STEP_PACE
    chain: dict[str, Any] = {
        "id": ids.of("chain", source),
        "name": escalation.optional_text("name") or source,
        "levels": levels,
    }
    repeat = escalation.optional_object("repeat")
    count = repeat.optional_whole("count") or 0 if repeat is not None else 0
    if repeat is not None and count:
        if count > 20:
            raise repeat.error("count", f"is {count}; Tabletop repeats a chain at most 20 times")
        chain["repeat"] = count
        wait = repeat.optional_whole("waitInterval") or 0
        levels[-1]["delay"] = duration(wait * 60) if wait else STEP_PACE
        if repeat.get("closeAlertAfterAll"):
            notes.append(f"{escalation.where}: closeAlertAfterAll is not simulated; the escalation just ends")
    chain["on_empty"] = "wait"
    if "if-not-closed" in conditions:
        chain["stop_on"] = "resolve"
        mixed = " (the if-not-acked rules too, as Tabletop's stop_on is per chain)" if len(conditions) > 1 else ""
        notes.append(
            f"{escalation.where}: if-not-closed rules keep escalating after acknowledgement; imported as stop_on: "
            f"resolve{mixed}: Tabletop pages the next level when an acknowledged alert makes no progress for 30m"
        )
    return chain


def translate(paths: list[Path], *, policy_id: str, start: datetime) -> Translation:
    """Translate Opsgenie JSON files into a policy and a starter scenario (``start`` is the scenario's start)."""
    export = _read(paths)
    notes = list(export.notes)
    ids = Identifiers()
    people = _People(export, ids)
    rotations = {s.text("id"): _rotation(s, ids, people, notes) for s in export.of("schedule")}
    escalations = export.of("escalation")
    if not escalations:
        raise InputError(
            f"no escalation in {', '.join(map(str, paths))}; add GET /v2/escalations (escalations say who is paged)"
        )
    chains = {e.text("id"): _chain(e, ids, rotations, people, notes) for e in escalations}
    teams = dict(people.teams)
    services: list[StarterService] = []
    routes: list[dict[str, Any]] = []
    notes.append(
        "Opsgenie routes alerts with team routing rules, which are not imported: each escalation gets a placeholder "
        f"service (tier {DEFAULT_TIER}, Opsgenie's default priority) routed to it in scenario.yaml"
    )
    for escalation in escalations:
        chain = chains[escalation.text("id")]
        owner = escalation.optional_object("ownerTeam")
        team = service_owner(
            teams,
            owner.optional_text("id") if owner is not None else None,
            chain,
            list(rotations.values()),
            lambda key: ids.of("team", key),
        )
        service = ids.of("service", f"{escalation.text('id')}-alerts")
        services.append(StarterService(service, f"Alerts escalated by {chain['name']}", team, DEFAULT_TIER))
        routes.append({"chain": chain["id"], "services": [service]})
    notes.append(
        "schedule overrides (GET /v2/schedules/{id}/overrides) are not imported; add them to the levels by hand"
    )
    if people.unnamed:
        notes.append(
            f"{len(people.unnamed)} people have no user object (add GET /v2/users): named by username or id, in UTC"
        )
    notes += ids.notes()
    return assemble(
        VENDOR,
        paths,
        policy_id=policy_id,
        description=f"{len(chains)} escalations and {len(rotations)} schedules imported from {VENDOR}.",
        body={
            "tiers": TIERS,
            "rotations": list(rotations.values()),
            "escalation_chains": list(chains.values()),
            "routing": routes,
        },
        start=start,
        people=people.people,
        teams=teams.values(),
        services=services,
        notes=notes,
    )
