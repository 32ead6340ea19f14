"""Builders for small scenarios and policies used by the engine tests."""

from __future__ import annotations

from typing import Any

from tabletop.policies.model import Policy
from tabletop.scenarios.model import Scenario

INSTANT = {"work": {"ack": 0, "miss": 0}, "off_hours": {"ack": 0, "miss": 0}, "sleep": {"ack": 0, "miss": 0}}
ALWAYS = {"start": "00:00", "end": "24:00"}


def person(pid: str, **extra: Any) -> dict[str, Any]:
    return {"id": pid, "name": pid.title(), "time_zone": "UTC", "working_hours": ALWAYS, **extra}


def mmc_pair(c: int, arrivals_per_hour: float, mean_service: str, days: int = 28) -> tuple[Scenario, Policy]:
    """One team of c always-available people taking work from a FIFO pool: an M/M/c queue."""
    members = [f"s{i}" for i in range(1, c + 1)]
    scenario = Scenario.model_validate(
        {
            "kind": "scenario",
            "id": "mmc",
            "name": "M/M/c",
            "start": "2027-01-04T00:00:00Z",
            "horizon": f"{days}d",
            "responsiveness_profiles": {"instant": INSTANT},
            "teams": [{"id": "servers", "domain": "ops", "members": members}],
            "people": [person(m, responsiveness="instant") for m in members],
            "services": [{"id": "queue", "owner": "servers", "tier": "T"}],
            "incident_types": [
                {
                    "id": "job",
                    "rate_per_week": arrivals_per_hour * 168,
                    "root_service": "queue",
                    "domains": ["ops"],
                    "detection": {"delay": 0},
                    "work": {"diagnose": {"ops": {"exponential": mean_service}}},
                }
            ],
        }
    )
    policy = Policy.model_validate(
        {
            "kind": "policy",
            "id": "pool",
            "name": "pool",
            "tiers": [{"id": "T", "sla": {"acknowledge": "30m"}}],
            "escalation_chains": [{"id": "pool", "levels": [{"targets": [{"pool": "servers"}]}]}],
            "routing": [{"chain": "pool"}],
        }
    )
    return scenario, policy


def fixed_profile(ack: float, miss: float) -> dict[str, Any]:
    """The same deterministic acknowledgement delay and miss chance in every context, no fatigue."""
    context = {"ack": ack, "miss": miss}
    return {"work": context, "off_hours": context, "sleep": context, "fatigue_per_interruption": 0}


def small_scenario(**overrides: Any) -> dict[str, Any]:
    """A two-team world (web depends on db) with deterministic responders, as plain data."""
    people = ["ana", "ben", "cat", "dan", "eve"]
    base: dict[str, Any] = {
        "kind": "scenario",
        "id": "small",
        "name": "Small",
        "start": "2027-01-04T00:00:00Z",
        "horizon": "2d",
        "propagation_delay": "2m",
        "responsiveness_profiles": {"sure": fixed_profile(1, 0)},
        "teams": [
            {"id": "web", "domain": "web", "members": ["ana", "ben"]},
            {"id": "dba", "domain": "database", "members": ["cat", "dan", "eve"]},
        ],
        "people": [person(p, responsiveness="sure") for p in people],
        "services": [
            {"id": "site", "owner": "web", "tier": "SEV1", "depends_on": ["db"], "monitored": False},
            {"id": "db", "owner": "dba", "tier": "SEV1"},
        ],
        "incident_types": [
            {
                "id": "db-down",
                "times": ["+01:00"],
                "root_service": "db",
                "domains": ["database"],
                "detection": {"delay": 0},
                "work": {"diagnose": {"database": "30m"}, "contain": {"database": "10m"}},
                "review": "1d",
            }
        ],
    }
    base.update(overrides)
    return base


def small_policy(**overrides: Any) -> dict[str, Any]:
    """One chain per team paging a person, as plain data."""
    base: dict[str, Any] = {
        "kind": "policy",
        "id": "small",
        "name": "Small",
        "tiers": [{"id": "SEV1", "sla": {"acknowledge": "5m"}}, {"id": "SEV2"}],
        "escalation_chains": [
            {"id": "web", "levels": [{"targets": [{"person": "ana"}], "delay": "10m"}]},
            {"id": "dba", "levels": [{"targets": [{"person": "cat"}], "delay": "10m"}]},
        ],
        "routing": [{"chain": "web", "teams": ["web"]}, {"chain": "dba"}],
        "correlation": {"enabled": False},
    }
    base.update(overrides)
    return base
