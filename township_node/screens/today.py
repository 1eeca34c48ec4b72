"""Provides the today screen: what needs the clerk now, today's counts, the alerts from other
centers and the cases that crossed centers (handed here, back for delivery, held elsewhere)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import DataTable, Static
from textual.worker import get_current_worker

from ..alerts import ALERT_KINDS, Alert, mark_seen, unseen_alerts
from ..queries import (
    Attention,
    CrossingRow,
    Crossings,
    TodayCounts,
    attention,
    crossings,
    reader,
    today_counts,
)
from ..sync import SyncOutcome
from ..texts import center_name, clip, local_time
from ..widgets import CaseTable
from ._base import WindowScreen

__all__ = ["TodayScreen"]

_WEEKDAYS = "一二三四五六日"
_ALERTS_SHOWN = 3
"""Alerts shown at once: each takes two lines at 80 columns, and the lists need the rest."""
_KIND_STYLE = {"转来待办": "bold cyan", "待送达": "bold green", "已转出": "magenta"}


class TodayScreen(WindowScreen):
    """Alerts first, then red (overdue), yellow (due soon), waiting for materials, and the
    cases that crossed centers; M marks the alerts shown as seen."""

    HELP_TITLE = "今日"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "reload", "刷新"),
        Binding("m", "mark_seen", "提醒已阅"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._alerts: list[Alert] = []

    def compose_body(self) -> ComposeResult:
        with Vertical(id="today", classes="body"):
            yield Static(id="today-title", classes="title")
            yield Static(id="counts")
            yield Static(id="alerts")
            yield CaseTable(id="attention")
            yield Static(id="crossing-title", classes="section")
            yield DataTable(id="crossing", cursor_type="row", zebra_stripes=True)
            yield Static(id="today-empty", classes="hint")

    def on_mount(self) -> None:
        t = self.t
        today = self.session.today()
        weekday = f"星期{_WEEKDAYS[today.weekday()]}" if t.language == "zh" else f"{today:%A}"
        self.query_one("#today-title", Static).update(f"{t('今日')}  {today} {weekday}")
        crossing = self.query_one("#crossing", DataTable)
        crossing.add_column(t("类别"), width=8)
        crossing.add_column(t("办件编号"), width=15)
        crossing.add_column(t("申请人"), width=10)
        crossing.add_column(t("说明"), width=36)
        for widget in ("#alerts", "#crossing-title", "#crossing"):
            self.query_one(widget).display = False
        self.watch(self.app, "last_sync", self._sync_finished, init=False)
        self.query_one("#attention", CaseTable).focus()

    def on_screen_resume(self) -> None:
        self.action_reload()

    def _sync_finished(self, outcome: SyncOutcome | None) -> None:
        # A round may have brought alerts and cases from other centers.
        if outcome is not None and outcome.ok and self.is_current:
            self.action_reload()

    def action_reload(self) -> None:
        self._load(self.session.home.center_code)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return bool(self._alerts) if action == "mark_seen" else True

    def action_mark_seen(self) -> None:
        """Marks the alerts on the screen seen; the next ones, if any, take their place."""
        if self._alerts:
            mark_seen(self.session.home, [alert.id for alert in self._alerts[:_ALERTS_SHOWN]])
            self._show_alerts()

    @work(thread=True, exclusive=True, group="today")
    def _load(self, center: str) -> None:
        session = self.session
        today, soon = session.today(), session.soon_until()
        with reader(session.home) as conn:
            found = attention(conn, today=today, soon_until=soon)
            counts = today_counts(conn, today=today)
            crossed = crossings(conn, center=center)
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._show, found, counts, crossed)

    def _show(self, found: Attention, counts: TodayCounts, crossed: Crossings) -> None:
        t = self.t
        figures = (
            (t("今日受理"), counts.accepted, ""),
            (t("今日办结"), counts.completed, ""),
            (t("在办"), counts.open, ""),
            (t("已超期"), len(found.overdue), "red"),
            (t("即将到期"), len(found.due_soon), "yellow"),
            (t("待补材料"), len(found.awaiting), "cyan"),
        )
        self.query_one("#counts", Static).update(_figures(figures))
        self._show_alerts()
        table = self.query_one("#attention", CaseTable)
        table.show([*found.overdue, *found.due_soon, *found.awaiting])
        self._show_crossings(crossed)
        empty = not table.row_count and not self.query_one("#crossing", DataTable).row_count
        self.query_one("#today-empty", Static).update(t("没有需要关注的办件") if empty else "")

    def _show_alerts(self) -> None:
        """Reads the unseen alerts (one indexed query on the window's connection)."""
        t = self.t
        self._alerts = unseen_alerts(self.session.home)
        shown = self._alerts[:_ALERTS_SHOWN]
        more = len(self._alerts) - len(shown)
        hint = t("按 M 标记以上提醒为已阅") + (
            f"，{t('另有 {n} 条提醒', n=more)}" if more > 0 else ""
        )
        text = Text()
        for alert in shown:
            text.append(f"● {t(ALERT_KINDS.get(alert.kind, alert.kind))}  ", style="bold yellow")
            text.append((alert.message_zh if t.language == "zh" else alert.message) + "\n")
        text.append(hint, style="dim")
        alerts = self.query_one("#alerts", Static)
        alerts.update(text)
        alerts.display = bool(shown)
        self.refresh_bindings()

    def _show_crossings(self, crossed: Crossings) -> None:
        t = self.t
        table = self.query_one("#crossing", DataTable)
        table.clear()
        for kind, row, said in self._crossing_rows(crossed):
            table.add_row(
                Text(t(kind), style=_KIND_STYLE[kind]),
                # A case number starts with its accepting center, which 说明 names if not here.
                row.case_no.removeprefix(row.origin_center + "-"),
                clip(row.applicant_name, 10),
                clip(said, 36),
                key=row.case_no,
            )
        figures = (
            (t("转来待办"), len(crossed.handed_here), "cyan"),
            (t("待送达"), len(crossed.to_deliver), "green"),
            (t("已转出"), len(crossed.held_elsewhere), "magenta"),
        )
        title = self.query_one("#crossing-title", Static)
        title.update(f"{t('跨中心办件')}  {_figures(figures)}")
        title.display = table.display = bool(table.row_count)

    def _crossing_rows(self, crossed: Crossings) -> Iterator[tuple[str, CrossingRow, str]]:
        """Each case that crossed centers with its kind and what the clerk should know."""
        t, today = self.t, self.session.today()
        for row in crossed.handed_here:
            since = local_time(row.held_since or "", today=today)
            yield (
                "转来待办",
                row,
                t(
                    "由 {center} 转来，自 {since} 起",
                    center=center_name(row.origin_center),
                    since=since,
                ),
            )
        for row in crossed.to_deliver:
            yield "待送达", row, t("办结于 {at}", at=local_time(row.updated_at, today=today))
        for row in crossed.held_elsewhere:
            since = local_time(row.held_since or "", today=today)
            yield (
                "已转出",
                row,
                t(
                    "在 {center} 办理中（自 {since} 起）",
                    center=center_name(row.holder_center),
                    since=since,
                ),
            )

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        from .case_detail import CaseScreen

        if event.row_key.value is not None:
            self.app.push_screen(CaseScreen(str(event.row_key.value)))


def _figures(figures: tuple[tuple[str, int, str], ...]) -> str:
    """Labelled counts in one line, a count in its colour when there is something to see."""
    return " │ ".join(
        f"{label} [b {style}]{value}[/]" if style and value else f"{label} [b]{value}[/]"
        for label, value, style in figures
    )
