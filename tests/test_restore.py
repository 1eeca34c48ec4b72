"""A dead township PC is restored from its backup onto a new PC, which continues its center
with a real county hub: every event the backup held arrives once, no sequence number again."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from central_hub.home import open_home as open_hub
from central_hub.store import events as hub_events
from tests.conftest import HubProcess, run_cli, run_json, start_hub
from tests.factories import APPLICANTS, items_by_category
from tests.pairs import make_pair
from tests.test_end_to_end import COUNTY, TOWNSHIP, _accept, _build_network
from township_node.backup import write_backup

pytestmark = pytest.mark.e2e


def _county_with_node(tmp_path: Path, hubs: list[HubProcess]) -> tuple[HubProcess, str]:
    county_home, node_home = tmp_path / "county", tmp_path / "dead-pc"
    run_cli(
        "central-hub",
        "init",
        "--home",
        str(county_home),
        "--tier",
        "county",
        "--org-code",
        COUNTY,
        "--name",
        "昭觉县政务服务中心",
    )
    county = start_hub(county_home)
    hubs.append(county)
    run_cli(
        "township-node", "init", "--home", str(node_home), "--center", TOWNSHIP, "--name", "新城镇"
    )
    _enroll(county, str(node_home))
    return county, str(node_home)


def _enroll(county: HubProcess, node: str, *extra: str) -> dict:
    code = run_json(
        "central-hub", "enroll-code", "--home", str(county.home), "--center", TOWNSHIP, *extra
    )["code"]
    return run_json("township-node", "enroll", "--home", node, "--hub", county.url, "--code", code)


def _item() -> str:
    return items_by_category()["public_service"].code


def _hub_events(county: HubProcess) -> list[tuple[str, str, int]]:
    home = open_hub(county.home)
    try:
        with home.engine.connect() as conn:
            rows = conn.execute(
                sa.select(hub_events.c.event_id, hub_events.c.node_id, hub_events.c.seq)
            ).all()
    finally:
        home.close()
    return [tuple(row) for row in rows]


def _node_event_ids(node: str) -> dict[int, str]:
    import sqlite3

    with sqlite3.connect(Path(node) / "node.db") as conn:
        return dict(conn.execute("SELECT seq, event_id FROM events"))


def _backup_to_stick(node: str, stick: Path) -> Path:
    return Path(run_json("township-node", "backup", "--home", node, "--to", str(stick))["path"])


def _reconcile_rows(county: HubProcess) -> dict[str, dict]:
    rows = run_json("central-hub", "reconcile", "--home", str(county.home))["reconcile_nodes"]
    return {row["node_id"]: row for row in rows}


def _restore_and_reenroll(county: HubProcess, backup: Path, new: Path, old_id: str) -> dict:
    restored = run_json("township-node", "restore", "--from", str(backup), "--home", str(new))
    assert restored["old_node_id"] == old_id
    assert restored["new_node_id"] != old_id
    refused = run_cli("township-node", "sync", "--home", str(new), check=False)
    assert refused.returncode == 4 and "not enrolled" in refused.stderr
    return _enroll(county, str(new), "--replaces", old_id)


def test_restore_delivers_unsent_events_of_backup_exactly_once(tmp_path, hubs):
    county, dead = _county_with_node(tmp_path, hubs)
    old_id = run_json("township-node", "status", "--home", dead)["node_id"]
    _accept(dead, _item(), APPLICANTS[0])
    run_cli("township-node", "sync", "--home", dead)
    _accept(dead, _item(), APPLICANTS[1])
    # A batch cut and signed with the old key, never sent (the stick never reached the county).
    run_cli("township-node", "export", "--home", dead, "--to", str(tmp_path / "unsent-stick"))
    _accept(dead, _item(), APPLICANTS[2])  # recorded, not even batched
    backup = _backup_to_stick(dead, tmp_path / "stick")
    held = _node_event_ids(dead)
    assert len(held) == 3

    new = tmp_path / "new-pc"
    enrolled = _restore_and_reenroll(county, backup, new, old_id)
    assert enrolled["continued"]["unsent_events"] == 2
    assert enrolled["continued"]["next_batch_seq"] == 2
    _accept(str(new), _item(), APPLICANTS[3])
    run_cli("township-node", "sync", "--home", str(new))
    run_cli("township-node", "sync", "--home", str(new))  # a second round sends nothing again

    at_hub = _hub_events(county)
    ids = [event_id for event_id, _, _ in at_hub]
    assert len(ids) == len(set(ids)) == 4
    assert set(held.values()) <= set(ids)
    assert sorted(seq for _, _, seq in at_hub) == [1, 2, 3, 4]  # one numbering, none reused
    new_id = enrolled["node_id"]
    assert {(node, seq) for _, node, seq in at_hub} == {
        (old_id, 1),
        (new_id, 2),
        (new_id, 3),
        (new_id, 4),
    }
    rows = _reconcile_rows(county)
    assert rows[new_id]["state"] == "正常"
    assert rows[old_id]["state"] == "已吊销"
    for row in rows.values():
        assert (row["held_batches"], row["rejected"], row["duplicates"]) == (0, 0, 0)
    assert run_json("township-node", "status", "--home", str(new))["pending_events"] == 0
    assert list((new / "backups").glob("*.db"))  # the sync round took a rolling backup


def test_restore_of_older_backup_numbers_after_what_hub_holds(tmp_path, hubs):
    county, dead = _county_with_node(tmp_path, hubs)
    old_id = run_json("township-node", "status", "--home", dead)["node_id"]
    _accept(dead, _item(), APPLICANTS[0])
    run_cli("township-node", "sync", "--home", dead)
    _accept(dead, _item(), APPLICANTS[1])
    backup = _backup_to_stick(dead, tmp_path / "stick")  # holds event 2, not yet sent
    _accept(dead, _item(), APPLICANTS[2])
    run_cli("township-node", "sync", "--home", dead)  # the hub gets events 2 and 3
    _accept(dead, _item(), APPLICANTS[3])  # recorded after the backup, never sent: lost

    new = tmp_path / "new-pc"
    enrolled = _restore_and_reenroll(county, backup, new, old_id)
    assert enrolled["continued"]["unsent_events"] == 0
    assert enrolled["continued"]["events_only_at_hub"] == 1
    assert enrolled["continued"]["next_event_seq"] == 4
    _accept(str(new), _item(), APPLICANTS[0])  # the same citizen again
    run_cli("township-node", "sync", "--home", str(new))

    at_hub = _hub_events(county)
    assert len({event_id for event_id, _, _ in at_hub}) == len(at_hub) == 4
    new_id = enrolled["node_id"]
    assert sorted((seq, node) for _, node, seq in at_hub) == [
        (1, old_id),
        (2, old_id),
        (3, old_id),
        (4, new_id),
    ]
    rows = _reconcile_rows(county)
    assert rows[new_id]["state"] == "正常"
    assert (rows[new_id]["held_batches"], rows[new_id]["rejected"]) == (0, 0)
    assert run_json("township-node", "status", "--home", str(new))["pending_events"] == 0


def test_restored_pc_enrolled_without_replaces_is_told_to_ask_for_one(tmp_path, hubs):
    county, dead = _county_with_node(tmp_path, hubs)
    old_id = run_json("township-node", "status", "--home", dead)["node_id"]
    _accept(dead, _item(), APPLICANTS[0])
    run_cli("township-node", "sync", "--home", dead)
    backup = _backup_to_stick(dead, tmp_path / "stick")
    new = tmp_path / "new-pc"
    run_json("township-node", "restore", "--from", str(backup), "--home", str(new))
    code = run_json("central-hub", "enroll-code", "--home", str(county.home), "--center", TOWNSHIP)[
        "code"
    ]
    refused = run_cli(
        "township-node",
        "enroll",
        "--home",
        str(new),
        "--hub",
        county.url,
        "--code",
        code,
        check=False,
    )
    assert refused.returncode == 4
    assert f"--replaces {old_id}" in refused.stderr
    # Still not enrolled: nothing can be sent under the wrong numbering.
    assert run_cli("township-node", "sync", "--home", str(new), check=False).returncode == 4
    # The county's code with --replaces repairs it; the dead PC's event is not sent twice.
    _enroll(county, str(new), "--replaces", old_id)
    _accept(str(new), _item(), APPLICANTS[1])
    run_cli("township-node", "sync", "--home", str(new))
    assert len(_hub_events(county)) == 2


def test_damaged_backup_is_refused_and_nothing_installed(tmp_path):
    pair = make_pair(tmp_path)
    pair.accept(1)
    backup, _ = write_backup(pair.node, tmp_path / "stick")
    pair.node.close()
    data = bytearray(backup.read_bytes())
    data[len(data) // 2] ^= 0xFF
    backup.write_bytes(bytes(data))
    new = tmp_path / "new-pc"
    result = run_cli(
        "township-node", "restore", "--from", str(backup), "--home", str(new), check=False
    )
    assert result.returncode == 2
    assert "does not match its manifest" in result.stderr
    assert not (new / "node.db").exists()


def test_replacing_a_node_of_another_center_is_refused(tmp_path):
    pair = make_pair(tmp_path)
    result = run_cli(
        "central-hub",
        "enroll-code",
        "--home",
        str(pair.hub.path),
        "--center",
        COUNTY + "200",
        "--replaces",
        pair.node.node_id,
        check=False,
    )
    assert result.returncode != 0
    assert f"belongs to center {TOWNSHIP}" in result.stderr


def test_prefecture_receives_every_event_once_after_county_forwards_the_replacement(tmp_path, hubs):
    prefecture, county, dead = _build_network(tmp_path, hubs)
    old_id = run_json("township-node", "status", "--home", dead)["node_id"]
    _accept(dead, _item(), APPLICANTS[0])
    run_cli("township-node", "sync", "--home", dead)
    _accept(dead, _item(), APPLICANTS[1])
    backup = _backup_to_stick(dead, tmp_path / "stick")  # event 2 is unsent
    enrolled = _restore_and_reenroll(county, backup, tmp_path / "new-pc", old_id)
    _accept(str(tmp_path / "new-pc"), _item(), APPLICANTS[2])
    run_cli("township-node", "sync", "--home", str(tmp_path / "new-pc"))
    run_cli("central-hub", "forward", "--home", str(county.home))

    at_prefecture = _hub_events(prefecture)
    assert sorted((seq, node) for _, node, seq in at_prefecture) == [
        (1, old_id),
        (2, enrolled["node_id"]),
        (3, enrolled["node_id"]),
    ]
    rows = _reconcile_rows(prefecture)
    assert rows[enrolled["node_id"]]["held_batches"] == 0
    assert rows[enrolled["node_id"]]["batches_received"] == 2
    report = run_json("central-hub", "report", "--home", str(prefecture.home))
    assert sum(row["accepted"] for row in report["rows"]) == 3
