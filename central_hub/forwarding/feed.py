"""Provides the downward feed at the hub: pages of a center's feed, signed and sealed to a node.

Routing (routing.py) appends to a center's feed, in the batch's transaction, every event
another party recorded on a case the center is party to. A node asks with a feed request it
signs; the answer is the next page after the position it holds, signed by this hub and
sealed to the node's registered sealing key, so only that node reads the names in it. The
same page goes into a USB folder for a node that has no link.
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

from sync_protocol import (
    MAX_FEED_PAGE_EVENTS,
    FeedEntry,
    FeedPage,
    FeedRequest,
    SealPublicKey,
    SignedDocument,
    VerifyKey,
    b64decode,
    decode_event,
    format_timestamp,
    seal_feed_page,
)

from ..home import HubHome
from ..ingest import enrolled_node
from ..reconcile import record_report, resend_instruction
from ..store import events, feed

__all__ = ["answer_feed_request", "feed_page_for"]


def answer_feed_request(
    home: HubHome, document: SignedDocument, *, transport: str = "http"
) -> tuple[FeedPage, bytes]:
    """Verifies a node's feed request, keeps what the node reports of itself, and returns
    the page it asks for (with a pending resend instruction), and its sealed bytes.

    Raises:
        UnknownNode, RevokedNode: the node is not (or no longer) enrolled here.
        BadSignature: the request was not signed by the node's key.
        MalformedInput: not a feed request.
    """
    node_id = FeedRequest.node_of(document)
    node = _node(home, node_id)
    request = FeedRequest.verify(document, VerifyKey(b64decode(node.sign_key, what="node key")))
    record_report(home, request, transport=transport)
    return feed_page_for(
        home,
        node_id,
        after=request.after,
        limit=request.limit,
        resend_from=resend_instruction(home, node_id),
    )


def feed_page_for(
    home: HubHome,
    node_id: str,
    *,
    after: int,
    limit: int = MAX_FEED_PAGE_EVENTS,
    resend_from: int = 0,
) -> tuple[FeedPage, bytes]:
    """The page of `node_id`'s center feed after position `after`, and its sealed bytes."""
    node = _node(home, node_id)
    with home.engine.connect() as conn:
        rows = conn.execute(
            sa.select(feed.c.position, feed.c.author_center, events.c.body)
            .join(events, events.c.event_id == feed.c.event_id)
            .where(feed.c.center_code == node.center_code, feed.c.position > after)
            .order_by(feed.c.position)
            .limit(limit + 1)
        ).all()
    entries = tuple(
        FeedEntry(position, center, decode_event(body)) for position, center, body in rows[:limit]
    )
    page = FeedPage(
        hub_id=home.config.hub_id,
        node_id=node_id,
        center_code=node.center_code,
        after=after,
        next=entries[-1].position if entries else after,
        more=len(rows) > limit,
        entries=entries,
        resend_from=resend_from,
        issued_at=format_timestamp(datetime.now(UTC)),
    )
    recipient = SealPublicKey(node.seal_suite, b64decode(node.seal_key, what="node sealing key"))
    return page, seal_feed_page(page, home.signing, recipient)


def _node(home: HubHome, node_id: str) -> sa.Row:
    with home.engine.connect() as conn:
        return enrolled_node(conn, node_id)
