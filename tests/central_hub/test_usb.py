"""A hub importing a stick someone else prepared: each file bounded, read only inside the
stick and never through a link, every refusal named, and answers written only inside it.

Issue 24, item 5 (the outside security review's USB leads): each test below is one lead.
"""

from __future__ import annotations

import json
import os

import pytest
import sqlalchemy as sa
import zstandard

from central_hub.usb import import_folder
from sync_protocol import MAX_DOCUMENT_SIZE, MAX_FRAME_SIZE, SignedBatch, seal_batch
from tests.pairs import Pair, make_pair
from township_node.sync import Outbox

COUNTED = ("events", "cases", "batches", "held_batches", "nodes", "quarantine")


@pytest.fixture
def pair(tmp_path):
    found = make_pair(tmp_path)
    yield found
    found.node.close()
    found.hub.close()


def _counts(pair: Pair) -> dict[str, int]:
    with pair.hub.engine.connect() as conn:
        return {
            name: conn.execute(sa.text(f"SELECT count(*) FROM {name}")).scalar_one()
            for name in COUNTED
        }


def _inbox(pair: Pair, stick):
    return stick / "township-sync" / f"to-{pair.hub_info.hub_id}"


def _outbox(pair: Pair, stick):
    return stick / "township-sync" / f"from-{pair.hub_info.hub_id}"


def _one_frame(pair: Pair) -> bytes:
    pair.accept(1)
    (blob,) = pair.sealed_batches()
    return blob


def _put(path, data: bytes):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def _files(folder) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


def _reason_for(summary, name: str) -> str:
    (reason,) = [r for r in summary.reasons if name in r]
    return reason


# --- reading: links, devices, size -------------------------------------------------------


def test_batch_file_that_links_out_of_the_stick_is_refused_and_not_read(pair, tmp_path):
    outside = _put(tmp_path / "outside" / "batch-00000001.tsb", _one_frame(pair))
    stick = tmp_path / "stick"
    (_inbox(pair, stick) / pair.node.node_id).mkdir(parents=True)
    (_inbox(pair, stick) / pair.node.node_id / "batch-00000001.tsb").symlink_to(outside)
    before = _counts(pair)
    summary = import_folder(pair.hub, stick)
    assert (summary.applied, summary.rejected) == (0, 1)
    assert "symbolic link" in _reason_for(summary, "batch-00000001.tsb")
    assert _counts(pair) == before


def test_batch_in_a_node_folder_that_links_out_of_the_stick_is_refused(pair, tmp_path):
    outside = tmp_path / "outside"
    _put(outside / "batch-00000001.tsb", _one_frame(pair))
    stick = tmp_path / "stick"
    _inbox(pair, stick).mkdir(parents=True)
    (_inbox(pair, stick) / pair.node.node_id).symlink_to(outside, target_is_directory=True)
    before = _counts(pair)
    summary = import_folder(pair.hub, stick)
    assert (summary.applied, summary.rejected) == (0, 1)
    assert "symbolic link" in _reason_for(summary, "batch-00000001.tsb")
    assert _counts(pair) == before


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
def test_batch_file_linked_to_dev_zero_is_refused_without_reading_it(pair, tmp_path):
    stick = tmp_path / "stick"
    (_inbox(pair, stick) / "node").mkdir(parents=True)
    (_inbox(pair, stick) / "node" / "batch-00000001.tsb").symlink_to("/dev/zero")
    summary = import_folder(pair.hub, stick)  # before the fix: read until memory ran out
    assert summary.rejected == 1
    assert "symbolic link" in _reason_for(summary, "batch-00000001.tsb")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_batch_file_that_is_a_named_pipe_is_refused_without_waiting_on_it(pair, tmp_path):
    stick = tmp_path / "stick"
    (_inbox(pair, stick) / "node").mkdir(parents=True)
    os.mkfifo(_inbox(pair, stick) / "node" / "batch-00000001.tsb")
    summary = import_folder(pair.hub, stick)  # before the fix: blocked for ever on open
    assert "not a regular file" in _reason_for(summary, "batch-00000001.tsb")


def test_batch_file_over_the_http_size_limit_is_refused_before_it_is_read(pair, tmp_path):
    stick = tmp_path / "stick"
    big = _put(_inbox(pair, stick) / pair.node.node_id / "batch-00000001.tsb", _one_frame(pair))
    with big.open("r+b") as handle:
        handle.truncate(MAX_FRAME_SIZE + 1)  # sparse: no disk is used
    before = _counts(pair)
    summary = import_folder(pair.hub, stick)
    assert f"over {MAX_FRAME_SIZE} bytes" in _reason_for(summary, "batch-00000001.tsb")
    assert _counts(pair) == before


def test_batch_file_at_the_size_limit_is_read(pair, tmp_path):
    # The bound is the HTTP one: a frame POST /v1/batches takes is taken from a stick too.
    stick = tmp_path / "stick"
    big = _put(_inbox(pair, stick) / "node" / "batch-00000001.tsb", b"TSYN")
    with big.open("r+b") as handle:
        handle.truncate(MAX_FRAME_SIZE)
    summary = import_folder(pair.hub, stick)
    assert "over" not in _reason_for(summary, "batch-00000001.tsb")


@pytest.mark.parametrize("name", ["registrations/x.json", "backlog.json", "NODE/feed-request.json"])
def test_json_document_over_the_document_limit_is_refused(pair, tmp_path, name):
    stick = tmp_path / "stick"
    path = _put(_inbox(pair, stick) / name.replace("NODE", pair.node.node_id), b"{}")
    with path.open("r+b") as handle:
        handle.truncate(MAX_DOCUMENT_SIZE + 1)
    summary = import_folder(pair.hub, stick)
    assert f"over {MAX_DOCUMENT_SIZE} bytes" in _reason_for(summary, path.name)


@pytest.mark.parametrize("name", ["registrations/x.json", "backlog.json", "NODE/feed-request.json"])
def test_json_document_that_links_out_of_the_stick_is_refused(pair, tmp_path, name):
    outside = _put(tmp_path / "outside.json", b"{}")
    stick = tmp_path / "stick"
    path = _inbox(pair, stick) / name.replace("NODE", pair.node.node_id)
    path.parent.mkdir(parents=True)
    path.symlink_to(outside)
    summary = import_folder(pair.hub, stick)
    assert "symbolic link" in _reason_for(summary, path.name)


# --- parsing: nesting, bombs ----------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "registrations/x.json",
        "backlog.json",
        "NODE/feed-request.json",
    ],
)
def test_deeply_nested_json_document_is_reported_not_a_traceback(pair, tmp_path, name):
    stick = tmp_path / "stick"
    _put(_inbox(pair, stick) / name.replace("NODE", pair.node.node_id), b"[" * 200_000)
    summary = import_folder(pair.hub, stick)
    assert "nested too deeply" in _reason_for(summary, name.rsplit("/", 1)[-1])


def test_compression_bomb_in_a_batch_signed_by_its_node_is_refused_before_inflating(pair, tmp_path):
    pair.accept(1)
    outbox = Outbox(pair.node)
    outbox.cut()
    (honest,) = outbox.unacknowledged()
    # The node's own signature over an honest header, with 256 MiB of zeros as the body in a
    # frame that does not declare its size: the header's body_size is what bounds inflation.
    bomb = zstandard.ZstdCompressor(write_content_size=False).compress(b"\x00" * (256 << 20))
    forged = SignedBatch(honest.header, honest.signature, bomb)
    stick = tmp_path / "stick"
    _put(
        _inbox(pair, stick) / pair.node.node_id / "batch-00000001.tsb",
        seal_batch(forged, pair.hub_info.seal_key()),
    )
    before = _counts(pair)
    summary = import_folder(pair.hub, stick)
    assert "declares -1 bytes" in _reason_for(summary, "batch-00000001.tsb")
    assert _counts(pair) == before


# --- names and writing ----------------------------------------------------------------


def test_receipts_for_a_node_whose_id_climbs_out_are_not_written_outside_the_stick(tmp_path):
    hostile = make_pair(tmp_path / "h", node_id="../../../escaped")
    try:
        stick = tmp_path / "h" / "stick"
        _put(_inbox(hostile, stick) / "node" / "batch-00000001.tsb", _one_frame(hostile))
        summary = import_folder(hostile.hub, stick)
        # Before the fix: h/escaped/receipt-00000001.json and h/escaped/cursor.json.
        assert not (tmp_path / "h" / "escaped").exists()
        assert summary.applied == 1  # the batch itself is the node's and is sound
        assert "not a plain file name" in _reason_for(summary, "../../../escaped")
        assert _files(_outbox(hostile, stick)) == ["catalog.json"]
    finally:
        hostile.node.close()
        hostile.hub.close()


def test_answers_are_not_written_through_a_from_folder_that_links_off_the_stick(pair, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    stick = tmp_path / "stick"
    _put(_inbox(pair, stick) / pair.node.node_id / "batch-00000001.tsb", _one_frame(pair))
    _outbox(pair, stick).symlink_to(outside, target_is_directory=True)
    summary = import_folder(pair.hub, stick)
    assert _files(outside) == []  # before the fix: the receipt, the cursor and the catalogs
    assert summary.applied == 1
    assert "symbolic link" in _reason_for(summary, f"from-{pair.hub_info.hub_id}")


def test_answers_are_not_written_through_a_node_folder_that_links_off_the_stick(pair, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    stick = tmp_path / "stick"
    _put(_inbox(pair, stick) / pair.node.node_id / "batch-00000001.tsb", _one_frame(pair))
    _outbox(pair, stick).mkdir(parents=True)
    (_outbox(pair, stick) / pair.node.node_id).symlink_to(outside, target_is_directory=True)
    summary = import_folder(pair.hub, stick)
    assert _files(outside) == []
    assert _files(_outbox(pair, stick)) == ["catalog.json"]
    assert any("symbolic link" in reason for reason in summary.reasons)


# --- duplicates and strangers -----------------------------------------------------------


def test_same_batch_under_two_names_and_two_folders_applies_once(pair, tmp_path):
    blob = _one_frame(pair)
    stick = tmp_path / "stick"
    node = _inbox(pair, stick) / pair.node.node_id
    _put(node / "batch-00000001.tsb", blob)
    _put(node / "batch-00000001 (1).tsb", blob)  # what a desktop's copy-paste names it
    _put(_inbox(pair, stick) / "copy" / "batch-00000001.tsb", blob)
    summary = import_folder(pair.hub, stick)
    assert (summary.applied, summary.duplicate, summary.rejected) == (1, 2, 0)
    assert _counts(pair)["events"] == 1
    assert _files(_outbox(pair, stick) / pair.node.node_id) == [
        "cursor.json",
        "receipt-00000001.json",
    ]


def test_another_countys_files_are_refused_with_their_reason_and_change_nothing(pair, tmp_path):
    other = make_pair(tmp_path / "other", center="513432100")
    try:
        frame = _one_frame(other)
        stick = tmp_path / "stick"
        theirs = _put(_inbox(other, stick) / other.node.node_id / "batch-00000001.tsb", frame)
        # ... and a copy dropped into this county's folder, as a hurried clerk might.
        _put(_inbox(pair, stick) / other.node.node_id / "batch-00000001.tsb", frame)
        before = _counts(pair)
        summary = import_folder(pair.hub, stick)
        assert _counts(pair) == before
        assert (summary.applied, summary.rejected) == (0, 2)
        assert f"for hub {other.hub_info.hub_id}" in _reason_for(
            summary, f"to-{other.hub_info.hub_id}"
        )
        # Sealed to the other county's key: told so before its node is looked up (§5.8 step 5).
        assert "which this hub does not hold" in _reason_for(
            summary, f"{other.node.node_id}/batch-00000001.tsb"
        )
        assert theirs.read_bytes() == frame  # their files stay for their county
        assert not (stick / "township-sync" / f"from-{other.hub_info.hub_id}").exists()
    finally:
        other.node.close()
        other.hub.close()


def test_refused_files_do_not_stop_the_import_of_the_good_ones(pair, tmp_path):
    stick = tmp_path / "stick"
    node = _inbox(pair, stick) / pair.node.node_id
    _put(node / "batch-00000001.tsb", _one_frame(pair))
    (node / "batch-00000000.tsb").symlink_to("/etc/passwd")
    _put(_inbox(pair, stick) / "registrations" / "x.json", json.dumps([[[]]]).encode())
    summary = import_folder(pair.hub, stick)
    assert (summary.applied, summary.rejected) == (1, 2)
    assert len(summary.reasons) == 2
