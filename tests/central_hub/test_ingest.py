"""Ingest applies each batch exactly once, keeps what it refuses, and holds what is early."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from central_hub.ingest.ingestor import Decision, NodeCursor, decide
from central_hub.store import batches, cases, cursors, events, held_batches, rejected_batches
from sync_protocol import (
    GENESIS_HASH,
    BatchHeader,
    BrokenChain,
    ConflictingBatch,
    Event,
    MalformedInput,
    SealPrivateKey,
    SigningKey,
    UnknownNode,
    WrongRecipient,
    build_batch,
    encode_event,
    seal_batch,
)
from tests.pairs import make_pair
from township_node.sync import Outbox


def _header(batch_seq=2, first_seq=11, prev_hash="a" * 64) -> BatchHeader:
    return BatchHeader(
        protocol=1,
        node_id="n",
        sender_key_id="ab" * 8,
        batch_seq=batch_seq,
        first_seq=first_seq,
        last_seq=first_seq + 9,
        event_count=10,
        prev_hash=prev_hash,
        created_at="2026-11-28T00:00:00.000Z",
        body_hash="b" * 64,
        body_size=100,
    )


CURSOR = NodeCursor(next_batch_seq=2, last_event_seq=10, last_batch_hash="a" * 64)


@pytest.mark.parametrize(
    ("header", "stored_hash", "expected"),
    [
        # the next batch, following the chain
        (_header(), None, Decision.APPLY),
        # a batch already applied, same bytes: answer with the stored receipt
        (
            _header(batch_seq=1, first_seq=1, prev_hash=GENESIS_HASH),
            _header(batch_seq=1, first_seq=1, prev_hash=GENESIS_HASH).batch_hash,
            Decision.DUPLICATE,
        ),
        # a batch already applied at that seq, different bytes
        (_header(batch_seq=1, first_seq=1, prev_hash=GENESIS_HASH), "f" * 64, Decision.CONFLICT),
        # skips ahead: hold it until the gap closes
        (_header(batch_seq=5, first_seq=41), None, Decision.HOLD),
        # right seq, wrong previous hash
        (_header(prev_hash="c" * 64), None, Decision.BROKEN_CHAIN),
        # right seq and hash, but event seqs do not continue
        (_header(first_seq=12), None, Decision.BROKEN_CHAIN),
    ],
)
def test_decide_chooses_by_cursor_and_chain(header, stored_hash, expected):
    assert decide(CURSOR, header, stored_hash) is expected


def _count(hub, table) -> int:
    with hub.engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()


def test_ingest_applies_batch_once_and_returns_same_receipt_when_resent(tmp_path):
    pair = make_pair(tmp_path)
    pair.accept(3)
    (blob,) = pair.sealed_batches()
    first = pair.ingestor.ingest(blob)
    again = pair.ingestor.ingest(blob)
    assert (first.decision, again.decision) == (Decision.APPLY, Decision.DUPLICATE)
    assert again.receipt == first.receipt
    assert (_count(pair.hub, events), _count(pair.hub, cases), _count(pair.hub, batches)) == (
        3,
        3,
        1,
    )


def test_ingest_holds_early_batch_and_applies_it_when_gap_closes(tmp_path):
    pair = make_pair(tmp_path)
    pair.accept(4)
    first, second = pair.sealed_batches(max_events=2)
    held = pair.ingestor.ingest(second)
    assert held.decision is Decision.HOLD
    assert (_count(pair.hub, events), _count(pair.hub, held_batches)) == (0, 1)
    pair.ingestor.ingest(first)
    assert (_count(pair.hub, events), _count(pair.hub, held_batches)) == (4, 0)
    with pair.hub.engine.connect() as conn:
        assert conn.execute(sa.select(cursors.c.next_batch_seq)).scalar_one() == 3


def test_ingest_rejects_and_keeps_batch_with_same_seq_but_other_content(tmp_path):
    pair = make_pair(tmp_path)
    pair.accept(1)
    (blob,) = pair.sealed_batches()
    pair.ingestor.ingest(blob)
    # A restored or copied node signs a different batch 1.
    event = Event(
        event_id="0190b1a0-0000-7000-8000-000000000002",
        node_id=pair.node.node_id,
        seq=1,
        case_id="c",
        type="accept",
        occurred_at="2026-11-03T00:00:00.000Z",
        clerk_id="c",
        payload={},
    )
    forged = build_batch(
        [encode_event(event)],
        node_id=pair.node.node_id,
        first_seq=1,
        batch_seq=1,
        prev_hash=GENESIS_HASH,
        signing_key=pair.node.keys.signing,
    )
    with pytest.raises(ConflictingBatch):
        pair.ingestor.ingest(seal_batch(forged, pair.hub_info.seal_key()))
    assert _count(pair.hub, rejected_batches) == 1
    assert _count(pair.hub, events) == 1


def test_ingest_refuses_batch_that_breaks_the_chain(tmp_path):
    pair = make_pair(tmp_path)
    pair.accept(2)
    first, _ = pair.sealed_batches(max_events=1)
    pair.ingestor.ingest(first)
    lines = [pair.node.conn.execute("SELECT body FROM events WHERE seq = 2").fetchone()[0]]
    bad = build_batch(
        lines,
        node_id=pair.node.node_id,
        first_seq=2,
        batch_seq=2,
        prev_hash="0" * 63 + "1",
        signing_key=pair.node.keys.signing,
    )
    with pytest.raises(BrokenChain):
        pair.ingestor.ingest(seal_batch(bad, pair.hub_info.seal_key()))
    assert _count(pair.hub, events) == 1


def test_ingest_refuses_unknown_node_and_changes_nothing(tmp_path):
    pair = make_pair(tmp_path)
    stranger = SigningKey.generate()
    batch = build_batch(
        [b"{}"],
        node_id="513431100-stranger",
        first_seq=1,
        batch_seq=1,
        prev_hash=GENESIS_HASH,
        signing_key=stranger,
    )
    with pytest.raises(UnknownNode):
        pair.ingestor.ingest(seal_batch(batch, pair.hub_info.seal_key()))
    assert _count(pair.hub, events) == 0


def test_ingest_refuses_batch_sealed_to_another_hub(tmp_path):
    pair = make_pair(tmp_path)
    pair.accept(1)
    outbox = Outbox(pair.node)
    outbox.cut()
    (batch,) = outbox.unacknowledged()
    with pytest.raises(WrongRecipient):
        pair.ingestor.ingest(seal_batch(batch, SealPrivateKey.generate().public))
    assert _count(pair.hub, rejected_batches) == 1


def test_batch_for_another_county_is_told_wrong_recipient_not_unknown_node(tmp_path):
    county_a, county_b = make_pair(tmp_path / "a"), make_pair(tmp_path / "b")
    county_a.accept(1)
    outbox = Outbox(county_a.node)
    outbox.cut()
    (batch,) = outbox.unacknowledged()
    with pytest.raises(WrongRecipient, match="does not hold"):  # protocol.md §5.8 step 5
        county_b.ingestor.ingest(seal_batch(batch, county_a.hub_info.seal_key()))
    assert _count(county_b.hub, rejected_batches) == 0  # a node B does not know: nothing kept


def test_ingest_refuses_garbage_as_malformed(tmp_path):
    pair = make_pair(tmp_path)
    with pytest.raises(MalformedInput):
        pair.ingestor.ingest(b"GET / HTTP/1.1\r\n\r\n")


def test_held_batch_that_breaks_the_chain_is_rejected_without_blaming_the_batch_that_released_it(
    tmp_path,
):
    pair = make_pair(tmp_path)
    pair.accept(3)
    first, second = pair.sealed_batches(max_events=1)[:2]
    third_line = pair.node.conn.execute("SELECT body FROM events WHERE seq = 3").fetchone()[0]
    third = seal_batch(
        build_batch(
            [third_line],
            node_id=pair.node.node_id,
            first_seq=3,
            batch_seq=3,
            prev_hash="f" * 64,
            signing_key=pair.node.keys.signing,
        ),
        pair.hub_info.seal_key(),
    )
    assert pair.ingestor.ingest(third).decision is Decision.HOLD
    pair.ingestor.ingest(first)
    released = pair.ingestor.ingest(second)
    assert released.decision is Decision.APPLY
    assert (_count(pair.hub, events), _count(pair.hub, held_batches)) == (2, 0)
    with pair.hub.engine.connect() as conn:
        kept = conn.execute(sa.select(rejected_batches)).one()
    assert (kept.batch_seq, kept.reason_code) == (3, "broken_chain")


def test_refusals_of_unknown_nodes_are_not_stored(tmp_path):
    pair = make_pair(tmp_path)
    stranger = SigningKey.generate()
    batch = build_batch(
        [b"{}"],
        node_id="513431100-stranger",
        first_seq=1,
        batch_seq=1,
        prev_hash=GENESIS_HASH,
        signing_key=stranger,
    )
    for _ in range(3):
        with pytest.raises(UnknownNode):
            pair.ingestor.ingest(seal_batch(batch, pair.hub_info.seal_key()))
    assert _count(pair.hub, rejected_batches) == 0


def test_case_continued_in_a_later_batch_folds_each_event_once(tmp_path):
    pair = make_pair(tmp_path)
    (case_no,) = pair.accept(1, category="licensing")
    for blob in pair.sealed_batches():
        pair.ingestor.ingest(blob)
    pair.book.act(case_no, "handle", clerk_id="c")
    pair.book.act(case_no, "review", clerk_id="c")
    for blob in pair.sealed_batches(max_events=1):
        pair.ingestor.ingest(blob)
    with pair.hub.engine.connect() as conn:
        assert conn.execute(sa.select(cases.c.status)).scalar_one() == "reviewed"
