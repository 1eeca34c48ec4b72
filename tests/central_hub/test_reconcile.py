"""Reconciliation: what each node sent against what it says it holds, and the admin's actions."""

from __future__ import annotations

import json

import pytest

from central_hub.errors import HubError
from central_hub.forwarding import answer_feed_request, catalog_bundle
from central_hub.reconcile import (
    accept_gap,
    audit_table,
    node_detail_tables,
    reconcile_table,
    request_resend,
    revoke_node,
)
from sync_protocol import RevokedNode, open_feed_page
from tests.pairs import make_pair
from township_node.catalog import take_catalog_bundle
from township_node.sync import feed_request, take_feed_page


def _row(pair) -> dict:
    (row,) = reconcile_table(pair.hub).rows
    return row


def _heartbeat(pair) -> None:
    """The node asks for its feed: that is how it tells the hub what it holds."""
    _, blob = answer_feed_request(pair.hub, feed_request(pair.node))
    page = open_feed_page(
        blob,
        node_id=pair.node.node_id,
        key=pair.node.keys.sealing,
        hub_key=pair.hub_info.verify_key(),
    )
    take_feed_page(pair.node, page, hub_id=pair.hub.config.hub_id)


def test_node_that_sent_everything_it_recorded_is_reconciled(tmp_path):
    pair = make_pair(tmp_path)
    pair.accept(3)
    for blob in pair.sealed_batches():
        pair.ingestor.ingest(blob)
    _heartbeat(pair)
    row = _row(pair)
    assert (row["state"], row["events_received"], row["head_announced"]) == ("正常", 3, 3)
    assert (row["missing_events"], row["transport"], row["gap"]) == (0, "网络", "")
    assert abs(row["clock_skew_s"]) <= 2


def test_events_recorded_but_not_sent_show_as_missing_with_their_age(tmp_path):
    pair = make_pair(tmp_path)
    pair.accept(2)
    for blob in pair.sealed_batches():
        pair.ingestor.ingest(blob)
    pair.accept(4)
    _heartbeat(pair)
    row = _row(pair)
    assert (row["state"], row["missing_events"]) == ("未同步完", 4)
    assert row["oldest_unsent_hours"] is not None


def test_gap_is_shown_and_accepting_it_with_a_reason_applies_what_waits(tmp_path):
    pair = make_pair(tmp_path)
    pair.accept(2)
    first = pair.sealed_batches(max_events=1)
    pair.ingestor.ingest(first[1])  # batch 2 arrives, batch 1 never does
    row = _row(pair)
    assert (row["state"], row["held_batches"], row["gap"]) == ("缺口", 1, "1..1")
    with pytest.raises(HubError, match="reason"):
        accept_gap(pair.hub, pair.node.node_id, actor="admin", reason=" ")
    assert accept_gap(pair.hub, pair.node.node_id, actor="李主任", reason="电脑硬盘损坏") == {
        "skipped_batches": 1
    }
    row = _row(pair)
    assert (row["held_batches"], row["batches_received"], row["events_received"]) == (0, 2, 2)
    (entry,) = audit_table(pair.hub).rows
    assert (entry["actor"], entry["action"], entry["reason"]) == (
        "李主任",
        "accept gap: batches 1..1",
        "电脑硬盘损坏",
    )
    with pytest.raises(HubError, match="no gap"):
        accept_gap(pair.hub, pair.node.node_id, actor="admin", reason="again")


def test_resend_request_reaches_the_node_and_its_batches_count_once(tmp_path):
    pair = make_pair(tmp_path)
    pair.accept(2)
    for blob in pair.sealed_batches(max_events=1):
        pair.ingestor.ingest(blob)
    with pair.node.database.transaction() as conn:  # the node holds both as applied
        conn.execute("UPDATE batches SET status = 'applied'")
    request_resend(pair.hub, pair.node.node_id, from_batch_seq=1, actor="admin", reason="恢复备份")
    _heartbeat(pair)
    waiting = pair.node.conn.execute("SELECT count(*) FROM batches WHERE status = 'pending'")
    assert waiting.fetchone()[0] == 2
    for blob in pair.sealed_batches():
        pair.ingestor.ingest(blob)
    row = _row(pair)
    assert (row["duplicates"], row["events_received"]) == (2, 2)


def test_revoked_node_is_refused_and_learns_it_from_the_signed_list(tmp_path):
    pair = make_pair(tmp_path)
    pair.accept(1)
    revoke_node(pair.hub, pair.node.node_id, actor="admin", reason="电脑被盗")
    with pytest.raises(RevokedNode):
        pair.ingestor.ingest(pair.sealed_batches()[0])
    take_catalog_bundle(pair.node, catalog_bundle(pair.hub))
    assert pair.node.setting("revoked_at")
    assert _row(pair)["state"] == "已吊销"


def test_a_county_sees_only_its_own_nodes(tmp_path):
    pair = make_pair(tmp_path)
    assert reconcile_table(pair.hub, county="513432").rows == []
    assert len(reconcile_table(pair.hub, county="513431").rows) == 1
    with pytest.raises(HubError, match="no node"):
        node_detail_tables(pair.hub, pair.node.node_id, county="513432")
    with pytest.raises(HubError, match="no node"):
        revoke_node(pair.hub, pair.node.node_id, actor="x", reason="y", county="513432")


def test_county_admin_reconciles_and_acts_from_the_command_line(tmp_path, capsys):
    from central_hub.cli import main

    pair = make_pair(tmp_path)
    pair.accept(2)
    pair.ingestor.ingest(pair.sealed_batches(max_events=1)[1])
    home = ["--home", str(pair.hub.path)]
    capsys.readouterr()
    assert main(["reconcile", *home, "--json"]) == 0
    (row,) = json.loads(capsys.readouterr().out)["reconcile_nodes"]
    assert (row["state"], row["gap"]) == ("缺口", "1..1")
    assert main(["reconcile", *home]) == 0
    shown = capsys.readouterr().out
    assert "节点对账" in shown and "缺口" in shown
    node = pair.node.node_id
    assert main(["accept-gap", node, *home, "--reason", "旧电脑报废", "--actor", "li"]) == 0
    assert main(["revoke", node, *home, "--reason", "电脑被盗", "--actor", "li", "--json"]) == 0
    capsys.readouterr()
    assert main(["audit", *home, "--json"]) == 0
    actions = [e["action"] for e in json.loads(capsys.readouterr().out)["audit_log"]]
    assert actions == ["revoke", "accept gap: batches 1..1"]
    with pytest.raises(SystemExit, match="2"):  # no written reason: refused before acting
        main(["resend", node, *home, "--from", "1", "--actor", "li"])
