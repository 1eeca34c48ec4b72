"""Provides store-and-forward from a county hub to its prefecture.

The county sends each township's original signed batch, sealed again to the prefecture's
key, so the prefecture checks the township's own signature. Before a node's first batch,
the county passes up the node's registration, signed by the county.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from sync_protocol import (
    BatchHeader,
    Forwarder,
    HubClient,
    HubInfo,
    HubRejected,
    NodeRegistration,
    Receipt,
    SignedBatch,
    SignedDocument,
    b64encode,
    enrollment_request,
    format_timestamp,
    seal_batch,
    verify_enrollment_proof,
)

from ..catalogs import store_upstream_catalog
from ..enrollment import replacement_statement, sign_registration
from ..errors import HubError, NotLinked
from ..home import HubHome
from ..store import batches, forward_state, hub_meta, nodes
from .backlog import report_backlog

log = logging.getLogger("central_hub.forward")

__all__ = [
    "ForwardReport",
    "forward_round",
    "link_upstream",
    "load_batch",
    "nodes_with_backlog",
    "pull_upstream_catalog",
    "save_forward_state",
    "upstream_of",
]


@dataclass(frozen=True, slots=True)
class ForwardReport:
    nodes: int
    batches: int
    events: int
    refused: dict[str, str] = field(default_factory=dict)
    """Nodes the prefecture refused this round, with its reason; the others went on."""


def link_upstream(home: HubHome, client: HubClient, code: str) -> HubInfo:
    """Enrolls this county hub with its prefecture and pins the prefecture's keys."""
    registration = NodeRegistration(
        node_id=home.config.hub_id,
        center_code=home.config.org_code,
        name=home.config.name,
        sign_key=b64encode(home.signing.public.raw),
        seal_suite=home.config.preferred_suite,
        seal_key=b64encode(home.info().seal_key(home.config.preferred_suite).raw),
        kind="hub",
    ).to_dict()
    answer = client.enroll(enrollment_request(code, registration))
    document = SignedDocument.from_dict(answer["hub"])
    info = HubInfo.from_signed(document)
    verify_enrollment_proof(code, document.body, registration, answer["proof"])
    if info.tier != "prefecture":
        raise HubError(f"{client.base_url} is a {info.tier} hub, not a prefecture")
    with home.engine.begin() as conn:
        for key, value in (
            ("upstream_url", client.base_url),
            ("upstream_info", json.dumps(document.to_dict())),
        ):
            conn.execute(hub_meta.delete().where(hub_meta.c.key == key))
            conn.execute(hub_meta.insert().values(key=key, value=value))
    return info


def upstream_of(home: HubHome) -> tuple[str, HubInfo]:
    """The linked prefecture's address and pinned description.

    Raises:
        NotLinked: this hub was never linked.
    """
    with home.engine.connect() as conn:
        meta = dict(conn.execute(sa.select(hub_meta.c.key, hub_meta.c.value)).all())
    if "upstream_info" not in meta:
        raise NotLinked(
            "this hub has no prefecture; run `central-hub link --upstream URL --code CODE`"
        )
    document = SignedDocument.from_dict(json.loads(meta["upstream_info"]))
    return meta["upstream_url"], HubInfo(**document.body)


def forward_round(home: HubHome, client: HubClient) -> ForwardReport:
    """Sends every applied batch the prefecture has not acknowledged, node by node, in order.

    Raises:
        NotLinked, TransportError, RemoteProtocolError.
    """
    _, upstream = upstream_of(home)
    pull_upstream_catalog(home, client, upstream)
    sent_nodes = sent_batches = sent_events = 0
    refused: dict[str, str] = {}
    for node_id in nodes_with_backlog(home):
        try:
            _register_upstream(home, client, node_id)
            count, n_events = _forward_node(home, client, upstream, node_id)
        except HubRejected as exc:
            if not _refuses_node(exc):
                raise  # the prefecture's own trouble (503, 429): every node would get it
            # One node's refusal is that node's: the others go on, and reconciliation
            # shows this one with the reason until a batch of it is taken again.
            refused[node_id] = f"{exc.remote_code}: {exc.message}"
            save_forward_state(home, node_id, last_error=refused[node_id])
            log.warning("forwarding node %s refused by the prefecture: %s", node_id, exc)
            continue
        sent_nodes, sent_batches, sent_events = (
            sent_nodes + 1,
            sent_batches + count,
            sent_events + n_events,
        )
    report_backlog(home, client)  # after forwarding: what is still held here, and since when
    return ForwardReport(sent_nodes, sent_batches, sent_events, refused)


def _refuses_node(exc: HubRejected) -> bool:
    """A 4xx about the batch or node (not a rate limit): retrying others is worth it."""
    return 400 <= exc.status < 500 and exc.status != 429


def pull_upstream_catalog(home: HubHome, client: HubClient, upstream: HubInfo) -> bool:
    """Fetches the prefecture's latest catalog; returns whether it was new here."""
    bundle = client.call_json("GET", "/v1/catalog")
    document = bundle.get("prefecture")
    if not document:
        return False
    return store_upstream_catalog(home, SignedDocument.from_dict(document), upstream)


def nodes_with_backlog(home: HubHome) -> list[str]:
    forwarded = sa.func.coalesce(
        sa.select(forward_state.c.forwarded_batch_seq)
        .where(forward_state.c.node_id == batches.c.node_id)
        .scalar_subquery(),
        0,
    )
    query = (
        sa.select(batches.c.node_id)
        .group_by(batches.c.node_id)
        .having(sa.func.max(batches.c.batch_seq) > sa.func.max(forwarded))
        .order_by(batches.c.node_id)
    )
    with home.engine.connect() as conn:
        return [row[0] for row in conn.execute(query)]


def _register_upstream(home: HubHome, client: HubClient, node_id: str) -> None:
    with home.engine.connect() as conn:
        state = conn.execute(
            sa.select(forward_state).where(forward_state.c.node_id == node_id)
        ).first()
        if state is not None and state.registered_upstream:
            return
        row = conn.execute(sa.select(nodes).where(nodes.c.node_id == node_id)).one()
    document = sign_registration(home, json.loads(row.registration))
    payload = {"registration": document.to_dict()}
    replacement = replacement_statement(home, node_id)  # a restored PC starts mid-sequence
    if replacement is not None:
        payload["replacement"] = replacement.to_dict()
    client.call_json("POST", "/v1/registrations", json=payload)
    save_forward_state(home, node_id, registered_upstream=True)


def _forward_node(
    home: HubHome, client: HubClient, upstream: HubInfo, node_id: str
) -> tuple[int, int]:
    sent = events = 0
    next_seq = _forwarded_seq(home, node_id) + 1
    while True:
        batch = load_batch(home, node_id, next_seq)
        if batch is None:
            return sent, events
        document = client.submit_batch(
            seal_batch(batch, upstream.seal_key(), forwarder=_forwarder(home))
        )
        receipt = Receipt.verify(document, upstream.verify_key())
        header = batch.header
        if (receipt.node_id, receipt.batch_seq, receipt.batch_hash) != (
            header.node_id,
            header.batch_seq,
            header.batch_hash,
        ):
            raise HubError(
                f"prefecture receipt names batch {receipt.batch_seq} of {receipt.node_id}, "
                f"not batch {header.batch_seq} of {header.node_id}; nothing was marked sent"
            )
        if receipt.status == "applied":
            save_forward_state(
                home, node_id, forwarded_batch_seq=batch.header.batch_seq, last_error=None
            )
            sent, events = sent + 1, events + batch.header.event_count
            next_seq = batch.header.batch_seq + 1
        else:
            # Held: the prefecture lacks an earlier batch; resend from its cursor.
            next_seq = receipt.next_batch_seq
            save_forward_state(home, node_id, forwarded_batch_seq=next_seq - 1)


def _forwarder(home: HubHome) -> Forwarder:
    """This county as it countersigns what it forwards (protocol.md §5.9)."""
    return Forwarder(home.config.hub_id, home.signing)


def _forwarded_seq(home: HubHome, node_id: str) -> int:
    with home.engine.connect() as conn:
        value = conn.execute(
            sa.select(forward_state.c.forwarded_batch_seq).where(forward_state.c.node_id == node_id)
        ).scalar()
    return int(value or 0)


def load_batch(
    home: HubHome, node_id: str, batch_seq: int, *, batch_hash: str | None = None
) -> SignedBatch | None:
    """A batch this hub applied, as its node signed it (None if absent, or another hash)."""
    with home.engine.connect() as conn:
        row = conn.execute(
            sa.select(
                batches.c.header, batches.c.signature, batches.c.body, batches.c.batch_hash
            ).where(batches.c.node_id == node_id, batches.c.batch_seq == batch_seq)
        ).first()
    if row is None or (batch_hash is not None and row.batch_hash != batch_hash):
        return None
    return SignedBatch(BatchHeader.decode(row.header), row.signature, row.body)


def save_forward_state(
    home: HubHome, node_id: str, *, only_forward: bool = False, **values: Any
) -> None:
    """Records forwarding progress; with `only_forward`, never moves the position back
    (receipts from a stick may come in any order)."""
    values["last_forward_at"] = format_timestamp(datetime.now(UTC))
    with home.engine.begin() as conn:
        current = conn.execute(
            sa.select(forward_state.c.forwarded_batch_seq).where(forward_state.c.node_id == node_id)
        ).scalar()
        if only_forward and current is not None and "forwarded_batch_seq" in values:
            values["forwarded_batch_seq"] = max(current, values["forwarded_batch_seq"])
        if current is None:
            conn.execute(forward_state.insert().values(node_id=node_id, **values))
        else:
            conn.execute(
                forward_state.update().where(forward_state.c.node_id == node_id).values(**values)
            )
