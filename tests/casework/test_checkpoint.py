"""Tests for a case's checkpoint and the fold that goes on from it instead of folding again."""

from __future__ import annotations

import dataclasses
import json
from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from casework import (
    CaseEvent,
    apply_event,
    checkpoint_json,
    continue_history,
    fold_history,
    sample_accept_payload,
    state_from_checkpoint,
)
from tests.casework.test_lifecycle_properties import T0, Event, legal_histories


def _chain(events: list[Event]) -> list[CaseEvent]:
    """The history as a hub receives it: each event after the one before, by the holder."""
    chained: list[CaseEvent] = []
    state = None
    for n, (case_id, type, payload, at) in enumerate(events):
        center = payload["center_code"] if state is None else state.holder_center
        chained.append(
            CaseEvent(
                f"e{n:02d}", case_id, type, payload, at, center, chained[-1].event_id if n else None
            )
        )
        state = apply_event(state, case_id=case_id, type=type, payload=payload, occurred_at=at)
    return chained


@settings(max_examples=200, deadline=None)
@given(legal_histories())
def test_a_checkpoint_gives_back_the_state_without_the_applicant(events: list[Event]) -> None:
    state = fold_history(_chain(events)).state
    assert state is not None and state.applicant is not None
    text = checkpoint_json(state)
    assert state_from_checkpoint(text) == dataclasses.replace(state, applicant=None)
    assert state.applicant.id_number not in text and state.applicant.name not in text


@settings(max_examples=200, deadline=None)
@given(legal_histories(), st.data())
def test_going_on_from_a_checkpoint_folds_what_the_whole_history_folds(
    events: list[Event], data: st.DataObject
) -> None:
    chained = _chain(events)
    whole = fold_history(chained)
    cut = data.draw(st.integers(1, len(chained)))
    so_far = fold_history(chained[:cut])
    assert so_far.state is not None and so_far.head is not None
    restored = state_from_checkpoint(checkpoint_json(so_far.state))
    assert restored is not None
    went_on = continue_history(restored, so_far.head, chained[cut:])
    assert went_on is not None and whole.state is not None
    assert went_on.state == dataclasses.replace(whole.state, applicant=None)
    assert so_far.applied + went_on.applied == whole.applied
    assert (went_on.head or so_far.head) == whole.head


def test_events_out_of_order_or_against_the_rules_send_the_case_back_to_the_whole_fold() -> None:
    chained = _chain(_STEPS)
    so_far = fold_history(chained[:2])
    state, head = so_far.state, so_far.head
    assert state is not None and head is not None
    fork = dataclasses.replace(chained[2], after=chained[0].event_id)
    gap = dataclasses.replace(chained[3], after=chained[2].event_id)
    second_accept = dataclasses.replace(chained[0], event_id="e99", after=head)
    not_holder = dataclasses.replace(chained[2], center="513429100")
    for events in ([fork], [gap], [second_accept], [not_holder], [chained[2], fork]):
        assert continue_history(state, head, events) is None
    assert continue_history(state, head, chained[2:]) is not None


def test_a_checkpoint_another_version_or_a_damaged_row_wrote_is_not_read() -> None:
    state = fold_history(_chain(_STEPS)).state
    assert state is not None
    shape, *values = json.loads(checkpoint_json(state))
    accepted_at = state.accepted_at.isoformat()
    for text in (
        json.dumps(["0123456789ab", *values]),
        json.dumps([shape, *values, "a field of a later version"]),
        json.dumps([shape, *values[:-1]]),
        json.dumps([shape, *("yesterday" if v == accepted_at else v for v in values)]),
        checkpoint_json(state)[:-5],
        '{"case_id": "c1"}',
        "[]",
        "",
        None,
    ):
        assert state_from_checkpoint(text) is None


def _steps() -> list[Event]:
    accept = sample_accept_payload(
        "SAMPLE-CL-004", case_no="513431100-20261201-010001", center_code="513431100"
    )
    steps = [
        ("accept", accept),
        ("request_supplement", {"materials": ["户口簿"]}),
        ("receive_supplement", {"materials": ["户口簿"]}),
        ("review_and_approve", {}),
    ]
    return [("c1", t, p, T0 + timedelta(minutes=i)) for i, (t, p) in enumerate(steps)]


_STEPS = _steps()
