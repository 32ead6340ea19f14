"""``tabletop validate FILE…``: check scenario and policy files and report every problem."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from tabletop.errors import Problem, SpecError
from tabletop.policies.loading import pair_problems, read_policy
from tabletop.policies.model import Policy
from tabletop.scenarios.loading import LIBRARY as SCENARIO_LIBRARY
from tabletop.scenarios.loading import read_scenario
from tabletop.scenarios.model import Scenario
from tabletop.spec.loading import KINDS
from tabletop.spec.suggest import did_you_mean
from tabletop.spec.yaml_source import SourceDocument, load_yaml


def register(commands: Any) -> None:
    """Add the subcommand to the parser."""
    parser = commands.add_parser(
        "validate",
        help="check scenario and policy files",
        description=(
            "Check scenario and policy files. Problems are printed as FILE:LINE:COL: message. "
            "A policy that names its scenario (scenario: ID) is also checked against it, "
            "taken from the files given or else from the library."
        ),
    )
    parser.add_argument("files", nargs="+", metavar="FILE", help="scenario or policy YAML files")
    parser.set_defaults(handler=run)


def _kind(path: str) -> tuple[str | None, list[Problem]]:
    document, problems = load_yaml(Path(path))
    if document is None or not isinstance(document.data, dict):
        return None, problems
    kind = document.data.get("kind")
    if kind in KINDS:
        return str(kind), []  # the reader of that kind reports the file's other problems
    if kind is None:
        message = "missing required key 'kind'; add kind: scenario or kind: policy at the top"
        return None, [*problems, document.problem((), message)]
    hint = did_you_mean(str(kind), KINDS)
    return None, [
        *problems,
        document.problem(("kind",), f"'{kind}' is not a kind of file; use scenario or policy{hint}"),
    ]


def _summary(model: Scenario | Policy) -> str:
    if isinstance(model, Scenario):
        return (
            f"scenario '{model.id}': {len(model.teams)} teams, {len(model.people)} people, "
            f"{len(model.services)} services, {len(model.incident_types)} incident types, {len(model.injects)} injects"
        )
    return (
        f"policy '{model.id}': {len(model.tiers)} tiers, {len(model.rotations)} rotations, "
        f"{len(model.escalation_chains)} escalation chains"
    )


def run(args: argparse.Namespace) -> int:
    """Validate every file; exit 2 if any has a problem."""
    problems: list[Problem] = []
    summaries: dict[str, str] = {}
    scenarios: dict[str, tuple[Scenario, SourceDocument]] = {}
    policies: list[str] = []
    for path in args.files:
        kind, found = _kind(path)
        problems.extend(found)
        if kind == "scenario":
            scenario, document, found = read_scenario(Path(path))
            problems.extend(found)
            if scenario is not None and document is not None:
                scenarios[scenario.id] = (scenario, document)
                summaries[path] = _summary(scenario)
        elif kind == "policy":
            policies.append(path)
    for path in policies:
        pair = None
        policy, _, found = read_policy(Path(path))
        if policy is not None and policy.scenario is not None:
            pair = scenarios.get(policy.scenario)
            if pair is None and (SCENARIO_LIBRARY / f"{policy.scenario}.yaml").exists():
                scenario, document, _ = read_scenario(SCENARIO_LIBRARY / f"{policy.scenario}.yaml")
                pair = (scenario, document) if scenario is not None and document is not None else None
            if pair is not None:
                policy, _, found = read_policy(Path(path), pair[0])
                if policy is not None:
                    found = pair_problems(policy, *pair)
        problems.extend(found)
        if policy is not None:
            if policy.scenario is None:
                against = ""
            elif pair is not None:
                against = f", checked against scenario '{policy.scenario}'"
            else:
                against = f"; scenario '{policy.scenario}' not given or not valid, so checked on its own"
            summaries[path] = _summary(policy) + against
    failed = {problem.file for problem in problems}
    for path in args.files:
        if path in summaries and path not in failed:
            print(f"{path}: ok ({summaries[path]})")
    if problems:
        raise SpecError(problems)
    print(f"{len(args.files)} file(s) valid", file=sys.stderr)
    return 0
