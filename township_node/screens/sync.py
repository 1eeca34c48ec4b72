"""Provides the sync screen: what waits to go, what the hub acknowledged, the last error in
plain words, "sync now", and the USB folder for days without a link."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import DataTable, Label, Static

from ..alerts import unseen_alerts
from ..dialogs import FieldSpec, FormDialog, FormError
from ..home import open_home
from ..sync import (
    LinkState,
    Outbox,
    SyncOutcome,
    export_batches,
    import_receipts,
    plain_error,
    usb_available,
)
from ..texts import local_time
from ._base import WindowScreen

__all__ = ["SyncScreen"]

USB_FOLDER_SETTING = "usb_folder"


class SyncScreen(WindowScreen):
    """S syncs now (in the background); E and I exchange files with a USB folder."""

    HELP_TITLE = "同步状态"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("s", "app.sync", "立即同步"),
        Binding("e", "usb('export')", "导出U盘"),
        Binding("i", "usb('import')", "导入回执"),
        Binding("r", "reload", "刷新"),
    ]

    def compose_body(self) -> ComposeResult:
        with Vertical(id="sync", classes="body"):
            yield Static(self.t("同步状态"), classes="title")
            yield Static(id="sync-facts")
            yield Static(id="sync-error")
            yield Label(self.t("最近同步"), classes="section")
            yield DataTable(id="sync-log", cursor_type="none", zebra_stripes=True)

    def on_mount(self) -> None:
        t = self.t
        log = self.query_one("#sync-log", DataTable)
        log.add_column(t("时间"), width=12)
        log.add_column(t("状态"), width=6)
        log.add_column(t("说明"), width=52)
        self.watch(self.app, "link", self._link_changed, init=False)
        self.watch(self.app, "last_sync", self._sync_finished, init=False)

    def on_screen_resume(self) -> None:
        self.action_reload()

    def _link_changed(self, _link: LinkState | None) -> None:
        self.action_reload()

    def _sync_finished(self, outcome: SyncOutcome | None) -> None:
        if outcome is None:
            return
        if outcome.ok:
            said = self.t("同步完成：发送 {events} 个事件", events=outcome.events_sent)
            if outcome.events_received:
                said += self.t("，收到 {n} 个", n=outcome.events_received)
            unseen = len(unseen_alerts(self.session.home))
            if unseen:
                said += "\n" + self.t("收到其他中心的办件动态，未阅提醒 {n} 条", n=unseen)
            self.notify(said)
        else:
            self.notify(outcome.message_zh, severity="warning", timeout=8)

    def action_reload(self) -> None:
        session, t = self.session, self.t
        link: LinkState | None = getattr(self.app, "link", None)
        status = Outbox(session.home).status()
        today = session.today()
        online = (
            "—" if link is None or link.online is None else t("在线") if link.online else t("离线")
        )
        last_sync = local_time(link.last_sync_at, today=today) if link else ""
        waiting = status.unbatched_events + status.unacknowledged_events
        oldest = local_time(status.oldest_unsent_at, today=today) or t("无")
        receipt = local_time(status.last_receipt_at, today=today) or t("无")
        facts = [
            f"{t('县级中心')}：{link.hub_url if link and link.hub_url else t('未注册')}",
            f"{t('链路')}：{online}    {t('最近同步')}：{last_sync}",
            f"{t('待发送事件')}：{waiting}    {t('最早未发')}：{oldest}",
            f"{t('已确认批次')}：{status.applied_batches}    "
            f"{t('被拒批次')}：{status.rejected_batches}    {t('最近回执')}：{receipt}",
        ]
        unseen = len(unseen_alerts(session.home))
        if unseen:  # what other centers sent down (the feed) that no clerk has seen yet
            news = t("未阅提醒 {n} 条（在今日页查看）", n=unseen)
            facts.append(f"{t('其他中心的办件动态')}：[b yellow]{news}[/]")
        self.query_one("#sync-facts", Static).update("\n".join(facts))
        error = link.last_error if link else ""
        self.query_one("#sync-error", Static).update(
            f"[b red]{t('最近错误')}[/]：{error}" if error else f"{t('最近错误')}：{t('无')}"
        )
        self._show_log()

    def _show_log(self) -> None:
        t, today = self.t, self.session.today()
        log = self.query_one("#sync-log", DataTable)
        log.clear()
        rows = self.session.home.conn.execute(
            "SELECT at, outcome, detail FROM sync_log ORDER BY id DESC LIMIT 20"
        )
        words = {"ok": t("成功"), "failed": t("失败"), "rejected": t("被拒")}
        for at, outcome, detail in rows:
            said = _round_said(detail, t) if outcome == "ok" else plain_error(detail)
            log.add_row(local_time(at, today=today), words.get(outcome, outcome), said)

    def action_usb(self, direction: str) -> None:
        t = self.t
        if not usb_available():
            self.notify(t("U盘交换功能尚未提供，请等待同步模块更新"), severity="warning")
            return
        folder = self.session.setting(USB_FOLDER_SETTING, "/media")
        fields = [FieldSpec("folder", "U盘文件夹", required=True, default=folder)]
        title = t("导出到U盘") if direction == "export" else t("从U盘导入回执")
        self.app.push_screen(
            FormDialog(title, fields, self._check_folder),
            callback=lambda values: self._exchange(direction, values),
        )

    @staticmethod
    def _check_folder(values: dict[str, Any]) -> FormError | None:
        if not Path(values["folder"]).is_dir():
            return FormError(f"{values['folder']}：不是文件夹", "folder")
        return None

    def _exchange(self, direction: str, values: dict[str, Any] | None) -> None:
        if values is not None:
            self._run_usb(direction, Path(values["folder"]))

    @work(thread=True, exclusive=True, group="usb")
    def _run_usb(self, direction: str, folder: Path) -> None:
        run = export_batches if direction == "export" else import_receipts
        try:
            with open_home(self.session.home.path) as home:
                result = run(home, folder)
        except Exception as exc:
            message = str(getattr(exc, "message_zh", "") or exc)
            self.app.call_from_thread(self.notify, message, severity="error", timeout=10)
            return
        self.app.call_from_thread(self.notify, self._said(direction, result), timeout=10)
        self.app.call_from_thread(self.action_reload)

    def _said(self, direction: str, result: Any) -> str:
        """The USB step's report in the clerk's words."""
        t = self.t
        if direction == "export":
            return t(
                "已导出 {batches} 批、{events} 个事件到 {folder}",
                batches=getattr(result, "batches", "?"),
                events=getattr(result, "events", "?"),
                folder=getattr(result, "folder", ""),
            )
        said = t(
            "已导入回执 {applied} 份（共 {receipts} 份）",
            applied=getattr(result, "applied", "?"),
            receipts=getattr(result, "receipts", "?"),
        )
        # Each file not taken, with its reason (a link, too big, not the hub's): the first few.
        reasons = getattr(result, "reasons_zh" if t.language == "zh" else "reasons", ())
        if reasons:
            shown = "；".join(reasons[:3]) + ("……" if len(reasons) > 3 else "")
            said += t("；{count} 个文件未导入：{reasons}", count=len(reasons), reasons=shown)
        return said


_ROUND_DETAIL = re.compile(r"(\d+) batches, (\d+) events, (\d+) fed")


def _round_said(detail: str, t: Callable[..., str]) -> str:
    """A good round as the clerk reads it; sync_log keeps the English the log files use."""
    counts = _ROUND_DETAIL.fullmatch(detail)
    if counts is None:
        return detail
    batches, events, fed = counts.groups()
    said = "发送 {batches} 批、{events} 个事件，收到其他中心的动态 {fed} 个"
    return t(said, batches=batches, events=events, fed=fed)
