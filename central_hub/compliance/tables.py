"""Provides the compliance report as tables: the per-unit ones here, the lists in
lists.py. Chinese labels first, unit and case codes in the rows and links set, so
the dashboard drills prefecture → county → township → case."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import casework

from ..tables import Column, Table
from .lists import (
    centers_table,
    overdue_table,
    patterns_table,
    standards_table,
    violations_table,
)
from .violations import KIND_LABELS

if TYPE_CHECKING:  # the report builds its tables here (ComplianceReport.tables)
    from .report import ComplianceReport, UnitFigures

__all__ = ["report_tables"]


def report_tables(report: ComplianceReport) -> list[Table]:
    return [
        builder(report)
        for builder in (
            _cases,
            _trend,
            _supervision,
            _service,
            _coverage,
            centers_table,
            overdue_table,
            violations_table,
            patterns_table,
            standards_table,
        )
    ]


def _unit_columns(report: ComplianceReport) -> tuple[str, tuple[Column, ...]]:
    key = "county_code" if report.scope_county is None else "center_code"
    label = "县（市）" if report.scope_county is None else "乡镇（街道）便民服务中心"
    return key, (
        Column("unit_name", label, "unit"),
        Column(key, "区划代码", "code"),
    )


def _unit_rows(
    report: ComplianceReport,
    units: list[UnitFigures],
    cells: Callable[[UnitFigures], dict[str, Any]],
) -> list[dict[str, Any]]:
    key = "county_code" if report.scope_county is None else "center_code"
    return [
        {"unit_name": unit.name, key: unit.code, "rank": unit.rank} | cells(unit)
        for unit in [*units, report.total]
    ]


def _rank_by(
    units: list[UnitFigures], value: Callable[[UnitFigures], float | None]
) -> list[UnitFigures]:
    """Best first; units without a value last."""
    return sorted(units, key=lambda u: (value(u) is None, -(value(u) or 0), u.code))


def _cases(report: ComplianceReport) -> Table:
    key, unit_columns = _unit_columns(report)
    columns = [Column("rank", "排名", "rank", "int"), *unit_columns]
    for category, label in casework.CATEGORIES.items():
        columns += [
            Column(f"{category}_accepted", f"{label}受理", f"{category} accepted", "int"),
            Column(f"{category}_completed", f"{label}办结", f"{category} completed", "int"),
            Column(f"{category}_rate", f"{label}办结率", f"{category} completion", "pct"),
        ]
    columns += [
        Column("accepted", "合计受理", "accepted", "int"),
        Column("completed", "合计办结", "completed", "int"),
        Column("rate", "合计办结率", "completion rate", "pct"),
    ]

    def cells(unit: UnitFigures) -> dict[str, Any]:
        row: dict[str, Any] = {}
        for category in casework.CATEGORIES:
            counts = unit.categories.get(category)
            row[f"{category}_accepted"] = counts.accepted if counts else 0
            row[f"{category}_completed"] = counts.completed if counts else 0
            row[f"{category}_rate"] = counts.rate if counts else None
        return row | {
            "accepted": unit.total.accepted,
            "completed": unit.total.completed,
            "rate": unit.total.rate,
        }

    return Table(
        "compliance_cases",
        "办件受理办结情况（按类别）",
        "Cases accepted and completed by category",
        tuple(columns),
        _unit_rows(report, list(report.units), cells),
        {"unit_name": key},
    )


def _trend(report: ComplianceReport) -> Table:
    columns = [Column("month", "月份", "month")]
    columns += [
        Column(f"{c}_accepted", f"{label}受理", f"{c} accepted", "int")
        for c, label in casework.CATEGORIES.items()
    ]
    columns += [
        Column("accepted", "合计受理", "accepted", "int"),
        Column("completed", "合计办结", "completed", "int"),
        Column("rate", "办结率", "completion rate", "pct"),
    ]
    rows = [
        {"month": month.month}
        | {
            f"{c}_accepted": month.categories[c].accepted if c in month.categories else 0
            for c in casework.CATEGORIES
        }
        | {
            "accepted": month.total.accepted,
            "completed": month.total.completed,
            "rate": month.total.rate,
        }
        for month in report.trend
    ]
    return Table("compliance_trend", "月度趋势", "Monthly trend", tuple(columns), rows)


def _supervision(report: ComplianceReport) -> Table:
    key, unit_columns = _unit_columns(report)
    columns = [
        *unit_columns,
        Column("red", "红灯（超期）", "red (overdue)", "int"),
        Column("yellow", "黄灯（临期）", "yellow (due within 1 working day)", "int"),
        *(Column(k, label, k, "int") for k, label in KIND_LABELS.items()),
        Column("burst", "集中补录", "bursts", "int"),
        Column("silence_burst", "沉寂后突增", "silence then burst", "int"),
        Column("backdated", "事后补录件", "back-dated cases", "int"),
        Column("same_minute", "同分钟受理办结件", "accepted and completed within a minute", "int"),
    ]
    units = sorted(report.units, key=lambda u: (-(u.red + u.yellow), -u.red, u.code))

    def cells(unit: UnitFigures) -> dict[str, Any]:
        return {
            "red": unit.red,
            "yellow": unit.yellow,
            **{k: unit.violations.get(k, 0) for k in KIND_LABELS},
            "burst": unit.bursts,
            "silence_burst": unit.silence_bursts,
            "backdated": unit.backdated,
            "same_minute": unit.same_minute,
        }

    return Table(
        "compliance_supervision",
        "电子监察：超期预警、违规受理、体外循环迹象",
        "E-supervision: warnings, violations, signs of off-system work",
        tuple(columns),
        _unit_rows(report, units, cells),
        {"unit_name": key},
    )


def _service(report: ComplianceReport) -> Table:
    key, unit_columns = _unit_columns(report)
    columns = (
        Column("rank", "网办排名", "rank by online ratio", "int"),
        *unit_columns,
        Column("items", "本级依申请事项", "items on request at this level", "int"),
        Column("online_items", "网上可办事项", "items doable online", "int"),
        Column("online_ratio", "网上可办理事项占比", "online ratio", "pct"),
        Column("standard_met", "达标中心", "centers meeting the standard", "int"),
        Column("standard_centers", "中心数", "centers", "int"),
        Column("standard_share", "达标率", "share meeting the standard", "pct"),
        Column("single_window", "一窗受理件", "single-window cases", "int"),
        Column("single_window_share", "一窗受理占比", "single-window share", "pct"),
    )
    units = _rank_by(list(report.units), lambda u: u.online.ratio if u.online else None)

    def cells(unit: UnitFigures) -> dict[str, Any]:
        return {
            "items": unit.online.items if unit.online else None,
            "online_items": unit.online.online if unit.online else None,
            "online_ratio": unit.online.ratio if unit.online else None,
            "standard_met": unit.standard_met,
            "standard_centers": unit.standard_centers,
            "standard_share": unit.standard_share,
            "single_window": unit.single_window,
            "single_window_share": unit.single_window_share,
        }

    rows = _unit_rows(report, units, cells)
    for position, row in enumerate(rows[:-1], start=1):
        row["rank"] = position
    rows[-1]["rank"] = None
    return Table(
        "compliance_service",
        "服务能力：网上可办、中心达标、一窗受理",
        "Service: online ratio, standard met, single window",
        columns,
        rows,
        {"unit_name": key},
    )


def _coverage(report: ComplianceReport) -> Table:
    key, unit_columns = _unit_columns(report)
    days = report.silent_days
    columns = (
        *unit_columns,
        Column("enrolled", "已接入中心", "centers enrolled", "int"),
        Column("reporting", f"{days}天内报送", f"reported within {days} days", "int"),
        Column("silent", f"超过{days}天未报送", f"silent for more than {days} days", "int"),
        Column("not_enrolled", "未接入中心", "centers not enrolled", "int"),
        Column("coverage", "报送率", "share reporting", "pct"),
    )
    units = _rank_by(list(report.units), lambda u: u.coverage_share)

    def cells(unit: UnitFigures) -> dict[str, Any]:
        return {
            "enrolled": unit.enrolled,
            "reporting": unit.reporting,
            "silent": unit.silent,
            "not_enrolled": unit.not_enrolled,
            "coverage": unit.coverage_share,
        }

    return Table(
        "compliance_coverage",
        "数据报送覆盖",
        "Reporting coverage",
        columns,
        _unit_rows(report, units, cells),
        {"unit_name": key},
    )
