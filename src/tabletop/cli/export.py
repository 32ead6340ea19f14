"""``tabletop export ical [SCENARIO] --policy POLICY --rotation ID``: a rotation as an iCalendar file."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from tabletop.cli.arguments import output_file
from tabletop.cli.oncall import check_instant, parse_instant
from tabletop.errors import InputError
from tabletop.policies.calendar_export import on_call_calendar
from tabletop.policies.loading import load_pair, load_policy
from tabletop.policies.roster import RosterCalendar, rotation_zone
from tabletop.spec.suggest import did_you_mean, one_of


def register(commands: Any) -> None:
    """Add the subcommand to the parser."""
    parser = commands.add_parser(
        "export",
        help="export a rotation as an iCalendar file",
        description="Export on-call data for other tools.",
    )
    formats = parser.add_subparsers(dest="format", metavar="FORMAT", required=True)
    ical = formats.add_parser(
        "ical",
        help="a rotation level's on-call shifts as an iCalendar (.ics) file",
        description=(
            "Write the on-call shifts of one rotation level between two dates as an iCalendar file: one event per "
            "shift, in UTC, titled with the person (their name when a scenario is given), with UIDs that stay the "
            "same from one export to the next. A date means midnight in the rotation's time zone."
        ),
    )
    ical.add_argument("scenario", nargs="?", metavar="SCENARIO", help="scenario file or library name, for names")
    ical.add_argument("--policy", required=True, metavar="POLICY", help="policy file or library name")
    ical.add_argument("--rotation", required=True, metavar="ID", help="rotation id")
    ical.add_argument("--level", default="primary", metavar="LEVEL", help="rotation level (default primary)")
    ical.add_argument("--from", dest="start", required=True, metavar="DATE", help="first day (or instant with offset)")
    ical.add_argument("--to", dest="end", required=True, metavar="DATE", help="end day, exclusive (or instant)")
    ical.add_argument("--out", type=output_file, metavar="FILE", help="file to write (default: standard output)")
    ical.set_defaults(handler=run)


def _boundary(text: str, option: str, tz: ZoneInfo) -> datetime:
    try:
        day = date.fromisoformat(text)
    except ValueError:
        return parse_instant(text, option)
    return check_instant(datetime.combine(day, time(), tzinfo=tz), text, option)


def run(args: argparse.Namespace) -> int:
    """Write the calendar."""
    if args.scenario:
        scenario, policy = load_pair(args.scenario, args.policy)
        names = {p.id: p.name for p in scenario.people}
    else:
        policy, names = load_policy(args.policy), {}
    rotations = {r.id: r for r in policy.rotations}
    if args.rotation not in rotations:
        hint = did_you_mean(args.rotation, rotations) or f"; rotations: {one_of(rotations)}"
        raise InputError(f"--rotation: policy '{policy.id}' has no rotation '{args.rotation}'{hint}")
    rotation = rotations[args.rotation]
    if args.level not in rotation.levels:
        hint = did_you_mean(args.level, rotation.levels) or f"; levels: {one_of(rotation.levels)}"
        raise InputError(f"--level: rotation '{rotation.id}' has no level '{args.level}'{hint}")
    tz = rotation_zone(rotation, policy)
    start, end = _boundary(args.start, "--from", tz), _boundary(args.end, "--to", tz)
    if end <= start:
        raise InputError(f"--to {args.end} is not after --from {args.start}")
    intervals = RosterCalendar(policy, start, end).intervals(rotation.id, args.level)
    title = f"{rotation.name or rotation.id} ({args.level}) — {policy.name}"
    document = on_call_calendar(policy.id, title, intervals, names, datetime.now(UTC).replace(microsecond=0))
    if args.out is None:
        sys.stdout.write(document.decode("utf-8"))
    else:
        args.out.write_bytes(document)
        print(f"{args.out}: {len(intervals)} shifts of {rotation.id}/{args.level}", file=sys.stderr)
    return 0
