"""Tests for the fold of a case recorded at several centers: chains, forks and the rule order."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from casework import CaseEvent, fold_history, sample_accept_payload

TOWNSHIP, COUNTY = "513431100", "513431"
T0 = datetime(2026, 3, 2, 1, 30, tzinfo=UTC)


def _event(
    n: int, type: str, center: str, after: str | None, payload: dict[str, Any] | None = None
) -> CaseEvent:
    return CaseEvent(
        event_id=f"e{n:02d}",
        case_id="c1",
        type=type,
        payload=payload or {},
        occurred_at=T0 + timedelta(minutes=n),
        center=center,
        after=after,
    )


ACCEPT = _event(
    1,
    "accept",
    TOWNSHIP,
    None,
    sample_accept_payload(
        "SAMPLE-CL-004", case_no="513431100-20260302-010001", center_code=TOWNSHIP
    ),
)
ESCALATE = _event(2, "escalate", TOWNSHIP, "e01", {"to_center": COUNTY})
ROUND_TRIP = [
    ACCEPT,
    ESCALATE,
    _event(3, "review_and_approve", COUNTY, "e02"),
    _event(4, "complete", COUNTY, "e03", {"result_code": "granted"}),
    _event(5, "deliver", TOWNSHIP, "e04", {"method": "window"}),
]


def test_escalated_case_is_decided_at_the_county_and_delivered_at_the_window() -> None:
    history = fold_history(ROUND_TRIP)
    assert history.state is not None
    assert (history.state.status, history.state.holder_center) == ("delivered", TOWNSHIP)
    assert history.applied == ("e01", "e02", "e03", "e04", "e05")
    assert (history.set_aside, history.pending, history.forks, history.head) == ((), (), (), "e05")


def test_fold_does_not_depend_on_arrival_order_or_writers_clocks() -> None:
    skewed = [*ROUND_TRIP[:2], *(_skew(e, hours=-5) for e in ROUND_TRIP[2:4]), ROUND_TRIP[4]]
    forward = fold_history(skewed)
    backward = fold_history(reversed(skewed))
    assert forward.state == backward.state
    assert forward.applied == backward.applied == ("e01", "e02", "e03", "e04", "e05")


def test_event_waits_until_the_event_it_follows_arrives() -> None:
    history = fold_history([ACCEPT, *ROUND_TRIP[2:4]])
    assert history.state is not None and history.state.status == "accepted"
    assert history.pending == ("e03", "e04")
    assert fold_history([ROUND_TRIP[2]]).state is None


def test_county_acting_without_holding_the_case_is_set_aside_as_invalid() -> None:
    history = fold_history([ACCEPT, _event(2, "review_and_approve", COUNTY, "e01")])
    assert history.applied == ("e01",)
    (aside,) = history.set_aside
    assert (aside.event_id, aside.conflict) == ("e02", False)
    assert "holds it" in aside.reason


def test_withdrawal_at_the_window_races_the_county_decision_and_both_are_kept() -> None:
    granted = _event(4, "complete", COUNTY, "e03", {"result_code": "granted"})
    withdrawn = _event(
        4, "complete", TOWNSHIP, "e03", {"result_code": "withdrawn", "reason": "申请人撤回"}
    )
    withdrawn = CaseEvent(**{**_fields(withdrawn), "event_id": "e09"})  # same minute
    history = fold_history([*ROUND_TRIP[:3], withdrawn, granted])
    assert history.state is not None
    assert (history.state.status, history.state.result_code) == ("completed", "granted")
    assert history.forks[0].after == "e03"
    assert history.forks[0].branches == ("e04", "e09"), "the holder's branch goes first"
    (aside,) = history.set_aside
    assert (aside.event_id, aside.conflict) == ("e09", True)
    assert "同时" in aside.reason_zh


def test_supplement_taken_in_at_the_window_merges_with_the_county_work() -> None:
    accept = CaseEvent(
        **{
            **_fields(ACCEPT),
            "payload": {
                **ACCEPT.payload,
                "missing_materials": ["户口簿"],
                "promised_by": "2026-03-09",
            },
        }
    )
    history = fold_history(
        [
            accept,
            ESCALATE,
            _event(3, "review_and_approve", COUNTY, "e02"),
            _event(4, "receive_supplement", TOWNSHIP, "e02", {"materials": ["户口簿"]}),
        ]
    )
    assert history.state is not None
    assert (history.state.status, history.state.missing_materials) == ("approved", ())
    assert history.set_aside == ()
    assert [fork.branches for fork in history.forks] == [("e03", "e04")]


def test_duplicate_deliveries_count_once() -> None:
    assert fold_history([*ROUND_TRIP, *ROUND_TRIP]).applied == fold_history(ROUND_TRIP).applied


@settings(max_examples=60, deadline=None)
@given(st.permutations([*ROUND_TRIP, _event(6, "extend", COUNTY, "e03", {"days": 1})]))
def test_any_arrival_order_folds_to_the_same_history(order: list[CaseEvent]) -> None:
    reference = fold_history([*ROUND_TRIP, _event(6, "extend", COUNTY, "e03", {"days": 1})])
    assert fold_history(order) == reference


def _fields(event: CaseEvent) -> dict[str, Any]:
    return {name: getattr(event, name) for name in CaseEvent.__dataclass_fields__}


def _skew(event: CaseEvent, *, hours: int) -> CaseEvent:
    return CaseEvent(
        **{**_fields(event), "occurred_at": event.occurred_at + timedelta(hours=hours)}
    )
