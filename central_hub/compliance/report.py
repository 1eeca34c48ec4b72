"""Provides the compliance report's shape: typed figures per unit, per month, per case.

A report covers the prefecture (one unit per county, plus the prefecture's own center when it
has cases) or one county (one unit per township center, plus the county's own center). Its
`tables()` are what people see, print and export; `to_dict()` is the JSON for scripts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from ..tables import Table
from .catalog import OnlineRatio
from .counts import Counts
from .coverage import CenterCoverage
from .patterns import PatternFinding
from .standards import CenterStandard
from .tables import report_tables
from .violations import Violation
from .warnings import CaseWarning

__all__ = ["ComplianceReport", "MonthFigures", "UnitFigures"]


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


@dataclass(frozen=True, slots=True)
class UnitFigures:
    """Every measure of one unit (a county, a township center, or the whole scope)."""

    code: str
    name: str
    level: str
    categories: Mapping[str, Counts]
    total: Counts
    single_window: int = 0
    """Accepted cases of items marked single-window (一窗受理)."""
    same_minute: int = 0
    backdated: int = 0
    red: int = 0
    yellow: int = 0
    enrolled: int = 0
    """Centers with an enrolled, unrevoked node."""
    reporting: int = 0
    silent: int = 0
    not_enrolled: int = 0
    online: OnlineRatio | None = None
    standard_centers: int = 0
    standard_met: int = 0
    violations: Mapping[str, int] = field(default_factory=dict)
    bursts: int = 0
    silence_bursts: int = 0
    rank: int | None = None
    """By completion rate, best first (None for the scope's total)."""

    @property
    def single_window_share(self) -> float | None:
        return _share(self.single_window, self.total.accepted)

    @property
    def coverage_share(self) -> float | None:
        """Share of enrolled centers that reported within the last N days."""
        return _share(self.reporting, self.enrolled)

    @property
    def standard_share(self) -> float | None:
        return _share(self.standard_met, self.standard_centers)


@dataclass(frozen=True, slots=True)
class MonthFigures:
    """Accepted and completed in one month of the period (by category and in all)."""

    month: str
    categories: Mapping[str, Counts]
    total: Counts


@dataclass(frozen=True, slots=True)
class ComplianceReport:
    """The compliance of a scope over a period, as judged on `today`."""

    scope_county: str | None
    since: date
    until: date
    today: date
    silent_days: int
    units: tuple[UnitFigures, ...]
    """Ranked: best completion rate first."""
    total: UnitFigures
    trend: tuple[MonthFigures, ...]
    warnings: tuple[CaseWarning, ...]
    centers: tuple[CenterCoverage, ...]
    standards: Mapping[str, CenterStandard]
    violations: tuple[Violation, ...]
    patterns: tuple[PatternFinding, ...]
    names: Mapping[str, str]
    """Org code -> name, for every unit, center and county the report mentions."""
    catalog_version: str

    def unit(self, code: str) -> UnitFigures:
        """The figures of one unit by its code (KeyError when it is not in the report)."""
        for unit in self.units:
            if unit.code == code:
                return unit
        raise KeyError(code)

    def tables(self) -> list[Table]:
        """Every table of the report, the by-category table first."""
        return report_tables(self)

    def to_dict(self) -> dict[str, Any]:
        """The report as JSON-ready data: the period and every table's rows by table name."""
        return {
            "scope_county": self.scope_county,
            "since": self.since.isoformat(),
            "until": self.until.isoformat(),
            "today": self.today.isoformat(),
            "silent_days": self.silent_days,
            "catalog_version": self.catalog_version,
            "tables": {table.name: table.as_dicts() for table in self.tables()},
        }
