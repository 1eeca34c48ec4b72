"""Provides the compliance rollups: counts per day, center and category, kept incrementally.

A prefecture's year is about 4M cases; the compliance view sums these tables instead of
scanning the cases. The projection calls `record_case_changes` with each case row before and
after, inside the ingest transaction; `rebuild_rollups` recounts everything from the cases
(a hub upgraded from before the rollups, or one whose rollups fell behind).

    rollup_daily        (center_code, day, category): accepted on that day, completed on that
                        day, and of the accepted: single-window items, accepted-and-completed
                        within a minute, back-dated acceptances
    rollup_monthly      the same per month (a year is 12 rows per center and category)
    rollup_slots        (center_code, 10-minute slot): acceptances, and acceptances in the
                        30 minutes from it, for bursts
    rollup_center_days  (center_code, day): acceptances and the calendar days since the
                        center's previous day with any, for silences followed by bursts
    rollup_open_cases   one row per open case with a due date (case_id, center, county, due
                        date): the lit cases are found without walking the 4M case rows

Days and slots are China dates and times. How each count is defined: docs/compliance.md.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import sqlalchemy as sa

from ...errors import HubError
from ...store import cases, hub_meta, metadata
from .facts import CaseFacts, FactsReader, OpenCase

__all__ = [
    "BURST_CASES",
    "BURST_SLOTS",
    "MEASURES",
    "ROLLUP_KEYS",
    "ROLLUP_TABLES",
    "RollupsMissing",
    "case_rows",
    "ensure_rollup_tables",
    "rebuild_rollups",
    "record_case_changes",
    "rollup_center_days",
    "rollup_daily",
    "rollup_monthly",
    "rollup_open_cases",
    "rollup_slots",
    "rollups_ready",
]

MEASURES = ("accepted", "completed", "single_window", "same_minute", "backdated")
"""The counts of rollup_daily and rollup_monthly."""
ROLLUP_KEYS = (
    "case_id",
    "case_no",
    "node_id",
    "center_code",
    "category",
    "item_code",
    "accepted_at",
    "completed_at",
    "received_at",
    "status",
    "due_date",
    "due_provisional",
)
"""The case-row keys the rollups read; an "after" row may hold only what changed."""

BURST_CASES = 20
BURST_SLOTS = 3
"""A burst: at least BURST_CASES acceptances in BURST_SLOTS 10-minute slots (30 minutes)."""
_WATERMARK = "rollups_rowid_v5"  # the rollups schema version: a new one rebuilds
_DATING_KEYS = ("node_id", "received_at", "accepted_at", "center_code", "category")
"""What the back-dating rule reads of a row, and the keys its count is filed under: while
none of them changes, a change's back-dating counts cancel out and need no lookup."""


def _measures() -> list[sa.Column[int]]:
    return [sa.Column(name, sa.Integer, nullable=False, default=0) for name in MEASURES]


rollup_daily = sa.Table(
    "rollup_daily",
    metadata,
    sa.Column("center_code", sa.String, primary_key=True),
    sa.Column("day", sa.String(10), primary_key=True),
    sa.Column("category", sa.String, primary_key=True),
    sa.Column("county_code", sa.String, nullable=False),
    *_measures(),
    sa.Index("rollup_daily_by_county", "county_code", "day"),
    sa.Index("rollup_daily_by_day", "day"),
)

rollup_monthly = sa.Table(
    "rollup_monthly",
    metadata,
    sa.Column("center_code", sa.String, primary_key=True),
    sa.Column("month", sa.String(7), primary_key=True),
    sa.Column("category", sa.String, primary_key=True),
    sa.Column("county_code", sa.String, nullable=False),
    *_measures(),
    sa.Index("rollup_monthly_by_county", "county_code", "month"),
    sa.Index("rollup_monthly_by_month", "month"),
)

# Quoted: WINDOW is a reserved word in PostgreSQL (SQLite reads the same column).
_burst = sa.text(f'"window" >= {BURST_CASES}')
rollup_slots = sa.Table(
    "rollup_slots",
    metadata,
    sa.Column("center_code", sa.String, primary_key=True),
    # 10-minute slots of China time since 1970 (compliance_facts.slot_of), so that neighbours
    # are slot ± 1 in SQL.
    sa.Column("slot", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("county_code", sa.String, nullable=False),
    sa.Column("accepted", sa.Integer, nullable=False),
    # Acceptances in this slot and the next two: the 30 minutes from its start.
    sa.Column("window", sa.Integer, nullable=False, default=0),
    # Only windows of a burst are indexed: a handful among millions of slots.
    sa.Index(
        "rollup_slots_bursts",
        "slot",
        "center_code",
        "county_code",
        "window",
        sqlite_where=_burst,
        postgresql_where=_burst,
    ),
)

rollup_center_days = sa.Table(
    "rollup_center_days",
    metadata,
    sa.Column("center_code", sa.String, primary_key=True),
    sa.Column("day", sa.String(10), primary_key=True),
    sa.Column("county_code", sa.String, nullable=False),
    sa.Column("accepted", sa.Integer, nullable=False),
    # Calendar days since the center's previous day with an acceptance; None for its first.
    sa.Column("gap_before", sa.Integer),
    # Covers the silence query: the long gaps come from the index alone.
    sa.Index(
        "rollup_center_days_by_gap", "gap_before", "day", "center_code", "county_code", "accepted"
    ),
)

rollup_open_cases = sa.Table(
    "rollup_open_cases",
    metadata,
    sa.Column("case_id", sa.String(36), primary_key=True),
    sa.Column("center_code", sa.String, nullable=False),
    sa.Column("county_code", sa.String, nullable=False),
    sa.Column("due_date", sa.String(10), nullable=False),
    sa.Column("provisional", sa.Boolean, nullable=False),
    # What the list shows, so listing reads no case row either (none of it changes).
    sa.Column("case_no", sa.String, nullable=False),
    sa.Column("item_code", sa.String, nullable=False),
    sa.Column("category", sa.String, nullable=False),
    sa.Column("accepted_at", sa.String, nullable=False),
    # Both cover what the lights count, so counting reads no case row.
    sa.Index("rollup_open_cases_by_due", "due_date", "center_code", "provisional"),
    sa.Index(
        "rollup_open_cases_by_county", "county_code", "due_date", "center_code", "provisional"
    ),
)

ROLLUP_TABLES = (rollup_daily, rollup_monthly, rollup_slots, rollup_center_days, rollup_open_cases)


class RollupsMissing(HubError):
    """The rollups do not cover every case row (a hub from before them, or a projection that
    does not call `record_case_changes`); `rebuild_rollups` recounts them."""

    code = "rollups_missing"
    http_status = 503


_ready_engines: weakref.WeakSet[sa.Engine] = weakref.WeakSet()


def ensure_rollup_tables(conn: sa.Connection) -> None:
    """Creates the rollup tables on a store from before them (once per engine)."""
    if conn.engine in _ready_engines:
        return
    metadata.create_all(conn, tables=[*ROLLUP_TABLES, hub_meta], checkfirst=True)
    _ready_engines.add(conn.engine)


def case_rows(conn: sa.Connection, case_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
    """The stored rows of these cases with the keys the rollups read: the "before" rows."""
    wanted = sorted(set(case_ids))
    found: dict[str, dict[str, Any]] = {}
    columns = [cases.c[key] for key in ROLLUP_KEYS]
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        for row in conn.execute(sa.select(*columns).where(cases.c.case_id.in_(chunk))):
            found[row.case_id] = dict(row._mapping)
    return found


def record_case_changes(
    conn: sa.Connection, changes: Sequence[tuple[Mapping[str, Any] | None, Mapping[str, Any]]]
) -> None:
    """Adds case changes to the rollups, in the caller's transaction.

    Call it after the rows are written to `cases`, before the transaction commits.

    Args:
        changes: (the case row before, or None for a new case; the row after). The after row
            may hold only the columns that changed: it is read over the before row.
    """
    if not changes:
        return
    ensure_rollup_tables(conn)
    reader = FactsReader(conn)
    deltas = RollupDeltas()
    for before, after in changes:
        if before is None:
            deltas.add(reader.facts(after), +1)
            continue
        merged = {**before, **after}
        if all(merged.get(key) == before.get(key) for key in ROLLUP_KEYS):
            continue  # a step that changes nothing counted (handled, reviewed, …)
        dated = any(merged.get(key) != before.get(key) for key in _DATING_KEYS)
        deltas.add(reader.facts(before, dated=dated), -1)
        deltas.add(reader.facts(merged, dated=dated), +1)
    deltas.apply(conn)
    _advance_watermark(conn, new_rows=sum(before is None for before, _ in changes))


def rebuild_rollups(
    conn: sa.Connection, *, progress: Callable[[int, int], None] | None = None
) -> int:
    """Recounts every rollup from the case rows, in the caller's transaction.

    For a hub whose rollups are missing or behind. It reads every case once (a prefecture's
    year takes about a minute; see docs/compliance.md) and holds the write lock meanwhile.

    Args:
        progress: called with (cases done, cases in all) every 100,000 cases and at the end.

    Returns:
        The number of cases counted.
    """
    from .recount import recount

    ensure_rollup_tables(conn)
    counted = recount(conn, progress=progress)
    set_watermark(conn)
    return counted


def rollups_ready(conn: sa.Connection) -> bool:
    """Whether the rollups account for every case row (no row was added without them)."""
    ensure_rollup_tables(conn)
    return _stored_watermark(conn) == _case_watermark(conn)


def _case_watermark(conn: sa.Connection) -> int:
    # Case rows are never deleted, so SQLite's max(rowid) counts them in O(1); elsewhere
    # count them.
    if conn.dialect.name == "sqlite":
        return int(conn.exec_driver_sql("SELECT max(rowid) FROM cases").scalar() or 0)
    return int(conn.execute(sa.select(sa.func.count()).select_from(cases)).scalar() or 0)


def _stored_watermark(conn: sa.Connection) -> int:
    value = conn.execute(sa.select(hub_meta.c.value).where(hub_meta.c.key == _WATERMARK)).scalar()
    return int(value or 0)


def set_watermark(conn: sa.Connection) -> None:
    """Marks the rollups as covering every case row now in the store."""
    conn.execute(hub_meta.delete().where(hub_meta.c.key == _WATERMARK))
    conn.execute(hub_meta.insert().values(key=_WATERMARK, value=str(_case_watermark(conn))))


def _advance_watermark(conn: sa.Connection, *, new_rows: int) -> None:
    """Moves the watermark over the rows just added, only if it covered all rows before them:
    rollups that already missed some rows stay marked as missing until rebuilt."""
    if conn.dialect.name != "sqlite":
        # No rowid here, and count(*) reads the whole table (a prefecture's 4M cases, on
        # every batch): the watermark counts the rows the rollups took in, and
        # rollups_ready compares it with a full count, once per report. A row written
        # without the rollups keeps the two apart until a rebuild.
        if new_rows:
            covered = _stored_watermark(conn) + new_rows
            conn.execute(hub_meta.delete().where(hub_meta.c.key == _WATERMARK))
            conn.execute(hub_meta.insert().values(key=_WATERMARK, value=str(covered)))
        return
    current = _case_watermark(conn)
    if _stored_watermark(conn) == current - new_rows and new_rows:
        set_watermark(conn)


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
        from .writes import (
            write_center_days,
            write_counts,
            write_open_cases,
            write_slots,
        )

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
