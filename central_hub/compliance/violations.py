"""Provides the acceptance violations counted from the quarantine (违规受理).

The hub refolds every event with casework's rules and quarantines what breaks one, with the
rule's code (central_hub/ingest/projection.py). Compliance counts them by kind, for the period
in which the refused event was recorded (its `occurred_at`), at the center of the node that
wrote it:

    delegated     an item delegated away from that level, a delegation that ended, or an item
                  not implemented at that level, still accepted there (下放事项仍在上级受理)
    certificate   a cancelled certificate demanded (已取消的证明事项)
    fee           a fee on a free item, above the published standard, or not an amount (收费)
    other         any other case rule (illegal transition, not the holder, …)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa

from ..store import events, nodes, quarantine
from .coverage import china_midnight

__all__ = ["KIND_LABELS", "RULE_KINDS", "Violation", "kind_of", "violations"]

RULE_KINDS = {
    "item_delegated_away": "delegated",
    "item_delegation_ended": "delegated",
    "item_not_at_level": "delegated",
    "certificate_cancelled": "certificate",
    "fee_not_allowed": "fee",
    "fee_on_free_item": "fee",
    "fee_above_standard": "fee",
    "fee_invalid_amount": "fee",
}
KIND_LABELS = {
    "delegated": "下放事项仍在上级受理",
    "certificate": "索要已取消证明",
    "fee": "违规收费",
    "other": "其他违规操作",
}


def kind_of(reason_code: str) -> str:
    return RULE_KINDS.get(reason_code, "other")


@dataclass(frozen=True, slots=True)
class Violation:
    """One quarantined event: who recorded it, when, and which rule it broke."""

    event_id: str
    node_id: str
    seq: int
    center_code: str
    county_code: str
    case_id: str
    event_type: str
    reason_code: str
    kind: str
    message: str
    occurred_at: str
    quarantined_at: str


def violations(
    conn: sa.Connection, *, scope_county: str | None, since: date, until: date
) -> list[Violation]:
    """Quarantined events recorded on the China dates [since, until], oldest first."""
    q = quarantine.c
    query = (
        sa.select(
            q.event_id,
            q.node_id,
            q.seq,
            nodes.c.center_code,
            q.case_id,
            q.type,
            q.reason_code,
            q.message,
            events.c.occurred_at,
            q.quarantined_at,
        )
        .join(nodes, nodes.c.node_id == q.node_id)
        .join(events, events.c.event_id == q.event_id)
        .where(
            events.c.occurred_at >= china_midnight(since),
            events.c.occurred_at < china_midnight(until + timedelta(days=1)),
        )
        .order_by(events.c.occurred_at, q.node_id, q.seq)
    )
    if scope_county is not None:
        query = query.where(sa.func.substr(nodes.c.center_code, 1, 6) == scope_county)
    return [
        Violation(
            row.event_id,
            row.node_id,
            row.seq,
            row.center_code,
            row.center_code[:6],
            row.case_id,
            row.type,
            row.reason_code,
            kind_of(row.reason_code),
            row.message,
            row.occurred_at,
            row.quarantined_at,
        )
        for row in conn.execute(query)
    ]
