"""Tests for the case state machine: transitions, rules and deterministic folding."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest

from casework import (
    STATUSES,
    CaseState,
    IllegalTransition,
    InvalidApplicant,
    InvalidEvent,
    Pause,
    apply_event,
    fold,
    legal_actions,
)

T0 = datetime(2026, 3, 2, 1, 30, tzinfo=UTC)  # 09:30 in Liangshan, a Monday
Event = tuple[str, str, Mapping[str, Any], datetime]

# Exactly what the lead's issue-2 code sends today.
LEAD_ACCEPT: dict[str, Any] = {
    "case_no": "513431100-260302-A1-0001",
    "center_code": "513431100",
    "item_code": "SAMPLE-MZ-001",
    "category": "other_admin",
    "workflow": "five_step",
    "applicant": {
        "name": "吉克·阿呷",
        "id_type": "111",
        "id_number": "513431198503150023",
        "phone": "13908141234",
    },
}


def _accept(**changes: Any) -> dict[str, Any]:
    return {**LEAD_ACCEPT, **changes}


def _events(*steps: tuple[str, Mapping[str, Any]], case_id: str = "c1") -> list[Event]:
    return [(case_id, t, p, T0 + timedelta(hours=i)) for i, (t, p) in enumerate(steps)]


def _run(*steps: tuple[str, Mapping[str, Any]]) -> CaseState:
    return fold(_events(*steps))


FIVE_STEP = (
    ("accept", LEAD_ACCEPT),
    ("handle", {}),
    ("review", {"note": "材料齐全"}),
    ("approve", {}),
)


def test_five_step_case_completes_and_delivers_when_driven_by_the_lead_payloads() -> None:
    state = _run(
        *FIVE_STEP,
        ("complete", {"result_code": "granted", "result_label": "准予许可"}),
        ("deliver", {}),
    )
    assert (state.status, state.result_code, state.result_label) == (
        "delivered",
        "granted",
        "准予许可",
    )
    assert state.accepted_at == T0
    assert state.completed_at == T0 + timedelta(hours=4)
    assert state.delivered_at == T0 + timedelta(hours=5)
    assert (state.event_count, state.holder_center, state.applicant is not None) == (
        6,
        "513431100",
        True,
    )


def test_two_step_case_merges_review_and_approval_when_item_is_two_step() -> None:
    state = _run(
        ("accept", _accept(workflow="two_step")),
        ("review_and_approve", {}),
        ("complete", {"result_code": "granted", "result_label": "已办结"}),
    )
    assert state.status == "completed"


def test_refuse_closes_case_with_reason_when_just_accepted() -> None:
    state = _run(("accept", LEAD_ACCEPT), ("refuse", {"reason": "不属于本中心受理范围"}))
    assert (state.status, state.refuse_reason, state.closed_at, state.completed_at) == (
        "refused",
        "不属于本中心受理范围",
        T0 + timedelta(hours=1),
        None,
    )
    assert legal_actions(state) == ()


@pytest.mark.parametrize(
    ("steps", "action", "payload"),
    [
        ((("accept", LEAD_ACCEPT),), "review", {}),  # skips 承办
        ((("accept", LEAD_ACCEPT),), "review_and_approve", {}),  # a two-step action
        ((("accept", _accept(workflow="two_step")),), "handle", {}),  # a five-step action
        ((("accept", LEAD_ACCEPT),), "complete", {"result_code": "granted"}),  # before approval
        ((("accept", LEAD_ACCEPT),), "return", {"reason": "x"}),  # nothing to return to
        ((("accept", LEAD_ACCEPT),), "deliver", {}),
        ((("accept", LEAD_ACCEPT),), "accept", LEAD_ACCEPT),  # duplicate accept
        (FIVE_STEP[:2], "refuse", {"reason": "x"}),  # refusal only before handling
        (FIVE_STEP, "request_supplement", {"materials": ["户口簿"]}),  # after approval
        ((("accept", LEAD_ACCEPT), ("refuse", {"reason": "x"})), "handle", {}),  # terminal
    ],
)
def test_apply_event_raises_illegal_transition_when_action_not_allowed(
    steps: tuple[tuple[str, Mapping[str, Any]], ...], action: str, payload: Mapping[str, Any]
) -> None:
    state = _run(*steps)
    with pytest.raises(IllegalTransition) as caught:
        apply_event(state, case_id="c1", type=action, payload=payload, occurred_at=T0)
    assert caught.value.code == "illegal_transition"
    assert state.status in caught.value.message
    assert action.split("_")[0] in caught.value.message


def test_apply_event_names_status_and_action_in_chinese_when_illegal() -> None:
    state = _run(("accept", LEAD_ACCEPT))
    with pytest.raises(IllegalTransition) as caught:
        apply_event(state, case_id="c1", type="approve", payload={}, occurred_at=T0)
    assert caught.value.message_zh.startswith(
        "办件 513431100-260302-A1-0001 当前状态为“已受理（待承办）”，不能执行“批准”"
    )


def test_case_rejects_every_action_when_delivered() -> None:
    state = _run(*FIVE_STEP, ("complete", {"result_code": "granted"}), ("deliver", {}))
    assert legal_actions(state) == ()
    with pytest.raises(IllegalTransition):
        apply_event(state, case_id="c1", type="deliver", payload={}, occurred_at=T0)


def test_case_allows_only_delivery_when_completed() -> None:
    state = _run(*FIVE_STEP, ("complete", {"result_code": "denied", "reason": "不符合条件"}))
    assert legal_actions(state) == ("deliver",)
    assert (state.result_label, state.result_reason) == ("不予许可", "不符合条件")


def test_apply_event_raises_illegal_transition_when_first_event_is_not_accept() -> None:
    with pytest.raises(IllegalTransition):
        apply_event(None, case_id="c1", type="handle", payload={}, occurred_at=T0)


@pytest.mark.parametrize(
    ("type", "payload", "field"),
    [
        ("accept", _accept(case_no=""), "case_no"),
        ("accept", _accept(case_no="x" * 51), "case_no"),
        ("accept", _accept(category="tax"), "category"),
        ("accept", _accept(workflow="one_step"), "workflow"),
        ("accept", _accept(applicant="吉克"), "applicant"),
        ("accept", _accept(missing_materials=["户口簿"]), "promised_by"),
        ("accept", _accept(missing_materials=["户口簿"], promised_by="2026-03-01"), "promised_by"),
        ("accept", _accept(promised_limit_days=-1), "promised_limit_days"),
        ("launch", {}, "type"),
    ],
)
def test_apply_event_raises_invalid_event_when_payload_is_malformed(
    type: str, payload: Mapping[str, Any], field: str
) -> None:
    with pytest.raises(InvalidEvent) as caught:
        apply_event(None, case_id="c1", type=type, payload=payload, occurred_at=T0)
    assert caught.value.field == field


def test_accept_rejects_applicant_when_id_check_digit_is_wrong() -> None:
    bad = _accept(applicant={**LEAD_ACCEPT["applicant"], "id_number": "513431198503150024"})
    with pytest.raises(InvalidApplicant) as caught:
        apply_event(None, case_id="c1", type="accept", payload=bad, occurred_at=T0)
    assert caught.value.code == "id_number_checksum"


@pytest.mark.parametrize(
    ("type", "payload", "field"),
    [
        ("refuse", {}, "reason"),
        ("refuse", {"reason": "  "}, "reason"),
        ("request_supplement", {"materials": []}, "materials"),
        ("escalate", {}, "to_center"),
        ("extend", {"days": 0, "approved_by": "主任"}, "days"),
        ("extend", {"days": 10}, "approved_by"),
        ("complete", {"result_code": "maybe"}, "result_code"),
        ("complete", {"result_code": "withdrawn"}, "reason"),
    ],
)
def test_apply_event_names_payload_field_when_step_payload_is_bad(
    type: str, payload: Mapping[str, Any], field: str
) -> None:
    state = _run(("accept", LEAD_ACCEPT))
    with pytest.raises(InvalidEvent) as caught:
        apply_event(state, case_id="c1", type=type, payload=payload, occurred_at=T0)
    assert caught.value.field == field


def test_apply_event_raises_invalid_event_when_time_naive_or_case_foreign() -> None:
    state = _run(("accept", LEAD_ACCEPT))
    with pytest.raises(InvalidEvent):
        apply_event(
            state, case_id="c1", type="handle", payload={}, occurred_at=T0.replace(tzinfo=None)
        )
    with pytest.raises(InvalidEvent):
        apply_event(state, case_id="c2", type="handle", payload={}, occurred_at=T0)


def test_apply_event_stores_utc_when_time_has_another_offset() -> None:
    local = T0.astimezone(timezone(timedelta(hours=8)))
    state = apply_event(None, case_id="c1", type="accept", payload=LEAD_ACCEPT, occurred_at=local)
    assert state.accepted_at.utcoffset() == timedelta(0)
    assert state.accepted_on == date(2026, 3, 2)


def test_case_pauses_and_resumes_at_the_same_step_when_supplement_requested() -> None:
    events = [
        ("c1", "accept", LEAD_ACCEPT, T0),
        ("c1", "handle", {}, T0 + timedelta(days=1)),
        ("c1", "request_supplement", {"materials": ["户口簿", "户口簿"]}, T0 + timedelta(days=2)),
    ]
    paused = fold(events)
    assert (paused.status, paused.supplement_materials, paused.pauses) == (
        "awaiting_supplement",
        ("户口簿",),
        (Pause(date(2026, 3, 4)),),
    )
    assert legal_actions(paused) == ("receive_supplement", "extend", "complete")
    resumed = apply_event(
        paused,
        case_id="c1",
        type="receive_supplement",
        payload={},
        occurred_at=T0 + timedelta(days=4),
    )
    assert (resumed.status, resumed.pauses) == (
        "handled",
        (Pause(date(2026, 3, 4), date(2026, 3, 6)),),
    )


def test_grant_is_blocked_when_missing_material_has_not_arrived() -> None:
    accept = _accept(missing_materials=["户口簿"], promised_by="2026-03-09")
    state = _run(("accept", accept), *FIVE_STEP[1:])
    assert (state.missing_materials, state.missing_promised_by) == (("户口簿",), date(2026, 3, 9))
    with pytest.raises(IllegalTransition):
        apply_event(
            state, case_id="c1", type="complete", payload={"result_code": "granted"}, occurred_at=T0
        )
    arrived = apply_event(
        state,
        case_id="c1",
        type="receive_supplement",
        payload={"materials": ["户口簿"]},
        occurred_at=T0,
    )
    assert (arrived.status, arrived.missing_materials, arrived.pauses) == ("approved", (), ())
    done = apply_event(
        arrived, case_id="c1", type="complete", payload={"result_code": "granted"}, occurred_at=T0
    )
    assert done.status == "completed"


def test_case_goes_up_and_back_when_escalated_then_returned() -> None:
    state = _run(*FIVE_STEP[:2], ("escalate", {"to_center": "513431"}))
    assert (state.status, state.holder_center, state.escalated_to) == (
        "escalated",
        "513431",
        "513431",
    )
    assert "review" in legal_actions(state)
    back = apply_event(
        state, case_id="c1", type="return", payload={"reason": "请补充初审意见"}, occurred_at=T0
    )
    assert (back.status, back.holder_center, back.escalated_to) == ("handled", "513431100", None)


def test_result_of_an_escalated_case_goes_back_to_the_window_that_accepted_it() -> None:
    decided = _run(
        *FIVE_STEP[:2],
        ("escalate", {"to_center": "513431"}),
        ("review", {}),
        ("approve", {}),
        ("complete", {"result_code": "granted"}),
    )
    assert (decided.status, decided.holder_center, decided.holder_trail) == (
        "completed",
        "513431100",
        ("513431100",),
    )
    assert decided.held_since == decided.completed_at
    delivered = apply_event(
        decided, case_id="c1", type="deliver", payload={"method": "window"}, occurred_at=T0
    )
    assert (delivered.status, delivered.center_code) == ("delivered", "513431100")


def test_escalate_raises_when_target_already_holds_the_case() -> None:
    state = _run(("accept", LEAD_ACCEPT))
    with pytest.raises(IllegalTransition):
        apply_event(
            state, case_id="c1", type="escalate", payload={"to_center": "513431100"}, occurred_at=T0
        )


def test_extend_adds_approved_days_when_repeated() -> None:
    state = _run(
        ("accept", LEAD_ACCEPT),
        ("extend", {"days": 10, "approved_by": "县民政局局长", "reason": "需实地核查"}),
        ("extend", {"days": 5, "approved_by": "县民政局局长"}),
    )
    assert state.extension_days == 15


def test_return_steps_back_one_step_when_reviewer_sends_it_back() -> None:
    state = _run(*FIVE_STEP[:3], ("return", {"reason": "承办意见不完整"}))
    assert state.status == "handled"


def test_case_completes_as_withdrawn_when_just_accepted() -> None:
    state = _run(
        ("accept", LEAD_ACCEPT), ("complete", {"result_code": "withdrawn", "reason": "申请人撤回"})
    )
    assert (state.status, state.result_label) == ("completed", "申请人撤回（退件）")


def test_complete_as_lapsed_raises_when_no_supplement_outstanding() -> None:
    state = _run(("accept", LEAD_ACCEPT))
    with pytest.raises(IllegalTransition):
        apply_event(
            state,
            case_id="c1",
            type="complete",
            payload={"result_code": "lapsed", "reason": "x"},
            occurred_at=T0,
        )


def test_fold_raises_invalid_event_when_history_is_empty() -> None:
    with pytest.raises(InvalidEvent):
        fold([])


def test_statuses_list_every_status_when_compared_with_the_machine() -> None:
    assert set(STATUSES) == {
        "accepted", "handled", "reviewed", "approved", "awaiting_supplement",
        "escalated", "completed", "refused", "delivered",
    }  # fmt: skip


def test_county_pauses_an_escalated_case_for_materials_and_keeps_it() -> None:
    state = _run(*FIVE_STEP[:2], ("escalate", {"to_center": "513431"}))
    paused = apply_event(
        state,
        case_id="c1",
        type="request_supplement",
        payload={"materials": ["户口簿"]},
        occurred_at=T0,
    )
    assert (paused.status, paused.holder_center) == ("awaiting_supplement", "513431")
    back = apply_event(paused, case_id="c1", type="receive_supplement", payload={}, occurred_at=T0)
    assert (back.status, back.holder_center) == ("handled", "513431")
    assert "review" in legal_actions(back)
