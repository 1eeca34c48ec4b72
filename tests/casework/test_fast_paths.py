"""Tests that the hub's hot-path shortcuts in casework agree with the plain way of doing it.

``apply_event`` copies CaseState with ``lifecycle._evolve`` instead of ``dataclasses.replace``,
computes the resident-ID check digit without stdnum, and looks each name character's category
up once. Each test here pins one shortcut to a straightforward reference.
"""

from __future__ import annotations

import unicodedata
from dataclasses import fields, replace
from datetime import UTC, date, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum.iso7064 import mod_11_2

from casework import (
    CaseState,
    InvalidApplicant,
    apply_event,
    complete_resident_id,
    fold,
    normalize_name,
    sample_accept_payload,
    validate_resident_id,
)
from casework.lifecycle import _evolve
from tests.casework.test_lifecycle_properties import Event, legal_histories

FIELD_NAMES = tuple(field.name for field in fields(CaseState))
# What each event type may change besides updated_at and event_count, read off the handlers.
STEP_FIELDS = frozenset({"status", "resume_status"})
MAY_CHANGE: dict[str, frozenset[str]] = {
    "handle": STEP_FIELDS,
    "review": STEP_FIELDS,
    "approve": STEP_FIELDS,
    "review_and_approve": STEP_FIELDS,
    "refuse": STEP_FIELDS | {"refuse_reason", "closed_at", "pauses"},
    "request_supplement": STEP_FIELDS | {"supplement_materials", "pauses"},
    "receive_supplement": STEP_FIELDS
    | {"supplement_materials", "pauses", "missing_materials", "missing_promised_by"},
    "return": STEP_FIELDS | {"holder_center", "holder_trail", "escalated_to", "held_since"},
    "escalate": STEP_FIELDS | {"holder_center", "holder_trail", "escalated_to", "held_since"},
    "extend": frozenset({"extension_days"}),
    "complete": STEP_FIELDS
    | {"completed_at", "closed_at", "result_code", "result_label", "result_reason", "pauses"}
    | {"holder_center", "held_since"},
    "deliver": frozenset({"status", "delivered_at"}),
}
ANY_VALUE = st.one_of(st.none(), st.integers(), st.text(max_size=5), st.tuples(st.text(max_size=3)))


@settings(max_examples=200, deadline=None)
@given(legal_histories(), st.dictionaries(st.sampled_from(FIELD_NAMES), ANY_VALUE))
def test_evolve_equals_dataclasses_replace_for_any_changes(
    events: list[Event], changes: dict[str, Any]
) -> None:
    state = fold(events)
    before = replace(state)
    evolved = _evolve(state, dict(changes))
    assert type(evolved) is CaseState
    assert evolved == replace(state, **changes)
    assert state == before  # the original is untouched


@settings(max_examples=200, deadline=None)
@given(legal_histories())
def test_apply_event_equals_a_replace_of_only_the_fields_its_type_may_change(
    events: list[Event],
) -> None:
    state = fold(events[:1])
    for case_id, type, payload, at in events[1:]:
        after = apply_event(state, case_id=case_id, type=type, payload=payload, occurred_at=at)
        expected = replace(
            state,
            **{name: getattr(after, name) for name in MAY_CHANGE[type]},
            updated_at=at.astimezone(UTC),
            event_count=state.event_count + 1,
        )
        assert after == expected
        state = after


@settings(max_examples=500)
@given(st.text("0123456789", min_size=17, max_size=17))
def test_complete_resident_id_appends_stdnums_check_digit_for_any_digits(first17: str) -> None:
    assert complete_resident_id(first17) == first17 + mod_11_2.calc_check_digit(first17)


# Decimal digits of other scripts: Python's \d admits them, an ID number must not.
@given(st.text("٣۴५০੭૮୯௧１２３", min_size=1, max_size=3), st.integers(0, 14))
def test_complete_resident_id_refuses_digits_of_other_scripts(foreign: str, at: int) -> None:
    first17 = ("51343119850315001"[:at] + foreign + "51343119850315001")[:17]
    with pytest.raises(InvalidApplicant):
        complete_resident_id(first17)


@settings(max_examples=500)
@given(st.text("0123456789", min_size=8, max_size=8), st.sampled_from("0123456789X"))
def test_resident_id_checksum_error_names_stdnums_digit_when_last_digit_is_wrong(
    tail: str, last: str
) -> None:
    first17 = "513431" + "19850315" + tail[:3]
    expected = mod_11_2.calc_check_digit(first17)
    if last == expected:
        assert validate_resident_id(first17 + last, today=date(2026, 11, 2)).number[17] == last
        return
    with pytest.raises(InvalidApplicant) as caught:
        validate_resident_id(first17 + last, today=date(2026, 11, 2))
    assert caught.value.code == "id_number_checksum"
    assert f"should be {expected}" in caught.value.message


FORBIDDEN = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
DOT_VARIANTS = "\u2022\u30fb\uff65\u2027\u2219\u22c5"


def _reference_outcome(name: str) -> str:
    """The character rules, checked one character at a time as first written."""
    for ch in name:
        if unicodedata.category(ch) in FORBIDDEN:
            return f"name contains a control or invisible character U+{ord(ch):04X}; retype it"
    if not any(unicodedata.category(ch).startswith("L") for ch in name):
        return "name must contain at least one letter or character"
    return name


def _outcome(name: str) -> str:
    try:
        return normalize_name(name)
    except InvalidApplicant as error:
        return error.message


NAME_CHARACTERS = st.characters(blacklist_characters=DOT_VARIANTS)


@settings(max_examples=1000)
@given(st.text(NAME_CHARACTERS, min_size=1, max_size=12))
def test_name_character_rules_agree_with_a_character_by_character_check(text: str) -> None:
    name = unicodedata.normalize("NFC", text)
    if not name.strip() or name != name.strip():
        return  # stripping and emptiness are tested in test_identity.py
    assert _outcome(name) == _reference_outcome(name)


ACCEPT = sample_accept_payload(
    "SAMPLE-MZ-001", case_no="513431100-261102-A1-0001", center_code="513431100"
)


def test_apply_event_stores_the_event_time_as_utc_when_given_another_offset() -> None:
    events = [
        ("c1", "accept", ACCEPT, datetime(2026, 11, 2, 1, 0, tzinfo=UTC)),
        ("c1", "handle", {}, datetime.fromisoformat("2026-11-02T10:00:00+08:00")),
    ]
    state = fold(events)
    assert (state.updated_at, state.updated_at.tzinfo) == (
        datetime(2026, 11, 2, 2, 0, tzinfo=UTC),
        UTC,
    )
