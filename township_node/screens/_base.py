"""Provides the base of the app's screens: the status bar on top, the key hints below."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.screen import Screen

from ..session import InSession, localize_bindings
from ..widgets import KeyFooter, StatusBar

__all__ = ["WindowScreen"]


class WindowScreen(InSession, Screen[None]):
    """A main screen: the status bar on top, the body, the key hints at the bottom."""

    SHOWS_CLERK = True
    """Whether the status bar names the signed-in clerk (not on the sign-in and lock screen)."""
    HELP_TITLE = ""
    """What F1's help calls this screen."""

    def __init__(self) -> None:
        super().__init__()
        localize_bindings(self, self.t)

    def compose(self) -> ComposeResult:
        yield StatusBar(show_clerk=self.SHOWS_CLERK)
        yield from self.compose_body()
        yield KeyFooter()

    def compose_body(self) -> ComposeResult:
        yield from ()

    async def action_toggle_language(self) -> None:
        """Switches the window's language and redraws this screen in it (sign-in screens)."""
        self.app.toggle_language()  # type: ignore[attr-defined]
        # Start again from the Chinese BINDINGS, then translate (a no-op for Chinese).
        self._bindings = self._merged_bindings.copy() if self._merged_bindings else self._bindings
        localize_bindings(self, self.t)
        await self.recompose()
        self.on_screen_redrawn()

    def on_screen_redrawn(self) -> None:
        """Called after a language switch redrew the screen (to put the focus back)."""
