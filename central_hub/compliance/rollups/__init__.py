"""Provides the compliance rollups: counts per day, center and category, kept by the
projection in the ingest transaction, and the facts they count about each case.

facts.py reads a case row into what is counted, schema.py holds the tables, writes.py sums
changes and writes them, maintenance.py keeps the rollups in step (recount.py rebuilds them).
"""

from __future__ import annotations

from .facts import slot_of, slot_start
from .maintenance import (
    RollupsMissing,
    case_rows,
    rebuild_rollups,
    record_case_changes,
    rollups_ready,
)
from .schema import (
    BURST_CASES,
    BURST_SLOTS,
    MEASURES,
    ROLLUP_TABLES,
    rollup_center_days,
    rollup_daily,
    rollup_monthly,
    rollup_open_cases,
    rollup_slots,
)

__all__ = [
    "BURST_CASES",
    "BURST_SLOTS",
    "MEASURES",
    "ROLLUP_TABLES",
    "RollupsMissing",
    "case_rows",
    "rebuild_rollups",
    "record_case_changes",
    "rollup_center_days",
    "rollup_daily",
    "rollup_monthly",
    "rollup_open_cases",
    "rollup_slots",
    "rollups_ready",
    "slot_of",
    "slot_start",
]
