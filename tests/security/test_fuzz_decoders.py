"""Hypothesis over every sync_protocol decoder: any bytes or JSON value a peer can send is
either read or refused with a RemoteProtocolError (the documented peer-input error), never
another exception. tests/sync_protocol checks chosen corruptions of valid objects; this adds
arbitrary input for each decoder, and random edits of valid frames and pages."""

from __future__ import annotations

import contextlib
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sync_protocol import (
    GENESIS_HASH,
    BatchHeader,
    Cursor,
    Event,
    FeedEntry,
    FeedPage,
    FeedRequest,
    HubInfo,
    LocalProtocolError,
    NodeRegistration,
    Receipt,
    RemoteProtocolError,
    SealPrivateKey,
    SignedDocument,
    SigningKey,
    b64decode,
    build_batch,
    decode_event,
    encode_event,
    open_batch,
    open_feed_page,
    parse_json,
    peek_batch,
    seal_batch,
    seal_feed_page,
    sign_document,
    verify_document,
    verify_enrollment_request,
)

SHORT = settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
LONG = settings(max_examples=5000, deadline=None, suppress_health_check=list(HealthCheck))

NODE_KEY, HUB_KEY = SigningKey.generate(), SigningKey.generate()
HUB_SEAL, NODE_SEAL = SealPrivateKey.generate(), SealPrivateKey.generate()
NODE_ID = "513431100-w1-0190b1a0"

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.text(max_size=20)
    | st.sampled_from(["", "1", "applied", GENESIS_HASH, "2026-11-28T00:00:00.000Z"]),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                ["kind", "body", "signer_key_id", "signature", "node_id", "seq", "status", "x"]
            )
            | st.text(max_size=8),
            inner,
            max_size=6,
        )
    ),
    max_leaves=20,
)
# Documents shaped like signed ones, so decoding gets past the outer checks.
signed_shapes = st.fixed_dictionaries(
    {
        "kind": st.sampled_from(["receipt", "cursor", "hub_info", "feed_request", "x"]),
        "body": st.dictionaries(st.text(max_size=12), json_values, max_size=8),
        "signer_key_id": st.sampled_from([HUB_KEY.public.key_id, NODE_KEY.public.key_id, ""]),
        "signature": st.sampled_from(["", "AAAA", "A" * 86]) | st.text(max_size=90),
    }
)


def _event(seq: int) -> Event:
    return Event(
        event_id=f"0190b1a0-0000-7000-8000-{seq:012d}",
        node_id=NODE_ID,
        seq=seq,
        case_id="case-1",
        type="accept",
        occurred_at="2026-11-28T01:00:00.000Z",
        clerk_id="clerk-1",
        payload={"applicant_name": "吉克·阿依"},
    )


FRAME = seal_batch(
    build_batch(
        [encode_event(_event(n)) for n in (1, 2, 3)],
        node_id=NODE_ID,
        first_seq=1,
        batch_seq=1,
        prev_hash=GENESIS_HASH,
        signing_key=NODE_KEY,
    ),
    HUB_SEAL.public,
)
PAGE = seal_feed_page(
    FeedPage(
        hub_id="hub-1",
        node_id=NODE_ID,
        center_code="513431100",
        after=0,
        next=1,
        more=False,
        entries=(FeedEntry(position=1, center="513431101", event=_event(1)),),
        resend_from=0,
        issued_at="2026-11-28T01:00:00.000Z",
    ),
    HUB_KEY,
    NODE_SEAL.public,
)


@st.composite
def edited(draw: st.DrawFn, original: bytes) -> bytes:
    """`original` with a few random flips, cuts, insertions or deletions."""
    data = bytearray(original)
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, max(len(data) - 1, 0)))
        match draw(st.sampled_from(["flip", "cut", "insert", "delete"])):
            case "flip" if data:
                data[at] ^= draw(st.integers(1, 255))
            case "cut":
                del data[at:]
            case "insert":
                data[at:at] = draw(st.binary(min_size=1, max_size=8))
            case "delete" if data:
                del data[at : at + draw(st.integers(1, 8))]
    return bytes(data)


def _read_or_refuse(decode: Any, value: Any) -> None:
    with contextlib.suppress(RemoteProtocolError):
        decode(value)


def _open_frame(blob: bytes) -> None:
    open_batch(
        peek_batch(blob), recipient_keys={HUB_SEAL.public.key_id: HUB_SEAL}, sender=NODE_KEY.public
    )


def _open_page(blob: bytes) -> None:
    open_feed_page(blob, node_id=NODE_ID, key=NODE_SEAL, hub_key=HUB_KEY.public)


BYTE_DECODERS = {
    "parse_json": lambda b: parse_json(b, what="input"),
    "peek_batch": peek_batch,
    "open_batch": _open_frame,
    "BatchHeader.decode": BatchHeader.decode,
    "decode_event": decode_event,
    "open_feed_page": _open_page,
}
JSON_DECODERS = {
    "SignedDocument.from_dict": SignedDocument.from_dict,
    "NodeRegistration.from_dict": NodeRegistration.from_dict,
    "b64decode": lambda v: b64decode(v, what="input"),
    "verify_enrollment_request": lambda v: verify_enrollment_request(b"k" * 32, v, "mac"),
}
DOCUMENT_DECODERS = {
    "Receipt.verify": lambda d: Receipt.verify(d, HUB_KEY.public),
    "Cursor.verify": lambda d: Cursor.verify(d, HUB_KEY.public),
    "HubInfo.from_signed": HubInfo.from_signed,
    "FeedRequest.verify": lambda d: FeedRequest.verify(d, NODE_KEY.public),
    "FeedRequest.node_of": FeedRequest.node_of,
    "verify_document": lambda d: verify_document(d, HUB_KEY.public, kind="receipt"),
}


def _bytes_case(name: str, data: bytes) -> None:
    _read_or_refuse(BYTE_DECODERS[name], data)


@pytest.mark.parametrize("name", sorted(BYTE_DECODERS))
@SHORT
@given(data=st.binary(max_size=600))
def test_byte_decoder_reads_or_refuses_any_bytes(name, data):
    _bytes_case(name, data)


@pytest.mark.parametrize("name", sorted(JSON_DECODERS))
@SHORT
@given(value=json_values | signed_shapes)
def test_json_decoder_reads_or_refuses_any_json_value(name, value):
    _read_or_refuse(JSON_DECODERS[name], value)


def _document_case(name: str, shape: dict[str, Any], signed_by_hub: bool) -> None:
    try:
        document = SignedDocument.from_dict(shape)
    except RemoteProtocolError:
        return
    if signed_by_hub:  # a document whose signature holds, but whose body is garbage
        try:
            document = sign_document(document.kind, document.body, HUB_KEY)
        except LocalProtocolError:  # the fuzzer drew a kind or body no one can sign: not peer input
            return
    _read_or_refuse(DOCUMENT_DECODERS[name], document)


@pytest.mark.parametrize("name", sorted(DOCUMENT_DECODERS))
@SHORT
@given(shape=signed_shapes, signed_by_hub=st.booleans())
def test_document_decoder_reads_or_refuses_any_signed_shape(name, shape, signed_by_hub):
    _document_case(name, shape, signed_by_hub)


@SHORT
@given(blob=edited(FRAME))
def test_edited_batch_frame_opens_only_when_unchanged(blob):
    try:
        _open_frame(blob)
    except RemoteProtocolError:
        return
    assert blob == FRAME


@SHORT
@given(blob=edited(PAGE))
def test_edited_feed_page_opens_only_when_unchanged(blob):
    try:
        _open_page(blob)
    except RemoteProtocolError:
        return
    assert blob == PAGE


def test_deeply_nested_json_is_refused_as_malformed_not_a_recursion_crash():
    for text in (b"[" * 100_000, b'{"a":' * 100_000):
        with pytest.raises(RemoteProtocolError, match="nested too deeply"):
            parse_json(text, what="input")


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(BYTE_DECODERS))
@LONG
@given(data=st.binary(max_size=4000))
def test_campaign_byte_decoder_reads_or_refuses_any_bytes(name, data):
    _bytes_case(name, data)


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(DOCUMENT_DECODERS))
@LONG
@given(shape=signed_shapes, signed_by_hub=st.booleans())
def test_campaign_document_decoder_reads_or_refuses_any_signed_shape(name, shape, signed_by_hub):
    _document_case(name, shape, signed_by_hub)


@pytest.mark.slow
@LONG
@given(blob=edited(FRAME) | edited(PAGE))
def test_campaign_edited_frames_and_pages_open_only_when_unchanged(blob):
    for opener, original in ((_open_frame, FRAME), (_open_page, PAGE)):
        try:
            opener(blob)
        except RemoteProtocolError:
            continue
        assert blob == original
