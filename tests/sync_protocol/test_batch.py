"""Tests sync_protocol/_batch.py: build, seal, peek and open a batch, and every refusal."""

from __future__ import annotations

import hashlib
import json
import tracemalloc
from typing import Any

import pytest
import zstandard
from hypothesis import given, settings
from hypothesis import strategies as st

from sync_protocol import (
    GENESIS_HASH,
    MAX_BODY_SIZE,
    MAX_EVENTS_PER_BATCH,
    PROTOCOL_VERSION,
    SUITE_MLKEM768_X25519,
    SUITE_NATIONAL,
    SUITE_X25519,
    SUITES,
    BadSignature,
    BatchHeader,
    LocalProtocolError,
    MalformedInput,
    RemoteProtocolError,
    SignedBatch,
    UnsupportedVersion,
    WrongRecipient,
    build_batch,
    canonical_json,
    encode_event,
    peek_batch,
    read_batch,
    seal_batch,
)
from tests.sync_protocol.syncproto_helpers import (
    BATCH_SIGNATURE_CONTEXT,
    CREATED_AT,
    NODE_ID,
    join_frame,
    make_batch,
    make_event,
    make_events,
    make_frame,
    node_key,
    open_frame,
    payloads,
    reseal_with_header,
    seal_key,
    split_frame,
    township_text,
)

# HPKE overhead per suite: enc (the KEM ciphertext) plus the 16-byte Poly1305 tag.
SEAL_OVERHEAD = {
    SUITE_X25519: 32 + 16,
    SUITE_MLKEM768_X25519: 1120 + 16,
    # SM2 ciphertext of the SM4 key (C1 65 + C3 32 + C2 16), GCM nonce 12, GCM tag 16
    SUITE_NATIONAL: 65 + 32 + 16 + 12 + 16,
}


def _event_lists(draw: Any) -> list[Any]:
    count = draw(st.integers(1, 6))
    first_seq = draw(st.integers(1, 10**6))
    return [
        make_event(
            first_seq + offset,
            case_id=draw(township_text.filter(bool)),
            clerk_id=draw(township_text.filter(bool)),
            payload=draw(payloads),
        )
        for offset in range(count)
    ]


event_lists = st.composite(_event_lists)()


@pytest.mark.parametrize("suite", SUITES)
@settings(max_examples=60, deadline=None)
@given(events=event_lists, batch_seq=st.integers(1, 10**6))
def test_open_batch_gives_the_built_events_when_round_tripped(
    suite: str, events: list[Any], batch_seq: int
) -> None:
    batch = make_batch(events, batch_seq=batch_seq)
    blob = seal_batch(batch, seal_key(suite).public)
    sealed = peek_batch(blob)
    opened = open_frame(blob)
    assert (sealed.header, sealed.suite, sealed.signature) == (batch.header, suite, batch.signature)
    assert sealed.recipient_key_id == seal_key(suite).public.key_id
    assert list(opened.events) == events
    assert list(opened.lines) == [encode_event(e) for e in events]
    assert opened.batch == batch
    assert (opened.batch.header.first_seq, opened.batch.header.last_seq) == (
        events[0].seq,
        events[-1].seq,
    )


@pytest.mark.parametrize("suite", SUITES)
def test_seal_batch_lays_out_frame_as_specified_when_sealing(suite: str) -> None:
    batch = make_batch()
    blob = seal_batch(batch, seal_key(suite).public)
    prefix, clear, signature, sealed = split_frame(blob)
    assert prefix == b"TSYN\x01" + len(clear).to_bytes(2, "big")
    hop = {"recipient_key_id": seal_key(suite).public.key_id, "suite": suite}
    assert clear == canonical_json(json.loads(batch.header.encode()) | hop)
    assert signature == batch.signature
    assert len(sealed) == len(batch.body) + SEAL_OVERHEAD[suite]
    node_key().public.verify(signature, BATCH_SIGNATURE_CONTEXT + batch.header.encode(), what="t")


def test_build_batch_hashes_uncompressed_body_when_building() -> None:
    events = make_events(3)
    lines = [encode_event(e) for e in events]
    batch = make_batch(events)
    body = b"\n".join(lines)
    assert batch.header.body_hash == hashlib.sha256(body).hexdigest()
    assert batch.header.body_size == len(body)
    assert zstandard.ZstdDecompressor().decompress(batch.body) == body
    assert batch.header.batch_hash == hashlib.sha256(batch.header.encode()).hexdigest()
    assert batch.header.created_at == "2026-11-28T03:05:00.000Z"


@pytest.mark.parametrize("suite", SUITES)
@settings(max_examples=100, deadline=None)
@given(data=st.data())
def test_open_batch_refuses_frame_when_any_byte_is_flipped(suite: str, data: Any) -> None:
    blob = _small_frame(suite)
    index = data.draw(st.integers(0, len(blob) - 1), label="index")
    mask = data.draw(st.integers(1, 255), label="xor mask")
    tampered = bytearray(blob)
    tampered[index] ^= mask
    with pytest.raises(RemoteProtocolError):
        open_frame(bytes(tampered))


_SMALL_FRAMES: dict[str, bytes] = {}


def _small_frame(suite: str) -> bytes:
    """One event, one frame per suite, made once per run."""
    if suite not in _SMALL_FRAMES:
        _SMALL_FRAMES[suite] = make_frame(suite, [make_event(1, payload={"name": "阿依"})])
    return _SMALL_FRAMES[suite]


@pytest.mark.parametrize("suite", SUITES)
def test_open_batch_refuses_frame_when_each_byte_in_turn_is_flipped(suite: str) -> None:
    blob = _small_frame(suite)
    accepted = []
    for index in range(len(blob)):
        tampered = bytearray(blob)
        tampered[index] ^= 0x01
        try:
            open_frame(bytes(tampered))
        except RemoteProtocolError:
            continue
        accepted.append(index)
    assert accepted == []


@pytest.mark.parametrize("suite", SUITES)
def test_open_batch_refuses_frame_when_truncated_at_any_length(suite: str) -> None:
    blob = _small_frame(suite)
    for length in range(len(blob)):
        with pytest.raises(MalformedInput):
            open_frame(blob[:length])


@pytest.mark.parametrize("suite", SUITES)
def test_open_batch_refuses_frame_when_bytes_are_appended(suite: str) -> None:
    with pytest.raises(MalformedInput, match="authentication"):
        open_frame(_small_frame(suite) + b"\x00")


@pytest.mark.parametrize(
    ("hub", "suite", "reason"),
    [
        # the hub holds no key at all
        ({}, SUITE_X25519, "configured for no suite only"),
        # the hub holds another X25519 key
        ({"other": seal_key(SUITE_X25519, "prefecture")}, SUITE_X25519, "sealed to key"),
        # the hub holds only the other suite's key
        ({"x": seal_key(SUITE_MLKEM768_X25519)}, SUITE_X25519, "configured for hpke-mlkem"),
        # the same for a batch sealed with the hybrid suite
        ({"x": seal_key(SUITE_X25519)}, SUITE_MLKEM768_X25519, "configured for hpke-x25519"),
        # a national-suite hub and an X25519 batch, and the other way round
        ({"x": seal_key(SUITE_NATIONAL)}, SUITE_X25519, f"configured for {SUITE_NATIONAL} only"),
        ({"x": seal_key(SUITE_X25519)}, SUITE_NATIONAL, "configured for hpke-x25519"),
    ],
)
def test_open_batch_raises_wrong_recipient_when_hub_lacks_the_key(
    hub: dict[str, Any], suite: str, reason: str
) -> None:
    keys = {key.public.key_id: key for key in hub.values()}
    with pytest.raises(WrongRecipient, match=reason):
        open_frame(make_frame(suite), recipient_keys=keys)


def test_open_batch_raises_wrong_recipient_when_suite_field_names_another_suite() -> None:
    blob = make_frame(SUITE_X25519)
    _, clear, signature, sealed = split_frame(blob)
    fields = json.loads(clear) | {"suite": SUITE_MLKEM768_X25519}
    with pytest.raises(WrongRecipient):
        open_frame(join_frame(canonical_json(fields), signature, sealed))


def test_open_batch_raises_bad_signature_when_sender_is_another_node() -> None:
    with pytest.raises(BadSignature, match="names signing key"):
        open_frame(make_frame(), sender=node_key("another node").public)


def test_open_batch_raises_bad_signature_when_forger_names_the_enrolled_key() -> None:
    honest = make_batch()
    forged_signature = node_key("forger").sign(BATCH_SIGNATURE_CONTEXT + honest.header.encode())
    forged = SignedBatch(honest.header, forged_signature, honest.body)
    with pytest.raises(BadSignature, match="does not verify"):
        open_frame(seal_batch(forged, seal_key().public))


def _tampered(field: str, value: Any) -> bytes:
    """The small frame with one clear-header field changed and its body sealed again."""
    blob = _small_frame(SUITE_X25519)
    _, clear, _, _ = split_frame(blob)
    body = make_batch([make_event(1, payload={"name": "阿依"})]).body
    return reseal_with_header(blob, json.loads(clear) | {field: value}, body)


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        # replaying a batch under another sequence number
        ("batch_seq", 2, BadSignature),
        # splicing it onto another chain
        ("prev_hash", "f" * 64, BadSignature),
        # backdating it
        ("created_at", "2025-01-01T00:00:00.000Z", BadSignature),
        # pointing the signature at another body
        ("body_hash", "e" * 64, BadSignature),
        # claiming another body size
        ("body_size", 1, BadSignature),
        # moving it to another node
        ("node_id", "513431102-ffffffff", BadSignature),
        # claiming another signing key (the enrolled key no longer matches)
        ("sender_key_id", "0" * 16, BadSignature),
        # a signing key id that is not a key id at all
        ("sender_key_id", "21FE31DFA154A261", MalformedInput),
        ("sender_key_id", "", MalformedInput),
        # a creation time that is not a wire timestamp
        ("created_at", "2026-11-28T03:05:00Z", MalformedInput),
        ("created_at", "2026-11-28T03:05:00.000Z\n", MalformedInput),
        ("created_at", 1764299100000, MalformedInput),
        # shifting its events
        ("first_seq", 2, MalformedInput),
        ("last_seq", 2, MalformedInput),
        ("event_count", 2, MalformedInput),
        # another compression
        ("compression", "gzip", MalformedInput),
        # an older protocol number that no reader accepts
        ("protocol", 0, MalformedInput),
        # a newer one: the reader must be upgraded first
        ("protocol", PROTOCOL_VERSION + 1, UnsupportedVersion),
        # a field no version of the protocol defines
        ("priority", "high", MalformedInput),
    ],
)
def test_open_batch_refuses_frame_when_a_header_field_is_tampered(
    field: str, value: Any, error: type[Exception]
) -> None:
    with pytest.raises(error):
        open_frame(_tampered(field, value))


def test_open_batch_refuses_frame_when_hop_field_is_rewritten_without_resealing() -> None:
    blob = make_frame(SUITE_X25519)
    _, clear, signature, sealed = split_frame(blob)
    other = seal_key(SUITE_X25519, "prefecture")
    fields = json.loads(clear) | {"recipient_key_id": other.public.key_id}
    keys = {other.public.key_id: other, seal_key().public.key_id: seal_key()}
    # Signature still verifies (hop fields are unsigned) but HPKE info no longer matches.
    with pytest.raises(MalformedInput, match="authentication"):
        open_frame(join_frame(canonical_json(fields), signature, sealed), recipient_keys=keys)


@pytest.mark.parametrize(
    "version",
    [
        # the next frame version
        2,
        # the last one a byte can hold
        255,
        # zero was never used
        0,
    ],
)
def test_peek_batch_raises_unsupported_version_when_frame_version_unknown(version: int) -> None:
    _, clear, signature, sealed = split_frame(make_frame())
    with pytest.raises(UnsupportedVersion, match="frame version"):
        peek_batch(join_frame(clear, signature, sealed, version=version))


def test_peek_batch_raises_unsupported_version_when_protocol_is_newer() -> None:
    blob = make_frame()
    _, clear, signature, sealed = split_frame(blob)
    fields = json.loads(clear) | {"protocol": PROTOCOL_VERSION + 1, "future_field": 1}
    with pytest.raises(UnsupportedVersion, match="protocol version 2"):
        peek_batch(join_frame(canonical_json(fields), signature, sealed))


def test_peek_batch_names_the_bad_header_field_once_when_a_field_is_invalid() -> None:
    blob = make_frame()
    _, clear, signature, sealed = split_frame(blob)
    fields = json.loads(clear) | {"batch_seq": -1}
    with pytest.raises(MalformedInput) as caught:
        peek_batch(join_frame(canonical_json(fields), signature, sealed))
    assert caught.value.message.count("invalid batch header") == 1, caught.value.message
    assert "batch_seq" in caught.value.message


def _json_bytes(fields: dict[str, Any]) -> bytes:
    """Sorted, compact JSON, as canonical_json would write it if it accepted the value."""
    return json.dumps(fields, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


@pytest.mark.parametrize(
    "extra",
    [
        # an integer beyond 2**53 - 1
        {"batch_seq": 2**60},
        # a non-ASCII key
        {"名": 1},
    ],
)
def test_peek_batch_raises_malformed_input_when_clear_header_has_no_canonical_form(
    extra: dict[str, Any],
) -> None:
    with pytest.raises(MalformedInput):
        peek_batch(_frame_with_clear(_json_bytes(_clear_fields() | extra)))


def _frame_with_clear(clear: bytes) -> bytes:
    _, _, signature, sealed = split_frame(make_frame())
    return join_frame(clear, signature, sealed)


def _clear_fields() -> dict[str, Any]:
    return json.loads(split_frame(make_frame())[1])


@pytest.mark.parametrize(
    "blob",
    [
        # empty
        b"",
        # wrong magic
        b"TSYM" + make_frame()[4:],
        # shorter than the fixed prefix
        b"TSYN\x01\x00",
        # header length beyond the 4096-byte limit
        b"TSYN\x01\x10\x01" + b"{" * 4097 + b"\x00" * 64,
        # header not JSON
        _frame_with_clear(b"not json"),
        # header JSON but not an object
        _frame_with_clear(b"[1]"),
        # header with insignificant whitespace (not canonical)
        _frame_with_clear(json.dumps(_clear_fields(), sort_keys=True).encode()),
        # header with keys out of order (not canonical)
        _frame_with_clear(json.dumps(dict(reversed(_clear_fields().items()))).encode()),
        # header without its hop fields
        _frame_with_clear(
            canonical_json({k: v for k, v in _clear_fields().items() if k != "suite"})
        ),
        # a hop field of the wrong type
        _frame_with_clear(canonical_json(_clear_fields() | {"recipient_key_id": 7})),
    ],
)
def test_peek_batch_raises_malformed_input_when_frame_is_not_a_batch(blob: bytes) -> None:
    with pytest.raises(MalformedInput):
        peek_batch(blob)


def _sealed_with_body(compressed: bytes) -> bytes:
    """A frame with the node's real header and signature but another compressed body."""
    honest = make_batch()
    return seal_batch(SignedBatch(honest.header, honest.signature, compressed), seal_key().public)


def _compress(body: bytes) -> bytes:
    return zstandard.ZstdCompressor(level=3).compress(body)


_HONEST_BODY = b"\n".join(encode_event(e) for e in make_events(3))


@pytest.mark.parametrize(
    ("compressed", "message"),
    [
        # same length, one byte different: body_hash catches it
        (_compress(_HONEST_BODY[:-2] + b"0}"), "body_hash"),
        # the honest body with one more event line
        (_compress(_HONEST_BODY + b"\n" + encode_event(make_event(4))), "body_hash"),
        # the honest body cut short
        (_compress(_HONEST_BODY[:-1]), "body_hash"),
        # not zstd at all
        (_HONEST_BODY, "decompress"),
        # nothing
        (b"", "decompress"),
    ],
)
def test_open_batch_raises_malformed_input_when_body_does_not_match_body_hash(
    compressed: bytes, message: str
) -> None:
    with pytest.raises(MalformedInput, match=message):
        open_frame(_sealed_with_body(compressed))


def _compress_unsized(body: bytes) -> bytes:
    """One zstd frame that does not declare its content size, as a streaming writer makes."""
    return zstandard.ZstdCompressor(level=3, write_content_size=False).compress(body)


def test_open_batch_raises_malformed_input_when_zstd_frame_does_not_declare_its_size() -> None:
    # The spec requires the declared size: only then does zstd itself bound the output.
    compressed = _compress_unsized(_HONEST_BODY)
    assert zstandard.get_frame_parameters(compressed).content_size == zstandard.CONTENTSIZE_UNKNOWN
    with pytest.raises(MalformedInput, match="declares"):
        open_frame(_sealed_with_body(compressed))


def _peak_memory_while_refusing(blob: bytes) -> int:
    tracemalloc.start()
    try:
        with pytest.raises(MalformedInput):
            open_frame(blob)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_open_batch_refuses_body_before_inflating_it_when_unsized_frame_exceeds_body_size() -> None:
    bomb = _compress_unsized(b"\x00" * (64 << 20))
    assert _peak_memory_while_refusing(_sealed_with_body(bomb)) < 8 << 20


def test_open_batch_refuses_body_before_inflating_it_when_it_declares_more_than_body_size() -> None:
    bomb = _compress(b"\x00" * (64 << 20))
    assert zstandard.get_frame_parameters(bomb).content_size == 64 << 20
    assert _peak_memory_while_refusing(_sealed_with_body(bomb)) < 8 << 20


@pytest.mark.parametrize(
    "extra",
    [
        # garbage after the frame
        pytest.param(b"\x00" * 64, id="garbage"),
        # a second, valid zstd frame
        pytest.param(_compress(b"more"), id="second-frame"),
    ],
)
def test_open_batch_raises_malformed_input_when_bytes_follow_the_zstd_frame(extra: bytes) -> None:
    with pytest.raises(MalformedInput):
        open_frame(_sealed_with_body(_compress(_HONEST_BODY) + extra))


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        # an event of another node inside this node's batch
        ([encode_event(make_event(1, node_id="513431102-ffffffff"))], "expected node"),
        # events out of order
        ([encode_event(make_event(2)), encode_event(make_event(1))], "seq"),
        # a gap inside the batch
        ([encode_event(make_event(1)), encode_event(make_event(3))], "seq"),
        # a line that is not an event
        ([b'{"hello":"world"}'], "fields"),
    ],
)
def test_read_batch_raises_malformed_input_when_events_do_not_match_header(
    lines: list[bytes], message: str
) -> None:
    # build_batch signs whatever lines it is given; the reader is where they are checked.
    batch = build_batch(
        lines,
        node_id=NODE_ID,
        first_seq=1,
        batch_seq=1,
        prev_hash=GENESIS_HASH,
        signing_key=node_key(),
        created_at=CREATED_AT,
    )
    with pytest.raises(MalformedInput, match=message):
        read_batch(batch)
    with pytest.raises(MalformedInput, match=message):
        open_frame(seal_batch(batch, seal_key().public))


@pytest.mark.parametrize("suite", SUITES)
def test_open_batch_keeps_node_signature_when_county_reseals_to_prefecture(suite: str) -> None:
    county, prefecture = seal_key(SUITE_X25519, "county"), seal_key(suite, "prefecture")
    at_county = open_frame(make_frame(SUITE_X25519), recipient_keys={county.public.key_id: county})
    forwarded = seal_batch(at_county.batch, prefecture.public)
    at_prefecture = open_frame(forwarded, recipient_keys={prefecture.public.key_id: prefecture})
    assert at_prefecture.batch == at_county.batch
    assert at_prefecture.batch.header.batch_hash == make_batch().header.batch_hash
    assert at_prefecture.events == at_county.events
    with pytest.raises(WrongRecipient):
        open_frame(forwarded, recipient_keys={county.public.key_id: county})


def _header(**changes: Any) -> BatchHeader:
    fields = json.loads(make_batch().header.encode()) | changes
    return BatchHeader(**fields)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        # counts that do not add up
        ({"event_count": 2}, "event_count must equal"),
        # over the per-batch event limit
        (
            {
                "first_seq": 1,
                "last_seq": MAX_EVENTS_PER_BATCH + 1,
                "event_count": MAX_EVENTS_PER_BATCH + 1,
            },
            "at most",
        ),
        # over the body size limit
        ({"body_size": MAX_BODY_SIZE + 1}, "body_size is over"),
        # hashes are 64 lowercase hex digits
        ({"prev_hash": "A" * 64}, "prev_hash"),
        ({"body_hash": "0" * 63}, "body_hash"),
        # only zstd
        ({"compression": "none"}, "compression"),
        # a node id is required
        ({"node_id": ""}, "node_id"),
        # protocol and counters are positive integers
        ({"protocol": 0}, "protocol"),
        # a protocol newer than this code
        ({"protocol": PROTOCOL_VERSION + 1}, "protocol 2 is newer"),
        # created_at is a wire timestamp
        ({"created_at": "2026-11-28T03:05:00Z"}, "created_at"),
        ({"created_at": "2026-11-28T11:05:00.000+08:00"}, "created_at"),
        ({"created_at": "2026-11-28T03:05:00.000Z\n"}, "created_at"),
        ({"created_at": None}, "created_at"),
        # sender_key_id is 16 lowercase hex digits
        ({"sender_key_id": "21FE31DFA154A261"}, "sender_key_id"),
        ({"sender_key_id": "21fe31dfa154a26"}, "sender_key_id"),
        ({"sender_key_id": "21fe31dfa154a261\n"}, "sender_key_id"),
        ({"sender_key_id": 7}, "sender_key_id"),
        ({"batch_seq": 0}, "batch_seq"),
        ({"first_seq": "1"}, "first_seq"),
        ({"body_size": True}, "body_size"),
    ],
)
def test_batch_header_refuses_fields_when_invalid(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(LocalProtocolError, match=message):
        _header(**changes)


def test_batch_header_decode_reads_back_when_given_encode_output() -> None:
    header = make_batch().header
    assert BatchHeader.decode(header.encode()) == header


def test_batch_header_decode_raises_unsupported_version_when_protocol_is_newer() -> None:
    data = canonical_json(json.loads(make_batch().header.encode()) | {"protocol": 2})
    with pytest.raises(UnsupportedVersion):
        BatchHeader.decode(data)


@pytest.mark.parametrize(
    "data",
    [
        # whitespace: not canonical
        b'{"a": 1}',
        # a list
        b"[]",
        # canonical but missing every field
        b"{}",
        # canonical, with a creation time that is not a wire timestamp
        canonical_json(json.loads(make_batch().header.encode()) | {"created_at": "now"}),
    ],
)
def test_batch_header_decode_raises_malformed_input_when_not_a_canonical_header(
    data: bytes,
) -> None:
    with pytest.raises(MalformedInput):
        BatchHeader.decode(data)


def test_build_batch_refuses_lines_when_empty() -> None:
    with pytest.raises(LocalProtocolError, match="at least one event"):
        build_batch(
            [],
            node_id=NODE_ID,
            first_seq=1,
            batch_seq=1,
            prev_hash=GENESIS_HASH,
            signing_key=node_key(),
        )
