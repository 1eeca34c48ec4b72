"""Provides the quarantine record: events kept in the log but not applied, and why."""

from __future__ import annotations

import logging

import sqlalchemy as sa

from ..store import insert_many, quarantine
from .projection import Quarantined

__all__ = ["quarantine_note", "record_quarantine"]

log = logging.getLogger("central_hub.ingest")


def record_quarantine(
    conn: sa.Connection, held_back: list[Quarantined], batch_seq: int, now: str
) -> None:
    for item in held_back:
        log.warning("quarantined %s/%s: %s", item.event.node_id, item.event.seq, item.violation)
    insert_many(
        conn,
        quarantine,
        [
            {
                "event_id": q.event.event_id,
                "node_id": q.event.node_id,
                "seq": q.event.seq,
                "case_id": q.event.case_id,
                "type": q.event.type,
                "reason_code": q.violation.code,
                "message": q.violation.message,
                "batch_seq": batch_seq,
                "quarantined_at": now,
            }
            for q in held_back
        ],
    )


def quarantine_note(held_back: list[Quarantined]) -> str:
    """The receipt's reason: which events were kept but not applied, and the first why."""
    if not held_back:
        return ""
    seqs = ",".join(str(q.event.seq) for q in held_back[:20])
    more = f" and {len(held_back) - 20} more" if len(held_back) > 20 else ""
    return (
        f"quarantined {len(held_back)} events (seq {seqs}{more}): {held_back[0].violation.message}"
    )[:1000]
