"""Provides batches: signed by the node that wrote them, sealed to one hub per hop.

A batch has two layers. The *signed batch* (header + Ed25519 signature + compressed body)
is made once by the node and never changes, so its signature travels to the prefecture.
The *envelope* (recipient key id and cipher suite) is rewritten at each hop, when the body
is sealed again to the next hub's key. See docs/protocol.md for the byte layout.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

import zstandard
from cryptography.exceptions import InvalidTag

from ._codec import b64decode, b64encode, canonical_json, parse_json
from ._errors import (
    BadSignature,
    LocalProtocolError,
    MalformedInput,
    UnsupportedVersion,
    WrongRecipient,
)
from ._events import Event, decode_event, format_timestamp, is_timestamp
from ._keys import SealPrivateKey, SealPublicKey, SigningKey, VerifyKey

__all__ = [
    "GENESIS_HASH",
    "MAX_BODY_SIZE",
    "MAX_EVENTS_PER_BATCH",
    "MAX_FRAME_SIZE",
    "PROTOCOL_VERSION",
    "BatchHeader",
    "Forwarder",
    "OpenedBatch",
    "SealedBatch",
    "SignedBatch",
    "build_batch",
    "check_recipient",
    "open_batch",
    "peek_batch",
    "read_batch",
    "seal_batch",
]

PROTOCOL_VERSION = 1
MAGIC = b"TSYN"
FRAME_VERSION = 1
GENESIS_HASH = "0" * 64
"""The previous-batch hash of a node's first batch."""
MAX_EVENTS_PER_BATCH = 10_000
MAX_BODY_SIZE = 32 * 1024 * 1024
MAX_HEADER_SIZE = 4096
MAX_FRAME_SIZE = MAX_BODY_SIZE + 64 * 1024
"""A sealed frame is at most its compressed body plus framing: the most a hub reads of one
request body (HTTP) or one `.tsb` file (USB)."""
COMPRESSION = "zstd"
ZSTD_LEVEL = 9
"""Measured on realistic batches (bench/compression.py): 36.5 B/event at 133 MB/s, against
41.4 at 736 MB/s for level 3 and 50.2 for zlib-6. Township links are slow and CPUs idle:
the 12 % fewer bytes are worth 2 ms per 1,000-event batch."""
_SIGNATURE_SIZE = 64
_PREFIX = len(MAGIC) + 1 + 2
_SIGNATURE_CONTEXT = b"township-sync/v1/batch\x00"
_FORWARD_CONTEXT = b"township-sync/v1/forward\x00"
_REQUIRED_HOP_FIELDS = ("recipient_key_id", "suite")
_FORWARD_FIELDS = ("via", "via_signature")
_HOP_FIELDS = frozenset({*_REQUIRED_HOP_FIELDS, *_FORWARD_FIELDS})
_KEY_ID = re.compile(r"[0-9a-f]{16}")


@dataclass(frozen=True, slots=True)
class BatchHeader:
    """The signed header of a batch; every field travels in clear."""

    protocol: int
    node_id: str
    sender_key_id: str
    batch_seq: int
    first_seq: int
    last_seq: int
    event_count: int
    prev_hash: str
    created_at: str
    body_hash: str
    """SHA-256 (hex) of the uncompressed body, so the hash does not depend on zstd's version."""
    body_size: int
    """Uncompressed body length; bounds decompression."""
    compression: str = COMPRESSION

    def __post_init__(self) -> None:
        problems = _header_problems(self)
        if problems:
            raise LocalProtocolError("invalid batch header: " + "; ".join(problems))

    def encode(self) -> bytes:
        """Returns the canonical bytes that are signed and hashed."""
        return canonical_json(asdict(self))

    @classmethod
    def decode(cls, data: bytes) -> BatchHeader:
        """Reads a header back from `encode()` output.

        Raises:
            MalformedInput: not a canonical batch header.
        """
        fields = parse_json(data, what="batch header")
        if not isinstance(fields, dict) or _canonical_or_none(fields) != data:
            raise MalformedInput("batch header is not a canonical JSON object")
        _refuse_newer_protocol(fields)
        return _header_from_fields(fields)

    @property
    def batch_hash(self) -> str:
        """The hash that names this batch in the chain and in receipts."""
        return hashlib.sha256(self.encode()).hexdigest()


def _header_problems(h: BatchHeader) -> list[str]:
    problems = []
    for name in ("protocol", "batch_seq", "first_seq", "last_seq", "event_count", "body_size"):
        if type(getattr(h, name)) is not int or getattr(h, name) < 1:
            problems.append(f"{name} must be a positive integer")
    if problems:
        return problems
    if h.last_seq - h.first_seq + 1 != h.event_count:
        problems.append("event_count must equal last_seq - first_seq + 1")
    if h.event_count > MAX_EVENTS_PER_BATCH:
        problems.append(f"at most {MAX_EVENTS_PER_BATCH} events per batch")
    if h.body_size > MAX_BODY_SIZE:
        problems.append(f"body_size is over {MAX_BODY_SIZE} bytes")
    for name in ("prev_hash", "body_hash"):
        value = getattr(h, name)
        if not isinstance(value, str) or len(value) != 64 or value.strip("0123456789abcdef"):
            problems.append(f"{name} must be 64 lowercase hex digits")
    if not is_timestamp(h.created_at):
        problems.append("created_at must be a UTC timestamp like 2026-11-28T02:15:07.120Z")
    if not isinstance(h.sender_key_id, str) or not _KEY_ID.fullmatch(h.sender_key_id):
        problems.append("sender_key_id must be 16 lowercase hex digits")
    if h.protocol > PROTOCOL_VERSION:
        problems.append(f"protocol {h.protocol} is newer than {PROTOCOL_VERSION}")
    if h.compression != COMPRESSION:
        problems.append(f"compression must be {COMPRESSION!r}")
    if not isinstance(h.node_id, str) or not h.node_id:
        problems.append("node_id must be a non-empty string")
    return problems


@dataclass(frozen=True, slots=True)
class SignedBatch:
    """A batch as its node made it: header, signature, compressed body."""

    header: BatchHeader
    signature: bytes
    body: bytes

    def verify(self, sender: VerifyKey) -> None:
        """Checks the node's signature over the header.

        Raises:
            BadSignature: the header (and so the body it hashes) is not the node's.
        """
        sender.verify(self.signature, _SIGNATURE_CONTEXT + self.header.encode(), what="batch")


@dataclass(frozen=True, slots=True)
class SealedBatch:
    """A batch as it arrives: clear header and envelope, body still sealed."""

    header: BatchHeader
    recipient_key_id: str
    suite: str
    signature: bytes
    sealed_body: bytes
    clear_header: bytes
    """The exact clear header bytes; HPKE binds them as `info`."""
    via: str = ""
    """The county hub that forwards this batch and countersigns it ("" when none does)."""
    via_signature: bytes = b""

    def signed(self, body: bytes) -> SignedBatch:
        return SignedBatch(self.header, self.signature, body)

    def verify_forwarder(self, county: VerifyKey) -> None:
        """Checks the countersignature of `self.via`: that county holds this very batch.

        Raises:
            BadSignature: no countersignature, or not by `county`.
        """
        if not self.via_signature:
            raise BadSignature(
                f"batch {self.header.batch_seq} of {self.header.node_id} carries no county "
                "countersignature"
            )
        statement = _forward_statement(self.header, self.recipient_key_id, self.via)
        county.verify(self.via_signature, statement, what="county countersignature")


@dataclass(frozen=True, slots=True)
class Forwarder:
    """A county hub forwarding a township's batch up: its id and signing key."""

    hub_id: str
    signing: SigningKey


def _forward_statement(header: BatchHeader, recipient_key_id: str, via: str) -> bytes:
    """What a forwarding county signs (protocol.md §5.8): this batch, to this recipient."""
    return _FORWARD_CONTEXT + canonical_json(
        {
            "batch_hash": header.batch_hash,
            "batch_seq": header.batch_seq,
            "node_id": header.node_id,
            "recipient_key_id": recipient_key_id,
            "via": via,
        }
    )


@dataclass(frozen=True, slots=True)
class OpenedBatch:
    """A verified, decrypted batch and its decoded events."""

    batch: SignedBatch
    events: tuple[Event, ...]
    lines: tuple[bytes, ...]
    """The canonical bytes of each event, as signed."""


def build_batch(
    lines: Sequence[bytes],
    *,
    node_id: str,
    first_seq: int,
    batch_seq: int,
    prev_hash: str,
    signing_key: SigningKey,
    created_at: datetime | None = None,
) -> SignedBatch:
    """Cuts canonical event lines into a signed batch.

    Args:
        lines: `encode_event` output for consecutive events first_seq, first_seq+1, ...
    """
    if not lines:
        raise LocalProtocolError("a batch needs at least one event")
    body = b"\n".join(lines)
    header = BatchHeader(
        protocol=PROTOCOL_VERSION,
        node_id=node_id,
        sender_key_id=signing_key.public.key_id,
        batch_seq=batch_seq,
        first_seq=first_seq,
        last_seq=first_seq + len(lines) - 1,
        event_count=len(lines),
        prev_hash=prev_hash,
        created_at=format_timestamp(created_at or datetime.now(UTC)),
        body_hash=hashlib.sha256(body).hexdigest(),
        body_size=len(body),
    )
    compressed = zstandard.ZstdCompressor(level=ZSTD_LEVEL).compress(body)
    signature = signing_key.sign(_SIGNATURE_CONTEXT + header.encode())
    return SignedBatch(header, signature, compressed)


def seal_batch(
    batch: SignedBatch, recipient: SealPublicKey, *, forwarder: Forwarder | None = None
) -> bytes:
    """Frames a signed batch with its body sealed to `recipient` (one hop).

    Args:
        forwarder: the county passing a township's batch up; it countersigns the batch in
            the envelope, so the prefecture takes it as the county's copy.
    """
    hop: dict[str, Any] = {"recipient_key_id": recipient.key_id, "suite": recipient.suite}
    if forwarder is not None:
        statement = _forward_statement(batch.header, recipient.key_id, forwarder.hub_id)
        hop["via"] = forwarder.hub_id
        hop["via_signature"] = b64encode(forwarder.signing.sign(statement))
    clear = canonical_json(asdict(batch.header) | hop)
    sealed = recipient.seal(batch.body, info=clear)
    frame = MAGIC + bytes([FRAME_VERSION]) + len(clear).to_bytes(2, "big")
    return frame + clear + batch.signature + sealed


def peek_batch(blob: bytes) -> SealedBatch:
    """Parses the frame and clear header without any key.

    Raises:
        MalformedInput: the bytes are not a batch frame.
        UnsupportedVersion: a frame or protocol version this code does not speak.
    """
    if len(blob) < _PREFIX or blob[:4] != MAGIC:
        raise MalformedInput("not a township-sync batch (bad magic bytes)")
    if blob[4] != FRAME_VERSION:
        raise UnsupportedVersion(
            f"batch frame version {blob[4]} is not supported (this hub reads {FRAME_VERSION})",
            hint="upgrade the hub, or resend from a node of a supported version",
        )
    header_len = int.from_bytes(blob[5:7], "big")
    if header_len > MAX_HEADER_SIZE or len(blob) < _PREFIX + header_len + _SIGNATURE_SIZE:
        raise MalformedInput("batch is truncated or its header length is out of range")
    clear = blob[_PREFIX : _PREFIX + header_len]
    fields = _parse_clear_header(clear)
    rest = blob[_PREFIX + header_len :]
    return SealedBatch(
        header=_header_from_fields(fields),
        recipient_key_id=fields["recipient_key_id"],
        suite=fields["suite"],
        signature=rest[:_SIGNATURE_SIZE],
        sealed_body=rest[_SIGNATURE_SIZE:],
        clear_header=clear,
        via=fields.get("via", ""),
        via_signature=b64decode(fields["via_signature"], what="county countersignature")
        if "via_signature" in fields
        else b"",
    )


def _parse_clear_header(clear: bytes) -> dict[str, Any]:
    fields = parse_json(clear, what="batch header")
    if not isinstance(fields, dict):
        raise MalformedInput("batch header must be a JSON object")
    _refuse_newer_protocol(fields)
    if _canonical_or_none(fields) != clear:
        raise MalformedInput("batch header is not in canonical form")
    for name in _REQUIRED_HOP_FIELDS:
        if not isinstance(fields.get(name), str):
            raise MalformedInput(f"batch header lacks {name}")
    forward = [name for name in _FORWARD_FIELDS if name in fields]
    if forward and (
        len(forward) != len(_FORWARD_FIELDS)
        or not all(isinstance(fields[name], str) and fields[name] for name in forward)
    ):
        raise MalformedInput("batch header's via and via_signature must both be non-empty text")
    return fields


def _refuse_newer_protocol(fields: dict[str, Any]) -> None:
    protocol = fields.get("protocol")
    if type(protocol) is int and protocol > PROTOCOL_VERSION:
        raise UnsupportedVersion(
            f"protocol version {protocol} is newer than this software ({PROTOCOL_VERSION})",
            hint="upgrade the receiving hub before sending batches of this version",
        )


def _canonical_or_none(fields: Any) -> bytes | None:
    """Canonical bytes of a peer's value, or None when it has none (big ints, odd keys)."""
    try:
        return canonical_json(fields)
    except LocalProtocolError:
        return None


def _header_from_fields(fields: Mapping[str, Any]) -> BatchHeader:
    signed = {k: v for k, v in fields.items() if k not in _HOP_FIELDS}
    try:
        return BatchHeader(**signed)
    except LocalProtocolError as exc:  # its message already says "invalid batch header"
        raise MalformedInput(exc.message) from exc
    except TypeError as exc:
        raise MalformedInput(f"invalid batch header: {exc}") from exc


def open_batch(
    sealed: SealedBatch,
    *,
    recipient_keys: Mapping[str, SealPrivateKey],
    sender: VerifyKey,
) -> OpenedBatch:
    """Verifies, decrypts and decodes a batch.

    Args:
        recipient_keys: our sealing keys by key id (current and recently rotated).
        sender: the enrolled signing key of `sealed.header.node_id`.

    Raises:
        BadSignature, WrongRecipient, MalformedInput: each naming what failed.
    """
    if sender.key_id != sealed.header.sender_key_id:
        raise _bad_sender_key(sealed.header, sender)
    signed = sealed.signed(b"")
    signed.verify(sender)
    key = check_recipient(sealed, recipient_keys)
    try:
        compressed = key.open(sealed.sealed_body, info=sealed.clear_header)
    except InvalidTag:
        raise MalformedInput(
            "sealed body failed authentication (tampered or truncated in transit)"
        ) from None
    return read_batch(sealed.signed(compressed))


def check_recipient(
    sealed: SealedBatch, recipient_keys: Mapping[str, SealPrivateKey]
) -> SealPrivateKey:
    """Our key the frame is sealed to. Needs no sender key, so a hub checks it first: a
    batch meant for another hub is told so (§5.8 step 5), whoever sent it.

    Raises:
        WrongRecipient: sealed to a suite or key id this hub does not hold.
    """
    held_suites = sorted({key.suite for key in recipient_keys.values()})
    if sealed.suite not in held_suites:
        held = ", ".join(held_suites) or "no suite"
        raise WrongRecipient(
            f"batch {sealed.header.batch_seq} from {sealed.header.node_id} is sealed with suite "
            f"{sealed.suite}, but this hub is configured for {held} only",
            hint="the node must fetch this hub's description and seal to its preferred suite",
        )
    key = recipient_keys.get(sealed.recipient_key_id)
    if key is None or key.suite != sealed.suite:
        raise WrongRecipient(
            f"batch {sealed.header.batch_seq} from {sealed.header.node_id} is sealed to key "
            f"{sealed.recipient_key_id} ({sealed.suite}), which this hub does not hold",
            hint="the node must fetch this hub's current keys and seal the batch again",
        )
    return key


def read_batch(batch: SignedBatch) -> OpenedBatch:
    """Decompresses and decodes a signed batch's body, checking it against its header.

    Use it for batches already verified once (held, stored, or read back to forward).

    Raises:
        MalformedInput: the body does not match the header.
    """
    lines = _decompress_lines(batch.body, batch.header)
    return OpenedBatch(batch, tuple(_decode_events(lines, batch.header)), lines)


def _bad_sender_key(header: BatchHeader, sender: VerifyKey) -> BadSignature:
    return BadSignature(
        f"batch {header.batch_seq} names signing key {header.sender_key_id}, but node "
        f"{header.node_id} is enrolled with key {sender.key_id}",
        hint="re-enroll the node if its key was replaced",
    )


def _decompress_lines(compressed: bytes, header: BatchHeader) -> tuple[bytes, ...]:
    try:
        # The frame must declare exactly the size the node signed. zstd then refuses to
        # inflate past it (and ignores max_output_size when a frame declares a size, so a
        # larger declaration would otherwise be honoured): memory stays bounded by body_size.
        declared = zstandard.frame_content_size(compressed)
        if declared != header.body_size:
            raise MalformedInput(
                f"batch body does not match the body_hash its node signed: its zstd frame "
                f"declares {declared} bytes (-1: none), the header {header.body_size}"
            )
        reader = zstandard.ZstdDecompressor().decompressobj()
        body = reader.decompress(compressed)
    except zstandard.ZstdError as exc:
        raise MalformedInput(f"batch body does not decompress: {exc}") from exc
    if not reader.eof or reader.unused_data:
        raise MalformedInput("batch body is not exactly one complete zstd frame")
    if len(body) != header.body_size or hashlib.sha256(body).hexdigest() != header.body_hash:
        raise MalformedInput("batch body does not match the body_hash its node signed")
    return tuple(body.split(b"\n"))


def _decode_events(lines: Sequence[bytes], header: BatchHeader) -> list[Event]:
    if len(lines) != header.event_count:
        raise MalformedInput(f"header says {header.event_count} events, body has {len(lines)}")
    events = [decode_event(line) for line in lines]
    for offset, event in enumerate(events):
        if event.node_id != header.node_id or event.seq != header.first_seq + offset:
            raise MalformedInput(
                f"event {event.event_id} has node {event.node_id} seq {event.seq}; expected "
                f"node {header.node_id} seq {header.first_seq + offset}"
            )
    return events
