"""Cross-reference checks of a policy, alone or against the scenario it will play."""

from __future__ import annotations

from tabletop.policies.model import Policy, Target
from tabletop.scenarios.model import Scenario
from tabletop.spec.references import ReferenceCheck
from tabletop.spec.yaml_source import DocPath


def _check_target(
    check: ReferenceCheck, path: DocPath, target: Target, policy: Policy, scenario: Scenario | None
) -> None:
    kind = target.kind
    if kind in ("rotation", "next_on_call"):
        rotations = {r.id: r for r in policy.rotations}
        if check.known((*path, kind), target.ref, rotations, "rotation"):
            levels = rotations[target.ref].levels
            check.known((*path, "level") if target.level else (*path, kind), target.rotation_level, levels, "level")
    elif scenario is not None and kind == "person":
        check.known((*path, kind), target.ref, {p.id for p in scenario.people}, "person")
    elif scenario is not None and kind in ("team", "pool"):
        check.known((*path, kind), target.ref, {t.id for t in scenario.teams}, "team")


def _check_rotations(check: ReferenceCheck, policy: Policy, people: set[str] | None) -> None:
    for r, rotation in enumerate(policy.rotations):
        for name, level in rotation.levels.items():
            base: DocPath = ("rotations", r, "levels", name)
            for k, layer in enumerate(level.layers):
                if layer.end is not None and layer.end <= layer.start:
                    check.add((*base, "layers", k, "end"), "layer end is not after its start")
                if people is not None:
                    for p, person in enumerate(layer.people):
                        check.known((*base, "layers", k, "people", p), person, people, "person")
            if people is not None:
                for o, override in enumerate(level.overrides):
                    check.known((*base, "overrides", o, "person"), override.person, people, "person")
                if level.holidays is not None:
                    check.known((*base, "holidays", "cover"), level.holidays.cover, people, "person")


def check_policy(policy: Policy, scenario: Scenario | None = None) -> list[tuple[DocPath, str]]:
    """Every reference problem in a validated policy, as (path, message); people, teams and
    services are checked only when the scenario is given."""
    check = ReferenceCheck()
    check.unique(("tiers",), (t.id for t in policy.tiers))
    check.unique(("rotations",), (r.id for r in policy.rotations))
    check.unique(("escalation_chains",), (c.id for c in policy.escalation_chains))
    check.unique(("escalation_triggers",), (t.id for t in policy.escalation_triggers))
    tiers = {t.id for t in policy.tiers}
    chains = {c.id for c in policy.escalation_chains}
    _check_rotations(check, policy, {p.id for p in scenario.people} if scenario else None)
    for c, chain in enumerate(policy.escalation_chains):
        for k, level in enumerate(chain.levels):
            base: DocPath = ("escalation_chains", c, "levels", k)
            for t, target in enumerate(level.targets):
                _check_target(check, (*base, "targets", t), target, policy, scenario)
            if level.when is not None:
                for t, tier in enumerate(level.when.tiers or []):
                    check.known((*base, "when", "tiers", t), tier, tiers, "tier")
        if chain.backstop is not None:
            for t, target in enumerate(chain.backstop.targets):
                _check_target(check, ("escalation_chains", c, "backstop", "targets", t), target, policy, scenario)
    for r, route in enumerate(policy.routing):
        check.known(("routing", r, "chain"), route.chain, chains, "escalation chain")
        for t, tier in enumerate(route.tiers or []):
            check.known(("routing", r, "tiers", t), tier, tiers, "tier")
        if scenario is not None:
            for field, defined, what in (
                ("services", {s.id for s in scenario.services}, "service"),
                ("teams", {t.id for t in scenario.teams}, "team"),
                ("incident_types", {t.id for t in scenario.incident_types}, "incident type"),
            ):
                for k, ref in enumerate(getattr(route, field) or []):
                    check.known(("routing", r, field, k), ref, defined, what)
    mobilization = policy.mobilization
    for role, target in mobilization.roles.items():
        _check_target(check, ("mobilization", "roles", role), target, policy, scenario)
    for domain, target in mobilization.tech_leads.items():
        if scenario is not None:
            check.known(("mobilization", "tech_leads", domain), domain, scenario.domains(), "domain")
        _check_target(check, ("mobilization", "tech_leads", domain), target, policy, scenario)
    for tier in mobilization.tiers:
        check.known(("mobilization", "tiers", tier), tier, tiers, "tier")
    for g, trigger in enumerate(policy.escalation_triggers):
        for t, tier in enumerate(trigger.tiers or []):
            check.known(("escalation_triggers", g, "tiers", t), tier, tiers, "tier")
        for t, target in enumerate(trigger.targets):
            _check_target(check, ("escalation_triggers", g, "targets", t), target, policy, scenario)
    return check.found


def check_scenario_tiers(policy: Policy, scenario: Scenario) -> list[tuple[DocPath, str]]:
    """Tiers used by the scenario's services and incident types that the policy does not define.

    The paths are in the scenario file.
    """
    check = ReferenceCheck()
    tiers = {t.id for t in policy.tiers}
    for i, service in enumerate(scenario.services):
        check.known(("services", i, "tier"), service.tier, tiers, f"tier (policy '{policy.id}' defines none such)")
    for i, kind in enumerate(scenario.incident_types):
        if kind.tier is not None:
            check.known(
                ("incident_types", i, "tier"), kind.tier, tiers, f"tier (policy '{policy.id}' defines none such)"
            )
    return check.found
