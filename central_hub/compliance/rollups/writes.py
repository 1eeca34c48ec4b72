"""Provides the writes behind the rollups: summed changes upserted once per key, rows that
fall to zero removed, and the silence before each active day kept up to date."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

import sqlalchemy as sa

from ...store import metadata
from .facts import CaseFacts, OpenCase
from .schema import BURST_SLOTS, rollup_daily, rollup_monthly

__all__ = [
    "RollupDeltas",
    "write_center_days",
    "write_counts",
    "write_open_cases",
    "write_slots",
]

_MEASURES = ("accepted", "completed", "single_window", "same_minute", "backdated")


def _table(name: str) -> sa.Table:
    return metadata.tables[name]


_STATEMENTS: dict[tuple[str, ...], Any] = {}


def _upsert(
    conn: sa.Connection,
    table: sa.Table,
    keys: Sequence[str],
    added: Sequence[str],
    rows: list[dict[str, Any]],
) -> None:
    """Inserts rows, or adds their `added` columns to the row already there."""
    if not rows:
        return
    cache_key = ("upsert", conn.dialect.name, table.name, *keys)
    statement = _STATEMENTS.get(cache_key)
    if statement is None:
        from sqlalchemy.dialects import postgresql, sqlite

        dialect: Any = postgresql if conn.dialect.name == "postgresql" else sqlite
        inserting = dialect.insert(table)
        statement = _STATEMENTS[cache_key] = inserting.on_conflict_do_update(
            index_elements=[table.c[key] for key in keys],
            set_={column: table.c[column] + inserting.excluded[column] for column in added},
        )
    conn.execute(statement, rows)


def _delete_empty(
    conn: sa.Connection,
    table: sa.Table,
    keys: Sequence[str],
    counts: Sequence[str],
    rows: list[dict[str, Any]],
) -> None:
    """Removes rows whose counts all fell to zero (only rows that just went down)."""
    if not rows:
        return
    cache_key = ("delete", table.name, *keys)
    statement = _STATEMENTS.get(cache_key)
    if statement is None:
        zero = sa.and_(*(table.c[column] == 0 for column in counts))
        match = sa.and_(*(table.c[key] == sa.bindparam(f"k_{key}") for key in keys))
        statement = _STATEMENTS[cache_key] = table.delete().where(match, zero)
    conn.execute(statement, [{f"k_{k}": row[k] for k in keys} for row in rows])


def write_counts(
    conn: sa.Connection,
    table: sa.Table,
    period: str,
    deltas: Mapping[tuple[str, str, str], list[int]],
) -> None:
    """Adds (center, day or month, category) -> measure deltas to rollup_daily or _monthly."""
    rows: list[dict[str, Any]] = [
        {
            "center_code": center,
            period: when,
            "category": category,
            "county_code": center[:6],
            **dict(zip(_MEASURES, values, strict=True)),
        }
        for (center, when, category), values in deltas.items()
    ]
    keys = ("center_code", period, "category")
    _upsert(conn, table, keys, _MEASURES, rows)
    went_down = [row for row in rows if any(row[m] < 0 for m in _MEASURES)]
    _delete_empty(conn, table, keys, _MEASURES, went_down)


def write_slots(conn: sa.Connection, deltas: Mapping[tuple[str, int], int]) -> None:
    """Adds (center, slot) -> acceptance deltas to rollup_slots, then recounts the 30-minute
    window of every slot whose window holds a changed slot (the two before it and itself)."""
    if not deltas:
        return
    table = _table("rollup_slots")
    rows: list[dict[str, Any]] = [
        {"center_code": c, "slot": s, "county_code": c[:6], "accepted": n, "window": 0}
        for (c, s), n in deltas.items()
    ]
    _upsert(conn, table, ("center_code", "slot"), ("accepted",), rows)
    went_down = [row for row in rows if row["accepted"] < 0]
    _delete_empty(conn, table, ("center_code", "slot"), ("accepted",), went_down)
    conn.execute(_window_update(table), _window_ranges(deltas))


def _window_ranges(deltas: Mapping[tuple[str, int], int]) -> list[dict[str, Any]]:
    """Per center, the merged slot ranges whose windows a change touches."""
    reach = BURST_SLOTS - 1
    ranges: list[dict[str, Any]] = []
    for center, slot in sorted(deltas):
        last = ranges[-1] if ranges else None
        if last and last["c"] == center and slot - reach <= last["hi"] + 1:
            last["hi"] = slot
        else:
            ranges.append({"c": center, "lo": slot - reach, "hi": slot})
    return ranges


def _window_update(table: sa.Table) -> Any:
    statement = _STATEMENTS.get(("window", table.name))
    if statement is None:
        inner = table.alias("inner_slots")
        total = (
            sa.select(sa.func.coalesce(sa.func.sum(inner.c.accepted), 0))
            .where(
                inner.c.center_code == table.c.center_code,
                inner.c.slot.between(table.c.slot, table.c.slot + BURST_SLOTS - 1),
            )
            .scalar_subquery()
        )
        statement = _STATEMENTS[("window", table.name)] = (
            table.update()
            .where(
                table.c.center_code == sa.bindparam("c"),
                table.c.slot.between(sa.bindparam("lo"), sa.bindparam("hi")),
            )
            .values(window=total)
        )
    return statement


def write_open_cases(
    conn: sa.Connection,
    changed: Mapping[str, OpenCase | None],
    gone: set[str],
) -> None:
    """Writes the open-case rows that changed: the row of a case open with a due date, None
    for one that is not (or no longer there: `gone`)."""
    table = _table("rollup_open_cases")
    drop = [{"k": case_id} for case_id in sorted({*changed, *gone})]
    if drop:
        conn.execute(table.delete().where(table.c.case_id == sa.bindparam("k")), drop)
    rows = [row.row(case_id) for case_id, row in changed.items() if row is not None]
    if rows:
        conn.execute(table.insert(), rows)


def write_center_days(conn: sa.Connection, deltas: Mapping[tuple[str, str], int]) -> None:
    """Adds (center, day) -> acceptance deltas to rollup_center_days, then recomputes the
    silence before each day that became active or inactive, and before the day after it."""
    if not deltas:
        return
    table = _table("rollup_center_days")
    before = _current_counts(conn, table, deltas)
    rows: list[dict[str, Any]] = [
        {"center_code": c, "day": d, "county_code": c[:6], "accepted": n, "gap_before": None}
        for (c, d), n in deltas.items()
    ]
    _upsert(conn, table, ("center_code", "day"), ("accepted",), rows)
    went_down = [row for row in rows if row["accepted"] < 0]
    _delete_empty(conn, table, ("center_code", "day"), ("accepted",), went_down)
    for center, day in sorted(deltas):
        was_active = before.get((center, day), 0) > 0
        if was_active != (before.get((center, day), 0) + deltas[(center, day)] > 0):
            _refresh_around(conn, table, center, day)


def _current_counts(
    conn: sa.Connection, table: sa.Table, deltas: Mapping[tuple[str, str], int]
) -> dict[tuple[str, str], int]:
    by_center: dict[str, list[str]] = {}
    for center, day in deltas:
        by_center.setdefault(center, []).append(day)
    found: dict[tuple[str, str], int] = {}
    for center, days in by_center.items():
        query = sa.select(table.c.day, table.c.accepted).where(
            table.c.center_code == center, table.c.day.in_(days)
        )
        for day, accepted in conn.execute(query):
            found[(center, day)] = accepted
    return found


def _refresh_around(conn: sa.Connection, table: sa.Table, center: str, day: str) -> None:
    """Recomputes gap_before of `day` (if active) and of the next active day after it."""
    following = conn.execute(
        sa.select(sa.func.min(table.c.day)).where(table.c.center_code == center, table.c.day > day)
    ).scalar()
    for target in (day, following):
        if target is not None:
            _refresh_gap(conn, table, center, target)


def _refresh_gap(conn: sa.Connection, table: sa.Table, center: str, day: str) -> None:
    previous = conn.execute(
        sa.select(sa.func.max(table.c.day)).where(table.c.center_code == center, table.c.day < day)
    ).scalar()
    gap = (date.fromisoformat(day) - date.fromisoformat(previous)).days if previous else None
    conn.execute(
        table.update()
        .where(table.c.center_code == center, table.c.day == day)
        .values(gap_before=gap)
    )


class RollupDeltas:
    """Changes to every rollup table, summed by key before they touch the store."""

    def __init__(self) -> None:
        self.daily: dict[tuple[str, str, str], list[int]] = {}
        self.monthly: dict[tuple[str, str, str], list[int]] = {}
        self.slots: dict[tuple[str, int], int] = {}
        self.center_days: dict[tuple[str, str], int] = {}
        # Per case: its open row before the changes, and after them (None: not open).
        self.open_before: dict[str, OpenCase | None] = {}
        self.open_after: dict[str, OpenCase | None] = {}

    def add(self, facts: CaseFacts | None, sign: int) -> None:
        if facts is None:
            return
        center, category = facts.center_code, facts.category
        accepted = [sign, 0, sign * facts.single_window, sign * facts.same_minute]
        accepted.append(sign * facts.backdated)
        _bump(self.daily, (center, facts.accepted_day, category), accepted)
        _bump(self.monthly, (center, facts.accepted_day[:7], category), accepted)
        if facts.completed_day is not None:
            done = [0, sign, 0, 0, 0]
            _bump(self.daily, (center, facts.completed_day, category), done)
            _bump(self.monthly, (center, facts.completed_day[:7], category), done)
        slot_key, day_key = (center, facts.slot), (center, facts.accepted_day)
        self.slots[slot_key] = self.slots.get(slot_key, 0) + sign
        self.center_days[day_key] = self.center_days.get(day_key, 0) + sign
        states = self.open_after if sign > 0 else self.open_before
        states[facts.case_id] = facts.open_case

    def apply(self, conn: sa.Connection) -> None:
        write_counts(conn, rollup_daily, "day", _nonzero(self.daily))
        write_counts(conn, rollup_monthly, "month", _nonzero(self.monthly))
        write_slots(conn, {k: v for k, v in self.slots.items() if v})
        write_center_days(conn, {k: v for k, v in self.center_days.items() if v})
        changed = {
            case_id: row
            for case_id, row in self.open_after.items()
            if self.open_before.get(case_id) != row
        }
        gone = {case_id for case_id in self.open_before if case_id not in self.open_after}
        write_open_cases(conn, changed, gone)


def _bump(table: dict[Any, list[int]], key: Any, values: list[int]) -> None:
    current = table.get(key)
    if current is None:
        table[key] = list(values)
    else:
        for i, value in enumerate(values):
            current[i] += value


def _nonzero(table: dict[Any, list[int]]) -> dict[Any, list[int]]:
    return {key: values for key, values in table.items() if any(values)}
