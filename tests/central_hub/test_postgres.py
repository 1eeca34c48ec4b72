"""The hub on PostgreSQL: several worker processes behind one address, exactly-once kept.

The rest of the hub suite runs on PostgreSQL too when HUB_TEST_DATABASE_URL names a server
(tests/conftest.py gives each hub a fresh database); `.ci/run` starts one.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from bench.sync_throughput import fill
from central_hub.enrollment import issue_code
from central_hub.errors import AlreadyInitialized
from central_hub.home import init_home as init_hub
from central_hub.home import open_home as open_hub
from central_hub.store import cursors, events
from sync_protocol import HubClient, seal_batch
from tests.conftest import HUB_TEST_DATABASE_URL, ROOT, HubProcess, free_port, start_hub
from township_node.enrollment import enroll, pinned_hub
from township_node.home import init_home as init_node
from township_node.sync import Outbox, sync_once

pytestmark = pytest.mark.e2e

CENTERS = ("513431100", "513431101", "513431102", "513431103")
EVENTS_PER_NODE = 240
BATCH_EVENTS = 20
_SERVE = (sys.executable, "-m", "central_hub", "serve")
_INIT = (sys.executable, "-m", "central_hub", "init")


@pytest.fixture
def postgres() -> str:
    if not HUB_TEST_DATABASE_URL:
        pytest.skip(
            "HUB_TEST_DATABASE_URL is not set: no PostgreSQL server to test against "
            "(.ci/run starts one; locally e.g. postgresql+psycopg://postgres@/postgres"
            "?host=/tmp/pg&port=54329)"
        )
    return HUB_TEST_DATABASE_URL


def test_serve_refuses_several_workers_on_sqlite(tmp_path):
    home = tmp_path / "county"
    init_hub(
        home,
        tier="county",
        org_code="513431",
        name="昭觉县政务服务中心",
        database_url=f"sqlite:///{tmp_path / 'county.db'}",
    ).close()
    result = subprocess.run(
        [*_SERVE, "--home", str(home), "--workers", "2", "--port", str(free_port())],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert result.returncode == 2
    assert "--workers 2 needs a PostgreSQL store" in result.stderr
    assert "--workers 1" in result.stderr


def test_init_explains_and_writes_no_config_when_the_postgres_server_is_unreachable(tmp_path):
    home = tmp_path / "county"
    result = subprocess.run(
        [*_INIT, "--home", str(home), "--tier", "county", "--org-code", "513431", "--name", "县"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        env=os.environ
        | {"CENTRAL_HUB_POSTGRES_SERVER": f"postgresql://nobody@/postgres?host={tmp_path}"},
    )
    assert result.returncode == 2
    assert "cannot create database hub_county_513431_" in result.stderr
    assert "check that the server runs" in result.stderr
    assert not (home / "hub.json").exists()


def test_init_refuses_a_database_that_another_hub_home_uses(tmp_path):
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    init_hub(tmp_path / "a", tier="county", org_code="513431", name="县", database_url=url).close()
    with pytest.raises(AlreadyInitialized, match="already holds the store of the hub home at"):
        init_hub(tmp_path / "b", tier="county", org_code="513432", name="县", database_url=url)
    assert not (tmp_path / "b" / "hub.json").exists()


def test_serve_refuses_a_worker_count_out_of_range(tmp_path):
    home = tmp_path / "county"
    init_hub(home, tier="county", org_code="513431", name="昭觉县政务服务中心").close()
    result = subprocess.run(
        [*_SERVE, "--home", str(home), "--workers", "0"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert result.returncode == 2
    assert "--workers must be between 1 and 32, not 0" in result.stderr


def _worker_pids(hub: HubProcess) -> set[int]:
    """The uvicorn worker processes (multiprocessing's resource tracker is a child too)."""
    children = Path(f"/proc/{hub.process.pid}/task/{hub.process.pid}/children").read_text()
    return {
        int(pid)
        for pid in children.split()
        if b"resource_tracker" not in Path(f"/proc/{pid}/cmdline").read_bytes()
    }


def test_several_workers_on_postgres_apply_every_batch_exactly_once(tmp_path, hubs, postgres):
    assert postgres
    hub_home = init_hub(tmp_path / "county", tier="county", org_code="513431", name="昭觉县")
    assert hub_home.engine.dialect.name == "postgresql"
    codes = {center: issue_code(hub_home, center_code=center) for center in CENTERS}
    hub_home.close()
    hub = start_hub(tmp_path / "county", workers=3)
    hubs.append(hub)
    deadline = time.monotonic() + 30
    while len(_worker_pids(hub)) < 3 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert len(_worker_pids(hub)) == 3

    nodes, replays = [], {}
    for center in CENTERS:
        node = init_node(tmp_path / center, center_code=center, name=center)
        with HubClient(hub.url) as client:
            enroll(node, client, codes[center])
        fill(node, EVENTS_PER_NODE)
        # The same batches, sealed before the node sends them, are replayed concurrently
        # by a second sender: two workers then race to apply one batch.
        outbox = Outbox(node)
        outbox.cut(max_events=BATCH_EVENTS)
        key = pinned_hub(node)[1].seal_key()
        replays[center] = [seal_batch(batch, key) for batch in outbox.unacknowledged()]
        nodes.append(node)

    failures: list[BaseException] = []
    statuses: list[int] = []

    def sync(node) -> None:
        try:
            with HubClient(hub.url) as client:
                sync_once(node, client, batch_events=BATCH_EVENTS, window=4)
        except BaseException as exc:  # reported by the main thread
            failures.append(exc)

    def replay(blobs: list[bytes]) -> None:
        with httpx.Client(base_url=hub.url, timeout=60) as client:
            for blob in blobs:
                answer = client.post(
                    "/v1/batches",
                    content=blob,
                    headers={"content-type": "application/octet-stream"},
                )
                statuses.append(answer.status_code)

    threads = [threading.Thread(target=sync, args=(node,)) for node in nodes]
    threads += [threading.Thread(target=replay, args=(blobs,)) for blobs in replays.values()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not failures, failures
    # 200 applied or duplicate, 202 held (a replayed batch ahead of its predecessor).
    assert set(statuses) <= {200, 202}, statuses

    # Each node's last round left nothing unacknowledged; one more round sends nothing.
    with HubClient(hub.url) as client:
        for node in nodes:
            assert sync_once(node, client, batch_events=BATCH_EVENTS).events_sent == 0
    hub_home = open_hub(tmp_path / "county")
    with hub_home.engine.connect() as conn:
        per_node = dict(
            conn.execute(
                sa.select(events.c.node_id, sa.func.count()).group_by(events.c.node_id)
            ).all()
        )
        next_seqs = {row.node_id: row.next_batch_seq for row in conn.execute(sa.select(cursors))}
    hub_home.close()
    for node, center in zip(nodes, CENTERS, strict=True):
        assert per_node[node.node_id] == EVENTS_PER_NODE
        assert next_seqs[node.node_id] == len(replays[center]) + 1
