"""Provides one sync round: cut batches, seal them to the hub, send, record receipts.

The hub's receipt is the only thing that marks a batch delivered. A lost answer means the
batch is sent again next round and the hub returns the receipt it already issued.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sync_protocol import (
    HubClient,
    HubInfo,
    HubRejected,
    ProtocolError,
    Receipt,
    SignedBatch,
    format_timestamp,
    seal_batch,
)

from .enrollment import pinned_hub
from .errors import SyncFailed
from .failures import as_sync_failure
from .home import NodeHome
from .outbox import DEFAULT_BATCH_EVENTS, Outbox

__all__ = ["SyncReport", "sync_once"]

_BATCH_SPECIFIC = frozenset(
    {"malformed_input", "bad_signature", "broken_chain", "conflicting_batch", "rule_violation"}
)


@dataclass(frozen=True, slots=True)
class SyncReport:
    batches_sent: int
    events_sent: int
    bytes_sent: int
    next_batch_seq: int


def sync_once(
    home: NodeHome, client: HubClient, *, batch_events: int = DEFAULT_BATCH_EVENTS
) -> SyncReport:
    """Delivers everything recorded so far.

    Raises:
        SyncFailed: exit_code 3 when the hub cannot be reached, 4 when it refuses a batch.
    """
    _, hub = pinned_hub(home)
    outbox = Outbox(home)
    outbox.cut(max_events=batch_events)
    sent = events = size = 0
    queue = outbox.unacknowledged()
    next_seq = 1
    try:
        while queue:
            batch = queue.pop(0)
            blob = seal_batch(batch, hub.seal_key())
            receipt = _submit(client, hub, home, batch, blob)
            outbox.record_receipt(receipt.receipt, receipt.document)
            sent, events, size = sent + 1, events + batch.header.event_count, size + len(blob)
            next_seq = receipt.receipt.next_batch_seq
            if receipt.receipt.status == "held":
                # The hub is missing an earlier batch: resend from where it says it is.
                queue = outbox.batches_from(next_seq)
                _require_batch(queue, next_seq)
    except HubRejected as exc:
        if exc.remote_code in _BATCH_SPECIFIC:
            outbox.mark_rejected(batch.header.batch_seq, f"{exc.remote_code}: {exc.message}")
        _log(home, "rejected", f"{exc.remote_code}: {exc.message}")
        raise as_sync_failure(exc) from exc
    except ProtocolError as exc:
        _log(home, "failed", exc.message)
        raise as_sync_failure(exc) from exc
    _log(home, "ok", f"{sent} batches, {events} events")
    return SyncReport(sent, events, size, next_seq)


@dataclass(frozen=True, slots=True)
class _VerifiedReceipt:
    receipt: Receipt
    document: object


def _submit(
    client: HubClient, hub: HubInfo, home: NodeHome, batch: SignedBatch, blob: bytes
) -> _VerifiedReceipt:
    document = client.submit_batch(blob)
    receipt = Receipt.verify(document, hub.verify_key())
    header = batch.header
    if (receipt.node_id, receipt.batch_seq, receipt.batch_hash) != (
        home.node_id,
        header.batch_seq,
        header.batch_hash,
    ):
        raise HubRejected(
            f"hub receipt is for batch {receipt.batch_seq} of {receipt.node_id}, "
            f"not batch {header.batch_seq} of this node",
            remote_code="receipt_mismatch",
            status=200,
        )
    return _VerifiedReceipt(receipt, document)


def _require_batch(queue: list[SignedBatch], batch_seq: int) -> None:
    if not queue or queue[0].header.batch_seq != batch_seq:
        raise SyncFailed(
            f"hub expects batch {batch_seq}, which this node does not hold; "
            "restore the node's backup or ask the county admin to accept the gap",
            exit_code=4,
            message_zh=f"县级中心需要第 {batch_seq} 批数据，本机已没有，请联系县级管理员",
        )


def _log(home: NodeHome, outcome: str, detail: str) -> None:
    with home.database.transaction() as conn:
        conn.execute(
            "INSERT INTO sync_log (at, outcome, detail) VALUES (?, ?, ?)",
            (format_timestamp(datetime.now(UTC)), outcome, detail),
        )
