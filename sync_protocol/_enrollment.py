"""Provides enrollment objects: a hub's description, a node's registration, and the proof
that binds them to a one-time enrollment code.

The code travels out of band (read over the phone, printed on paper). Both sides MAC the
exchange with it, so a node enrolls with the hub that issued its code and no other, even
over an untrusted link, and a hub learns the node's keys from the holder of the code.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import asdict, dataclass, field
from typing import Any

from ._codec import b64decode, canonical_json
from ._documents import SignedDocument, sign_document, verify_document
from ._errors import BadSignature, MalformedInput
from ._keys import SUITES, SealPublicKey, SigningKey, VerifyKey

__all__ = ["HubInfo", "NodeRegistration", "enrollment_proof", "verify_enrollment_proof"]


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
        except TypeError as exc:
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
        except TypeError as exc:
            raise MalformedInput(f"invalid registration: {exc}") from exc
        if registration.kind not in ("node", "hub") or not registration.node_id:
            raise MalformedInput("registration kind must be node or hub, with a node_id")
        registration.verify_key()
        return registration

    def verify_key(self) -> VerifyKey:
        return VerifyKey(b64decode(self.sign_key, what="node signing key"))

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def enrollment_proof(code: str, hub_info: dict[str, Any], registration: dict[str, Any]) -> str:
    """HMAC-SHA256, keyed with the enrollment code, over both sides' statements."""
    message = canonical_json({"hub": hub_info, "registration": registration})
    return hmac.new(code.encode("utf-8"), message, hashlib.sha256).hexdigest()


def verify_enrollment_proof(
    code: str, hub_info: dict[str, Any], registration: dict[str, Any], proof: str
) -> None:
    """Raises BadSignature unless the hub that answered knew the enrollment code."""
    if not hmac.compare_digest(enrollment_proof(code, hub_info, registration), proof):
        raise BadSignature(
            "the hub's enrollment answer does not prove it issued this code",
            hint="check the hub address; the answer may come from another machine",
        )
