"""Provides the window's command palette (Ctrl+P): its commands in Chinese, found by name,
pinyin or initials as the item search finds items ("sl" finds 受理, "tb" 同步)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

from textual.command import DiscoveryHit, Hit, Hits, Provider

from .item_search import SpellingIndex

if TYPE_CHECKING:
    from .app import TownshipApp

__all__ = ["WindowCommands", "window_commands"]


@dataclass(frozen=True, slots=True)
class WindowCommand:
    name: str
    """In Chinese, as BINDINGS are written; shown in the window's language."""
    key: str
    """The key that does the same, shown beside it ("" for none)."""
    run: Callable[[], object]
    needs_clerk: bool = True


def window_commands(app: TownshipApp) -> list[WindowCommand]:
    """What the palette offers; without a signed-in clerk, only what the sign-in screen does."""
    go = app.action_go
    return [
        WindowCommand("今日", "F2", partial(go, "today")),
        WindowCommand("受理新办件", "F3", partial(go, "accept")),
        WindowCommand("办件查询", "F4", partial(go, "cases")),
        WindowCommand("统计", "F5", partial(go, "stats")),
        WindowCommand("同步状态", "F6", partial(go, "sync")),
        WindowCommand("立即同步", "", app.action_sync),
        WindowCommand("窗口人员", "F7", partial(go, "clerks")),
        WindowCommand("锁屏", "F12", app.action_lock),
        WindowCommand("帮助", "F1", app.action_help, needs_clerk=False),
        WindowCommand("切换语言 English", "", app.toggle_language, needs_clerk=False),
        WindowCommand("退出程序", "Ctrl+Q", app.exit, needs_clerk=False),
    ]


class WindowCommands(Provider):
    """The palette's one provider: no English system commands (theme, screenshot, quit)."""

    def _offered(self) -> list[WindowCommand]:
        app: TownshipApp = self.app  # type: ignore[assignment]
        return [c for c in window_commands(app) if app.signed_in or not c.needs_clerk]

    def _shown(self, command: WindowCommand) -> str:
        said = self.app.session.texts(command.name)  # type: ignore[attr-defined]
        return f"{said}  ({command.key})" if command.key else said

    async def discover(self) -> Hits:
        for command in self._offered():
            yield DiscoveryHit(self._shown(command), command.run, text=command.name)

    async def search(self, query: str) -> Hits:
        offered = self._offered()
        index = SpellingIndex.of((c.name, c.key.lower(), c) for c in offered)
        found = index.search(query)
        for rank, command in enumerate(found):
            score = 1.0 - rank / (len(found) + 1)  # the index's order, best first
            yield Hit(score, self._shown(command), command.run, text=command.name)
