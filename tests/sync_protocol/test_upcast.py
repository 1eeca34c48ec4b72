"""Each upcast step, and the node software check, on real old-format input.

The old-format events are the spec's vectors (docs/protocol.md §15): a schema 1 batch sealed
to the vector recipient, exactly as a node of the first release wrote it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sync_protocol import (
    ACCEPTED_EVENT_SCHEMAS,
    EVENT_SCHEMA_VERSION,
    EVENT_UPCASTS,
    SUITE_X25519,
    Event,
    LocalProtocolError,
    NodeTooOld,
    SealPrivateKey,
    SigningKey,
    UnsupportedVersion,
    check_node_software,
    decode_event,
    encode_event,
    open_batch,
    parse_json,
    parse_software,
    peek_batch,
    read_batch,
    upcast_batch,
    upcast_event,
    upcast_event_fields_1_to_2,
)

VECTORS = json.loads((Path(__file__).parent / "vectors.json").read_text(encoding="utf-8"))
KEYS = VECTORS["keys"]


def _vector_batch():
    recipient = SealPrivateKey(SUITE_X25519, bytes.fromhex(KEYS["recipient_x25519_private_hex"]))
    node = SigningKey.from_raw(bytes.fromhex(KEYS["node_signing_seed_hex"]))
    sealed = peek_batch(bytes.fromhex(VECTORS["frames"]["x25519"]["frame_hex"]))
    return open_batch(
        sealed, recipient_keys={recipient.public.key_id: recipient}, sender=node.public
    )


def test_hub_accepts_current_event_schema_and_the_two_before_it() -> None:
    expected = range(max(1, EVENT_SCHEMA_VERSION - 2), EVENT_SCHEMA_VERSION + 1)
    assert tuple(expected) == ACCEPTED_EVENT_SCHEMAS
    # Every accepted older schema has its step to the next one.
    assert all(v in EVENT_UPCASTS for v in ACCEPTED_EVENT_SCHEMAS if v < EVENT_SCHEMA_VERSION)


@pytest.mark.parametrize("index", range(3))
def test_upcast_1_to_2_adds_a_null_after_and_keeps_every_other_member(index: int) -> None:
    line = bytes.fromhex(VECTORS["events"][index]["canonical_hex"])
    old = parse_json(line, what="event")
    assert old["schema"] == 1 and "after" not in old

    new = upcast_event_fields_1_to_2(old)

    assert new["schema"] == 2 and new["after"] is None
    assert {k: v for k, v in new.items() if k not in ("schema", "after")} == {
        k: v for k, v in old.items() if k != "schema"
    }
    assert "after" not in old  # the input is not changed in place
    # The result is a valid schema 2 event, which round-trips through the wire form.
    assert decode_event(encode_event(Event(**new))) == Event(**new)


def test_upcast_1_to_2_refuses_an_event_that_is_not_schema_1() -> None:
    line = bytes.fromhex(VECTORS["events"][0]["canonical_hex"])
    current = upcast_event_fields_1_to_2(parse_json(line, what="event"))
    with pytest.raises(LocalProtocolError, match="schema 1"):
        upcast_event_fields_1_to_2(current)


def test_upcast_event_leaves_a_current_event_as_it_is() -> None:
    old = decode_event(bytes.fromhex(VECTORS["events"][1]["canonical_hex"]))
    current = upcast_event(old)
    assert upcast_event(current) is current
    assert (current.schema, current.after) == (2, None)
    assert (current.event_id, current.payload) == (old.event_id, old.payload)


def test_upcast_event_refuses_a_schema_newer_than_it_reads() -> None:
    line = bytes.fromhex(VECTORS["events"][0]["canonical_hex"])
    event = decode_event(line)
    object.__setattr__(event, "schema", EVENT_SCHEMA_VERSION + 1)  # as a future node wrote it
    with pytest.raises(UnsupportedVersion, match=r"accepts schemas 1\.\.2"):
        upcast_event(event)


def test_upcast_batch_gives_current_events_and_keeps_the_signed_lines() -> None:
    opened = _vector_batch()
    assert {e.schema for e in opened.events} == {1}

    current = upcast_batch(opened)

    assert {e.schema for e in current.events} == {EVENT_SCHEMA_VERSION}
    assert [e.event_id for e in current.events] == [e.event_id for e in opened.events]
    # The signed bytes are untouched, so the batch still verifies against its header.
    assert current.lines == opened.lines
    assert current.batch == opened.batch
    assert read_batch(current.batch).events == opened.events
    assert upcast_batch(current) is current


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("township-node/0.1.0", ("township-node", (0, 1, 0))),
        ("township-node/0.2", ("township-node", (0, 2))),
        ("township-node/0.2.0rc1", ("township-node", (0, 2, 0))),
        ("township-node/1.0.0+uos", ("township-node", (1, 0, 0))),
        ("python-httpx/0.28.1", ("python-httpx", (0, 28, 1))),
        ("township-node", None),
        ("township-node/abc", None),
        ("", None),
    ],
)
def test_parse_software_reads_product_and_release(text: str, expected: object) -> None:
    assert parse_software(text) == expected


def test_node_below_the_minimum_is_told_in_plain_words() -> None:
    with pytest.raises(NodeTooOld) as caught:
        check_node_software("township-node/0.1.0", "0.2.0")
    error = caught.value
    assert (error.code, error.http_status) == ("node_too_old", 426)
    assert "runs township-node 0.1.0" in error.message
    assert "only from township-node 0.2.0 on" in error.message
    assert "Nothing was lost" in error.message
    assert "0.2.0 or newer" in error.hint


@pytest.mark.parametrize(
    ("header", "minimum"),
    [
        ("township-node/0.2.0", "0.2.0"),  # equal
        ("township-node/0.2", "0.2.0"),  # same release, fewer parts
        ("township-node/0.10.0", "0.9.1"),  # numeric, not text, order
        ("township-node/0.0.1", ""),  # no minimum configured
        (None, "9.0.0"),  # no header: another hub forwarding, an admin tool
        ("central-hub/0.0.1", "9.0.0"),  # not a node
    ],
)
def test_node_at_or_above_the_minimum_or_not_a_node_is_accepted(
    header: str | None, minimum: str
) -> None:
    check_node_software(header, minimum)


def test_node_with_an_unreadable_version_is_refused_as_too_old() -> None:
    with pytest.raises(NodeTooOld, match="unreadable"):
        check_node_software("township-node/dev", "0.2.0")


def test_minimum_that_is_not_a_version_is_a_configuration_error() -> None:
    with pytest.raises(LocalProtocolError, match=r"not like 0\.2\.0"):
        check_node_software("township-node/0.1.0", "latest")
