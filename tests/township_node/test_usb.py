"""A node importing receipts from a stick someone else may have prepared, and exporting to
one: each file bounded, read only inside the stick and never through a link, every refusal
named in English and Chinese, and the export written only inside the stick.

Issue 24, item 5 (the outside security review's USB leads, on the node's side).
"""

from __future__ import annotations

import os

import pytest
import zstandard

from central_hub.usb import import_folder
from sync_protocol import FEED_MAGIC, MAX_DOCUMENT_SIZE, MAX_FRAME_SIZE
from sync_protocol._feed import _FEED_VERSION, _PREFIX, _info  # to seal a hostile page
from tests.pairs import Pair, make_pair
from township_node.errors import StickFileRefused
from township_node.sync import Outbox, export_batches, import_receipts


@pytest.fixture
def pair(tmp_path):
    found = make_pair(tmp_path)
    found.accept(1)
    yield found
    found.node.close()
    found.hub.close()


@pytest.fixture
def answered(pair, tmp_path):
    """A stick after a real round: the node exported, the hub imported and answered."""
    stick = tmp_path / "stick"
    export_batches(pair.node, stick)
    assert import_folder(pair.hub, stick).applied == 1
    return stick


def _answers(pair: Pair, stick):
    return stick / "township-sync" / f"from-{pair.hub_info.hub_id}" / pair.node.node_id


def _batches(pair: Pair) -> list[tuple[int, str]]:
    return pair.node.conn.execute("SELECT batch_seq, status FROM batches").fetchall()


def _only_reason(report, name: str) -> tuple[str, str]:
    (english,) = [r for r in report.reasons if name in r]
    (chinese,) = [r for r in report.reasons_zh if name in r]
    return english, chinese


def test_real_round_takes_the_receipt_and_reports_nothing(pair, answered):
    report = import_receipts(pair.node, answered)
    assert (report.applied, report.ignored, report.reasons) == (1, 0, ())


def test_receipt_that_links_off_the_stick_is_not_read(pair, answered, tmp_path):
    receipt = _answers(pair, answered) / "receipt-00000001.json"
    outside = tmp_path / "receipt.json"
    receipt.rename(outside)  # a genuine receipt, but off the stick
    receipt.symlink_to(outside)
    before = _batches(pair)
    report = import_receipts(pair.node, answered)
    assert (report.applied, report.ignored) == (0, 1)  # before the fix: applied
    english, chinese = _only_reason(report, "receipt-00000001.json")
    assert "symbolic link" in english and "符号链接" in chinese
    assert _batches(pair) == before


def test_deeply_nested_receipt_is_ignored_with_its_reason_not_a_traceback(pair, answered):
    (_answers(pair, answered) / "receipt-00000002.json").write_bytes(b"[" * 200_000)
    report = import_receipts(pair.node, answered)  # before the fix: RecursionError
    english, chinese = _only_reason(report, "receipt-00000002.json")
    assert "nested too deeply" in english and "嵌套过深" in chinese
    assert report.applied == 1  # the good receipt beside it is taken


@pytest.mark.parametrize("name", ["receipt-00000002.json", "feed-000000009999.tsf"])
def test_file_linked_to_dev_zero_is_refused_without_reading_it(pair, answered, name):
    if not os.path.exists("/dev/zero"):
        pytest.skip("needs /dev/zero")
    (_answers(pair, answered) / name).symlink_to("/dev/zero")
    report = import_receipts(pair.node, answered)  # before the fix: read until memory ran out
    english, _ = _only_reason(report, name)
    assert "symbolic link" in english


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_feed_page_that_is_a_named_pipe_is_refused_without_waiting_on_it(pair, answered):
    os.mkfifo(_answers(pair, answered) / "feed-000000009999.tsf")
    report = import_receipts(pair.node, answered)  # before the fix: blocked for ever
    english, chinese = _only_reason(report, "feed-000000009999.tsf")
    assert "not a regular file" in english and "不是普通文件" in chinese


@pytest.mark.parametrize(
    ("name", "limit"),
    [
        ("feed-000000000000.tsf", MAX_FRAME_SIZE),
        ("receipt-00000002.json", MAX_DOCUMENT_SIZE),
        ("../catalog.json", MAX_DOCUMENT_SIZE),
    ],
)
def test_file_over_its_limit_is_refused_before_it_is_read(pair, answered, name, limit):
    path = _answers(pair, answered) / name
    with path.open("ab") as handle:
        handle.truncate(limit + 1)  # sparse: no disk is used
    report = import_receipts(pair.node, answered)
    english, chinese = _only_reason(report, path.name)
    assert f"over {limit} bytes" in english and f"超过 {limit} 字节" in chinese
    assert report.applied == 1


def test_bad_catalog_file_is_reported_and_the_receipts_are_still_taken(pair, answered):
    (_answers(pair, answered).parent / "catalog.json").write_bytes(b"[" * 200_000)
    report = import_receipts(pair.node, answered)  # before the fix: the import stopped
    assert report.applied == 1
    english, _ = _only_reason(report, "catalog.json")
    assert "nested too deeply" in english


def test_feed_page_bomb_is_refused_before_it_inflates(pair, answered):
    # Anyone can seal to the node's public key: the page's zstd frame declares 256 MiB,
    # more than a feed page may hold (64 MiB), so it is refused before it is inflated.
    key = pair.node.keys.sealing.public
    writer = zstandard.ZstdCompressor().compressobj(size=256 << 20)
    plain = b"".join(writer.compress(b"\x00" * (1 << 20)) for _ in range(256)) + writer.flush()
    key_id = key.key_id.encode("ascii")
    sealed = key.seal(plain, info=_info(pair.node.node_id, key.key_id))
    page = _PREFIX.pack(FEED_MAGIC, _FEED_VERSION, len(key_id)) + key_id + sealed
    (_answers(pair, answered) / "feed-000000000000.tsf").write_bytes(page)
    before_feed = pair.node.conn.execute("SELECT count(*) FROM feed_events").fetchone()
    report = import_receipts(pair.node, answered)
    english, _ = _only_reason(report, "feed-000000000000.tsf")
    assert "does not open" in english
    assert pair.node.conn.execute("SELECT count(*) FROM feed_events").fetchone() == before_feed


def test_receipt_signed_by_another_countys_hub_is_ignored_with_its_reason(pair, answered, tmp_path):
    other = make_pair(tmp_path / "other", center="513432100")
    try:
        other.accept(1)
        elsewhere = tmp_path / "elsewhere"
        export_batches(other.node, elsewhere)
        import_folder(other.hub, elsewhere)
        theirs = _answers(other, elsewhere) / "receipt-00000001.json"
        (_answers(pair, answered) / "receipt-00000007.json").write_bytes(theirs.read_bytes())
        before = Outbox(pair.node).status()
        report = import_receipts(pair.node, answered)
        english, chinese = _only_reason(report, "receipt-00000007.json")
        assert english and "县级中心" in chinese
        assert report.applied == 1  # only this node's own receipt
        assert Outbox(pair.node).status().unacknowledged_events <= before.unacknowledged_events
    finally:
        other.node.close()
        other.hub.close()


def test_export_refuses_a_hub_folder_that_links_off_the_stick(pair, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    stick = tmp_path / "stick"
    (stick / "township-sync").mkdir(parents=True)
    (stick / "township-sync" / f"to-{pair.hub_info.hub_id}").symlink_to(
        outside, target_is_directory=True
    )
    with pytest.raises(StickFileRefused, match="symbolic link") as refused:
        export_batches(pair.node, stick)
    assert "符号链接" in refused.value.message_zh
    assert list(outside.iterdir()) == []  # before the fix: the batch, manifest, feed request


def test_export_refuses_a_node_folder_that_links_off_the_stick(pair, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    stick = tmp_path / "stick"
    hub_folder = stick / "township-sync" / f"to-{pair.hub_info.hub_id}"
    hub_folder.mkdir(parents=True)
    (hub_folder / pair.node.node_id).symlink_to(outside, target_is_directory=True)
    with pytest.raises(StickFileRefused):
        export_batches(pair.node, stick)
    assert list(outside.iterdir()) == []
