"""Provides the statistics screen: accepted and completed by category, month and year,
laid out as the prefecture's work report states them, with a small chart."""

from __future__ import annotations

from typing import ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Label, Sparkline, Static

from ..queries import CategoryCount, accepted_by_month, category_counts, reader
from ..texts import Texts, pad
from ._base import WindowScreen

__all__ = ["StatisticsScreen"]

_BAR_CELLS = 30
# The report's names for the categories (2018 凉山州政务服务中心工作总结: 行政许可类,
# 除行政许可其他类, 公共服务类); 便民服务 is the township's own fourth line.
_REPORT_NAMES = {
    "licensing": "行政许可类",
    "other_admin": "除行政许可其他类",
    "public_service": "公共服务类",
    "convenience": "便民服务类",
}


class StatisticsScreen(WindowScreen):
    """← and → step through the months."""

    HELP_TITLE = "统计"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("left", "month(-1)", "上月"),
        Binding("right", "month(1)", "下月"),
        Binding("r", "reload", "刷新"),
    ]

    def __init__(self) -> None:
        super().__init__()
        today = self.session.today()
        self._year, self._month = today.year, today.month

    def compose_body(self) -> ComposeResult:
        with VerticalScroll(id="stats", classes="body"):
            yield Static(id="stats-title", classes="title")
            yield DataTable(id="stats-table", cursor_type="none", zebra_stripes=True)
            yield Static(id="stats-summary")
            yield Static(id="stats-bars")
            yield Label(self.t("本年各月受理"), classes="section")
            yield Sparkline([0] * 12, id="stats-spark")

    def on_mount(self) -> None:
        t = self.t
        table = self.query_one("#stats-table", DataTable)
        table.add_column(t("类别"), width=16)
        for label in ("本月受理", "本月办结", "本年受理", "本年办结", "办结率"):
            table.add_column(t(label), width=8)

    def on_screen_resume(self) -> None:
        self.action_reload()

    def action_month(self, step: int) -> None:
        index = self._year * 12 + self._month - 1 + step
        self._year, self._month = divmod(index, 12)
        self._month += 1
        self.action_reload()

    def action_reload(self) -> None:
        self._load(self._year, self._month)

    @work(thread=True, exclusive=True, group="stats")
    def _load(self, year: int, month: int) -> None:
        with reader(self.session.home) as conn:
            counts = category_counts(conn, year=year, month=month)
            months = accepted_by_month(conn, year=year)
        self.app.call_from_thread(self._show, year, month, counts, months)

    def _show(self, year: int, month: int, counts: list[CategoryCount], months: list[int]) -> None:
        t = self.t
        self.query_one("#stats-title", Static).update(
            f"{t('办件统计')}  {year}-{month:02d} · {self.session.center_name}"
        )
        table = self.query_one("#stats-table", DataTable)
        table.clear()
        for row in [*counts, _total(counts)]:
            name = t("合计") if row.category == "total" else _category(row.category, t)
            table.add_row(
                name,
                *(str(n) for n in (row.month_accepted, row.month_completed)),
                *(str(n) for n in (row.year_accepted, row.year_completed)),
                _rate(row.year_completed, row.year_accepted),
            )
        self.query_one("#stats-summary", Static).update(report_sentence(counts, year, t))
        self.query_one("#stats-bars", Static).update(_bars(counts, t))
        self.query_one("#stats-spark", Sparkline).data = months


def report_sentence(counts: list[CategoryCount], year: int, t: Texts) -> str:
    """The year's figures in the words of the seed's report: 共受理…类…件，办结…件；…"""
    if t.language == "en":
        parts = [
            f"{t.category(c.category)}: {c.year_accepted} accepted, {c.year_completed} completed"
            for c in counts
        ]
        return f"{year}: " + "; ".join(parts) + "."
    parts = [
        f"受理{_REPORT_NAMES[c.category]}{c.year_accepted}件，办结{c.year_completed}件"
        for c in counts
    ]
    return f"{year}年本中心共" + "；".join(parts) + "。"


def _category(category: str, t: Texts) -> str:
    return _REPORT_NAMES.get(category, category) if t.language == "zh" else t.category(category)


def _total(counts: list[CategoryCount]) -> CategoryCount:
    return CategoryCount(
        "total",
        sum(c.month_accepted for c in counts),
        sum(c.month_completed for c in counts),
        sum(c.year_accepted for c in counts),
        sum(c.year_completed for c in counts),
    )


def _rate(done: int, accepted: int) -> str:
    return f"{100 * done / accepted:.1f}%" if accepted else "—"


def _bars(counts: list[CategoryCount], t: Texts) -> str:
    """One bar per category for the year: completed in green, still open in grey."""
    top = max((c.year_accepted for c in counts), default=0) or 1
    lines = []
    for c in counts:
        done = round(_BAR_CELLS * c.year_completed / top)
        rest = round(_BAR_CELLS * c.year_accepted / top) - done
        bar = f"[green]{'█' * done}[/][grey50]{'█' * max(rest, 0)}[/]"
        lines.append(
            f"{pad(_category(c.category, t), 18)} {bar} {c.year_completed}/{c.year_accepted}"
        )
    return "\n".join(lines)
