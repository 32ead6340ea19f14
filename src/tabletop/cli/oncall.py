"""``tabletop oncall [SCENARIO] --policy POLICY --at DATETIME``: who is on call at an instant."""

from __future__ import annotations

import argparse
import json
from datetime import datetime, timedelta
from typing import Any

from tabletop.errors import InputError
from tabletop.policies.loading import load_pair, load_policy
from tabletop.policies.roster import RosterCalendar
from tabletop.scenarios.model import Scenario
from tabletop.spec.fields import read_datetime, require_offset, zone


def register(commands: Any) -> None:
    """Add the subcommand to the parser."""
    parser = commands.add_parser(
        "oncall",
        help="show who is on call at an instant",
        description=(
            "Show who is on call for every rotation and level of a policy at an instant. "
            "The scenario is optional; it adds people's names and local times. "
            "SCENARIO and POLICY are file paths or names of bundled library files."
        ),
    )
    parser.add_argument("scenario", nargs="?", metavar="SCENARIO", help="scenario file or library name")
    parser.add_argument("--policy", required=True, metavar="POLICY", help="policy file or library name")
    parser.add_argument(
        "--at",
        required=True,
        metavar="DATETIME",
        help="ISO-8601 instant with offset, e.g. 2027-03-14T06:30:00Z or 2027-03-14T02:30-04:00",
    )
    parser.add_argument("--json", action="store_true", help="print a JSON document instead of a table")
    parser.set_defaults(handler=run)


#: The years an instant given on the command line may fall in: a roster window or horizon around
#: them stays inside the dates Python can represent.
INSTANT_YEARS = (1900, 2999)


def check_instant(value: datetime, text: str, option: str) -> datetime:
    """``value``, read from ``text`` given to ``option``, unless it falls outside :data:`INSTANT_YEARS`."""
    first, last = INSTANT_YEARS
    if not first <= value.year <= last:
        raise InputError(f"{option} {text} is outside the years {first}–{last} Tabletop works out rosters for")
    return value


def parse_instant(text: str, option: str = "--at") -> datetime:
    """An aware datetime from a command-line option such as --at."""
    try:
        value = require_offset(read_datetime(text, "2027-03-14T06:30:00Z"))
    except ValueError as exc:
        raise InputError(f"{option} {exc}") from None
    return check_instant(value, text, option)


def _person_label(person_id: str, scenario: Scenario | None, at: datetime) -> str:
    if scenario is None:
        return person_id
    person = scenario.person(person_id)
    local = at.astimezone(zone(person.time_zone))
    return f"{person.name} ({person_id}, {local:%a %H:%M} {person.time_zone})"


def run(args: argparse.Namespace) -> int:
    """Print the on-call table or JSON document."""
    at = parse_instant(args.at)
    if args.scenario:
        scenario, policy = load_pair(args.scenario, args.policy)
    else:
        scenario, policy = None, load_policy(args.policy)
    calendar = RosterCalendar(policy, at - timedelta(days=1), at + timedelta(days=35))
    on_call = calendar.who_is_on_call(at)
    if args.json:
        print(json.dumps({"at": at.isoformat(), "rotations": on_call}, indent=2))
        return 0
    print(f"On call at {at.isoformat()} — policy '{policy.id}'")
    if not on_call:
        print("  (the policy has no rotations)")
    width = max((len(f"{r} / {lvl}") for r, levels in on_call.items() for lvl in levels), default=0)
    for rotation, levels in on_call.items():
        for level, people in levels.items():
            label = f"{rotation} / {level}".ljust(width)
            who = ", ".join(_person_label(p, scenario, at) for p in people) or "— nobody (coverage gap)"
            upcoming = calendar.next_on_call(rotation, level, at.timestamp())
            after = ""
            if upcoming is not None:
                person, start = upcoming
                begins = datetime.fromtimestamp(start, at.tzinfo)
                # Named like whoever is on call now, with their own local time when the turn begins.
                after = f"   next: {_person_label(person, scenario, begins)} at {begins:%a %d %b %H:%M %Z}"
            print(f"  {label}  {who}{after}")
    return 0
