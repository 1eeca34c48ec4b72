"""Provides the link indicator: online or offline, events waiting, the last hub receipt."""

from __future__ import annotations

from datetime import date

from textual.widgets import Static

from ..session import session_of
from ..sync import LinkState
from ..texts import Texts, local_time

__all__ = ["LinkIndicator"]


class LinkIndicator(Static):
    """Follows the app's `link` and `syncing` attributes; the clerk never waits for it."""

    def on_mount(self) -> None:
        self.watch(self.app, "link", self._refresh_link, init=True)
        self.watch(self.app, "syncing", self._refresh_link, init=False)

    def _refresh_link(self, _changed: object = None) -> None:
        link: LinkState | None = getattr(self.app, "link", None)
        syncing: bool = getattr(self.app, "syncing", False)
        session = session_of(self)
        self.update(describe_link(link, session.texts, syncing=syncing, today=session.today()))
        self.set_class(link is not None and link.online is True, "-online")
        self.set_class(link is not None and (link.online is False or not link.enrolled), "-offline")


def describe_link(link: LinkState | None, t: Texts, *, syncing: bool, today: date) -> str:
    """ "● 在线 · 待发 3 · 回执 10:32": what the bar says about the link."""
    if link is None:
        return ""
    if not link.enrolled:
        state = "○ " + t("未注册")
    elif link.online is None:
        state = "○ " + t("未同步过")
    else:
        state = "● " + t("在线") if link.online else "○ " + t("离线")
    parts = [state, t("待发 {n}", n=link.waiting_events)]
    if link.last_receipt_at:
        parts.append(t("回执 {at}", at=local_time(link.last_receipt_at, today=today)))
    if syncing:
        parts.append(t("同步中…"))
    return " · ".join(parts)
