"""Provides what each case action asks the clerk for, and the event payload it makes.

Steps forward (承办, 审核, 批准 …) and 补正收件 ask for nothing: one key records them. The rest
need a reason, a list of materials, a result or a target center, as the event vocabulary in
docs/domain.md requires.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import casework

from .form_dialog import FieldSpec

__all__ = ["escalation_target", "fields_for", "is_withdrawal", "payload_for", "results_now"]

_NOTE = FieldSpec("note", "意见（可不填）")
_REASON_LABELS = {"withdrawn": "撤回原因", "voided": "作废原因", "lapsed": "退件原因"}
_DELIVERY_METHODS = (("window", "窗口领取"), ("post", "邮寄送达"), ("online", "网上送达"))


def fields_for(
    action: str,
    state: casework.CaseState,
    item: casework.Item | None,
    *,
    center: str = "",
    results: Sequence[str] = (),
) -> list[FieldSpec]:
    """The fields to ask for before recording `action` at `center`; empty when none are needed.

    For 办结, `results` are the result codes the key pressed offers (default: every one that
    makes sense now). At the window where the citizen applied, while another center holds the
    case, 办结 is only the citizen's withdrawal (casework.actions_for): a reason is due.
    """
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
        target = escalation_target(center or state.holder_center)
        return [
            FieldSpec("to_center", "上报至中心代码", required=True, default=target),
            FieldSpec("reason", "原因"),
        ]
    if action == "extend":
        return [
            FieldSpec("days", "延长工作日数", kind="number", required=True, default="10"),
            FieldSpec("approved_by", "批准人", required=True),
            FieldSpec("reason", "原因"),
        ]
    if action == "complete":
        codes = tuple(results) or (
            ("withdrawn",) if is_withdrawal(action, state, center) else results_now(state)
        )
        choices = tuple((code, casework.RESULT_CODES[code].label_zh) for code in codes)
        needs_reason = all(casework.RESULT_CODES[code].needs_reason for code in codes)
        return [
            FieldSpec("result_code", "办结结果", kind="choice", choices=choices),
            FieldSpec("reason", _REASON_LABELS.get(codes[0], "原因"), required=needs_reason),
        ]
    if action == "deliver":
        return [
            FieldSpec("method", "送达方式", kind="choice", choices=_DELIVERY_METHODS),
            FieldSpec("receiver", "领取人"),
        ]
    return []


def is_withdrawal(action: str, state: casework.CaseState, center: str) -> bool:
    """Whether `action` is the citizen's withdrawal, recorded at the window of a case that
    another center holds."""
    return action == "complete" and bool(center) and state.holder_center != center


def escalation_target(center: str) -> str:
    """The center one level up: a township's county (its first 6 digits), a county's
    prefecture; "" for the prefecture."""
    if len(center) == 9:
        return center[:6]
    return (
        casework.PREFECTURE_CODE if len(center) == 6 and center != casework.PREFECTURE_CODE else ""
    )


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


def results_now(state: casework.CaseState) -> tuple[str, ...]:
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
    return tuple(codes)
