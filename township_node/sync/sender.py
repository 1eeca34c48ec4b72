"""Provides the batch sender: sealed batches out, verified receipts in.

Batches go out with a small window in flight (two by default), so sealing and the upload
of a batch's first pieces overlap with the hub applying the batch before it. The request
that completes a batch (its single POST, or its last upload piece) waits for the answer to
the batch before it: the hub applies strictly in order, and a batch that overtook its
predecessor would be held there, answered "held", and sent again by the pass below although
the hub applied it moments later. Waiting for that answer costs nothing the window bought:
the hub applies one batch of a node at a time anyway.

Whatever is still unacknowledged after the pipelined pass (after a failure, or a batch held
for one this round did not send) is sent again one by one, following the hub's cursor; the
hub answers a batch it already applied with the receipt it issued, so resending is always
safe.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sync_protocol import (
    HubInfo,
    HubRejected,
    Receipt,
    SignedBatch,
    SignedDocument,
)

from ..enrollment import refresh_hub_info
from ..errors import SyncFailed
from ..home import NodeHome
from .outbox import Outbox
from .sealing import forget_acknowledged, forget_sealed, sealed_blob

if TYPE_CHECKING:  # the client (httpx) loads only when a round runs
    from sync_protocol import HubClient

__all__ = ["BatchSender", "SentTotals"]

RESUMABLE_ABOVE = 16 * 1024
"""Frames larger than this go up in resumable pieces (a 64 kbit/s link moves 8 KB/s)."""

# Clear header, signature and HPKE overhead of a sealed frame, bounded from above.
_FRAME_OVERHEAD = 2048

# Refusals that concern one batch (kept on the node as rejected), not the link or the node.
_BATCH_SPECIFIC = frozenset(
    {"malformed_input", "bad_signature", "broken_chain", "conflicting_batch", "rule_violation"}
)


@dataclass(frozen=True, slots=True)
class SentTotals:
    batches: int = 0
    events: int = 0
    bytes: int = 0
    next_batch_seq: int = 1


@dataclass(frozen=True, slots=True)
class _Answer:
    batch: SignedBatch
    size: int
    receipt: Receipt
    document: SignedDocument


class BatchSender:
    """Sends a node's unacknowledged batches to its hub.

    Args:
        window: batches in flight at once; 1 sends strictly one after another.
        max_bytes: a cap on sealed bytes sent this round (metered links); the batches
            that do not fit wait for the next round.
    """

    def __init__(
        self,
        home: NodeHome,
        client: HubClient,
        hub: HubInfo,
        *,
        window: int = 2,
        max_bytes: int | None = None,
    ) -> None:
        self._home, self._client, self._hub = home, client, hub
        self._outbox = Outbox(home)
        self._window = max(1, window)
        self._budget = max_bytes
        self.capped = False
        """Whether the round stopped at the byte cap with batches left to send."""
        self._refreshed = False
        self._totals = SentTotals(next_batch_seq=self._outbox.status().hub_next_batch_seq)

    def send_all(self) -> SentTotals:
        """Sends until every batch is acknowledged, or the byte cap is reached.

        Raises:
            HubRejected, HubUnreachable, and other ProtocolErrors; SyncFailed when the hub
            asks for a batch this node no longer holds.
        """
        try:
            self._pipelined(self._within_budget(self._outbox.unacknowledged()))
            if not self.capped:
                self._one_by_one()
        finally:
            forget_acknowledged(self._home)
        return self._totals

    def _within_budget(self, batches: list[SignedBatch]) -> list[SignedBatch]:
        """The leading batches whose sealed size fits the byte cap."""
        if self._budget is None:
            return batches
        allowed, spent = [], 0
        for batch in batches:
            spent += len(batch.body) + _FRAME_OVERHEAD
            if spent > self._budget:
                self.capped = True
                break
            allowed.append(batch)
        return allowed

    def _pipelined(self, batches: list[SignedBatch]) -> None:
        with ThreadPoolExecutor(max_workers=self._window) as pool:
            in_flight: deque[Future[_Answer]] = deque()
            predecessor_answered: threading.Event | None = None
            try:
                for batch in batches:
                    answered = threading.Event()
                    in_flight.append(
                        pool.submit(self._exchange_after, batch, predecessor_answered, answered)
                    )
                    predecessor_answered = answered
                    if len(in_flight) >= self._window:
                        self._record(in_flight.popleft().result())
                while in_flight:
                    self._record(in_flight.popleft().result())
            finally:
                for future in in_flight:  # after a failure: keep what did land
                    if future.exception() is None:
                        self._record(future.result())

    def _one_by_one(self) -> None:
        queue = self._outbox.unacknowledged()
        while queue:
            answer = self._exchange(queue.pop(0))
            self._record(answer)
            if answer.receipt.status == "held":
                # The hub is missing an earlier batch: resend from where it says it is.
                next_seq = answer.receipt.next_batch_seq
                queue = self._outbox.batches_from(next_seq)
                _require_batch(queue, next_seq)

    def _exchange_after(
        self,
        batch: SignedBatch,
        predecessor_answered: threading.Event | None,
        answered: threading.Event,
    ) -> _Answer:
        """Exchanges `batch`, completing it at the hub only once its predecessor is answered
        (or failed: then this one may be held, and the pass after the window resends it)."""
        wait = predecessor_answered.wait if predecessor_answered is not None else None
        try:
            return self._exchange(batch, before_last=wait)
        finally:
            answered.set()

    def _exchange(
        self, batch: SignedBatch, *, before_last: Callable[[], object] | None = None
    ) -> _Answer:
        try:
            return self._exchange_once(batch, before_last)
        except HubRejected as exc:
            if exc.remote_code == "malformed_input":
                # The hub could not read our sealed copy (damaged on disk or on the way):
                # the signed batch in the database is intact, so seal it afresh, once.
                forget_sealed(self._home, batch.header.batch_seq)
                return self._exchange_once(batch, before_last)
            if exc.remote_code != "wrong_recipient" or self._refreshed:
                raise
        # The hub rotated its sealing key since we pinned it: fetch it and seal again.
        self._refreshed = True
        self._hub = refresh_hub_info(self._home, self._client)
        return self._exchange_once(batch, before_last)

    def _exchange_once(
        self, batch: SignedBatch, before_last: Callable[[], object] | None
    ) -> _Answer:
        blob = sealed_blob(self._home, batch, self._hub)
        try:
            if len(blob) > RESUMABLE_ABOVE:
                document = self._client.upload_batch(blob, before_last=before_last)
            else:
                if before_last is not None:
                    before_last()
                document = self._client.submit_batch(blob)
        except HubRejected as exc:
            if exc.remote_code in _BATCH_SPECIFIC:
                self._outbox.mark_rejected(
                    batch.header.batch_seq, f"{exc.remote_code}: {exc.message}"
                )
            raise
        receipt = Receipt.verify(document, self._hub.verify_key())
        _check_receipt_names(receipt, batch, self._home.node_id)
        return _Answer(batch, len(blob), receipt, document)

    def _record(self, answer: _Answer) -> None:
        self._outbox.record_receipt(answer.receipt, answer.document)
        t = self._totals
        self._totals = SentTotals(
            t.batches + 1,
            t.events + answer.batch.header.event_count,
            t.bytes + answer.size,
            max(t.next_batch_seq, answer.receipt.next_batch_seq),
        )


def _check_receipt_names(receipt: Receipt, batch: SignedBatch, node_id: str) -> None:
    header = batch.header
    if (receipt.node_id, receipt.batch_seq, receipt.batch_hash) != (
        node_id,
        header.batch_seq,
        header.batch_hash,
    ):
        raise HubRejected(
            f"hub receipt is for batch {receipt.batch_seq} of {receipt.node_id}, "
            f"not batch {header.batch_seq} of this node",
            remote_code="receipt_mismatch",
            status=200,
        )


def _require_batch(queue: list[SignedBatch], batch_seq: int) -> None:
    if not queue or queue[0].header.batch_seq != batch_seq:
        raise SyncFailed(
            f"hub expects batch {batch_seq}, which this node does not hold; "
            "restore the node's backup or ask the county admin to accept the gap",
            exit_code=4,
            message_zh=f"县级中心需要第 {batch_seq} 批数据，本机已没有，请联系县级管理员",
        )
