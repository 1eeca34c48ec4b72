"""Provides enrollment objects: a hub's description, a node's registration, and the proof
that binds them to a one-time enrollment code.

The code travels out of band (read over the phone, printed on paper) and never on the wire:
the node sends the code's first group and a MAC, keyed with the code, over its registration;
the hub answers with a MAC over its own description and the registration. So a node enrolls
with the hub that issued its code and no other, and a hub learns the node's keys from the
holder of the code, even over a link someone else can read and alter.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import asdict, dataclass, field
from typing import Any

from ._codec import b64decode, canonical_json
from ._documents import SignedDocument, check_field_types, sign_document, verify_document
from ._errors import BadSignature, LocalProtocolError, MalformedInput
from ._keys import SUITES, SealPublicKey, SigningKey, VerifyKey

__all__ = [
    "CODE_ALPHABET",
    "HubInfo",
    "NodeRegistration",
    "code_id",
    "enrollment_key",
    "enrollment_proof",
    "enrollment_request",
    "normalize_code",
    "verify_enrollment_proof",
    "verify_enrollment_request",
]


@dataclass(frozen=True, slots=True)
class HubInfo:
    """A hub's self-description, signed by its own key."""

    hub_id: str
    tier: str
    """"county" or "prefecture"."""
    org_code: str
    name: str
    sign_key: str
    """Ed25519 public key, base64url."""
    seal_keys: dict[str, str] = field(default_factory=dict)
    """HPKE public keys by suite, base64url."""
    preferred_suite: str = SUITES[0]
    protocol: int = 1

    def verify_key(self) -> VerifyKey:
        return VerifyKey(b64decode(self.sign_key, what="hub signing key"))

    def seal_key(self, suite: str | None = None) -> SealPublicKey:
        """The key nodes seal to: the preferred suite unless one is named."""
        chosen = suite or self.preferred_suite
        if chosen not in self.seal_keys:
            raise MalformedInput(f"hub {self.hub_id} publishes no {chosen} key")
        return SealPublicKey(chosen, b64decode(self.seal_keys[chosen], what="hub seal key"))

    def sign(self, key: SigningKey) -> SignedDocument:
        return sign_document("hub_info", asdict(self), key)

    @classmethod
    def from_signed(cls, doc: SignedDocument) -> HubInfo:
        """Reads a self-signed hub description and checks it is signed by the key it names.

        Raises:
            MalformedInput, BadSignature.
        """
        try:
            info = cls(**doc.body)
            check_field_types(info)
        except (TypeError, LocalProtocolError) as exc:
            raise MalformedInput(f"invalid hub info: {exc}") from exc
        verify_document(doc, info.verify_key(), kind="hub_info")
        return info


@dataclass(frozen=True, slots=True)
class NodeRegistration:
    """What a node (or a county hub linking upward) tells a hub about itself."""

    node_id: str
    center_code: str
    name: str
    sign_key: str
    seal_suite: str
    seal_key: str
    kind: str = "node"
    """"node" for a service center's node, "hub" for a county hub linking to its prefecture."""
    software: str = ""

    @classmethod
    def from_dict(cls, obj: Any) -> NodeRegistration:
        if not isinstance(obj, dict):
            raise MalformedInput("registration must be a JSON object")
        try:
            registration = cls(**obj)
            check_field_types(registration)
        except (TypeError, LocalProtocolError) as exc:
            raise MalformedInput(f"invalid registration: {exc}") from exc
        if registration.kind not in ("node", "hub") or not registration.node_id:
            raise MalformedInput("registration kind must be node or hub, with a node_id")
        registration.verify_key()
        return registration

    def verify_key(self) -> VerifyKey:
        return VerifyKey(b64decode(self.sign_key, what="node signing key"))

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
"""Letters and digits that cannot be misread aloud (no 0/O, 1/I)."""


def normalize_code(code: str) -> str:
    """The one spelling of a code: 16 characters of CODE_ALPHABET, in groups of four.

    Raises:
        LocalProtocolError: not 16 code characters once spaces and dashes are dropped.
    """
    raw = "".join(ch for ch in str(code).upper() if not (ch.isspace() or ch == "-"))
    if len(raw) != 16 or any(ch not in CODE_ALPHABET for ch in raw):
        raise LocalProtocolError(
            "an enrollment code is 16 letters and digits, like K7QM-3XRP-9HVD-TN4W"
        )
    return "-".join(raw[i : i + 4] for i in range(0, 16, 4))


def enrollment_key(code: str) -> bytes:
    """The MAC key both sides derive from a code; the hub stores only this, not the code."""
    return hashlib.sha256(normalize_code(code).encode("utf-8")).digest()


def code_id(code: str) -> str:
    """The code's first group: it names the code on the wire without revealing it."""
    return normalize_code(code).split("-")[0]


def _mac(key: bytes, statement: dict[str, Any]) -> str:
    try:
        message = canonical_json(statement)
    except LocalProtocolError as exc:  # only a peer's statement can lack a canonical form
        raise MalformedInput(f"enrollment statement has no canonical form: {exc}") from exc
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def enrollment_request(code: str, registration: dict[str, Any]) -> dict[str, Any]:
    """What a node sends to enroll: the code's id and a MAC over its registration.

    The code itself never travels, so whoever reads the request can neither reuse the code
    nor answer in the hub's name.
    """
    return {
        "code_id": code_id(code),
        "registration": registration,
        "mac": _mac(enrollment_key(code), {"registration": registration}),
    }


def verify_enrollment_request(key: bytes, registration: dict[str, Any], mac: str) -> None:
    """Raises BadSignature unless the request was made by a holder of the code."""
    if not isinstance(mac, str) or not hmac.compare_digest(
        _mac(key, {"registration": registration}), mac
    ):
        raise BadSignature(
            "the enrollment request was not made with this code",
            hint="check the code; ask the hub admin for a new one if in doubt",
        )


def enrollment_proof(key: bytes, hub_info: dict[str, Any], registration: dict[str, Any]) -> str:
    """The hub's MAC, keyed with the code, over both sides' statements."""
    return _mac(key, {"hub": hub_info, "registration": registration})


def verify_enrollment_proof(
    code: str, hub_info: dict[str, Any], registration: dict[str, Any], proof: object
) -> None:
    """Raises BadSignature unless the hub that answered knew the enrollment code."""
    expected = enrollment_proof(enrollment_key(code), hub_info, registration)
    if not isinstance(proof, str) or not hmac.compare_digest(expected, proof):
        raise BadSignature(
            "the hub's enrollment answer does not prove it issued this code",
            hint="check the hub address; the answer may come from another machine",
        )
