"""One incident's life: alerts, acknowledgement, mobilisation, phase work, handoffs and close."""

from __future__ import annotations

from collections.abc import Mapping
from math import isnan, nan
from types import MappingProxyType
from typing import TYPE_CHECKING

from tabletop.policies.model import EscalationChain
from tabletop.scenarios.model import PHASES, IncidentType
from tabletop.sim import communications, triggers
from tabletop.sim.draws import IncidentDraws
from tabletop.sim.escalation import EscalationRun
from tabletop.sim.records import HandoffReason, HandoffRecord, IncidentRecord
from tabletop.sim.responders import Responder, WorkItem
from tabletop.sim.seats import lead_seat

if TYPE_CHECKING:
    from tabletop.sim.world import World

#: The milestone at which each handoff checkpoint falls.
CHECKPOINT_MILESTONE = {"contained": "contained", "hypothesis_tested": "identified"}
#: The milestone each phase reaches when its work is done.
PHASE_MILESTONE = {"diagnose": "identified", "contain": "contained", "remediate": "recovered", "verify": "resolved"}
#: The record field each SLA metric's clock stops at (review counts from recovery, not to a milestone).
SLA_MILESTONE = {
    "acknowledge": "acknowledged",
    "mobilize": "mobilized",
    "identify": "identified",
    "contain": "contained",
    "recover": "recovered",
}
#: The same, by phase index (the engine reaches several milestones in a row when an incident closes).
_MILESTONES = tuple(PHASE_MILESTONE[phase] for phase in PHASES)
#: How many phases there are: an incident past the last one closes.
_PHASE_COUNT = len(PHASES)
#: What an incident is held up by, as indexes into ``records.BOTTLENECKS``; ``_IDLE`` charges nothing.
_IDLE, _WAITING_ACK, _WAITING_HANDOFF, _WAITING_BUSY, _WORKING = -1, 0, 1, 2, 3
#: Empty until first written: most incidents never page for a role, a symptom or a second domain, and
#: never hand over on a shift change, so they share these instead of each making empty containers.
_NO_RUNS: Mapping[str, EscalationRun] = MappingProxyType({})
_NO_NAMES: frozenset[str] = frozenset()


class Incident:
    """The state machine of one incident."""

    __slots__ = (
        "_handing_over",
        "_last_progress",
        "_minutes",
        "_paged_roles",
        "_pending_symptom_handoff",
        "_role_hours",
        "_since",
        "_state",
        "_staying",
        "_triaging",
        "awaiting",
        "closed",
        "declared",
        "declared_at",
        "domain_runs",
        "draws",
        "engaged",
        "extra_work",
        "items",
        "kind",
        "leads",
        "number",
        "participants",
        "phase",
        "plan",
        "record",
        "required",
        "role_runs",
        "roles",
        "root_run",
        "root_team",
        "symptom_runs",
        "waiting_domains",
        "world",
    )

    def __init__(self, world: World, number: int, kind: IncidentType, draws: IncidentDraws) -> None:
        self.world = world
        self.number = number
        self.kind = kind
        self.draws = draws
        self.plan = world.prepared.plans[draws.tier]
        self.record = IncidentRecord(
            world.replication,
            number,
            draws.incident_type,
            draws.root_service,
            draws.team,
            draws.tier,
            draws.security,
            draws.customer_facing,
            # Detected by nobody yet, started now; positional, as keywords would cost a dict per incident.
            "",
            world.env.now,
        )
        self.root_team = draws.team
        self.closed = False
        self.declared = False
        self.root_run: EscalationRun | None = None
        self.symptom_runs: Mapping[str, EscalationRun] = _NO_RUNS
        self.leads: dict[str, Responder] = {}
        self.domain_runs: Mapping[str, EscalationRun] = _NO_RUNS
        self.role_runs: Mapping[str, EscalationRun] = _NO_RUNS
        #: A phase whose work is done, waiting for a player to declare its milestone (drills only).
        self.awaiting: str | None = None
        self.roles: dict[str, Responder] = {}
        self.required = _NO_NAMES
        self.engaged: dict[str, float] = {}
        self.phase = -1
        self.items: dict[str, WorkItem] = {}
        self.waiting_domains: dict[str, float] = {}
        self._state = _IDLE
        self._since = nan
        #: Minutes charged to each bottleneck so far, written to the record when the incident settles.
        self._minutes = [0.0, 0.0, 0.0, 0.0]
        self._pending_symptom_handoff: HandoffRecord | None = None
        self.declared_at = nan
        self.participants: set[str] = set()
        self._role_hours = 0.0
        #: People past their shift who stay on (stay-until rules), with the rotation level they leave.
        self._staying: dict[str, tuple[Responder, tuple[str, str]]] = {}
        self._handing_over = _NO_NAMES
        self._paged_roles = _NO_NAMES
        self._triaging = _NO_NAMES
        #: Minutes a receiver must spend (briefing, or redoing lost context) before their next work here.
        self.extra_work: dict[str, float] = {}
        self._last_progress = nan

    # -- alerts and acknowledgement -----------------------------------------------------
    def alert(self, service: str, correlated: bool, by: str) -> None:
        """An alert fires for ``service``: the root cause, or a symptom of it."""
        if self.closed:
            return
        now = self.world.env.now
        if isnan(self.record.detected):
            self.record.detected = now
            self.record.detected_by = by
            self._since = now
            self._state = _WAITING_ACK
            if self.plan.triggers:
                triggers.arm(self.world, self)
        if service == self.draws.root_service or correlated:
            self._page_root()
            return
        owner = self.world.services[service].owner
        if owner == self.root_team:
            self._page_root()
        elif service not in self.symptom_runs and not self.leads:
            chain = self.world.route(service, self)
            run = EscalationRun(self.world, self, chain, self._symptom_acknowledged, self._lead_seat(owner))
            self.symptom_runs = {**self.symptom_runs, service: run}
            run.start()

    def _page_root(self) -> None:
        if self.root_run is None:
            chain = self.world.route(self.draws.root_service, self)
            seat = self._lead_seat(self.root_team)
            self.root_run = EscalationRun(self.world, self, chain, self._root_acknowledged, seat)
            self.root_run.start()

    def _lead_seat(self, team: str) -> str:
        """The drill seat that answers pages for a team's alerts: its domain's tech lead."""
        return lead_seat(self.world.team_domain[team]) if self.world.seats else ""

    def _first_acknowledgement(self, responder: Responder, *, refresh: bool = True) -> None:
        record = self.record
        if isnan(record.acknowledged):
            record.acknowledged = self._last_progress = self.world.env.now
            record.first_responder = responder.id
            if refresh:
                self.refresh()

    def _symptom_acknowledged(self, responder: Responder) -> None:
        self._first_acknowledgement(responder)
        self._engage(responder)
        if self.leads or self._pending_symptom_handoff is not None or responder.id in self._triaging:
            return
        # The symptom owner triages (once, however many of their alerts fire), finds the cause
        # elsewhere and hands over to the root owner.
        self._triaging |= {responder.id}
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
        # Declaring in a tier that mobilises nobody ends by starting work, paging a domain or closing, each of
        # which re-evaluates the incident's state: the acknowledgement and the leads need not do it first.
        declaring = not self.declared and not self.plan.page and not self.domain_runs
        self._first_acknowledgement(responder, refresh=not declaring)
        self._engage(responder)
        domains = self.world.lead_domains(responder.id, self, self.root_team)
        pending = self._pending_symptom_handoff
        if pending is not None:
            self._pending_symptom_handoff = None
            self.world.accept_handoff(self, pending, responder)
        for domain in domains:
            self._set_lead(domain, responder, refresh=not declaring)
        if not self.declared:
            self._declare(responder)

    # -- mobilisation ------------------------------------------------------------------
    def _declare(self, first: Responder) -> None:
        self.declared = True
        self.declared_at = self.world.env.now
        plan = self.plan
        if plan.page:
            self._mobilize(plan.page, required=True)
        if "incident_commander" not in self.roles:
            self.record.commander = first.id
        self._check_mobilized()
        if plan.announces:
            communications.schedule_updates(self.world, self)
        self._next_phase()

    def _mobilize(self, roles: tuple[str, ...], *, required: bool) -> None:
        """Page each role (tech leads for every domain; security only for security incidents)."""
        for role in roles:
            if role == "tech_lead":
                for domain in self.kind.domains:
                    if required:
                        self.required |= {f"tech_lead:{domain}"}
                    if domain not in self.leads:
                        self._page_domain(domain, handoff=not required)
            elif role == "security" and not self.kind.security:
                continue
            elif role not in self._paged_roles:
                if required:
                    self.required |= {role}
                self._paged_roles |= {role}
                self._page_role(role)

    def request_help(self) -> None:
        """The commander asks for the roles the tier mobilises only on request (when the incident escalates)."""
        if self.declared and not self.closed:
            self._mobilize(self.plan.on_request, required=False)

    def _page_role(self, role: str) -> None:
        chain = self.world.role_chain(role)
        if chain is None:
            self.required -= {role}
            return

        def engaged(responder: Responder) -> None:
            self._engage(responder)
            self.roles[role] = responder
            if role == "incident_commander":
                acting = self.record.commander
                if acting and acting != responder.id:
                    # The first responder acted as commander until the rostered commander took over.
                    handoff = self.world.new_handoff(self, "role_change", role, acting, initiated=self.declared_at)
                    self.world.accept_handoff(self, handoff, responder)
                self.record.commander = responder.id
            self._check_mobilized()

        run = EscalationRun(self.world, self, chain, engaged, role)
        self.role_runs = {**self.role_runs, role: run}
        run.start()

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

        run = EscalationRun(self.world, self, chain, engaged, lead_seat(domain) if self.world.seats else "")
        self.domain_runs = {**self.domain_runs, domain: run}
        self.waiting_domains.setdefault(domain, self.world.env.now)
        run.start()
        self.refresh()

    def _engage(self, responder: Responder) -> None:
        person = responder.id
        if person in self.engaged or self.closed:
            return
        world = self.world
        now = world.env.now
        self.engaged[person] = now
        self.participants.add(person)
        if world.rostered:
            shift = world.shift_of(person)
            if shift is not None:
                rotation, level, ends = shift
                world.after(max(ends - now, 0.0), self._shift_over, (responder, (rotation, level)))

    def _role_of(self, responder: Responder) -> str:
        for role, holder in self.roles.items():
            if holder is responder:
                return role
        return "tech_lead"

    def _release(self, responder: Responder, now: float) -> None:
        since = self.engaged.pop(responder.id, None)
        if since is None:
            return
        minutes = now - since
        self.world.add_engagement(responder.id, minutes)
        cost = self.world.cost
        if cost is not None:
            self._role_hours += minutes / 60 * cost.multipliers.get(self._role_of(responder), 0.5)  # type: ignore[call-overload]

    def reinforce(self, responder: Responder, since: float) -> None:
        """Someone answered a re-escalation: they take over work whose lead is tied up elsewhere."""
        for domain, lead in sorted(self.leads.items()):
            item = self.items.get(domain)
            if lead is responder or item is None or item.remaining <= 0 or lead.current is item:
                continue
            self._engage(responder)
            handoff = self.world.new_handoff(self, "escalation", f"tech_lead:{domain}", lead.id, initiated=since)
            self.world.accept_handoff(self, handoff, responder)
            self.leads[domain] = responder
            remaining = lead.withdraw(item)
            moved = WorkItem(self, remaining + self.extra_work.pop(responder.id, 0.0), self._work_done)
            self.items[domain] = moved
            responder.assign(moved)
            self.refresh()
            return
        self._engage(responder)

    # -- players' interventions (drills) -------------------------------------------------
    def call_in(self, role: str) -> None:
        """Page someone for a role now (tech leads: every domain still without one), whatever the tier asks."""
        if role == "tech_lead":
            self._mobilize((role,), required=False)
        elif role not in self._paged_roles:
            self._paged_roles |= {role}
            self._page_role(role)

    def bring_in(self, chain: EscalationChain) -> None:
        """Page extra hands through ``chain``; whoever answers joins and takes over work its lead cannot get to."""
        since = self.world.env.now
        EscalationRun(self.world, self, chain, lambda responder: self.reinforce(responder, since)).start()

    def assign_role(
        self, role: str, responder: Responder, reason: HandoffReason = "role_change", since: float | None = None
    ) -> None:
        """``responder`` takes ``role`` now; anyone paging for it stands down and a previous holder hands over.

        ``reason`` and ``since`` describe that handoff: why the role moves, and from when (default: now).
        """
        run = self.role_runs.get(role)
        if run is not None and not run.done:
            run.stand_down()
        self._paged_roles |= {role}
        previous = self.roles.get(role)
        acting = previous.id if previous is not None else self.record.commander if role == "incident_commander" else ""
        self._engage(responder)
        if acting and acting != responder.id:
            handoff = self.world.new_handoff(self, reason, role, acting, initiated=since)
            self.world.accept_handoff(self, handoff, responder)
        self.roles[role] = responder
        if role == "incident_commander":
            self.record.commander = responder.id
        self._check_mobilized()
        self.refresh()

    def hand_off(self, old: Responder, new: Responder, reason: HandoffReason, *, briefed: bool) -> HandoffRecord:
        """``old`` hands everything they hold here to ``new``, with a written briefing or without one."""
        handoff = self.world.new_handoff(self, reason, self._role_of(old), old.id)
        self._engage(new)
        self.world.accept_handoff(self, handoff, new, briefed=briefed)
        self._transfer(old, new)
        return handoff

    def change_work(self, phase: str, domain: str | None, *, add: float = 0.0, factor: float = 1.0) -> None:
        """A decision's effect: add minutes to, or scale, a phase's work (one domain, or every domain of it)."""
        index = PHASES.index(phase)
        # Phases share read-only maps (every phase without work shares one): the changed phase gets its own.
        work = dict(self.draws.work[index])
        self.draws.work = (*self.draws.work[:index], work, *self.draws.work[index + 1 :])
        domains = [domain] if domain is not None else list(work)
        current = 0 <= self.phase < len(PHASES) and PHASES[self.phase] == phase
        for name in domains:
            item = self.items.get(name) if current else None
            if item is None:
                work[name] = work.get(name, 0.0) * factor + add
                if current and name in self.leads:
                    self._start_domain_work(name)
                elif current:
                    self._page_domain(name, handoff=True)
                continue
            lead = self.leads[name]
            now = self.world.env.now
            left = item.remaining - (now - item.started if lead.current is item else 0.0)
            extra = left * (factor - 1.0) + add
            if left <= 0 and extra > 0:
                # Finished work reopens: the phase is not done after all.
                self.awaiting = None
                self.items[name] = WorkItem(self, extra, self._work_done)
                lead.assign(self.items[name])
            elif lead.current is item:
                lead.interrupt(extra)
            elif left > 0:
                item.remaining += extra
        self.refresh()

    # -- shift changes -------------------------------------------------------------------
    def _holds(self, responder: Responder) -> bool:
        return any(r is responder for r in self.leads.values()) or any(r is responder for r in self.roles.values())

    def _shift_over(self, payload: tuple[Responder, tuple[str, str]]) -> None:
        responder, shift = payload
        if self.closed or responder.id not in self.engaged or not self._holds(responder):
            return
        if self._may_hand_over(None):
            self._hand_over(responder, shift)
            return
        self._staying[responder.id] = (responder, shift)
        self.world.after(self.world.policy.handoffs.shift_change.overtime_cap, self._overtime_over, responder)

    def _may_hand_over(self, reached: str | None) -> bool:
        """Whether someone past their shift may hand over now (``reached``: the milestone just reached).

        With ``hand_off`` they go at once, unless the policy names checkpoints: then they go at
        the next one. With a stay-until rule they go once that milestone is behind them.
        """
        handoffs = self.world.policy.handoffs
        if handoffs.shift_change.mode == "hand_off":
            checkpoints = {CHECKPOINT_MILESTONE[c] for c in handoffs.checkpoints}
            return not checkpoints or reached in checkpoints
        milestone = "contained" if handoffs.shift_change.mode == "stay_until_contained" else "resolved"
        return not isnan(getattr(self.record, milestone))

    def _overtime_over(self, responder: Responder) -> None:
        staying = self._staying.get(responder.id)
        if staying is not None and not self.closed:
            self._hand_over(*staying)

    def _hand_over(self, responder: Responder, shift: tuple[str, str]) -> None:
        self._staying.pop(responder.id, None)
        if responder.id in self._handing_over:
            return
        successor = self.world.on_call_now(*shift)
        if successor is None or successor == responder.id:
            return  # nobody to hand to: they carry on
        self._handing_over |= {responder.id}
        role = self._role_of(responder)
        handoff = self.world.new_handoff(self, "shift_change", role, responder.id)

        def took_over(receiver: Responder) -> None:
            self._handing_over -= {responder.id}
            if self.closed or not self._holds(responder):
                return
            self._engage(receiver)
            self.world.accept_handoff(self, handoff, receiver)
            self._transfer(responder, receiver)

        chain = self.world.person_chain(successor)
        EscalationRun(self.world, self, chain, took_over).start()

    def _transfer(self, old: Responder, new: Responder) -> None:
        """Everything ``old`` holds in this incident passes to ``new``, work in progress included."""
        for role, holder in list(self.roles.items()):
            if holder is old:
                self.roles[role] = new
        if self.record.commander == old.id:
            self.record.commander = new.id
        for domain, lead in list(self.leads.items()):
            if lead is not old:
                continue
            self.leads[domain] = new
            item = self.items.get(domain)
            if item is not None and item.remaining > 0:
                remaining = old.withdraw(item)
                moved = WorkItem(self, remaining + self.extra_work.pop(new.id, 0.0), self._work_done)
                self.items[domain] = moved
                new.assign(moved)
        self._release(old, self.world.env.now)
        self.refresh()

    def _set_lead(self, domain: str, responder: Responder, *, refresh: bool = True) -> None:
        if domain in self.leads:
            return
        self.leads[domain] = responder
        if self.waiting_domains:
            self.waiting_domains.pop(domain, None)
        if self.declared:
            self._check_mobilized()
        if self.phase >= 0 and not self.closed:
            self._start_domain_work(domain)
        if refresh:
            self.refresh()

    def _check_mobilized(self) -> None:
        if not self.declared or not isnan(self.record.mobilized):
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
        """Reach the milestone of the phase just done, then go on to the next phase with work.

        Phases without work are passed through, each reaching its milestone on the way.
        """
        all_work, record = self.draws.work, self.record
        now = self.world.env.now
        phase = self.phase
        while not self.closed:
            if phase >= 0:
                reached = _MILESTONES[phase]
                setattr(record, reached, now)
                self._last_progress = now
                if self._staying and reached != "resolved" and self._may_hand_over(reached):
                    self.phase = phase
                    for responder, shift in list(self._staying.values()):
                        self._hand_over(responder, shift)
            phase += 1
            if phase == _PHASE_COUNT or all_work[phase]:
                break
        self.phase = phase
        if self.closed:
            return
        if phase == _PHASE_COUNT:
            self._close()
            return
        self.items = {}
        # Starting work or paging a domain re-evaluates the incident's state each time.
        for domain in all_work[phase]:
            if domain in self.leads:
                self._start_domain_work(domain)
            else:
                self._page_domain(domain, handoff=True)

    def _start_domain_work(self, domain: str) -> None:
        work = self.draws.work[self.phase]
        if domain not in work or domain in self.items:
            return
        lead = self.leads[domain]
        minutes = work[domain]
        if self.plan.posts:
            minutes *= communications.slowdown(self.world, self, lead)
        if self.extra_work:
            minutes += self.extra_work.pop(lead.id, 0.0)
        item = WorkItem(self, minutes, self._work_done)
        self.items[domain] = item
        lead.assign(item)

    def _work_done(self, item: WorkItem) -> None:
        items = self.items
        for domain in self.draws.work[self.phase]:
            done = items.get(domain)
            if done is None or done.remaining > 0:
                self.refresh()
                return
        seats = self.world.seats
        if seats is not None and seats.declares(self, PHASES[self.phase]):
            self.awaiting = PHASES[self.phase]
            self.refresh()
            return
        self._next_phase()

    def declare(self, phase: str) -> None:
        """A player declares the milestone of a phase whose work is done (drills)."""
        if self.awaiting != phase:
            raise ValueError(f"the {phase} phase is not waiting for a declaration")
        self.awaiting = None
        self._next_phase()

    def _close(self) -> None:
        self.settle()
        self.closed = True
        self.record.reviewed = self.record.recovered + self.draws.review_after
        now, responders = self.world.env.now, self.world.responders
        for person in list(self.engaged):
            self._release(responders[person], now)
        # Runs and work items point back here: dropping them lets reference counting free a closed
        # incident at once, instead of leaving it to the much slower cycle collector.
        self.root_run = None
        self.symptom_runs = self.domain_runs = self.role_runs = _NO_RUNS
        self.items = {}
        cost = self.world.cost
        if cost is not None:
            review_hours = 1 + 0.5 * len(self.participants)
            self.record.cost = (self._role_hours + review_hours) * cost.hourly_rate
        self.world.incident_closed(self)

    # -- accounting --------------------------------------------------------------------
    def refresh(self) -> None:
        """Charge the time since the last change to the state the incident was in, then re-evaluate."""
        since = self._since
        if isnan(since):  # not detected yet
            return
        now = self.world.env.now
        state = self._state
        if state != _IDLE:
            minutes = self._minutes
            minutes[state] = minutes[state] + now - since
        self._since = now
        # What holds the incident up now. The slowest part of a phase holds it up: a domain still
        # without a lead, then a lead busy elsewhere; only when neither is the case is it simply being worked.
        record = self.record
        if self.closed or not isnan(record.recovered):
            self._state = _IDLE
        elif isnan(record.acknowledged):
            self._state = _WAITING_ACK
        elif self._pending_symptom_handoff is not None or (self.waiting_domains and self._domain_waiting()):
            self._state = _WAITING_HANDOFF
        else:
            self._state = _WORKING
            for domain, item in self.items.items():
                if item.remaining > 0 and self.leads[domain].current is not item:
                    self._state = _WAITING_BUSY
                    break

    def settle(self) -> None:
        """Charge time up to now and write the minutes spent in each bottleneck to the record."""
        self.refresh()
        record = self.record
        record.waiting_ack, record.waiting_handoff, record.waiting_busy, record.working = self._minutes

    def _domain_waiting(self) -> bool:
        """Whether the current phase needs a domain still waiting for its lead."""
        waiting = self.waiting_domains
        return 0 <= self.phase < len(PHASES) and any(d in waiting for d in self.draws.work[self.phase])

    def quiet_left(self, window: float) -> float:
        """Minutes until the incident has gone ``window`` without progress; 0 once it has (stalled)."""
        if isnan(self._last_progress):
            return 0.0
        left = window - (self.world.env.now - self._last_progress)
        # A rounding error's worth of time left would reschedule a check for ever.
        return left if left > 1e-9 else 0.0

    def milestone_reached(self, name: str) -> bool:
        """Whether a milestone (acknowledge, mobilize, identify, contain, recover) has been reached."""
        return not isnan(getattr(self.record, SLA_MILESTONE[name]))
