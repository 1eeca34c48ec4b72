"""Provides the e-supervision lights of open cases (电子监察 黄灯/红灯).

Rules (domain-china.md §2.2, casework.WorkCalendar.warning_light): an open case is red when
today is past its due date, yellow when at most one working day remains (or when it is past a
*provisional* due date: one counted in a year no calendar layer covers yet). Only open cases
carry a due date, and only those due before the second working day from today can be lit:
they are counted from rollup_open_due (open cases per center and due date) and listed, oldest
first, from the cases' due-date index.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa

import casework

from .rollups import rollup_open_due
from .store import cases

__all__ = ["CASE_LIST_LIMIT", "YELLOW_DAYS", "CaseWarning", "lit_counts", "open_warnings"]

YELLOW_DAYS = 1
"""Yellow when at most this many working days remain (domain-china.md §2.2: commonly 1)."""
CASE_LIST_LIMIT = 2000
"""Lit cases listed at most (the oldest due first); the counts per unit cover all of them."""


@dataclass(frozen=True, slots=True)
class CaseWarning:
    """An open case lit yellow or red on `today`."""

    case_id: str
    case_no: str
    center_code: str
    county_code: str
    item_code: str
    category: str
    status: str
    accepted_at: str
    due_date: date
    provisional: bool
    light: str
    """"red" or "yellow"."""
    working_days_late: int
    """Working days since the due date (0 when not late)."""


def lit_counts(
    conn: sa.Connection,
    *,
    scope_county: str | None,
    today: date,
    calendar: casework.WorkCalendar,
) -> dict[str, Counter[str]]:
    """Red and yellow open cases per center (center -> {"red": n, "yellow": n}), counted from
    rollup_open_due: one row per center and due date, however many cases are late."""
    horizon = calendar.due_date(today, YELLOW_DAYS + 1).due
    t = rollup_open_due.c
    query = sa.select(t.center_code, t.due_date, t.provisional, t.open).where(
        t.due_date < horizon.isoformat()
    )
    if scope_county is not None:
        query = query.where(t.county_code == scope_county)
    lights = _Lights(calendar, today)
    counts: dict[str, Counter[str]] = {}
    for center, due, provisional, open_cases in conn.execute(query):
        light, _ = lights.of(date.fromisoformat(due), bool(provisional))
        if light != "green":
            counts.setdefault(center, Counter())[light] += open_cases
    return counts


def open_warnings(
    conn: sa.Connection,
    *,
    scope_county: str | None,
    today: date,
    calendar: casework.WorkCalendar,
    limit: int = CASE_LIST_LIMIT,
) -> list[CaseWarning]:
    """The open cases lit on `today`, oldest due date first, at most `limit` of them.

    Every open case due before the second working day from today is lit, so the due-date
    index yields exactly the lit cases and the limit stops the walk.
    """
    horizon = calendar.due_date(today, YELLOW_DAYS + 1).due
    c = cases.c
    query = (
        sa.select(
            c.case_id,
            c.case_no,
            c.center_code,
            c.county_code,
            c.item_code,
            c.category,
            c.status,
            c.accepted_at,
            c.due_date,
            c.due_provisional,
        )
        .where(
            c.due_date.is_not(None),
            c.due_date < horizon.isoformat(),
            c.status.in_(sorted(casework.OPEN_STATUSES)),
        )
        .order_by(c.due_date)
        .limit(limit)
    )
    if scope_county is not None:
        # Written so that no index serves it: left to itself SQLite walks the county's every
        # case by cases_by_county instead of its few lit ones by due date.
        query = query.where(c.county_code.concat("") == scope_county)
    lights = _Lights(calendar, today)
    found = []
    for row in conn.execute(query):
        due = date.fromisoformat(row.due_date)
        light, late = lights.of(due, bool(row.due_provisional))
        found.append(
            CaseWarning(
                row.case_id,
                row.case_no,
                row.center_code,
                row.county_code or row.center_code[:6],
                row.item_code,
                row.category,
                row.status,
                row.accepted_at,
                due,
                bool(row.due_provisional),
                light,
                late,
            )
        )
    return found


class _Lights:
    """The light and lateness per due date, computed once per distinct date; lateness from a
    running count of working days, so a year-old case costs no more than yesterday's."""

    def __init__(self, calendar: casework.WorkCalendar, today: date) -> None:
        self._calendar, self._today = calendar, today
        self._known: dict[tuple[date, bool], tuple[str, int]] = {}
        self._worked: dict[date, int] = {today: 0}
        self._earliest = today

    def of(self, due: date, provisional: bool) -> tuple[str, int]:
        key = (due, provisional)
        if key not in self._known:
            deadline = casework.Deadline(due, provisional, self._calendar.version)
            light = self._calendar.warning_light(deadline, self._today, yellow_days=YELLOW_DAYS)
            self._known[key] = (light, self._late(due))
        return self._known[key]

    def _late(self, due: date) -> int:
        """Working days in (due, today]."""
        while self._earliest > due:
            day = self._earliest
            self._earliest = day - timedelta(days=1)
            worked = self._calendar.is_workday(day)[0]
            self._worked[self._earliest] = self._worked[day] + worked
        return self._worked[due] if due < self._today else 0
