"""Provides period sums from the rollups: whole months from rollup_monthly, the days at either
end from rollup_daily, so a year is about 12 rows per center and category, not 4M cases."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta

import sqlalchemy as sa

from .rollups import MEASURES, rollup_daily, rollup_monthly

__all__ = ["Counts", "PeriodSums", "Sums", "months_between", "period_sums"]

Sums = list[int]
"""The MEASURES in order: accepted, completed, single_window, same_minute, backdated."""


@dataclass(frozen=True, slots=True)
class Counts:
    """Cases accepted and completed in a period (completed counts by completion day, so a
    period can complete more than it accepts, as the seed's 公共服务 row does)."""

    accepted: int = 0
    completed: int = 0

    @property
    def rate(self) -> float | None:
        """办结率: completed ÷ accepted, None when nothing was accepted."""
        return self.completed / self.accepted if self.accepted else None

    def __add__(self, other: Counts) -> Counts:
        return Counts(self.accepted + other.accepted, self.completed + other.completed)


@dataclass(slots=True)
class PeriodSums:
    """The rollups summed over a period, by center and category and by month and category."""

    by_center: dict[str, dict[str, Sums]] = field(default_factory=dict)
    by_month: dict[str, dict[str, Sums]] = field(default_factory=dict)


def period_sums(
    conn: sa.Connection, *, scope_county: str | None, since: date, until: date
) -> PeriodSums:
    """Sums the rollups over the China dates [since, until], for one county or all."""
    sums = PeriodSums()
    months, day_ranges = _split(since, until)
    parts = [(rollup_monthly, "month", months)] if months else []
    parts += [(rollup_daily, "day", bounds) for bounds in day_ranges]
    for table, period, bounds in parts:
        for by, target in (("center_code", sums.by_center), (period, sums.by_month)):
            _add_sums(conn, target, table, period, bounds, by, scope_county)
    return sums


def _add_sums(
    conn: sa.Connection,
    target: dict[str, dict[str, Sums]],
    table: sa.Table,
    period: str,
    bounds: tuple[str, str],
    by: str,
    scope_county: str | None,
) -> None:
    """Adds the table's sums over the period, grouped by `by` (a center or a period) and
    category, into target; SQLite sums the rows, Python only sees the groups."""
    column = table.c[period]
    key = table.c[by] if by == "center_code" else sa.func.substr(column, 1, 7)
    query = (
        sa.select(key, table.c.category, *(sa.func.sum(table.c[m]) for m in MEASURES))
        .where(column >= bounds[0], column <= bounds[1])
        .group_by(key, table.c.category)
    )
    if scope_county is not None:
        query = query.where(table.c.county_code == scope_county)
    for group, category, *values in conn.execute(query):
        current = target.setdefault(group, {}).setdefault(category, [0] * len(MEASURES))
        for i, value in enumerate(values):
            current[i] += int(value or 0)


def _split(since: date, until: date) -> tuple[tuple[str, str] | None, list[tuple[str, str]]]:
    """The whole months inside [since, until] (first, last "YYYY-MM"), and the day ranges
    ("YYYY-MM-DD", inclusive) left over at either end."""
    whole = [(first, last) for first, last in _months(since, until) if since <= first]
    whole = [(first, last) for first, last in whole if last <= until]
    if not whole:
        return None, [(since.isoformat(), until.isoformat())]
    ranges = []
    if since < whole[0][0]:
        ranges.append((since.isoformat(), (whole[0][0] - timedelta(days=1)).isoformat()))
    if whole[-1][1] < until:
        ranges.append(((whole[-1][1] + timedelta(days=1)).isoformat(), until.isoformat()))
    months = (whole[0][0].isoformat()[:7], whole[-1][1].isoformat()[:7])
    return months, ranges


def _months(since: date, until: date) -> Iterator[tuple[date, date]]:
    first = since.replace(day=1)
    while first <= until:
        following = (first + timedelta(days=32)).replace(day=1)
        yield first, following - timedelta(days=1)
        first = following


def months_between(since: date, until: date) -> list[str]:
    """Every month ("YYYY-MM") the period touches, in order."""
    return [first.isoformat()[:7] for first, _ in _months(since, until)]
