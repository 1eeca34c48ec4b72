"""Provides the base of the app's screens: the session, translated key hints, the bars."""

from __future__ import annotations

from dataclasses import replace

from textual.app import ComposeResult
from textual.dom import DOMNode
from textual.screen import Screen

from ..session import Session, session_of
from ..texts import Texts
from ..widgets.key_footer import KeyFooter
from ..widgets.status_bar import StatusBar

__all__ = ["InSession", "WindowScreen", "localize_bindings", "session_of"]


class InSession:
    """What every screen and dialog of the window reads: the session and its language."""

    @property
    def session(self) -> Session:
        return session_of(self)  # type: ignore[arg-type]  # mixed into Screen subclasses

    @property
    def t(self) -> Texts:
        return self.session.texts


def localize_bindings(node: DOMNode, texts: Texts) -> None:
    """Shows key hints in the window's language; BINDINGS are written in Chinese."""
    if texts.language == "zh":
        return
    for key, bindings in node._bindings.key_to_bindings.items():
        node._bindings.key_to_bindings[key] = [
            replace(binding, description=texts(binding.description)) for binding in bindings
        ]


class WindowScreen(InSession, Screen[None]):
    """A main screen: the status bar on top, the body, the key hints at the bottom."""

    SHOWS_CLERK = True
    """Whether the status bar names the signed-in clerk (not on the sign-in and lock screen)."""

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
