"""One incident's life: alerts, acknowledgement, mobilisation, phase work, handoffs and close."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from tabletop.scenarios.model import PHASES, IncidentType
from tabletop.sim.escalation import EscalationRun
from tabletop.sim.records import HandoffRecord, IncidentRecord
from tabletop.sim.responders import Responder, WorkItem

if TYPE_CHECKING:
    from tabletop.sim.world import World

#: The milestone each phase reaches when its work is done.
PHASE_MILESTONE = {"diagnose": "identified", "contain": "contained", "remediate": "recovered", "verify": "resolved"}


@dataclass(frozen=True, slots=True)
class Symptom:
    """A dependent service showing the fault, with its alert time and correlation draw."""

    service: str
    alert_at: float
    correlation_draw: float


@dataclass(frozen=True, slots=True)
class IncidentDraws:
    """Everything random about an incident, drawn at creation so every policy sees the same incident."""

    root_service: str
    tier: str
    detected_by: str
    detect_after: float
    work: dict[str, dict[str, float]]
    review_after: float
    triage: float
    symptoms: tuple[Symptom, ...]


class Incident:
    """The state machine of one incident."""

    def __init__(self, world: World, number: int, kind: IncidentType, draws: IncidentDraws) -> None:
        self.world = world
        self.number = number
        self.kind = kind
        self.draws = draws
        service = world.services[draws.root_service]
        self.record = IncidentRecord(
            world.replication,
            number,
            kind.id,
            draws.root_service,
            draws.tier,
            kind.security,
            service.customer_facing,
            started=world.env.now,
        )
        self.root_team = service.owner
        self.closed = False
        self.declared = False
        self.root_run: EscalationRun | None = None
        self.symptom_runs: dict[str, EscalationRun] = {}
        self.leads: dict[str, Responder] = {}
        self.domain_runs: dict[str, EscalationRun] = {}
        self.roles: dict[str, Responder] = {}
        self.required: set[str] = set()
        self.engaged: dict[str, float] = {}
        self.phase = -1
        self.items: dict[str, WorkItem] = {}
        self.waiting_domains: dict[str, float] = {}
        self._state = ""
        self._since = math.nan
        self._pending_symptom_handoff: HandoffRecord | None = None
        #: Minutes a receiver must spend (briefing, or redoing lost context) before their next work here.
        self.extra_work: dict[str, float] = {}
        self._last_progress = math.nan

    # -- alerts and acknowledgement -----------------------------------------------------
    def alert(self, service: str, correlated: bool, by: str) -> None:
        """An alert fires for ``service``: the root cause, or a symptom of it."""
        if self.closed:
            return
        now = self.world.env.now
        if math.isnan(self.record.detected):
            self.record.detected = now
            self.record.detected_by = by
            self._since = now
            self._state = "waiting_ack"
            self.world.schedule_triggers(self)
        owner = self.world.services[service].owner
        if service == self.draws.root_service or correlated or owner == self.root_team:
            self._page_root()
        elif service not in self.symptom_runs and not self.leads:
            chain = self.world.route(service, self)
            run = EscalationRun(self.world, self, chain, self._symptom_acknowledged, f"symptom:{service}")
            self.symptom_runs[service] = run
            run.start()

    def _page_root(self) -> None:
        if self.root_run is None:
            chain = self.world.route(self.draws.root_service, self)
            self.root_run = EscalationRun(self.world, self, chain, self._root_acknowledged, "root")
            self.root_run.start()

    def _first_acknowledgement(self, responder: Responder) -> None:
        if math.isnan(self.record.acknowledged):
            self.record.acknowledged = self.world.env.now
            self.record.first_responder = responder.id
            self._last_progress = self.world.env.now
            self.refresh()

    def _symptom_acknowledged(self, responder: Responder) -> None:
        self._first_acknowledgement(responder)
        self._engage(responder)
        if self.leads or self._pending_symptom_handoff is not None:
            return
        # The symptom owner triages, finds the cause elsewhere and hands over to the root owner.
        self.world.after(self.draws.triage, self._symptom_handoff, responder)

    def _symptom_handoff(self, sender: Responder) -> None:
        if self.closed or self._pending_symptom_handoff is not None:
            return
        handoff = self.world.new_handoff(self, "symptom_to_root", "tech_lead", sender.id)
        if self.leads:
            receiver = next(iter(self.leads.values()))
            self.world.accept_handoff(self, handoff, receiver)
            return
        self._pending_symptom_handoff = handoff
        self._page_root()

    def _root_acknowledged(self, responder: Responder) -> None:
        self._first_acknowledgement(responder)
        self._engage(responder)
        domains = self.world.domains_of(responder.id) & set(self.kind.domains)
        if not domains:
            team_domain = self.world.team_domain[self.root_team]
            domains = {team_domain if team_domain in self.kind.domains else self.kind.domains[0]}
        pending = self._pending_symptom_handoff
        if pending is not None:
            self._pending_symptom_handoff = None
            self.world.accept_handoff(self, pending, responder)
        for domain in sorted(domains):
            self._set_lead(domain, responder)
        if not self.declared:
            self._declare(responder)

    # -- mobilisation ------------------------------------------------------------------
    def _declare(self, first: Responder) -> None:
        self.declared = True
        mobilization = self.world.mobilization(self.record.tier)
        for role in mobilization:
            if role == "tech_lead":
                for domain in self.kind.domains:
                    self.required.add(f"tech_lead:{domain}")
                    if domain not in self.leads:
                        self._page_domain(domain, handoff=False)
            elif role == "security" and not self.kind.security:
                continue
            else:
                self.required.add(role)
                self._page_role(role)
        if "incident_commander" not in self.roles:
            self.record.commander = first.id
        self._check_mobilized()
        self.world.schedule_updates(self)
        self._next_phase()

    def _page_role(self, role: str) -> None:
        chain = self.world.role_chain(role)
        if chain is None:
            self.required.discard(role)
            return

        def engaged(responder: Responder) -> None:
            self._engage(responder)
            self.roles[role] = responder
            if role == "incident_commander":
                self.record.commander = responder.id
            self._check_mobilized()

        EscalationRun(self.world, self, chain, engaged, f"role:{role}").start()

    def _page_domain(self, domain: str, *, handoff: bool) -> None:
        if domain in self.domain_runs or domain in self.leads:
            return
        record = None
        if handoff:
            sender = self.record.commander or self.record.first_responder
            record = self.world.new_handoff(self, "cross_domain", f"tech_lead:{domain}", sender)
        chain = self.world.domain_chain(domain, self)

        def engaged(responder: Responder) -> None:
            self._engage(responder)
            if record is not None:
                self.world.accept_handoff(self, record, responder)
            self._set_lead(domain, responder)

        run = EscalationRun(self.world, self, chain, engaged, f"domain:{domain}")
        self.domain_runs[domain] = run
        self.waiting_domains.setdefault(domain, self.world.env.now)
        run.start()
        self.refresh()

    def _engage(self, responder: Responder) -> None:
        self.engaged.setdefault(responder.id, self.world.env.now)

    def _set_lead(self, domain: str, responder: Responder) -> None:
        if domain in self.leads:
            return
        self.leads[domain] = responder
        self.waiting_domains.pop(domain, None)
        self._check_mobilized()
        if self.phase >= 0 and not self.closed:
            self._start_domain_work(domain)
        self.refresh()

    def _check_mobilized(self) -> None:
        if not math.isnan(self.record.mobilized) or not self.declared:
            return
        for need in self.required:
            if need.startswith("tech_lead:"):
                if need.removeprefix("tech_lead:") not in self.leads:
                    return
            elif need not in self.roles:
                return
        self.record.mobilized = self.world.env.now

    # -- phases ------------------------------------------------------------------------
    def _next_phase(self) -> None:
        while not self.closed:
            self.phase += 1
            if self.phase >= len(PHASES):
                self._close()
                return
            work = self.draws.work[PHASES[self.phase]]
            if work:
                self.items = {}
                for domain in work:
                    if domain in self.leads:
                        self._start_domain_work(domain)
                    else:
                        self._page_domain(domain, handoff=True)
                self.refresh()
                return
            self._milestone(PHASES[self.phase])

    def _start_domain_work(self, domain: str) -> None:
        work = self.draws.work[PHASES[self.phase]]
        if domain not in work or domain in self.items:
            return
        lead = self.leads[domain]
        minutes = work[domain] * self.world.slowdown(self, lead) + self.extra_work.pop(lead.id, 0.0)
        item = WorkItem(self, domain, minutes, self._work_done)
        self.items[domain] = item
        self.leads[domain].assign(item)

    def _work_done(self, item: WorkItem) -> None:
        phase = PHASES[self.phase]
        work = self.draws.work[phase]
        if all(d in self.items and self.items[d].remaining <= 0 for d in work):
            self._milestone(phase)
            self._next_phase()
        else:
            self.refresh()

    def _milestone(self, phase: str) -> None:
        now = self.world.env.now
        setattr(self.record, PHASE_MILESTONE[phase], now)
        self._last_progress = now

    def _close(self) -> None:
        now = self.world.env.now
        self.refresh()
        self.closed = True
        self.record.reviewed = self.record.recovered + self.draws.review_after
        for person, since in self.engaged.items():
            self.world.add_engagement(person, now - since)
        self.world.incident_closed(self)

    # -- accounting --------------------------------------------------------------------
    def refresh(self) -> None:
        """Charge the time since the last change to the state the incident was in, then re-evaluate."""
        if math.isnan(self._since):
            return
        now = self.world.env.now
        if self._state:
            record = self.record
            setattr(record, self._state, getattr(record, self._state) + now - self._since)
        self._since = now
        self._state = self._current_state()

    def _current_state(self) -> str:
        record = self.record
        if not math.isnan(record.recovered) or self.closed:
            return ""
        if math.isnan(record.acknowledged):
            return "waiting_ack"
        open_items = [(domain, item) for domain, item in self.items.items() if item.remaining > 0]
        if any(self.leads[domain].current is item for domain, item in open_items):
            return "working"
        if self.waiting_domains or self._pending_symptom_handoff is not None:
            return "waiting_handoff"
        return "waiting_busy" if open_items else "working"

    @property
    def last_progress(self) -> float:
        """When the incident last reached a milestone (or was acknowledged)."""
        return self._last_progress

    def milestone_reached(self, name: str) -> bool:
        """Whether a milestone (acknowledge, mobilize, identify, contain, recover) has been reached."""
        field = {
            "acknowledge": "acknowledged",
            "mobilize": "mobilized",
            "identify": "identified",
            "contain": "contained",
            "recover": "recovered",
        }[name]
        return not math.isnan(getattr(self.record, field))
