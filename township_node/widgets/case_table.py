"""Provides the case table: one line per case with its warning light, filled page by page."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from rich.text import Text
from textual.widgets import DataTable

from ..queries import CaseRow
from ..session import session_of
from ..texts import clip

__all__ = ["LIGHTS", "CaseTable", "Light", "light_of"]


@dataclass(frozen=True, slots=True)
class Light:
    """How a warning light reads without its colour too (a monochrome or colour-blind screen):
    a one-character mark in the list, a word on the case page."""

    mark: str
    style: str
    word: str


LIGHTS = {
    "red": Light("超", "bold red", "已超期"),
    "yellow": Light("急", "bold yellow", "即将到期"),
    "paused": Light("补", "cyan", "待补材料"),
    "green": Light("●", "green", "期限内"),
}
"""By light_of's answer; a closed case has no light."""


class Dated(Protocol):
    """A case row or summary: anything with a status and a stored due date."""

    @property
    def status(self) -> str: ...
    @property
    def due_date(self) -> str | None: ...
    @property
    def due_provisional(self) -> bool: ...


def light_of(row: Dated, *, today: date, soon_until: date) -> str:
    """red (overdue), yellow (due by `soon_until`, or past a provisional date), green, paused,
    or "" for a closed case. A provisional date never turns red (casework's rule)."""
    if row.status == "awaiting_supplement":
        return "paused"
    if not row.due_date:
        return ""
    due = date.fromisoformat(row.due_date)
    if due < today and not row.due_provisional:
        return "red"
    return "yellow" if due <= soon_until else "green"


class CaseTable(DataTable[Text | str]):
    """Rows keyed by case number; Enter opens the highlighted case (RowSelected)."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        t = session_of(self).texts
        self.add_column(" ", key="light", width=2)
        self.add_column(t("办件编号"), key="case_no", width=15)
        self.add_column(t("申请人"), key="applicant", width=10)
        self.add_column(t("事项"), key="item", width=18)
        self.add_column(t("状态"), key="status", width=8)
        self.add_column(t("期限"), key="due", width=11)

    def show(self, rows: Iterable[CaseRow], *, append: bool = False) -> None:
        """Shows `rows` (after the ones already there when `append`)."""
        if not append:
            self.clear()
        session = session_of(self)
        today, soon = session.today(), session.soon_until()
        prefix = session.home.center_code + "-"
        for row in rows:
            if row.case_no in self.rows:
                continue
            light = light_of(row, today=today, soon_until=soon)
            self.add_row(
                _mark(light, session.texts),
                row.case_no.removeprefix(prefix),
                clip(row.applicant_name, 10),
                clip(session.item_name(row.item_code), 18),
                clip(session.texts.status(row.status, short=True), 8),
                _due(row, session.texts("暂定")),
                key=row.case_no,
            )

    @property
    def highlighted_case(self) -> str | None:
        if not self.row_count:
            return None
        key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key
        return str(key.value) if key.value is not None else None


def _due(row: CaseRow, provisional: str) -> str:
    if not row.due_date:
        return ""
    return f"{row.due_date[5:]} {provisional}" if row.due_provisional else row.due_date


def _mark(light: str, t: Callable[[str], str]) -> Text:
    if not light:
        return Text(" ")
    found = LIGHTS[light]
    return Text(t(found.mark), style=found.style)
