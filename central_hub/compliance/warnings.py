"""Provides the e-supervision lights of open cases (电子监察 黄灯/红灯).

Rules (domain-china.md §2.2, casework.WorkCalendar.warning_light): an open case is red when
today is past its due date, yellow when at most one working day remains (or when it is past a
*provisional* due date: one counted in a year no calendar layer covers yet). Only open cases
carry a due date, and only those due before the second working day from today can be lit:
rollup_open_cases (one row per open case with a due date, indexed by due date and by county)
counts them and lists the oldest first without walking the case rows.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa

import casework

from .rollups import rollup_open_cases

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
    """Red and yellow open cases per center (center -> {"red": n, "yellow": n}), counted in
    SQL from rollup_open_cases by center and due date."""
    t = rollup_open_cases.c
    query = (
        sa.select(t.center_code, t.due_date, t.provisional, sa.func.count())
        .where(t.due_date < _horizon(today, calendar))
        .group_by(t.center_code, t.due_date, t.provisional)
    )
    if scope_county is not None:
        query = query.where(t.county_code == scope_county)
    lights = _Lights(calendar, today)
    counts: dict[str, Counter[str]] = {}
    for center, due, provisional, open_cases in conn.execute(query):
        light, _ = lights.of(date.fromisoformat(due), bool(provisional))
        if light != "green":
            counts.setdefault(center, Counter())[light] += int(open_cases)
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

    Every open case due before the second working day from today is lit: rollup_open_cases
    finds them by due date (and county) and holds what the list shows.
    """
    o = rollup_open_cases.c
    query = (
        sa.select(rollup_open_cases)
        .where(o.due_date < _horizon(today, calendar))
        .order_by(o.due_date, o.case_id)
        .limit(limit)
    )
    if scope_county is not None:
        query = query.where(o.county_code == scope_county)
    lights = _Lights(calendar, today)
    found = []
    for row in conn.execute(query):
        due = date.fromisoformat(row.due_date)
        light, late = lights.of(due, bool(row.provisional))
        found.append(
            CaseWarning(
                row.case_id,
                row.case_no,
                row.center_code,
                row.county_code,
                row.item_code,
                row.category,
                row.accepted_at,
                due,
                bool(row.provisional),
                light,
                late,
            )
        )
    return found


def _horizon(today: date, calendar: casework.WorkCalendar) -> str:
    """Cases due before this date are lit: the second working day after today."""
    return calendar.due_date(today, YELLOW_DAYS + 1).due.isoformat()


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
