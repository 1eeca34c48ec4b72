"""Tests sync_protocol/_events.py: the event object, its canonical line and its checks."""

from __future__ import annotations

import json
import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sync_protocol import (
    EVENT_SCHEMA_VERSION,
    Event,
    LocalProtocolError,
    MalformedInput,
    UnsupportedVersion,
    canonical_json,
    decode_event,
    encode_event,
    format_timestamp,
    is_timestamp,
    new_event_id,
    parse_timestamp,
)
from tests.sync_protocol.syncproto_helpers import make_event, payloads, township_text

events = st.builds(
    make_event,
    seq=st.integers(1, 2**40),
    case_id=township_text.filter(bool),
    type=st.sampled_from(["accept", "handle", "review", "approve", "complete", "refuse"]),
    clerk_id=township_text.filter(bool),
    payload=payloads,
)


@settings(max_examples=100, deadline=None)
@given(events)
def test_decode_event_round_trips_when_given_encode_event_output(event: Event) -> None:
    line = encode_event(event)
    assert b"\n" not in line
    assert decode_event(line) == event
    assert encode_event(decode_event(line)) == line


def test_encode_event_writes_fields_in_sorted_order_when_encoding() -> None:
    line = encode_event(make_event(7))
    assert list(json.loads(line)) == [
        "after",
        "case_id",
        "clerk_id",
        "event_id",
        "node_id",
        "occurred_at",
        "payload",
        "schema",
        "seq",
        "type",
    ]
    assert "吉克·阿依".encode() in line


@pytest.mark.parametrize(
    ("field", "value"),
    [
        # event ids are lowercase UUIDs
        ("event_id", "01A21FEF-5070-7A3C-9D01-4B5E6F708192"),
        ("event_id", "not-a-uuid"),
        ("event_id", "01a21fef50707a3c9d014b5e6f708192"),
        # a trailing newline ("$" would let it through; the check is a full match)
        ("event_id", "01a21fef-5070-7a3c-9d01-4b5e6f708192\n"),
        # sequence numbers start at 1 and are real integers
        ("seq", 0),
        ("seq", -1),
        ("seq", True),
        ("seq", "1"),
        # timestamps are UTC with exactly three fraction digits and a Z
        ("occurred_at", "2026-11-28T02:15:07Z"),
        ("occurred_at", "2026-11-28T10:15:07.120+08:00"),
        ("occurred_at", "2026-11-28 02:15:07.120Z"),
        ("occurred_at", "2026-11-28T02:15:07.120Z\n"),
        # identifying strings are non-empty strings
        ("node_id", ""),
        ("case_id", None),
        ("type", ""),
        ("clerk_id", 42),
        # the payload is a JSON object
        ("payload", ["accept"]),
        ("payload", None),
    ],
)
def test_event_refuses_field_when_invalid(field: str, value: Any) -> None:
    with pytest.raises(LocalProtocolError, match=field):
        make_event(**{field: value})


@pytest.mark.parametrize(
    "schema",
    [
        # newer than this code: a node must not write what it cannot read back
        EVENT_SCHEMA_VERSION + 1,
        # below the first version
        0,
        # not an integer
        "1",
    ],
)
def test_event_refuses_schema_when_not_a_known_version(schema: Any) -> None:
    with pytest.raises(LocalProtocolError, match="schema must be an integer"):
        make_event(schema=schema)


def test_encode_event_refuses_payload_when_it_holds_a_float() -> None:
    with pytest.raises(LocalProtocolError, match="floats"):
        encode_event(make_event(payload={"fee": 12.5}))


def _line(**changes: Any) -> bytes:
    fields = json.loads(encode_event(make_event()))
    for name, value in changes.items():
        if value is _DROP:
            del fields[name]
        else:
            fields[name] = value
    return json.dumps(fields, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


_DROP = object()


@pytest.mark.parametrize(
    "line",
    [
        # not JSON
        b"accept",
        # JSON but not an object
        b"[1,2]",
        # a field missing
        _line(clerk_id=_DROP),
        # an unknown field (the schema is closed; new fields need a new schema version)
        _line(priority="high"),
        # each field's own rule, checked on the way in too
        _line(event_id="x"),
        _line(seq=0),
        _line(seq="3"),
        _line(occurred_at="yesterday"),
        _line(occurred_at="2026-11-28T02:15:07.120Z\n"),
        _line(node_id=""),
        _line(payload="{}"),
        # a float anywhere in the line
        _line(payload={"fee": 1.5}),
        # invalid UTF-8
        b'{"case_id":"\xff"}',
    ],
)
def test_decode_event_refuses_line_when_malformed(line: bytes) -> None:
    with pytest.raises(MalformedInput):
        decode_event(line)


@pytest.mark.parametrize(
    "schema",
    [
        # one newer than this code
        EVENT_SCHEMA_VERSION + 1,
        # much newer
        1000,
        # below the first version
        0,
        # not an integer: a reader cannot tell which version it is
        "1",
        True,
    ],
)
def test_decode_event_raises_unsupported_version_when_schema_unknown(schema: Any) -> None:
    with pytest.raises(UnsupportedVersion, match="is not supported"):
        decode_event(_line(schema=schema))


@pytest.mark.parametrize(
    ("moment", "text"),
    [
        # UTC in, UTC out, milliseconds kept
        (datetime(2026, 11, 28, 2, 15, 7, 120000, tzinfo=UTC), "2026-11-28T02:15:07.120Z"),
        # Beijing time is converted to UTC
        (
            datetime(2026, 11, 28, 10, 15, 7, 120000, tzinfo=timezone(timedelta(hours=8))),
            "2026-11-28T02:15:07.120Z",
        ),
        # microseconds are truncated, not rounded
        (datetime(2026, 1, 1, 0, 0, 0, 999999, tzinfo=UTC), "2026-01-01T00:00:00.999Z"),
        # midnight on the new year
        (datetime(2027, 1, 1, tzinfo=UTC), "2027-01-01T00:00:00.000Z"),
    ],
)
def test_format_timestamp_gives_utc_milliseconds_when_given_aware_time(
    moment: datetime, text: str
) -> None:
    assert format_timestamp(moment) == text
    assert parse_timestamp(text) == moment.replace(microsecond=moment.microsecond // 1000 * 1000)


@pytest.mark.parametrize(
    "text",
    [
        # the wire example
        "2026-11-28T02:15:07.120Z",
        # the first and last millisecond of a day
        "2026-01-01T00:00:00.000Z",
        "2026-12-31T23:59:59.999Z",
    ],
)
def test_parse_timestamp_gives_utc_time_when_text_is_in_wire_form(text: str) -> None:
    moment = parse_timestamp(text)
    assert moment.tzinfo is UTC
    assert format_timestamp(moment) == text
    assert is_timestamp(text)


_NOT_WIRE_TIMESTAMPS = [
    # a trailing newline ("$" would let it through)
    "2026-11-28T02:15:07.120Z\n",
    # surrounding space
    " 2026-11-28T02:15:07.120Z",
    # another offset, even the same instant
    "2026-11-28T10:15:07.120+08:00",
    "2026-11-28T02:15:07.120+00:00",
    # no "Z", or a lower-case one
    "2026-11-28T02:15:07.120",
    "2026-11-28T02:15:07.120z",
    # seconds only, or microseconds
    "2026-11-28T02:15:07Z",
    "2026-11-28T02:15:07.120000Z",
    # a space for the "T"
    "2026-11-28 02:15:07.120Z",
    # digits that are not ASCII ("\d" would accept them)
    "２０２６-11-28T02:15:07.120Z",
    "٢٠٢٦-11-28T02:15:07.120Z",
    # not text at all
    None,
    1764296107120,
]


@pytest.mark.parametrize("text", _NOT_WIRE_TIMESTAMPS)
def test_parse_timestamp_raises_malformed_input_when_text_is_not_in_wire_form(text: Any) -> None:
    with pytest.raises(MalformedInput, match=r"is not of the form 2026-11-28T02:15:07\.120Z$"):
        parse_timestamp(text)


@pytest.mark.parametrize("text", _NOT_WIRE_TIMESTAMPS)
def test_is_timestamp_is_false_when_text_is_not_in_wire_form(text: Any) -> None:
    assert is_timestamp(text) is False


_IMPOSSIBLE_TIMESTAMPS = [
    # month 13
    "2026-13-01T00:00:00.000Z",
    # 30 February
    "2026-02-30T00:00:00.000Z",
    # hour 24 and a leap second
    "2026-11-28T24:00:00.000Z",
    "2026-12-31T23:59:60.000Z",
]


@pytest.mark.parametrize("text", _IMPOSSIBLE_TIMESTAMPS)
def test_parse_timestamp_raises_malformed_input_when_date_does_not_exist(text: str) -> None:
    with pytest.raises(MalformedInput):
        parse_timestamp(text)


@pytest.mark.parametrize("text", _IMPOSSIBLE_TIMESTAMPS)
def test_event_refuses_occurred_at_when_date_does_not_exist(text: str) -> None:
    with pytest.raises(LocalProtocolError, match="occurred_at"):
        make_event(occurred_at=text)


def test_format_timestamp_refuses_time_when_naive() -> None:
    with pytest.raises(LocalProtocolError, match="timezone-aware"):
        format_timestamp(datetime(2026, 11, 28, 2, 15))


def test_new_event_id_gives_lowercase_uuid7_when_called() -> None:
    ids = [new_event_id() for _ in range(50)]
    assert len(set(ids)) == len(ids)
    for text in ids:
        assert text == text.lower()
        assert uuid.UUID(text).version == 7
        make_event(event_id=text)


def test_schema_1_events_without_after_still_decode_as_written() -> None:
    old = replace(make_event(3), schema=1)
    line = encode_event(old)
    assert b'"after"' not in line
    assert decode_event(line) == old


def test_event_is_refused_when_after_does_not_match_its_schema() -> None:
    fields = json.loads(encode_event(make_event(3)))
    without_after = {k: v for k, v in fields.items() if k != "after"}
    with pytest.raises(MalformedInput, match="schema 2 event has exactly the fields"):
        decode_event(canonical_json(without_after))
    with pytest.raises(MalformedInput, match="schema 1 event"):
        decode_event(canonical_json({**fields, "schema": 1}))
    with pytest.raises(MalformedInput, match="after must be null or a lowercase UUID"):
        decode_event(canonical_json({**fields, "after": "not-a-uuid"}))
