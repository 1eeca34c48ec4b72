"""Provides node replacement: a PC restored from a backup continues the center of a dead one.

The county admin issues an enrollment code that names the node it replaces
(`central-hub enroll-code --center C --replaces OLD`). When the new PC redeems it, in the same
transaction: the new node's cursor starts where the old node's ends (next batch, last event,
last batch hash), so the hash chain runs on across the two node ids and no sequence number the
hub has seen is used again; the old node is revoked (its key may be on the dead disk); the
audit log records both. The new node fetches both cursors to learn where to continue.

A county forwards the new node from that position too, and tells its prefecture with a
`node_replacement` document (signed by the county) next to the new node's registration; the
prefecture starts its cursor of the new node at the same position. The old node is not revoked
at the prefecture: the county may still be forwarding its last batches.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from sync_protocol import GENESIS_HASH, MalformedInput, SignedDocument, sign_document

from ..errors import EnrollmentRefused
from ..home import HubHome
from ..reconcile import audit_log
from ..store import cursors, forward_state, metadata, nodes
from .counties import verified_from_linked_county

__all__ = [
    "accept_forwarded_replacement",
    "apply_replacement",
    "node_replacements",
    "plan_replacement",
    "replacement_statement",
]

node_replacements = sa.Table(
    "node_replacements",
    metadata,
    sa.Column("code_key", sa.String(64), primary_key=True),
    sa.Column("old_node_id", sa.String, nullable=False),
    sa.Column("center_code", sa.String, nullable=False),
    sa.Column("requested_at", sa.String, nullable=False),
    sa.Column("new_node_id", sa.String),
    sa.Column("replaced_at", sa.String),
    # Where the new node started: the old node's cursor when the code was redeemed.
    sa.Column("next_batch_seq", sa.Integer),
    sa.Column("last_event_seq", sa.Integer),
    sa.Column("last_batch_hash", sa.String(64)),
)


def plan_replacement(
    conn: sa.Connection, *, code_key: str, old_node_id: str, center_code: str, now: str
) -> None:
    """Records that the code `code_key` enrolls a replacement for `old_node_id`.

    Raises:
        EnrollmentRefused: no such node, a hub link, or a node of another center.
    """
    old = conn.execute(sa.select(nodes).where(nodes.c.node_id == old_node_id)).first()
    if old is None:
        raise EnrollmentRefused(
            f"node {old_node_id} is not enrolled at this hub; nothing to replace",
            hint="check the node id in `central-hub reconcile` (or the backup's manifest)",
        )
    if old.kind != "node" or old.center_code != center_code:
        raise EnrollmentRefused(
            f"node {old_node_id} belongs to center {old.center_code}, not {center_code}",
            hint="a replacement continues the same center; issue the code for that center",
        )
    taken = conn.execute(
        sa.select(node_replacements.c.new_node_id).where(
            node_replacements.c.old_node_id == old_node_id,
            node_replacements.c.new_node_id.is_not(None),
        )
    ).first()
    if taken is not None:
        raise EnrollmentRefused(
            f"node {old_node_id} was already replaced by {taken.new_node_id}",
            hint=f"to replace that PC too, use --replaces {taken.new_node_id}",
        )
    conn.execute(
        node_replacements.insert().values(
            code_key=code_key, old_node_id=old_node_id, center_code=center_code, requested_at=now
        )
    )


def apply_replacement(conn: sa.Connection, *, code_key: str, new_node_id: str, now: str) -> None:
    """If the code redeemed names a node to replace: seed the new node's cursor from the old
    one's, revoke the old node, and audit it. Call in the redeeming transaction."""
    plan = conn.execute(
        sa.select(node_replacements).where(node_replacements.c.code_key == code_key)
    ).first()
    if plan is None or plan.new_node_id is not None:
        return
    old_cursor = conn.execute(
        sa.select(cursors).where(cursors.c.node_id == plan.old_node_id)
    ).first()
    has_cursor = conn.execute(
        sa.select(cursors.c.node_id).where(cursors.c.node_id == new_node_id)
    ).first()
    position = (
        (old_cursor.next_batch_seq, old_cursor.last_event_seq, old_cursor.last_batch_hash)
        if old_cursor is not None
        else (1, 0, GENESIS_HASH)
    )
    if old_cursor is not None and has_cursor is None:
        _start_cursor(conn, new_node_id, position, now)
        # Forward upward from there too: the new node has no batches below it.
        forwarding = conn.execute(
            sa.select(forward_state.c.node_id).where(forward_state.c.node_id == new_node_id)
        ).first()
        if forwarding is None:
            conn.execute(
                forward_state.insert().values(
                    node_id=new_node_id,
                    registered_upstream=False,
                    forwarded_batch_seq=position[0] - 1,
                )
            )
    conn.execute(
        nodes.update()
        .where(nodes.c.node_id == plan.old_node_id, nodes.c.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    conn.execute(
        node_replacements.update()
        .where(node_replacements.c.code_key == code_key)
        .values(
            new_node_id=new_node_id,
            replaced_at=now,
            next_batch_seq=position[0],
            last_event_seq=position[1],
            last_batch_hash=position[2],
        )
    )
    conn.execute(
        audit_log.insert().values(
            at=now,
            actor="enrollment",
            action=f"replace by {new_node_id}",
            node_id=plan.old_node_id,
            center_code=plan.center_code,
            reason="PC restored from a backup; the new node continues this node's sequence",
        )
    )


def _start_cursor(
    conn: sa.Connection, node_id: str, position: tuple[int, int, str], now: str
) -> None:
    conn.execute(
        cursors.insert().values(
            node_id=node_id,
            next_batch_seq=position[0],
            last_event_seq=position[1],
            last_batch_hash=position[2],
            last_contact_at=now,
        )
    )


def replacement_statement(home: HubHome, new_node_id: str) -> SignedDocument | None:
    """The county's signed statement that `new_node_id` replaced a node, and where it
    started; None when it replaced none."""
    with home.engine.connect() as conn:
        row = conn.execute(
            sa.select(node_replacements).where(node_replacements.c.new_node_id == new_node_id)
        ).first()
    if row is None or row.next_batch_seq is None:
        return None
    body = {
        "old_node_id": row.old_node_id,
        "new_node_id": row.new_node_id,
        "center_code": row.center_code,
        "next_batch_seq": row.next_batch_seq,
        "last_event_seq": row.last_event_seq,
        "last_batch_hash": row.last_batch_hash,
        "replaced_at": row.replaced_at,
    }
    return sign_document("node_replacement", body, home.signing)


def accept_forwarded_replacement(home: HubHome, doc_obj: Any) -> None:
    """Starts the prefecture's cursor of a replacing node where its county started it.

    Raises:
        EnrollmentRefused: not signed by a linked county, a node outside it, or the new node
            is not registered here. MalformedInput, BadSignature.
    """
    doc = SignedDocument.from_dict(doc_obj)
    with home.engine.begin() as conn:
        sender, body = verified_from_linked_county(conn, doc, kind="node_replacement")
        try:
            new_node_id, old_node_id = str(body["new_node_id"]), str(body["old_node_id"])
            position = (
                int(body["next_batch_seq"]),
                int(body["last_event_seq"]),
                str(body["last_batch_hash"]),
            )
            center_code = str(body["center_code"])
        except (KeyError, TypeError, ValueError) as exc:
            raise MalformedInput(f"node_replacement body is malformed: {exc}") from exc
        new = conn.execute(sa.select(nodes).where(nodes.c.node_id == new_node_id)).first()
        if new is None or not new.center_code.startswith(sender.center_code):
            raise EnrollmentRefused(
                f"county {sender.center_code} cannot start node {new_node_id}: it is not a "
                "node of that county registered here"
            )
        if conn.execute(
            sa.select(cursors.c.node_id).where(cursors.c.node_id == new_node_id)
        ).first():
            return  # already started (a repeated statement), or it has sent: change nothing
        _start_cursor(conn, new_node_id, position, str(body.get("replaced_at", "")))
        conn.execute(
            audit_log.insert().values(
                at=str(body.get("replaced_at", "")),
                actor=sender.node_id,
                action=f"replace by {new_node_id}",
                node_id=old_node_id,
                center_code=center_code,
                reason=f"county {sender.center_code} re-enrolled a restored PC",
            )
        )
