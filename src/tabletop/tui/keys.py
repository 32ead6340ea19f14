"""The drill's keys, by who uses them, and the screen that lists them all with the seats and their numbers."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Static

#: Every key of the drill screen by who uses it, with what it does. The footer shows the few with ``show``
#: set (all a narrow terminal has room for); "?" lists them all.
KEY_SECTIONS: tuple[tuple[str, tuple[Binding, ...]], ...] = (
    (
        "Facilitator (seat 0)",
        (
            Binding("space", "toggle_clock", "Start/pause", tooltip="start the exercise; pause and resume it"),
            Binding(
                "plus,equals_sign", "faster", "Faster", key_display="+", show=False, tooltip="1×, 10×, 60×, 300×, 600×"
            ),
            Binding("minus", "slower", "Slower", key_display="-", show=False, tooltip="the other way"),
            Binding(
                "j", "jump", "Next event", tooltip="play what is due now, then jump to the next thing the feed shows"
            ),
            Binding(
                "R",
                "release",
                "Release inject",
                show=False,
                tooltip="release an inject now, contingencies listed first",
            ),
            Binding("x", "end", "End exercise", tooltip="end the exercise and open the hot wash"),
        ),
    ),
    (
        "Players (the seats people play)",
        (
            Binding("a", "acknowledge", "Ack", tooltip="acknowledge a waiting page, as the person paged"),
            Binding(
                "e", "escalate", "Escalate", show=False, tooltip="move an unanswered page on, or page the next level"
            ),
            Binding("p", "page", "Page", show=False, tooltip="page a role, a team or a person"),
            Binding("r", "assume_role", "Assume role", show=False, tooltip="take the seat's role (commander: command)"),
            Binding("g", "assign_role", "Assign role", show=False, tooltip="the commander gives a role to someone"),
            Binding(
                "h", "hand_off", "Hand off", show=False, tooltip="hand everything you hold to someone, with a briefing"
            ),
            Binding("u", "update('internal')", "Internal update", show=False, tooltip="post an internal status update"),
            Binding("U", "update('external')", "External update", show=False, tooltip="post an external status update"),
            Binding("i", "invite_customer", "Invite customer", show=False, tooltip="invite the customer to the bridge"),
            Binding("d", "declare", "Declare", tooltip="declare the milestone whose work is done"),
            Binding("c", "choose", "Decide", show=False, tooltip="take a decision an inject put to you"),
        ),
    ),
    (
        "Anyone",
        (
            Binding(
                "n", "note", "Note", show=False, tooltip="a note; the facilitator's are observations for the report"
            ),
            Binding("0", "seat(0)", "Switch seat", key_display="0–9", show=False, tooltip="seat numbers below"),
            Binding("tab", "next_seat", "Next seat", show=False, priority=True, tooltip="the next seat people play"),
            Binding(
                "full_stop",
                "next_incident",
                "Next incident",
                key_display=".",
                show=False,
                tooltip="the incident the clocks show and actions go to",
            ),
            Binding("question_mark", "keys", "Keys", key_display="?", tooltip="every key, and the seats"),
        ),
    ),
)

#: Cells of the keys' column in the list, so every section lines up.
KEY_WIDTH = 5


class KeysScreen(ModalScreen[None]):
    """Every key of the drill by who uses it, and the seats with the numbers that switch to them."""

    BINDINGS = [Binding("escape,question_mark", "dismiss", "Close")]

    def __init__(self, seats: list[tuple[str, str, bool]]) -> None:
        super().__init__()
        #: Each seat's key, title and whether people play it.
        self.seats = seats

    def compose(self) -> ComposeResult:
        """A title over the keys and the seats, which scroll when the terminal is short."""
        with Vertical(classes="dialog"):
            yield Label("Keys", classes="dialog-title")
            with VerticalScroll(id="keys"):
                yield Static(self._keys())
            yield Label("Esc or ? to close · Ctrl+Q quits (the journal keeps everything)", classes="dialog-help")

    def _keys(self) -> Group:
        parts: list[RenderableType] = []
        for heading, bindings in KEY_SECTIONS:
            table = Table.grid(padding=(0, 2))
            table.add_column(no_wrap=True, style="bold", min_width=KEY_WIDTH)
            table.add_column()
            for binding in bindings:
                what = Text.assemble((binding.description, "bold"), f": {binding.tooltip}")
                table.add_row(self.app.get_key_display(binding), what)
            parts += [Text(heading, style="bold underline"), table, Text()]
        seats = Table.grid(padding=(0, 2))
        seats.add_column(no_wrap=True, style="bold", min_width=KEY_WIDTH)
        seats.add_column()
        for key, title, played in self.seats:
            seats.add_row(key, Text(title, style="" if played else "dim"))
        parts += [Text("Seats (dimmed: the engine plays them)", style="bold underline"), seats]
        return Group(*parts)
