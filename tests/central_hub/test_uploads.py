"""A batch sent in pieces resumes where the hub's copy ends, and strangers get nowhere."""

from __future__ import annotations

import hashlib

import pytest

from central_hub.ingest import Decision, Uploads
from sync_protocol import (
    GENESIS_HASH,
    BadSignature,
    MalformedInput,
    SigningKey,
    UnknownNode,
    build_batch,
    seal_batch,
)
from tests.pairs import make_pair


@pytest.fixture
def pair(tmp_path):
    pair = make_pair(tmp_path)
    pair.accept(250)  # a frame of about 16 KB
    return pair


def _frame(pair) -> bytes:
    (blob,) = pair.sealed_batches()
    return blob


def _put_all(uploads, blob, *, piece=1024, start=0):
    upload_id, result = hashlib.sha256(blob).hexdigest(), None
    offset = start
    while result is None:
        progress = uploads.put(upload_id, offset, len(blob), blob[offset : offset + piece])
        offset, result = progress.offset, progress.result
    return result


def test_pieces_in_order_ingest_the_batch_once_complete(pair):
    uploads = Uploads(pair.hub, pair.ingestor)
    blob = _frame(pair)
    result = _put_all(uploads, blob)
    assert result.decision is Decision.APPLY


def test_upload_resumes_from_the_hubs_offset_after_a_drop(pair):
    uploads = Uploads(pair.hub, pair.ingestor)
    blob = _frame(pair)
    upload_id = hashlib.sha256(blob).hexdigest()
    uploads.put(upload_id, 0, len(blob), blob[:5000])
    # The connection dropped after part of the next piece; the node asks where to go on.
    assert uploads.offset(upload_id) == 5000
    # A piece that does not start at the hub's offset is not appended.
    assert uploads.put(upload_id, 7000, len(blob), blob[7000:8000]).offset == 5000
    assert _put_all(uploads, blob, start=5000).decision is Decision.APPLY


def test_repeated_final_piece_answers_with_the_same_receipt(pair):
    uploads = Uploads(pair.hub, pair.ingestor)
    blob = _frame(pair)
    first = _put_all(uploads, blob)
    again = uploads.put(hashlib.sha256(blob).hexdigest(), len(blob), len(blob), b"").result
    assert again.decision is Decision.DUPLICATE
    assert again.receipt == first.receipt


def test_upload_from_an_unknown_node_is_dropped_once_its_header_arrives(pair, tmp_path):
    uploads = Uploads(pair.hub, pair.ingestor)
    stranger = build_batch(
        [b"{}"] * 2000,
        node_id="513431100-stranger",
        first_seq=1,
        batch_seq=1,
        prev_hash=GENESIS_HASH,
        signing_key=SigningKey.generate(),
    )
    blob = seal_batch(stranger, pair.hub_info.seal_key())
    with pytest.raises(UnknownNode):
        _put_all(uploads, blob, piece=8192)
    assert list((pair.hub.path / "uploads").iterdir()) == []


def test_upload_signed_with_another_key_is_dropped(pair):
    uploads = Uploads(pair.hub, pair.ingestor)
    forged = build_batch(
        [b"{}"] * 2000,
        node_id=pair.node.node_id,
        first_seq=1,
        batch_seq=1,
        prev_hash=GENESIS_HASH,
        signing_key=SigningKey.generate(),
    )
    with pytest.raises(BadSignature):
        _put_all(uploads, seal_batch(forged, pair.hub_info.seal_key()), piece=8192)


def test_bytes_that_do_not_hash_to_the_upload_id_are_refused(pair):
    uploads = Uploads(pair.hub, pair.ingestor)
    blob = _frame(pair)
    with pytest.raises(MalformedInput, match="do not hash"):
        uploads.put("0" * 64, 0, len(blob), blob)


@pytest.mark.parametrize(
    ("start", "total", "piece"),
    [
        (-1, 10, b"x"),  # negative start
        (0, 0, b""),  # empty frame
        (5, 10, b"x" * 6),  # runs past the end
        (0, 40 * 1024 * 1024, b"x"),  # larger than any batch may be
    ],
)
def test_bad_ranges_are_refused(pair, start, total, piece):
    with pytest.raises(MalformedInput):
        Uploads(pair.hub, pair.ingestor).put("a" * 64, start, total, piece)
