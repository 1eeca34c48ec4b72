"""Tests sync_protocol/_enrollment.py: hub info, node registration and the code proof."""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
from typing import Any

import pytest

from sync_protocol import (
    SUITE_MLKEM768_X25519,
    SUITE_X25519,
    BadSignature,
    HubInfo,
    MalformedInput,
    NodeRegistration,
    b64encode,
    canonical_json,
    enrollment_proof,
    sign_document,
    verify_enrollment_proof,
)
from tests.sync_protocol.syncproto_helpers import NODE_ID, node_key, seal_key

HUB_KEY = node_key("county hub")
CODE = "K7QM-3XRP-9HVD-TN4W"


def _hub_info(**changes: Any) -> HubInfo:
    fields: dict[str, Any] = {
        "hub_id": "county-513431",
        "tier": "county",
        "org_code": "513431",
        "name": "昭觉县政务服务中心",
        "sign_key": b64encode(HUB_KEY.public.raw),
        "seal_keys": {
            suite: b64encode(seal_key(suite).public.raw)
            for suite in (SUITE_X25519, SUITE_MLKEM768_X25519)
        },
    }
    return HubInfo(**(fields | changes))


def _registration(**changes: Any) -> dict[str, Any]:
    fields = {
        "node_id": NODE_ID,
        "center_code": "513431101",
        "name": "城北镇便民服务中心",
        "sign_key": b64encode(node_key().public.raw),
        "seal_suite": SUITE_X25519,
        "seal_key": b64encode(seal_key(SUITE_X25519, "node").public.raw),
        "kind": "node",
        "software": "township-node/0.1.0",
    }
    return fields | changes


def test_enrollment_proof_is_hmac_sha256_of_both_statements_when_computed() -> None:
    hub = _hub_info().sign(HUB_KEY).body
    message = canonical_json({"hub": hub, "registration": _registration()})
    expected = hmac.new(CODE.encode(), message, hashlib.sha256).hexdigest()
    assert enrollment_proof(CODE, hub, _registration()) == expected
    verify_enrollment_proof(CODE, hub, _registration(), expected)


@pytest.mark.parametrize(
    ("code", "hub", "registration"),
    [
        # a machine that does not know the code
        ("AAAA-BBBB-CCCC-DDDD", {}, {}),
        # the code typed in lower case is another key (see docs/protocol.md, Enrollment)
        (CODE.lower(), {}, {}),
        # the hub's statement swapped for another hub's keys
        (CODE, {"sign_key": b64encode(node_key("impostor").public.raw)}, {}),
        # the node's statement altered in transit
        (CODE, {}, {"sign_key": b64encode(node_key("impostor").public.raw)}),
    ],
)
def test_verify_enrollment_proof_raises_bad_signature_when_anything_differs(
    code: str, hub: dict[str, Any], registration: dict[str, Any]
) -> None:
    honest_hub = _hub_info().sign(HUB_KEY).body
    proof = enrollment_proof(CODE, honest_hub, _registration())
    with pytest.raises(BadSignature, match="does not prove"):
        verify_enrollment_proof(code, honest_hub | hub, _registration(**registration), proof)


def test_hub_info_from_signed_gives_hub_info_when_self_signed() -> None:
    info = HubInfo.from_signed(_hub_info().sign(HUB_KEY))
    assert info == _hub_info()
    assert info.verify_key() == HUB_KEY.public
    assert info.seal_key() == seal_key(SUITE_X25519).public
    assert info.seal_key(SUITE_MLKEM768_X25519) == seal_key(SUITE_MLKEM768_X25519).public


def test_hub_info_from_signed_raises_bad_signature_when_signed_by_another_key() -> None:
    # The body names HUB_KEY, but an impostor signed it.
    document = _hub_info().sign(node_key("impostor"))
    with pytest.raises(BadSignature):
        HubInfo.from_signed(document)


@pytest.mark.parametrize(
    "document",
    [
        # an unknown field in the body
        sign_document("hub_info", dataclasses.asdict(_hub_info()) | {"x": 1}, HUB_KEY),
        # a field missing
        sign_document(
            "hub_info",
            {k: v for k, v in dataclasses.asdict(_hub_info()).items() if k != "name"},
            HUB_KEY,
        ),
        # another kind of document with a hub-info body
        sign_document("receipt", dataclasses.asdict(_hub_info()), HUB_KEY),
        # a signing key that is not base64url
        sign_document("hub_info", dataclasses.asdict(_hub_info()) | {"sign_key": "A"}, HUB_KEY),
    ],
)
def test_hub_info_from_signed_raises_malformed_input_when_not_a_hub_info(
    document: Any,
) -> None:
    with pytest.raises(MalformedInput):
        HubInfo.from_signed(document)


def test_hub_info_seal_key_raises_malformed_input_when_suite_not_published() -> None:
    info = _hub_info(seal_keys={SUITE_X25519: b64encode(seal_key().public.raw)})
    with pytest.raises(MalformedInput, match="publishes no"):
        info.seal_key(SUITE_MLKEM768_X25519)


@pytest.mark.parametrize(
    "registration",
    [
        # a service center's node
        _registration(),
        # a county hub linking to its prefecture
        _registration(kind="hub", node_id="county-513431", center_code="513431", software=""),
    ],
)
def test_node_registration_from_dict_reads_registration_when_well_formed(
    registration: dict[str, Any],
) -> None:
    read = NodeRegistration.from_dict(registration)
    assert read.to_dict() == registration
    assert read.verify_key().raw == node_key().public.raw


@pytest.mark.parametrize(
    "obj",
    [
        # not an object
        "513431101",
        # an unknown field
        _registration(role="admin"),
        # a field missing
        {k: v for k, v in _registration().items() if k != "seal_key"},
        # a kind that is neither node nor hub
        _registration(kind="prefecture"),
        # an empty node id
        _registration(node_id=""),
        # a signing key that is not an Ed25519 public key
        _registration(sign_key=b64encode(b"\x01" * 31)),
    ],
)
def test_node_registration_from_dict_raises_malformed_input_when_invalid(obj: Any) -> None:
    with pytest.raises(MalformedInput):
        NodeRegistration.from_dict(obj)
