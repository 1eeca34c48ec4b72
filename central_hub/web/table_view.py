"""Provides how a long table is shown on a page: sorted and paged on the server, and
collapsed to its first rows until a person opens it.

The pages use no JavaScript, so sorting and paging are links. One table on a page is
addressed at a time by the query arguments

    table=<name>  sort=<column key>  dir=asc|desc  page=<n>

and the others keep their own order and first page. The period and unit arguments stay in
every link. A total row (a text cell ending in 合计) is no unit: it is never sorted or counted
in the paging, and closes every page. Exports always hold every row in the table's own order.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from ..tables import Column, Table
from .errors import BadQuery

__all__ = ["COLLAPSE_AFTER", "PAGE_ROWS", "SHOWN_ROWS", "TableView", "table_views"]

PAGE_ROWS = 50
"""Rows on one page of a table."""
COLLAPSE_AFTER = 12
"""A page holding more rows than this is collapsed ..."""
SHOWN_ROWS = 10
"""... to its first rows, the rest behind 展开 (a <details>, no script needed)."""
_VIEW_ARGS = ("table", "sort", "dir", "page")


@dataclass(frozen=True, slots=True)
class TableView:
    table: Table
    rows: list[dict[str, Any]]
    """The rows on this page, in the order shown (the total row last)."""
    page: int
    pages: int
    unit_rows: int
    """Rows in the whole table, the total row left out."""
    sort: str
    descending: bool
    addressed: bool
    """The query names this table (it was sorted or paged): it is shown open."""
    query: Mapping[str, str]
    """The page's other query arguments (period, unit), kept in every link."""

    @property
    def first_row(self) -> int:
        return (self.page - 1) * PAGE_ROWS + 1 if self.unit_rows else 0

    @property
    def last_row(self) -> int:
        return min(self.page * PAGE_ROWS, self.unit_rows)

    @property
    def shown_rows(self) -> int:
        """Rows a collapsed page shows before 展开."""
        return SHOWN_ROWS

    @property
    def collapsed(self) -> bool:
        return len(self.rows) > COLLAPSE_AFTER

    def hidden_until_opened(self, index: int, row: Mapping[str, Any]) -> bool:
        """Whether the row at `index` on this page waits behind 展开 (a total row never)."""
        return self.collapsed and index >= self.shown_rows and not is_total(self.table, row)

    def is_total(self, row: Mapping[str, Any]) -> bool:
        return is_total(self.table, row)

    def sort_href(self, column: Column) -> str:
        """Sorts by the column; the column already sorted turns around."""
        descending = not self.descending if column.key == self.sort else column.is_numeric
        return self.sorted_href(column.key, descending=descending)

    def sorted_href(self, key: str, *, descending: bool) -> str:
        """The table sorted by the column `key` one way (a page's own link, e.g. most
        silent first)."""
        return self._href(sort=key, dir="desc" if descending else "asc")

    def sort_state(self, column: Column) -> str:
        """aria-sort: "ascending", "descending" or "" for an unsorted column."""
        if column.key != self.sort:
            return ""
        return "descending" if self.descending else "ascending"

    def page_href(self, page: int) -> str:
        sort = {"sort": self.sort, "dir": "desc" if self.descending else "asc"} if self.sort else {}
        return self._href(**sort, page=str(page))

    def _href(self, **args: str) -> str:
        return (
            "?"
            + urlencode({**self.query, "table": self.table.name, **args})
            + (f"#t-{self.table.name}")
        )


def is_total(table: Table, row: Mapping[str, Any]) -> bool:
    """A row that adds the others up: a text cell names it 合计 (全州合计, 昭觉县合计)."""
    return any(
        column.kind == "text" and str(row.get(column.key) or "").endswith("合计")
        for column in table.columns
    )


def table_views(tables: Sequence[Table], query: Mapping[str, str]) -> list[TableView]:
    """Each table as the page shows it, the one `table=` names sorted and paged as asked.

    Raises:
        BadQuery: `table` names no table of the page, or `sort`, `dir` or `page` is not one
            of its columns, directions or pages.
    """
    kept = {k: v for k, v in query.items() if k not in _VIEW_ARGS and v}
    named = query.get("table", "")
    if named and named not in {t.name for t in tables}:
        raise BadQuery(f"no table {named!r} on this page", message_zh=f"本页没有名为 {named} 的表")
    return [_view(t, query if t.name == named else {}, kept) for t in tables]


def _view(table: Table, asked: Mapping[str, str], kept: Mapping[str, str]) -> TableView:
    sort, descending = _sort_of(table, asked)
    units = [row for row in table.rows if not is_total(table, row)]
    totals = [row for row in table.rows if is_total(table, row)]
    if sort:
        units = _sorted(units, next(c for c in table.columns if c.key == sort), descending)
    pages = max(1, math.ceil(len(units) / PAGE_ROWS))
    page = _page_of(asked.get("page", ""), pages)
    return TableView(
        table=table,
        rows=[*units[(page - 1) * PAGE_ROWS : page * PAGE_ROWS], *totals],
        page=page,
        pages=pages,
        unit_rows=len(units),
        sort=sort,
        descending=descending,
        addressed=bool(asked),
        query=kept,
    )


def _sort_of(table: Table, asked: Mapping[str, str]) -> tuple[str, bool]:
    sort, direction = asked.get("sort", ""), asked.get("dir", "")
    if not sort:
        if direction:
            raise BadQuery("dir without sort", message_zh="请先选择按哪一列排序")
        return "", False
    labels = {c.key: c.label_zh for c in table.columns}
    if sort not in labels:
        raise BadQuery(
            f"table {table.name} has no column {sort!r}",
            message_zh=f"“{table.title_zh}”没有可排序的列 {sort}",
        )
    if direction not in ("", "asc", "desc"):
        raise BadQuery(
            f"dir {direction!r} is not asc or desc",
            message_zh="排序方向只能是 asc（从小到大）或 desc（从大到小）",
        )
    return sort, direction == "desc"


def _page_of(typed: str, pages: int) -> int:
    text = typed.strip()
    if not text:
        return 1
    if not text.isascii() or not text.isdigit() or not 1 <= int(text) <= pages:
        raise BadQuery(
            f"page {typed!r} is not 1..{pages}",
            message_zh=f"页码“{text[:20]}”不对：这张表共 {pages} 页，请写 1 到 {pages} 之间的整数",
        )
    return int(text)


def _sorted(rows: list[dict[str, Any]], column: Column, descending: bool) -> list[dict[str, Any]]:
    """By the column's value; rows without one last whichever way (a rate of no cases is not
    a rate of 0)."""

    def key(row: dict[str, Any]) -> Any:
        value = row.get(column.key)
        if column.is_numeric:
            return float(value) if isinstance(value, (int, float)) else 0.0
        return str(value)

    present = [r for r in rows if r.get(column.key) not in (None, "")]
    missing = [r for r in rows if r.get(column.key) in (None, "")]
    return [*sorted(present, key=key, reverse=descending), *missing]
