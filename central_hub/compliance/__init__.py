"""Provides compliance: every measure of the seed's report and of e-supervision, for the
prefecture or one county, counted from the rollups (docs/compliance.md).
"""

from __future__ import annotations

from .rollups import case_rows, rebuild_rollups, record_case_changes, rollups_ready
from .standards import CHECKLIST, center_standards, set_standard
from .tables import report_tables
from .view import compliance

__all__ = [
    "CHECKLIST",
    "case_rows",
    "center_standards",
    "compliance",
    "rebuild_rollups",
    "record_case_changes",
    "report_tables",
    "rollups_ready",
    "set_standard",
]
