"""Provides the window's command palette (Ctrl+P): its commands in Chinese, found by name,
pinyin or initials as the item search finds items ("sl" finds 受理, "tb" 同步)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import partial

from textual.actions import parse
from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Hits, Provider

from .item_search import SpellingIndex

__all__ = ["COMMANDS", "WindowCommands"]


@dataclass(frozen=True, slots=True)
class WindowCommand:
    name: str
    """In Chinese, as BINDINGS are written; shown in the window's language."""
    action: str
    """The app action it runs, as a binding names it: the key shown beside it is the app's
    binding for the same action, and the app's check_action decides when it is offered."""


COMMANDS = (
    WindowCommand("今日", "go('today')"),
    WindowCommand("受理新办件", "go('accept')"),
    WindowCommand("办件查询", "go('cases')"),
    WindowCommand("统计", "go('stats')"),
    WindowCommand("同步状态", "go('sync')"),
    WindowCommand("立即同步", "sync"),
    WindowCommand("窗口人员", "go('clerks')"),
    WindowCommand("锁屏", "lock"),
    WindowCommand("帮助", "help"),
    WindowCommand("切换语言 English", "screen.toggle_language"),
    WindowCommand("退出程序", "quit"),
)


class WindowCommands(Provider):
    """The palette's one provider: no English system commands (theme, screenshot, quit)."""

    def _offered(self) -> list[WindowCommand]:
        """What the clerk may do now: without a signed-in clerk, what sign-in allows."""
        app = self.app
        return [c for c in COMMANDS if app.check_action(*parse(c.action)[1:]) is not False]

    def _key(self, command: WindowCommand) -> str:
        """The app's key for the same action as the footer names it ("F3"), or ""."""
        for binding in self.app.BINDINGS:
            if isinstance(binding, Binding) and binding.action == command.action:
                return self.app.get_key_display(binding)
        return ""

    def _shown(self, command: WindowCommand) -> str:
        said = self.app.session.texts(command.name)  # type: ignore[attr-defined]
        key = self._key(command)
        return f"{said}  ({key})" if key else said

    def _run(self, command: WindowCommand) -> Callable[[], Awaitable[object]]:
        return partial(self.app.run_action, command.action)

    async def discover(self) -> Hits:
        for command in self._offered():
            yield DiscoveryHit(self._shown(command), self._run(command), text=command.name)

    async def search(self, query: str) -> Hits:
        offered = self._offered()
        index = SpellingIndex.of((c.name, self._key(c).lower(), c) for c in offered)
        found = index.search(query)
        for rank, command in enumerate(found):
            score = 1.0 - rank / (len(found) + 1)  # the index's order, best first
            yield Hit(score, self._shown(command), self._run(command), text=command.name)
