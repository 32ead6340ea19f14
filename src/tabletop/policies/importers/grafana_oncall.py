"""Grafana OnCall (escalation chains and steps, schedules from iCal or web shifts, integrations) as a policy.

Grafana OnCall's meaning is kept, not only its fields:

- a chain's steps run in ``position`` order; each notify step is a level, and the wait
  steps after it are that level's delay (steps with no wait between them run a few
  seconds apart, :data:`STEP_PACE`); a notify step with nobody on call still lets the
  following wait run out (``on_empty: wait``);
- ``notify_if_time_from_to`` windows are UTC: later levels get a ``when`` window in UTC;
- ``repeat_escalation`` restarts from the top at most 5 times (``repeat: 5``);
  ``resolve`` ends the chain; steps after either never run;
- schedules are expanded over the import horizon (recurring events through
  ``recurring-ical-events``); everyone on call at the highest ``[Lx]`` level is notified,
  so overlapping people become levels ``primary``, ``overlap-2``, … all paged together;
  overrides beat every level.
"""

from __future__ import annotations

import calendar as month_calendar
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import icalendar
import recurring_ical_events

from tabletop.errors import InputError
from tabletop.policies.importers.shift_timeline import Shift, rotation_levels
from tabletop.policies.importers.starter_scenario import StarterService, StarterTeam, service_owner
from tabletop.policies.importers.translation import (
    STEP_PACE,
    Identifiers,
    Translation,
    assemble,
    duration,
)
from tabletop.policies.importers.vendor_json import VendorObject, one_page_note, read_bytes, read_json
from tabletop.spec.fields import shown, zone

VENDOR = "Grafana OnCall"
#: Grafana repeats an escalation from the top at most this many times.
MAX_REPEATS = 5
#: Override shifts and override calendars beat every level.
_OVERRIDE = 1_000
_LEVEL_PREFIX = re.compile(r"^\s*\[L(\d+)\]\s*")
_SHIFT_TYPES = ("single_event", "recurrent_event", "rolling_users", "override")
_STEP_TYPES = (
    "wait",
    "notify_persons",
    "notify_person_next_each_time",
    "notify_on_call_from_schedule",
    "notify_team_members",
    "notify_user_group",
    "notify_whole_channel",
    "notify_if_time_from_to",
    "notify_if_num_alerts_in_window",
    "repeat_escalation",
    "resolve",
    "trigger_webhook",
    "declare_incident",
)
_WEEKDAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
TIERS = [{"id": "default", "name": "Every alert group"}]


@dataclass
class _Export:
    """Grafana OnCall objects by kind and id, and the iCalendar files by stem."""

    objects: dict[str, dict[str, VendorObject]] = field(default_factory=dict)
    calendars: dict[str, tuple[Path, icalendar.Calendar]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def of(self, kind: str) -> list[VendorObject]:
        return list(self.objects.get(kind, {}).values())

    def get(self, kind: str, source: str) -> VendorObject | None:
        return self.objects.get(kind, {}).get(source)


def _kind(obj: VendorObject) -> str:
    data = obj.data
    kind = data.get("type")
    if "escalation_chain_id" in data and kind is not None:
        return "step"
    if "integration_id" in data:
        return "route"
    if "default_route" in data:
        return "integration"
    if kind in _SHIFT_TYPES:
        return "shift"
    if kind in ("ical", "calendar", "web"):
        return "schedule"
    if "username" in data:
        return "user"
    if "avatar_url" in data:
        return "team"
    if kind is None and "name" in data and "id" in data:
        return "chain"
    raise InputError(
        f"{obj.where}: cannot tell what this object is; expected an escalation chain, escalation policy (step), "
        "schedule, on-call shift, user, team, integration or route from the Grafana OnCall public API"
    )


def _read(paths: list[Path]) -> _Export:
    export = _Export()
    for path in paths:
        if path.suffix.lower() == ".ics":
            data = read_bytes(path, "an iCalendar file")
            try:
                export.calendars[path.name[: -len(".ics")]] = (path, icalendar.Calendar.from_ical(data))
            except ValueError as exc:
                raise InputError(f"{path}: not a valid iCalendar file: {exc}") from None
            continue
        document = read_json(path)
        if isinstance(document, dict) and isinstance(document.get("results"), list):
            items = [VendorObject(item, f"{path}: results[{i}]") for i, item in enumerate(document["results"])]
            if document.get("next"):
                export.notes.append(one_page_note(path, f"next: {document['next']}", "?page=2, …"))
        elif isinstance(document, list):
            items = [VendorObject(item, f"{path}: [{i}]") for i, item in enumerate(document)]
        else:
            items = [VendorObject(document, str(path))]
        for obj in items:
            kind = _kind(obj)
            source = obj.text("id")
            name = obj.get("name") or obj.get("username") or ""
            label = f"{kind.replace('step', 'escalation policy (step)')} {source}" + (f" ('{name}')" if name else "")
            export.objects.setdefault(kind, {})[source] = obj.named(label)
    return export


class _People:
    """Grafana users by id, and how iCal event titles (usernames or emails) name them."""

    def __init__(self, users: list[VendorObject], ids: Identifiers) -> None:
        self.ids = ids
        self.people: dict[str, dict[str, str]] = {}
        self.by_name: dict[str, str] = {}
        self.teams: dict[str, list[str]] = {}
        self.known = bool(users)
        self.unnamed: set[str] = set()
        self.unmatched: set[str] = set()
        for user in users:
            person = ids.of("person", user.text("id"))
            tz = user.time_zone("timezone").key if user.has("timezone") else "UTC"
            self.people[person] = {"name": user.optional_text("name") or user.text("username"), "time_zone": tz}
            self.by_name[user.text("username")] = person
            if user.has("email"):
                self.by_name[user.text("email").lower()] = person
            for team in user.texts("teams"):
                self.teams.setdefault(team, []).append(person)

    def by_id(self, source: str) -> str:
        person = self.ids.of("person", source)
        if person not in self.people:
            self.people[person] = {"name": source, "time_zone": "UTC"}
            self.unnamed.add(person)
        return person

    def titled(self, names: list[str], fallback_zone: str) -> list[str]:
        """People named in an iCal event; Grafana matches usernames exactly and emails in any case."""
        if not self.known:
            title = names[0]
            person = self.ids.of("person", title)
            self.people.setdefault(person, {"name": title, "time_zone": fallback_zone})
            return [person]
        found = [self.by_name.get(n) or self.by_name.get(n.lower()) for n in names]
        if not any(found):
            self.unmatched.add(names[0])
        return [p for p in dict.fromkeys(found) if p is not None]


def _calendar_zone(cal: icalendar.Calendar, fallback: str) -> ZoneInfo:
    name = cal.get("X-WR-TIMEZONE")
    if name is None:
        timezones = cal.walk("VTIMEZONE")
        name = timezones[0].get("TZID") if timezones else None
    try:
        return zone(str(name)) if name is not None else zone(fallback)
    except (ValueError, OSError, KeyError):
        return zone(fallback)


def _as_instant(value: date | datetime, tz: ZoneInfo) -> datetime:
    if not isinstance(value, datetime):
        return datetime.combine(value, datetime.min.time(), tzinfo=tz)
    return value if value.tzinfo is not None else value.replace(tzinfo=tz)


def _event_names(event: icalendar.Event) -> list[str]:
    names = []
    for key in ("SUMMARY", "DESCRIPTION", "ATTENDEE"):
        value = event.get(key)
        if isinstance(value, str) and value.strip():
            names.append(_LEVEL_PREFIX.sub("", str(value)).strip().removeprefix("mailto:"))
    return names


def _calendar_shifts(
    calendar: tuple[Path, icalendar.Calendar],
    tz: ZoneInfo,
    window: tuple[datetime, datetime],
    people: _People,
    *,
    override: bool,
) -> list[Shift]:
    """The shifts of an iCal schedule within the window; a calendar the iCal libraries cannot expand is an error."""
    path, cal = calendar
    try:
        return _expanded_shifts(cal, tz, window, people, override=override)
    except ZoneInfoNotFoundError as exc:
        reason = f"unknown time zone ({exc.args[0]})"
    except KeyError as exc:
        reason = f"an event has no {exc.args[0]}"
    except ValueError as exc:
        # Malformed DTSTART, DTEND or RRULE values: the libraries' errors are ValueErrors that say which.
        reason = str(exc)
    raise InputError(f"{path}: not an iCalendar schedule Tabletop can read: {reason}")


def _expanded_shifts(
    cal: icalendar.Calendar, tz: ZoneInfo, window: tuple[datetime, datetime], people: _People, *, override: bool
) -> list[Shift]:
    shifts = []
    for event in recurring_ical_events.of(cal).between(*window):
        names = _event_names(event)
        if not names:
            continue
        match = _LEVEL_PREFIX.match(str(event.get("SUMMARY", "")))
        priority = _OVERRIDE if override else int(match[1]) if match else 0
        start = _as_instant(event["DTSTART"].dt, tz)
        end = _as_instant(event["DTEND"].dt, tz) if "DTEND" in event else start + event["DURATION"].dt
        for person in people.titled(names, tz.key):
            shifts.append(Shift(start.timestamp(), end.timestamp(), person, priority))
    return shifts


def _naive(shift: VendorObject, key: str) -> datetime:
    text = shift.text(key)
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise shift.error(key, f"'{text}' is not an ISO-8601 date-time") from None
    return value.replace(tzinfo=None)


#: The recurrence limits of a shift, their iCal names and the values Grafana accepts in them.
_LIMITS: tuple[tuple[str, str, Callable[[Any], bool], str], ...] = (
    ("by_day", "byday", lambda v: v in _WEEKDAY_CODES, f"days {', '.join(_WEEKDAY_CODES)}"),
    ("by_month", "bymonth", lambda v: type(v) is int and 1 <= v <= 12, "months 1 to 12"),
    ("by_monthday", "bymonthday", lambda v: type(v) is int and 1 <= abs(v) <= 31, "days 1 to 31 or -31 to -1"),
)


def _rule(shift: VendorObject, interval: int, tz: ZoneInfo) -> dict[str, Any]:
    frequency = shift.choice("frequency", ("hourly", "daily", "weekly", "monthly"))
    rule: dict[str, Any] = {"freq": frequency.upper(), "interval": interval}
    # The values go into an RRULE as they are; a bad one would fail deep inside the iCal library.
    for key, name, allowed, known in _LIMITS:
        values = shift.get(key)
        if not values:
            continue
        if not isinstance(values, list):
            raise shift.error(key, f"must be a list of {known}, got {shown(values)}")
        for value in values:
            if not allowed(value):
                raise shift.error(key, f"holds {shown(value)}; it takes {known}")
        rule[name] = values
    if shift.has("week_start"):
        rule["wkst"] = shift.choice("week_start", _WEEKDAY_CODES)
    if shift.has("until"):
        rule["until"] = _naive(shift, "until").replace(tzinfo=tz).astimezone(UTC)
    return rule


def _event(start: datetime, length: timedelta, user: str, rule: dict[str, Any] | None) -> icalendar.Event:
    event = icalendar.Event()
    event.add("uid", f"{user}-{start.isoformat()}")
    event.add("summary", user)
    event.add("dtstart", start)
    event.add("dtend", start + length)
    if rule is not None:
        event.add("rrule", rule)
    return event


def _occurrences(shift: VendorObject, start: datetime, tz: ZoneInfo, interval: int) -> Iterator[datetime]:
    """When the shift's recurrence, every ``interval`` periods, has an occurrence from ``start`` on, in order."""
    cal = icalendar.Calendar()
    cal.add_component(_event(start, timedelta(seconds=1), "probe", _rule(shift, interval, tz)))
    for occurrence in recurring_ical_events.of(cal).after(start):
        begins: datetime = occurrence["DTSTART"].dt
        yield begins


def _turn_starts(shift: VendorObject, start: datetime, tz: ZoneInfo) -> Iterator[datetime]:
    """When each turn of a rolling-users shift begins, in order, as Grafana counts them.

    A turn is an hour, day, week (from ``week_start``) or month; each begins at the shift's
    first occurrence at or after the start of the period that follows the previous turn's.
    """
    occurrences = _occurrences(shift, start, tz, shift.optional_whole("interval", minimum=1) or 1)
    frequency = shift.text("frequency")
    week_start = _WEEKDAY_CODES.index(shift.text("week_start")) if shift.has("week_start") else 6
    turn: datetime | None = start
    while turn is not None:
        yield turn
        if frequency == "hourly":
            # An hour of elapsed time: the next hour on the wall clock may be the same hour again in autumn.
            following = (turn.astimezone(UTC) + timedelta(hours=1)).astimezone(tz)
        elif frequency == "daily":
            following = turn + timedelta(days=1)
        elif frequency == "weekly":
            following = turn + timedelta(days=(week_start - turn.weekday()) % 7 or 7)
        else:
            following = turn + timedelta(days=month_calendar.monthrange(turn.year, turn.month)[1] - turn.day + 1)
        turn = next((o for o in occurrences if o >= following), None)


def _rotation_start(shift: VendorObject, start: datetime, tz: ZoneInfo) -> datetime:
    """When a rolling-users shift's turns begin to count; Grafana moves it when a rotation is edited."""
    return _naive(shift, "rotation_start").replace(tzinfo=tz) if shift.has("rotation_start") else start


def _group_starts(
    shift: VendorObject, start: datetime, groups: int, tz: ZoneInfo, stop: datetime
) -> dict[int, datetime]:
    """When each group (by index) of a rolling-users shift first goes on call, if it does before ``stop``.

    Groups take turns in order. Turns that begin before ``rotation_start`` (Grafana moves it
    when a rotation is edited) are dropped without changing whose turn each is, so a group
    whose first turn is dropped begins with its next one.
    """
    rotation_start = _rotation_start(shift, start, tz)
    firsts: dict[int, datetime] = {}
    for k, turn in enumerate(_turn_starts(shift, start, tz)):
        if turn >= stop or len(firsts) == groups:
            break
        if turn >= rotation_start:
            firsts.setdefault(k % groups, turn)
    return firsts


def _daily_by_day_events(
    shift: VendorObject, start: datetime, groups: list[list[str]], *, people: _People, stop: datetime
) -> list[icalendar.Event]:
    """A daily rolling-users shift limited to some weekdays, one event per day before ``stop``.

    Grafana hands such a rotation from one selected day to the next, each group keeping it
    for ``interval`` selected days; the days left out do not count as turns.
    """
    tz = start.tzinfo
    assert isinstance(tz, ZoneInfo)
    length = timedelta(seconds=shift.whole("duration", minimum=1))
    interval = shift.optional_whole("interval", minimum=1) or 1
    rotation_start = _rotation_start(shift, start, tz)
    events = []
    for k, day in enumerate(_occurrences(shift, start, tz, 1)):
        if day >= stop:
            break
        if day >= rotation_start:
            events += [_event(day, length, people.by_id(u), None) for u in groups[(k // interval) % len(groups)]]
    return events


def _shift_events(
    shift: VendorObject, people: _People, fallback_zone: str, stop: datetime
) -> tuple[list[icalendar.Event], ZoneInfo]:
    """The iCal events of a web shift (recurring ones with their rule), and its zone; ``stop`` ends the expansion."""
    kind = shift.choice("type", _SHIFT_TYPES)
    tz = shift.time_zone("time_zone") if shift.has("time_zone") else zone(fallback_zone)
    start = _naive(shift, "start").replace(tzinfo=tz)
    length = timedelta(seconds=shift.whole("duration", minimum=1))
    interval = shift.optional_whole("interval", minimum=1) or 1
    events = []
    if kind == "rolling_users":
        groups = shift.get("rolling_users")
        if not isinstance(groups, list) or not groups or not all(isinstance(g, list) for g in groups):
            raise shift.error("rolling_users", f"must be a list of lists of user ids, got {shown(groups)}")
        for user in (u for g in groups for u in g):
            if not isinstance(user, str) or not user:
                raise shift.error("rolling_users", f"holds {shown(user)} where a user id belongs")
        first = shift.optional_whole("start_rotation_from_user_index") or 0
        groups = groups[first % len(groups) :] + groups[: first % len(groups)]
        if shift.get("frequency") == "daily" and shift.get("by_day"):
            return _daily_by_day_events(shift, start, groups, people=people, stop=stop), tz
        rolling = _rule(shift, interval * len(groups), tz)
        firsts = _group_starts(shift, start, len(groups), tz, stop)
        for g, group_start in sorted(firsts.items()):
            events += [_event(group_start, length, people.by_id(u), rolling) for u in groups[g]]
        return events, tz
    rule = _rule(shift, interval, tz) if kind == "recurrent_event" or shift.has("frequency") else None
    users = shift.texts("users")
    if not users:
        raise shift.error("users", "is empty; a shift needs at least one user")
    return [_event(start, length, people.by_id(u), rule) for u in users], tz


def _web_shifts(
    schedule: VendorObject, export: _Export, people: _People, window: tuple[datetime, datetime]
) -> list[Shift]:
    shifts = []
    fallback = schedule.time_zone("time_zone").key if schedule.has("time_zone") else "UTC"
    for shift_id in schedule.texts("shifts"):
        shift = export.get("shift", shift_id)
        if shift is None:
            raise schedule.unknown("shifts", "on-call shift", shift_id, "GET /api/v1/on_call_shifts/")
        events, tz = _shift_events(shift, people, fallback, window[1])
        cal = icalendar.Calendar()
        for event in events:
            cal.add_component(event)
        priority = _OVERRIDE if shift.get("type") == "override" else shift.optional_whole("level") or 0
        for occurrence in recurring_ical_events.of(cal).between(*window):
            start, end = _as_instant(occurrence["DTSTART"].dt, tz), _as_instant(occurrence["DTEND"].dt, tz)
            person = str(occurrence["SUMMARY"])
            shifts.append(Shift(start.timestamp(), end.timestamp(), person, priority))
    return shifts


def _rotations(
    export: _Export, people: _People, ids: Identifiers, window: tuple[datetime, datetime], notes: list[str]
) -> dict[str, dict[str, Any]]:
    """Rotations by Grafana schedule id (or .ics file stem for calendars without a schedule object)."""
    rotations: dict[str, dict[str, Any]] = {}
    stems = {stem for stem in export.calendars if not stem.endswith(".overrides")}
    sources: list[tuple[str, VendorObject | None]] = [(s.text("id"), s) for s in export.of("schedule")]
    sources += [(stem, None) for stem in sorted(stems) if export.get("schedule", stem) is None]
    for source, schedule in sources:
        fallback = schedule.time_zone("time_zone").key if schedule is not None and schedule.has("time_zone") else "UTC"
        tz = zone(fallback)
        shifts: list[Shift] = []
        kind = schedule.text("type") if schedule is not None else "ical"
        if source in export.calendars:
            tz = _calendar_zone(export.calendars[source][1], fallback)
            shifts += _calendar_shifts(export.calendars[source], tz, window, people, override=False)
        elif kind == "ical" and schedule is not None:
            raise schedule.error(
                "ical_url_primary", f"is a URL Tabletop cannot fetch; download it and pass it as {source}.ics"
            )
        if schedule is not None and kind in ("web", "calendar"):
            shifts += _web_shifts(schedule, export, people, window)
        if f"{source}.overrides" in export.calendars:
            shifts += _calendar_shifts(export.calendars[f"{source}.overrides"], tz, window, people, override=True)
        elif schedule is not None and schedule.has("ical_url_overrides"):
            notes.append(
                f"{schedule.where}: its overrides calendar (ical_url_overrides) is a URL Tabletop cannot fetch and "
                f"no {source}.overrides.ics was given; its overrides are not imported"
            )
        name = schedule.optional_text("name") if schedule is not None else None
        if not shifts:
            where = schedule.where if schedule is not None else str(export.calendars[source][0])
            raise InputError(
                f"{where}: nobody is on call between {window[0].date()} and {window[1].date()}; "
                "check the shifts, or --start and --horizon"
            )
        levels = rotation_levels(shifts, tz)
        if len(levels) > 1:
            notes.append(
                f"schedule {source}: up to {len(levels)} people are on call at once (overlapping shifts notify "
                f"everyone); imported as levels {', '.join(levels)}, all paged together"
            )
        rotations[source] = {
            "id": ids.of("rotation", source),
            "name": name or source,
            "time_zone": tz.key,
            "levels": levels,
        }
    if rotations:
        days = (window[1] - window[0]) / timedelta(days=1)
        notes.append(
            f"schedules are expanded from {window[0].date()} for {days:g} days (--start, --horizon); "
            "outside that window nobody is on call"
        )
    return rotations


def _schedule_targets(
    step: VendorObject, field_name: str, rotations: dict[str, dict[str, Any]]
) -> list[dict[str, str]]:
    source = step.text(field_name)
    if source not in rotations:
        raise step.unknown(field_name, "schedule", source, f"the schedule and its {source}.ics or shifts")
    return _rotation_targets(rotations[source])


def _rotation_targets(rotation: dict[str, Any]) -> list[dict[str, str]]:
    """Targets paging everyone on call in a rotation: one per level (the people on call at once)."""
    return [
        {"rotation": rotation["id"]} | ({"level": level} if level != "primary" else {}) for level in rotation["levels"]
    ]


@dataclass
class _ChainBuilder:
    """Walks a chain's steps in order, collecting levels, waits and the time window in force."""

    chain: VendorObject
    people: _People
    rotations: dict[str, dict[str, Any]]
    notes: list[str]
    levels: list[dict[str, Any]] = field(default_factory=list)
    waits: list[float] = field(default_factory=list)
    leading_wait: float = 0.0
    window: dict[str, Any] | None = None
    repeat: int = 0
    ended_by: str | None = None

    def step(self, step: VendorObject) -> None:
        kind = step.choice("type", _STEP_TYPES)
        position = step.get("position")
        if self.ended_by is not None:
            self.notes.append(f"{step.where}: comes after a {self.ended_by} step, so it never runs; not imported")
            return
        if kind == "wait":
            seconds = step.whole("duration", minimum=1)
            if self.levels:
                self.waits[-1] += seconds
            else:
                self.leading_wait += seconds
            return
        if kind in ("notify_persons", "notify_person_next_each_time"):
            field_name = "persons_to_notify" if kind == "notify_persons" else "persons_to_notify_next_each_time"
            users = step.texts(field_name)
            if not users:
                raise step.error(field_name, "is empty; the step notifies nobody")
            self._level([{"person": self.people.by_id(u)} for u in users], round_robin=kind != "notify_persons")
        elif kind == "notify_on_call_from_schedule":
            self._level(_schedule_targets(step, "notify_on_call_from_schedule", self.rotations))
        elif kind == "notify_team_members":
            team = step.text("notify_to_team_members")
            if not self.people.teams.get(team):
                raise step.error(
                    "notify_to_team_members", f"names team {team}, but no user given is in it; add GET /api/v1/users/"
                )
            self._level([{"team": self.people.ids.of("team", team)}])
        elif kind == "notify_if_time_from_to":
            self._time_window(step)
        elif kind == "repeat_escalation":
            self.repeat, self.ended_by = MAX_REPEATS, "repeat_escalation"
            self.notes.append(
                f"{step.where}: repeats the chain from the top at most {MAX_REPEATS} times (repeat: {MAX_REPEATS})"
            )
        elif kind == "resolve":
            self.ended_by = "resolve"
            self.notes.append(f"{step.where}: resolves the alert group; Tabletop ends the escalation here instead")
        elif kind in ("notify_user_group", "notify_if_num_alerts_in_window"):
            what = {
                "notify_user_group": "notifies a Slack user group, whose members Tabletop cannot know; "
                "use notify_persons or notify_team_members",
                "notify_if_num_alerts_in_window": "continues only after a number of alerts, "
                "which Tabletop does not simulate",
            }[kind]
            raise step.error("type", f"is {kind} (position {position}): it {what}")
        else:
            self.notes.append(f"{step.where}: {kind} pages no person and is not simulated")
        if step.get("important"):
            self.notes.append(
                f"{step.where}: 'important' notification rules are not distinguished; the page is the same"
            )

    def _level(self, targets: list[dict[str, str]], *, round_robin: bool = False) -> None:
        level: dict[str, Any] = {"name": f"step {len(self.levels) + 1}", "targets": targets}
        if round_robin:
            level["assignment"] = "round_robin"
        if self.window is not None:
            level["when"] = dict(self.window)
        self.levels.append(level)
        self.waits.append(0.0)

    def _time_window(self, step: VendorObject) -> None:
        if self.window is not None:
            raise step.error("type", "is a second notify_if_time_from_to step; Tabletop levels take one time window")
        times = []
        for key in ("notify_if_time_from", "notify_if_time_to"):
            text = step.text(key)
            parsed = re.fullmatch(r"(\d{2}):(\d{2})(?::(\d{2}))?(?:Z|\+00:00)?", text)
            if parsed is None or (parsed[3] and int(parsed[3])):
                raise step.error(key, f"is '{text}'; expected a UTC time on a whole minute such as 09:00:00Z")
            times.append(f"{parsed[1]}:{parsed[2]}")
        self.window = {"window": {"start": times[0], "end": times[1]}, "time_zone": "UTC"}
        self.notes.append(
            f"{step.where}: Grafana holds the escalation until {times[0]}–{times[1]} UTC and then goes on; "
            "Tabletop passes over the levels after it outside that UTC window"
        )

    def build(self, chain_id: str) -> dict[str, Any]:
        if self.leading_wait:
            self.notes.append(
                f"{self.chain.where}: waits {duration(self.leading_wait)} before its first notification; "
                "Tabletop pages the first level at once"
            )
        for level, wait in zip(self.levels, self.waits, strict=True):
            level["delay"] = duration(wait) if wait else STEP_PACE
        chain: dict[str, Any] = {
            "id": chain_id,
            "name": self.chain.optional_text("name") or chain_id,
            "levels": self.levels,
        }
        if self.repeat:
            chain["repeat"] = self.repeat
        chain["on_empty"] = "wait"
        return chain


def _chains(
    export: _Export, people: _People, ids: Identifiers, rotations: dict[str, dict[str, Any]], notes: list[str]
) -> dict[str, dict[str, Any]]:
    steps: dict[str, list[VendorObject]] = {}
    for step in export.of("step"):
        steps.setdefault(step.text("escalation_chain_id"), []).append(step)
    chains = {c.text("id"): c for c in export.of("chain")}
    for source in steps:
        if source not in chains:
            chains[source] = VendorObject({"id": source}, f"escalation chain {source}")
    out = {}
    for source, chain in chains.items():
        builder = _ChainBuilder(chain, people, rotations, notes)
        for step in sorted(steps.get(source, []), key=lambda s: s.optional_whole("position") or 0):
            builder.step(step)
        if not builder.levels:
            notes.append(f"{chain.where}: notifies nobody (no notify steps given); not imported")
            continue
        out[source] = builder.build(ids.of("chain", source))
    if not out and rotations:
        notes.append("no escalation chain given: each schedule gets a one-level chain paging whoever is on call in it")
        for source, rotation in rotations.items():
            levels = [{"targets": _rotation_targets(rotation)}]
            name = f"Page {rotation['name']}"
            out[source] = {"id": ids.of("chain", source), "name": name, "levels": levels, "on_empty": "wait"}
    if not out:
        raise InputError(
            "no escalation chain with a notify step and no schedule in the files given; "
            "add GET /api/v1/escalation_policies/"
        )
    return out


def translate(paths: list[Path], *, policy_id: str, start: datetime, horizon: timedelta) -> Translation:
    """Translate Grafana OnCall JSON and iCal files; recurring shifts are expanded over ``[start, start + horizon)``."""
    export = _read(paths)
    notes = list(export.notes)
    ids = Identifiers()
    people = _People(export.of("user"), ids)
    window = (start, start + horizon)
    rotations = _rotations(export, people, ids, window, notes)
    chains = _chains(export, people, ids, rotations, notes)
    team_names = {t.text("id"): t.optional_text("name") or t.text("id") for t in export.of("team")}
    teams = {
        source: StarterTeam(ids.of("team", source), team_names.get(source, source), members)
        for source, members in people.teams.items()
    }
    services: list[StarterService] = []
    routes: list[dict[str, Any]] = []
    routed: set[str] = set()
    for route in export.of("route"):
        if route.get("routing_regex") or route.get("routing_template"):
            notes.append(
                f"{route.where}: routes alerts matching their content to chain {route.get('escalation_chain_id')}; "
                "Tabletop cannot see alert content, so each integration's alerts go to its default route's chain"
            )
    for integration in export.of("integration"):
        default = integration.object("default_route")
        chain_source = default.optional_text("escalation_chain_id")
        if chain_source is None or chain_source not in chains:
            notes.append(f"{integration.where}: its default route pages no imported escalation chain; not imported")
            continue
        chain = chains[chain_source]
        owner = integration.optional_text("team_id")
        team = service_owner(teams, owner, chain, list(rotations.values()), lambda key: ids.of("team", key))
        name = integration.optional_text("name") or integration.text("id")
        services.append(StarterService(ids.of("service", integration.text("id")), name, team, "default"))
        routes.append({"chain": chains[chain_source]["id"], "services": [services[-1].id]})
        routed.add(chain_source)
    unrouted = [source for source in chains if source not in routed]
    if unrouted and not export.of("integration"):
        notes.append(
            "no integrations given: each escalation chain gets a placeholder service routed to it in scenario.yaml"
        )
    for source in unrouted:
        if export.of("integration"):
            notes.append(
                f"escalation chain {source} is the default of no integration given; "
                "a placeholder service is routed to it"
            )
        chain = chains[source]
        team = service_owner(teams, None, chain, list(rotations.values()), lambda key: ids.of("team", key))
        services.append(
            StarterService(ids.of("service", f"{source}-service"), f"Alerts paging {chain['name']}", team, "default")
        )
        routes.append({"chain": chains[source]["id"], "services": [services[-1].id]})
    if people.unmatched:
        notes.append(
            f"iCal events name {', '.join(sorted(people.unmatched))}, who match no username or email of the users "
            "given; Grafana notifies nobody for them either"
        )
    if people.unnamed:
        notes.append(f"{len(people.unnamed)} people have no user object (add GET /api/v1/users/): named by id, in UTC")
    notes += ids.notes()
    return assemble(
        VENDOR,
        paths,
        policy_id=policy_id,
        description=f"{len(chains)} escalation chains and {len(rotations)} schedules imported from {VENDOR}.",
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
