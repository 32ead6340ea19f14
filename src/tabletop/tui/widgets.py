"""The drill screen's panels: clock, seats, incident board, SLA clocks, inbox, MSEL and the event feed."""

from __future__ import annotations

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.table import Table
from rich.text import Text
from textual.events import Resize
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import OptionList, RichLog, Static
from textual.widgets.option_list import Option

from tabletop.sim.drill import FACILITATOR, Drill, DrillEvent
from tabletop.sim.drill_clock import DrillClock
from tabletop.sim.incident import Incident
from tabletop.sim.seats import seat_names, seat_title
from tabletop.spec.fields import format_duration

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
    """Every incident: its name, tier and stage, and under them who holds which role."""

    def show(self, drill: Drill, chosen: Incident | None) -> None:
        """Redraw from the drill's incidents, marking the one chosen."""
        # Two lines an incident rather than a table of columns, so it stays readable however narrow.
        board = Table.grid(padding=(0, 1), expand=True)
        board.add_column(no_wrap=True)
        board.add_column(ratio=1)
        for incident in drill.incidents:
            if incident.closed:
                stage = Text("closed", style="dim")
            elif incident.awaiting is not None:
                stage = Text(f"{incident.awaiting} done: declare!", style="bold yellow")
            else:
                stage = Text(next(reversed(drill.reached(incident)), "not detected"))
            holders = drill.holders(incident)
            roles = " · ".join(f"{seat_title(r)}: {drill.person_name(p)}" for r, p in sorted(holders.items()))
            mark = f"▶{incident.number}" if incident is chosen and len(drill.incidents) > 1 else str(incident.number)
            lines = Text.assemble(
                (incident.kind.name or incident.kind.id, "bold"),
                f" · {incident.record.tier} · ",
                stage,
                "\n",
                (roles or "no roles held yet", "" if roles else "dim"),
            )
            board.add_row(mark, lines)
        self.update(board if drill.incidents else Text("No incident yet.", style="dim"))


class SlaPanel(Static):
    """The selected incident's SLA clocks, counting down to each target."""

    def show(self, drill: Drill, incident: Incident | None) -> None:
        """Redraw the clocks of ``incident``."""
        clocks = drill.sla_clocks(incident) if incident is not None else []
        if incident is None or not clocks:
            self.update(Text("SLA clocks start when the incident is detected.", style="dim"))
            return
        rows: list[tuple[str | Text, ...]] = []
        for clock in clocks:
            style = CLOCK_STYLE[clock.state]
            left = clock.left
            if clock.state == "met":
                left_text = "met ✓"
            elif clock.state == "breached":
                left_text = f"BREACHED {format_duration(-left) if left is not None else ''}"
            else:
                left_text = "—" if left is None else format_duration(left, up=False)
            target = "—" if clock.target is None else format_duration(clock.target)
            rows.append((clock.metric, target, format_duration(clock.elapsed), Text(left_text, style=style)))
        title = Text(f"Incident {incident.number} ({incident.record.tier})", style="bold")
        self.update(Group(title, ClockTable(rows)))


class ClockTable:
    """SLA clock rows as a table that leaves out the columns a narrow panel has no room for, least useful first."""

    #: The columns, in the order they show.
    COLUMNS = ("SLA", "target", "elapsed", "left")
    #: Which columns stay as the panel narrows: the clock's name and what is left outlast the target and elapsed.
    PRIORITY = ("SLA", "left", "target", "elapsed")
    #: Cells between two columns.
    GAP = 2

    def __init__(self, rows: list[tuple[str | Text, ...]]) -> None:
        self.rows = rows

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        """The table, laid out for the width it is given (so it follows the panel when the terminal resizes)."""
        widths = {
            column: max(cell_len(column), *(cell_len(str(row[index])) for row in self.rows))
            for index, column in enumerate(self.COLUMNS)
        }
        shown: list[str] = []
        for column in self.PRIORITY:
            if not shown or sum(widths[c] for c in shown) + widths[column] + self.GAP * len(shown) <= options.max_width:
                shown.append(column)
        table = Table(expand=True, box=None, header_style="bold", pad_edge=False)
        for column in self.COLUMNS:
            if column in shown:
                table.add_column(column, justify="left" if column == "SLA" else "right", no_wrap=True)
        for row in self.rows:
            table.add_row(*(cell for column, cell in zip(self.COLUMNS, row, strict=True) if column in shown))
        yield table


def inbox_title(seat: str) -> str:
    """The inbox's heading: a player's own, or, for the facilitator, everything waiting for the players."""
    return "Waiting for players" if seat == FACILITATOR else "Waiting for you"


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
            parts.append(Text(f"Nothing {inbox_title(seat).lower()}.", style="dim"))
        if seat != FACILITATOR and not drill.seats.plays(seat):
            parts = [Text("The engine plays this seat.", style="dim")]
        self.update(Group(*parts))


class MselPanel(Static):
    """The facilitator's view of the MSEL: every inject, when it is due, and how the players met what it expects."""

    def show(self, drill: Drill) -> None:
        """Redraw the inject list."""
        # The synopsis goes under each inject's line rather than in a column, so it stays readable however narrow.
        table = Table.grid(padding=(0, 1), expand=True)
        table.add_column(no_wrap=True)
        table.add_column(ratio=1)
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
            tally = _tally(results.get(inject.id, []))
            table.add_row(inject.id, Text.assemble(when, "  ", tally, "\n", (inject.synopsis, style)))
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
        #: The width the lines shown were wrapped at (None until the feed has a size).
        self._wrapped_at: int | None = None

    def watch_seat(self, seat: str) -> None:
        """Show the new seat's whole feed."""
        self._refill()

    def on_resize(self, event: Resize) -> None:
        """Wrap the feed again at its new width: a line is wrapped once, when it is written."""
        if self._wrapped_at is not None and event.size.width != self._wrapped_at:
            self._refill()
        self._wrapped_at = event.size.width

    def _refill(self) -> None:
        self.clear()
        for event in self.drill.feed(self.seat):
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
