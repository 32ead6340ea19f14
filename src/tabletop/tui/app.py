"""The live drill application: a facilitator console and a seat for every role, in one terminal."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from pathlib import Path

from textual import work
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.reactive import reactive
from textual.widgets import Footer, Header, Static

from tabletop.errors import InputError
from tabletop.sim.drill import FACILITATOR, INCIDENT_ACTIONS, JUMP_WITHIN, Drill, DrillEvent
from tabletop.sim.drill_clock import DrillClock
from tabletop.sim.incident import Incident
from tabletop.sim.inject_timeline import Delivery
from tabletop.sim.seats import ROLE_SEATS, role_of, seat_names, seat_title
from tabletop.spec.fields import format_minutes
from tabletop.tui.dialogs import ChoiceScreen, PromptScreen
from tabletop.tui.hot_wash import HotWashScreen
from tabletop.tui.keys import KEY_SECTIONS, KeysScreen
from tabletop.tui.widgets import ClockBar, Feed, Inbox, IncidentBoard, MselPanel, SeatList, SlaPanel, inbox_title

#: Speeds the facilitator steps through with + and -.
SPEEDS = (1.0, 10.0, 60.0, 300.0, 600.0)
#: Seconds between timer ticks; each advances the engine to the drill clock and redraws.
TICK_SECONDS = 0.05


#: The drill screen's keys: those listed by who uses them, and the number keys of seats 1 to 9.
DRILL_BINDINGS: list[BindingType] = [
    *(binding for _, bindings in KEY_SECTIONS for binding in bindings),
    *(Binding(str(n), f"seat({n})", show=False) for n in range(1, 10)),
]
#: Actions those keys run (without their arguments).
_DRILL_ACTIONS = frozenset(b.action.split("(")[0] for b in DRILL_BINDINGS if isinstance(b, Binding))


class DrillApp(App[None]):
    """A live drill: the engine plays the scenario; people play the seats; the facilitator runs the clock."""

    CSS_PATH = "drill.tcss"
    TITLE = "Tabletop drill"
    BINDINGS = DRILL_BINDINGS
    #: Below this many columns the seat list goes, so the board and the feed keep a readable width.
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (120, "-wide")]

    #: The seat whose view is shown (hot seat).
    seat: reactive[str] = reactive(FACILITATOR)
    #: The incident the clocks show and actions refer to; None: the first one still open.
    incident_number: reactive[int | None] = reactive(None)

    def __init__(
        self,
        drill: Drill,
        clock: DrillClock,
        *,
        out: Path | None = None,
        wall: Callable[[], float] = time.monotonic,
        notice: str = "",
    ) -> None:
        super().__init__()
        self.drill = drill
        self.clock = clock
        self.out = out
        self.notice = notice
        self._wall = wall
        #: When each recent timer tick began and how long it took (engine advance plus redraw), in seconds.
        self.ticks: deque[tuple[float, float]] = deque(maxlen=20_000)
        self._seats = [FACILITATOR, *seat_names(drill.scenario)]
        #: What the panels last showed, so a tick redraws only what changed.
        self._drawn_moment: tuple[float, float, bool, bool] | None = None
        self._drawn_events: tuple[int, str, int] | None = None
        # The drill screen's panels, held here because a dialog may be the active screen when a tick redraws them.
        self.clock_bar = ClockBar(id="clock")
        self.seat_list = SeatList(drill, id="seats")
        self.board = IncidentBoard(id="board")
        self.feed = Feed(drill, id="feed")
        self.inbox_title = Static("", classes="panel-title", id="inbox-title")
        self.inbox = Inbox(id="inbox")
        self.sla = SlaPanel(id="sla")
        self.msel_title = Static("MSEL", classes="panel-title", id="msel-title")
        self.msel = MselPanel(id="msel")

    # -- layout --------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        """Clock on top; seats left; board, clocks and feed in the middle; inbox and MSEL right."""
        yield Header(show_clock=False)
        yield self.clock_bar
        with Horizontal(id="main"):
            yield self.seat_list
            with Vertical(id="centre"):
                yield self.board
                yield self.feed
            with VerticalScroll(id="side"):
                yield self.inbox_title
                yield self.inbox
                yield Static("SLA clocks", classes="panel-title")
                yield self.sla
                yield self.msel_title
                yield self.msel
        yield Footer(show_command_palette=False)

    def on_mount(self) -> None:
        """Wire the drill's events to the feed, draw once and start the timer."""
        self.sub_title = f"{self.drill.scenario.name} · {self.drill.policy.id} · seed {self.drill.setup.seed}"
        self.drill.listeners.append(self._on_event)
        self.feed.seat = FACILITATOR
        self.redraw(everything=True)
        self.set_interval(TICK_SECONDS, self.tick)
        if self.notice:
            self.notify(self.notice, timeout=8)
        elif not self.clock.started:
            self.notify("Press Space to start the exercise · 0–9 or Tab switch seats · ? lists the keys", timeout=8)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Drill actions belong to the drill screen: hidden and inactive over the hot wash."""
        return not (action in _DRILL_ACTIONS and isinstance(self.screen, HotWashScreen))

    # -- the clock -----------------------------------------------------------------------
    def tick(self) -> None:
        """Advance the engine to the drill clock and redraw what changed."""
        if not self.clock.running or self.drill.ended:
            return
        began = time.perf_counter()
        self.drill.advance(self.clock.advance_to(self._wall()))
        self.redraw()
        self.ticks.append((began, time.perf_counter() - began))

    def redraw(self, *, everything: bool = False) -> None:
        """Redraw the panels whose content changed: the clocks when time moved, the rest when something happened."""
        drill, seat = self.drill, self.seat
        moved = (drill.now, self.clock.speed, self.clock.running, drill.ended)
        # Expected actions turn missed as their deadlines pass, so the MSEL also redraws every scenario minute.
        happened = (len(drill.events), seat, int(drill.now) if seat == FACILITATOR else 0)
        if everything or moved != self._drawn_moment:
            self.clock_bar.show(drill, self.clock)
            self.sla.show(drill, self._incident())
        if everything or happened != self._drawn_events:
            self.board.show(drill, self._incident())
            self.inbox.show(drill, seat)
            if seat == FACILITATOR:
                self.msel.show(drill)
        self._drawn_moment, self._drawn_events = moved, happened

    def _on_event(self, event: DrillEvent) -> None:
        self.feed.add(event)
        if event.kind in ("page", "inject", "ready") and event.visible_to(self.seat) and self.seat != FACILITATOR:
            self.bell()

    def action_toggle_clock(self) -> None:
        """Start the exercise, or pause and resume it."""
        control = "start" if not self.clock.started else "pause" if self.clock.running else "resume"
        wall = self._wall()
        if control == "pause" and not self.drill.ended:
            # The engine catches up with the clock first: the pause is journaled, and time stops, at one minute.
            self.drill.advance(self.clock.advance_to(wall))
        if self._control(control):
            if control == "pause":
                self.clock.pause(wall)
            else:
                {"start": self.clock.start, "resume": self.clock.resume}[control]()
            self.redraw()

    def action_faster(self) -> None:
        """Step up to the next speed."""
        self._set_speed(next((s for s in SPEEDS if s > self.clock.speed), SPEEDS[-1]))

    def action_slower(self) -> None:
        """Step down to the previous speed."""
        self._set_speed(next((s for s in reversed(SPEEDS) if s < self.clock.speed), SPEEDS[0]))

    def _set_speed(self, speed: float) -> None:
        if self._control("speed", speed):
            self.clock.set_speed(speed)
            self.redraw()

    def _control(self, control: str, value: float | None = None) -> bool:
        """Journal a clock control, unless the drill refuses it (it has ended); then say why."""
        try:
            self.drill.control(control, value)
        except InputError as error:
            self._refused(error)
            return False
        return True

    def action_jump(self) -> None:
        """Run what is due now and jump to the next thing the drill shows (at most an hour ahead)."""
        shown = len(self.drill.events)
        try:
            target = self.drill.jump()
        except InputError as error:
            self._refused(error)
            return
        if target is None:
            self.notify("Nothing more is scheduled.")
            return
        self.clock.jump_to(target)
        self.drill.advance(self.clock.advance_to(self._wall()))
        if len(self.drill.events) == shown:
            quiet = (
                "Nothing more is scheduled"
                if self.drill.next_event_time() is None
                else f"Nothing showed in the next {format_minutes(JUMP_WITHIN)}"
            )
            self.notify(f"{quiet}: jumped to {self.drill.clock_text(target)}")
        self.redraw()

    def action_keys(self) -> None:
        """List every key, and the seats with their numbers (the seat list is left out when the terminal is narrow)."""
        seats = [
            (str(n) if n < 10 else "", seat_title(seat), seat == FACILITATOR or self.drill.seats.plays(seat))
            for n, seat in enumerate(self._seats)
        ]
        self.push_screen(KeysScreen(seats))

    # -- seats ---------------------------------------------------------------------------
    def watch_seat(self, seat: str) -> None:
        """Show everything from the new seat's point of view."""
        if not self.is_running:
            return
        self.feed.seat = seat
        facilitator = seat == FACILITATOR
        self.msel.display = facilitator
        self.msel_title.display = facilitator
        self.inbox_title.update(inbox_title(seat))
        self.title = f"Tabletop drill — {seat_title(seat)}"
        self.redraw()

    def on_seat_list_seat_chosen(self, message: SeatList.SeatChosen) -> None:
        """The seat list's highlight moved."""
        self.seat = message.seat

    def action_seat(self, number: int) -> None:
        """Switch to the seat with this number (0 is the facilitator)."""
        if number < len(self._seats):
            self.seat_list.highlighted = number

    def action_next_seat(self) -> None:
        """Switch to the next seat somebody plays."""
        playable = [s for s in self._seats if s == FACILITATOR or self.drill.seats.plays(s)]
        following = playable[(playable.index(self.seat) + 1) % len(playable)] if self.seat in playable else FACILITATOR
        self.seat_list.highlighted = self._seats.index(following)

    # -- actions -------------------------------------------------------------------------
    def _incident(self) -> Incident | None:
        """The incident actions refer to: the one chosen with ".", else the first one still open."""
        if not self.drill.incidents:
            return None
        chosen = self.incident_number
        return self.drill.incident(chosen if chosen is not None and chosen <= len(self.drill.incidents) else None)

    def _incident_number(self) -> int | None:
        incident = self._incident()
        return incident.number if incident is not None else None

    def action_next_incident(self) -> None:
        """Choose the next incident for the clocks and the actions (when a drill has several)."""
        incidents = self.drill.incidents
        current = self._incident()
        if current is None:
            self.notify("No incident has started yet")
            return
        following = incidents[(incidents.index(current) + 1) % len(incidents)]
        self.incident_number = following.number
        self.notify(f"Incident {following.number}: {following.kind.name or following.kind.id}")

    def watch_incident_number(self) -> None:
        """Show the chosen incident's clocks and mark it on the board."""
        if self.is_running:
            self.redraw(everything=True)

    def _may(self, action: str) -> bool:
        """Whether the current seat may take ``action`` now; if not, say why, before any dialog asks for more."""
        if not self.clock.started:
            self.notify("Start the exercise first (Space)", severity="warning")
            return False
        try:
            self.drill.check(self.seat, action, self._incident_number())
        except InputError as error:
            self._refused(error)
            return False
        return True

    def _refused(self, error: InputError) -> None:
        """Say why the drill refused an action, as a sentence."""
        reason = str(error)
        self.notify(reason[:1].upper() + reason[1:], severity="warning", timeout=6)

    def _act(self, action: str, **args: object) -> bool:
        """Take an action for the current seat at the current drill time; show why if it cannot be taken."""
        if not self._may(action):
            return False
        number = self._incident_number()
        if action in INCIDENT_ACTIONS and number is not None:
            args = {"incident": number, **args}
        try:
            self.drill.advance(self.clock.advance_to(self._wall()))
            self.drill.act(self.seat, action, **args)
        except InputError as error:
            self._refused(error)
            return False
        self.redraw()
        return True

    @work
    async def action_acknowledge(self) -> None:
        """Acknowledge a page waiting for this seat (asks which, if several)."""
        if not self._may("acknowledge"):
            return
        pages = self.drill.open_pages(self.seat)
        if not pages:
            self.notify("No page is waiting for you")
            return
        number: str | None = str(pages[0].number)
        if len(pages) > 1:
            options = [
                (str(p.number), f"as {self.drill.person_name(p.responder.id)} ({seat_title(p.seat)})") for p in pages
            ]
            number = await self.push_screen_wait(ChoiceScreen("Acknowledge which page?", options))
        if number is not None:
            self._act("acknowledge", page=int(number))

    def action_escalate(self) -> None:
        """Escalate: move an unanswered page on, or ask the next level for help."""
        self._act("escalate")

    @work
    async def action_page(self) -> None:
        """Page a role, a team or a person."""
        if not self._may("page"):
            return
        options = [(f"role:{role}", f"role: {seat_title(role)}") for role in (*ROLE_SEATS, "tech_lead")]
        options += [(f"team:{team.id}", f"team: {team.name or team.id}") for team in self.drill.scenario.teams]
        options += [(f"person:{p.id}", f"person: {p.name}") for p in self.drill.scenario.people]
        chosen = await self.push_screen_wait(ChoiceScreen("Page whom?", options))
        if chosen is not None:
            kind, _, name = chosen.partition(":")
            self._act("page", **{kind: name})

    def action_assume_role(self) -> None:
        """Take this seat's role (for the commander: take command)."""
        role = role_of(self.seat)
        self._act("assume_role", role=role if role in ROLE_SEATS else "incident_commander")

    @work
    async def action_assign_role(self) -> None:
        """The commander gives a role to someone."""
        if not self._may("assign_role"):
            return
        role = await self.push_screen_wait(ChoiceScreen("Assign which role?", [(r, seat_title(r)) for r in ROLE_SEATS]))
        if role is None:
            return
        people = [(p.id, p.name) for p in self.drill.scenario.people]
        person = await self.push_screen_wait(ChoiceScreen(f"Who becomes {seat_title(role)}?", people))
        if person is not None:
            self._act("assign_role", role=role, person=person)

    @work
    async def action_hand_off(self) -> None:
        """Hand everything this seat holds to someone else, with a briefing note."""
        if not self._may("hand_off"):
            return
        number = self._incident_number()
        try:
            relief = self.drill.person_name(self.drill.hand_off_target(self.seat, None, number).id)
        except InputError:
            relief = "nobody now"
        people = [("", f"whoever the roster has on call next ({relief})")]
        people += [(p.id, p.name) for p in self.drill.scenario.people]
        to = await self.push_screen_wait(ChoiceScreen("Hand off to whom?", people))
        if to is None:
            return
        try:
            self.drill.hand_off_target(self.seat, to or None, number)
        except InputError as error:
            self._refused(error)  # before the briefing is written, not after
            return
        note = await self.push_screen_wait(
            PromptScreen(
                "Briefing note (leave empty to hand off without one)", "state, risks, next steps", allow_empty=True
            )
        )
        if note is not None:
            self._act("hand_off", note=note, **({"to": to} if to else {}))

    @work
    async def action_update(self, channel: str) -> None:
        """Post a status update (u: internal, U: external)."""
        if not self._may("post_update"):
            return
        text = await self.push_screen_wait(
            PromptScreen(f"{channel.capitalize()} status update", "what is known, next update at")
        )
        if text:
            self._act("post_update", channel=channel, text=text)

    def action_invite_customer(self) -> None:
        """Invite the affected customer to the bridge."""
        self._act("invite_customer")

    def action_declare(self) -> None:
        """Declare the milestone the incident is waiting for."""
        if not self._may("declare"):
            return
        waiting = [i for i in self.drill.incidents if i.awaiting is not None]
        # An incident this seat may declare, else one waiting for someone else, else the current one: the drill
        # then says why it cannot be declared (whose it is to declare, or whose work is not done).
        incident = next((i for i in waiting if self.drill.may_declare(self.seat, i)), None)
        incident = incident or (waiting[0] if waiting else self._incident())
        if incident is None:
            self.notify("No incident has started yet", severity="warning")
            return
        milestone = self.drill.next_milestone(incident)
        if milestone is None:
            self.notify(f"Incident {incident.number} has reached every milestone", severity="warning")
            return
        self._act("declare", milestone=milestone, incident=incident.number)

    @work
    async def action_choose(self) -> None:
        """Take a decision an inject put to this seat."""
        if not self._may("choose"):
            return
        pending = self.drill.pending_decisions(self.seat)
        if not pending:
            self.notify("No decision is waiting for you")
            return
        delivery: Delivery | None = pending[0]
        if len(pending) > 1:
            options = [
                (d.inject.id, f"{d.inject.id}: {d.inject.decision.prompt if d.inject.decision else ''}")
                for d in pending
            ]
            chosen = await self.push_screen_wait(ChoiceScreen("Which decision?", options))
            delivery = next((d for d in pending if d.inject.id == chosen), None) if chosen else None
        if delivery is None or delivery.inject.decision is None:
            return
        decision = delivery.inject.decision
        option = await self.push_screen_wait(ChoiceScreen(decision.prompt, [(o.id, o.label) for o in decision.options]))
        if option is not None:
            self._act("choose", inject=delivery.inject.id, option=option)

    @work
    async def action_note(self) -> None:
        """Write a note (the facilitator's notes are observations for the report)."""
        if not self._may("note"):
            return
        title = "Observation (facilitator only)" if self.seat == FACILITATOR else "Note"
        text = await self.push_screen_wait(PromptScreen(title))
        if text:
            self._act("note", text=text)

    @work
    async def action_release(self) -> None:
        """Release an inject now, including contingency injects held off the timeline."""
        if not self._may("release"):
            return
        pending = [i for i in self.drill.scenario.injects if self.drill.timeline.status(i.id) == "pending"]
        if not pending:
            self.notify("Every inject has gone out")
            return
        pending.sort(key=lambda i: not i.contingency)
        options = [(i.id, f"{i.id}{' (contingency)' if i.contingency else ''}: {i.synopsis}") for i in pending]
        chosen = await self.push_screen_wait(ChoiceScreen("Release which inject now?", options))
        if chosen is not None:
            self._act("release", inject=chosen)

    @work
    async def action_end(self) -> None:
        """End the exercise and go to the hot wash."""
        if not self.drill.ended:
            if not self._may("end"):
                return
            options = [("yes", "Yes, end it and go to the hot wash"), ("no", "No, carry on")]
            sure = await self.push_screen_wait(ChoiceScreen("End the exercise?", options))
            if sure != "yes" or not self._act("end"):
                return
            self.clock.pause()
        elif self.seat != FACILITATOR:
            self.notify("Switch to the facilitator seat (0) to open the hot wash", severity="warning")
            return
        self.push_screen(HotWashScreen(self.drill, self.out))
