"""Provides the clerk's session: the open node home, its catalog and calendar, the case book,
the clerk signed in and the window's language, shared by every screen of the app."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from functools import cached_property
from typing import TYPE_CHECKING

import casework

from .casebook import CaseBook
from .catalog import center_level, current_calendar, current_catalog
from .clerks import Clerk, ClerkBook
from .home import NodeHome
from .item_search import ItemIndex, build_index
from .store import get_setting
from .texts import Texts, load_language

if TYPE_CHECKING:
    from textual.dom import DOMNode

__all__ = ["InSession", "Session", "localize_bindings", "session_of"]


def session_of(node: DOMNode) -> Session:
    """The session of the app a widget or screen belongs to."""
    session: Session = node.app.session  # type: ignore[attr-defined]
    return session


@dataclass
class Session:
    """What every screen reads; the app owns it and closes the home on exit."""

    home: NodeHome
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    clerk: Clerk | None = None
    texts: Texts = field(init=False)

    def __post_init__(self) -> None:
        self.texts = Texts(load_language(self.home.conn))

    @property
    def t(self) -> Texts:
        return self.texts

    @property
    def clerk_id(self) -> str:
        assert self.clerk is not None, "screens that record events need a signed-in clerk"
        return self.clerk.clerk_id

    def today(self) -> date:
        """Today in China, where the window is."""
        return self.clock().astimezone(casework.CHINA_TZ).date()

    @property
    def center_name(self) -> str:
        return self.home.setting("center_name")

    @property
    def window(self) -> str:
        return self.home.setting("window", "01")

    def setting(self, key: str, default: str) -> str:
        return get_setting(self.home.conn, key, default)

    @cached_property
    def clerks(self) -> ClerkBook:
        return ClerkBook(self.home, clock=self.clock)

    @cached_property
    def catalog(self) -> casework.Catalog:
        return current_catalog(self.home)

    @cached_property
    def calendar(self) -> casework.WorkCalendar:
        return current_calendar(self.home)

    @cached_property
    def level(self) -> str:
        return center_level(self.home)

    @cached_property
    def casebook(self) -> CaseBook:
        return CaseBook(
            self.home,
            catalog=self.catalog,
            calendar=self.calendar,
            center_level=self.level,
            clock=self.clock,
        )

    @cached_property
    def item_index(self) -> ItemIndex:
        """Built on first use (pinyin tables load then); screens build it in a worker."""
        return build_index(self.catalog.items.values())

    def item_name(self, code: str) -> str:
        item = self.catalog.items.get(code)
        return item.name if item else code

    def soon_until(self) -> date:
        """The last day a due date turns a case yellow: one working day ahead."""
        return self.calendar.due_date(self.today(), 1).due

    def forget_catalog(self) -> None:
        """Drops the cached catalog and calendar after a sync took newer ones."""
        for name in ("catalog", "calendar", "casebook", "item_index"):
            self.__dict__.pop(name, None)


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
