"""Provides the county admin's actions on nodes, each audited with who and why.

Ask a node to send its batches again from one (it learns it from its next feed page), accept
a gap that can never be filled (the cursor moves past it and the held batches apply), revoke
a node's key (its batches are refused; the signed revocation list travels down with the
catalogs to every node and USB folder). The audit log (audit.py) keeps every action.
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

from sync_protocol import BatchHeader, SignedDocument, format_timestamp, sign_document

from .audit import (
    REVOKE_ACTION,
    accept_gap_action,
    audit_log,
    audit_table,
    record_audit,
    resend_action,
)
from .errors import HubError
from .home import HubHome
from .reconcile import node_of, upsert
from .store import cursors, held_batches, metadata, nodes

__all__ = [
    "MAX_BATCH_SEQ",
    "NodeActionRefused",
    "accept_gap",
    "audit_log",
    "audit_table",
    "request_resend",
    "resend_instruction",
    "revocation_list",
    "revoke_node",
]

MAX_BATCH_SEQ = 2**31 - 1
"""The largest batch seq every store keeps (PostgreSQL's INTEGER; a node cuts a few a day)."""
MAX_REASON_LENGTH = 500


class NodeActionRefused(HubError):
    """An admin action refused before anything changed: no reason, a bad seq, no gap."""

    code = "node_action_refused"
    http_status = 422


resend_requests = sa.Table(
    "resend_requests",
    metadata,
    sa.Column("node_id", sa.String, primary_key=True),
    sa.Column("from_batch_seq", sa.Integer, nullable=False),
    sa.Column("requested_at", sa.String, nullable=False),
    sa.Column("requested_by", sa.String, nullable=False),
    sa.Column("delivered_at", sa.String),
)


def _now() -> str:
    return format_timestamp(datetime.now(UTC))


def resend_instruction(home: HubHome, node_id: str) -> int:
    """The batch seq to send again from, or 0; marks the instruction delivered."""
    with home.engine.begin() as conn:
        row = conn.execute(
            sa.select(resend_requests.c.from_batch_seq).where(
                resend_requests.c.node_id == node_id, resend_requests.c.delivered_at.is_(None)
            )
        ).first()
        if row is None:
            return 0
        conn.execute(
            resend_requests.update()
            .where(resend_requests.c.node_id == node_id)
            .values(delivered_at=_now())
        )
        return int(row.from_batch_seq)


def _audit(conn: sa.Connection, actor: str, action: str, node: sa.Row, reason: str) -> None:
    record_audit(
        conn,
        actor=actor,
        action=action,
        node_id=node.node_id,
        center_code=node.center_code,
        reason=reason,
    )


def _require_reason(reason: str) -> str:
    """The reason, trimmed: some text, not over MAX_REASON_LENGTH, no control characters
    (PostgreSQL cannot store a NUL, and a line break would split the audit's one line)."""
    why = reason.strip()
    if not why:
        raise NodeActionRefused(
            "a written reason is required; it is kept in the audit log",
            message_zh="请写明理由（理由记入操作审计）",
        )
    if len(why) > MAX_REASON_LENGTH:
        raise NodeActionRefused(
            f"the reason has {len(why)} characters; at most {MAX_REASON_LENGTH} are kept",
            message_zh=f"理由最多 {MAX_REASON_LENGTH} 字（现有 {len(why)} 字）",
        )
    if any(ord(c) < 32 or 0x7F <= ord(c) < 0xA0 for c in why):
        raise NodeActionRefused(
            "the reason holds a control character (a line break, a tab, a NUL …)",
            message_zh="理由中不能有换行、制表符等控制字符，请写成一行文字",
        )
    return why


def request_resend(
    home: HubHome, node_id: str, *, from_batch_seq: int, actor: str, reason: str, county=None
) -> None:
    """Asks `node_id` to send its batches again from `from_batch_seq` (its next feed page).

    Raises:
        NodeActionRefused: a seq out of range, or no reason (or a bad one).
        HubError: no such node (in that county).
    """
    if not 1 <= from_batch_seq <= MAX_BATCH_SEQ:
        raise NodeActionRefused(
            f"the batch seq to resend from must be between 1 and {MAX_BATCH_SEQ}, "
            f"not {from_batch_seq}",
            message_zh=f"起始批次须为 1 到 {MAX_BATCH_SEQ} 之间的整数",
        )
    why = _require_reason(reason)
    with home.engine.begin() as conn:
        node = node_of(conn, node_id, county)
        upsert(
            conn,
            resend_requests,
            {"node_id": node_id},
            {
                "from_batch_seq": from_batch_seq,
                "requested_at": _now(),
                "requested_by": actor,
                "delivered_at": None,
            },
        )
        _audit(conn, actor, resend_action(from_batch_seq), node, why)


def accept_gap(
    home: HubHome, node_id: str, *, actor: str, reason: str, county: str | None = None
) -> dict[str, int]:
    """Gives up on the batches missing before the first held one: the cursor moves past the
    gap (audited with the reason) and the held batches apply.

    Raises:
        NodeActionRefused: no reason (or a bad one), or no gap (nothing held for the node).
        HubError: no such node (in that county).
    """
    from .ingest import Ingestor

    why = _require_reason(reason)
    with home.engine.begin() as conn:
        node = node_of(conn, node_id, county)
        first_held = conn.execute(
            sa.select(held_batches.c.batch_seq, held_batches.c.header)
            .where(held_batches.c.node_id == node_id)
            .order_by(held_batches.c.batch_seq)
            .limit(1)
        ).first()
        if first_held is None:
            raise NodeActionRefused(
                f"node {node_id} has no gap: no batch is held behind a missing one",
                message_zh=f"终端 {node_id} 没有缺号：没有批次在等待缺失的批次，无需确认",
            )
        cursor = conn.execute(sa.select(cursors).where(cursors.c.node_id == node_id)).first()
        missing_from = cursor.next_batch_seq if cursor else 1
        header = _header(first_held.header)
        values = {
            "next_batch_seq": first_held.batch_seq,
            "last_event_seq": header["first_seq"] - 1,
            "last_batch_hash": header["prev_hash"],
            "last_contact_at": _now(),
        }
        upsert(conn, cursors, {"node_id": node_id}, values)
        action = accept_gap_action(missing_from, first_held.batch_seq - 1)
        _audit(conn, actor, action, node, why)
    Ingestor(home).drain(node_id)
    return {"skipped_batches": first_held.batch_seq - missing_from}


def _header(raw: bytes) -> dict:
    header = BatchHeader.decode(raw)
    return {"first_seq": header.first_seq, "prev_hash": header.prev_hash}


def revoke_node(
    home: HubHome, node_id: str, *, actor: str, reason: str, county: str | None = None
) -> None:
    """Revokes a node's key: its batches are refused from now on, and the signed revocation
    list (with the catalogs) tells every node and USB folder."""
    why = _require_reason(reason)
    with home.engine.begin() as conn:
        node = node_of(conn, node_id, county)
        if node.revoked_at is None:
            conn.execute(nodes.update().where(nodes.c.node_id == node_id).values(revoked_at=_now()))
        _audit(conn, actor, REVOKE_ACTION, node, why)


def revocation_list(home: HubHome) -> SignedDocument:
    """The hub's signed list of revoked nodes (kind "revocations"), newest first."""
    with home.engine.connect() as conn:
        rows = conn.execute(
            sa.select(nodes.c.node_id, nodes.c.center_code, nodes.c.revoked_at)
            .where(nodes.c.revoked_at.is_not(None))
            .order_by(nodes.c.revoked_at.desc())
        ).all()
    body = {
        "hub_id": home.config.hub_id,
        "revoked": [
            {"node_id": r.node_id, "center_code": r.center_code, "revoked_at": r.revoked_at}
            for r in rows
        ],
        "issued_at": _now(),
    }
    return sign_document("revocations", body, home.signing)
