"""Tests for a case's deadline and e-supervision light."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from casework import (
    InvalidInput,
    apply_event,
    case_deadline,
    case_light,
    default_calendar,
    sample_accept_payload,
)

CALENDAR = default_calendar()
T0 = datetime(2026, 3, 2, 1, 30, tzinfo=UTC)  # Monday 09:30 in Liangshan


def _accepted(limit: int = 5) -> object:
    payload = sample_accept_payload("SAMPLE-MZ-001", case_no="N-1", center_code="513431100")
    payload["promised_limit_days"] = limit
    return apply_event(None, case_id="c1", type="accept", payload=payload, occurred_at=T0)


def test_case_deadline_uses_recorded_limit_when_none_is_passed() -> None:
    deadline = case_deadline(_accepted(), CALENDAR, today=date(2026, 3, 3))
    assert (deadline.due, deadline.provisional) == (date(2026, 3, 9), False)


def test_case_deadline_moves_daily_when_pause_is_open() -> None:
    state = apply_event(
        _accepted(), case_id="c1", type="request_supplement",
        payload={"materials": ["户口簿"]}, occurred_at=T0 + timedelta(days=2),
    )  # fmt: skip
    # Paused from 3/4 through "today" 3/5: 3/3, then 3/6, 3/9, 3/10, 3/11.
    assert case_deadline(state, CALENDAR, today=date(2026, 3, 5)).due == date(2026, 3, 11)
    assert case_deadline(state, CALENDAR, today=date(2026, 3, 6)).due == date(2026, 3, 12)


def test_case_deadline_adds_days_when_extended() -> None:
    state = apply_event(
        _accepted(), case_id="c1", type="extend",
        payload={"days": 10, "approved_by": "局长"}, occurred_at=T0,
    )  # fmt: skip
    assert case_deadline(state, CALENDAR, today=date(2026, 3, 3)).due == date(2026, 3, 23)


def test_case_deadline_asks_for_a_limit_when_none_was_recorded() -> None:
    payload = sample_accept_payload("SAMPLE-MZ-001", case_no="N-1", center_code="513431100")
    del payload["promised_limit_days"]
    state = apply_event(None, case_id="c1", type="accept", payload=payload, occurred_at=T0)
    with pytest.raises(InvalidInput):
        case_deadline(state, CALENDAR, today=date(2026, 3, 3))
    assert case_deadline(state, CALENDAR, today=date(2026, 3, 3), limit_days=1).due == date(
        2026, 3, 3
    )


@pytest.mark.parametrize(
    ("today", "light"),
    [(date(2026, 3, 5), "green"), (date(2026, 3, 6), "yellow"), (date(2026, 3, 10), "red")],
)
def test_case_light_follows_the_deadline_when_case_is_open(today: date, light: str) -> None:
    assert case_light(_accepted(), CALENDAR, today=today) == light


@pytest.mark.parametrize(("days_later", "light"), [(6, "green"), (8, "red")])
def test_case_light_judges_at_closing_date_when_case_is_closed(days_later: int, light: str) -> None:
    state = apply_event(
        _accepted(), case_id="c1", type="complete",
        payload={"result_code": "withdrawn", "reason": "撤回"},
        occurred_at=T0 + timedelta(days=days_later),
    )  # fmt: skip
    assert case_light(state, CALENDAR, today=date(2026, 12, 1)) == light
