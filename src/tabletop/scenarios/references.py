"""Cross-reference checks of a scenario: ids are unique and every reference resolves."""

from __future__ import annotations

from tabletop.scenarios.model import Scenario
from tabletop.spec.references import Finding, ReferenceCheck
from tabletop.spec.yaml_source import DocPath


def _cycles(scenario: Scenario) -> list[Finding]:
    """Dependency cycles among services, each reported once at the edge that closes it."""
    index = {s.id: i for i, s in enumerate(scenario.services)}
    state: dict[str, int] = {}  # 1 = on the current path, 2 = finished
    stack: list[str] = []
    found: list[Finding] = []

    def visit(service_id: str) -> None:
        state[service_id] = 1
        stack.append(service_id)
        service = scenario.services[index[service_id]]
        for k, dep in enumerate(service.depends_on):
            if dep not in index or dep == service_id:
                continue  # unknown services and self-dependencies are reported on their own
            if state.get(dep) == 1:
                cycle = [*stack[stack.index(dep) :], dep]
                path = ("services", index[service_id], "depends_on", k)
                found.append(Finding(path, f"depends_on cycle: {' → '.join(cycle)}"))
            elif dep not in state:
                visit(dep)
        stack.pop()
        state[service_id] = 2

    for service in scenario.services:
        if service.id not in state:
            visit(service.id)
    return found


def check_scenario(scenario: Scenario) -> list[Finding]:
    """Every reference problem in a validated scenario."""
    check = ReferenceCheck()
    check.unique(("teams",), (t.id for t in scenario.teams))
    check.unique(("people",), (p.id for p in scenario.people))
    check.unique(("services",), (s.id for s in scenario.services))
    check.unique(("incident_types",), (t.id for t in scenario.incident_types))
    check.unique(("objectives",), (o.id for o in scenario.objectives))
    check.unique(("injects",), (i.id for i in scenario.injects))
    people = {p.id for p in scenario.people}
    teams = {t.id for t in scenario.teams}
    services = {s.id for s in scenario.services}
    domains = {t.domain for t in scenario.teams}
    profiles = {"default", *scenario.responsiveness_profiles}
    for i, team in enumerate(scenario.teams):
        for k, member in enumerate(team.members):
            check.known(("teams", i, "members", k), member, people, "person")
        if team.manager is not None:
            check.known(("teams", i, "manager"), team.manager, people, "person")
    for i, person in enumerate(scenario.people):
        check.known(("people", i, "responsiveness"), person.responsiveness, profiles, "responsiveness profile")
    for i, service in enumerate(scenario.services):
        check.known(("services", i, "owner"), service.owner, teams, "team")
        for k, dep in enumerate(service.depends_on):
            if dep == service.id:
                check.add(("services", i, "depends_on", k), f"service '{dep}' cannot depend on itself")
            else:
                check.known(("services", i, "depends_on", k), dep, services, "service")
    check.found.extend(_cycles(scenario))
    incident_types = {t.id for t in scenario.incident_types}
    for i, kind in enumerate(scenario.incident_types):
        if kind.root_service is not None:
            check.known(("incident_types", i, "root_service"), kind.root_service, services, "service")
        for name in kind.root_services or {}:
            check.known(("incident_types", i, "root_services", name), name, services, "service", at_key=True)
        for k, domain in enumerate(kind.domains):
            check.known(("incident_types", i, "domains", k), domain, domains, "domain", note=" (no team has it)")
        for phase in ("diagnose", "contain", "remediate", "verify"):
            for domain in kind.work.phase(phase):
                if domain not in kind.domains:
                    check.add(
                        ("incident_types", i, "work", phase, domain),
                        f"work for domain '{domain}' that the incident type does not list in domains "
                        f"({', '.join(kind.domains)}); add it to domains or remove the work",
                        at_key=True,
                    )
    objectives = {o.id for o in scenario.objectives}
    for i, inject in enumerate(scenario.injects):
        if inject.objective is not None:
            check.known(("injects", i, "objective"), inject.objective, objectives, "objective")
        if inject.decision is None:
            continue
        check.unique(("injects", i, "decision", "options"), (o.id for o in inject.decision.options))
        for k, option in enumerate(inject.decision.options):
            for e, effect in enumerate(option.effects):
                path: DocPath = ("injects", i, "decision", "options", k, "effects", e)
                if effect.incident_type is not None:
                    check.known((*path, "incident_type"), effect.incident_type, incident_types, "incident type")
                if effect.domain is not None:
                    check.known((*path, "domain"), effect.domain, domains, "domain")
    return check.found
