"""Provides the status bar atop every screen: the center, the window, the clerk, the link."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Label

from ..session import session_of
from .link_indicator import LinkIndicator

__all__ = ["StatusBar"]


class StatusBar(Horizontal):
    """One line: who and where on the left, the link on the right."""

    def compose(self) -> ComposeResult:
        yield Label(id="whoami")
        yield LinkIndicator(id="link")

    def on_mount(self) -> None:
        session = session_of(self)
        t = session.texts
        clerk = session.clerk.name if session.clerk else ""
        place = f"{session.center_name} · {t('窗口')}{session.window}"
        self.query_one("#whoami", Label).update(f"{place} · {clerk}" if clerk else place)
