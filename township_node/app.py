"""Provides the clerk's window: the Textual app that a new clerk can use on day one.

Screens are modes (today, accept, cases, statistics, sync, clerks), each keeping its own stack,
so a half-filled form survives a look at the case list. The window opens on the sign-in screen;
after idle time it locks and the same clerk's PIN brings every screen back as it was. Sync runs
in a worker thread on a schedule: the window never waits for the network.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path
from time import monotonic
from typing import ClassVar

from textual import events, work
from textual.app import App
from textual.binding import Binding, BindingType
from textual.command import CommandPalette, Provider
from textual.reactive import reactive
from textual.screen import Screen

from .commands import WindowCommands
from .dialogs import HelpDialog
from .home import open_home
from .idle_gc import IdleCollector
from .messages import CaseRecorded, ClerkSignedIn
from .screens import (
    AcceptScreen,
    AdminSetupScreen,
    CasesScreen,
    ClerksScreen,
    SignInScreen,
    StatisticsScreen,
    SyncScreen,
    TodayScreen,
)
from .session import Session, localize_bindings
from .sync import LinkState, SyncOutcome, read_link_state, run_sync, sync_due
from .texts import Texts, save_language

__all__ = ["TownshipApp", "key_name"]

_MODES: dict[str, Callable[[], Screen[None]]] = {
    "today": TodayScreen,
    "accept": AcceptScreen,
    "cases": CasesScreen,
    "stats": StatisticsScreen,
    "sync": SyncScreen,
    "clerks": ClerksScreen,
}
_GATE = "gate"  # the lock screen's own mode, made afresh for each lock
SYNC_INTERVAL_SETTING = "sync_interval_seconds"
LOCK_AFTER_SETTING = "lock_after_seconds"


class TownshipApp(App[None]):
    """The window of one node home.

    Args:
        home_path: the node home folder (made by `township-node init`).
        sync_interval: seconds between background syncs after a good one (a failed one backs
            off, see township_node.sync.schedule); 0 turns them off. Default: the node's
            `sync_interval_seconds` setting, else 60.
        lock_after: idle seconds before the window locks. Default: the node's
            `lock_after_seconds` setting, else 300.
        clock: returns the current aware time (tests pass a fixed one).
        idle_clock: returns seconds on a monotonic scale, for the idle lock (tests pass one
            they move forward, and call `lock_if_idle` as the window's timer does).
    """

    CSS_PATH = "township.tcss"
    TITLE = "township-node"
    COMMANDS: ClassVar[set[type[Provider] | Callable[[], type[Provider]]]] = {WindowCommands}
    MODES = _MODES
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f2", "go('today')", "今日"),
        Binding("f3", "go('accept')", "受理"),
        Binding("f4", "go('cases')", "办件"),
        Binding("f5", "go('stats')", "统计"),
        Binding("f6", "go('sync')", "同步"),
        Binding("f7", "go('clerks')", "人员"),
        Binding("f12", "lock", "锁屏"),
        Binding("f1", "help", "帮助", show=False),
        Binding("ctrl+p", "command_palette", "命令", show=False, priority=True),
        Binding("ctrl+q", "quit", "退出", show=False, priority=True),
    ]

    link: reactive[LinkState | None] = reactive(None, init=False)
    syncing: reactive[bool] = reactive(False, init=False)
    last_sync: reactive[SyncOutcome | None] = reactive(None, init=False)
    """The outcome of the last sync run in this window (the sync screen shows its words)."""

    def __init__(
        self,
        home_path: Path,
        *,
        sync_interval: float | None = None,
        lock_after: float | None = None,
        clock: Callable[[], datetime] | None = None,
        idle_clock: Callable[[], float] = monotonic,
    ) -> None:
        super().__init__()
        self.home_path = home_path
        home = open_home(home_path)
        self.session = Session(home, clock=clock) if clock else Session(home)
        self._sync_interval = _seconds(self.session, SYNC_INTERVAL_SETTING, sync_interval, 60)
        self._lock_after = _seconds(self.session, LOCK_AFTER_SETTING, lock_after, 300)
        self._idle_clock = idle_clock
        self._last_input = idle_clock()
        self.idle_collector = IdleCollector()
        self._locked = True
        self._resume_mode = "today"
        localize_bindings(self, self.session.texts)

    @property
    def signed_in(self) -> bool:
        return self.session.clerk is not None and not self._locked

    def get_default_screen(self) -> Screen[None]:
        if self.session.clerks.needs_admin():
            return AdminSetupScreen()
        return SignInScreen()

    def on_mount(self) -> None:
        self.link = read_link_state(self.session.home)
        if self._sync_interval > 0:
            # The schedule decides (it backs off while the link is down); the window only
            # asks it now and then, and never before the first paint.
            self.set_interval(min(10.0, self._sync_interval), self._sync_when_due)
        if self._lock_after > 0:
            self.set_interval(min(5.0, self._lock_after / 2), self.lock_if_idle)
        self.set_interval(self.idle_collector.quiet_after / 2, self.collect_if_quiet)

    def get_key_display(self, binding: Binding) -> str:
        """Keys as the clerk's keyboard names them: Ctrl+S, F12, Esc, Enter, T."""
        return key_name(binding.key)

    def on_unmount(self) -> None:
        self.idle_collector.release()
        self.session.home.close()

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key | events.MouseDown | events.Paste):
            self._last_input = self._idle_clock()
            self.idle_collector.input_came(self._last_input)
        await super().on_event(event)

    def collect_if_quiet(self) -> None:
        """The garbage collection held while the clerk typed runs once they stop (idle_gc)."""
        self.idle_collector.collect_if_quiet(self._idle_clock())

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Nothing but sign-in works while no clerk is signed in (or the window is locked).
        return self.signed_in or action not in ("go", "lock", "sync")

    def action_go(self, mode: str) -> None:
        if self.signed_in and mode in _MODES and self.check_action("go", (mode,)):
            self.switch_mode(mode)

    def on_clerk_signed_in(self, message: ClerkSignedIn) -> None:
        previous = self.session.clerk
        self.session.clerk = message.clerk
        self._locked = False
        self._last_input = self._idle_clock()
        if previous is None or previous.clerk_id != message.clerk.clerk_id:
            self._reset_modes()  # another clerk: nothing of the last one's work stays open
            self._resume_mode = "today"
        self.switch_mode(self._resume_mode)
        self.refresh_bindings()
        self.notify(self.session.texts("欢迎，{name}", name=message.clerk.name))

    def on_case_recorded(self, _message: CaseRecorded) -> None:
        self.link = read_link_state(self.session.home)

    def action_command_palette(self) -> None:
        """Ctrl+P: the window's commands in its language (commands.py)."""
        if self.use_command_palette and not CommandPalette.is_open(self):
            placeholder = self.session.texts("输入命令名称或拼音首字母，如 sl 受理")
            self.push_screen(CommandPalette(placeholder=placeholder, id="--command-palette"))

    def action_help(self) -> None:
        """F1: every key of the screen in front, as its footer and bindings name them."""
        screen = self.screen
        if isinstance(screen, HelpDialog | CommandPalette):
            return
        keys: dict[str, str] = {}
        for active in screen.active_bindings.values():
            binding = active.binding
            ours = type(active.node).__module__.startswith("township_node")
            if ours and binding.description and binding.action != "help":
                keys.setdefault(self.get_key_display(binding), binding.description)
        title = getattr(screen, "HELP_TITLE", "")
        self.push_screen(HelpDialog(self.session.texts(title), list(keys.items())))

    def action_lock(self) -> None:
        """Locks the window; the work under it stays as it was."""
        if not self.signed_in or self.session.clerk is None:
            return
        self._locked = True
        self._resume_mode = self.current_mode
        if _GATE in self._modes:
            self.remove_mode(_GATE)
        self.add_mode(
            _GATE, partial(SignInScreen, clerk_id=self.session.clerk.clerk_id, locked=True)
        )
        self.switch_mode(_GATE)
        self.refresh_bindings()

    def lock_if_idle(self) -> None:
        """Locks the window once no key, click or paste came for `lock_after` seconds."""
        idle = self._idle_clock() - self._last_input
        if self.signed_in and self._lock_after > 0 and idle >= self._lock_after:
            self.action_lock()

    def toggle_language(self) -> None:
        """Switches between Chinese and English; every other screen starts afresh in it."""
        language = "en" if self.session.texts.language == "zh" else "zh"
        with self.session.home.database.transaction() as conn:
            save_language(conn, language)
        self.session.texts = Texts(language)
        # Start again from the Chinese BINDINGS, then translate (a no-op for Chinese).
        self._bindings = self._merged_bindings.copy() if self._merged_bindings else self._bindings
        localize_bindings(self, self.session.texts)
        self._reset_modes()
        self.refresh_bindings()

    def _reset_modes(self) -> None:
        for mode, factory in _MODES.items():
            if mode != self.current_mode:
                self.remove_mode(mode)
                self.add_mode(mode, factory)

    def _sync_when_due(self) -> None:
        if not self.syncing and sync_due(self.session.home):
            self.action_sync()

    def action_sync(self) -> None:
        """Starts a sync round in the background unless one is running."""
        if not self.syncing:
            self.syncing = True
            self._sync_in_background()

    @work(thread=True, exclusive=True, group="sync", exit_on_error=False)
    def _sync_in_background(self) -> None:
        try:
            outcome = run_sync(
                self.home_path, interval=timedelta(seconds=self._sync_interval or 60)
            )
        except Exception as exc:
            outcome = SyncOutcome(False, message_zh=f"同步出错：{exc}")
        self.call_from_thread(self._sync_finished, outcome)

    def _sync_finished(self, outcome: SyncOutcome) -> None:
        self.syncing = False
        if outcome.catalogs_taken:
            self.session.forget_catalog()
        self.last_sync = outcome
        self.link = read_link_state(self.session.home)


def key_name(key: str) -> str:
    """ "ctrl+s" → "Ctrl+S", "f12" → "F12", "escape" → "Esc", "t" → "T"."""
    *modifiers, last = key.split("+")
    named = {"escape": "Esc", "enter": "Enter", "space": "空格", "up": "↑", "down": "↓"}
    shown = named.get(last, last.upper() if len(last) <= 3 else last.capitalize())
    return "+".join([*(modifier.capitalize() for modifier in modifiers), shown])


def _seconds(session: Session, key: str, given: float | None, default: float) -> float:
    if given is not None:
        return given
    try:
        return float(session.setting(key, str(default)))
    except ValueError:
        return default
