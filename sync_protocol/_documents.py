"""Provides signed documents: receipts, cursors, registrations and anything a hub states.

A document is a kind, a JSON body, and an Ed25519 signature over
`b"township-sync/v1/document/" + kind + b"\\x00" + canonical_json(body)`. The kind is signed
too, so a receipt can never be replayed as a cursor; the "document/" part keeps every
document signature apart from batch signatures (`township-sync/v1/batch`).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, fields
from typing import Any, TypeVar

from ._codec import b64decode, b64encode, canonical_json
from ._errors import LocalProtocolError, MalformedInput
from ._events import is_timestamp
from ._keys import SigningKey, VerifyKey

__all__ = [
    "MAX_DOCUMENT_SIZE",
    "Cursor",
    "Receipt",
    "SignedDocument",
    "check_field_types",
    "sign_document",
    "verify_document",
]

RECEIPT_STATUSES = ("applied", "held", "rejected")
MAX_DOCUMENT_SIZE = 8 * 1024 * 1024
"""The most a reader takes of one JSON file on a USB stick (a signed document or the catalog
bundle): 60 times the sample catalog bundle, and a bound on what parsing it can cost."""

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class SignedDocument:
    kind: str
    body: dict[str, Any]
    signer_key_id: str
    signature: bytes

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "body": self.body,
            "signer_key_id": self.signer_key_id,
            "signature": b64encode(self.signature),
        }

    @classmethod
    def from_dict(cls, obj: Any) -> SignedDocument:
        """Reads the JSON form.

        Raises:
            MalformedInput: fields missing or of the wrong type.
        """
        if not isinstance(obj, dict) or set(obj) != {"kind", "body", "signer_key_id", "signature"}:
            raise MalformedInput("signed document must have kind, body, signer_key_id, signature")
        if not isinstance(obj["body"], dict) or not all(
            isinstance(obj[name], str) for name in ("kind", "signer_key_id", "signature")
        ):
            raise MalformedInput("signed document body must be an object, the rest strings")
        return cls(
            obj["kind"],
            obj["body"],
            obj["signer_key_id"],
            b64decode(obj["signature"], what="document signature"),
        )


_KIND = re.compile(r"[a-z][a-z_]{0,39}")


def _message(kind: str, body: dict[str, Any]) -> bytes:
    """The signed bytes; raises LocalProtocolError for a bad kind or body (callers that read
    a peer's document turn that into MalformedInput)."""
    if not isinstance(kind, str) or not _KIND.fullmatch(kind):
        raise LocalProtocolError(f"document kind {kind!r} is not a lowercase name")
    return b"township-sync/v1/document/" + kind.encode("ascii") + b"\x00" + canonical_json(body)


def sign_document(kind: str, body: dict[str, Any], key: SigningKey) -> SignedDocument:
    """Signs `body` as a document of `kind`.

    Raises:
        LocalProtocolError: a kind that is not a lowercase name, or a body with no canonical
            form.
    """
    return SignedDocument(kind, body, key.public.key_id, key.sign(_message(kind, body)))


def verify_document(doc: SignedDocument, key: VerifyKey, *, kind: str) -> dict[str, Any]:
    """Checks a document's kind and signature and returns its body.

    Raises:
        MalformedInput: a document of another kind.
        BadSignature: the signature does not verify with `key`.
    """
    if doc.kind != kind:
        raise MalformedInput(f"expected a {kind} document, got {doc.kind!r}")
    try:
        message = _message(doc.kind, doc.body)
    except LocalProtocolError as exc:
        raise MalformedInput(f"the {kind} has no canonical form: {exc.message}") from exc
    key.verify(doc.signature, message, what=f"the {kind}")
    return doc.body


_FIELD_TYPES = {"str": str, "int": int, "dict[str, str]": dict}


def check_field_types(obj: Any) -> None:
    """Refuses a wire object whose fields are not of their declared types (bool is no int),
    and, for an `issued_at` field, anything but a wire timestamp."""
    for f in fields(obj):
        value = getattr(obj, f.name)
        if type(value) is not _FIELD_TYPES[str(f.type)]:
            raise LocalProtocolError(f"{type(obj).__name__}.{f.name} must be {f.type}")
        if isinstance(value, dict) and not all(
            isinstance(k, str) and isinstance(v, str) for k, v in value.items()
        ):
            raise LocalProtocolError(f"{type(obj).__name__}.{f.name} must map text to text")
    issued_at = getattr(obj, "issued_at", None)
    if issued_at is not None and not is_timestamp(issued_at):
        raise LocalProtocolError(f"{type(obj).__name__}.issued_at is not a wire timestamp")


def _from_body(cls: type[T], body: dict[str, Any]) -> T:
    names = {f.name for f in fields(cls)}  # type: ignore[arg-type]
    if set(body) != names:
        raise MalformedInput(f"{cls.__name__} must have exactly {sorted(names)}")
    try:
        return cls(**body)
    except (TypeError, LocalProtocolError) as exc:
        raise MalformedInput(f"invalid {cls.__name__}: {exc}") from exc


@dataclass(frozen=True, slots=True)
class Receipt:
    """A hub's signed answer to one batch. A re-sent batch gets the very same receipt."""

    hub_id: str
    node_id: str
    batch_seq: int
    batch_hash: str
    status: str
    """applied, held (waiting for an earlier batch) or rejected."""
    next_batch_seq: int
    """The hub's cursor for this node: the next batch it expects."""
    last_event_seq: int
    reason: str
    """Empty when applied; else the error code and message."""
    issued_at: str

    def __post_init__(self) -> None:
        check_field_types(self)
        if self.status not in RECEIPT_STATUSES:
            raise LocalProtocolError(f"receipt status must be one of {RECEIPT_STATUSES}")

    def sign(self, key: SigningKey) -> SignedDocument:
        return sign_document("receipt", asdict(self), key)

    @classmethod
    def verify(cls, doc: SignedDocument, key: VerifyKey) -> Receipt:
        return _from_body(cls, verify_document(doc, key, kind="receipt"))


@dataclass(frozen=True, slots=True)
class Cursor:
    """What a hub holds of one node: the node resends from here, never guesses."""

    hub_id: str
    node_id: str
    next_batch_seq: int
    last_event_seq: int
    last_batch_hash: str
    issued_at: str

    def __post_init__(self) -> None:
        check_field_types(self)

    def sign(self, key: SigningKey) -> SignedDocument:
        return sign_document("cursor", asdict(self), key)

    @classmethod
    def verify(cls, doc: SignedDocument, key: VerifyKey) -> Cursor:
        return _from_body(cls, verify_document(doc, key, kind="cursor"))
