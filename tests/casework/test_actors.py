"""Tests for who may act on a case: its holder, the citizen's window, and received (代收) cases."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from casework import (
    IllegalTransition,
    actions_for,
    apply_event,
    check_actor,
    load_sample_catalog,
    receive_only_level,
    sample_accept_payload,
)

TOWNSHIP, COUNTY = "513431100", "513431"
T0 = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)
CATALOG = load_sample_catalog()
TODAY = date(2026, 11, 30)


def _received(item_code: str = "SAMPLE-CL-002"):
    payload = sample_accept_payload(
        item_code, case_no="513431100-20261130-010001", center_code=TOWNSHIP
    )
    return apply_event(
        None,
        case_id="c1",
        type="accept",
        payload={**payload, "decided_by": "county"},
        occurred_at=T0,
    )


def test_township_receives_a_single_window_county_item_for_the_county() -> None:
    assert (
        receive_only_level(CATALOG.get("SAMPLE-CL-002"), center_level="township", on_date=TODAY)
        == "county"
    )


def test_township_cannot_receive_a_county_item_that_is_not_single_window() -> None:
    identity_card = CATALOG.get("SAMPLE-GA-001")  # 居民身份证申领: in person at the county
    assert not identity_card.single_window
    assert receive_only_level(identity_card, center_level="township", on_date=TODAY) is None
    assert (
        receive_only_level(CATALOG.get("SAMPLE-CL-002"), center_level="county", on_date=TODAY)
        is None
    )


def test_received_case_is_decided_only_after_it_is_escalated_to_the_county() -> None:
    case = _received()
    assert case.decided_by == "county"
    assert "review_and_approve" not in actions_for(case, TOWNSHIP)
    assert "escalate" in actions_for(case, TOWNSHIP)
    with pytest.raises(IllegalTransition, match="decided at county level") as caught:
        check_actor(case, center=TOWNSHIP, type="review_and_approve", payload={})
    assert caught.value.code == "decided_elsewhere"
    assert "须由县级审批" in caught.value.message_zh
    up = apply_event(
        case, case_id="c1", type="escalate", payload={"to_center": COUNTY}, occurred_at=T0
    )
    assert "review_and_approve" in actions_for(up, COUNTY)
    check_actor(up, center=COUNTY, type="review_and_approve", payload={})


def test_accepting_window_may_only_take_materials_or_a_withdrawal_while_the_county_holds_it() -> (
    None
):
    up = apply_event(
        _received(), case_id="c1", type="escalate", payload={"to_center": COUNTY}, occurred_at=T0
    )
    assert actions_for(up, TOWNSHIP) == ("complete",)
    check_actor(up, center=TOWNSHIP, type="complete", payload={"result_code": "withdrawn"})
    with pytest.raises(IllegalTransition, match="holds it"):
        check_actor(up, center=TOWNSHIP, type="complete", payload={"result_code": "granted"})
    assert actions_for(up, "513431101") == ()


def test_acceptance_in_the_name_of_another_center_is_refused() -> None:
    payload = sample_accept_payload("SAMPLE-CL-004", case_no="x-1", center_code=TOWNSHIP)
    with pytest.raises(IllegalTransition, match="acceptance for center 513431100"):
        check_actor(None, center="513431101", type="accept", payload=payload)
