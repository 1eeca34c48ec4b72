"""Property tests: any sequence of legal transitions folds to the same state everywhere."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from casework import (
    OPEN_STATUSES,
    RESULT_CODES,
    STATUSES,
    CaseState,
    apply_event,
    fold,
    legal_actions,
)
from casework.fixtures import SAMPLE_APPLICANTS

Event = tuple[str, str, Mapping[str, Any], datetime]
T0 = datetime(2026, 12, 20, 1, 0, tzinfo=UTC)
CENTERS = ("513431100", "513431", "513400", "513429100")


def _result_payloads(state: CaseState) -> list[dict[str, Any]]:
    """Every complete payload that is legal in ``state``."""
    options: list[dict[str, Any]] = [
        {"result_code": "withdrawn", "reason": "申请人撤回"},
        {"result_code": "voided", "reason": "录入错误"},
    ]
    paused = state.status == "awaiting_supplement"
    progress = state.resume_status if state.status == "escalated" else state.status
    if progress == "approved" and not paused:
        options.append({"result_code": "denied", "reason": "不符合条件"})
        if not state.missing_materials:
            options.append({"result_code": "granted", "result_label": "准予许可"})
    if paused or state.missing_materials:
        options.append({"result_code": "lapsed", "reason": "逾期未补正"})
    return options


@st.composite
def _payload(draw: st.DrawFn, action: str, state: CaseState) -> dict[str, Any]:
    if action == "complete":
        return draw(st.sampled_from(_result_payloads(state)))
    if action == "escalate":
        return {
            "to_center": draw(st.sampled_from([c for c in CENTERS if c != state.holder_center]))
        }
    if action == "extend":
        return {"days": draw(st.integers(1, 15)), "approved_by": "主任"}
    if action == "request_supplement":
        return {
            "materials": draw(st.lists(st.sampled_from(["户口簿", "照片", "证明"]), min_size=1))
        }
    if action == "receive_supplement":
        return draw(st.sampled_from([{}, {"materials": ["户口簿"]}]))
    if action in ("refuse", "return"):
        return {"reason": "理由"}
    return draw(st.sampled_from([{}, {"note": "意见"}]))


@st.composite
def _accept(draw: st.DrawFn) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "case_no": f"513431100-{draw(st.integers(1, 9999)):04d}",
        "center_code": "513431100",
        "item_code": "SAMPLE-MZ-001",
        "category": draw(st.sampled_from(["licensing", "other_admin", "public_service"])),
        "workflow": draw(st.sampled_from(["five_step", "two_step"])),
        "applicant": dict(draw(st.sampled_from(SAMPLE_APPLICANTS))),
        "promised_limit_days": draw(st.integers(0, 20)),
    }
    if draw(st.booleans()):
        payload |= {"missing_materials": ["户口簿"], "promised_by": "2027-01-15"}
    return payload


@st.composite
def legal_histories(draw: st.DrawFn) -> list[Event]:
    """Draw a case history by picking each next action from ``legal_actions``."""
    at = T0
    events: list[Event] = [("c1", "accept", draw(_accept()), at)]
    state = fold(events)
    for _ in range(draw(st.integers(0, 14))):
        actions = legal_actions(state)
        if not actions:
            break
        action = draw(st.sampled_from(actions))
        payload = draw(_payload(action, state))
        at += timedelta(minutes=draw(st.integers(1, 60 * 24 * 3)))
        events.append(("c1", action, payload, at))
        state = apply_event(state, case_id="c1", type=action, payload=payload, occurred_at=at)
    return events


def _through_the_wire(events: list[Event]) -> list[Event]:
    """What a hub sees: JSON payloads and ISO timestamps, decoded again."""
    wire = json.dumps([[c, t, dict(p), at.isoformat()] for c, t, p, at in events])
    return [(c, t, p, datetime.fromisoformat(at)) for c, t, p, at in json.loads(wire)]


@settings(max_examples=300, deadline=None)
@given(legal_histories(), st.data())
def test_fold_gives_the_same_state_on_node_and_hub_when_history_is_legal(
    events: list[Event], data: st.DataObject
) -> None:
    node = fold(events)
    assert fold(events) == node
    assert fold(_through_the_wire(events)) == node
    cut = data.draw(st.integers(1, len(events)))
    assert fold(events[cut:], initial=fold(events[:cut])) == node
    assert node.status in STATUSES
    assert node.event_count == len(events)
    assert (node.completed_at is None) == (node.result_code is None)
    assert node.is_open == (node.status in OPEN_STATUSES)
    if node.result_code:
        assert node.result_code in RESULT_CODES


@settings(max_examples=150, deadline=None)
@given(legal_histories())
def test_only_open_pauses_are_the_last_one_when_history_is_legal(events: list[Event]) -> None:
    state = fold(events)
    assert all(p.end is not None for p in state.pauses[:-1])
    if state.pauses and state.pauses[-1].end is None:
        assert state.status == "awaiting_supplement"
