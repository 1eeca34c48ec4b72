"""Provides batch ingest: verify, decide, and apply exactly once.

`decide` is pure: from what the hub holds of a node and the incoming header, it says what
to do. `Ingestor.ingest` is the shell: it verifies and opens the batch, then applies the
decision in one transaction that also moves the node's cursor, so a crash at any instant
leaves either all of a batch or none of it.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa

from sync_protocol import (
    BadSignature,
    BatchHeader,
    BrokenChain,
    ConflictingBatch,
    Cursor,
    Equivocation,
    NotForwarded,
    OpenedBatch,
    Receipt,
    RemoteProtocolError,
    RevokedNode,
    SealedBatch,
    SignedDocument,
    UnknownNode,
    VerifyKey,
    b64decode,
    check_recipient,
    format_timestamp,
    open_batch,
    peek_batch,
    seal_batch,
    upcast_events,
)

from ..catalogs import CatalogVersions
from ..errors import HubError
from ..home import HubHome
from ..store import (
    batches,
    cursors,
    events,
    held_batches,
    insert_many,
    nodes,
    rejected_batches,
)
from .arrivals import Arrivals
from .contacts import record_contact
from .equivocation import record_equivocation, refused_versions, stored_batch
from .holding import delete_held, hold, reopen_held, signed_batch_columns
from .projection import project_events
from .quarantine import quarantine_note, record_quarantine
from .sequencing import Decision, NodeCursor, decide

__all__ = ["Decision", "IngestResult", "Ingestor", "NodeCursor", "decide", "enrolled_node"]

log = logging.getLogger("central_hub.ingest")
MAX_REJECTED_KEPT_PER_NODE = 1000
"""Past this many refusals of one node id, only the reason is kept, not the bytes."""


@dataclass(frozen=True, slots=True)
class _Sender:
    key: VerifyKey
    registered_via: str
    """The county hub that registered the node here ("" when it enrolled here itself)."""
    county: VerifyKey | None
    """That county's signing key, which countersigns the node's batches it forwards."""


@dataclass(frozen=True, slots=True)
class IngestResult:
    decision: Decision
    receipt: SignedDocument


class Ingestor:
    """Applies batches to one hub's store. Thread-safe within a process."""

    def __init__(self, home: HubHome) -> None:
        self._home = home
        self._lock = threading.Lock()
        self._catalogs = CatalogVersions(home)
        self._arrivals = Arrivals()
        self._centers: dict[str, str] = {}

    def ingest(self, blob: bytes, *, transport: str = "http") -> IngestResult:
        """Verifies and applies one sealed batch, then any held batches it unblocks.

        Raises:
            RemoteProtocolError: the batch is refused (kept in rejected_batches, unless its
                node is unknown: strangers must not be able to fill the disk).
            HubError: a case rule is broken (kept likewise).
        """
        sealed = peek_batch(blob)
        header = sealed.header
        with self._arrivals.arrived(header.node_id, header.batch_seq):
            try:
                # Before the node is looked up: a batch meant for another hub is told so.
                check_recipient(sealed, self._home.sealing)
                sender = self._sender(header.node_id)
                self._check_forwarded(sealed, sender)
                opened = open_batch(sealed, recipient_keys=self._home.sealing, sender=sender.key)
                self._arrivals.wait_for_predecessor(header.node_id, header.batch_seq)
                with self._lock:
                    result = self._apply_or_hold(opened, transport)
            except UnknownNode:
                raise
            except (RemoteProtocolError, HubError) as exc:
                with self._home.engine.begin() as conn:
                    if _enrolled(conn, header.node_id):  # strangers must not fill the disk
                        self._keep_rejected(conn, header, blob, exc)
                        _note_equivocation(conn, sealed, exc)
                raise
        with self._lock:
            self._drain_held(header.node_id)
        return result

    def check_sender(self, sealed: SealedBatch) -> None:
        """Checks who sent a frame before its body is read: enrolled, not revoked, signed.

        Raises:
            UnknownNode, RevokedNode, BadSignature.
        """
        check_recipient(sealed, self._home.sealing)
        sender = self._sender(sealed.header.node_id)
        _verify_node_signature(sealed, sender.key)
        self._check_forwarded(sealed, sender)

    def _sender(self, node_id: str) -> _Sender:
        with self._home.engine.connect() as conn:
            row = enrolled_node(conn, node_id)
            county = None
            if row.registered_via:
                county_key = conn.execute(
                    sa.select(nodes.c.sign_key).where(nodes.c.node_id == row.registered_via)
                ).scalar_one()
                county = VerifyKey(b64decode(county_key, what="county key"))
        return _Sender(
            VerifyKey(b64decode(row.sign_key, what="node key")), row.registered_via, county
        )

    def _check_forwarded(self, sealed: SealedBatch, sender: _Sender) -> None:
        """A node its county registered here is heard only through that county, which
        countersigns what it forwards: a batch posted straight up could differ from the
        county's copy (an equivocation), and the county's copy is the record.

        Raises:
            NotForwarded: not countersigned by the node's county (the node's own signature
                checked first, so a refused batch kept as evidence is the node's; on the
                path taken, open_batch checks it once).
            BadSignature: the node's or the county's signature does not verify.
        """
        if sender.county is None:
            return
        if sealed.via != sender.registered_via:
            _verify_node_signature(sealed, sender.key)  # only the node's own is kept as proof
            came = f"forwarded by {sealed.via}" if sealed.via else "posted directly"
            raise NotForwarded(
                f"batch {sealed.header.batch_seq} of node {sealed.header.node_id} was {came}; "
                f"that node is registered through county hub {sender.registered_via}, and its "
                "batches are taken only as that county forwards them",
                hint="the node must send to its county hub; a node that posts here directly "
                "is suspect (a copied or stolen PC?)",
            )
        sealed.verify_forwarder(sender.county)

    def drain(self, node_id: str) -> None:
        """Applies whatever held batches of `node_id` are next in line now (after an admin
        accepted a gap, say)."""
        with self._lock:
            self._drain_held(node_id)

    def _apply_or_hold(self, opened: OpenedBatch, transport: str) -> IngestResult:
        header = opened.batch.header
        with self._home.engine.begin() as conn:
            cursor = _load_cursor(conn, header.node_id)
            stored = _stored_batch(conn, header.node_id, header.batch_seq)
            decision = decide(cursor, header, stored.batch_hash if stored else None)
            record_contact(
                conn,
                header.node_id,
                transport,
                at=_now(),
                duplicate=decision is Decision.DUPLICATE,
            )
            if decision is Decision.DUPLICATE:
                return IngestResult(decision, SignedDocument.from_dict(json.loads(stored.receipt)))
            _refuse_if_broken(decision, header, cursor)
            if decision is Decision.HOLD:
                hold(conn, opened)
                receipt = self._receipt(header, "held", cursor)
            else:
                receipt = self._apply(conn, opened, cursor)
        return IngestResult(decision, receipt)

    def _apply(
        self, conn: sa.Connection, opened: OpenedBatch, cursor: NodeCursor
    ) -> SignedDocument:
        header = opened.batch.header
        now = _now()
        # Project first: it refolds continued cases from the events already stored. Events of
        # older schemas are upcast first, so projection sees only the current shape; the
        # signed lines are stored as they came (protocol.md §13).
        held_back = project_events(
            conn,
            upcast_events(opened.events),
            center_of=lambda node_id: self._center_of(conn, node_id),
            catalogs=self._catalogs,
            calendar=self._catalogs.calendar(conn),
            now=now,
        )
        quarantined_ids = {q.event.event_id for q in held_back}
        insert_many(conn, events, list(_event_rows(opened, quarantined_ids)))
        record_quarantine(conn, held_back, header.batch_seq, now)
        new_cursor = NodeCursor(header.batch_seq + 1, header.last_seq, header.batch_hash)
        receipt = self._receipt(header, "applied", new_cursor, reason=quarantine_note(held_back))
        conn.execute(
            batches.insert().values(
                **signed_batch_columns(opened),
                event_count=header.event_count,
                received_at=now,
                receipt=json.dumps(receipt.to_dict(), ensure_ascii=False),
            )
        )
        _save_cursor(conn, header.node_id, new_cursor, now, exists=cursor.next_batch_seq > 1)
        for other in refused_versions(conn, header):  # posted past the county before this came
            record_equivocation(conn, Equivocation(opened.batch, other), found_by="not_forwarded")
        # A held copy of this batch (or an earlier one) is spent now; one can be left over
        # when the hub stopped between applying a batch and draining what it released.
        conn.execute(
            held_batches.delete().where(
                held_batches.c.node_id == header.node_id,
                held_batches.c.batch_seq <= header.batch_seq,
            )
        )
        return receipt

    def _center_of(self, conn: sa.Connection, node_id: str) -> str:
        """The center a node is enrolled for (it never changes, so it is remembered)."""
        center = self._centers.get(node_id)
        if center is None:
            center = self._centers[node_id] = str(
                conn.execute(
                    sa.select(nodes.c.center_code).where(nodes.c.node_id == node_id)
                ).scalar_one()
            )
        return center

    def _drain_held(self, node_id: str) -> None:
        """Applies held batches that the newly applied one made next in line.

        A held batch that turns out bad is moved to rejected_batches: it is not the fault of
        the batch whose arrival released it.
        """
        while (row := self._next_held(node_id)) is not None:
            opened = reopen_held(row)
            try:
                with self._home.engine.begin() as conn:
                    cursor = _load_cursor(conn, node_id)
                    decision = decide(cursor, opened.batch.header, None)
                    _refuse_if_broken(decision, opened.batch.header, cursor)
                    self._apply(conn, opened, cursor)
                    delete_held(conn, row)
            except (RemoteProtocolError, HubError) as exc:
                log.warning("held batch %s/%s refused: %s", node_id, row.batch_seq, exc)
                own_key = self._home.info().seal_key()  # keep it readable, with our key
                with self._home.engine.begin() as conn:
                    delete_held(conn, row)
                    self._keep_rejected(
                        conn, opened.batch.header, seal_batch(opened.batch, own_key), exc
                    )

    def _next_held(self, node_id: str) -> sa.Row | None:
        with self._home.engine.connect() as conn:
            cursor = _load_cursor(conn, node_id)
            return conn.execute(
                sa.select(held_batches).where(
                    held_batches.c.node_id == node_id,
                    held_batches.c.batch_seq == cursor.next_batch_seq,
                )
            ).first()

    def _receipt(
        self, header: BatchHeader, status: str, cursor: NodeCursor, *, reason: str = ""
    ) -> SignedDocument:
        return Receipt(
            hub_id=self._home.config.hub_id,
            node_id=header.node_id,
            batch_seq=header.batch_seq,
            batch_hash=header.batch_hash,
            status=status,
            next_batch_seq=cursor.next_batch_seq,
            last_event_seq=cursor.last_event_seq,
            reason=reason,
            issued_at=_now(),
        ).sign(self._home.signing)

    def _keep_rejected(
        self, conn: sa.Connection, header: BatchHeader, blob: bytes, exc: Exception
    ) -> None:
        kept = conn.execute(
            sa.select(sa.func.count())
            .select_from(rejected_batches)
            .where(rejected_batches.c.node_id == header.node_id)
        ).scalar_one()
        message = str(exc)
        if kept >= MAX_REJECTED_KEPT_PER_NODE:
            blob, message = b"", f"{message} [bytes not kept: over {kept} rejected batches]"
        conn.execute(
            rejected_batches.insert().values(
                node_id=header.node_id,
                batch_seq=header.batch_seq,
                batch_hash=header.batch_hash,
                reason_code=getattr(exc, "code", "rejected"),
                message=message,
                blob=blob,
                received_at=_now(),
            )
        )

    def cursor(self, node_id: str) -> SignedDocument:
        """The hub's signed statement of what it holds of `node_id`."""
        with self._home.engine.connect() as conn:
            cursor = _load_cursor(conn, node_id)
        return Cursor(
            hub_id=self._home.config.hub_id,
            node_id=node_id,
            next_batch_seq=cursor.next_batch_seq,
            last_event_seq=cursor.last_event_seq,
            last_batch_hash=cursor.last_batch_hash,
            issued_at=_now(),
        ).sign(self._home.signing)


def _now() -> str:
    return format_timestamp(datetime.now(UTC))


def enrolled_node(conn: sa.Connection, node_id: str) -> sa.Row:
    """The node's row, when it may send to this hub: enrolled here and not revoked.

    Raises:
        UnknownNode, RevokedNode.
    """
    row = conn.execute(sa.select(nodes).where(nodes.c.node_id == node_id)).first()
    if row is None:
        raise UnknownNode(
            f"node {node_id} is not enrolled at this hub",
            hint="enroll it with a code from `central-hub enroll-code`",
        )
    if row.revoked_at is not None:
        raise RevokedNode(f"node {node_id} was revoked on {row.revoked_at}")
    return row


def _verify_node_signature(sealed: SealedBatch, key: VerifyKey) -> None:
    if key.key_id != sealed.header.sender_key_id:
        raise BadSignature(
            f"batch names signing key {sealed.header.sender_key_id}, but node "
            f"{sealed.header.node_id} is enrolled with key {key.key_id}"
        )
    sealed.signed(b"").verify(key)


def _enrolled(conn: sa.Connection, node_id: str) -> bool:
    query = sa.select(sa.func.count()).select_from(nodes).where(nodes.c.node_id == node_id)
    return bool(conn.execute(query).scalar_one())


def _note_equivocation(conn: sa.Connection, sealed: SealedBatch, exc: Exception) -> None:
    """A refusal that shows the node signed two batches for one number keeps the proof: a
    batch conflicting with the applied one here, or one posted past its county that differs
    from the county's copy (both refusals come after the node's signature verified)."""
    if not isinstance(exc, ConflictingBatch | NotForwarded):
        return
    kept = stored_batch(conn, sealed.header.node_id, sealed.header.batch_seq)
    if kept is not None and kept.header.batch_hash != sealed.header.batch_hash:
        record_equivocation(conn, Equivocation(kept, sealed.signed(b"")), found_by=exc.code)


def _refuse_if_broken(decision: Decision, header: BatchHeader, cursor: NodeCursor) -> None:
    if decision is Decision.CONFLICT:
        raise ConflictingBatch(
            f"node {header.node_id} already delivered a different batch {header.batch_seq}",
            hint="the node's database was restored or copied; the county admin must review it",
        )
    if decision is Decision.BROKEN_CHAIN:
        raise BrokenChain(
            f"batch {header.batch_seq} of {header.node_id} does not follow the last applied "
            f"batch (expected prev_hash {cursor.last_batch_hash[:12]}… and first event "
            f"{cursor.last_event_seq + 1}, got {header.prev_hash[:12]}… and {header.first_seq})",
            hint="the node's log and this hub disagree; the county admin must compare them",
        )


def _load_cursor(conn: sa.Connection, node_id: str) -> NodeCursor:
    row = conn.execute(sa.select(cursors).where(cursors.c.node_id == node_id)).first()
    if row is None:
        return NodeCursor()
    return NodeCursor(row.next_batch_seq, row.last_event_seq, row.last_batch_hash)


def _save_cursor(
    conn: sa.Connection, node_id: str, cursor: NodeCursor, now: str, *, exists: bool
) -> None:
    values = {
        "next_batch_seq": cursor.next_batch_seq,
        "last_event_seq": cursor.last_event_seq,
        "last_batch_hash": cursor.last_batch_hash,
        "last_contact_at": now,
    }
    if exists:
        conn.execute(cursors.update().where(cursors.c.node_id == node_id).values(**values))
    else:
        conn.execute(cursors.insert().values(node_id=node_id, **values))


def _stored_batch(conn: sa.Connection, node_id: str, batch_seq: int) -> sa.Row | None:
    return conn.execute(
        sa.select(batches.c.batch_hash, batches.c.receipt).where(
            batches.c.node_id == node_id, batches.c.batch_seq == batch_seq
        )
    ).first()


def _event_rows(opened: OpenedBatch, quarantined_ids: set[str]) -> Iterator[dict[str, object]]:
    batch_seq = opened.batch.header.batch_seq
    for event, line in zip(opened.events, opened.lines, strict=True):
        yield {
            "event_id": event.event_id,
            "node_id": event.node_id,
            "seq": event.seq,
            "case_id": event.case_id,
            "type": event.type,
            "occurred_at": event.occurred_at,
            "clerk_id": event.clerk_id,
            "body": line,
            "batch_seq": batch_seq,
            "quarantined": event.event_id in quarantined_ids,
        }
