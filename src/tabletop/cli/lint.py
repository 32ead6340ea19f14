"""``tabletop lint [SCENARIO] --policy POLICY``: preflight findings with file locations and severities."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from typing import Any

from tabletop.cli.arguments import parse_horizon
from tabletop.cli.oncall import parse_instant
from tabletop.errors import Problem, SpecError
from tabletop.policies.lint import RULES, LintFinding, default_start, lint
from tabletop.policies.loading import load_pair_with_source, read_policy
from tabletop.policies.model import Policy
from tabletop.scenarios.model import Scenario
from tabletop.spec.yaml_source import SourceDocument


def register(commands: Any) -> None:
    """Add the subcommand to the parser."""
    rules = "; ".join(f"{name}: {what}" for name, what in RULES.items())
    parser = commands.add_parser(
        "lint",
        help="find problems in a policy before an incident does",
        description=(
            "Check a policy (and the scenario it plays) over a horizon and print findings as "
            f"FILE:LINE:COL: SEVERITY: message [rule]. Rules: {rules}. "
            "Exit 1 when there are errors, 0 with warnings only, 2 for bad input."
        ),
    )
    parser.add_argument("scenario", nargs="?", metavar="SCENARIO", help="scenario file or library name")
    parser.add_argument("--policy", required=True, metavar="POLICY", help="policy file or library name")
    parser.add_argument("--horizon", default="90d", metavar="DURATION", help="how far ahead to look (default 90d)")
    parser.add_argument(
        "--from",
        dest="start",
        metavar="DATETIME",
        help=(
            "start of the horizon (default: the scenario's start, else now or, if later, "
            "when every rotation level has had its first turn)"
        ),
    )
    parser.add_argument("--json", action="store_true", help="print a JSON list of findings")
    parser.set_defaults(handler=run)


def _located(finding: LintFinding, policy: SourceDocument) -> Problem:
    return policy.problem(finding.path, finding.message, key=finding.path[-1:] == ("id",))


def _load(args: argparse.Namespace) -> tuple[Scenario | None, Policy, SourceDocument]:
    """The scenario if given, the policy checked against it, and the policy's source to locate findings in."""
    if args.scenario:
        return load_pair_with_source(args.scenario, args.policy)
    policy, document, problems = read_policy(args.policy)
    if policy is None or document is None or problems:
        raise SpecError(problems)
    return None, policy, document


def run(args: argparse.Namespace) -> int:
    """Print the findings; exit 1 when any is an error."""
    horizon = parse_horizon(args.horizon)
    scenario, policy, policy_document = _load(args)
    if args.start:
        start = parse_instant(args.start, "--from")
    elif scenario is not None:
        start = scenario.start
    else:
        start = default_start(policy, datetime.now(UTC))
    findings = lint(policy, scenario, start, horizon)
    located = [(finding, _located(finding, policy_document)) for finding in findings]
    if args.json:
        rows = [
            {
                "file": p.file,
                "line": p.line,
                "column": p.column,
                "severity": f.severity,
                "rule": f.rule,
                "message": f.message,
            }
            for f, p in located
        ]
        print(json.dumps(rows, indent=2))
    else:
        for f, p in located:
            print(f"{p.file}:{p.line}:{p.column}: {f.severity}: {f.message} [{f.rule}]")
    errors = sum(f.severity == "error" for f in findings)
    end = start + horizon
    print(
        f"lint: {errors} error(s), {len(findings) - errors} warning(s) from {start:%Y-%m-%d %H:%M %Z} "
        f"to {end:%Y-%m-%d %H:%M %Z}",
        file=sys.stderr,
    )
    return 1 if errors else 0
