"""The downward feed's wire format: only the addressed node opens a page, and only the hub's
signature makes it count; anything damaged is refused whole."""

from __future__ import annotations

from dataclasses import replace

import pytest

from sync_protocol import (
    SUITE_X25519,
    BadSignature,
    FeedEntry,
    FeedPage,
    FeedRequest,
    LocalProtocolError,
    MalformedInput,
    SealPrivateKey,
    SigningKey,
    UnsupportedVersion,
    WrongRecipient,
    open_feed_page,
    seal_feed_page,
)
from tests.sync_protocol.syncproto_helpers import make_event

HUB = SigningKey.generate()
NODE = SealPrivateKey.generate(SUITE_X25519)
NODE_ID = "513431100-0a1b2c3d"


def _page(**changes: object) -> FeedPage:
    entries = (FeedEntry(3, "513431", make_event(1)), FeedEntry(9, "513431", make_event(2)))
    fields = {
        "hub_id": "county-513431",
        "node_id": NODE_ID,
        "center_code": "513431100",
        "after": 2,
        "next": 9,
        "more": False,
        "entries": entries,
        "resend_from": 0,
        "issued_at": "2026-11-28T03:05:01.250Z",
    }
    return FeedPage(**(fields | changes))  # type: ignore[arg-type]


def test_node_opens_the_page_sealed_to_it_and_gets_every_entry() -> None:
    page = _page()
    opened = open_feed_page(
        seal_feed_page(page, HUB, NODE.public), node_id=NODE_ID, key=NODE, hub_key=HUB.public
    )
    assert opened == page


def test_page_sealed_to_another_node_is_refused() -> None:
    other = SealPrivateKey.generate(SUITE_X25519)
    blob = seal_feed_page(_page(), HUB, other.public)
    with pytest.raises(WrongRecipient):
        open_feed_page(blob, node_id=NODE_ID, key=NODE, hub_key=HUB.public)


def test_page_signed_by_another_hub_is_refused() -> None:
    blob = seal_feed_page(_page(), SigningKey.generate(), NODE.public)
    with pytest.raises(BadSignature):
        open_feed_page(blob, node_id=NODE_ID, key=NODE, hub_key=HUB.public)


@pytest.mark.parametrize("position", [0, 4, 10, -1])
def test_any_byte_tampered_refuses_the_whole_page(position: int) -> None:
    blob = bytearray(seal_feed_page(_page(), HUB, NODE.public))
    blob[position] ^= 0x01
    with pytest.raises((MalformedInput, WrongRecipient, UnsupportedVersion)):
        open_feed_page(bytes(blob), node_id=NODE_ID, key=NODE, hub_key=HUB.public)


def test_page_for_one_node_does_not_open_as_another_nodes() -> None:
    blob = seal_feed_page(_page(), HUB, NODE.public)
    with pytest.raises(MalformedInput):  # the node id is bound into the seal
        open_feed_page(blob, node_id="513431101-0a1b2c3d", key=NODE, hub_key=HUB.public)


@pytest.mark.parametrize(
    "changes",
    [{"next": 3}, {"after": 5}, {"entries": ()}, {"issued_at": "yesterday"}],
    ids=["next-not-last", "entries-not-after", "next-without-entries", "bad-time"],
)
def test_inconsistent_page_cannot_be_built(changes: dict[str, object]) -> None:
    with pytest.raises(LocalProtocolError):
        _page(**changes)


def test_feed_request_verifies_only_with_the_nodes_key() -> None:
    node_key = SigningKey.generate()
    request = FeedRequest(
        node_id=NODE_ID,
        after=0,
        limit=100,
        head_seq=12,
        unsent_events=0,
        oldest_unsent_at="",
        issued_at=_page().issued_at,
    )
    document = request.sign(node_key)
    assert FeedRequest.node_of(document) == NODE_ID
    assert FeedRequest.verify(document, node_key.public) == request
    with pytest.raises(BadSignature):
        FeedRequest.verify(document, SigningKey.generate().public)
    with pytest.raises(LocalProtocolError):
        replace(request, limit=0)
