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
    Receipt,
    SignedDocument,
    b64encode,
    canonical_json,
    sign_document,
    verify_document,
)
from tests.sync_protocol.syncproto_helpers import NODE_ID, make_batch, node_key

HUB_KEY = node_key("county hub")
ISSUED_AT = "2026-11-28T03:05:01.250Z"


def _receipt(**changes: Any) -> Receipt:
    fields = {
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


def _cursor() -> Cursor:
    return Cursor(
        hub_id="county-513431",
        node_id=NODE_ID,
        next_batch_seq=2,
        last_event_seq=3,
        last_batch_hash=make_batch().header.batch_hash,
        issued_at=ISSUED_AT,
    )


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


def test_sign_document_signs_context_kind_and_canonical_body_when_signing() -> None:
    body = {"b": 2, "a": "凉山"}
    document = sign_document("hub_info", body, HUB_KEY)
    message = b"township-sync/v1/hub_info\x00" + canonical_json(body)
    HUB_KEY.public.verify(document.signature, message, what="spec")
    assert document.to_dict() == {
        "kind": "hub_info",
        "body": body,
        "signer_key_id": HUB_KEY.public.key_id,
        "signature": b64encode(document.signature),
    }


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
    ],
)
def test_signed_document_from_dict_raises_malformed_input_when_not_a_document(obj: Any) -> None:
    with pytest.raises(MalformedInput):
        SignedDocument.from_dict(obj)
