"""Provides the downward feed: the events of cases a center is party to, from its hub.

A node asks with a *feed request* it signs (which feed position it holds); the hub answers
with a *feed page* it signs, compressed and sealed with HPKE to the node's registered sealing
key, so the names and ID numbers in it are readable by that node only. The same sealed page
travels in a file on a USB stick. A page lists events after a position, each with the center
that recorded it; the node stores them and moves its position to the page's ``next`` in one
transaction, so a page taken twice changes nothing. See docs/protocol.md §10.
"""

from __future__ import annotations

import struct
from dataclasses import asdict, dataclass
from typing import Any

import zstandard
from cryptography.exceptions import InvalidTag

from ._codec import canonical_json, parse_json
from ._documents import SignedDocument, check_field_types, sign_document, verify_document
from ._errors import LocalProtocolError, MalformedInput, UnsupportedVersion, WrongRecipient
from ._events import Event, decode_event, encode_event, is_timestamp
from ._keys import SealPrivateKey, SealPublicKey, SigningKey, VerifyKey

__all__ = [
    "FEED_MAGIC",
    "MAX_FEED_PAGE_EVENTS",
    "FeedEntry",
    "FeedPage",
    "FeedRequest",
    "open_feed_page",
    "seal_feed_page",
]

FEED_MAGIC = b"TSFP"
_FEED_VERSION = 1
MAX_FEED_PAGE_EVENTS = 2_000
_MAX_PAGE_SIZE = 64 * 1024 * 1024
_INFO = b"township-sync/v1/feed\x00"
_PREFIX = struct.Struct(">4sBB")  # magic, version, key id length


@dataclass(frozen=True, slots=True)
class FeedRequest:
    """A node's signed ask for its feed after `after` (a hub feed position, 0 at first).

    It also reports the node's side, for reconciliation at the hub: the newest event it has
    recorded, how many wait to be sent and since when, and its clock (`issued_at`).
    """

    node_id: str
    after: int
    limit: int
    head_seq: int
    """The node's newest event seq: the hub compares it with what it received."""
    unsent_events: int
    oldest_unsent_at: str
    """When the oldest event not yet acknowledged was recorded; empty when none waits."""
    issued_at: str

    def __post_init__(self) -> None:
        check_field_types(self)
        if self.head_seq < 0 or self.unsent_events < 0:
            raise LocalProtocolError("head_seq and unsent_events must be >= 0")
        if self.oldest_unsent_at and not is_timestamp(self.oldest_unsent_at):
            raise LocalProtocolError("oldest_unsent_at must be empty or a wire timestamp")
        if self.after < 0 or not 0 < self.limit <= MAX_FEED_PAGE_EVENTS:
            raise LocalProtocolError(
                f"after must be >= 0 and limit 1..{MAX_FEED_PAGE_EVENTS}, got {self.after}, "
                f"{self.limit}"
            )

    def sign(self, key: SigningKey) -> SignedDocument:
        return sign_document("feed_request", asdict(self), key)

    @classmethod
    def node_of(cls, doc: SignedDocument) -> str:
        """The node a request claims to come from, to find the key to verify it with."""
        node_id = doc.body.get("node_id") if isinstance(doc.body, dict) else None
        if not isinstance(node_id, str) or not node_id:
            raise MalformedInput("feed request has no node_id")
        return node_id

    @classmethod
    def verify(cls, doc: SignedDocument, key: VerifyKey) -> FeedRequest:
        body = verify_document(doc, key, kind="feed_request")
        return _exactly(cls, body)


@dataclass(frozen=True, slots=True)
class FeedEntry:
    """One event in a feed page, with the center whose node recorded it."""

    position: int
    center: str
    event: Event


@dataclass(frozen=True, slots=True)
class FeedPage:
    """Events of the cases a center is party to, after position `after`, in hub order."""

    hub_id: str
    node_id: str
    center_code: str
    after: int
    next: int
    """The position to ask after next time (= the last entry's, or `after` if none)."""
    more: bool
    """More entries wait after `next`."""
    entries: tuple[FeedEntry, ...]
    resend_from: int
    """0, or the batch seq from which the county admin asks this node to send its batches
    again (the hub lost them, e.g. restored from a backup); batches it holds count once."""
    issued_at: str

    def __post_init__(self) -> None:
        if not (type(self.after) is int and type(self.next) is int and self.after >= 0):
            raise LocalProtocolError("feed page positions must be integers >= 0")
        if type(self.resend_from) is not int or self.resend_from < 0:
            raise LocalProtocolError("feed page resend_from must be an integer >= 0")
        positions = [entry.position for entry in self.entries]
        if positions != sorted(set(positions)) or any(p <= self.after for p in positions):
            raise LocalProtocolError("feed page entries must follow `after` in rising order")
        if self.next != (positions[-1] if positions else self.after):
            raise LocalProtocolError("feed page `next` must be its last entry's position")
        if not is_timestamp(self.issued_at):
            raise LocalProtocolError("feed page issued_at is not a wire timestamp")

    def to_body(self) -> dict[str, Any]:
        body = {name: getattr(self, name) for name in _PAGE_FIELDS if name != "entries"}
        body["entries"] = [
            {
                "position": entry.position,
                "center": entry.center,
                "event": _event_text(entry.event),
            }
            for entry in self.entries
        ]
        return body

    @classmethod
    def from_body(cls, body: dict[str, Any]) -> FeedPage:
        if set(body) != set(_PAGE_FIELDS) or not isinstance(body["entries"], list):
            raise MalformedInput(f"feed page must have exactly {sorted(_PAGE_FIELDS)}")
        try:
            entries = tuple(_entry(raw) for raw in body["entries"])
            return cls(**{**body, "entries": entries})
        except (TypeError, LocalProtocolError) as exc:
            raise MalformedInput(f"invalid feed page: {exc}") from exc


_PAGE_FIELDS = tuple(FeedPage.__dataclass_fields__)


def _event_text(event: Event) -> str:
    return encode_event(event).decode("utf-8")


def _entry(raw: Any) -> FeedEntry:
    if not isinstance(raw, dict) or set(raw) != {"position", "center", "event"}:
        raise MalformedInput("feed entry must have exactly center, event and position")
    position, center, text = raw["position"], raw["center"], raw["event"]
    if type(position) is not int or not isinstance(center, str) or not isinstance(text, str):
        raise MalformedInput("feed entry has a field of the wrong type")
    return FeedEntry(position, center, decode_event(text.encode("utf-8")))


def _exactly(cls: type[FeedRequest], body: dict[str, Any]) -> FeedRequest:
    names = set(cls.__dataclass_fields__)
    if set(body) != names:
        raise MalformedInput(f"{cls.__name__} must have exactly {sorted(names)}")
    try:
        return cls(**body)
    except (TypeError, LocalProtocolError) as exc:
        raise MalformedInput(f"invalid {cls.__name__}: {exc}") from exc


def _info(node_id: str, recipient_key_id: str) -> bytes:
    return _INFO + node_id.encode("utf-8") + b"\x00" + recipient_key_id.encode("ascii")


def seal_feed_page(page: FeedPage, key: SigningKey, recipient: SealPublicKey) -> bytes:
    """Signs `page` with the hub key and seals it to the node: the bytes a node receives."""
    document = sign_document("feed_page", page.to_body(), key)
    plain = zstandard.ZstdCompressor(level=9).compress(canonical_json(document.to_dict()))
    key_id = recipient.key_id.encode("ascii")
    sealed = recipient.seal(plain, info=_info(page.node_id, recipient.key_id))
    return _PREFIX.pack(FEED_MAGIC, _FEED_VERSION, len(key_id)) + key_id + sealed


def open_feed_page(
    blob: bytes, *, node_id: str, key: SealPrivateKey, hub_key: VerifyKey
) -> FeedPage:
    """Opens a sealed feed page addressed to `node_id` and checks the hub's signature.

    Raises:
        MalformedInput: not a feed page, or damaged.
        WrongRecipient: sealed to another key.
        UnsupportedVersion: a newer feed format.
        BadSignature: not signed by the pinned hub key.
    """
    if len(blob) < _PREFIX.size or blob[:4] != FEED_MAGIC:
        raise MalformedInput("not a feed page (bad magic)")
    _, version, key_id_length = _PREFIX.unpack_from(blob)
    if version != _FEED_VERSION:
        raise UnsupportedVersion(f"feed page version {version} is not supported")
    key_id = blob[_PREFIX.size : _PREFIX.size + key_id_length].decode("ascii", "replace")
    if key_id != key.public.key_id:
        raise WrongRecipient(f"feed page is sealed to key {key_id}, not this node's")
    try:
        plain = key.open(blob[_PREFIX.size + key_id_length :], info=_info(node_id, key_id))
        if not 0 <= zstandard.frame_content_size(plain) <= _MAX_PAGE_SIZE:
            raise ValueError("page size undeclared or too large")
        text = zstandard.ZstdDecompressor().decompress(plain)
    except (InvalidTag, ValueError, zstandard.ZstdError) as exc:
        raise MalformedInput(f"feed page does not open: {exc.__class__.__name__}") from exc
    document = SignedDocument.from_dict(parse_json(text, what="feed page"))
    page = FeedPage.from_body(verify_document(document, hub_key, kind="feed_page"))
    if page.node_id != node_id:
        raise WrongRecipient(f"feed page is for node {page.node_id}, not {node_id}")
    return page
