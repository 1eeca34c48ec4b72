"""Upgrades never strand data: migrations, downgrades, old nodes and a hub's minimum version.

Real SQLite files throughout; the sync tests run a real hub process on loopback.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

import township_node.sync.schedule as schedule
from central_hub.enrollment import issue_code
from central_hub.home import init_home as init_hub
from central_hub.home import open_home as open_hub
from central_hub.store import batches, cases, events, rejected_batches
from sync_protocol import SOFTWARE_HEADER, HubClient, decode_event, encode_event
from tests.conftest import HubProcess, run_cli, start_hub
from tests.factories import APPLICANTS, items_by_category
from township_node import SOFTWARE
from township_node.casebook import CaseBook
from township_node.catalog import center_level, current_catalog
from township_node.enrollment import enroll
from township_node.errors import MigrationFailed, SchemaTooNew, SyncFailed
from township_node.home import NodeHome, init_home, open_home
from township_node.store.database import open_database, pre_migration_backups
from township_node.store.migrations import MIGRATIONS
from township_node.sync import Outbox, read_link_state

COUNTY, TOWNSHIP = "513431", "513431100"
OLD = 2
"""The schema an older release left (its first two migrations)."""


def _version(path: Path) -> int:
    with sqlite3.connect(path) as conn:
        return int(conn.execute("PRAGMA user_version").fetchone()[0])


def _tables(path: Path) -> set[str]:
    with sqlite3.connect(path) as conn:
        return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}


def _old_database(path: Path) -> None:
    """A database as the older release left it, with a setting and one event in it."""
    database = open_database(path, migrations=MIGRATIONS[:OLD])
    with database.transaction() as conn:
        conn.execute("INSERT INTO settings VALUES ('center_code', ?)", (TOWNSHIP,))
        conn.execute(
            "INSERT INTO events (event_id, case_id, type, occurred_at, clerk_id, body) "
            "VALUES ('e1', 'c1', 'accept', '2026-11-28T02:15:07.120Z', 'clerk-1', x'7b7d')"
        )
    database.close()


# --- migrations ---------------------------------------------------------------------------


def test_pending_migrations_copy_the_database_first_then_upgrade_it(tmp_path: Path) -> None:
    path = tmp_path / "node.db"
    _old_database(path)

    open_database(path).close()

    assert _version(path) == len(MIGRATIONS)
    [backup] = pre_migration_backups(path)
    assert backup.parent == tmp_path / "backups"
    assert backup.name.startswith(f"pre-migration-v{OLD}-") and backup.suffix == ".db"
    assert _version(backup) == OLD
    with sqlite3.connect(backup) as conn:
        assert conn.execute("SELECT event_id FROM events").fetchall() == [("e1",)]
    assert "clerks" not in _tables(backup)  # the copy is of the old schema
    # Opening again: nothing pending, no second copy.
    open_database(path).close()
    assert len(pre_migration_backups(path)) == 1


def test_new_database_gets_every_migration_and_no_backup(tmp_path: Path) -> None:
    path = tmp_path / "node.db"
    open_database(path).close()
    assert _version(path) == len(MIGRATIONS)
    assert pre_migration_backups(path) == []


def test_failing_migration_leaves_the_database_at_its_old_version(tmp_path: Path) -> None:
    path = tmp_path / "node.db"
    _old_database(path)
    broken = (
        *MIGRATIONS,
        # DDL that succeeds, then a statement that fails: both must be undone.
        ("ALTER TABLE events ADD COLUMN doomed TEXT", "INSERT INTO no_such_table VALUES (1)"),
    )

    with pytest.raises(MigrationFailed) as caught:
        open_database(path, migrations=broken)

    assert f"unchanged at schema {OLD}" in caught.value.message
    assert "原有数据未改动" in caught.value.message_zh
    assert _version(path) == OLD
    assert "clerks" not in _tables(path)  # the good steps before the bad one are undone too
    with sqlite3.connect(path) as conn:
        columns = {r[1] for r in conn.execute("PRAGMA table_info(events)")}
        assert "doomed" not in columns
        assert conn.execute("SELECT count(*) FROM events").fetchone()[0] == 1
    [backup] = pre_migration_backups(path)
    assert _version(backup) == OLD
    # The released migrations still apply afterwards.
    open_database(path).close()
    assert _version(path) == len(MIGRATIONS)


def test_older_software_refuses_a_newer_database_and_leaves_it_alone(tmp_path: Path) -> None:
    path = tmp_path / "node.db"
    open_database(path).close()
    before = path.read_bytes()

    with pytest.raises(SchemaTooNew) as caught:
        open_database(path, migrations=MIGRATIONS[:OLD])

    assert "instead of downgrading" in caught.value.message
    assert "不能降级" in caught.value.message_zh
    assert _version(path) == len(MIGRATIONS)
    assert path.read_bytes() == before
    assert pre_migration_backups(path) == []


def test_cli_refuses_a_database_from_newer_software_in_plain_words(tmp_path: Path) -> None:
    home = tmp_path / "node"
    run_cli("township-node", "init", "--home", str(home), "--center", TOWNSHIP, "--name", "新城镇")
    with sqlite3.connect(home / "node.db") as conn:
        conn.execute(f"PRAGMA user_version={len(MIGRATIONS) + 1}")

    refused = run_cli("township-node", "status", "--home", str(home), check=False)

    assert refused.returncode != 0
    assert f"database schema {len(MIGRATIONS) + 1} is newer than this software" in refused.stderr
    assert "Traceback" not in refused.stderr


# --- a real hub ---------------------------------------------------------------------------


def _hub(tmp_path: Path, hubs: list[HubProcess], *, min_node_version: str = "") -> HubProcess:
    home = tmp_path / "hub"
    init_hub(home, tier="county", org_code=COUNTY, name="昭觉县政务服务中心").close()
    config = json.loads((home / "hub.json").read_text(encoding="utf-8"))
    config["min_node_version"] = min_node_version
    (home / "hub.json").write_text(json.dumps(config, indent=2), encoding="utf-8")
    hub = start_hub(home)
    hubs.append(hub)
    return hub


def _enrolled_node(tmp_path: Path, hub: HubProcess, *, cases_n: int) -> NodeHome:
    hub_home = open_hub(hub.home)
    code = issue_code(hub_home, center_code=TOWNSHIP)
    hub_home.close()
    node = init_home(tmp_path / "node", center_code=TOWNSHIP, name="新城镇便民服务中心")
    with HubClient(hub.url, software=SOFTWARE) as client:
        enroll(node, client, code)
    book = CaseBook(node, catalog=current_catalog(node), center_level=center_level(node))
    item = items_by_category()["public_service"]
    for i in range(cases_n):
        name, id_number, phone = APPLICANTS[i % len(APPLICANTS)]
        case = book.accept(
            item_code=item.code,
            applicant_name=name,
            id_number=id_number,
            phone=phone,
            clerk_id="clerk-1",
        )
        # A second event on the case: under schema 1 it follows the first by node order.
        book.act(case.case_no, "review_and_approve", clerk_id="clerk-1")
    return node


def _hub_counts(hub: HubProcess, node_id: str) -> dict[str, int]:
    home = open_hub(hub.home)
    try:
        with home.engine.connect() as conn:

            def count(table: sa.Table, column: sa.Column) -> int:
                query = sa.select(sa.func.count()).select_from(table).where(column == node_id)
                return int(conn.execute(query).scalar_one())

            return {
                "batches": count(batches, batches.c.node_id),
                "events": count(events, events.c.node_id),
                "rejected": count(rejected_batches, rejected_batches.c.node_id),
                "cases": int(
                    conn.execute(sa.select(sa.func.count()).select_from(cases)).scalar_one()
                ),
            }
    finally:
        home.close()


def _statuses(node: NodeHome) -> dict[str, int]:
    return dict(node.conn.execute("SELECT status, count(*) FROM batches GROUP BY status"))


@pytest.mark.e2e
def test_hub_tells_an_old_node_in_plain_words_and_takes_its_batches_after_upgrade(
    tmp_path: Path, hubs: list[HubProcess], monkeypatch: pytest.MonkeyPatch
) -> None:
    hub = _hub(tmp_path, hubs, min_node_version="0.2.0")
    node = _enrolled_node(tmp_path, hub, cases_n=3)
    recorded = node.conn.execute("SELECT count(*) FROM events").fetchone()[0]

    # The node as installed (SOFTWARE is township-node/0.1.0) is below the hub's minimum.
    with pytest.raises(SyncFailed) as caught:
        schedule.run_round(node, attempts=1)

    assert caught.value.exit_code == 4
    assert "node_too_old" in caught.value.message
    assert "runs township-node 0.1.0" in caught.value.message
    assert "only from township-node 0.2.0 on" in caught.value.message
    assert "版本过低" in caught.value.message_zh and "不会丢失" in caught.value.message_zh
    assert "版本过低" in read_link_state(node).last_error  # what the clerk's window shows
    queued = _statuses(node)
    assert set(queued) == {"pending"} and queued["pending"] >= 1  # kept, not rejected
    assert _hub_counts(hub, node.node_id) == {"batches": 0, "events": 0, "rejected": 0, "cases": 0}
    assert "runs township-node 0.1.0" in (hub.home / "serve.log").read_text(encoding="utf-8")
    # A large batch goes up in pieces: refused before the first piece crosses the link.
    answer = httpx.get(
        f"{hub.url}/v1/uploads/{'0' * 64}", headers={SOFTWARE_HEADER: SOFTWARE}, timeout=10
    )
    assert answer.status_code == 426 and answer.json()["error"]["code"] == "node_too_old"

    # The node is upgraded: it now reports a version the hub accepts.
    monkeypatch.setattr(schedule, "SOFTWARE", "township-node/0.2.0")
    report = schedule.run_round(node, attempts=1)
    again = schedule.run_round(node, attempts=1)

    assert report.events_sent == recorded and again.batches_sent == 0
    assert _statuses(node) == {"applied": queued["pending"]}
    counts = _hub_counts(hub, node.node_id)
    assert counts == {"batches": queued["pending"], "events": recorded, "rejected": 0, "cases": 3}
    node.close()


def _downgrade_copy(node: NodeHome, old_path: Path) -> None:
    """The same recorded work in a database of the older release: schema OLD, and events of
    schema 1 (the release before `after` existed), with no batch cut yet."""
    old = open_database(old_path, migrations=MIGRATIONS[:OLD])
    for table in ("settings", "counters", "cases", "events"):
        wanted = {r[1] for r in old.conn.execute(f"PRAGMA table_info({table})")}
        have = [r[1] for r in node.conn.execute(f"PRAGMA table_info({table})") if r[1] in wanted]
        rows = node.conn.execute(f"SELECT {', '.join(have)} FROM {table}").fetchall()
        with old.transaction() as conn:
            conn.executemany(
                f"INSERT INTO {table} ({', '.join(have)}) VALUES ({', '.join('?' * len(have))})",
                rows,
            )
    with old.transaction() as conn:
        for seq, body in conn.execute("SELECT seq, body FROM events").fetchall():
            event = decode_event(body)
            fields = {f: getattr(event, f) for f in event.__dataclass_fields__}
            first = {**fields, "schema": 1, "after": None}
            conn.execute(
                "UPDATE events SET body = ? WHERE seq = ?",
                (encode_event(type(event)(**first)), seq),
            )
    old.close()


@pytest.mark.e2e
def test_old_node_database_with_queued_batches_delivers_them_after_upgrade(
    tmp_path: Path, hubs: list[HubProcess]
) -> None:
    hub = _hub(tmp_path, hubs)
    node = _enrolled_node(tmp_path, hub, cases_n=3)
    home_path, keys = node.path, node.keys
    recorded = node.conn.execute("SELECT count(*) FROM events").fetchone()[0]
    _downgrade_copy(node, tmp_path / "old.db")
    node.close()
    for suffix in ("", "-wal", "-shm"):
        (home_path / f"node.db{suffix}").unlink(missing_ok=True)
    (tmp_path / "old.db").rename(home_path / "node.db")

    # The older release cuts its batches; then the PC is switched off before a sync.
    old_home = NodeHome(
        home_path,
        open_database(home_path / "node.db", migrations=MIGRATIONS[:OLD]),
        keys,
    )
    assert Outbox(old_home).cut(max_events=2) >= 2
    queued = _statuses(old_home)["pending"]
    old_home.close()
    assert _version(home_path / "node.db") == OLD

    upgraded = open_home(home_path)  # the new release opens it: copy, then migrate

    assert _version(home_path / "node.db") == len(MIGRATIONS)
    [backup] = pre_migration_backups(home_path / "node.db")
    with sqlite3.connect(backup) as conn:
        assert conn.execute("SELECT count(*) FROM batches").fetchone()[0] == queued
    report = schedule.run_round(upgraded, attempts=1)
    schedule.run_round(upgraded, attempts=1)

    assert report.batches_sent == queued and report.events_sent == recorded
    assert _statuses(upgraded) == {"applied": queued}
    counts = _hub_counts(hub, upgraded.node_id)
    assert counts == {"batches": queued, "events": recorded, "rejected": 0, "cases": 3}
    # The hub keeps the old node's lines exactly as signed (schema 1), and its cases went
    # through both steps: the upcast events were projected in the node's order.
    hub_home = open_hub(hub.home)
    with hub_home.engine.connect() as conn:
        bodies = conn.execute(sa.select(events.c.body)).scalars().all()
        statuses = conn.execute(sa.select(cases.c.status)).scalars().all()
    hub_home.close()
    assert {json.loads(body)["schema"] for body in bodies} == {1}
    assert statuses == ["approved"] * 3
    upgraded.close()
