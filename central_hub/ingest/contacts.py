"""Provides the record of how each node reached this hub: the last batch by HTTP, the last
by USB, and how many batches came twice. Written in each batch's transaction."""

from __future__ import annotations

import sqlalchemy as sa

from ..store import metadata, upsert

__all__ = ["node_contacts", "record_contact"]

# How each node reached this hub last, by transport, and how many batches came twice.
node_contacts = sa.Table(
    "node_contacts",
    metadata,
    sa.Column("node_id", sa.String, primary_key=True),
    sa.Column("last_http_at", sa.String),
    sa.Column("last_usb_at", sa.String),
    sa.Column("duplicates", sa.Integer, nullable=False, default=0),
)


def record_contact(
    conn: sa.Connection, node_id: str, transport: str, *, at: str, duplicate: bool
) -> None:
    """Notes that a batch of `node_id` arrived by `transport` ("http" or "usb")."""
    column = "last_usb_at" if transport == "usb" else "last_http_at"
    row = conn.execute(
        sa.select(node_contacts.c.duplicates).where(node_contacts.c.node_id == node_id)
    ).first()
    duplicates = (row.duplicates if row else 0) + int(duplicate)
    upsert(conn, node_contacts, {"node_id": node_id}, {column: at, "duplicates": duplicates})
