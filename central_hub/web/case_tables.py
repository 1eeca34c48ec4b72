"""Provides the tables about cases: a center's case list, and one case's detail tables.

ID numbers and phones are masked in every list; on the case page (and its exports) they are
shown in full only to those the scope allows (county admins and the prefecture).
"""

from __future__ import annotations

from typing import Any

import casework

from ..reports import CATEGORY_LABELS
from ..tables import Column, Table
from .context import ViewContext, center_name
from .errors import PageNotFound
from .queries import applicants_of, case_detail, case_rows
from .scope import mask_id_number, mask_phone

__all__ = ["CASE_TABLE_NAMES", "case_tables", "cases_table"]

CASE_TABLE_NAMES = ("case_applicant", "case_events", "case_parties", "case_conflicts")

# Payload fields worth a line in the event list; the applicant is shown apart, by the rules.
_SUMMARY_FIELDS = {
    "item_code": "事项",
    "promised_limit_days": "承诺时限（工作日）",
    "to_center": "转至",
    "result_label": "结果",
    "reason": "理由",
    "days": "延长（工作日）",
    "approved_by": "批准人",
    "missing_materials": "缺件",
    "materials": "材料",
}


def cases_table(ctx: ViewContext, *, limit: int | None = None) -> Table:
    """A center's cases, newest first; the page shows the first `limit`, exports all."""
    center = ctx.center()
    found = case_rows(ctx.engine, ctx.scope, ctx.period, center=center, limit=limit)
    applicants = applicants_of(ctx.engine, [row["case_id"] for row in found])
    rows = []
    for row in found:
        applicant = applicants.get(row["case_id"], {})
        rows.append(
            {
                "case_id": row["case_id"],
                "case_no": row["case_no"],
                "item_code": row["item_code"],
                "category": CATEGORY_LABELS.get(row["category"], row["category"]),
                "status": casework.STATUS_LABELS_ZH.get(row["status"], row["status"]),
                "accepted_at": row["accepted_at"],
                "completed_at": row["completed_at"],
                "applicant_name": applicant.get("name", ""),
                "id_number": mask_id_number(applicant.get("id_number", "")),
                "phone": mask_phone(applicant.get("phone", "")),
            }
        )
    return Table(
        "cases",
        f"{center_name(center)}办件",
        "Cases accepted at the center",
        (
            Column("case_no", "办件编号", "case number"),
            Column("item_code", "事项编码", "item"),
            Column("category", "类别", "category"),
            Column("status", "状态", "status"),
            Column("accepted_at", "受理时间", "accepted at", "datetime"),
            Column("completed_at", "办结时间", "completed at", "datetime"),
            Column("applicant_name", "申请人", "applicant"),
            Column("id_number", "证件号码", "ID number"),
            Column("phone", "联系电话", "phone"),
        ),
        rows,
        links={"case_no": "case_id"},
    )


def case_tables(ctx: ViewContext) -> tuple[dict[str, Any], list[Table]]:
    """One case's row and its tables: applicant, events, parties, conflicts.

    Raises:
        PageNotFound: no such case, or none of its centers is in the person's view.
    """
    case_id = ctx.case_id()
    detail = case_detail(ctx.engine, ctx.scope, case_id)
    if detail is None:
        raise PageNotFound(
            f"no case {case_id} in view", message_zh="办件不存在，或不在您的权限范围内"
        )
    case = detail.case | {
        "category_label": CATEGORY_LABELS.get(detail.case["category"], detail.case["category"]),
        "status_label": casework.STATUS_LABELS_ZH.get(detail.case["status"], detail.case["status"]),
        "center_name": center_name(detail.case["center_code"]),
    }
    accept = next((e for e in detail.events if e["type"] == "accept"), None)
    applicant = (accept or {}).get("payload", {}).get("applicant") or {}
    return case, [
        _applicant_table(ctx, applicant),
        _events_table(detail.events),
        _parties_table(detail.parties),
        _conflicts_table(detail.conflicts),
    ]


def _applicant_table(ctx: ViewContext, applicant: dict[str, Any]) -> Table:
    id_number, phone = str(applicant.get("id_number", "")), str(applicant.get("phone", ""))
    if not ctx.scope.sees_identity:
        id_number, phone = mask_id_number(id_number), mask_phone(phone)
    return Table(
        "case_applicant",
        "申请人",
        "Applicant",
        (
            Column("name", "姓名", "name"),
            Column("id_number", "证件号码", "ID number"),
            Column("phone", "联系电话", "phone"),
        ),
        [{"name": applicant.get("name", ""), "id_number": id_number, "phone": phone}],
    )


def _events_table(events: list[dict[str, Any]]) -> Table:
    rows = [
        {
            "occurred_at": event["occurred_at"],
            "action": casework.EVENT_LABELS_ZH.get(event["type"], event["type"]),
            "node_id": event["node_id"],
            "seq": event["seq"],
            "clerk_id": event["clerk_id"],
            "details": _summary(event["payload"]),
            "state": "已隔离（未计入）" if event["quarantined"] else "已计入",
        }
        for event in events
    ]
    return Table(
        "case_events",
        "办理过程",
        "Events of the case",
        (
            Column("occurred_at", "时间", "at", "datetime"),
            Column("action", "环节", "action"),
            Column("details", "说明", "details"),
            Column("node_id", "记录终端", "node"),
            Column("seq", "序号", "seq", "int"),
            Column("clerk_id", "经办人", "clerk"),
            Column("state", "入库", "applied"),
        ),
        rows,
    )


def _summary(payload: dict[str, Any]) -> str:
    parts = []
    for key, label in _SUMMARY_FIELDS.items():
        value = payload.get(key)
        if value in (None, "", []):
            continue
        if isinstance(value, list):
            value = "、".join(
                str(v.get("name", v)) if isinstance(v, dict) else str(v) for v in value
            )
        if key == "to_center":
            value = center_name(str(value))
        parts.append(f"{label}：{value}")
    return "；".join(parts)


def _parties_table(parties: list[dict[str, Any]]) -> Table:
    rows = [
        {
            "center_code": p["center_code"],
            "center_name": center_name(p["center_code"]),
            "joined_at": p["joined_at"],
        }
        for p in parties
    ]
    return Table(
        "case_parties",
        "经手中心",
        "Centers the case passed through",
        (
            Column("center_name", "中心", "center"),
            Column("center_code", "区划代码", "code"),
            Column("joined_at", "加入时间", "joined at", "datetime"),
        ),
        rows,
        links={"center_name": "center_code"},
    )


def _conflicts_table(conflicts: list[dict[str, Any]]) -> Table:
    outcome = {"merged": "已合并", "set_aside": "已搁置"}
    rows = [
        {
            "event_id": c["event_id"],
            "outcome": outcome.get(c["outcome"], c["outcome"]),
            "reason": c["reason"],
            "detected_at": c["detected_at"],
        }
        for c in conflicts
    ]
    return Table(
        "case_conflicts",
        "并发冲突",
        "Concurrent actions on the case",
        (
            Column("event_id", "事件", "event"),
            Column("outcome", "处理", "outcome"),
            Column("reason", "原因", "reason"),
            Column("detected_at", "发现时间", "detected at", "datetime"),
        ),
        rows,
    )
