"""Small modal screens the drill asks players with: pick one of several, or write a line of text."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option


class ChoiceScreen(ModalScreen[str | None]):
    """Pick one option from a list; dismisses with its id, or None on escape."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, title: str, options: list[tuple[str, str]]) -> None:
        super().__init__()
        self.title_text = title
        self.options = options

    def compose(self) -> ComposeResult:
        """A title over the list of options."""
        with Vertical(classes="dialog"):
            yield Label(self.title_text, classes="dialog-title")
            yield OptionList(*(Option(label, id=key) for key, label in self.options), id="choices")
            yield Label("↑↓ to move · Enter to choose · Esc to cancel", classes="dialog-help")

    def on_mount(self) -> None:
        """Highlight the first option, so Enter takes it at once."""
        self.query_one(OptionList).highlighted = 0

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        """Dismiss with the chosen option's id."""
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        """Dismiss without a choice."""
        self.dismiss(None)


class PromptScreen(ModalScreen[str | None]):
    """Write one line of text; dismisses with it, or None on escape."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, title: str, placeholder: str = "", *, allow_empty: bool = False) -> None:
        super().__init__()
        self.title_text = title
        self.placeholder = placeholder
        self.allow_empty = allow_empty

    def compose(self) -> ComposeResult:
        """A title over a text input."""
        with Vertical(classes="dialog"):
            yield Label(self.title_text, classes="dialog-title")
            yield Input(placeholder=self.placeholder, id="text")
            hint = "Enter to send (empty is allowed)" if self.allow_empty else "Enter to send"
            yield Label(f"{hint} · Esc to cancel", classes="dialog-help")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Dismiss with the text written (an empty line only when allowed)."""
        if event.value.strip() or self.allow_empty:
            self.dismiss(event.value.strip())
        else:
            self.notify("Write something first, or press Esc to cancel", severity="warning")

    def action_cancel(self) -> None:
        """Dismiss without text."""
        self.dismiss(None)
