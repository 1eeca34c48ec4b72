"""Provides held batches: ones that arrived before a batch they follow, kept until it does.

Stored as their node signed them, so they apply exactly as if they had come in order.
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

from sync_protocol import (
    BatchHeader,
    ConflictingBatch,
    OpenedBatch,
    SignedBatch,
    format_timestamp,
    read_batch,
)

from ..store import held_batches

__all__ = ["delete_held", "hold", "reopen_held", "signed_batch_columns"]


def hold(conn: sa.Connection, opened: OpenedBatch) -> None:
    header = opened.batch.header
    existing = conn.execute(
        sa.select(held_batches.c.batch_hash).where(
            held_batches.c.node_id == header.node_id,
            held_batches.c.batch_seq == header.batch_seq,
        )
    ).first()
    if existing is not None:
        if existing.batch_hash != header.batch_hash:
            raise ConflictingBatch(
                f"a different batch {header.batch_seq} of {header.node_id} is already held"
            )
        return
    conn.execute(
        held_batches.insert().values(
            **signed_batch_columns(opened), received_at=format_timestamp(datetime.now(UTC))
        )
    )


def signed_batch_columns(opened: OpenedBatch) -> dict[str, object]:
    """A batch as its node signed it: what the batches and held_batches tables keep."""
    header = opened.batch.header
    return {
        "node_id": header.node_id,
        "batch_seq": header.batch_seq,
        "batch_hash": header.batch_hash,
        "header": header.encode(),
        "signature": opened.batch.signature,
        "body": opened.batch.body,
    }


def delete_held(conn: sa.Connection, row: sa.Row) -> None:
    conn.execute(
        held_batches.delete().where(
            held_batches.c.node_id == row.node_id, held_batches.c.batch_seq == row.batch_seq
        )
    )


def reopen_held(row: sa.Row) -> OpenedBatch:
    header = BatchHeader.decode(row.header)
    return read_batch(SignedBatch(header, row.signature, row.body))
