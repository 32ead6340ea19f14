"""Cross-reference checks of a policy, alone or against the scenario it will play."""

from __future__ import annotations

from tabletop.policies.model import Policy, Target
from tabletop.policies.roster import instant_seconds, rotation_zone
from tabletop.scenarios.model import Scenario
from tabletop.spec.fields import zone
from tabletop.spec.references import Finding, ReferenceCheck
from tabletop.spec.yaml_source import DocPath


def _check_target(
    check: ReferenceCheck, path: DocPath, target: Target, policy: Policy, scenario: Scenario | None
) -> None:
    kind = target.kind
    if kind in ("rotation", "next_on_call"):
        rotations = {r.id: r for r in policy.rotations}
        if check.known((*path, kind), target.ref, rotations, "rotation"):
            levels = rotations[target.ref].levels
            if target.level is not None:
                check.known((*path, "level"), target.level, levels, "level")
            else:
                note = f" (the default when a target names no level) in rotation '{target.ref}'"
                check.known((*path, kind), target.rotation_level, levels, "level", note=note)
    elif scenario is not None and kind == "person":
        check.known((*path, kind), target.ref, {p.id for p in scenario.people}, "person")
    elif scenario is not None and kind in ("team", "pool"):
        check.known((*path, kind), target.ref, {t.id for t in scenario.teams}, "team")


def _check_rotations(check: ReferenceCheck, policy: Policy, people: set[str] | None) -> None:
    for r, rotation in enumerate(policy.rotations):
        tz = rotation_zone(rotation, policy)
        for name, level in rotation.levels.items():
            base: DocPath = ("rotations", r, "levels", name)
            for k, layer in enumerate(level.layers):
                layer_tz = zone(layer.time_zone) if layer.time_zone else tz
                ends = instant_seconds(layer.end, layer_tz) if layer.end is not None else None
                if ends is not None and ends <= instant_seconds(layer.start, layer_tz):
                    check.add((*base, "layers", k, "end"), "layer end is not after its start")
                for p, person in enumerate(layer.people if people is not None else []):
                    check.known((*base, "layers", k, "people", p), person, people or set(), "person")
            for o, override in enumerate(level.overrides):
                if instant_seconds(override.end, tz) <= instant_seconds(override.start, tz):
                    check.add((*base, "overrides", o, "end"), "override end is not after its start")
                if people is not None:
                    check.known((*base, "overrides", o, "person"), override.person, people, "person")
            if people is not None and level.holidays is not None:
                check.known((*base, "holidays", "cover"), level.holidays.cover, people, "person")


def check_policy(policy: Policy, scenario: Scenario | None = None) -> list[Finding]:
    """Every reference problem in a validated policy; people, teams, services and domains
    are checked only when the scenario is given."""
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
            path: DocPath = ("mobilization", "tech_leads", domain)
            check.known(path, domain, scenario.domains(), "domain", at_key=True)
        _check_target(check, ("mobilization", "tech_leads", domain), target, policy, scenario)
    for tier in mobilization.tiers:
        check.known(("mobilization", "tiers", tier), tier, tiers, "tier", at_key=True)
    for g, trigger in enumerate(policy.escalation_triggers):
        for t, tier in enumerate(trigger.tiers or []):
            check.known(("escalation_triggers", g, "tiers", t), tier, tiers, "tier")
        for t, target in enumerate(trigger.targets):
            _check_target(check, ("escalation_triggers", g, "targets", t), target, policy, scenario)
    return check.found


def check_scenario_tiers(policy: Policy, scenario: Scenario) -> list[Finding]:
    """Tiers used by the scenario's services and incident types that the policy does not define.

    The paths are in the scenario file.
    """
    check = ReferenceCheck()
    tiers = {t.id for t in policy.tiers}
    note = f" (not defined by policy '{policy.id}')"
    for i, service in enumerate(scenario.services):
        check.known(("services", i, "tier"), service.tier, tiers, "tier", note=note)
    for i, kind in enumerate(scenario.incident_types):
        if kind.tier is not None:
            check.known(("incident_types", i, "tier"), kind.tier, tiers, "tier", note=note)
    return check.found
