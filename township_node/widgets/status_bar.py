"""Provides the status bar atop every screen: the clerk, the center and window, the link."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Label

from ..session import session_of
from .link_indicator import LinkIndicator

__all__ = ["StatusBar"]


class StatusBar(Horizontal):
    """One line: the clerk's name first (it never gives way), then where, then the link.

    On a narrow window the place is cut short, not the name. The lock screen passes
    `show_clerk=False`: a locked window does not say who is away from it.
    """

    def __init__(self, *, show_clerk: bool = True) -> None:
        super().__init__()
        self._show_clerk = show_clerk

    def compose(self) -> ComposeResult:
        yield Label(id="whoami")
        yield Label(id="place")
        yield LinkIndicator(id="link")

    def on_mount(self) -> None:
        session = session_of(self)
        t = session.texts
        clerk = session.clerk.name if session.clerk and self._show_clerk else ""
        self.query_one("#whoami", Label).update(clerk)
        self.query_one("#whoami").display = bool(clerk)
        place = f"{session.center_name} · {t('窗口')}{session.window}"
        self.query_one("#place", Label).update(place)
