"""The starter scenario written beside an imported policy: its people, teams and services, ready to run.

Vendors know who is on call but not what goes wrong; the scenario carries the people
(names and time zones), teams, the services the policy routes, and one placeholder
incident type per service so that ``tabletop run`` works at once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass
class StarterTeam:
    """A team of the starter scenario; its domain is named after it."""

    id: str
    name: str
    members: list[str] = field(default_factory=list)


@dataclass
class StarterService:
    """A service of the starter scenario, owned by a team and of one tier."""

    id: str
    name: str
    owner: str
    tier: str


def domain_name(team: StarterTeam) -> str:
    """The domain a team answers for: its name made into an id, else its id."""
    slug = re.sub(r"[^a-z0-9]+", "-", team.name.lower()).strip("-")
    return slug[:80] or team.id


def starter_scenario(
    scenario_id: str,
    name: str,
    start: datetime,
    people: dict[str, dict[str, str]],
    teams: list[StarterTeam],
    services: list[StarterService],
) -> dict[str, Any]:
    """A valid scenario document: ``people`` maps person id to ``{name, time_zone}``."""
    domains = {team.id: domain_name(team) for team in teams}
    incident_types = []
    for service in services:
        domain = domains[service.owner]
        incident_types.append(
            {
                "id": f"{service.id}-incident",
                "name": f"Placeholder incident on {service.name}",
                "rate_per_week": 1,
                "root_service": service.id,
                "domains": [domain],
                "work": {
                    "diagnose": {domain: {"lognormal": {"median": "20m", "p90": "1h"}}},
                    "contain": {domain: "30m"},
                    "remediate": {domain: "1h"},
                },
            }
        )
    return {
        "kind": "scenario",
        "id": scenario_id,
        "name": name,
        "start": start.isoformat(),
        "teams": [
            {"id": team.id, "name": team.name, "domain": domains[team.id], "members": sorted(team.members)}
            for team in teams
        ],
        "people": [{"id": pid, **person} for pid, person in sorted(people.items())],
        "services": [
            {"id": s.id, "name": s.name, "owner": s.owner, "tier": s.tier} for s in services
        ],
        "incident_types": incident_types,
    }
