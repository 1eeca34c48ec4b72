"""Sync recovers on its own when a hub comes back from a backup or forwards by itself."""

from __future__ import annotations

import sqlite3
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest

from tests.conftest import run_cli, run_json, start_hub
from tests.factories import APPLICANTS, items_by_category
from tests.test_end_to_end import TOWNSHIP, _accept, _build_network
from township_node.home import open_home
from township_node.sync import Outbox, is_due, load_state, request_round, run_forever

pytestmark = pytest.mark.e2e


def _backup(source, target) -> None:
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    dst.close()
    src.close()


def test_node_resends_from_hub_cursor_when_hub_restored_from_older_backup(tmp_path, hubs):
    _, county, node = _build_network(tmp_path, hubs)
    item = items_by_category()["public_service"].code
    _accept(node, item, APPLICANTS[0])
    run_cli("township-node", "sync", "--home", node)
    _backup(county.home / "hub.db", tmp_path / "county-backup.db")
    _accept(node, item, APPLICANTS[1])
    run_cli("township-node", "sync", "--home", node)  # batch 2: lost with the restore

    county.stop()
    for suffix in ("", "-wal", "-shm"):
        (county.home / f"hub.db{suffix}").unlink(missing_ok=True)
    _backup(tmp_path / "county-backup.db", county.home / "hub.db")
    hubs.append(start_hub(county.home, port=county.port))

    _accept(node, item, APPLICANTS[2])
    assert run_cli("township-node", "sync", "--home", node).returncode == 0
    report = run_json("central-hub", "report", "--home", str(county.home))
    assert sum(row["accepted"] for row in report["rows"]) == 3
    assert run_json("township-node", "status", "--home", node)["pending_events"] == 0


def test_serving_county_hub_forwards_to_prefecture_in_background(tmp_path, hubs):
    prefecture, county, node = _build_network(tmp_path, hubs)
    county.stop()
    hubs.append(start_hub(county.home, port=county.port, forward_interval=0.3))
    _accept(node, items_by_category()["licensing"].code, APPLICANTS[3])
    run_cli("township-node", "sync", "--home", node)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        rows = run_json("central-hub", "report", "--home", str(prefecture.home))["rows"]
        if rows:
            break
        time.sleep(0.3)
    assert [(r["org_code"], r["accepted"]) for r in rows] == [(TOWNSHIP, 1)]
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:  # the round that forwarded also reported the backlog
        counties = run_json("central-hub", "backlog", "--home", str(prefecture.home))["counties"]
        if counties:
            break
        time.sleep(0.3)
    assert [(c["hub_id"], c["nodes"]) for c in counties] == [("county-513431", [])]


def test_node_reseals_after_the_hub_retires_the_key_it_pinned(tmp_path, hubs):
    _, county, node = _build_network(tmp_path, hubs)
    _accept(node, items_by_category()["public_service"].code, APPLICANTS[0])
    county.stop()
    rotated = run_json("central-hub", "rotate-keys", "--home", str(county.home), "--retire-old")
    hubs.append(start_hub(county.home, port=county.port))
    assert run_cli("township-node", "sync", "--home", node).returncode == 0
    report = run_json("central-hub", "report", "--home", str(county.home))
    assert sum(row["accepted"] for row in report["rows"]) == 1
    assert rotated["old_keys_retired"] is True


def _run_daemon_until(home, done, *, seconds: float = 20) -> None:
    """Runs the node's schedule loop in a thread until `done()` or the time is up."""
    stop = threading.Event()
    worker = threading.Thread(
        target=run_forever,
        args=(home,),
        daemon=True,
        kwargs={"interval": timedelta(seconds=1), "stop": stop},
    )
    worker.start()
    deadline = time.monotonic() + seconds
    while not done() and time.monotonic() < deadline:
        time.sleep(0.2)
    stop.set()
    worker.join(10)


def test_daemon_backs_off_while_the_hub_is_down_and_delivers_when_asked_again(tmp_path, hubs):
    _, county, node = _build_network(tmp_path, hubs)
    _accept(node, items_by_category()["public_service"].code, APPLICANTS[1])
    county.stop()
    with open_home(tmp_path / "node") as home:
        _run_daemon_until(home, lambda: load_state(home).failures > 0)
        assert load_state(home).failures == 1  # failed quietly, now waiting 15-30 s
        assert not is_due(load_state(home), datetime.now(UTC))
    hubs.append(start_hub(county.home, port=county.port))
    with open_home(tmp_path / "node") as home:
        request_round(home)  # the clerk's "sync now"
        _run_daemon_until(home, lambda: Outbox(home).status().unacknowledged_batches == 0)
        assert Outbox(home).status().unacknowledged_batches == 0
        assert load_state(home).failures == 0
