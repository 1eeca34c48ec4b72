"""Provides the confirm dialog: what is about to be recorded, said before it is."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Static

from ._base import WindowDialog

__all__ = ["ConfirmDialog"]


class ConfirmDialog(WindowDialog[bool]):
    """Enter presses the focused button, Esc cancels.

    Args:
        title: the action and the case, e.g. "承办 · 513431100-20261127-010001".
        said: what will happen, one sentence a line (already translated).
        confirm: the label of the confirming button (already translated).
        danger: the step cannot be undone and ends the case: shown in red, with the focus on
            取消 so that a second Enter does not take it.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss_none", "取消"),
        Binding("left", "app.focus_previous", show=False),
        Binding("right", "app.focus_next", show=False),
    ]

    def __init__(self, title: str, said: str, *, confirm: str, danger: bool = False) -> None:
        super().__init__()
        self._title = title
        self._said = said
        self._confirm = confirm
        self._danger = danger

    def compose(self) -> ComposeResult:
        t = self.t
        with Vertical(id="confirm-dialog", classes="dialog"):
            yield Static(self._title, classes="title", markup=False)
            yield Static(self._said, id="confirm-said", markup=False)
            with Horizontal(classes="buttons"):
                yield Button(
                    f"{self._confirm} (Enter)" if not self._danger else self._confirm,
                    id="confirm",
                    variant="error" if self._danger else "primary",
                    compact=True,
                )
                yield Button(f"{t('取消')} (Esc)", id="cancel", compact=True)

    def on_mount(self) -> None:
        self.query_one("#confirm-dialog").set_class(self._danger, "-danger")
        self.query_one("#cancel" if self._danger else "#confirm", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "confirm")

    def action_dismiss_none(self) -> None:
        self.dismiss(False)
