"""Provides the base of the app's dialogs: the session and translated key hints."""

from __future__ import annotations

from typing import ClassVar, Generic, TypeVar

from textual.binding import BindingType
from textual.screen import ModalScreen

from ..screens._base import localize_bindings
from ..session import Session, session_of
from ..texts import Texts

__all__ = ["WindowDialog"]

ResultT = TypeVar("ResultT")


class WindowDialog(ModalScreen[ResultT], Generic[ResultT]):
    """A dialog over a screen, in the window's language; Esc closes it with None."""

    BINDINGS: ClassVar[list[BindingType]] = [("escape", "dismiss_none", "取消")]

    def __init__(self) -> None:
        super().__init__()
        localize_bindings(self, self.t)

    @property
    def session(self) -> Session:
        return session_of(self)

    @property
    def t(self) -> Texts:
        return self.session.texts

    def action_dismiss_none(self) -> None:
        self.dismiss(None)
