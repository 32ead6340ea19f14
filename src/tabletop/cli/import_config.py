"""``tabletop import VENDOR FILE… --out DIR``: a vendor's on-call configuration as a policy and starter scenario."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from tabletop.cli.arguments import identifier, output_folder, parse_horizon
from tabletop.cli.oncall import parse_instant
from tabletop.errors import SpecError
from tabletop.policies.importers import grafana_oncall, opsgenie, pagerduty
from tabletop.policies.importers.translation import Translation
from tabletop.policies.importers.yaml_output import write_translation
from tabletop.policies.loading import read_policy
from tabletop.scenarios.loading import read_scenario

#: Each vendor's display name and what its importer reads.
_VENDORS = {
    "pagerduty": (
        "PagerDuty",
        'PagerDuty REST v2 JSON as the API returns it: {"escalation_policies": […]}, {"schedule": {…}}, '
        '{"services": […]}, {"users": […]} and the like',
    ),
    "grafana-oncall": (
        "Grafana OnCall",
        "Grafana OnCall public API JSON (escalation chains, escalation policies, schedules, on-call shifts, "
        "users, integrations) and iCalendar (.ics) schedule files named after their schedule's id",
    ),
    "opsgenie": (
        "Opsgenie",
        'Opsgenie API v2 JSON ({"data": …}): escalations, schedules with rotations, users, teams',
    ),
}


def _next_monday() -> datetime:
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return today + timedelta(days=(7 - today.weekday()) % 7 or 7)


def register(commands: Any) -> None:
    """Add the subcommand to the parser."""
    parser = commands.add_parser(
        "import",
        help="import an on-call configuration from PagerDuty, Grafana OnCall or Opsgenie",
        description=(
            "Translate a vendor's on-call configuration into DIR/policy.yaml and a starter DIR/scenario.yaml "
            "(people with names and time zones, teams, services, placeholder incident types). What changed in "
            "translation is printed to stderr and kept as comments at the top of policy.yaml."
        ),
    )
    vendors = parser.add_subparsers(dest="vendor", metavar="VENDOR", required=True)
    for vendor, (title, what) in _VENDORS.items():
        sub = vendors.add_parser(vendor, help=f"import from {title}", description=f"Read {what}.")
        sub.add_argument("files", nargs="+", type=Path, metavar="FILE", help="exported files")
        sub.add_argument(
            "--out", required=True, type=output_folder, metavar="DIR", help="folder to write the files into"
        )
        sub.add_argument(
            "--id",
            type=identifier,
            default=vendor,
            metavar="ID",
            help=f"id of the policy and scenario (default {vendor})",
        )
        sub.add_argument(
            "--start",
            metavar="DATETIME",
            help="start of the starter scenario, ISO-8601 with offset (default: next Monday 00:00 UTC)",
        )
        if vendor == "grafana-oncall":
            sub.add_argument(
                "--horizon",
                default="90d",
                metavar="DURATION",
                help="how far from --start recurring shifts are expanded (default 90d)",
            )
        sub.set_defaults(handler=run)


def _translate(args: argparse.Namespace, start: datetime) -> Translation:
    if args.vendor == "pagerduty":
        return pagerduty.translate(args.files, policy_id=args.id, start=start)
    if args.vendor == "opsgenie":
        return opsgenie.translate(args.files, policy_id=args.id, start=start)
    return grafana_oncall.translate(args.files, policy_id=args.id, start=start, horizon=parse_horizon(args.horizon))


def run(args: argparse.Namespace) -> int:
    """Translate, write and re-read the files; print the notes to stderr."""
    start = parse_instant(args.start, "--start") if args.start else _next_monday()
    translation = _translate(args, start)
    command = f"tabletop import {args.vendor}"
    policy_path, scenario_path = write_translation(translation, args.out, command)
    # Read back what was written, as every other command will.
    scenario, _, problems = read_scenario(scenario_path)
    _, _, policy_problems = read_policy(policy_path, scenario)
    if problems or policy_problems:
        raise SpecError(problems + policy_problems)
    for note in translation.notes:
        print(f"note: {note}", file=sys.stderr)
    print(policy_path)
    print(scenario_path)
    print(
        f"next: tabletop validate {scenario_path} {policy_path}; tabletop lint {scenario_path} --policy {policy_path}",
        file=sys.stderr,
    )
    return 0
