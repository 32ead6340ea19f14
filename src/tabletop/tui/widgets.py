"""The drill screen's panels: clock, seats, incident board, SLA clocks, inbox, MSEL and the event feed."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import OptionList, RichLog, Static
from textual.widgets.option_list import Option

from tabletop.sim.drill import FACILITATOR, Drill, DrillEvent
from tabletop.sim.drill_clock import DrillClock
from tabletop.sim.incident import Incident
from tabletop.sim.seats import seat_names, seat_title
from tabletop.spec.fields import format_minutes

#: Colour of each SLA clock state.
CLOCK_STYLE = {"met": "green", "breached": "bold red", "warning": "bold yellow", "running": "", "untargeted": "dim"}
#: Colour of each feed event kind.
EVENT_STYLE = {
    "inject": "bold cyan",
    "page": "bold magenta",
    "milestone": "bold green",
    "ready": "bold yellow",
    "decision": "cyan",
    "observation": "italic",
    "control": "dim",
    "missed": "red",
}


class ClockBar(Static):
    """Scenario time, speed and whether the drill is running."""

    def show(self, drill: Drill, clock: DrillClock) -> None:
        """Redraw for the drill's current minute."""
        local = drill.local_time(drill.now)
        elapsed = drill.now
        state = "ENDED" if drill.ended else "▶ running" if clock.running else "⏸ paused" if clock.started else "■ ready"
        text = Text()
        text.append(f" {local:%a %d %b %H:%M:%S} ", style="bold reverse")
        text.append(f"  +{int(elapsed // 60):02d}:{int(elapsed % 60):02d}  ")
        text.append(f"speed {clock.speed:g}×  ", style="bold")
        text.append(state, style="bold green" if clock.running else "bold yellow")
        self.update(text)


class SeatList(OptionList):
    """Every seat of the drill; the highlighted one is whose view the screen shows (hot seat)."""

    class SeatChosen(Message):
        """The user switched to another seat."""

        def __init__(self, seat: str) -> None:
            super().__init__()
            self.seat = seat

    def __init__(self, drill: Drill, *, id: str | None = None) -> None:
        options = [Option("0 facilitator", id=FACILITATOR)]
        for number, seat in enumerate(seat_names(drill.scenario), start=1):
            played = drill.seats.plays(seat)
            # Seats the engine plays are dimmed: they can be watched, not acted in.
            label = Text(f"{number if number < 10 else ' '} {seat_title(seat)}", style="" if played else "dim")
            options.append(Option(label, id=seat))
        super().__init__(*options, id=id)

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        """Tell the app which seat to show."""
        if event.option.id is not None:
            self.post_message(self.SeatChosen(event.option.id))


class IncidentBoard(Static):
    """Every incident: tier, milestone reached, and who holds which role."""

    def show(self, drill: Drill, chosen: Incident | None) -> None:
        """Redraw from the drill's incidents, marking the one chosen."""
        table = Table(expand=True, box=None, header_style="bold", pad_edge=False)
        table.add_column("#", no_wrap=True)
        table.add_column("incident", ratio=2)
        table.add_column("tier", no_wrap=True, min_width=4)
        table.add_column("stage", no_wrap=True, min_width=12)
        table.add_column("roles", ratio=3)
        for incident in drill.incidents:
            record = incident.record
            if incident.closed:
                stage = "closed"
            elif incident.awaiting is not None:
                stage = f"{incident.awaiting} done: declare!"
            else:
                stage = next(reversed(drill.reached(incident)), "not detected")
            holders = drill.holders(incident)
            roles = ", ".join(f"{seat_title(r)}: {drill.person_name(p)}" for r, p in sorted(holders.items()))
            name = incident.kind.name or incident.kind.id
            mark = f"▶{incident.number}" if incident is chosen and len(drill.incidents) > 1 else str(incident.number)
            table.add_row(mark, name, record.tier, stage, roles or "—")
        self.update(table if drill.incidents else Text("No incident yet.", style="dim"))


class SlaPanel(Static):
    """The selected incident's SLA clocks, counting down to each target."""

    def show(self, drill: Drill, incident: Incident | None) -> None:
        """Redraw the clocks of ``incident``."""
        clocks = drill.sla_clocks(incident) if incident is not None else []
        if incident is None or not clocks:
            self.update(Text("SLA clocks start when the incident is detected.", style="dim"))
            return
        table = Table(expand=True, box=None, header_style="bold", pad_edge=False, title_justify="left")
        for column in ("SLA", "target", "elapsed", "left"):
            table.add_column(column, justify="left" if column == "SLA" else "right")
        for clock in clocks:
            style = CLOCK_STYLE[clock.state]
            left = clock.left
            if clock.state == "met":
                left_text = "met ✓"
            elif clock.state == "breached":
                left_text = f"BREACHED {format_minutes(-left) if left is not None else ''}"
            else:
                left_text = "—" if left is None else format_minutes(left)
            target = "—" if clock.target is None else format_minutes(clock.target)
            table.add_row(clock.metric, target, format_minutes(clock.elapsed), Text(left_text, style=style))
        self.update(Group(Text(f"Incident {incident.number} ({incident.record.tier})", style="bold"), table))


class Inbox(Static):
    """What waits for the seat: pages to answer, decisions to take, milestones to declare."""

    def show(self, drill: Drill, seat: str) -> None:
        """Redraw for ``seat``."""
        parts: list[RenderableType] = []
        pages = drill.open_pages(seat)
        for entry in pages:
            who = drill.person_name(entry.responder.id)
            text = f"[{entry.number}] page as {who} ({seat_title(entry.seat)}), level {entry.page.level + 1}"
            parts.append(Text(text, style="bold magenta"))
        for delivery in drill.pending_decisions(seat):
            assert delivery.inject.decision is not None
            parts.append(Text(f"decision {delivery.inject.id}: {delivery.inject.decision.prompt}", style="bold cyan"))
        for incident in drill.incidents:
            phase = incident.awaiting
            if phase is None:
                continue
            text = f"incident {incident.number}: {phase} work done, "
            if drill.may_declare(seat, incident):
                parts.append(Text(f"{text}declare it {drill.milestone_of(phase)} (d)", style="bold yellow"))
            elif seat == FACILITATOR:
                parts.append(
                    Text(f"{text}waiting for a player to declare it {drill.milestone_of(phase)}", style="yellow")
                )
        if not parts:
            parts.append(Text("Nothing waiting for you.", style="dim"))
        if seat != FACILITATOR and not drill.seats.plays(seat):
            parts = [Text("The engine plays this seat.", style="dim")]
        self.update(Group(*parts))


class MselPanel(Static):
    """The facilitator's view of the MSEL: every inject, when it is due, and how the players met what it expects."""

    def show(self, drill: Drill) -> None:
        """Redraw the inject list."""
        table = Table(expand=True, box=None, header_style="bold", pad_edge=False)
        for column in ("inject", "when", "expected", "synopsis"):
            table.add_column(column, no_wrap=column != "synopsis")
        milestones = drill.milestones()
        delivered = {d.inject.id: d for d in drill.timeline.deliveries}
        results: dict[str, list[str]] = {}
        for result in drill.expected_results():
            results.setdefault(result.inject_id, []).append(result.rating)
        for inject in drill.scenario.injects:
            if inject.id in delivered:
                when, style = f"out {drill.clock_text(delivered[inject.id].delivered_at)}", "dim"
            else:
                due = drill.timeline.due_time(inject.id, milestones)
                when = (
                    f"due {drill.clock_text(due)}" if due is not None else "held" if inject.contingency else "trigger"
                )
                style = ""
            table.add_row(inject.id, when, _tally(results.get(inject.id, [])), Text(inject.synopsis, style=style))
        self.update(table)


#: How each expected-action rating shows in the MSEL: done, late, missed, still open.
_TALLY = {"done": ("✓", "green"), "late": ("~", "yellow"), "missed": ("✗", "bold red"), "pending": ("…", "")}


def _tally(ratings: list[str]) -> Text:
    text = Text()
    for rating, (mark, style) in _TALLY.items():
        count = ratings.count(rating)
        if count:
            text.append(f"{mark}{count} ", style=style)
    return text


class Feed(RichLog):
    """The events the current seat has seen, newest at the bottom."""

    seat: reactive[str] = reactive(FACILITATOR)

    def __init__(self, drill: Drill, *, id: str | None = None) -> None:
        super().__init__(wrap=True, markup=False, highlight=False, min_width=20, id=id)
        self.drill = drill

    def watch_seat(self, seat: str) -> None:
        """Show the new seat's whole feed."""
        self.clear()
        for event in self.drill.feed(seat):
            self.add(event)

    def add(self, event: DrillEvent) -> None:
        """Append one event if the seat sees it."""
        if not event.visible_to(self.seat):
            return
        line = Text()
        line.append(f"{self.drill.clock_text(event.minute)} ", style="dim")
        line.append(event.text, style=EVENT_STYLE.get(event.kind, ""))
        if event.detail and self.seat == FACILITATOR:
            line.append(f"\n      ⚑ {event.detail}", style="italic yellow")
        self.write(line)
