"""Provides the exception tree of sync_protocol.

    ProtocolError                 base: every error this package raises
    ├── LocalProtocolError        we were asked to build something invalid (our bug or misuse)
    └── RemoteProtocolError       the other side sent something we must refuse
        ├── MalformedInput        bytes that do not parse as the spec says
        ├── UnsupportedVersion    a protocol or schema version we do not speak
        ├── NodeTooOld            a node's software is below the hub's minimum (kept queued)
        ├── BadSignature          a signature that does not verify
        ├── WrongRecipient        sealed to a key that is not ours
        ├── UnknownNode           a sender no hub enrolled
        ├── RevokedNode           a sender whose key was revoked
        ├── NotForwarded          a township's batch that did not come through its county
        ├── BrokenChain           a batch whose previous-hash or sequence does not follow
        └── ConflictingBatch      the same batch seq with different content
    TransportError                the hub could not be reached or answered with an error
    ├── HubUnreachable            no answer (network down, timeout, connection reset)
    └── HubRejected               the hub answered and refused (carries its error code)

Every error carries a machine `code`, a human `message` that says what to do, and an
optional `hint`. Hubs put `code` on the wire, so the codes are part of the protocol.
"""

from __future__ import annotations

__all__ = [
    "BadSignature",
    "BrokenChain",
    "ConflictingBatch",
    "HubRejected",
    "HubUnreachable",
    "LocalProtocolError",
    "MalformedInput",
    "NodeTooOld",
    "NotForwarded",
    "ProtocolError",
    "RemoteProtocolError",
    "RevokedNode",
    "TransportError",
    "UnknownNode",
    "UnsupportedVersion",
    "WrongRecipient",
]


class ProtocolError(Exception):
    """Base of every sync_protocol error."""

    code = "protocol_error"
    http_status = 400

    def __init__(self, message: str, *, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def to_dict(self) -> dict[str, str]:
        """Returns the error as the JSON object hubs send on the wire."""
        return {"code": self.code, "message": self.message, "hint": self.hint}


class LocalProtocolError(ProtocolError):
    """We were asked to build an invalid protocol object."""

    code = "local_protocol_error"


class RemoteProtocolError(ProtocolError):
    """The peer sent something the protocol requires us to refuse."""

    code = "remote_protocol_error"


class MalformedInput(RemoteProtocolError):
    code = "malformed_input"


class UnsupportedVersion(RemoteProtocolError):
    code = "unsupported_version"
    http_status = 426


class NodeTooOld(RemoteProtocolError):
    """The node's software is older than the hub's minimum: the node keeps its batches
    queued (this is not a refusal of any batch) and sends them after it is upgraded."""

    code = "node_too_old"
    http_status = 426


class BadSignature(RemoteProtocolError):
    code = "bad_signature"
    http_status = 403


class WrongRecipient(RemoteProtocolError):
    code = "wrong_recipient"
    http_status = 421


class UnknownNode(RemoteProtocolError):
    code = "unknown_node"
    http_status = 403


class RevokedNode(RemoteProtocolError):
    code = "revoked_node"
    http_status = 403


class NotForwarded(RemoteProtocolError):
    """At the prefecture: a county-registered node's batch without that county's
    countersignature (posted straight up, or forwarded by another hub)."""

    code = "not_forwarded"
    http_status = 403


class BrokenChain(RemoteProtocolError):
    code = "broken_chain"
    http_status = 409


class ConflictingBatch(RemoteProtocolError):
    code = "conflicting_batch"
    http_status = 409


class TransportError(ProtocolError):
    """Talking to a hub failed."""

    code = "transport_error"


class HubUnreachable(TransportError):
    """No usable answer. `retry_after` is how long the hub asked us to wait, if it did."""

    code = "hub_unreachable"

    def __init__(self, message: str, *, hint: str = "", retry_after: float | None = None) -> None:
        super().__init__(message, hint=hint)
        self.retry_after = retry_after


class HubRejected(TransportError):
    """The hub answered with an error; `remote_code` is the hub's error code."""

    code = "hub_rejected"

    def __init__(self, message: str, *, remote_code: str, status: int, hint: str = "") -> None:
        super().__init__(message, hint=hint)
        self.remote_code = remote_code
        self.status = status
