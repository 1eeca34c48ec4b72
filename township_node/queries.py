"""Provides the read-only queries the clerk's window needs: case lists, today's work, counts,
and the cases that crossed centers (handed here, back for delivery, held elsewhere).

Each query reads only indexed ranges of the case projection and stops at a page, so a screen
answers as fast with 100,000 local cases as with ten. Dates are China dates; timestamps in the
database are UTC, so a China day is turned into its UTC bounds before comparing.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

import casework
from sync_protocol import format_timestamp

from .home import DATABASE_FILE, NodeHome
from .projection import fold_case

__all__ = [
    "PAGE_SIZE",
    "Attention",
    "CaseFilter",
    "CaseRow",
    "CategoryCount",
    "CrossingRow",
    "Crossings",
    "TodayCounts",
    "accepted_by_month",
    "attention",
    "category_counts",
    "count_cases",
    "crossings",
    "find_cases",
    "reader",
    "today_counts",
    "utc_bound",
]

PAGE_SIZE = 50
_ROW_COLUMNS = (
    "c.case_no, c.item_code, c.status, c.applicant_name, c.id_number, c.phone, c.accepted_at, "
    "c.due_date, c.due_provisional"
)
_DOTS = ("·", "•", "・", " ")  # the dots of Yi names, typed or not, and spaces
_OPEN = tuple(sorted(casework.OPEN_STATUSES))
_OPEN_SQL = ", ".join(f"'{status}'" for status in _OPEN)
_CROSSING_COLUMNS = (
    "case_no, item_code, status, applicant_name, origin_center, holder_center, held_since, "
    "updated_at"
)
# Paused cases (补正) are not counted down; their stored due date moves when the pause ends.
_RUNNING = f"status IN ({_OPEN_SQL}) AND status != 'awaiting_supplement'"


@dataclass(frozen=True, slots=True)
class CaseFilter:
    """What the case list is narrowed to; empty fields do not narrow."""

    text: str = ""
    """Part of an applicant's name (with or without its "·"), case number, ID number or phone."""
    status: str = ""
    item_code: str = ""
    overdue: bool = False


@dataclass(frozen=True, slots=True)
class CaseRow:
    """One line of a case list."""

    case_no: str
    item_code: str
    status: str
    applicant_name: str
    id_number: str
    phone: str
    accepted_at: str
    due_date: str | None
    due_provisional: bool


@dataclass(frozen=True, slots=True)
class Attention:
    """Open cases the clerk should look at today, most urgent first."""

    overdue: list[CaseRow]
    due_soon: list[CaseRow]
    awaiting: list[CaseRow]
    """Waiting for materials: paused for 补正, or accepted with 容缺 materials still owed."""


@dataclass(frozen=True, slots=True)
class CrossingRow:
    """A case that crossed centers: where it was accepted, who holds it since when."""

    case_no: str
    item_code: str
    status: str
    applicant_name: str
    origin_center: str
    holder_center: str
    held_since: str | None
    updated_at: str


@dataclass(frozen=True, slots=True)
class Crossings:
    """What the today screen lists about cases that crossed centers (issue 6)."""

    handed_here: list[CrossingRow]
    """Accepted at another center, open and held here: 转来待办, oldest first."""
    to_deliver: list[CrossingRow]
    """Completed and held here, the result not yet handed over: 待送达, newest first."""
    held_elsewhere: list[CrossingRow]
    """Accepted here, open and held at another center: 在…办理中, oldest first."""


@dataclass(frozen=True, slots=True)
class TodayCounts:
    accepted: int
    completed: int
    open: int


@dataclass(frozen=True, slots=True)
class CategoryCount:
    """Accepted and completed cases of one category, as the seed's report tables them."""

    category: str
    month_accepted: int
    month_completed: int
    year_accepted: int
    year_completed: int


@contextmanager
def reader(home: NodeHome) -> Iterator[sqlite3.Connection]:
    """A read-only connection of its own, for a query in a worker thread beside the window."""
    path = home.path.resolve() / DATABASE_FILE
    conn = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True, check_same_thread=False)
    try:
        yield conn
    finally:
        conn.close()


def utc_bound(day: date) -> str:
    """The UTC timestamp at which a China day begins (for comparing with stored ones)."""
    return format_timestamp(datetime.combine(day, time(), casework.CHINA_TZ))


def find_cases(
    conn: sqlite3.Connection,
    case_filter: CaseFilter,
    *,
    today: date,
    offset: int = 0,
    limit: int = PAGE_SIZE,
) -> list[CaseRow]:
    """One page of cases matching the filter, newest first."""
    source, where, args = _where(case_filter, today)
    rows = conn.execute(
        f"SELECT {_ROW_COLUMNS} FROM {source} {where} LIMIT ? OFFSET ?",
        (*args, limit, offset),
    )
    return [_row(row) for row in rows]


def count_cases(
    conn: sqlite3.Connection, case_filter: CaseFilter, *, today: date, cap: int = 1000
) -> int:
    """How many cases match, counting no further than `cap` + 1 (shown as "more than")."""
    source, where, args = _where(case_filter, today)
    row = conn.execute(
        f"SELECT count(*) FROM (SELECT 1 FROM {source} {where} LIMIT ?)", (*args, cap + 1)
    ).fetchone()
    return int(row[0])


def attention(
    conn: sqlite3.Connection, *, today: date, soon_until: date, limit: int = PAGE_SIZE
) -> Attention:
    """Overdue cases (red), cases due by `soon_until` (yellow) and cases awaiting materials.

    A provisional due date never turns red (casework's rule): past it, the case stays yellow.
    """
    start, soon = today.isoformat(), soon_until.isoformat()
    overdue = _select(
        conn,
        f"{_RUNNING} AND due_date < ? AND due_provisional = 0",
        (start,),
        "due_date",
        limit,
    )
    due_soon = _select(
        conn,
        f"{_RUNNING} AND due_date <= ? AND (due_date >= ? OR due_provisional = 1)",
        (soon, start),
        "due_date",
        limit,
    )
    return Attention(overdue, due_soon, _awaiting(conn, limit))


def today_counts(conn: sqlite3.Connection, *, today: date) -> TodayCounts:
    """Cases accepted and completed today (China day), and cases open now."""
    start, end = utc_bound(today), utc_bound(date.fromordinal(today.toordinal() + 1))
    accepted = conn.execute(
        "SELECT count(*) FROM cases WHERE accepted_at >= ? AND accepted_at < ?", (start, end)
    ).fetchone()[0]
    completed = conn.execute(
        "SELECT count(*) FROM events WHERE type = 'complete' AND occurred_at >= ? "
        "AND occurred_at < ?",
        (start, end),
    ).fetchone()[0]
    still_open = conn.execute(f"SELECT count(*) FROM cases WHERE status IN ({_OPEN_SQL})")
    return TodayCounts(int(accepted), int(completed), int(still_open.fetchone()[0]))


def crossings(conn: sqlite3.Connection, *, center: str, limit: int = PAGE_SIZE) -> Crossings:
    """Cases handed to `center`, back at it for delivery, and accepted at it but held elsewhere.

    Each list reads one range of the cases_by_holder index, so it costs what the cases in it
    (and the open cases held here) cost, not the whole table.
    """
    handed = _crossing(
        conn,
        f"holder_center = ?1 AND status IN ({_OPEN_SQL}) AND origin_center != ?1",
        "held_since",
        center,
        limit,
    )
    to_deliver = _crossing(
        conn, "holder_center = ?1 AND status = 'completed'", "held_since DESC", center, limit
    )
    # Two ranges around this center's code: SQLite reads no index range for "!=".
    elsewhere = " UNION ALL ".join(
        f"SELECT {_CROSSING_COLUMNS} FROM cases INDEXED BY cases_by_holder "
        f"WHERE holder_center {op} ?1 AND status IN ({_OPEN_SQL}) AND origin_center = ?1"
        for op in ("<", ">")
    )
    rows = conn.execute(
        f"SELECT * FROM ({elsewhere}) ORDER BY held_since LIMIT ?2", (center, limit)
    )
    return Crossings(handed, to_deliver, [CrossingRow(*row) for row in rows])


def _crossing(
    conn: sqlite3.Connection, where: str, order: str, center: str, limit: int
) -> list[CrossingRow]:
    rows = conn.execute(
        f"SELECT {_CROSSING_COLUMNS} FROM cases INDEXED BY cases_by_holder WHERE {where} "
        f"ORDER BY {order} LIMIT ?2",
        (center, limit),
    )
    return [CrossingRow(*row) for row in rows]


def category_counts(conn: sqlite3.Connection, *, year: int, month: int) -> list[CategoryCount]:
    """Accepted and completed by category in a month and its year, in the seed's order.

    Accepted counts cases accepted in the period; completed counts 办结 recorded in it,
    whenever the case was accepted (the report's 受理 … 件，办结 … 件 are counted so).
    """
    month_range = (date(year, month, 1), _month_after(year, month))
    year_range = (date(year, 1, 1), date(year + 1, 1, 1))
    counts = {
        "month_accepted": _accepted(conn, *month_range),
        "month_completed": _completed(conn, *month_range),
        "year_accepted": _accepted(conn, *year_range),
        "year_completed": _completed(conn, *year_range),
    }
    return [
        CategoryCount(category, **{key: found.get(category, 0) for key, found in counts.items()})
        for category in casework.CATEGORIES
    ]


def accepted_by_month(conn: sqlite3.Connection, *, year: int) -> list[int]:
    """Cases accepted in each month of a year (China time), January first."""
    rows = conn.execute(
        "SELECT CAST(strftime('%m', accepted_at, '+8 hours') AS INTEGER), count(*) FROM cases "
        "WHERE accepted_at >= ? AND accepted_at < ? GROUP BY 1",
        (utc_bound(date(year, 1, 1)), utc_bound(date(year + 1, 1, 1))),
    )
    found = dict(rows.fetchall())
    return [int(found.get(month, 0)) for month in range(1, 13)]


def _month_after(year: int, month: int) -> date:
    return date(year + month // 12, month % 12 + 1, 1)


def _accepted(conn: sqlite3.Connection, start: date, end: date) -> dict[str, int]:
    rows = conn.execute(
        "SELECT category, count(*) FROM cases WHERE accepted_at >= ? AND accepted_at < ? "
        "GROUP BY category",
        (utc_bound(start), utc_bound(end)),
    )
    return {str(category): int(n) for category, n in rows}


def _completed(conn: sqlite3.Connection, start: date, end: date) -> dict[str, int]:
    rows = conn.execute(
        "SELECT c.category, count(*) FROM events AS e JOIN cases AS c ON c.case_id = e.case_id "
        "WHERE e.type = 'complete' AND e.occurred_at >= ? AND e.occurred_at < ? "
        "GROUP BY c.category",
        (utc_bound(start), utc_bound(end)),
    )
    return {str(category): int(n) for category, n in rows}


def _awaiting(conn: sqlite3.Connection, limit: int) -> list[CaseRow]:
    paused = _select(conn, "status = 'awaiting_supplement'", (), "accepted_at", limit)
    # INDEXED BY: the partial index holds only accepts with 容缺 materials; the planner would
    # otherwise walk every accept event.
    with_missing = conn.execute(
        "SELECT e.case_id FROM events AS e INDEXED BY events_with_missing "
        "WHERE e.type = 'accept' AND instr(CAST(e.body AS TEXT), '\"missing_materials\"') > 0"
    ).fetchall()
    owing = [case_id for (case_id,) in with_missing if _still_owes(conn, case_id)]
    if not owing:
        return paused
    marks = ", ".join("?" * len(owing))
    owed = _select(conn, f"case_id IN ({marks}) AND {_RUNNING}", tuple(owing), "accepted_at", limit)
    return (paused + owed)[:limit]


def _still_owes(conn: sqlite3.Connection, case_id: str) -> bool:
    """Folds the case: 容缺 materials stay owed until a receive_supplement names them."""
    state = fold_case(conn, case_id)
    return state.is_open and bool(state.missing_materials)


def _select(
    conn: sqlite3.Connection, where: str, args: tuple[Any, ...], order: str, limit: int
) -> list[CaseRow]:
    rows = conn.execute(
        f"SELECT {_ROW_COLUMNS} FROM cases AS c WHERE {where} ORDER BY {order} LIMIT ?",
        (*args, limit),
    )
    return [_row(row) for row in rows]


def _where(case_filter: CaseFilter, today: date) -> tuple[str, str, tuple[Any, ...]]:
    """The rows to read, the WHERE clause with its ORDER BY, and the arguments."""
    clauses: list[str] = []
    args: list[Any] = []
    text = search_words(case_filter.text)
    if text:
        # The search table is in accepted order already: the scan stops at a page.
        source, order = "case_search AS s JOIN cases AS c ON c.case_id = s.case_id", "s"
        clauses.append("instr(s.words, ?) > 0")
        args.append(text)
    else:
        source, order = "cases AS c", "c"
    if case_filter.status:
        clauses.append("status = ?")
        args.append(case_filter.status)
    if case_filter.item_code:
        clauses.append("item_code = ?")
        args.append(case_filter.item_code)
    if case_filter.overdue:
        clauses.append(f"{_RUNNING} AND due_date < ? AND due_provisional = 0")
        args.append(today.isoformat())
    where = "WHERE " + " AND ".join(clauses) if clauses else ""
    return source, f"{where} ORDER BY {order}.accepted_at DESC", tuple(args)


def search_words(typed: str) -> str:
    """What a typed search looks for in case_search: no dots or spaces, Latin upper case
    (the X of an ID number), as the migration's triggers write the words."""
    for dot in _DOTS:
        typed = typed.replace(dot, "")
    return typed.upper()


def _row(row: tuple[Any, ...]) -> CaseRow:
    *fields, provisional = row
    return CaseRow(*fields, bool(provisional))
