"""Provides the outbox: cutting the event log into signed batches and recording receipts.

A batch, once cut, never changes: resending it after a lost acknowledgement sends the same
signed bytes, so the hub recognises it and answers with the same receipt.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sync_protocol import (
    GENESIS_HASH,
    BatchHeader,
    Receipt,
    SignedBatch,
    SignedDocument,
    build_batch,
    format_timestamp,
)

from ..home import NodeHome

__all__ = ["DEFAULT_BATCH_EVENTS", "Outbox", "OutboxStatus"]

DEFAULT_BATCH_EVENTS = 1000


@dataclass(frozen=True, slots=True)
class OutboxStatus:
    """What is waiting to go and what the hub last said."""

    unbatched_events: int
    unacknowledged_batches: int
    unacknowledged_events: int
    applied_batches: int
    rejected_batches: int
    last_event_seq: int
    last_receipt_at: str
    hub_next_batch_seq: int
    oldest_unsent_at: str
    quarantined_events: int = 0
    """Events the hub kept but did not apply (they broke a rule); the county reviews them."""
    last_rejection: str = ""
    """Why the hub last refused a batch that is still unacknowledged, in its words."""


class Outbox:
    def __init__(self, home: NodeHome, *, clock: Callable[[], datetime] | None = None) -> None:
        self._home = home
        # A batch header's created_at; bench/simulate.py passes its simulated clock.
        self._clock = clock or (lambda: datetime.now(UTC))

    def cut(self, *, max_events: int = DEFAULT_BATCH_EVENTS) -> int:
        """Cuts every event not yet in a batch into batches; returns how many were cut."""
        cut = 0
        while self._cut_one(max_events):
            cut += 1
        return cut

    def _cut_one(self, max_events: int) -> bool:
        with self._home.database.transaction() as conn:
            last = conn.execute(
                "SELECT batch_seq, last_seq, batch_hash FROM batches "
                "ORDER BY batch_seq DESC LIMIT 1"
            ).fetchone()
            base = _chain_base(conn)
            batch_seq, last_seq, prev_hash = last if last and last[0] > base[0] else base
            rows = conn.execute(
                "SELECT seq, body FROM events WHERE seq > ? ORDER BY seq LIMIT ?",
                (last_seq, max_events),
            ).fetchall()
            if not rows:
                return False
            batch = build_batch(
                [row[1] for row in rows],
                node_id=self._home.node_id,
                first_seq=rows[0][0],
                batch_seq=batch_seq + 1,
                prev_hash=prev_hash,
                signing_key=self._home.keys.signing,
                created_at=self._clock(),
            )
            _insert_batch(conn, batch)
        return True

    def unacknowledged(self, *, from_seq: int = 1) -> list[SignedBatch]:
        """Batches the hub has not applied, oldest first.

        A rejected batch is among them: its cause may have been fixed since (a hub upgraded,
        a key re-fetched), and the batches after it cannot be applied before it anyway.
        """
        rows = self._home.conn.execute(
            "SELECT header, signature, body FROM batches "
            "WHERE batch_seq >= ? AND status != 'applied' ORDER BY batch_seq",
            (from_seq,),
        )
        return [SignedBatch(BatchHeader.decode(h), s, b) for h, s, b in rows]

    def batches_from(self, batch_seq: int) -> list[SignedBatch]:
        """Every batch from `batch_seq` on, whatever its status (for resending from a cursor)."""
        rows = self._home.conn.execute(
            "SELECT header, signature, body FROM batches WHERE batch_seq >= ? ORDER BY batch_seq",
            (batch_seq,),
        )
        return [SignedBatch(BatchHeader.decode(h), s, b) for h, s, b in rows]

    def record_receipt(self, receipt: Receipt, document: SignedDocument) -> bool:
        """Stores a verified receipt and moves the batch to the receipt's status.

        Returns:
            False, and changes nothing, when the receipt names a batch this node does not
            hold (another seq or another hash).
        """
        with self._home.database.transaction() as conn:
            updated = conn.execute(
                "UPDATE batches SET status = ?, receipt = ?, acknowledged_at = ? "
                "WHERE batch_seq = ? AND batch_hash = ? AND status != 'applied'",
                (
                    receipt.status,
                    json.dumps(document.to_dict(), ensure_ascii=False),
                    format_timestamp(datetime.now(UTC)),
                    receipt.batch_seq,
                    receipt.batch_hash,
                ),
            ).rowcount
            known = (
                updated
                or conn.execute(
                    "SELECT 1 FROM batches WHERE batch_seq = ? AND batch_hash = ?",
                    (receipt.batch_seq, receipt.batch_hash),
                ).fetchone()
            )
            if known and receipt.status == "applied":
                # The hub applies in order, so an applied receipt acknowledges all before it.
                conn.execute(
                    "UPDATE batches SET status = 'applied' "
                    "WHERE batch_seq < ? AND status != 'applied'",
                    (receipt.batch_seq,),
                )
        return bool(known)

    def mark_rejected(self, batch_seq: int, reason: str) -> None:
        with self._home.database.transaction() as conn:
            conn.execute(
                "UPDATE batches SET status = 'rejected', receipt = ? WHERE batch_seq = ?",
                (json.dumps({"reason": reason}, ensure_ascii=False), batch_seq),
            )

    def status(self) -> OutboxStatus:
        conn = self._home.conn
        last_batched = max(
            _scalar(conn, "SELECT coalesce(max(last_seq), 0) FROM batches"), _chain_base(conn)[1]
        )
        last_seq = _scalar(conn, "SELECT coalesce(max(seq), 0) FROM events")
        counts = dict(conn.execute("SELECT status, count(*) FROM batches GROUP BY status"))
        waiting = conn.execute(
            "SELECT count(*), coalesce(sum(last_seq - first_seq + 1), 0), min(first_seq) "
            "FROM batches WHERE status != 'applied'"
        ).fetchone()
        oldest_seq = waiting[2] if waiting[2] is not None else last_batched + 1
        oldest = conn.execute(
            "SELECT occurred_at FROM events WHERE seq = ?", (oldest_seq,)
        ).fetchone()
        last_receipt = conn.execute(
            "SELECT acknowledged_at, receipt FROM batches WHERE acknowledged_at IS NOT NULL "
            "ORDER BY acknowledged_at DESC LIMIT 1"
        ).fetchone()
        next_seq = _receipt_cursor(last_receipt[1]) if last_receipt else 1
        return OutboxStatus(
            unbatched_events=last_seq - last_batched,
            unacknowledged_batches=waiting[0],
            unacknowledged_events=waiting[1],
            applied_batches=counts.get("applied", 0),
            rejected_batches=counts.get("rejected", 0),
            last_event_seq=last_seq,
            last_receipt_at=last_receipt[0] if last_receipt else "",
            hub_next_batch_seq=next_seq,
            oldest_unsent_at=oldest[0] if oldest else "",
            quarantined_events=_quarantined_events(conn),
            last_rejection=_last_rejection(conn),
        )


def _chain_base(conn: sqlite3.Connection) -> tuple[int, int, str]:
    """Where the chain starts: nothing, or for a PC restored from a backup, the replaced
    node's last batch at the hub, which this PC may not hold (set by restore.py)."""
    row = conn.execute("SELECT value FROM settings WHERE key = 'chain_base'").fetchone()
    if row is None:
        return 0, 0, GENESIS_HASH
    base = json.loads(row[0])
    return int(base["batch_seq"]), int(base["last_seq"]), str(base["batch_hash"])


def _quarantined_events(conn: sqlite3.Connection) -> int:
    total = 0
    for (receipt,) in conn.execute(
        "SELECT receipt FROM batches WHERE status = 'applied' AND receipt LIKE '%quarantined %'"
    ):
        reason = json.loads(receipt).get("body", {}).get("reason", "")
        if reason.startswith("quarantined "):
            total += int(reason.split()[1])
    return total


def _last_rejection(conn: sqlite3.Connection) -> str:
    row = conn.execute(
        "SELECT receipt FROM batches WHERE status = 'rejected' ORDER BY batch_seq LIMIT 1"
    ).fetchone()
    return str(json.loads(row[0]).get("reason", "")) if row and row[0] else ""


def _receipt_cursor(receipt_json: str) -> int:
    body = json.loads(receipt_json).get("body", {})
    return int(body.get("next_batch_seq", 1))


def _scalar(conn: sqlite3.Connection, sql: str) -> int:
    return int(conn.execute(sql).fetchone()[0])


def _insert_batch(conn: sqlite3.Connection, batch: SignedBatch) -> None:
    h = batch.header
    conn.execute(
        "INSERT INTO batches (batch_seq, first_seq, last_seq, batch_hash, header, signature, "
        "body, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            h.batch_seq,
            h.first_seq,
            h.last_seq,
            h.batch_hash,
            h.encode(),
            batch.signature,
            batch.body,
            h.created_at,
        ),
    )
