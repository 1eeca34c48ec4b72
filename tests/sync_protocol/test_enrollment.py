"""Tests sync_protocol/_enrollment.py: hub info, registration, the request MAC and the proof."""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
from collections.abc import Callable
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
    code_id,
    enrollment_key,
    enrollment_proof,
    enrollment_request,
    normalize_code,
    sign_document,
    verify_enrollment_proof,
    verify_enrollment_request,
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


def _hmac_hex(key: bytes, statement: dict[str, Any]) -> str:
    return hmac.new(key, canonical_json(statement), hashlib.sha256).hexdigest()


@pytest.mark.parametrize(
    "typed",
    [
        # as printed
        CODE,
        # in lower case
        CODE.lower(),
        # with spaces for dashes, and space around it
        "  k7qm 3xrp 9hvd tn4w\n",
        # with a dash and spaces mixed, and doubled separators
        "K7QM - 3XRP--9HVD\tTN4W",
    ],
)
def test_normalize_code_gives_the_printed_code_when_typed_another_way(typed: str) -> None:
    assert normalize_code(typed) == CODE
    assert code_id(typed) == "K7QM"
    assert enrollment_key(typed) == hashlib.sha256(CODE.encode("utf-8")).digest()


def test_enrollment_request_is_code_id_registration_and_hmac_when_made() -> None:
    request = enrollment_request(CODE, _registration())
    key = hashlib.sha256(CODE.encode("utf-8")).digest()
    assert request == {
        "code_id": "K7QM",
        "registration": _registration(),
        "mac": _hmac_hex(key, {"registration": _registration()}),
    }
    verify_enrollment_request(key, _registration(), request["mac"])


@pytest.mark.parametrize(
    "typed",
    [
        # as printed
        CODE,
        # typed the way a clerk might
        " k7qm 3xrp 9hvd tn4w ",
    ],
)
def test_enrollment_request_keeps_all_but_the_first_group_secret_when_made(
    typed: str,
) -> None:
    text = canonical_json(enrollment_request(typed, _registration())).decode()
    for secret in ("3XRP", "9HVD", "TN4W", "3xrp", "9hvd", "tn4w"):
        assert secret not in text
    assert enrollment_key(CODE).hex() not in text


@pytest.mark.parametrize(
    "typed",
    [
        # the code typed without separators
        "K7QM3XRP9HVDTN4W",
        # two groups run together
        "K7QM3XRP 9HVDTN4W",
    ],
)
def test_enrollment_request_keeps_the_code_secret_when_typed_without_separators(
    typed: str,
) -> None:
    request = enrollment_request(typed, _registration())
    assert request["code_id"] == "K7QM"
    assert "3XRP" not in canonical_json(request).decode()


def _same(honest: str) -> Any:
    return honest


@pytest.mark.parametrize(
    ("code", "registration", "mac"),
    [
        # a machine that does not know the code
        ("AAAA-BBBB-CCCC-DDDD", {}, _same),
        # the same first group (code id), another code
        ("K7QM-3XRP-9HVD-TN4X", {}, _same),
        # the registration altered in transit: another signing key
        (CODE, {"sign_key": b64encode(node_key("impostor").public.raw)}, _same),
        # ... or another center
        (CODE, {"center_code": "513431102"}, _same),
        # the MAC in upper-case hex, cut short, or not text
        (CODE, {}, str.upper),
        (CODE, {}, lambda honest: honest[:-2]),
        (CODE, {}, lambda honest: None),
    ],
)
def test_verify_enrollment_request_raises_bad_signature_when_not_made_with_the_code(
    code: str, registration: dict[str, Any], mac: Callable[[str], Any]
) -> None:
    honest = enrollment_request(code, _registration())["mac"]
    with pytest.raises(BadSignature, match="not made with this code"):
        verify_enrollment_request(enrollment_key(CODE), _registration(**registration), mac(honest))


def test_enrollment_proof_is_hmac_sha256_of_both_statements_when_computed() -> None:
    hub = _hub_info().sign(HUB_KEY).body
    key = hashlib.sha256(CODE.encode("utf-8")).digest()
    expected = _hmac_hex(key, {"hub": hub, "registration": _registration()})
    assert enrollment_proof(enrollment_key(CODE), hub, _registration()) == expected
    verify_enrollment_proof(CODE, hub, _registration(), expected)


def test_verify_enrollment_proof_accepts_proof_when_code_is_typed_another_way() -> None:
    # The hub keys its proof with the normalized code; the node normalizes what was typed.
    hub = _hub_info().sign(HUB_KEY).body
    proof = enrollment_proof(enrollment_key(CODE), hub, _registration())
    verify_enrollment_proof(" k7qm 3xrp-9hvd tn4w ", hub, _registration(), proof)


@pytest.mark.parametrize(
    ("code", "hub", "registration", "proof"),
    [
        # a machine that does not know the code
        ("AAAA-BBBB-CCCC-DDDD", {}, {}, _same),
        # the hub's statement swapped for another hub's keys
        (CODE, {"sign_key": b64encode(node_key("impostor").public.raw)}, {}, _same),
        # the node's statement altered in transit
        (CODE, {}, {"sign_key": b64encode(node_key("impostor").public.raw)}, _same),
        # a proof that is not text (the hub's JSON said null, or a number)
        (CODE, {}, {}, lambda honest: None),
        (CODE, {}, {}, lambda honest: 7),
        # the node's own request MAC echoed back by a relay that does not know the code
        (CODE, {}, {}, lambda honest: enrollment_request(CODE, _registration())["mac"]),
    ],
)
def test_verify_enrollment_proof_raises_bad_signature_when_anything_differs(
    code: str, hub: dict[str, Any], registration: dict[str, Any], proof: Callable[[str], Any]
) -> None:
    honest_hub = _hub_info().sign(HUB_KEY).body
    honest = enrollment_proof(enrollment_key(CODE), honest_hub, _registration())
    with pytest.raises(BadSignature, match="does not prove"):
        verify_enrollment_proof(
            code, honest_hub | hub, _registration(**registration), proof(honest)
        )


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


@pytest.mark.parametrize(
    "changes",
    [
        # a node id that is a number
        {"node_id": 513431101},
        # a center code that is a list
        {"center_code": ["513431101"]},
        # a name that is null
        {"name": None},
    ],
)
def test_node_registration_from_dict_raises_malformed_input_when_member_is_not_text(
    changes: dict[str, Any],
) -> None:
    with pytest.raises(MalformedInput):
        NodeRegistration.from_dict(_registration(**changes))


@pytest.mark.parametrize(
    "changes",
    [
        # a protocol that is a boolean
        {"protocol": True},
        # seal keys that are not an object of text
        {"seal_keys": [b64encode(seal_key().public.raw)]},
    ],
)
def test_hub_info_from_signed_raises_malformed_input_when_member_is_of_the_wrong_type(
    changes: dict[str, Any],
) -> None:
    document = sign_document("hub_info", dataclasses.asdict(_hub_info()) | changes, HUB_KEY)
    with pytest.raises(MalformedInput):
        HubInfo.from_signed(document)
