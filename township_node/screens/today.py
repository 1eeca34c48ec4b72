"""Provides the today screen: what needs the clerk now, today's counts and the link."""

from __future__ import annotations

from typing import ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import DataTable, Static
from textual.worker import get_current_worker

from ..queries import Attention, TodayCounts, attention, reader, today_counts
from ..widgets.case_table import CaseTable
from ._base import WindowScreen

__all__ = ["TodayScreen"]

_WEEKDAYS = "一二三四五六日"


class TodayScreen(WindowScreen):
    """Red (overdue) first, then yellow (due soon), then cases waiting for materials."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("r", "reload", "刷新")]

    def compose_body(self) -> ComposeResult:
        with Vertical(id="today", classes="body"):
            yield Static(id="today-title", classes="title")
            yield Static(id="counts")
            yield CaseTable(id="attention")
            yield Static(id="today-empty", classes="hint")

    def on_mount(self) -> None:
        today = self.session.today()
        weekday = f"星期{_WEEKDAYS[today.weekday()]}" if self.t.language == "zh" else f"{today:%A}"
        self.query_one("#today-title", Static).update(f"{self.t('今日')}  {today} {weekday}")
        self.query_one("#attention", CaseTable).focus()

    def on_screen_resume(self) -> None:
        self.action_reload()

    def action_reload(self) -> None:
        self._load()

    @work(thread=True, exclusive=True, group="today")
    def _load(self) -> None:
        session = self.session
        today, soon = session.today(), session.soon_until()
        with reader(session.home) as conn:
            found = attention(conn, today=today, soon_until=soon)
            counts = today_counts(conn, today=today)
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._show, found, counts)

    def _show(self, found: Attention, counts: TodayCounts) -> None:
        t = self.t
        figures = (
            (t("今日受理"), counts.accepted, ""),
            (t("今日办结"), counts.completed, ""),
            (t("在办"), counts.open, ""),
            (t("已超期"), len(found.overdue), "red"),
            (t("即将到期"), len(found.due_soon), "yellow"),
            (t("待补材料"), len(found.awaiting), "cyan"),
        )
        self.query_one("#counts", Static).update(
            " │ ".join(
                f"{label} [b {style}]{value}[/]" if style and value else f"{label} [b]{value}[/]"
                for label, value, style in figures
            )
        )
        table = self.query_one("#attention", CaseTable)
        table.show([*found.overdue, *found.due_soon, *found.awaiting])
        empty = not table.row_count
        self.query_one("#today-empty", Static).update(t("没有需要关注的办件") if empty else "")

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        from .case_detail import CaseScreen

        if event.row_key.value is not None:
            self.app.push_screen(CaseScreen(str(event.row_key.value)))
