"""A live drill: the engine plays a scenario while people play some of its roles.

The drill advances only when told (``advance``), so the caller decides how wall time maps
to scenario time. Injects fall due in scenario time and go out before engine events of
the same minute. Every player action goes through the engine, so a drill is measured
exactly like a Monte Carlo replication; every input and everything shown is journaled.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from tabletop.errors import InputError
from tabletop.policies.loading import load_pair
from tabletop.policies.model import Policy, Target
from tabletop.scenarios.model import Inject, Scenario
from tabletop.sim.decisions import apply_effect
from tabletop.sim.incident import PHASE_MILESTONE, SLA_MILESTONE, Incident
from tabletop.sim.inject_timeline import (
    Delivery,
    ExpectedActionCheck,
    ExpectedActionResult,
    InjectTimeline,
    LoggedAction,
    ObjectiveRating,
)
from tabletop.sim.journal import DrillSetup, Journal, read_journal
from tabletop.sim.prepared import single_level
from tabletop.sim.records import HandoffReason
from tabletop.sim.responders import Responder
from tabletop.sim.seats import (
    DECLARING_ROLES,
    ROLE_SEATS,
    Post,
    SeatPage,
    Seats,
    UpdateChannel,
    declarers,
    lead_seat,
    role_of,
    seat_names,
    seat_title,
)
from tabletop.sim.world import World
from tabletop.spec.fields import zone
from tabletop.spec.suggest import did_you_mean, one_of

#: The facilitator's seat: sees everything, including facilitator-only notes.
FACILITATOR = "facilitator"
EventKind = Literal[
    "incident",
    "inject",
    "page",
    "acknowledged",
    "missed",
    "milestone",
    "ready",
    "role",
    "handoff",
    "action",
    "decision",
    "observation",
    "control",
]
#: Incident milestones in the order they are reached, as record fields.
MILESTONES = ("detected", "acknowledged", "mobilized", "identified", "contained", "recovered", "resolved")
#: The phase whose milestone each declaration action declares.
DECLARATIONS = {f"declare_{milestone}": phase for phase, milestone in PHASE_MILESTONE.items()}
#: A clock warns once less than this share of its target is left.
SLA_WARNING_SHARE = 0.25
#: Actions taken in an incident role, as words for a refusal: the facilitator runs the exercise and takes none.
ROLE_ACTIONS = {
    "acknowledge": "acknowledge a page",
    "escalate": "escalate",
    "page": "page someone",
    "assume_role": "assume a role",
    "assign_role": "assign a role",
    "hand_off": "hand off",
    "post_update": "post an update",
    "invite_customer": "invite the customer",
    "declare": "declare a milestone",
    "choose": "take a decision",
}
#: Actions only the facilitator takes, as words for a refusal.
FACILITATOR_ACTIONS = {"release": "releases injects", "end": "ends the exercise"}
#: Actions about one incident (their ``incident`` argument; by default the first still open).
INCIDENT_ACTIONS = frozenset(
    {"escalate", "page", "assume_role", "assign_role", "hand_off", "post_update", "invite_customer"}
)


#: How far past the last event it showed a resumed drill starts: enough for that event to have happened.
RESUME_PAST = 1e-6
#: How far past the event it stops at "jump to next" lands (a tenth of a second): later inputs replay after it.
JUMP_PAST = 1.0 / 600.0
#: How far ahead "jump to next" looks for something to show before it stops anyway (scenario minutes).
JUMP_WITHIN = 60.0


class DrillActionError(InputError):
    """An action the drill cannot take now; the message says why and what would work."""


@dataclass(frozen=True)
class DrillEvent:
    """Something the drill showed: to whom, when, and what."""

    minute: float
    kind: EventKind
    text: str
    #: Seats or role families that see it ("all": every seat); the facilitator sees everything.
    to: tuple[str, ...]
    incident: int = 0
    #: Facilitator-only detail.
    detail: str = ""

    def visible_to(self, seat: str) -> bool:
        """Whether the event shows in ``seat``'s feed."""
        return seat == FACILITATOR or "all" in self.to or seat in self.to or role_of(seat) in self.to

    def line(self) -> dict[str, Any]:
        """The event as a journal line."""
        return {
            "type": "event",
            "minute": self.minute,
            "kind": self.kind,
            "text": self.text,
            "to": list(self.to),
            "incident": self.incident,
            "detail": self.detail,
        }


@dataclass(frozen=True)
class SlaClock:
    """One SLA target of an incident, counting from detection."""

    metric: str
    target: float | None
    elapsed: float
    reached: bool

    @property
    def left(self) -> float | None:
        """Minutes left before the target is breached (negative once breached)."""
        return None if self.target is None else self.target - self.elapsed

    @property
    def state(self) -> Literal["met", "breached", "warning", "running", "untargeted"]:
        """How the clock stands."""
        left = self.left
        if left is None or self.target is None:
            return "untargeted"
        if left < 0:
            return "breached"
        if self.reached:
            return "met"
        return "warning" if left < SLA_WARNING_SHARE * self.target else "running"


@dataclass(frozen=True)
class Improvement:
    """A corrective action of the improvement plan."""

    objective: str
    action: str
    owner: str
    due: str


class Drill:
    """One live drill: the world, the played seats, the MSEL and everything that happened."""

    def __init__(self, scenario: Scenario, policy: Policy, setup: DrillSetup, journal: Journal | None = None) -> None:
        seats = set(seat_names(scenario))
        for seat in setup.played:
            if seat not in seats and seat != "tech_lead":
                raise InputError(f"no seat '{seat}' in this drill{did_you_mean(seat, seats)} (seats: {one_of(seats)})")
        self.scenario = scenario
        self.policy = policy
        self.setup = setup
        self.world = World(scenario, policy, seed=setup.seed, replication=0)
        self.seats = Seats(set(setup.played))
        self.world.seats = self.seats
        self.timeline = InjectTimeline(scenario)
        self.events: list[DrillEvent] = []
        self.actions: list[LoggedAction] = []
        self.choices: dict[str, str] = {}
        self.ratings: dict[str, tuple[ObjectiveRating, str]] = {}
        self.improvements: list[Improvement] = []
        self.ended = False
        #: Scenario seconds per real second the facilitator last chose.
        self.speed = setup.speed
        self.listeners: list[Callable[[DrillEvent], None]] = []
        self._journal = journal
        self._incidents_seen = 0
        self._pages_seen = 0
        self._handoffs_seen = 0
        self._unsettled: list[int] = []
        self._reached: dict[int, set[str]] = {}
        self._holders: dict[int, dict[str, str]] = {}
        #: Everyone who held each seat's role or lead, in any incident, in the order they first took it (person ids).
        self.held: dict[str, list[str]] = {}
        self._awaiting: dict[int, str | None] = {}
        self._waiting_handoffs: list[int] = []
        #: Incidents whose state may still change what the seats see.
        self._watching: list[Incident] = []
        self.world.begin()

    # -- time ----------------------------------------------------------------------------
    @property
    def now(self) -> float:
        """Scenario minutes since the drill's start."""
        return float(self.world.env.now)

    def advance(self, until: float, *, inclusive: bool = False) -> None:
        """Play the world up to scenario minute ``until``, releasing injects as they fall due.

        Engine events before ``until`` happen (at it too when ``inclusive``); injects due by
        ``until`` go out, each at its due minute and before engine events of that minute.
        """
        env = self.world.env
        while True:
            self._deliver_due()
            milestones = self.milestones()
            inject_at = self.timeline.next_time(self.now, milestones)
            event_at = env.peek()
            if inject_at is not None and inject_at <= until and inject_at <= event_at:
                env.run(until=inject_at)
                continue
            if event_at < until or (inclusive and event_at == until):
                env.step()
                self._observe()
                continue
            break
        if until > self.now:
            env.run(until=until)
        self._observe()

    def next_event_time(self) -> float | None:
        """When the engine or the MSEL next acts: an engine event or an inject falling due (maybe now)."""
        inject_at = self.timeline.next_time(self.now, self.milestones())
        event_at = self.world.env.peek()
        times = [t for t in (inject_at, event_at) if t is not None and math.isfinite(t)]
        return min(times, default=None)

    def jump(self, within: float = JUMP_WITHIN) -> float | None:
        """Play what is due now, then on to just past the next thing the drill shows; journal the jump.

        Engine events that show nothing (timers, checks) are passed over. Returns the minute
        reached: just past the first minute later than now at which something showed, or
        ``within`` minutes ahead if nothing did by then; None, without moving, when nothing
        more is scheduled at all. Raises DrillActionError once the exercise has ended.
        """
        self._going()
        start = self.now
        shown = len(self.events)
        played: float | None = None
        while (upcoming := self.next_event_time()) is not None and upcoming < start + within:
            # Inclusive, so events of that very minute happen; what shows at the start minute is not "next".
            self.advance(upcoming, inclusive=True)
            played = upcoming
            if upcoming <= start:
                shown = len(self.events)
            elif len(self.events) > shown:
                break
        if upcoming is None and played is None:
            return None
        # Just past what was played, so an input at the landing minute replays after it on resume.
        target = start + within if upcoming is not None and len(self.events) == shown else self.now + JUMP_PAST
        self.advance(target)
        self.control("jump", target)
        return target

    # -- what the seats see --------------------------------------------------------------
    @property
    def incidents(self) -> list[Incident]:
        """Incidents started so far, in order."""
        return self.seats.incidents

    def incident(self, number: int | None = None) -> Incident:
        """An incident by number; by default the first still open (else the first)."""
        if not self.incidents:
            raise DrillActionError("no incident has started yet")
        if number is None:
            return next((i for i in self.incidents if not i.closed), self.incidents[0])
        for incident in self.incidents:
            if incident.number == number:
                return incident
        raise DrillActionError(f"no incident {number}; incidents so far: 1 to {len(self.incidents)}")

    def milestones(self) -> dict[str, float]:
        """Milestones the exercise's first incident has reached, by name (what triggered injects watch)."""
        return self.reached(self.incidents[0]) if self.incidents else {}

    def sla_clocks(self, incident: Incident) -> list[SlaClock]:
        """The incident's SLA clocks: acknowledge to recover, against its tier's targets."""
        record = incident.record
        targets = self.world.tiers[record.tier].sla
        clocks = []
        if math.isnan(record.detected):
            return []
        for metric, milestone in SLA_MILESTONE.items():
            reached_at = getattr(record, milestone)
            reached = not math.isnan(reached_at)
            elapsed = (reached_at if reached else self.now) - record.detected
            clocks.append(SlaClock(metric, getattr(targets, metric), elapsed, reached))
        return clocks

    def holders(self, incident: Incident) -> dict[str, str]:
        """Who holds each role and domain lead of an incident, by person id."""
        held = {role: responder.id for role, responder in incident.roles.items()}
        if "incident_commander" not in held and incident.record.commander:
            held["incident_commander"] = incident.record.commander
        held.update({lead_seat(domain): responder.id for domain, responder in incident.leads.items()})
        return held

    def reached(self, incident: Incident) -> dict[str, float]:
        """Milestones an incident has reached, in lifecycle order, with the minute each was reached."""
        record = incident.record
        return {name: value for name in MILESTONES if not math.isnan(value := getattr(record, name))}

    def next_milestone(self, incident: Incident) -> str | None:
        """The milestone an incident is declared at next: the one whose work is done, else the first not reached."""
        if incident.awaiting is not None:
            return PHASE_MILESTONE[incident.awaiting]
        return next((m for m in PHASE_MILESTONE.values() if math.isnan(getattr(incident.record, m))), None)

    @staticmethod
    def milestone_of(phase: str) -> str:
        """The milestone a phase's declaration reaches (``contain`` → ``contained``)."""
        return PHASE_MILESTONE[phase]

    def may_declare(self, seat: str, incident: Incident) -> bool:
        """Whether a seat may declare the milestone the incident waits for."""
        phase = incident.awaiting
        if phase is None:
            return False
        return seat in declarers(incident, phase)

    def person_name(self, person: str) -> str:
        """A person's display name."""
        return self.world.responders[person].person.name

    def feed(self, seat: str) -> list[DrillEvent]:
        """Events a seat has seen, oldest first."""
        return [event for event in self.events if event.visible_to(seat)]

    def open_pages(self, seat: str) -> list[SeatPage]:
        """Pages waiting for this seat's answer (the facilitator sees every seat's)."""
        return self.seats.open_pages(None if seat == FACILITATOR else seat)

    def pending_decisions(self, seat: str) -> list[Delivery]:
        """Delivered injects whose decision this seat may take and nobody has taken yet."""
        return [
            d
            for d in self.timeline.deliveries
            if d.inject.decision is not None
            and d.inject.id not in self.choices
            and (seat == FACILITATOR or _addressed(d.inject, seat))
        ]

    def played_seats(self) -> list[str]:
        """Seats somebody plays, each tech lead domain on its own (``tech_lead`` sits in every domain's seat)."""
        return [s for s in seat_names(self.scenario) if self.seats.plays(s)]

    def played_roles(self) -> set[str]:
        """Role families somebody plays (tech leads count once)."""
        return {role_of(seat) for seat in self.setup.played}

    def expected_results(self) -> list[ExpectedActionResult]:
        """How the played roles met the expected actions of the injects delivered so far."""
        results = ExpectedActionCheck().rate(self.timeline.deliveries, self.actions, self.now)
        played = self.played_roles()
        return [r for r in results if r.who in played]

    def proposed_ratings(self) -> dict[str, ObjectiveRating]:
        """P/S/M/U per objective from the played roles' expected actions."""
        return ExpectedActionCheck().objectives(self.timeline.deliveries, self.expected_results())

    # -- player actions ------------------------------------------------------------------
    def check(self, seat: str, action: str, incident: int | None = None) -> None:
        """Raise DrillActionError, saying why, if ``seat`` may not take ``action`` now whatever its other arguments.

        Ask before asking a player for the arguments, so nobody writes a note for nothing.
        ``incident`` is the one an incident action would go to (by default the first still open).
        """
        self._going()
        handlers = self._handlers()
        if action not in handlers:
            raise DrillActionError(f"no action '{action}'{did_you_mean(action, handlers)}")
        if seat == FACILITATOR and action in ROLE_ACTIONS:
            raise DrillActionError(
                f"the facilitator (seat 0) acts in no role: switch to a played seat to {ROLE_ACTIONS[action]}"
            )
        if seat != FACILITATOR and action in FACILITATOR_ACTIONS:
            raise DrillActionError(f"only the facilitator {FACILITATOR_ACTIONS[action]}: switch to seat 0")
        if seat != FACILITATOR and not self.seats.plays(seat):
            raise DrillActionError(f"nobody plays '{seat}' in this drill; played: {one_of(self.setup.played)}")
        if action == "assign_role" and role_of(seat) != "incident_commander":
            raise DrillActionError("only the incident commander assigns roles")
        if action == "declare" and role_of(seat) not in DECLARING_ROLES:
            raise DrillActionError("only the incident commander or a tech lead of the work declares milestones")
        if action in INCIDENT_ACTIONS:
            subject = self.incident(incident)
            if action == "hand_off":
                self._holder(seat, subject)

    def act(self, seat: str, action: str, **args: Any) -> DrillEvent:
        """Take a player's or the facilitator's action now; raises DrillActionError if it cannot be taken."""
        self.check(seat, action, args.get("incident"))
        event = self._handlers()[action](seat, **args)
        self._write({"type": "input", "minute": self.now, "seat": seat, "action": action, "args": args})
        self._emit(event)
        self._observe()
        return event

    def journal_to(self, journal: Journal) -> None:
        """Journal everything from now on to ``journal``."""
        self._journal = journal

    def control(self, control: str, value: float | None = None) -> None:
        """Journal a clock control (start, pause, resume, speed, jump): the record of how the drill was run.

        Raises DrillActionError once the exercise has ended: its clock stays where it stopped.
        """
        self._going()
        if control == "speed" and value is not None:
            self.speed = value
        self._write({"type": "control", "minute": self.now, "control": control, "value": value})

    def rate(self, objective: str, rating: ObjectiveRating, comment: str = "") -> None:
        """The hot wash's rating of an objective (the facilitator may change the proposed one)."""
        if objective not in {o.id for o in self.scenario.objectives}:
            raise DrillActionError(f"no objective '{objective}'")
        self.ratings[objective] = (rating, comment)
        self._write({"type": "rating", "objective": objective, "rating": rating, "comment": comment})

    def plan(self, improvement: Improvement) -> None:
        """Set an objective's corrective action in the improvement plan; one without an action removes it.

        The hot wash has one corrective action per objective, which the facilitator may edit and save again.
        """
        kept = [planned for planned in self.improvements if planned.objective != improvement.objective]
        self.improvements = [*kept, improvement] if improvement.action else kept
        self._write({"type": "improvement", **improvement.__dict__})

    def planned(self, objective: str) -> Improvement | None:
        """The corrective action planned for an objective, if any."""
        return next((planned for planned in self.improvements if planned.objective == objective), None)

    def _handlers(self) -> dict[str, Callable[..., DrillEvent]]:
        return {
            "acknowledge": self._acknowledge,
            "escalate": self._escalate,
            "page": self._page,
            "assume_role": self._assume_role,
            "assign_role": self._assign_role,
            "hand_off": self._hand_off,
            "post_update": self._post_update,
            "invite_customer": self._invite_customer,
            "declare": self._declare,
            "choose": self._choose,
            "note": self._note,
            "release": self._release,
            "end": self._end,
        }

    def _acknowledge(self, seat: str, page: int) -> DrillEvent:
        entry = next((p for p in self.open_pages(seat) if p.number == page), None)
        if entry is None:
            raise DrillActionError(f"page {page} is not waiting for {seat}'s answer")
        acting = entry.seat
        self.seats.answer(entry)
        self._log(acting, "acknowledge")
        name = self.person_name(entry.responder.id)
        # Every seat sees the acknowledgement itself; this line is the facilitator's record of who played it.
        text = f"{name} acknowledged the page ({seat_title(acting)}, played)"
        return self._event("action", text, entry.run.incident, FACILITATOR)

    def _escalate(self, seat: str, incident: int | None = None) -> DrillEvent:
        target = self.incident(incident)
        run = target.root_run
        if run is not None and not run.done:
            run.advance()
            text = "escalated the unanswered page to the next level"
        else:
            target.request_help()
            brought = run is not None and run.escalate_further()
            text = "escalated: paging the next level for help" if brought else "escalated: asking for more help"
        self._log(seat, "escalate")
        return self._event("action", f"{seat_title(seat)} {text}", target, seat)

    def _page(
        self,
        seat: str,
        role: str | None = None,
        team: str | None = None,
        person: str | None = None,
        incident: int | None = None,
    ) -> DrillEvent:
        subject = self.incident(incident)
        if [role, team, person].count(None) != 2:
            raise DrillActionError("page one role, team or person at a time")
        if role is not None:
            roles = [*ROLE_SEATS, "tech_lead"]
            if role not in roles:
                raise DrillActionError(f"no role '{role}'{did_you_mean(role, roles)}; roles: {one_of(roles)}")
            subject.call_in(role)
            whom = seat_title(role)
        elif team is not None:
            teams = {t.id: t for t in self.scenario.teams}
            if team not in teams:
                raise DrillActionError(f"no team '{team}'{did_you_mean(team, teams)}; teams: {one_of(teams)}")
            chain = self.world.chain(("team", team), lambda: single_level(f"team.{team}", Target(team=team)))
            subject.bring_in(chain)
            whom = f"the {teams[team].name or team} team"
        else:
            assert person is not None
            subject.bring_in(self.world.person_chain(self._responder(person).id))
            whom = self.person_name(person)
        self._log(seat, "page")
        return self._event("action", f"{seat_title(seat)} paged {whom}", subject, seat)

    def _assume_role(self, seat: str, role: str | None = None, incident: int | None = None) -> DrillEvent:
        subject = self.incident(incident)
        role = role or role_of(seat)
        if role not in ROLE_SEATS:
            raise DrillActionError(f"'{role}' is not a role one can assume; roles: {one_of(ROLE_SEATS)}")
        person = self._person(seat, subject) or self._on_call_for(role)
        if person is None:
            raise DrillActionError(f"nobody is on call as {seat_title(role)} for you to play; page someone first")
        subject.assign_role(role, person)
        self.seats.person[(seat, subject.number)] = person
        self._log(seat, "assume_role")
        return self._event("action", f"{self.person_name(person.id)} assumed {seat_title(role)}", subject, seat)

    def _assign_role(self, seat: str, role: str, person: str, incident: int | None = None) -> DrillEvent:
        subject = self.incident(incident)
        if role not in ROLE_SEATS:
            raise DrillActionError(f"no role '{role}'{did_you_mean(role, ROLE_SEATS)}; roles: {one_of(ROLE_SEATS)}")
        responder = self._responder(person)
        subject.assign_role(role, responder)
        if self.seats.plays(role):
            self.seats.person[(role, subject.number)] = responder
        self._log(seat, "assign_role")
        return self._event("action", f"{self.person_name(person)} is now {seat_title(role)}", subject, seat)

    def hand_off_target(self, seat: str, to: str | None = None, incident: int | None = None) -> Responder:
        """Who a hand-off from ``seat`` would go to: ``to``, else whoever relieves its holder on the roster now.

        Raises DrillActionError if the seat holds nothing or nobody can take over, so a player
        learns it before writing a briefing.
        """
        old = self._holder(seat, self.incident(incident))
        new = self._responder(to) if to is not None else self._successor(old)
        if new is old:
            raise DrillActionError(f"{self.person_name(old.id)} cannot hand off to themselves")
        return new

    def _hand_off(self, seat: str, note: str = "", to: str | None = None, incident: int | None = None) -> DrillEvent:
        subject = self.incident(incident)
        old = self._holder(seat, subject)
        new = self.hand_off_target(seat, to, subject.number)
        reason: HandoffReason = "role_change" if to is not None else "shift_change"
        handoff = subject.hand_off(old, new, reason, briefed=bool(note.strip()))
        self.seats.person[(seat, subject.number)] = new
        self._log(seat, "hand_off")
        how = "with a briefing" if handoff.briefed else "without a briefing"
        text = f"{self.person_name(old.id)} handed off to {self.person_name(new.id)} {how}"
        return self._event("action", text + (f": {note.strip()}" if note.strip() else ""), subject, "all")

    def _post_update(self, seat: str, channel: str, text: str, incident: int | None = None) -> DrillEvent:
        subject = self.incident(incident)
        if channel not in {"internal", "external"}:
            raise DrillActionError(f"updates are internal or external, not '{channel}'")
        if not text.strip():
            raise DrillActionError("write the update first")
        kind: UpdateChannel = "internal" if channel == "internal" else "external"
        self.seats.posts.append(Post(self.now, seat, subject.number, kind, text.strip()))
        self._log(seat, f"post_{channel}_update")
        return self._event("action", f"{seat_title(seat)} posted an {channel} update: {text.strip()}", subject, "all")

    def _invite_customer(self, seat: str, incident: int | None = None) -> DrillEvent:
        subject = self.incident(incident)
        invited = subject.record.customer_invited
        if not math.isnan(invited):
            raise DrillActionError(f"the customer has been on the bridge since {self.clock_text(invited)}")
        subject.record.customer_invited = self.now
        self._log(seat, "invite_customer")
        return self._event("action", f"{seat_title(seat)} invited the customer to the bridge", subject, "all")

    def _declare(self, seat: str, milestone: str, incident: int | None = None) -> DrillEvent:
        subject = self.incident(incident)
        action = f"declare_{milestone}"
        phase = DECLARATIONS.get(action)
        if phase is None:
            names = [a.removeprefix("declare_") for a in DECLARATIONS]
            hint = did_you_mean(milestone, names)
            raise DrillActionError(f"cannot declare '{milestone}'{hint}; one of {one_of(names)}")
        reached = getattr(subject.record, PHASE_MILESTONE[phase])
        if not math.isnan(reached):
            raise DrillActionError(f"{milestone} was declared at {self.clock_text(reached)}")
        if subject.awaiting != phase:
            working = sorted(d for d, item in subject.items.items() if item.remaining > 0) or ["nobody yet"]
            raise DrillActionError(
                f"not {milestone} yet: the {phase} work is not done (still working: {', '.join(working)})"
            )
        if not self.may_declare(seat, subject):
            raise DrillActionError(f"only the incident commander or a tech lead of the {phase} work declares it")
        subject.declare(phase)
        self._log(seat, action)
        return self._event("action", f"{seat_title(seat)} declared the incident {milestone}", subject, "all")

    def _choose(self, seat: str, inject: str, option: str) -> DrillEvent:
        delivery = next((d for d in self.pending_decisions(seat) if d.inject.id == inject), None)
        if delivery is None:
            raise DrillActionError(f"no decision from inject '{inject}' is waiting for {seat_title(seat)}")
        event = self._apply_choice(delivery.inject, option, by=seat_title(seat))
        self._log(seat, "choose")
        return event

    def _note(self, seat: str, text: str) -> DrillEvent:
        if not text.strip():
            raise DrillActionError("write the note first")
        if seat == FACILITATOR:
            return self._event("observation", f"Facilitator observed: {text.strip()}", None, FACILITATOR)
        self._log(seat, "note")
        return self._event("action", f"{seat_title(seat)} noted: {text.strip()}", None, seat)

    def _release(self, seat: str, inject: str) -> DrillEvent:
        try:
            if self.timeline.status(inject) == "delivered":
                raise DrillActionError(f"inject '{inject}' has already gone out")
            delivery = self.timeline.release(inject, self.now)
        except KeyError:
            ids = [i.id for i in self.scenario.injects]
            raise DrillActionError(f"no inject '{inject}'{did_you_mean(inject, ids)}") from None
        self._announce(delivery)
        return self._event("control", f"Facilitator released {inject}", None, FACILITATOR)

    def _end(self, seat: str) -> DrillEvent:
        self.ended = True
        return self._event("control", "The exercise has ended", None, "all")

    # -- helpers -------------------------------------------------------------------------
    def _going(self) -> None:
        if self.ended:
            raise DrillActionError("the exercise has ended")

    def local_time(self, minute: float) -> datetime:
        """A scenario minute as a date and time in the scenario's own time zone."""
        return self.world.clock.local(minute, zone(self.scenario.time_zone))

    def clock_text(self, minute: float) -> str:
        """A scenario minute as the local wall-clock time of the scenario (e.g. ``03:14``)."""
        return self.local_time(minute).strftime("%H:%M")

    def _person(self, seat: str, incident: Incident) -> Responder | None:
        """Whom the seat plays: whoever holds its role or lead now (the engine may have moved it), else who answered."""
        role = role_of(seat)
        if role == "tech_lead":
            holder = incident.leads.get(seat.split(":", 1)[1]) if ":" in seat else None
        else:
            holder = incident.roles.get(role)
        return holder if holder is not None else self.seats.person.get((seat, incident.number))

    def _holder(self, seat: str, incident: Incident) -> Responder:
        held = self._person(seat, incident)
        if held is None:
            raise DrillActionError(f"{seat_title(seat)} holds nothing in incident {incident.number} to hand off")
        return held

    def _on_call_for(self, role: str) -> Responder | None:
        chain = self.world.role_chain(role)
        if chain is None:
            return None
        for target in chain.levels[0].targets:
            people = self.world.resolve(target) if target.kind != "pool" else []
            if people:
                return self.world.responders[people[0]]
        return None

    def _successor(self, old: Responder) -> Responder:
        shift = self.world.shift_of(old.id)
        successor = self.world.on_call_now(shift[0], shift[1]) if shift is not None else None
        if successor is None or successor == old.id:
            raise DrillActionError(
                f"nobody relieves {self.person_name(old.id)} on the roster now; name who to hand off to"
            )
        return self.world.responders[successor]

    def _responder(self, person: str) -> Responder:
        try:
            return self.world.responders[person]
        except KeyError:
            raise DrillActionError(f"no person '{person}'{did_you_mean(person, self.world.responders)}") from None

    def _log(self, seat: str, action: str) -> None:
        self.actions.append((self.now, role_of(seat), action))

    def _event(self, kind: EventKind, text: str, incident: Incident | None, *to: str, detail: str = "") -> DrillEvent:
        return DrillEvent(self.now, kind, text, to, incident.number if incident is not None else 0, detail)

    def _emit(self, event: DrillEvent) -> None:
        self.events.append(event)
        self._write(event.line())
        for listener in self.listeners:
            listener(event)

    def _write(self, line: dict[str, Any]) -> None:
        if self._journal is not None:
            self._journal.write(line)

    # -- injects and decisions -----------------------------------------------------------
    def _deliver_due(self) -> None:
        for delivery in self.timeline.due(self.now, self.milestones()):
            self._announce(delivery)

    def _announce(self, delivery: Delivery) -> None:
        inject = delivery.inject
        headline = inject.synopsis or inject.message.split(".")[0]
        sender = f" from {inject.sender}" if inject.sender else ""
        text = f"[{inject.id} · {inject.channel}{sender}] {headline}\n{inject.message.strip()}"
        self._emit(DrillEvent(self.now, "inject", text, tuple(inject.to), 0, inject.facilitator_notes.strip()))
        if inject.decision is not None and not any(_addressed(inject, seat) for seat in self.played_seats()):
            # Nobody plays a recipient: the engine takes the policy's standard answer, the first option.
            self._emit(self._apply_choice(inject, inject.decision.options[0].id, by="The engine"))

    def _apply_choice(self, inject: Inject, option: str, *, by: str) -> DrillEvent:
        assert inject.decision is not None
        options = {o.id: o for o in inject.decision.options}
        chosen = options.get(option)
        if chosen is None:
            raise DrillActionError(f"no option '{option}' for {inject.id}{did_you_mean(option, options)}")
        self.choices[inject.id] = option
        subject = self.incident()
        changes = [apply_effect(self.world, subject, effect) for effect in chosen.effects]
        detail = "; ".join(changes) or "no change to the world"
        return self._event("decision", f"{by} chose for {inject.id}: {chosen.label}", subject, "all", detail=detail)

    # -- watching the engine -------------------------------------------------------------
    def _observe(self) -> None:
        """Turn what the engine did since last time into events, in the order it happened."""
        found: list[DrillEvent] = []
        for incident in self.incidents[self._incidents_seen :]:
            text = f"Incident {incident.number} starts: {incident.kind.name or incident.kind.id}"
            found.append(DrillEvent(incident.record.started, "incident", text, (FACILITATOR,), incident.number))
        self._watching += self.incidents[self._incidents_seen :]
        self._incidents_seen = len(self.incidents)
        found += self._observe_pages()
        for incident in self._watching:
            found += self._observe_incident(incident)
        self._watching = [i for i in self._watching if not i.closed]
        found += self._observe_handoffs()
        for event in sorted(found, key=lambda e: e.minute):
            self._emit(event)

    def _observe_pages(self) -> list[DrillEvent]:
        found = []
        pages = self.world.records.pages
        for index in range(self._pages_seen, len(pages)):
            record = pages[index]
            entry = self.seats.seat_of_page.get(id(record))
            name = self.person_name(record.person)
            where = f"level {record.level + 1}, {record.context.replace('_', ' ')}"
            if entry is not None and entry.run.acknowledged_by is not None:
                text = f"Re-page for {seat_title(entry.seat)}: incident {record.incident} is stalled and not resolved"
                found.append(DrillEvent(record.paged, "page", text, (entry.seat,), record.incident))
            elif entry is not None:
                text = f"Page for you ({seat_title(entry.seat)}) as {name}: incident {record.incident}, {where}"
                found.append(DrillEvent(record.paged, "page", text, (entry.seat,), record.incident))
            else:
                text = f"{name} paged ({where})"
                found.append(DrillEvent(record.paged, "page", text, (FACILITATOR,), record.incident))
            self._unsettled.append(index)
        self._pages_seen = len(pages)
        still = []
        for index in self._unsettled:
            record = pages[index]
            name = self.person_name(record.person)
            if record.outcome == "acknowledged":
                text = f"{name} acknowledged"
                found.append(DrillEvent(record.answered, "acknowledged", text, ("all",), record.incident))
            elif record.outcome == "missed":
                text = f"{name} missed the page"
                found.append(DrillEvent(record.paged, "missed", text, (FACILITATOR,), record.incident))
            else:
                still.append(index)
        self._unsettled = still
        return found

    def _observe_incident(self, incident: Incident) -> list[DrillEvent]:
        found = []
        record = incident.record
        seen = self._reached.setdefault(incident.number, set())
        for name, value in self.reached(incident).items():
            if name not in seen:
                seen.add(name)
                text = f"Incident {incident.number} {name} ({record.tier})"
                found.append(DrillEvent(value, "milestone", text, ("all",), incident.number))
        holders = self.holders(incident)
        previous = self._holders.setdefault(incident.number, {})
        for role, person in sorted(holders.items()):
            if previous.get(role) != person:
                text = f"{self.person_name(person)} is {seat_title(role)} for incident {incident.number}"
                found.append(DrillEvent(self.now, "role", text, ("all",), incident.number))
                taken = self.held.setdefault(role, [])
                if person not in taken:
                    taken.append(person)
        self._holders[incident.number] = holders
        if incident.awaiting != self._awaiting.get(incident.number):
            self._awaiting[incident.number] = incident.awaiting
            if incident.awaiting is not None:
                milestone = PHASE_MILESTONE[incident.awaiting]
                text = f"The {incident.awaiting} work of incident {incident.number} is done: declare it {milestone}"
                seats = declarers(incident, incident.awaiting)
                found.append(DrillEvent(self.now, "ready", text, seats, incident.number))
        return found

    def _observe_handoffs(self) -> list[DrillEvent]:
        found = []
        handoffs = self.world.records.handoffs
        self._waiting_handoffs += range(self._handoffs_seen, len(handoffs))
        self._handoffs_seen = len(handoffs)
        still = []
        for index in self._waiting_handoffs:
            record = handoffs[index]
            if math.isnan(record.accepted):
                still.append(index)
            else:
                sender = self.person_name(record.sender) if record.sender else "nobody"
                receiver = self.person_name(record.receiver)
                how = "briefed" if record.briefed else "not briefed"
                reason = record.reason.replace("_", " ")
                text = f"Handoff ({reason}, {seat_title(record.role)}): {sender} → {receiver}, {how}"
                found.append(DrillEvent(self.now, "handoff", text, ("all",), record.incident))
        self._waiting_handoffs = still
        return found


def _addressed(inject: Inject, seat: str) -> bool:
    return "all" in inject.to or role_of(seat) in inject.to


def open_drill(setup: DrillSetup, journal: Path | None) -> Drill:
    """Load the scenario and policy a set-up names and start a new drill, journaled if asked."""
    scenario, policy = load_pair(setup.scenario, setup.policy)
    drill = Drill(scenario, policy, setup)
    if journal is not None:
        drill.journal_to(Journal.create(journal, setup))  # only once the set-up is known to be good
    return drill


def resume_drill(path: Path) -> Drill:
    """Rebuild a drill from its journal (set-up plus recorded inputs) and carry on journaling to it.

    The rebuilt drill must show exactly the events the journal recorded; anything else means
    the journal was edited or written by another version, and the resume is refused.
    """
    contents = read_journal(path)
    scenario, policy = load_pair(contents.setup.scenario, contents.setup.policy)
    drill = Drill(scenario, policy, contents.setup)
    reached = 0.0
    for line in contents.lines:
        kind = line.get("type")
        if kind == "input":
            drill.advance(float(line["minute"]))
            drill.act(str(line["seat"]), str(line["action"]), **dict(line.get("args", {})))
        elif kind == "rating":
            drill.rate(str(line["objective"]), line["rating"], str(line.get("comment", "")))
        elif kind == "improvement":
            drill.plan(Improvement(str(line["objective"]), str(line["action"]), str(line["owner"]), str(line["due"])))
        elif kind == "event":
            # The engine had got past every event it showed.
            reached = max(reached, float(line["minute"]) + RESUME_PAST)
        elif kind == "control" and line.get("control") == "speed" and line.get("value") is not None:
            drill.speed = float(line["value"])
        if kind in {"input", "control"}:
            reached = max(reached, float(line["minute"]))
    drill.advance(reached)
    recorded = [_comparable(line) for line in contents.of_type("event")]
    replayed = [_comparable(event.line()) for event in drill.events]
    if replayed[: len(recorded)] != recorded:
        pairs = enumerate(zip(recorded, replayed, strict=False))
        first = next((i for i, (a, b) in pairs if a != b), min(len(recorded), len(replayed)))
        shown = recorded[first] if first < len(recorded) else "(nothing)"
        raise InputError(
            f"{path}: the drill does not replay as journaled (event {first + 1}: {shown}); "
            "was the journal edited, or written by another version of Tabletop?"
        )
    # Events the crash cut off before they were written are journaled now, so nothing is lost.
    journal = Journal.append_to(path, drop_torn=contents.torn)
    for event in drill.events[len(recorded) :]:
        journal.write(event.line())
    drill.journal_to(journal)
    return drill


def _comparable(line: dict[str, Any]) -> tuple[Any, ...]:
    return (round(float(line["minute"]), 9), line["kind"], line["text"], tuple(line["to"]), line["incident"])
