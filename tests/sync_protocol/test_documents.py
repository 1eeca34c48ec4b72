"""Tests sync_protocol/_documents.py: signed documents, receipts and cursors."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest

from sync_protocol import (
    BadSignature,
    Cursor,
    LocalProtocolError,
    MalformedInput,
    ProtocolError,
    Receipt,
    SignedDocument,
    b64encode,
    canonical_json,
    sign_document,
    verify_document,
)
from tests.sync_protocol.syncproto_helpers import (
    BATCH_SIGNATURE_CONTEXT,
    NODE_ID,
    make_batch,
    node_key,
)

HUB_KEY = node_key("county hub")
ISSUED_AT = "2026-11-28T03:05:01.250Z"


def _receipt(**changes: Any) -> Receipt:
    fields: dict[str, Any] = {
        "hub_id": "county-513431",
        "node_id": NODE_ID,
        "batch_seq": 1,
        "batch_hash": make_batch().header.batch_hash,
        "status": "applied",
        "next_batch_seq": 2,
        "last_event_seq": 3,
        "reason": "",
        "issued_at": ISSUED_AT,
    }
    return Receipt(**(fields | changes))


def _cursor(**changes: Any) -> Cursor:
    fields: dict[str, Any] = {
        "hub_id": "county-513431",
        "node_id": NODE_ID,
        "next_batch_seq": 2,
        "last_event_seq": 3,
        "last_batch_hash": make_batch().header.batch_hash,
        "issued_at": ISSUED_AT,
    }
    return Cursor(**(fields | changes))


def _over_json(document: SignedDocument) -> SignedDocument:
    """What the other side reads: the document through its JSON wire form."""
    return SignedDocument.from_dict(json.loads(json.dumps(document.to_dict())))


@pytest.mark.parametrize(
    "receipt",
    [
        # the batch was applied
        _receipt(),
        # the batch is held until an earlier one arrives; the cursor says which
        _receipt(status="held", batch_seq=5, next_batch_seq=2),
        # a refusal carries its reason
        _receipt(status="rejected", reason="conflicting_batch: 已有不同的第1批"),
    ],
)
def test_receipt_verify_gives_the_signed_receipt_when_round_tripped(receipt: Receipt) -> None:
    document = receipt.sign(HUB_KEY)
    assert document.kind == "receipt"
    assert document.signer_key_id == HUB_KEY.public.key_id
    assert Receipt.verify(_over_json(document), HUB_KEY.public) == receipt


def test_cursor_verify_gives_the_signed_cursor_when_round_tripped() -> None:
    document = _cursor().sign(HUB_KEY)
    assert document.kind == "cursor"
    assert Cursor.verify(_over_json(document), HUB_KEY.public) == _cursor()


DOCUMENT_CONTEXT = b"township-sync/v1/document/"
"""From docs/protocol.md section 6.1, restated so the tests check the spec, not the code."""


def test_sign_document_signs_context_kind_and_canonical_body_when_signing() -> None:
    body = {"b": 2, "a": "凉山"}
    document = sign_document("hub_info", body, HUB_KEY)
    message = DOCUMENT_CONTEXT + b"hub_info\x00" + canonical_json(body)
    HUB_KEY.public.verify(document.signature, message, what="spec")
    assert document.to_dict() == {
        "kind": "hub_info",
        "body": body,
        "signer_key_id": HUB_KEY.public.key_id,
        "signature": b64encode(document.signature),
    }


@pytest.mark.parametrize(
    "kind",
    [
        # the kind named like the batch context
        "batch",
        # kinds that begin like it
        "batch_header",
        "b",
        # the kinds hubs sign every day
        "receipt",
        "hub_info",
    ],
)
def test_sign_document_never_gives_a_batch_signature_when_body_is_a_batch_header(
    kind: str,
) -> None:
    # Before the "document/" part, a document of kind "batch" over a header's fields signed
    # exactly the batch signing input. Now the two contexts differ from their 18th byte on.
    header = make_batch(signing_key=HUB_KEY).header
    document = sign_document(kind, json.loads(header.encode()), HUB_KEY)
    assert canonical_json(document.body) == header.encode()
    assert not (DOCUMENT_CONTEXT + kind.encode()).startswith(BATCH_SIGNATURE_CONTEXT)
    with pytest.raises(BadSignature):
        HUB_KEY.public.verify(
            document.signature, BATCH_SIGNATURE_CONTEXT + header.encode(), what="x"
        )


_BAD_KINDS = [
    # upper case
    "Receipt",
    # empty, or not starting with a letter
    "",
    "_receipt",
    "1receipt",
    # characters outside [a-z_]: a NUL would end the kind early in the signed message
    "receipt\x00cursor",
    "re-ceipt",
    "receipt/v2",
    "收据",
    # longer than 40 characters
    "a" * 41,
    # a trailing newline
    "receipt\n",
]


@pytest.mark.parametrize("kind", _BAD_KINDS)
def test_sign_document_refuses_kind_when_not_a_lowercase_name(kind: str) -> None:
    with pytest.raises(ProtocolError, match="is not a lowercase name"):
        sign_document(kind, {}, HUB_KEY)


def test_sign_document_raises_local_protocol_error_when_kind_is_invalid() -> None:
    with pytest.raises(LocalProtocolError):
        sign_document("Receipt", {}, HUB_KEY)


def test_sign_document_accepts_kind_when_forty_lowercase_characters() -> None:
    kind = "a" + "_b" * 19 + "c"
    assert len(kind) == 40
    verify_document(sign_document(kind, {}, HUB_KEY), HUB_KEY.public, kind=kind)


@pytest.mark.parametrize(
    ("document", "verify"),
    [
        # a receipt offered where a cursor is expected
        (_receipt().sign(HUB_KEY), Cursor.verify),
        # a cursor offered where a receipt is expected
        (_cursor().sign(HUB_KEY), Receipt.verify),
        # a hub's registration statement is no receipt either
        (sign_document("node_registration", {"node_id": NODE_ID}, HUB_KEY), Receipt.verify),
    ],
)
def test_verify_raises_malformed_input_when_document_is_of_another_kind(
    document: SignedDocument, verify: Any
) -> None:
    with pytest.raises(MalformedInput, match="expected a"):
        verify(document, HUB_KEY.public)


def test_verify_raises_bad_signature_when_kind_is_relabelled() -> None:
    # The kind is inside the signed message, so relabelling a receipt breaks its signature.
    receipt = _receipt().sign(HUB_KEY)
    relabelled = dataclasses.replace(receipt, kind="cursor")
    with pytest.raises(BadSignature):
        verify_document(relabelled, HUB_KEY.public, kind="cursor")


def _with_body(document: SignedDocument, **changes: Any) -> SignedDocument:
    return dataclasses.replace(document, body=document.body | changes)


_SIGNED_RECEIPT = _receipt().sign(HUB_KEY)


@pytest.mark.parametrize(
    "document",
    [
        # a hub that did not apply the batch claiming it did
        _with_body(_receipt(status="held").sign(HUB_KEY), status="applied"),
        # another batch number
        _with_body(_SIGNED_RECEIPT, batch_seq=2),
        # another batch hash
        _with_body(_SIGNED_RECEIPT, batch_hash="f" * 64),
        # a moved cursor
        _with_body(_SIGNED_RECEIPT, next_batch_seq=9),
        # another hub
        _with_body(_SIGNED_RECEIPT, hub_id="county-513432"),
        # a field added after signing
        _with_body(_SIGNED_RECEIPT, extra="x"),
        # one signature byte changed
        dataclasses.replace(
            _SIGNED_RECEIPT,
            signature=bytes([_SIGNED_RECEIPT.signature[0] ^ 1]) + _SIGNED_RECEIPT.signature[1:],
        ),
        # signed by a key that is not the pinned hub's
        _receipt().sign(node_key("impostor hub")),
    ],
)
def test_receipt_verify_raises_bad_signature_when_tampered(document: SignedDocument) -> None:
    with pytest.raises(BadSignature, match="the receipt"):
        Receipt.verify(document, HUB_KEY.public)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        # a field missing from an otherwise valid signed body
        ({k: v for k, v in dataclasses.asdict(_receipt()).items() if k != "reason"}, "exactly"),
        # an unknown field
        (dataclasses.asdict(_receipt()) | {"extra": 1}, "exactly"),
        # a status the protocol does not define
        (dataclasses.asdict(_receipt()) | {"status": "ok"}, "status"),
    ],
)
def test_receipt_verify_raises_malformed_input_when_signed_body_is_not_a_receipt(
    body: dict[str, Any], message: str
) -> None:
    document = sign_document("receipt", body, HUB_KEY)
    with pytest.raises(MalformedInput, match=message):
        Receipt.verify(document, HUB_KEY.public)


def test_receipt_refuses_status_when_unknown() -> None:
    with pytest.raises(LocalProtocolError, match="status"):
        _receipt(status="duplicate")


_WRONG_RECEIPT_TYPES = [
    # true is not 1, even though Python says True == 1
    {"batch_seq": True},
    {"next_batch_seq": False},
    # numbers as text
    {"last_event_seq": "3"},
    # text as numbers, or missing
    {"hub_id": 513431},
    {"batch_hash": None},
    {"reason": ["x"]},
    {"issued_at": 1764299101250},
]


@pytest.mark.parametrize("changes", _WRONG_RECEIPT_TYPES)
def test_receipt_refuses_field_when_of_the_wrong_type(changes: dict[str, Any]) -> None:
    (name,) = changes
    with pytest.raises(LocalProtocolError, match=f"Receipt.{name} must be"):
        _receipt(**changes)


@pytest.mark.parametrize("changes", _WRONG_RECEIPT_TYPES)
def test_receipt_verify_raises_malformed_input_when_signed_field_is_of_the_wrong_type(
    changes: dict[str, Any],
) -> None:
    document = sign_document("receipt", dataclasses.asdict(_receipt()) | changes, HUB_KEY)
    with pytest.raises(MalformedInput, match="invalid Receipt"):
        Receipt.verify(document, HUB_KEY.public)


@pytest.mark.parametrize(
    "changes",
    [
        # a boolean where an integer belongs
        {"next_batch_seq": True},
        {"last_event_seq": False},
        # an integer as text
        {"next_batch_seq": "2"},
        # text fields that are not text
        {"last_batch_hash": None},
        {"node_id": 7},
    ],
)
def test_cursor_refuses_field_when_of_the_wrong_type(changes: dict[str, Any]) -> None:
    (name,) = changes
    with pytest.raises(LocalProtocolError, match=f"Cursor.{name} must be"):
        _cursor(**changes)
    document = sign_document("cursor", dataclasses.asdict(_cursor()) | changes, HUB_KEY)
    with pytest.raises(MalformedInput, match="invalid Cursor"):
        Cursor.verify(document, HUB_KEY.public)


@pytest.mark.parametrize(
    "changes",
    [
        # an integer beyond 2**53 - 1
        {"batch_seq": 2**60},
        # a non-ASCII key
        {"批次": 1},
    ],
)
def test_receipt_verify_raises_remote_error_when_body_has_no_canonical_form(
    changes: dict[str, Any],
) -> None:
    document = dataclasses.replace(_SIGNED_RECEIPT, body=_SIGNED_RECEIPT.body | changes)
    with pytest.raises((MalformedInput, BadSignature)):
        Receipt.verify(document, HUB_KEY.public)


_WIRE = _SIGNED_RECEIPT.to_dict()


@pytest.mark.parametrize(
    "obj",
    [
        # not an object
        ["receipt"],
        None,
        # a member missing
        {k: v for k, v in _WIRE.items() if k != "signer_key_id"},
        # an unknown member
        _WIRE | {"version": 2},
        # body not an object
        _WIRE | {"body": "{}"},
        # signature not text
        _WIRE | {"signature": 7},
        # signature not base64url
        _WIRE | {"signature": "A"},
        # signature base64url, but not in its one canonical spelling
        _WIRE | {"signature": _WIRE["signature"] + "=="},
        _WIRE | {"signature": "+" + _WIRE["signature"][1:]},
        # kind and signer key id must be text, never converted
        _WIRE | {"kind": 7},
        _WIRE | {"kind": ["receipt"]},
        _WIRE | {"signer_key_id": None},
    ],
)
def test_signed_document_from_dict_raises_malformed_input_when_not_a_document(obj: Any) -> None:
    with pytest.raises(MalformedInput):
        SignedDocument.from_dict(obj)
