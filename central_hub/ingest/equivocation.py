"""Provides the record of equivocations: a node that signed two batches for one number.

Either hub can catch one. A county sees it when a node sends a different batch N than the one
it applied (`conflicting_batch`). The prefecture sees it when a batch posted straight to it,
not through the node's county (`not_forwarded`, refused and kept), differs from the county's
copy: whichever of the two arrives first. The county's copy decides, so nothing is changed:
the proof (both signed headers, sync_protocol.Equivocation) is kept, the node is flagged in
reconciliation, dashboard and metrics, and the prefecture hands each county the proofs about its
nodes in its answer to the county's backlog statement.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from sync_protocol import (
    BatchHeader,
    Equivocation,
    RemoteProtocolError,
    SignedBatch,
    VerifyKey,
    b64decode,
    format_timestamp,
    peek_batch,
)

from ..store import batches, metadata, nodes, rejected_batches

__all__ = [
    "equivocations",
    "equivocations_of",
    "record_equivocation",
    "refused_versions",
    "stored_batch",
    "take_reported",
]

log = logging.getLogger("central_hub.ingest")

equivocations = sa.Table(
    "equivocations",
    metadata,
    sa.Column("node_id", sa.String, primary_key=True),
    sa.Column("batch_seq", sa.Integer, primary_key=True),
    sa.Column("other_hash", sa.String(64), primary_key=True),
    sa.Column("kept_hash", sa.String(64), nullable=False),
    sa.Column("proof", sa.Text, nullable=False),
    # How it was caught: conflicting_batch, not_forwarded, or reported (by the prefecture).
    sa.Column("found_by", sa.String, nullable=False),
    sa.Column("detected_at", sa.String, nullable=False),
)


def record_equivocation(conn: sa.Connection, proof: Equivocation, *, found_by: str) -> bool:
    """Keeps a proof (once per pair) and logs it; returns whether it was new."""
    key = (proof.node_id, proof.batch_seq, proof.other.header.batch_hash)
    seen = conn.execute(
        sa.select(sa.func.count())
        .select_from(equivocations)
        .where(
            equivocations.c.node_id == key[0],
            equivocations.c.batch_seq == key[1],
            equivocations.c.other_hash == key[2],
        )
    ).scalar_one()
    if seen:
        return False
    conn.execute(
        equivocations.insert().values(
            node_id=proof.node_id,
            batch_seq=proof.batch_seq,
            other_hash=key[2],
            kept_hash=proof.kept.header.batch_hash,
            proof=json.dumps(proof.to_dict()),
            found_by=found_by,
            detected_at=format_timestamp(datetime.now(UTC)),
        )
    )
    log.error(
        "EQUIVOCATION: node %s signed two different batches %d (kept %s…, refused %s…; %s); "
        "its county's copy stands, the node's PC must be checked and its key revoked if stolen",
        proof.node_id,
        proof.batch_seq,
        proof.kept.header.batch_hash[:12],
        key[2][:12],
        found_by,
    )
    return True


def stored_batch(conn: sa.Connection, node_id: str, batch_seq: int) -> SignedBatch | None:
    """The applied batch's signed header (body left out: the proof does not need it)."""
    row = conn.execute(
        sa.select(batches.c.header, batches.c.signature).where(
            batches.c.node_id == node_id, batches.c.batch_seq == batch_seq
        )
    ).first()
    return None if row is None else SignedBatch(BatchHeader.decode(row.header), row.signature, b"")


def refused_versions(conn: sa.Connection, kept: BatchHeader) -> list[SignedBatch]:
    """The batches refused as `not_forwarded` with the number of `kept` and another hash:
    their node's signature was verified before they were refused (Ingestor)."""
    rows = conn.execute(
        sa.select(rejected_batches.c.blob).where(
            rejected_batches.c.node_id == kept.node_id,
            rejected_batches.c.batch_seq == kept.batch_seq,
            rejected_batches.c.reason_code == "not_forwarded",
            rejected_batches.c.batch_hash != kept.batch_hash,
        )
    )
    found = []
    for (blob,) in rows:
        try:
            sealed = peek_batch(blob)
        except RemoteProtocolError:  # bytes not kept (over the per-node cap)
            continue
        found.append(sealed.signed(b""))
    return found


def equivocations_of(conn: sa.Connection, *, via: str | None = None) -> list[dict[str, Any]]:
    """The recorded equivocations, newest first; with `via`, of the nodes a county registered."""
    query = sa.select(equivocations).order_by(equivocations.c.detected_at.desc())
    if via is not None:
        query = query.where(
            equivocations.c.node_id.in_(
                sa.select(nodes.c.node_id).where(nodes.c.registered_via == via)
            )
        )
    return [dict(row._mapping) for row in conn.execute(query)]


def take_reported(conn: sa.Connection, proofs: Iterable[Any]) -> int:
    """At a county: keeps the proofs its prefecture reports about this county's nodes, each
    checked against the node's key here; returns how many were new. One that does not check
    out is logged and dropped: the prefecture's word alone convicts no node."""
    new = 0
    for obj in proofs:
        try:
            proof = Equivocation.from_dict(obj)
            key = conn.execute(
                sa.select(nodes.c.sign_key).where(nodes.c.node_id == proof.node_id)
            ).scalar()
            if key is None:
                raise RemoteProtocolError(f"node {proof.node_id} is not enrolled here")
            proof.verify(VerifyKey(b64decode(key, what="node key")))
        except RemoteProtocolError as exc:
            log.warning(
                "prefecture's equivocation report dropped: %s (%s)", exc, json.dumps(obj)[:200]
            )
            continue
        new += record_equivocation(conn, proof, found_by="reported")
    return new
