"""Provides what township nodes and hubs must agree on: events, batches, keys, receipts.

Everything here is sans-I/O except `HubClient`. See docs/protocol.md (normative).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._batch import (
    GENESIS_HASH,
    MAX_BODY_SIZE,
    MAX_EVENTS_PER_BATCH,
    MAX_FRAME_SIZE,
    PROTOCOL_VERSION,
    BatchHeader,
    OpenedBatch,
    SealedBatch,
    SignedBatch,
    build_batch,
    open_batch,
    peek_batch,
    read_batch,
    seal_batch,
)
from ._codec import b64decode, b64encode, canonical_json, parse_json
from ._documents import (
    MAX_DOCUMENT_SIZE,
    Cursor,
    Receipt,
    SignedDocument,
    sign_document,
    verify_document,
)
from ._enrollment import (
    CODE_ALPHABET,
    HubInfo,
    NodeRegistration,
    code_id,
    enrollment_key,
    enrollment_proof,
    enrollment_request,
    normalize_code,
    verify_enrollment_proof,
    verify_enrollment_request,
)
from ._errors import (
    BadSignature,
    BrokenChain,
    ConflictingBatch,
    HubRejected,
    HubUnreachable,
    LocalProtocolError,
    MalformedInput,
    NodeTooOld,
    ProtocolError,
    RemoteProtocolError,
    RevokedNode,
    TransportError,
    UnknownNode,
    UnsupportedVersion,
    WrongRecipient,
)
from ._events import (
    EVENT_SCHEMA_VERSION,
    Event,
    decode_event,
    encode_event,
    format_timestamp,
    is_timestamp,
    new_event_id,
    parse_timestamp,
)
from ._feed import (
    FEED_MAGIC,
    MAX_FEED_PAGE_EVENTS,
    FeedEntry,
    FeedPage,
    FeedRequest,
    open_feed_page,
    seal_feed_page,
)
from ._keys import (
    SIGNATURE_ED25519,
    SIGNATURE_SM2,
    SUITE_MLKEM768_X25519,
    SUITE_NATIONAL,
    SUITE_X25519,
    SUITES,
    SealPrivateKey,
    SealPublicKey,
    SigningKey,
    VerifyKey,
    key_id,
    signature_algorithm,
)
from ._logs import (
    JsonLogFormatter,
    PersonalDataFilter,
    install_log_handler,
    mask_personal_data,
)
from ._upcast import (
    ACCEPTED_EVENT_SCHEMAS,
    EVENT_UPCASTS,
    NODE_SOFTWARE,
    SOFTWARE_HEADER,
    check_node_software,
    parse_software,
    upcast_batch,
    upcast_event,
    upcast_event_fields_1_to_2,
    upcast_events,
)

__all__ = [
    "ACCEPTED_EVENT_SCHEMAS",
    "BATCH_MEDIA_TYPE",
    "CODE_ALPHABET",
    "EVENT_SCHEMA_VERSION",
    "EVENT_UPCASTS",
    "FEED_MAGIC",
    "GENESIS_HASH",
    "MAX_BODY_SIZE",
    "MAX_DOCUMENT_SIZE",
    "MAX_EVENTS_PER_BATCH",
    "MAX_FEED_PAGE_EVENTS",
    "MAX_FRAME_SIZE",
    "NODE_SOFTWARE",
    "PROTOCOL_VERSION",
    "SIGNATURE_ED25519",
    "SIGNATURE_SM2",
    "SOFTWARE_HEADER",
    "SUITES",
    "SUITE_MLKEM768_X25519",
    "SUITE_NATIONAL",
    "SUITE_X25519",
    "BadSignature",
    "BatchHeader",
    "BrokenChain",
    "ConflictingBatch",
    "Cursor",
    "Event",
    "FeedEntry",
    "FeedPage",
    "FeedRequest",
    "HubClient",
    "HubInfo",
    "HubRejected",
    "HubUnreachable",
    "JsonLogFormatter",
    "LocalProtocolError",
    "MalformedInput",
    "NodeRegistration",
    "NodeTooOld",
    "OpenedBatch",
    "PersonalDataFilter",
    "ProtocolError",
    "Receipt",
    "RemoteProtocolError",
    "RevokedNode",
    "SealPrivateKey",
    "SealPublicKey",
    "SealedBatch",
    "SignedBatch",
    "SignedDocument",
    "SigningKey",
    "TransportError",
    "UnknownNode",
    "UnsupportedVersion",
    "VerifyKey",
    "WrongRecipient",
    "b64decode",
    "b64encode",
    "build_batch",
    "canonical_json",
    "check_node_software",
    "code_id",
    "decode_event",
    "encode_event",
    "enrollment_key",
    "enrollment_proof",
    "enrollment_request",
    "format_timestamp",
    "install_log_handler",
    "is_timestamp",
    "key_id",
    "mask_personal_data",
    "new_event_id",
    "normalize_code",
    "open_batch",
    "open_feed_page",
    "parse_json",
    "parse_software",
    "parse_timestamp",
    "peek_batch",
    "read_batch",
    "seal_batch",
    "seal_feed_page",
    "sign_document",
    "signature_algorithm",
    "upcast_batch",
    "upcast_event",
    "upcast_event_fields_1_to_2",
    "upcast_events",
    "verify_document",
    "verify_enrollment_proof",
    "verify_enrollment_request",
]

if TYPE_CHECKING:
    from ._client import BATCH_MEDIA_TYPE, HubClient


def __getattr__(name: str) -> Any:
    # The HTTP client pulls in httpx and tenacity (~0.2 s); load it only when a program
    # actually talks to a hub, so the clerk's window opens without it.
    if name in ("HubClient", "BATCH_MEDIA_TYPE"):
        from . import _client

        return getattr(_client, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
