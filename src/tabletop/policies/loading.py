"""Load policy files, from a path or by library name, optionally checked against a scenario."""

from __future__ import annotations

from pathlib import Path

from tabletop.errors import Problem, SpecError
from tabletop.policies.model import Policy
from tabletop.policies.references import check_policy, check_scenario_tiers
from tabletop.scenarios.loading import read_scenario
from tabletop.scenarios.model import Scenario
from tabletop.spec.library import resolve, shown_path
from tabletop.spec.loading import read_model, require
from tabletop.spec.yaml_source import SourceDocument

#: The bundled example policies.
LIBRARY = Path(__file__).parent / "library"


def read_policy(
    argument: str | Path, scenario: Scenario | None = None
) -> tuple[Policy | None, SourceDocument | None, list[Problem]]:
    """Read a policy by path or library name; with a scenario, its people, teams and services are checked too."""
    path = policy_path(argument)
    return read_model(path, Policy, lambda p: check_policy(p, scenario), display=shown_path(argument, path))


def policy_path(argument: str | Path) -> Path:
    """The file a policy argument names: a path, or a bundled library policy."""
    return resolve(str(argument), LIBRARY, "policy")


def load_policy(argument: str | Path) -> Policy:
    """Load and check a policy on its own; raises SpecError."""
    return require(read_policy(argument))


def pair_problems(policy: Policy, scenario: Scenario, scenario_document: SourceDocument) -> list[Problem]:
    """Problems in the scenario that only show against this policy: tiers it does not define."""
    return [scenario_document.problem(f.path, f.message, key=f.at_key) for f in check_scenario_tiers(policy, scenario)]


def load_pair(scenario_argument: str | Path, policy_argument: str | Path) -> tuple[Scenario, Policy]:
    """Load a scenario and a policy and check them against each other; raises SpecError with every problem."""
    scenario, policy, _ = load_pair_with_source(scenario_argument, policy_argument)
    return scenario, policy


def load_pair_with_source(
    scenario_argument: str | Path, policy_argument: str | Path
) -> tuple[Scenario, Policy, SourceDocument]:
    """:func:`load_pair`, and the policy's source document to locate findings in."""
    scenario, scenario_document, problems = read_scenario(scenario_argument)
    if scenario is None or scenario_document is None:
        raise SpecError(problems)
    policy, document, problems = read_policy(policy_argument, scenario)
    if policy is not None:
        problems = pair_problems(policy, scenario, scenario_document)
    elif document is not None and isinstance(document.data, dict):
        written_for = document.data.get("scenario")
        if isinstance(written_for, str) and written_for != scenario.id and problems:
            message = f"this policy is written for scenario '{written_for}' and is played here against '{scenario.id}'"
            problems = [document.problem(("scenario",), message), *problems]
    if policy is None or document is None or problems:
        raise SpecError(problems)
    return scenario, policy, document
