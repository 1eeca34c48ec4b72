"""Provides the county admin's actions on nodes, each audited with who and why.

Ask a node to send its batches again from one (it learns it from its next feed page), accept
a gap that can never be filled (the cursor moves past it and the held batches apply), revoke
a node's key (its batches are refused; the signed revocation list travels down with the
catalogs to every node and USB folder). The audit log keeps every action.
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

from sync_protocol import BatchHeader, SignedDocument, format_timestamp, sign_document

from ..errors import HubError
from ..home import HubHome
from ..store import cursors, held_batches, metadata, nodes, upsert
from ..tables import Column, Table
from .nodes import node_of

__all__ = [
    "accept_gap",
    "audit_table",
    "request_resend",
    "resend_instruction",
    "revocation_list",
    "revoke_node",
]

resend_requests = sa.Table(
    "resend_requests",
    metadata,
    sa.Column("node_id", sa.String, primary_key=True),
    sa.Column("from_batch_seq", sa.Integer, nullable=False),
    sa.Column("requested_at", sa.String, nullable=False),
    sa.Column("requested_by", sa.String, nullable=False),
    sa.Column("delivered_at", sa.String),
)

audit_log = sa.Table(
    "audit_log",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", sa.String, nullable=False),
    sa.Column("actor", sa.String, nullable=False),
    sa.Column("action", sa.String, nullable=False),
    sa.Column("node_id", sa.String, nullable=False),
    sa.Column("center_code", sa.String, nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
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
    conn.execute(
        audit_log.insert().values(
            at=_now(),
            actor=actor,
            action=action,
            node_id=node.node_id,
            center_code=node.center_code,
            reason=reason,
        )
    )


def _require_reason(reason: str) -> str:
    if not reason.strip():
        raise HubError("a written reason is required; it is kept in the audit log")
    return reason.strip()


def request_resend(
    home: HubHome, node_id: str, *, from_batch_seq: int, actor: str, reason: str, county=None
) -> None:
    """Asks `node_id` to send its batches again from `from_batch_seq` (its next feed page)."""
    if from_batch_seq < 1:
        raise HubError("the batch seq to resend from must be 1 or more")
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
        _audit(conn, actor, f"resend from batch {from_batch_seq}", node, _require_reason(reason))


def accept_gap(
    home: HubHome, node_id: str, *, actor: str, reason: str, county: str | None = None
) -> dict[str, int]:
    """Gives up on the batches missing before the first held one: the cursor moves past the
    gap (audited with the reason) and the held batches apply.

    Raises:
        HubError: no reason, or no gap (nothing held for the node).
    """
    from ..ingest import Ingestor

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
            raise HubError(f"node {node_id} has no gap: no batch is held behind a missing one")
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
        gap = f"batches {missing_from}..{first_held.batch_seq - 1}"
        _audit(conn, actor, f"accept gap: {gap}", node, why)
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
        _audit(conn, actor, "revoke", node, why)


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


def audit_table(home: HubHome, *, county: str | None = None) -> Table:
    """Every admin action on nodes, newest first, with who and why."""
    query = sa.select(audit_log).order_by(audit_log.c.id.desc())
    if county:
        query = query.where(audit_log.c.center_code.startswith(county))
    with home.engine.connect() as conn:
        rows = [dict(r) for r in conn.execute(query).mappings()]
    return Table(
        "audit_log",
        "操作审计",
        "Audit log",
        (
            Column("at", "时间", "At", "datetime"),
            Column("actor", "操作人", "Actor"),
            Column("action", "操作", "Action"),
            Column("center_code", "中心代码", "Center"),
            Column("node_id", "节点", "Node"),
            Column("reason", "理由", "Reason"),
        ),
        rows,
    )
