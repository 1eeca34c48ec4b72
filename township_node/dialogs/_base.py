"""Provides the base of the app's dialogs: the session and translated key hints."""

from __future__ import annotations

from typing import ClassVar, Generic, TypeVar

from textual.binding import BindingType
from textual.screen import ModalScreen

from ..session import InSession, localize_bindings

__all__ = ["WindowDialog"]

ResultT = TypeVar("ResultT")


class WindowDialog(InSession, ModalScreen[ResultT], Generic[ResultT]):
    """A dialog over a screen, in the window's language; Esc closes it with None."""

    BINDINGS: ClassVar[list[BindingType]] = [("escape", "dismiss_none", "取消")]

    def __init__(self) -> None:
        super().__init__()
        localize_bindings(self, self.t)

    def action_dismiss_none(self) -> None:
        self.dismiss(None)
