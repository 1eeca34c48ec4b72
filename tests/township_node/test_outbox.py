"""The outbox cuts the log into chained, signed batches and follows the hub's receipts."""

from __future__ import annotations

from sync_protocol import GENESIS_HASH, Receipt, SignedDocument
from tests.pairs import make_pair
from township_node.sync import Outbox


def test_cut_chains_batches_and_covers_every_event_once(tmp_path):
    pair = make_pair(tmp_path)
    pair.accept(5)
    outbox = Outbox(pair.node)
    assert outbox.cut(max_events=2) == 3
    batches = outbox.unacknowledged()
    headers = [b.header for b in batches]
    assert [(h.first_seq, h.last_seq) for h in headers] == [(1, 2), (3, 4), (5, 5)]
    assert headers[0].prev_hash == GENESIS_HASH
    assert [h.prev_hash for h in headers[1:]] == [h.batch_hash for h in headers[:-1]]
    for batch in batches:
        batch.verify(pair.node.keys.signing.public)
    assert outbox.cut() == 0


def test_receipt_marks_batch_and_all_before_it_applied(tmp_path):
    pair = make_pair(tmp_path)
    pair.accept(3)
    blobs = pair.sealed_batches(max_events=1)
    outbox = Outbox(pair.node)
    for blob in blobs:
        result = pair.ingestor.ingest(blob)
    receipt = Receipt.verify(result.receipt, pair.hub.signing.public)
    outbox.record_receipt(receipt, SignedDocument.from_dict(result.receipt.to_dict()))
    status = outbox.status()
    assert (status.applied_batches, status.unacknowledged_batches) == (3, 0)
    assert status.hub_next_batch_seq == 4


def test_status_counts_unsent_events_and_their_age(tmp_path):
    pair = make_pair(tmp_path)
    pair.accept(2)
    status = Outbox(pair.node).status()
    first = pair.node.conn.execute("SELECT occurred_at FROM events WHERE seq = 1").fetchone()[0]
    assert status.unbatched_events == 2
    assert status.oldest_unsent_at == first
