"""What every importer produces: a policy, a starter scenario and the notes on what changed in translation."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from tabletop.errors import InputError
from tabletop.policies.importers.starter_scenario import StarterService, StarterTeam, starter_scenario
from tabletop.policies.model import Policy
from tabletop.policies.references import check_policy, check_scenario_tiers
from tabletop.scenarios.model import Scenario
from tabletop.scenarios.references import check_scenario
from tabletop.spec.references import Finding

#: Vendors run steps that follow each other without a wait a few seconds apart; Tabletop levels need a delay.
STEP_PACE = "5s"

_NOT_ID = re.compile(r"[^A-Za-z0-9_.\-]+")


@dataclass
class Translation:
    """A vendor configuration translated into a policy and a starter scenario, with what changed on the way."""

    vendor: str
    sources: list[str]
    policy: dict[str, Any]
    scenario: dict[str, Any]
    notes: list[str] = field(default_factory=list)


class Identifiers:
    """Vendor ids made into Tabletop ids (letters, digits, ``-``, ``_``, ``.``), unique per kind and stable."""

    def __init__(self) -> None:
        self._ids: dict[tuple[str, str], str] = {}
        self._taken: dict[str, set[str]] = {}
        self.changed: dict[str, list[tuple[str, str]]] = {}

    def of(self, kind: str, source: str, name: str | None = None) -> str:
        """The Tabletop id of the vendor object ``source`` of this kind (a person, rotation, chain, …).

        The id is made from ``name`` when given (objects that share a name still get an id each), else from ``source``.
        """
        key = (kind, source)
        if key not in self._ids:
            original = source if name is None else name
            base = _NOT_ID.sub("-", original).strip("-_.")[:80] or kind
            candidate, n = base, 1
            taken = self._taken.setdefault(kind, set())
            while candidate in taken:
                n += 1
                candidate = f"{base[: 80 - len(str(n)) - 1]}-{n}"
            taken.add(candidate)
            self._ids[key] = candidate
            if candidate != original:
                self.changed.setdefault(kind, []).append((original, candidate))
        return self._ids[key]

    def notes(self) -> list[str]:
        """One note per kind whose ids had to change."""
        out = []
        for kind, pairs in self.changed.items():
            examples = ", ".join(f"'{a}' → '{b}'" for a, b in pairs[:3])
            more = f" and {len(pairs) - 3} more" if len(pairs) > 3 else ""
            out.append(
                f"{len(pairs)} {kind} id(s) changed to fit Tabletop ids (letters, digits, '-', '_', '.'): "
                f"{examples}{more}; names keep the originals"
            )
        return out


def duration(seconds: float) -> str:
    """A duration as Tabletop writes it: ``90s``, ``15m``, ``8h``, ``1d``, ``1h30m``."""
    whole = round(seconds)
    if whole != seconds or whole % 60:
        return f"{seconds:g}s"
    minutes = whole // 60
    parts = []
    for unit, size in (("w", 10080), ("d", 1440), ("h", 60), ("m", 1)):
        if minutes >= size and (unit != "w" or minutes % size == 0):
            parts.append(f"{minutes // size}{unit}")
            minutes %= size
    return "".join(parts) or "0m"


def time_of_day(hour: int, minute: int) -> str:
    """A quoted-in-YAML local time of day, ``HH:MM``."""
    return f"{hour:02d}:{minute:02d}"


def _findings(findings: list[Finding], file: str) -> list[str]:
    return [f"{file}: {'.'.join(map(str, f.path))}: {f.message}" for f in findings]


def _validation(exc: ValidationError, file: str) -> list[str]:
    return [f"{file}: {'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors(include_url=False)]


def check_translation(translation: Translation) -> tuple[Policy, Scenario]:
    """Validate the translated policy and scenario, alone and together; any problem is an InputError.

    The importers check the vendor objects as they read them, so a problem here means the
    files were consistent for the vendor but not translatable; the message lists every one.
    """
    problems: list[str] = []
    try:
        policy = Policy.model_validate(translation.policy)
    except ValidationError as exc:
        problems += _validation(exc, "policy.yaml")
    try:
        scenario = Scenario.model_validate(translation.scenario)
    except ValidationError as exc:
        problems += _validation(exc, "scenario.yaml")
    if not problems:
        problems += _findings(check_scenario(scenario), "scenario.yaml")
        problems += _findings(check_policy(policy, scenario), "policy.yaml")
        problems += _findings(check_scenario_tiers(policy, scenario), "scenario.yaml")
    if problems:
        listed = "\n  ".join(problems)
        raise InputError(f"the {translation.vendor} configuration does not translate into valid files:\n  {listed}")
    return policy, scenario


def assemble(
    vendor: str,
    paths: list[Path],
    *,
    policy_id: str,
    description: str,
    body: dict[str, Any],
    start: datetime,
    people: dict[str, dict[str, str]],
    teams: Iterable[StarterTeam],
    services: list[StarterService],
    notes: list[str],
) -> Translation:
    """The policy (``body`` holds its tiers, rotations, chains and routing) and the starter scenario, checked together.

    Both share ``policy_id`` as their id, and the policy names the scenario, so that
    ``tabletop validate`` checks them against each other.
    """
    policy = {
        "kind": "policy",
        "id": policy_id,
        "name": f"Imported from {vendor}",
        "description": description,
        "scenario": policy_id,
        **body,
    }
    scenario = starter_scenario(
        scenario_id=policy_id,
        name=f"People and services imported from {vendor}",
        start=start,
        people=people,
        teams=[t for t in teams if t.members],
        services=services,
    )
    translation = Translation(vendor, [str(p) for p in paths], policy, scenario, notes)
    check_translation(translation)
    return translation
