"""Provides the case page's keys: one fixed key per action, the same on every case.

A key never changes meaning with the case's step (it once did: 1 meant 承办, then 审核, then
批准, then 退回). 办结 is split by result so that no key ends a case in a way the clerk did not
name: 9 办结 is the decision on the merits (准予/不予许可, only after 批准); 撤回, 作废 and
补正逾期退件 have keys of their own. A key the case's state does not allow is shown dimmed and,
pressed, says why in the window's language.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import casework

from ..dialogs import results_now
from ..texts import Texts

__all__ = ["CASE_KEYS", "CaseKey", "KeyState", "key_states", "what_happens"]


@dataclass(frozen=True, slots=True)
class CaseKey:
    """One key of the case page."""

    key: str
    name: str
    """What the clerk reads on the key, in Chinese (translated when shown)."""
    action: str
    """The event type it records."""
    result: str = ""
    """For the 办结 family: the result codes this key may record ("" = any decision)."""
    ends_case: bool = False
    """Closes the case for good: once its form is filled, a dialog says so and asks again."""
    danger: bool = False
    """Rarely right (作废): the dialogs warn in red and the focus starts on 取消."""


CASE_KEYS: tuple[CaseKey, ...] = (
    CaseKey("1", "承办", "handle"),
    CaseKey("2", "审核", "review"),
    CaseKey("3", "批准", "approve"),
    CaseKey("4", "审核兼审批", "review_and_approve"),
    CaseKey("5", "补正告知", "request_supplement"),
    CaseKey("6", "补正收件", "receive_supplement"),
    CaseKey("7", "延长审批", "extend"),
    CaseKey("8", "上报", "escalate"),
    CaseKey("9", "办结", "complete", result="decision", ends_case=True),
    CaseKey("0", "送达", "deliver"),
    CaseKey("t", "退回", "return"),
    CaseKey("b", "不予受理", "refuse", ends_case=True),
    CaseKey("c", "撤回", "complete", result="withdrawn", ends_case=True),
    CaseKey("y", "逾期退件", "complete", result="lapsed", ends_case=True),
    CaseKey("z", "作废", "complete", result="voided", ends_case=True, danger=True),
)
_DECISIONS = ("granted", "denied")


@dataclass(frozen=True, slots=True)
class KeyState:
    """A key on one case: whether it works now, and if not, why (already translated)."""

    key: CaseKey
    results: tuple[str, ...]
    """For the 办结 family: the result codes it offers now."""
    why_not: str = ""

    @property
    def allowed(self) -> bool:
        return not self.why_not


def key_states(
    state: casework.CaseState, legal: Sequence[str], *, center: str, t: Texts
) -> tuple[KeyState, ...]:
    """Every key of the case page, each with what it offers now or why it is off."""
    return tuple(_key_state(key, state, legal, center=center, t=t) for key in CASE_KEYS)


def _key_state(
    key: CaseKey, state: casework.CaseState, legal: Sequence[str], *, center: str, t: Texts
) -> KeyState:
    if key.action not in legal:
        return KeyState(key, (), _why_not(key, state, center=center, t=t))
    if key.action != "complete":
        return KeyState(key, ())
    held_elsewhere = state.holder_center != center
    offered = ("withdrawn",) if held_elsewhere else results_now(state)
    wanted = _DECISIONS if key.result == "decision" else (key.result,)
    results = tuple(code for code in offered if code in wanted)
    if results:
        return KeyState(key, results)
    return KeyState(key, (), _why_no_result(key, state, held_elsewhere=held_elsewhere, t=t))


def _why_not(key: CaseKey, state: casework.CaseState, *, center: str, t: Texts) -> str:
    label = t(key.name)
    if not state.is_open:
        return t("办件{status}，不能再{label}", status=t.status(state.status), label=label)
    if state.holder_center != center:
        return t(
            "办件现由 {center} 办理，本窗口只能补正收件（6）或登记撤回（C），不能{label}",
            center=state.holder_center,
            label=label,
        )
    if key.action in casework.legal_actions(state):  # legal, but not for this center
        return t("代收件须由县级审批，本中心不能{label}，请上报（8）", label=label)
    return t("办件当前为“{status}”，不能{label}", status=t.status(state.status), label=label)


def _why_no_result(
    key: CaseKey, state: casework.CaseState, *, held_elsewhere: bool, t: Texts
) -> str:
    if held_elsewhere:
        return t("办件由其他中心办理，本窗口只能登记撤回（C）")
    if key.result == "decision":
        if state.status == "approved":
            return t("容缺材料未补齐，不能准予许可；请先补正收件（6）")
        return t(
            "办件当前为“{status}”，尚未批准，不能办结；申请人撤回按 C，作废按 Z",
            status=t.status(state.status),
        )
    if key.result == "lapsed":
        return t("办件没有待补材料，不能按补正逾期退件")
    return t("办件当前为“{status}”，不能{label}", status=t.status(state.status), label=t(key.name))


_HAPPENS = {
    "request_supplement": "将告知申请人补正所列材料，办件暂停计时，直到补正收件。",
    "extend": "将延长办结期限，须填写批准人。",
    "escalate": "将把办件交给上级中心办理；本窗口此后只能补正收件和登记撤回。",
    "return": "将把办件退回上一环节（转来的办件退回原中心），须写原因。",
    "deliver": "将登记送达（群众已领取结果），办件办理完毕。",
    "refuse": "将不予受理，办件结束，不能恢复。",
}
_RESULT_HAPPENS = {
    "decision": "将办结办件（准予许可或不予许可），办结后不能更改。",
    "withdrawn": "将按“申请人撤回（退件）”办结，办件结束，不能恢复。",
    "lapsed": "将按“补正逾期（退件）”办结，办件结束，不能恢复。",
    "voided": "警告：作废后办件按“作废办结”结束，不再办理，不能恢复。"
    "只在办件录错或重复时作废；群众不想办了请用撤回（C）。",
}


def what_happens(key: KeyState, state: casework.CaseState, *, t: Texts) -> str:
    """The sentence the dialog shows before the step is recorded (translated)."""
    action = key.key.action
    if action == "complete":
        return t(_RESULT_HAPPENS[key.key.result])
    if action in _HAPPENS:
        return t(_HAPPENS[action])
    after = casework.apply_event(
        state, case_id=state.case_id, type=action, payload={}, occurred_at=state.updated_at
    )
    return t(
        "将记录“{step}”，办件从“{before}”变为“{after}”。记录后不能撤销。",
        step=t(key.key.name),
        before=t.status(state.status),
        after=t.status(after.status),
    )
