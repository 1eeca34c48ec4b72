"""Provides what each case action asks the clerk for, and the event payload it makes.

Steps forward (承办, 审核, 批准 …) and 补正收件 ask for nothing: one key records them. The rest
need a reason, a list of materials, a result or a target center, as the event vocabulary in
docs/domain.md requires.
"""

from __future__ import annotations

from typing import Any

import casework

from .form_dialog import FieldSpec

__all__ = ["fields_for", "payload_for"]

_NOTE = FieldSpec("note", "意见（可不填）")


def fields_for(
    action: str, state: casework.CaseState, item: casework.Item | None
) -> list[FieldSpec]:
    """The fields to ask for before recording `action`; empty when none are needed."""
    if action == "request_supplement":
        listed = tuple(
            (m.name, m.name)
            for m in (item.materials if item else ())
            if m.certificate != "cancelled"
        )
        return [
            FieldSpec("materials", "需补正的材料", kind="checklist", choices=listed),
            FieldSpec("other", "其他材料（用逗号分隔）"),
            _NOTE,
        ]
    if action in ("return", "refuse"):
        return [FieldSpec("reason", "原因", required=True)]
    if action == "escalate":
        county = state.center_code[:6] if len(state.center_code) == 9 else ""
        return [
            FieldSpec("to_center", "上报至中心代码", required=True, default=county),
            FieldSpec("reason", "原因"),
        ]
    if action == "extend":
        return [
            FieldSpec("days", "延长工作日数", kind="number", required=True, default="10"),
            FieldSpec("approved_by", "批准人", required=True),
            FieldSpec("reason", "原因"),
        ]
    if action == "complete":
        return [
            FieldSpec("result_code", "办结结果", kind="choice", choices=_results(state)),
            FieldSpec("reason", "原因"),
        ]
    if action == "deliver":
        return [
            FieldSpec("method", "送达方式", default="窗口领取"),
            FieldSpec("receiver", "领取人"),
        ]
    return []


def payload_for(action: str, values: dict[str, Any]) -> dict[str, Any]:
    """The event payload from the dialog's values (empty optional fields left out)."""
    if action == "request_supplement":
        extra = [
            part.strip()
            for part in str(values.get("other", "")).replace("，", ",").split(",")
            if part.strip()
        ]
        values = {"materials": [*values.get("materials", []), *extra], "note": values.get("note")}
    return {key: value for key, value in values.items() if value not in ("", None, [])}


def _results(state: casework.CaseState) -> tuple[tuple[str, str], ...]:
    """Result codes that make sense now, the likely one first: a decision on the merits only
    after approval, 准予 only once every 容缺 material has arrived."""
    approved = state.status == "approved"
    owing = state.status == "awaiting_supplement" or bool(state.missing_materials)
    codes = [
        code
        for code, rule in casework.RESULT_CODES.items()
        if (not rule.needs_approval or approved)
        and not (code == "granted" and owing)
        and not (code == "lapsed" and not owing)
    ]
    return tuple((code, casework.RESULT_CODES[code].label_zh) for code in codes)
