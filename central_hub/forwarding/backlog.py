"""Provides the backlog: what a county holds that the prefecture does not have yet.

A county computes it from its own store and reports it, signed, with every forwarding
round (and on every USB export), so the prefecture sees which county holds what and since
when, even for batches it has never received; a county whose last report is old is itself
a finding.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from sync_protocol import (
    HubClient,
    SignedDocument,
    format_timestamp,
    sign_document,
)

from ..enrollment import verified_from_linked_county
from ..home import HubHome
from ..ingest import equivocations_of, take_reported
from ..store import batches, county_backlog, forward_state, nodes

__all__ = ["accept_backlog", "backlog_statement", "backlog_view", "report_backlog"]


def backlog_statement(home: HubHome) -> dict[str, Any]:
    """Per node: batches applied here but not acknowledged by the prefecture, since when."""
    forwarded = sa.func.coalesce(forward_state.c.forwarded_batch_seq, 0)
    query = (
        sa.select(
            batches.c.node_id,
            nodes.c.center_code,
            sa.func.count().label("batches"),
            sa.func.sum(batches.c.event_count).label("events"),
            sa.func.min(batches.c.received_at).label("oldest_received_at"),
        )
        .join(nodes, nodes.c.node_id == batches.c.node_id)
        .join(forward_state, forward_state.c.node_id == batches.c.node_id, isouter=True)
        .where(batches.c.batch_seq > forwarded)
        .group_by(batches.c.node_id, nodes.c.center_code)
        .order_by(batches.c.node_id)
    )
    with home.engine.connect() as conn:
        rows = [dict(row._mapping) for row in conn.execute(query)]
    for row in rows:
        row["events"] = int(row["events"] or 0)
    return {
        "hub_id": home.config.hub_id,
        "org_code": home.config.org_code,
        "issued_at": format_timestamp(datetime.now(UTC)),
        "nodes": rows,
    }


def report_backlog(home: HubHome, client: HubClient) -> int:
    """Sends the signed backlog statement to the prefecture, and keeps the equivocation
    proofs about this county's nodes that it answers with; returns how many were new."""
    document = sign_document("backlog", backlog_statement(home), home.signing)
    answer = client.call_json("POST", "/v1/backlog", json={"backlog": document.to_dict()})
    proofs = answer.get("equivocations")
    if not isinstance(proofs, list):  # a prefecture of an older version tells none
        return 0
    with home.engine.begin() as conn:
        return take_reported(conn, proofs)


def accept_backlog(home: HubHome, doc_obj: Any) -> list[dict[str, Any]]:
    """Keeps a county's latest backlog statement (prefecture side); returns the proofs of
    equivocation by that county's nodes, so that the county is told (protocol.md §8.4).

    Raises:
        EnrollmentRefused: not signed by a linked county hub.
        BadSignature, MalformedInput.
    """
    document = SignedDocument.from_dict(doc_obj)
    with home.engine.begin() as conn:
        sender, body = verified_from_linked_county(conn, document, kind="backlog")
        conn.execute(county_backlog.delete().where(county_backlog.c.hub_id == sender.node_id))
        conn.execute(
            county_backlog.insert().values(
                hub_id=sender.node_id,
                reported_at=str(body.get("issued_at", "")),
                document=json.dumps(document.to_dict(), ensure_ascii=False),
            )
        )
        return [json.loads(row["proof"]) for row in equivocations_of(conn, via=sender.node_id)]


def backlog_view(home: HubHome) -> list[dict[str, Any]]:
    """At a county: its own backlog. At the prefecture: each county's last statement."""
    if home.config.tier == "county":
        statement = backlog_statement(home)
        return [
            {
                "hub_id": statement["hub_id"],
                "reported_at": statement["issued_at"],
                "nodes": statement["nodes"],
            }
        ]
    with home.engine.connect() as conn:
        rows = conn.execute(sa.select(county_backlog).order_by(county_backlog.c.hub_id)).all()
    return [
        {
            "hub_id": row.hub_id,
            "reported_at": row.reported_at,
            "nodes": json.loads(row.document)["body"]["nodes"],
        }
        for row in rows
    ]
