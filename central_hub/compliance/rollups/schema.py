"""Provides the rollup tables and what they measure: counts per day, center and category.

A prefecture's year is about 4M cases; the compliance view sums these tables instead of
scanning the cases.

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

import sqlalchemy as sa

from ...store import metadata

__all__ = [
    "BURST_CASES",
    "BURST_SLOTS",
    "MEASURES",
    "ROLLUP_KEYS",
    "ROLLUP_TABLES",
    "rollup_center_days",
    "rollup_daily",
    "rollup_monthly",
    "rollup_open_cases",
    "rollup_slots",
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
