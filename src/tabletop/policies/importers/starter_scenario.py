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
    *,
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
        "services": [{"id": s.id, "name": s.name, "owner": s.owner, "tier": s.tier} for s in services],
        "incident_types": incident_types,
    }


def responders(chain: dict[str, Any], rotations: list[dict[str, Any]], teams: list[StarterTeam]) -> list[str]:
    """Everyone a translated chain can page: its people, the people of its rotations and its teams' members."""
    by_rotation = {r["id"]: r for r in rotations}
    by_team = {t.id: t.members for t in teams}
    found: set[str] = set()
    for level in chain["levels"]:
        for target in level["targets"]:
            if "person" in target:
                found.add(target["person"])
            elif "team" in target:
                found.update(by_team.get(target["team"], []))
            else:
                rotation = by_rotation[target.get("rotation") or target["next_on_call"]]
                found.update(
                    p for lvl in rotation["levels"].values() for layer in lvl["layers"] for p in layer["people"]
                )
    return sorted(found)


def service_owner(
    teams: dict[str, StarterTeam],
    owner: str | None,
    chain: dict[str, Any],
    rotations: list[dict[str, Any]],
    team_id: Any,
) -> str:
    """The team owning a service: the vendor's team when it has members, else a team of the people the chain pages.

    ``teams`` maps vendor team ids to teams and gains the new team; ``team_id`` makes a Tabletop id.
    """
    if owner is not None and owner in teams and teams[owner].members:
        return teams[owner].id
    key = f"{chain['id']}-responders"
    if key not in teams:
        members = responders(chain, rotations, list(teams.values()))
        teams[key] = StarterTeam(team_id(key), f"Responders of {chain['name']}", members)
    return teams[key].id
