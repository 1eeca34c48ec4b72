"""Provides version compatibility: upcasts of older events, and the node software check.

Nodes are upgraded from USB sticks over weeks, so a hub meets events written by older node
software for a long time. It accepts the current event schema and the two before it (only
one older schema exists so far) and upcasts each old event, one explicit step per version,
to the current shape before any projection code sees it. The signed bytes are never
rewritten: hubs store and forward each event line exactly as its node signed it, and upcast
again whenever they read one back.

Each node names its software in the `Township-Software` HTTP header
("township-node/0.1.0"). A hub configured with a minimum node version refuses batches from an
older node with `node_too_old`: not a refusal of the batch, which stays queued on the node
and is delivered, exactly once, after the node is upgraded.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import fields as dataclass_fields
from dataclasses import replace
from typing import Any

from ._batch import OpenedBatch
from ._errors import LocalProtocolError, NodeTooOld, UnsupportedVersion
from ._events import EVENT_SCHEMA_VERSION, Event

__all__ = [
    "ACCEPTED_EVENT_SCHEMAS",
    "EVENT_UPCASTS",
    "NODE_SOFTWARE",
    "SOFTWARE_HEADER",
    "check_node_software",
    "parse_software",
    "upcast_batch",
    "upcast_event",
    "upcast_event_fields_1_to_2",
    "upcast_events",
]

SOFTWARE_HEADER = "Township-Software"
"""The HTTP request header a node names its software and version in."""
NODE_SOFTWARE = "township-node"
ACCEPTED_EVENT_SCHEMAS = tuple(range(max(1, EVENT_SCHEMA_VERSION - 2), EVENT_SCHEMA_VERSION + 1))
"""The current event schema and the two before it (schema 1 is the first there was)."""

_SOFTWARE = re.compile(r"([a-z][a-z0-9-]*)/([0-9]+(?:\.[0-9]+)*)(?:[.+-]?[0-9A-Za-z.+-]*)?")


def upcast_event_fields_1_to_2(fields: dict[str, Any]) -> dict[str, Any]:
    """Schema 1 → 2: schema 2 added `after`, the event of the case its writer saw last.

    A schema 1 writer did not say; `after` is null, which readers fold exactly as they fold
    a schema 1 event: following the previous event of its case from the same node (§9.9).
    Setting it to that event here instead would be lost when the stored line is read again.
    """
    if fields.get("schema") != 1 or "after" in fields:
        raise LocalProtocolError("upcast 1→2 takes a schema 1 event, which has no `after`")
    return {**fields, "after": None, "schema": 2}


EVENT_UPCASTS: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {
    1: upcast_event_fields_1_to_2,
}
"""From schema N to N+1, one function per step; `upcast_event` chains them."""


def _fields(event: Event) -> dict[str, Any]:
    fields = {f.name: getattr(event, f.name) for f in dataclass_fields(event)}
    if event.schema < 2:
        del fields["after"]  # as on the wire: schema 1 has no such member
    return fields


def upcast_event(event: Event) -> Event:
    """Returns `event` in the current schema (the same object when it already is).

    Raises:
        UnsupportedVersion: a schema older than the hub accepts, or newer than it reads.
    """
    if event.schema == EVENT_SCHEMA_VERSION:
        return event
    if event.schema not in ACCEPTED_EVENT_SCHEMAS:
        raise UnsupportedVersion(
            f"event {event.event_id} has schema {event.schema}; this hub accepts schemas "
            f"{ACCEPTED_EVENT_SCHEMAS[0]}..{ACCEPTED_EVENT_SCHEMAS[-1]}",
            hint="upgrade the node that wrote it, then resend",
        )
    fields = _fields(event)
    while fields["schema"] < EVENT_SCHEMA_VERSION:
        fields = EVENT_UPCASTS[fields["schema"]](fields)
    return Event(**fields)


def upcast_events(events: Iterable[Event]) -> tuple[Event, ...]:
    return tuple(upcast_event(event) for event in events)


def upcast_batch(opened: OpenedBatch) -> OpenedBatch:
    """The batch with its events in the current shape; its signed lines stay as they were.

    The batch header has had one version (protocol 1), so it needs no upcast yet; the first
    header change adds its step here, as events have theirs.
    """
    events = upcast_events(opened.events)
    if events == opened.events:
        return opened
    return replace(opened, events=events)


def parse_software(value: str) -> tuple[str, tuple[int, ...]] | None:
    """("township-node", (0, 1, 0)) from "township-node/0.1.0"; None when unreadable.

    A pre-release or build suffix ("0.2.0rc1", "0.2.0+uos") counts as its release.
    """
    match = _SOFTWARE.fullmatch(value.strip())
    if match is None:
        return None
    return match[1], tuple(int(part) for part in match[2].split("."))


def _padded(version: tuple[int, ...], width: int) -> tuple[int, ...]:
    return version + (0,) * (width - len(version))


def check_node_software(header: str | None, minimum: str) -> None:
    """Refuses a node whose software is below `minimum` (e.g. "0.2.0"; "" accepts all).

    Requests that name no node software (other hubs forwarding, admin tools, USB imports)
    are not judged: the check is about what a township PC runs.

    Raises:
        NodeTooOld: the node is older than `minimum`, or names a version we cannot read.
        LocalProtocolError: `minimum` itself is not a version (the hub's configuration).
    """
    if not minimum:
        return
    wanted = parse_software(f"{NODE_SOFTWARE}/{minimum}")
    if wanted is None:
        raise LocalProtocolError(f"minimum node version {minimum!r} is not like 0.2.0")
    if not header or not header.strip().startswith(f"{NODE_SOFTWARE}/"):
        return
    parsed = parse_software(header)
    width = max(len(wanted[1]), len(parsed[1]) if parsed else 0)
    if parsed is not None and _padded(parsed[1], width) >= _padded(wanted[1], width):
        return
    runs = header.strip()[len(NODE_SOFTWARE) + 1 :] if parsed else f"unreadable {header!r}"
    raise NodeTooOld(
        f"this township node runs {NODE_SOFTWARE} {runs}, but this hub accepts batches only "
        f"from {NODE_SOFTWARE} {minimum} on. Nothing was lost: the node keeps its batches and "
        "delivers them after it is upgraded",
        hint=f"install {NODE_SOFTWARE} {minimum} or newer from the county's USB bundle "
        "(docs/operations.md), then sync again",
    )
