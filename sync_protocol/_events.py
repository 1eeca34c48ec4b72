"""Provides the event: the immutable unit every window action is recorded as."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import uuid6

from ._codec import canonical_json, parse_json
from ._errors import LocalProtocolError, MalformedInput, UnsupportedVersion

__all__ = [
    "EVENT_SCHEMA_VERSION",
    "Event",
    "decode_event",
    "encode_event",
    "format_timestamp",
    "is_timestamp",
    "new_event_id",
    "parse_timestamp",
]

EVENT_SCHEMA_VERSION = 2
"""The event schema this code writes. Readers accept 1..EVENT_SCHEMA_VERSION.

Schema 2 added ``after``, which orders the events of a case recorded at several centers."""

# Used with fullmatch: "$" would let a trailing newline through, and "\d" any Unicode digit.
_TIMESTAMP = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z")
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_FIELDS = frozenset(
    {
        "case_id",
        "clerk_id",
        "event_id",
        "node_id",
        "occurred_at",
        "payload",
        "schema",
        "seq",
        "type",
    }
)
_FIELDS_BY_SCHEMA = {1: _FIELDS, 2: _FIELDS | {"after"}}


def is_timestamp(text: object) -> bool:
    """Whether `text` is a wire timestamp (UTC, milliseconds, "Z") of a real date and time."""
    if not isinstance(text, str) or _TIMESTAMP.fullmatch(text) is None:
        return False
    try:
        datetime.fromisoformat(text)
    except ValueError:  # 2026-13-01, 2026-02-30, 25:00 …
        return False
    return True


def new_event_id() -> str:
    """Returns a fresh UUIDv7 (time-ordered, so ids sort roughly by creation)."""
    return str(uuid6.uuid7())


def format_timestamp(moment: datetime) -> str:
    """Formats an aware datetime as the wire's UTC millisecond timestamp."""
    if moment.tzinfo is None:
        raise LocalProtocolError("timestamps must be timezone-aware")
    utc = moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def parse_timestamp(text: str) -> datetime:
    """Parses a wire timestamp back to an aware UTC datetime.

    Raises:
        MalformedInput: not of the form 2026-11-28T02:15:07.120Z.
    """
    if not is_timestamp(text):
        raise MalformedInput(f"timestamp {text!r} is not of the form 2026-11-28T02:15:07.120Z")
    # fromisoformat reads the trailing "Z" from Python 3.11 on, and is ~30x faster than strptime.
    return datetime.fromisoformat(text)


@dataclass(frozen=True, slots=True)
class Event:
    """One recorded fact about a case, written once by one node and never changed."""

    event_id: str
    """UUIDv7, unique across every node."""
    node_id: str
    """The node that wrote the event."""
    seq: int
    """Gapless per-node sequence number, starting at 1."""
    case_id: str
    type: str
    """The lifecycle action, e.g. "accept" or "complete" (casework defines them)."""
    occurred_at: str
    """UTC timestamp with milliseconds, e.g. 2026-11-28T02:15:07.120Z."""
    clerk_id: str
    payload: dict[str, Any] = field(default_factory=dict)
    after: str | None = None
    """The event of the same case its writer had seen last (schema 2), so hubs and nodes order
    the events of a case recorded at several centers the same way; None for an acceptance."""
    schema: int = EVENT_SCHEMA_VERSION

    def __post_init__(self) -> None:
        if not _UUID.fullmatch(self.event_id):
            raise LocalProtocolError(f"event_id {self.event_id!r} is not a lowercase UUID")
        if type(self.seq) is not int or self.seq < 1:
            raise LocalProtocolError(f"seq must be a positive integer, got {self.seq!r}")
        if not is_timestamp(self.occurred_at):
            raise LocalProtocolError(f"occurred_at {self.occurred_at!r} is not a UTC timestamp")
        for name in ("node_id", "case_id", "type", "clerk_id"):
            value = getattr(self, name)
            if not isinstance(value, str) or not value:
                raise LocalProtocolError(f"{name} must be a non-empty string")
        if not isinstance(self.payload, dict):
            raise LocalProtocolError("payload must be a JSON object")
        if type(self.schema) is not int or not 1 <= self.schema <= EVENT_SCHEMA_VERSION:
            raise LocalProtocolError(
                f"schema must be an integer from 1 to {EVENT_SCHEMA_VERSION}, got {self.schema!r}"
            )
        if self.after is not None and (
            self.schema < 2 or not isinstance(self.after, str) or not _UUID.fullmatch(self.after)
        ):
            raise LocalProtocolError("after must be null or a lowercase UUID, from schema 2 on")


def encode_event(event: Event) -> bytes:
    """Encodes an event to its canonical bytes (one line of a batch body)."""
    fields: dict[str, Any] = {"after": event.after} if event.schema >= 2 else {}
    return canonical_json(
        {
            **fields,
            "case_id": event.case_id,
            "clerk_id": event.clerk_id,
            "event_id": event.event_id,
            "node_id": event.node_id,
            "occurred_at": event.occurred_at,
            "payload": event.payload,
            "schema": event.schema,
            "seq": event.seq,
            "type": event.type,
        }
    )


def decode_event(data: bytes) -> Event:
    """Decodes one canonical event line.

    Raises:
        MalformedInput: not an event object.
        UnsupportedVersion: an event schema newer than this code.
    """
    obj = parse_json(data, what="event")
    if not isinstance(obj, dict) or "schema" not in obj:
        raise MalformedInput(f"event must have exactly the fields {sorted(_FIELDS)}")
    schema = obj["schema"]
    if type(schema) is not int or not 1 <= schema <= EVENT_SCHEMA_VERSION:
        raise UnsupportedVersion(
            f"event schema {schema!r} is not supported (this software reads 1.."
            f"{EVENT_SCHEMA_VERSION})",
            hint="upgrade the receiving software",
        )
    expected = _FIELDS_BY_SCHEMA[schema]
    if obj.keys() != expected:
        raise MalformedInput(f"a schema {schema} event has exactly the fields {sorted(expected)}")
    try:
        return Event(**obj)
    except (LocalProtocolError, TypeError) as exc:
        raise MalformedInput(f"invalid event: {exc}") from exc
