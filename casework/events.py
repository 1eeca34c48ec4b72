"""Provides the case event vocabulary (wire names, statuses, result codes) and payload parsing.

Wire names are stable forever; labels are for display. Result codes map to the e-supervision
办结结果 BJJGDM codes (newer variant, domain-china.md §1.5): 0 出证办结/准予许可, 1 不予许可,
2 作废办结, 5 退件; a reason is mandatory for every result but granted, as the source requires
for codes 1–5.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from casework.applicant import validate_applicant
from casework.codes import CATEGORIES, LEVELS, WORKFLOWS
from casework.errors import InvalidEvent

__all__ = [
    "EVENT_LABELS_ZH",
    "EVENT_TYPES",
    "RESULT_CODES",
    "STATUSES",
    "STATUS_LABELS_ZH",
    "ResultCode",
    "parse_accept",
    "parse_complete",
    "parse_escalate",
    "parse_extend",
    "parse_materials",
    "require_text",
]

EVENT_LABELS_ZH: Mapping[str, str] = {
    "accept": "受理",
    "handle": "承办",
    "review": "审核",
    "approve": "批准",
    "review_and_approve": "审核兼审批",
    "request_supplement": "补正告知",
    "receive_supplement": "补正收件",
    "return": "退回",
    "escalate": "上报",
    "extend": "延长审批",
    "refuse": "不予受理",
    "complete": "办结",
    "deliver": "送达",
}
EVENT_TYPES: tuple[str, ...] = tuple(EVENT_LABELS_ZH)

STATUS_LABELS_ZH: Mapping[str, str] = {
    "accepted": "已受理（待承办）",
    "handled": "已承办（待审核）",
    "reviewed": "已审核（待批准）",
    "approved": "已审批（待办结）",
    "awaiting_supplement": "待补正（暂停计时）",
    "escalated": "已上报",
    "completed": "已办结（待送达）",
    "refused": "不予受理",
    "delivered": "已送达",
}
STATUSES: tuple[str, ...] = tuple(STATUS_LABELS_ZH)
_MAX_EXTENSION_DAYS = 365


@dataclass(frozen=True, slots=True)
class ResultCode:
    """A completion result (办结结果).

    Attributes:
        code: Wire name, e.g. ``"granted"``.
        label_zh: Default label, used when the event gives none.
        bjjg_code: e-supervision 办结结果代码 for the national exchange.
        needs_approval: Only after the approval step (a decision on the merits).
        needs_reason: The payload must give a ``reason``.
    """

    code: str
    label_zh: str
    bjjg_code: str
    needs_approval: bool
    needs_reason: bool


RESULT_CODES: Mapping[str, ResultCode] = {
    r.code: r
    for r in (
        ResultCode("granted", "准予许可（出证办结）", "0", True, False),
        ResultCode("denied", "不予许可", "1", True, True),
        ResultCode("voided", "作废办结", "2", False, True),
        ResultCode("withdrawn", "申请人撤回（退件）", "5", False, True),
        ResultCode("lapsed", "补正逾期（退件）", "5", False, True),
    )
}


def _missing(key: str, wanted: str) -> InvalidEvent:
    return InvalidEvent(
        f"payload field {key!r} must be {wanted}",
        message_zh=f"事件内容“{key}”缺失或格式错误",
        code="payload_field_invalid",
        field=key,
    )


def require_text(payload: Mapping[str, Any], key: str) -> str:
    """Return a required non-empty text field, stripped."""
    value = payload.get(key)
    if not isinstance(value, str) or not value.strip():
        raise _missing(key, "non-empty text")
    return value.strip()


def _optional_text(payload: Mapping[str, Any], key: str) -> str | None:
    value = payload.get(key)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise _missing(key, "text")
    return value.strip() or None


def parse_materials(payload: Mapping[str, Any], key: str, *, required: bool) -> tuple[str, ...]:
    """Return a list of material names (deduplicated, in order)."""
    value = payload.get(key, [])
    if not isinstance(value, list | tuple) or not all(
        isinstance(v, str) and v.strip() for v in value
    ):
        raise _missing(key, "a list of material names")
    names = tuple(dict.fromkeys(v.strip() for v in value))
    if required and not names:
        raise _missing(key, "a non-empty list of material names (all in one notice)")
    return names


def _choice(payload: Mapping[str, Any], key: str, allowed: Mapping[str, Any]) -> str:
    value = payload.get(key)
    if value not in allowed:
        raise _missing(key, f"one of {', '.join(allowed)}")
    return str(value)


def _promised_by(payload: Mapping[str, Any], today: date) -> date:
    try:
        promised = date.fromisoformat(str(payload.get("promised_by", "")))
    except ValueError:
        raise _missing("promised_by", "an ISO date when missing materials are accepted") from None
    if promised < today:
        raise _missing("promised_by", "a date not before the acceptance date")
    return promised


def _limit(payload: Mapping[str, Any]) -> int | None:
    value = payload.get("promised_limit_days")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise _missing("promised_limit_days", "a whole number of working days >= 0")
    return value


def parse_accept(payload: Mapping[str, Any], *, today: date) -> dict[str, Any]:
    """Parse an ``accept`` payload into CaseState fields.

    Args:
        payload: ``{case_no, center_code, item_code, category, workflow, applicant,
            catalog_version?, promised_limit_days?, missing_materials?, promised_by?,
            decided_by?}``; ``decided_by`` names the level that decides a received case.
        today: Acceptance date in China, used for the applicant's birth-date check.

    Returns:
        Keyword arguments for :class:`casework.lifecycle.CaseState`.
    """
    applicant = payload.get("applicant")
    if not isinstance(applicant, Mapping):
        raise _missing("applicant", "an object {name, id_type, id_number, phone}")
    missing = parse_materials(payload, "missing_materials", required=False)
    case_no = require_text(payload, "case_no")
    if len(case_no) > 50:  # GB/T 39046 办件编号 an..50
        raise _missing("case_no", "at most 50 characters")
    return {
        "case_no": case_no,
        "center_code": require_text(payload, "center_code"),
        "item_code": require_text(payload, "item_code"),
        "category": _choice(payload, "category", CATEGORIES),
        "workflow": _choice(payload, "workflow", WORKFLOWS),
        "applicant": validate_applicant(applicant, today=today),
        "catalog_version": _optional_text(payload, "catalog_version"),
        "promised_limit_days": _limit(payload),
        "missing_materials": missing,
        "missing_promised_by": _promised_by(payload, today) if missing else None,
        "decided_by": _choice(payload, "decided_by", LEVELS) if "decided_by" in payload else None,
    }


def parse_complete(payload: Mapping[str, Any]) -> tuple[str, str, str | None]:
    """Parse a ``complete`` payload into ``(result_code, result_label, reason)``."""
    code = _choice(payload, "result_code", RESULT_CODES)
    rule = RESULT_CODES[code]
    label = _optional_text(payload, "result_label") or rule.label_zh
    reason = (
        require_text(payload, "reason") if rule.needs_reason else _optional_text(payload, "reason")
    )
    return code, label, reason


def parse_escalate(payload: Mapping[str, Any]) -> str:
    """Parse an ``escalate`` payload and return the target center code."""
    return require_text(payload, "to_center")


def parse_extend(payload: Mapping[str, Any]) -> int:
    """Parse an ``extend`` payload and return the extension in working days."""
    days = payload.get("days")
    if isinstance(days, bool) or not isinstance(days, int) or not 0 < days <= _MAX_EXTENSION_DAYS:
        raise _missing("days", f"a whole number of working days 1-{_MAX_EXTENSION_DAYS}")
    require_text(payload, "approved_by")
    return days
