"""Tests sync_protocol/_codec.py: canonical JSON, strict parsing, base64url."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sync_protocol import (
    LocalProtocolError,
    MalformedInput,
    b64decode,
    b64encode,
    canonical_json,
    parse_json,
)
from tests.sync_protocol.syncproto_helpers import payloads


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        # keys sorted, no whitespace at any depth
        ({"b": 1, "a": {"d": [3, 2], "c": None}}, b'{"a":{"c":null,"d":[3,2]},"b":1}'),
        # Han, Yi and the middle dot travel as raw UTF-8, never \u escapes
        ({"name": "吉克·阿依", "yi": "ꆈꌠ"}, '{"name":"吉克·阿依","yi":"ꆈꌠ"}'.encode()),
        # control characters are escaped, short forms where JSON has them, else \u00xx
        ({"s": "a\nb\t\x00\x1f"}, b'{"s":"a\\nb\\t\\u0000\\u001f"}'),
        # quote and backslash escaped; solidus and DEL left alone
        ({"s": '"\\/\x7f'}, b'{"s":"\\"\\\\/\x7f"}'),
        # booleans, null, negative and large integers (up to ±(2**53 - 1) for every reader)
        ([True, False, None, -7, 2**53 - 1], b"[true,false,null,-7,9007199254740991]"),
        (-(2**53) + 1, b"-9007199254740991"),
        # non-ASCII text is fine as a value, only keys must be ASCII
        ({"note": "ꆈꌠ"}, '{"note":"ꆈꌠ"}'.encode()),
        # a tuple encodes as an array
        ((1, 2), b"[1,2]"),
        # empty containers
        ({"a": {}, "b": []}, b'{"a":{},"b":[]}'),
        # a bare string is a valid document too
        ("凉山", '"凉山"'.encode()),
    ],
)
def test_canonical_json_gives_one_byte_form_when_encoding(value: Any, expected: bytes) -> None:
    assert canonical_json(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        # any float, even an integral one: money is integer fen
        1.0,
        # a float hidden deep inside
        {"a": [{"b": 0.5}]},
        # NaN and the infinities are not JSON at all
        float("nan"),
        {"x": float("inf")},
        [float("-inf")],
        # types JSON cannot carry
        {1, 2},
        b"bytes",
        object(),
        # a lone surrogate cannot be UTF-8
        "\ud800",
        # integers beyond ±(2**53 - 1), which readers in other languages round
        2**53,
        -(2**53),
        {"fee_fen": [2**64]},
        # non-ASCII keys: RFC 8785 sorts them by UTF-16 unit, Python by code point
        {"名": 1},
        {"a": {"𝒳": 1, "ｚ": 2}},
        # keys that are not text: json would quietly turn them into text
        {1: "a"},
        {True: "a"},
        {None: "a"},
    ],
)
def test_canonical_json_refuses_value_when_not_representable(value: Any) -> None:
    with pytest.raises(LocalProtocolError):
        canonical_json(value)


@settings(max_examples=100, deadline=None)
@given(payloads)
def test_canonical_json_is_stable_when_reparsed(payload: dict[str, Any]) -> None:
    encoded = canonical_json(payload)
    assert parse_json(encoded, what="payload") == payload
    assert canonical_json(parse_json(encoded, what="payload")) == encoded
    assert encoded == json.dumps(
        payload, ensure_ascii=False, sort_keys=True, separators=(",", ":")
    ).encode("utf-8")


@pytest.mark.parametrize(
    "text",
    [
        # a fraction
        b"1.5",
        # an exponent makes a float too
        b"1e3",
        # floats inside objects
        b'{"fee": 12.50}',
        # the non-standard constants Python would otherwise accept
        b"NaN",
        b"Infinity",
        b"[-Infinity]",
        # not UTF-8
        b'"\xff"',
        # not JSON
        b"{'a': 1}",
        b"",
        # trailing garbage after a value
        b'{"a":1} x',
    ],
)
def test_parse_json_refuses_text_when_not_strict_json(text: bytes) -> None:
    with pytest.raises(MalformedInput, match=r"^receipt is not valid JSON"):
        parse_json(text, what="receipt")


@pytest.mark.parametrize(
    "text",
    [
        # bytes are decoded as UTF-8
        '{"名":"阿依"}'.encode(),
        # str is taken as is
        '{"名":"阿依"}',
    ],
)
def test_parse_json_reads_object_when_given_bytes_or_str(text: bytes | str) -> None:
    assert parse_json(text, what="x") == {"名": "阿依"}


@pytest.mark.parametrize(
    ("raw", "text"),
    [
        # empty input, empty text
        (b"", ""),
        # one byte: two characters, padding dropped
        (b"\x00", "AA"),
        # two bytes: three characters
        (b"\x00\x00", "AAA"),
        # three bytes: four characters, no padding needed
        (b"\x00\x00\x00", "AAAA"),
        # the URL-safe alphabet: - and _ instead of + and /
        (b"\xfb\xff\xbf", "-_-_"),
    ],
)
def test_b64encode_gives_unpadded_urlsafe_text_when_encoding(raw: bytes, text: str) -> None:
    assert b64encode(raw) == text
    assert b64decode(text, what="x") == raw


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=96))
def test_b64decode_round_trips_when_given_b64encode_output(raw: bytes) -> None:
    text = b64encode(raw)
    assert "=" not in text
    assert b64decode(text, what="x") == raw


@pytest.mark.parametrize(
    "text",
    [
        # a length of 1 mod 4 is never base64
        "A",
        "AAAAA",
        # not a string at all
        None,
        7,
        b"AAAA",
        # characters outside any base64 alphabet
        "!!!!",
        "AA AA",
        "ＡＡＡＡ",
        # the standard alphabet's + and /
        "AB+/",
        # padding, which the wire form never carries
        "AA==",
        "AAA=",
        # a trailing newline
        "AAAA\n",
        # non-zero pad bits: "QR" and "AAB" are other spellings of what "QQ" and "AAA" encode
        "QR",
        "AAB",
    ],
)
def test_b64decode_raises_malformed_input_when_text_is_not_canonical_base64url(
    text: Any,
) -> None:
    with pytest.raises(MalformedInput, match=r"^signature is not (unpadded|canonical) base64url$"):
        b64decode(text, what="signature")


@pytest.mark.parametrize(
    "text",
    [
        # a lone high surrogate
        b'"\\ud800"',
        # a lone low surrogate inside an event payload
        b'{"note":"\\udc00"}',
        # a high surrogate followed by no low one
        b'["\\uD83D x"]',
        # a raw lone surrogate in text handed over as str
        '"\ud800"',
    ],
)
def test_parse_json_refuses_text_when_it_escapes_a_lone_surrogate(text: bytes | str) -> None:
    with pytest.raises(MalformedInput, match="surrogate"):
        parse_json(text, what="event")


def test_parse_json_reads_an_escaped_surrogate_pair_as_the_one_character_it_encodes() -> None:
    value = parse_json(b'{"note":"\\ud83d\\ude00 \\\\ud800"}', what="event")
    assert value == {"note": "\U0001f600 \\ud800"}
    assert parse_json(canonical_json(value), what="event") == value
