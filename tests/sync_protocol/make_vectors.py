"""Provides the protocol's test vectors: fixed keys and events in, exact bytes out.

Run it from the repository root:

    .venv/bin/python tests/sync_protocol/make_vectors.py --write --update-doc
        # refresh vectors.json and rewrite every vector block of docs/protocol.md in place
    .venv/bin/python tests/sync_protocol/make_vectors.py --markdown  # print the blocks only

Everything is deterministic (Ed25519 signatures are, by RFC 8032) except the sealed frames:
HPKE draws a fresh ephemeral key for every seal, so the frames are made once and kept.
`--write` keeps the frames already in vectors.json; `--reseal` makes new ones. Tests check
the frames in the decrypt direction only.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path
from typing import Any

from sync_protocol import (
    GENESIS_HASH,
    SUITE_MLKEM768_X25519,
    SUITE_X25519,
    Cursor,
    Event,
    FeedEntry,
    FeedPage,
    FeedRequest,
    HubInfo,
    NodeRegistration,
    Receipt,
    SealPrivateKey,
    SigningKey,
    b64encode,
    build_batch,
    canonical_json,
    code_id,
    encode_event,
    enrollment_key,
    enrollment_proof,
    enrollment_request,
    normalize_code,
    parse_timestamp,
    seal_batch,
    seal_feed_page,
    sign_document,
)
from tests.sync_protocol.vector_blocks import render_markdown, update_doc

__all__ = ["DOC_PATH", "VECTORS_PATH", "build_vectors"]

VECTORS_PATH = Path(__file__).with_name("vectors.json")
DOC_PATH = Path(__file__).parents[2] / "docs" / "protocol.md"

# RFC 8032 section 7.1, TEST 1 and TEST 2 secret keys: readers can check the public keys there.
NODE_SIGNING_SEED = bytes.fromhex(
    "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"
)
HUB_SIGNING_SEED = bytes.fromhex("4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb")
# RFC 7748 section 6.1, Alice's private key (public 8520f009…4e6a).
RECIPIENT_X25519_PRIVATE = bytes.fromhex(
    "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a"
)
# The hybrid key as this implementation stores it: ML-KEM-768 seed (d || z, 64 bytes) then
# the X25519 private key (32 bytes). Only its public half is part of the protocol.
RECIPIENT_HYBRID_PRIVATE = bytes(range(64)) + bytes(range(64, 96))

NODE_ID = "513431101-5f3a9c2e"
HUB_ID = "county-513431"
CASE_A = "01a21fef-5070-7f00-8a00-0000000000a1"
CASE_B = "01a2201a-86bb-7f00-8a00-0000000000b2"

EVENTS = (
    {
        "event_id": "01a21fef-5070-7a3c-9d01-4b5e6f708192",
        "node_id": NODE_ID,
        "seq": 1,
        "case_id": CASE_A,
        "type": "accept",
        "occurred_at": "2026-11-28T02:15:07.120Z",
        "clerk_id": "clerk-01",
        "payload": {
            "case_no": "513431101-20261128-0001",
            "center_code": "513431101",
            "item_code": "SB-0007",
            "item_name": "城乡居民基本养老保险参保登记",
            "category": "public_service",
            "applicant": {
                "name": "吉克·阿依",
                "id_type": "resident_id",
                "id_number": "513431199001010015",
                "phone": "13800000001",
            },
            "fee_fen": 0,
        },
        "schema": 1,
    },
    {
        "event_id": "01a21ffe-887c-7b4d-8e12-5c6f708192a3",
        "node_id": NODE_ID,
        "seq": 2,
        "case_id": CASE_A,
        "type": "request_supplement",
        "occurred_at": "2026-11-28T02:31:44.508Z",
        "clerk_id": "clerk-01",
        "payload": {
            "missing": ["户口簿"],
            "note": "请补交户口簿\nꆈꌠꉙ：ꀉꂿ",
        },
        "schema": 1,
    },
    {
        "event_id": "01a2201a-86bb-7c5e-9f23-6d708192a3b4",
        "node_id": NODE_ID,
        "seq": 3,
        "case_id": CASE_B,
        "type": "accept",
        "occurred_at": "2026-11-28T03:02:19.067Z",
        "clerk_id": "clerk-02",
        "payload": {
            "case_no": "513431101-20261128-0002",
            "center_code": "513431101",
            "item_code": "MZ-0031",
            "item_name": "临时救助申请",
            "category": "public_service",
            "applicant": {
                "name": "王秀英",
                "id_type": "resident_id",
                "id_number": "513431198503150024",
            },
            "fee_fen": 0,
        },
        "schema": 1,
    },
)

BATCH_INPUTS = {
    "node_id": NODE_ID,
    "batch_seq": 1,
    "first_seq": 1,
    "prev_hash": GENESIS_HASH,
    "created_at": "2026-11-28T03:05:00.000Z",
}

ISSUED_AT = "2026-11-28T03:05:01.250Z"
ENROLLMENT_CODE = "K7QM-3XRP-9HVD-TN4W"
# How a clerk may type it: lower case, a space for one dash. It normalizes to the code above.
ENROLLMENT_CODE_AS_TYPED = " k7qm 3xrp-9hvd tn4w "


def node_key() -> SigningKey:
    return SigningKey.from_raw(NODE_SIGNING_SEED)


def hub_key() -> SigningKey:
    return SigningKey.from_raw(HUB_SIGNING_SEED)


def recipient_keys() -> dict[str, SealPrivateKey]:
    """The recipient's sealing keys by suite."""
    return {
        SUITE_X25519: SealPrivateKey(SUITE_X25519, RECIPIENT_X25519_PRIVATE),
        SUITE_MLKEM768_X25519: SealPrivateKey(SUITE_MLKEM768_X25519, RECIPIENT_HYBRID_PRIVATE),
    }


def _keys_section() -> dict[str, str]:
    x25519, hybrid = recipient_keys().values()
    return {
        "node_signing_seed_hex": NODE_SIGNING_SEED.hex(),
        "node_verify_key_hex": node_key().public.raw.hex(),
        "node_key_id": node_key().public.key_id,
        "hub_signing_seed_hex": HUB_SIGNING_SEED.hex(),
        "hub_verify_key_hex": hub_key().public.raw.hex(),
        "hub_key_id": hub_key().public.key_id,
        "recipient_x25519_private_hex": RECIPIENT_X25519_PRIVATE.hex(),
        "recipient_x25519_public_hex": x25519.public.raw.hex(),
        "recipient_x25519_key_id": x25519.public.key_id,
        "recipient_hybrid_private_hex": RECIPIENT_HYBRID_PRIVATE.hex(),
        "recipient_hybrid_public_sha256": hashlib.sha256(hybrid.public.raw).hexdigest(),
        "recipient_hybrid_key_id": hybrid.public.key_id,
    }


def _events_section() -> list[dict[str, Any]]:
    out = []
    for fields in EVENTS:
        line = encode_event(Event(**fields))
        out.append({"inputs": fields, "canonical_text": line.decode(), "canonical_hex": line.hex()})
    return out


def _batch_section() -> dict[str, Any]:
    lines = [encode_event(Event(**fields)) for fields in EVENTS]
    batch = _signed_batch()
    body = b"\n".join(lines)
    return {
        "inputs": BATCH_INPUTS,
        "body_sha256": hashlib.sha256(body).hexdigest(),
        "signed_header_text": batch.header.encode().decode(),
        "batch_hash": batch.header.batch_hash,
        "signature_hex": batch.signature.hex(),
    }


def _signed_batch() -> Any:
    lines = [encode_event(Event(**fields)) for fields in EVENTS]
    inputs = dict(BATCH_INPUTS)
    created_at = parse_timestamp(str(inputs.pop("created_at")))
    return build_batch(lines, signing_key=node_key(), created_at=created_at, **inputs)


def _frames_section(existing: dict[str, Any] | None) -> dict[str, Any]:
    if existing:
        return existing
    batch = _signed_batch()
    frames = {}
    for name, key in zip(("x25519", "mlkem768x25519"), recipient_keys().values(), strict=True):
        blob = seal_batch(batch, key.public)
        header_len = int.from_bytes(blob[5:7], "big")
        frames[name] = {
            "clear_header_text": blob[7 : 7 + header_len].decode(),
            "frame_hex": blob.hex(),
        }
    return frames


FORWARDING_COUNTY = "county-513431"


def _forward_section() -> dict[str, Any]:
    """The county's countersignature (§5.9) of the vector batch, forwarded to the X25519
    recipient with the hub key as the county's: Ed25519 is deterministic, so it is fixed."""
    batch = _signed_batch()
    recipient = next(iter(recipient_keys().values())).public
    statement = {
        "batch_hash": batch.header.batch_hash,
        "batch_seq": batch.header.batch_seq,
        "node_id": batch.header.node_id,
        "recipient_key_id": recipient.key_id,
        "via": FORWARDING_COUNTY,
    }
    signature = hub_key().sign(b"township-sync/v1/forward\x00" + canonical_json(statement))
    return {
        "via": FORWARDING_COUNTY,
        "statement_text": canonical_json(statement).decode(),
        "via_signature": b64encode(signature),
    }


def _receipt_inputs(batch_hash: str) -> dict[str, Any]:
    return {
        "hub_id": HUB_ID,
        "node_id": NODE_ID,
        "batch_seq": 1,
        "batch_hash": batch_hash,
        "status": "applied",
        "next_batch_seq": 2,
        "last_event_seq": 3,
        "reason": "",
        "issued_at": ISSUED_AT,
    }


def _cursor_inputs(batch_hash: str) -> dict[str, Any]:
    return {
        "hub_id": HUB_ID,
        "node_id": NODE_ID,
        "next_batch_seq": 2,
        "last_event_seq": 3,
        "last_batch_hash": batch_hash,
        "issued_at": ISSUED_AT,
    }


def _document_section(inputs: dict[str, Any], document: Any) -> dict[str, Any]:
    return {
        "inputs": inputs,
        "signature_hex": document.signature.hex(),
        "document_text": canonical_json(document.to_dict()).decode(),
    }


def _enrollment_section() -> dict[str, Any]:
    x25519 = recipient_keys()[SUITE_X25519]
    hub_info = HubInfo(
        hub_id=HUB_ID,
        tier="county",
        org_code="513431",
        name="昭觉县政务服务中心",
        sign_key=b64encode(hub_key().public.raw),
        seal_keys={SUITE_X25519: b64encode(x25519.public.raw)},
    )
    registration = NodeRegistration(
        node_id=NODE_ID,
        center_code="513431101",
        name="城北镇便民服务中心",
        sign_key=b64encode(node_key().public.raw),
        seal_suite=SUITE_X25519,
        seal_key=b64encode(SealPrivateKey(SUITE_X25519, bytes(32 * [7])).public.raw),
        software="township-node/0.1.0",
    ).to_dict()
    document = hub_info.sign(hub_key())
    key = enrollment_key(ENROLLMENT_CODE_AS_TYPED)
    return {
        "inputs": {
            "code": ENROLLMENT_CODE,
            "code_as_typed": ENROLLMENT_CODE_AS_TYPED,
            "registration": registration,
        },
        "code": normalize_code(ENROLLMENT_CODE_AS_TYPED),
        "code_id": code_id(ENROLLMENT_CODE_AS_TYPED),
        "enrollment_key_hex": key.hex(),
        "registration_text": canonical_json(registration).decode(),
        "request_text": canonical_json(
            enrollment_request(ENROLLMENT_CODE_AS_TYPED, registration)
        ).decode(),
        "hub_info_document_text": canonical_json(document.to_dict()).decode(),
        "proof_hex": enrollment_proof(key, document.body, registration),
    }


# A schema 2 event from the county center, as the township's feed carries it (§4, §8.8).
FEED_EVENT = {
    "event_id": "01a22410-3c55-7e01-8a6b-9c0d1e2f3a4b",
    "node_id": "513431-7d2e4f10",
    "seq": 1,
    "case_id": CASE_A,
    "type": "review_and_approve",
    "occurred_at": "2026-11-29T01:20:00.000Z",
    "clerk_id": "county-03",
    "payload": {},
    "after": "01a21ffe-887c-7b4d-8e12-5c6f708192a3",
    "schema": 2,
}
FEED_REQUEST = {
    "node_id": NODE_ID,
    "after": 0,
    "limit": 2000,
    "head_seq": 3,
    "unsent_events": 1,
    "oldest_unsent_at": "2026-11-28T03:02:19.067Z",
    "issued_at": ISSUED_AT,
}


def feed_page() -> FeedPage:
    entry = FeedEntry(position=7, center="513431", event=Event(**FEED_EVENT))
    return FeedPage(
        hub_id=HUB_ID,
        node_id=NODE_ID,
        center_code="513431101",
        after=0,
        next=7,
        more=False,
        entries=(entry,),
        resend_from=0,
        issued_at=ISSUED_AT,
    )


def _feed_section(existing: dict[str, Any] | None) -> dict[str, Any]:
    """The feed's request and page documents, and one sealed page (kept: HPKE is randomized),
    sealed to the x25519 recipient key standing in for the node's sealing key."""
    page = sign_document("feed_page", feed_page().to_body(), hub_key())
    sealed = (existing or {}).get("sealed_page_hex") or seal_feed_page(
        feed_page(), hub_key(), recipient_keys()[SUITE_X25519].public
    ).hex()
    return {
        "event": {
            "inputs": FEED_EVENT,
            "canonical_text": encode_event(Event(**FEED_EVENT)).decode(),
        },
        "request": _document_section(FEED_REQUEST, FeedRequest(**FEED_REQUEST).sign(node_key())),
        "page": {
            "signature_hex": page.signature.hex(),
            "document_text": canonical_json(page.to_dict()).decode(),
        },
        "sealed_page_hex": sealed,
    }


def build_vectors(
    existing_frames: dict[str, Any] | None = None, existing_feed: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Computes every vector; reuses `existing_frames` and the sealed feed page (HPKE is
    randomized) when given."""
    batch_hash = _signed_batch().header.batch_hash
    receipt_inputs = _receipt_inputs(batch_hash)
    cursor_inputs = _cursor_inputs(batch_hash)
    return {
        "about": "township-sync protocol 1 test vectors; see docs/protocol.md, Test vectors",
        "keys": _keys_section(),
        "events": _events_section(),
        "batch": _batch_section(),
        "frames": _frames_section(existing_frames),
        "forward": _forward_section(),
        "receipt": _document_section(receipt_inputs, Receipt(**receipt_inputs).sign(hub_key())),
        "cursor": _document_section(cursor_inputs, Cursor(**cursor_inputs).sign(hub_key())),
        "enrollment": _enrollment_section(),
        "feed": _feed_section(existing_feed),
    }


def _load_existing(section: str) -> dict[str, Any] | None:
    if not VECTORS_PATH.exists():
        return None
    found: dict[str, Any] | None = json.loads(VECTORS_PATH.read_text(encoding="utf-8")).get(section)
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="write vectors.json")
    parser.add_argument("--reseal", action="store_true", help="make new sealed frames")
    parser.add_argument(
        "--update-doc", action="store_true", help="rewrite the vector blocks of docs/protocol.md"
    )
    parser.add_argument("--markdown", action="store_true", help="print the doc's vector blocks")
    parser.add_argument("--section", default="", help="with --markdown: one top-level key")
    args = parser.parse_args(argv)
    if args.reseal:
        vectors = build_vectors()
    else:
        vectors = build_vectors(_load_existing("frames"), _load_existing("feed"))
    text = json.dumps(vectors, ensure_ascii=False, indent=2) + "\n"
    if args.write or args.reseal:
        VECTORS_PATH.write_text(text, encoding="utf-8")
    if args.update_doc:
        doc = DOC_PATH.read_text(encoding="utf-8")
        DOC_PATH.write_text(update_doc(doc, vectors), encoding="utf-8")
    if args.markdown:
        sys.stdout.write(render_markdown(vectors, args.section))
    elif not (args.write or args.reseal or args.update_doc):
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
