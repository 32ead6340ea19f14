"""The hot wash: rate each objective (P/S/M/U proposed from expected actions), then write the after-action report."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.validation import ValidationResult, Validator
from textual.widgets import Button, Footer, Header, Input, Label, Select, Static

from tabletop.sim.after_action import write_after_action
from tabletop.sim.drill import Drill, Improvement
from tabletop.sim.inject_timeline import ObjectiveRating

#: HSEEP ratings with what each means.
RATINGS: dict[ObjectiveRating, str] = {
    "P": "P — performed without challenges",
    "S": "S — performed with some challenges",
    "M": "M — performed with major challenges",
    "U": "U — unable to be performed",
}
#: How long after the exercise a corrective action is due unless the facilitator says otherwise.
DEFAULT_DUE = timedelta(days=30)
#: How a due date is written.
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class IsoDate(Validator):
    """A calendar date written YYYY-MM-DD, such as the default due date ``example``."""

    def __init__(self, example: str) -> None:
        super().__init__()
        self.example = example

    def validate(self, value: str) -> ValidationResult:
        """Succeed for a date that exists, written YYYY-MM-DD."""
        text = value.strip()
        try:
            if not ISO_DATE.fullmatch(text):
                raise ValueError(text)
            date.fromisoformat(text)
        except ValueError:
            return self.failure(f"'{text}' is not a date; write it as YYYY-MM-DD, e.g. {self.example}")
        return self.success()


class HotWashScreen(Screen[None]):
    """One row per objective: the proposed rating (editable), a comment and a corrective action."""

    BINDINGS = [Binding("ctrl+s", "write", "Write report"), Binding("escape", "app.pop_screen", "Back to drill")]

    def __init__(self, drill: Drill, out: Path | None) -> None:
        super().__init__()
        self.drill = drill
        self.out = out or Path("after-action")

    def compose(self) -> ComposeResult:
        """A block per objective and a button to write the report."""
        yield Header(show_clock=False)
        proposed = self.drill.proposed_ratings()
        due = (self.drill.local_time(self.drill.now) + DEFAULT_DUE).date().isoformat()
        with VerticalScroll(id="hot-wash"):
            yield Static(Text("Hot wash: rate each objective, then write the after-action report", style="bold"))
            for objective in self.drill.scenario.objectives:
                rating, comment = self.drill.ratings.get(objective.id, (proposed.get(objective.id), ""))
                planned = self.drill.planned(objective.id)
                with Vertical(classes="objective"):
                    yield Label(f"{objective.id}: {objective.title}", classes="objective-title")
                    yield Label(self._evidence(objective.id), classes="evidence")
                    with Horizontal(classes="objective-row"):
                        yield Select(
                            [(text, key) for key, text in RATINGS.items()],
                            value=rating if rating is not None else Select.NULL,
                            prompt="not rated",
                            id=f"rating-{objective.id}",
                        )
                        yield Input(value=comment, placeholder="comment", id=f"comment-{objective.id}")
                    with Horizontal(classes="objective-row"):
                        yield Input(
                            value=planned.action if planned else "",
                            placeholder="corrective action",
                            id=f"action-{objective.id}",
                        )
                        yield Input(
                            value=planned.owner if planned else "",
                            placeholder="owner",
                            id=f"owner-{objective.id}",
                            classes="short",
                        )
                        yield Input(
                            value=planned.due if planned else due,
                            placeholder="due (YYYY-MM-DD)",
                            validators=[IsoDate(due)],
                            id=f"due-{objective.id}",
                            classes="short",
                        )
            yield Button("Write the after-action report (Ctrl+S)", id="write", variant="primary")
            yield Static("", id="written")
        yield Footer()

    def _evidence(self, objective: str) -> str:
        """The expected actions behind an objective's proposed rating, in one line."""
        objective_of = {d.inject.id: d.inject.objective for d in self.drill.timeline.deliveries}
        results = [r for r in self.drill.expected_results() if objective_of.get(r.inject_id) == objective]
        if not results:
            return "No expected action of a played role was due for this objective."
        counts = {rating: sum(r.rating == rating for r in results) for rating in ("done", "late", "missed", "pending")}
        proposed = self.drill.proposed_ratings().get(objective, "—")
        shown = ", ".join(f"{n} {rating}" for rating, n in counts.items() if n)
        return f"Expected actions: {shown} → proposed {proposed}"

    def _due_dates_valid(self) -> bool:
        """Whether every corrective action written has a real due date; if not, say which and go to it."""
        for objective in self.drill.scenario.objectives:
            if not self.query_one(f"#action-{objective.id}", Input).value.strip():
                continue
            due = self.query_one(f"#due-{objective.id}", Input)
            result = due.validate(due.value)
            if result is not None and not result.is_valid:
                due.focus()
                reason = result.failure_descriptions[0]
                self.notify(f"Due date of the {objective.id} corrective action: {reason}", severity="error", timeout=8)
                return False
        return True

    def on_button_pressed(self, event: Button.Pressed) -> None:
        """The write button."""
        if event.button.id == "write":
            self.action_write()

    def action_write(self) -> None:
        """Save the ratings and corrective actions to the drill (and its journal), then write the report."""
        if not self._due_dates_valid():
            return
        for objective in self.drill.scenario.objectives:
            rating = self.query_one(f"#rating-{objective.id}", Select).value
            comment = self.query_one(f"#comment-{objective.id}", Input).value.strip()
            chosen = next((key for key in RATINGS if key == rating), None)
            if chosen is not None and self.drill.ratings.get(objective.id) != (chosen, comment):
                self.drill.rate(objective.id, chosen, comment)
            action = self.query_one(f"#action-{objective.id}", Input).value.strip()
            owner = self.query_one(f"#owner-{objective.id}", Input).value.strip() or "unassigned"
            due = self.query_one(f"#due-{objective.id}", Input).value.strip()
            improvement = Improvement(objective.id, action, owner, due)
            planned = self.drill.planned(objective.id)
            # Saving again edits the objective's corrective action; clearing its text takes it out of the plan.
            if improvement != planned and (action or planned is not None):
                self.drill.plan(improvement)
        markdown, html = write_after_action(self.drill, self.out)
        self.query_one("#written", Static).update(Text(f"Written {markdown} and {html}", style="bold green"))
        self.notify(f"After-action report written to {self.out}/", timeout=8)
