"""Provides the table: what every hub view (reconciliation, compliance, reports) hands out.

The CLI prints it or writes it as JSON, CSV or XLSX; the dashboard renders it as HTML with
links for drill-down and offers the same CSV/XLSX. One shape for all, so every table a person
can see can also be exported, and a role filter applied once applies to every output.

What a person reads is decided once, in `Table.cell_text`: a rate as 33.33%, a time in China
time (2026-11-02 09:15). The page and the CSV both write that text; XLSX writes the same as
typed cells (a percent-formatted number, a China-time date-time) so a spreadsheet can still sum
and sort them. JSON, for programs, keeps the wire values: fractions and UTC timestamps.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import casework
from sync_protocol import is_timestamp, parse_timestamp

__all__ = [
    "Column",
    "Table",
    "china_datetime",
    "print_tables",
    "table_to_csv",
    "table_to_xlsx",
]

KINDS = ("text", "int", "pct", "date", "datetime", "yuan")


@dataclass(frozen=True, slots=True)
class Column:
    """One column: its key in the rows, its Chinese label first, and how to show its values."""

    key: str
    label_zh: str
    label_en: str
    kind: str = "text"
    """text, int, pct (a fraction 0..1, shown as 62.61%), date, datetime (UTC wire text, shown
    in China time), yuan."""

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"column kind {self.kind!r} is not one of {KINDS}")

    @property
    def is_numeric(self) -> bool:
        """Figures: shown right-aligned, sorted largest first."""
        return self.kind in ("int", "pct", "yuan")


@dataclass(frozen=True, slots=True)
class Table:
    """Rows of one view, with what a dashboard needs to link each row deeper.

    Attributes:
        name: a stable id, used in URLs and export file names (e.g. "reconcile_nodes").
        links: column key -> the row key whose value names the unit or case to drill into,
            e.g. {"center_name": "center_code", "case_no": "case_id"}.
    """

    name: str
    title_zh: str
    title_en: str
    columns: tuple[Column, ...]
    rows: list[dict[str, Any]]
    links: Mapping[str, str] = field(default_factory=dict)

    def as_dicts(self) -> list[dict[str, Any]]:
        """The rows with exactly the table's columns, in column order (for JSON output)."""
        return [{c.key: row.get(c.key) for c in self.columns} for row in self.rows]

    def cell_text(self, row: Mapping[str, Any], column: Column) -> str:
        """A cell as a person reads it: percentages with two decimals, times in China time
        to the minute, empty for None."""
        value = row.get(column.key)
        if value is None:
            return ""
        if column.kind == "pct":
            return f"{float(value) * 100:.2f}%"
        if column.kind == "datetime":
            moment = china_datetime(value)
            return moment.strftime("%Y-%m-%d %H:%M") if moment else str(value)
        return str(value)


def china_datetime(value: Any) -> datetime | None:
    """A UTC wire timestamp as a China wall-clock time (naive, as a spreadsheet keeps it);
    None for anything that is not a timestamp."""
    if not isinstance(value, str) or not is_timestamp(value):
        return None
    return parse_timestamp(value).astimezone(casework.CHINA_TZ).replace(tzinfo=None)


def print_tables(tables: Sequence[Table]) -> None:
    """Prints tables on the terminal: Chinese title and headers, numbers right-aligned."""
    from rich.console import Console
    from rich.table import Table as RichTable

    console = Console()
    for table in tables:
        if len(table.columns) > _COLUMNS_ON_A_LINE:
            _print_records(console, table)
            continue
        shown = RichTable(title=f"{table.title_zh} {table.title_en}", title_justify="left")
        for column in table.columns:
            shown.add_column(column.label_zh, justify="right" if column.is_numeric else "left")
        for row in table.rows:
            shown.add_row(*(table.cell_text(row, column) for column in table.columns))
        console.print(shown if table.rows else f"{table.title_zh}：（无 none）")


_COLUMNS_ON_A_LINE = 8


def _print_records(console: object, table: Table) -> None:
    """A table too wide for a terminal: one block per row, each value named."""
    from rich.console import Console

    assert isinstance(console, Console)
    console.print(f"[b]{table.title_zh}[/] {table.title_en}")
    if not table.rows:
        console.print("（无 none）")
    for row in table.rows:
        cells = [
            f"[dim]{column.label_zh}[/] {table.cell_text(row, column)}"
            for column in table.columns
            if table.cell_text(row, column)
        ]
        console.print("• " + "  ".join(cells))


_AS_READ = ("pct", "datetime")
"""Kinds whose CSV cell is the text a person reads on the page, not the stored value."""


def table_to_csv(table: Table) -> bytes:
    """UTF-8 with BOM so Excel in a Chinese locale opens it right; Chinese headers; rates and
    times written as the page shows them."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([c.label_zh for c in table.columns])
    for row in table.rows:
        writer.writerow(
            [
                table.cell_text(row, c) if c.kind in _AS_READ else _plain(row.get(c.key))
                for c in table.columns
            ]
        )
    return ("\ufeff" + out.getvalue()).encode("utf-8")


PERCENT_FORMAT, TIME_FORMAT = "0.00%", "yyyy-mm-dd hh:mm"


def table_to_xlsx(tables: Sequence[Table]) -> bytes:
    """One sheet per table, Chinese headers, numbers as numbers: rates as fractions shown in
    the percent format (33.33%), times as China-time date-time cells."""
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    for table in tables:
        sheet = book.create_sheet(_sheet_title(table.title_zh))
        sheet.append([c.label_zh for c in table.columns])
        for row in table.rows:
            sheet.append([_xlsx_value(row.get(c.key), c) for c in table.columns])
        for index, column in enumerate(table.columns, start=1):
            number_format = {"pct": PERCENT_FORMAT, "datetime": TIME_FORMAT}.get(column.kind)
            if number_format:
                for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                    cell.number_format = number_format
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _xlsx_value(value: Any, column: Column) -> Any:
    if column.kind == "datetime":
        return china_datetime(value) or _plain(value)
    return _plain(value)


def _plain(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, (int, float)):
        return value
    text = str(value)
    # A cell a spreadsheet would run as a formula (=, +, -, @) is kept as text.
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def _sheet_title(title: str) -> str:
    # Excel forbids []:*?/\ in sheet titles and allows 31 characters.
    cleaned = "".join("_" if ch in "[]:*?/\\" else ch for ch in title)
    return cleaned[:31] or "sheet"
