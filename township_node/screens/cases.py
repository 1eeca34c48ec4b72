"""Provides the case list: search and filters over every local case, filled as it scrolls."""

from __future__ import annotations

from typing import ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Checkbox, DataTable, Input, Select, Static
from textual.worker import get_current_worker

import casework

from ..queries import PAGE_SIZE, CaseFilter, CaseRow, count_cases, find_cases, reader
from ..texts import clip
from ..widgets import CaseTable
from ._base import WindowScreen

__all__ = ["CasesScreen"]

_COUNT_CAP = 1000
_PREFETCH_ROWS = 10  # fetch the next page this many rows before the end: scrolling never stops


class CasesScreen(WindowScreen):
    """Typing in the search field narrows the list at once; the query runs beside the window."""

    HELP_TITLE = "办件查询"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+f", "focus_search", "搜索"),
        Binding("ctrl+o", "toggle_overdue", "仅超期"),
        # From the search field, ↓ goes into the list: what a new clerk tries first.
        Binding("down", "focus_list", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._filter = CaseFilter()
        self._loaded = 0
        self._exhausted = False
        self._loading = False

    def compose_body(self) -> ComposeResult:
        t = self.t
        statuses = [(t.status(status, short=True), status) for status in casework.STATUSES]
        with Vertical(id="cases", classes="body"):
            with Horizontal(id="case-filters"):
                yield Input(
                    placeholder=t("搜索 姓名/身份证/编号/电话"),
                    id="case-search",
                    compact=True,
                )
                yield Select(statuses, prompt=t("全部状态"), id="status-filter", compact=True)
                yield Select(
                    self._item_choices(), prompt=t("全部事项"), id="item-filter", compact=True
                )
                yield Checkbox(t("仅超期"), id="overdue-filter", compact=True)
            yield CaseTable(id="case-table")
            yield Static(id="case-count", classes="hint")

    def _item_choices(self) -> list[tuple[str, str]]:
        items = sorted(self.session.catalog.items.values(), key=lambda item: item.code)
        return [(clip(item.name, 24), item.code) for item in items]

    def on_mount(self) -> None:
        self.query_one("#case-search", Input).focus()

    def on_screen_resume(self) -> None:
        self._reload()

    def action_focus_search(self) -> None:
        self.query_one("#case-search", Input).focus()

    def action_focus_list(self) -> None:
        self.query_one(CaseTable).focus()

    def action_toggle_overdue(self) -> None:
        box = self.query_one("#overdue-filter", Checkbox)
        box.value = not box.value

    def on_input_changed(self, event: Input.Changed) -> None:
        self._reload()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.query_one(CaseTable).focus()

    def on_select_changed(self, event: Select.Changed) -> None:
        self._reload()

    def on_checkbox_changed(self, event: Checkbox.Changed) -> None:
        self._reload()

    def _current_filter(self) -> CaseFilter:
        status = self.query_one("#status-filter", Select).value
        item = self.query_one("#item-filter", Select).value
        return CaseFilter(
            text=self.query_one("#case-search", Input).value,
            status=status if isinstance(status, str) else "",
            item_code=item if isinstance(item, str) else "",
            overdue=self.query_one("#overdue-filter", Checkbox).value,
        )

    def _reload(self) -> None:
        self._filter = self._current_filter()
        self._loaded, self._exhausted, self._loading = 0, False, True
        self._load(self._filter, 0)

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        table = self.query_one(CaseTable)
        near_end = event.cursor_row >= table.row_count - _PREFETCH_ROWS
        if near_end and not self._exhausted and not self._loading:
            self._loading = True
            self._load(self._filter, self._loaded)

    @work(thread=True, exclusive=True, group="cases")
    def _load(self, case_filter: CaseFilter, offset: int) -> None:
        session = self.session
        today = session.today()
        worker = get_current_worker()
        with reader(session.home) as conn:
            rows = find_cases(conn, case_filter, today=today, offset=offset)
            if worker.is_cancelled:
                return
            # The rows first: the count may scan further, and the clerk reads rows.
            self.app.call_from_thread(self._show, case_filter, offset, rows)
            if offset:
                return
            total = len(rows)
            if total == PAGE_SIZE:
                total = count_cases(conn, case_filter, today=today, cap=_COUNT_CAP)
        if not worker.is_cancelled:
            self.app.call_from_thread(self._show_count, case_filter, total)

    def _show(self, case_filter: CaseFilter, offset: int, rows: list[CaseRow]) -> None:
        if case_filter != self._filter or offset != self._loaded:
            return  # typed on since: a newer query is on its way
        self.query_one(CaseTable).show(rows, append=offset > 0)
        self._loaded = offset + len(rows)
        self._exhausted = len(rows) < PAGE_SIZE
        self._loading = False

    def _show_count(self, case_filter: CaseFilter, total: int) -> None:
        if case_filter != self._filter:
            return
        t = self.t
        words = t("超过 {n} 件", n=_COUNT_CAP) if total > _COUNT_CAP else t("共 {n} 件", n=total)
        self.query_one("#case-count", Static).update(words)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        from .case_detail import CaseScreen

        if event.row_key.value is not None:
            self.app.push_screen(CaseScreen(str(event.row_key.value)))
