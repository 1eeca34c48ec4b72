"""Provides the compliance report's lists: centers, lit cases, violations, patterns and the
standard checklist, each row naming its center (and case) so the dashboard can drill down."""

from __future__ import annotations

from typing import TYPE_CHECKING

import casework

from ..tables import Column, Table
from .coverage import STATUS_LABELS
from .patterns import PATTERN_LABELS
from .standards import CHECKLIST
from .violations import KIND_LABELS

if TYPE_CHECKING:  # the report builds its tables from these lists
    from .report import ComplianceReport

__all__ = [
    "centers_table",
    "overdue_table",
    "patterns_table",
    "standards_table",
    "violations_table",
]

_LIGHTS = {"red": "红灯", "yellow": "黄灯"}


def _org_name(code: str) -> str:
    org = casework.load_org_tree().get(code)
    return org.name if org else code


_CHECK_LABELS = {item.key: item.label_zh for item in CHECKLIST}


def centers_table(report: ComplianceReport) -> Table:
    columns = (
        Column("center_name", "中心", "center"),
        Column("center_code", "区划代码", "code"),
        Column("county_name", "县（市）", "county"),
        Column("status", "报送状态", "status"),
        Column("silent_since", "未报送起始", "silent since", "datetime"),
        Column("days_silent", "未报送天数", "days silent", "int"),
        Column("last_arrival_at", "最近到达", "last arrival", "datetime"),
        Column(
            "last_cut_at", "最近批次生成（终端时间）", "last batch cut (node clock)", "datetime"
        ),
        Column("head_batch_seq", "已接收批次", "batches applied", "int"),
        Column("held_batches", "缺号待补批次", "batches held for a gap", "int"),
        Column("node_ids", "终端", "nodes"),
    )
    rows = [
        {
            "center_name": report.names.get(c.center_code, c.center_code),
            "center_code": c.center_code,
            "county_name": _org_name(c.county_code),
            "county_code": c.county_code,
            "status": STATUS_LABELS[c.status],
            "silent_since": c.silent_since,
            "days_silent": c.days_silent,
            "last_arrival_at": c.last_arrival_at,
            "last_cut_at": c.last_cut_at,
            "head_batch_seq": c.head_batch_seq,
            "held_batches": c.held_batches,
            "node_ids": " ".join(c.node_ids),
        }
        for c in report.centers
    ]
    return Table(
        "compliance_centers",
        "各中心报送情况",
        "Reporting by center",
        columns,
        rows,
        {"center_name": "center_code", "county_name": "county_code"},
    )


def overdue_table(report: ComplianceReport) -> Table:
    columns = (
        Column("light", "预警", "light"),
        Column("case_no", "办件编号", "case number"),
        Column("center_name", "受理中心", "center"),
        Column("center_code", "区划代码", "code"),
        Column("item_code", "事项编码", "item"),
        Column("category", "类别", "category"),
        Column("accepted_at", "受理时间", "accepted", "datetime"),
        Column("due_date", "承诺办结日", "due", "date"),
        Column("provisional", "时限待定", "provisional due date"),
        Column("working_days_late", "超期工作日", "working days late", "int"),
    )
    rows = [
        {
            "light": _LIGHTS[w.light],
            "case_no": w.case_no,
            "case_id": w.case_id,
            "center_name": report.names.get(w.center_code, w.center_code),
            "center_code": w.center_code,
            "item_code": w.item_code,
            "category": casework.CATEGORIES.get(w.category, w.category),
            "accepted_at": w.accepted_at,
            "due_date": w.due_date.isoformat(),
            "provisional": "是" if w.provisional else "",
            "working_days_late": w.working_days_late,
        }
        for w in report.warnings
    ]
    lit = report.total.red + report.total.yellow
    cut = f"，共 {lit} 件，列出承诺办结日最早的 {len(rows)} 件" if lit > len(rows) else ""
    return Table(
        "compliance_overdue",
        f"超期与临期办件（红灯、黄灯{cut}）",
        "Open cases lit red or yellow" + (f" (the {len(rows)} due first of {lit})" if cut else ""),
        columns,
        rows,
        {"case_no": "case_id", "center_name": "center_code"},
    )


def violations_table(report: ComplianceReport) -> Table:
    columns = (
        Column("occurred_at", "发生时间", "recorded", "datetime"),
        Column("center_name", "中心", "center"),
        Column("center_code", "区划代码", "code"),
        Column("kind", "违规类型", "kind"),
        Column("reason_code", "规则", "rule"),
        Column("event_type", "操作", "action"),
        Column("node_id", "终端", "node"),
        Column("seq", "事件序号", "event seq", "int"),
        Column("message", "说明", "message"),
    )
    rows = [
        {
            "occurred_at": v.occurred_at,
            "center_name": report.names.get(v.center_code, v.center_code),
            "center_code": v.center_code,
            "kind": KIND_LABELS[v.kind],
            "reason_code": v.reason_code,
            "event_type": casework.EVENT_LABELS_ZH.get(v.event_type, v.event_type),
            "node_id": v.node_id,
            "seq": v.seq,
            "message": v.message,
            "case_id": v.case_id,
        }
        for v in report.violations
    ]
    return Table(
        "compliance_violations",
        "违规受理明细（隔离事件）",
        "Violations (quarantined events)",
        columns,
        rows,
        {"center_name": "center_code"},
    )


def patterns_table(report: ComplianceReport) -> Table:
    columns = (
        Column("pattern", "迹象", "pattern"),
        Column("center_name", "中心", "center"),
        Column("center_code", "区划代码", "code"),
        Column("start", "起", "from"),
        Column("end", "止", "to"),
        Column("cases", "件数", "cases", "int"),
        Column("detail", "说明", "detail"),
    )
    rows = [
        {
            "pattern": PATTERN_LABELS[p.pattern],
            "center_name": report.names.get(p.center_code, p.center_code),
            "center_code": p.center_code,
            "start": p.start.replace("T", " "),
            "end": p.end.replace("T", " "),
            "cases": p.cases,
            "detail": p.detail,
        }
        for p in report.patterns
    ]
    return Table(
        "compliance_patterns",
        "体外循环迹象",
        "Signs of cases kept outside the system",
        columns,
        rows,
        {"center_name": "center_code"},
    )


def standards_table(report: ComplianceReport) -> Table:
    columns = (
        Column("center_name", "中心", "center"),
        Column("center_code", "区划代码", "code"),
        Column("met", "是否达标", "meets the standard"),
        Column("met_items", f"达标项（共{len(CHECKLIST)}项）", "items met", "int"),
        Column("missing", "未达标或未核查项", "items not met or not checked"),
        Column("updated_at", "最近核查", "last checked", "datetime"),
        Column("updated_by", "核查人", "checked by"),
    )
    rows = []
    for code, standard in report.standards.items():
        latest = max(standard.entries.values(), key=lambda e: e.updated_at, default=None)
        rows.append(
            {
                "center_name": report.names.get(code, code),
                "center_code": code,
                "met": "达标" if standard.met else "未达标" if standard.entries else "未核查",
                "met_items": standard.met_items,
                "missing": "、".join(_CHECK_LABELS[key] for key in standard.missing),
                "updated_at": latest.updated_at if latest else None,
                "updated_by": latest.updated_by if latest else "",
            }
        )
    return Table(
        "compliance_standards",
        "便民服务中心达标情况",
        "Service centers meeting the standard",
        columns,
        rows,
        {"center_name": "center_code"},
    )
