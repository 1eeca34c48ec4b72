"""Provides the compliance rollups: counts per day, center and category, kept by the
projection in the ingest transaction, and the facts they count about each case.
"""

from __future__ import annotations

from .facts import slot_of, slot_start
from .maintenance import (
    BURST_CASES,
    BURST_SLOTS,
    MEASURES,
    RollupsMissing,
    case_rows,
    rebuild_rollups,
    record_case_changes,
    rollup_center_days,
    rollup_daily,
    rollup_monthly,
    rollup_open_cases,
    rollup_slots,
    rollups_ready,
)

__all__ = [
    "BURST_CASES",
    "BURST_SLOTS",
    "MEASURES",
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
