"""A case travels from a township window to the prefecture through real hub processes."""

from __future__ import annotations

import json
import sqlite3

import httpx
import pytest
import sqlalchemy as sa

from central_hub.home import open_home as open_hub
from central_hub.store import nodes
from sync_protocol import SIGNATURE_SM2, SUITE_NATIONAL, VerifyKey, b64decode, seal_batch
from tests.conftest import HubProcess, run_cli, run_json, start_hub
from tests.factories import APPLICANTS, items_by_category
from tests.proxy import RecordingProxy
from township_node.enrollment import pinned_hub
from township_node.home import open_home
from township_node.sync import Outbox

pytestmark = pytest.mark.e2e

COUNTY = "513431"  # 昭觉县
TOWNSHIP = "513431100"  # 新城镇


def _build_network(
    tmp_path, hubs: list[HubProcess], *, suite: str = ""
) -> tuple[HubProcess, HubProcess, str]:
    prefecture_home, county_home, node_home = (tmp_path / n for n in ("pref", "county", "node"))
    chosen = ["--suite", suite] if suite else []
    run_cli(
        "central-hub",
        "init",
        "--home",
        str(prefecture_home),
        "--tier",
        "prefecture",
        "--org-code",
        "513400",
        "--name",
        "凉山州政务服务中心",
        *chosen,
    )
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
        *chosen,
    )
    prefecture = start_hub(prefecture_home)
    hubs.append(prefecture)
    county = start_hub(county_home)
    hubs.append(county)
    code = run_json(
        "central-hub", "enroll-code", "--home", str(prefecture_home), "--center", COUNTY
    )["code"]
    run_cli(
        "central-hub",
        "link",
        "--home",
        str(county_home),
        "--upstream",
        prefecture.url,
        "--code",
        code,
    )
    run_cli(
        "township-node",
        "init",
        "--home",
        str(node_home),
        "--center",
        TOWNSHIP,
        "--name",
        "新城镇便民服务中心",
    )
    code = run_json("central-hub", "enroll-code", "--home", str(county_home), "--center", TOWNSHIP)[
        "code"
    ]
    run_cli(
        "township-node", "enroll", "--home", str(node_home), "--hub", county.url, "--code", code
    )
    return prefecture, county, str(node_home)


def _accept(node: str, item_code: str, applicant: tuple[str, str, str]) -> str:
    name, id_number, phone = applicant
    args = [
        "case",
        "accept",
        "--home",
        node,
        "--item",
        item_code,
        "--applicant-name",
        name,
        "--id-number",
        id_number,
    ]
    return run_json("township-node", *args, *(["--phone", phone] if phone else []))["case_no"]


def _complete_through_every_step(node: str, case_no: str) -> None:
    for _ in range(6):
        legal = run_json("township-node", "case", "show", case_no, "--home", node)["legal_actions"]
        if not {"handle", "review", "approve", "review_and_approve"} & set(legal):
            run_cli("township-node", "case", "complete", case_no, "--home", node)
            return
        run_cli("township-node", "case", "advance", case_no, "--home", node)
    raise AssertionError(f"case {case_no} never became completable")


def test_case_reaches_prefecture_report_once_when_synced_and_forwarded(tmp_path, hubs):
    prefecture, county, node = _build_network(tmp_path, hubs)
    items = items_by_category()
    licensing, service = items["licensing"], items["public_service"]
    first = _accept(node, licensing.code, APPLICANTS[0])
    second = _accept(node, service.code, APPLICANTS[1])
    _accept(node, service.code, APPLICANTS[2])
    _complete_through_every_step(node, first)
    run_cli("township-node", "case", "refuse", second, "--home", node, "--reason", "材料不全")

    assert run_cli("township-node", "sync", "--home", node).returncode == 0
    status = run_json("township-node", "status", "--home", node)
    assert status["pending_events"] == 0
    assert run_cli("township-node", "sync", "--home", node).returncode == 0  # idempotent

    forwarded = run_json("central-hub", "forward", "--home", str(county.home))
    assert forwarded["batches"] >= 1
    assert run_json("central-hub", "forward", "--home", str(county.home))["batches"] == 0

    report = run_json("central-hub", "report", "--home", str(prefecture.home))
    rows = {(r["org_code"], r["category"]): r for r in report["rows"]}
    assert rows[(TOWNSHIP, "licensing")]["accepted"] == 1
    assert rows[(TOWNSHIP, "licensing")]["completed"] == 1
    assert rows[(TOWNSHIP, "public_service")]["accepted"] == 2
    assert rows[(TOWNSHIP, "public_service")]["completed"] == 0
    county_report = run_json("central-hub", "report", "--home", str(county.home))
    assert county_report["rows"] == report["rows"]


def test_a_national_suite_network_carries_cases_to_the_prefecture_with_sm2_keys_only(
    tmp_path, hubs
):
    prefecture, county, node = _build_network(tmp_path, hubs, suite=SUITE_NATIONAL)
    service = items_by_category()["public_service"]
    case_no = _accept(node, service.code, APPLICANTS[0])
    _complete_through_every_step(node, case_no)
    _accept(node, service.code, APPLICANTS[1])
    assert run_cli("township-node", "sync", "--home", node).returncode == 0
    assert run_json("central-hub", "forward", "--home", str(county.home))["batches"] >= 1
    report = run_json("central-hub", "report", "--home", str(prefecture.home))
    rows = {(r["org_code"], r["category"]): r for r in report["rows"]}
    assert (rows[(TOWNSHIP, "public_service")]["accepted"],) == (2,)
    assert rows[(TOWNSHIP, "public_service")]["completed"] == 1
    # Every key of the three tiers is SM2, and so is every batch they exchanged.
    node_keys = json.loads((tmp_path / "node" / "keys" / "node-keys.json").read_text())
    assert set(node_keys) == {"signing_sm2", "sealing_suite", "sealing"}
    assert node_keys["sealing_suite"] == SUITE_NATIONAL
    for hub in (prefecture, county):
        keys = json.loads((hub.home / "keys" / "hub-keys.json").read_text())
        assert "signing_ed25519" not in keys
        assert {k["suite"] for k in keys["sealing"]} == {SUITE_NATIONAL}
    for hub in (county, prefecture):  # each enrolled its sender (node, county) with SM2 keys
        home = open_hub(hub.home)
        with home.engine.connect() as conn:
            enrolled = conn.execute(sa.select(nodes.c.sign_key, nodes.c.seal_suite)).all()
        home.close()
        assert enrolled
        for sign_key, seal_suite in enrolled:
            assert VerifyKey(b64decode(sign_key, what="key")).algorithm == SIGNATURE_SM2
            assert seal_suite == SUITE_NATIONAL


def test_sync_exits_3_and_keeps_events_when_hub_is_down(tmp_path, hubs):
    _, county, node = _build_network(tmp_path, hubs)
    _accept(node, items_by_category()["public_service"].code, APPLICANTS[3])
    county.stop()
    result = run_cli("township-node", "sync", "--home", node, check=False)
    assert result.returncode == 3
    assert "cannot reach hub" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    status = run_json("township-node", "status", "--home", node)
    assert status["pending_events"] == 1
    assert status["failures_in_a_row"] == 1
    assert "cannot reach hub" in status["last_error"]
    assert "无法连接" in status["last_error_zh"]
    assert status["next_try_at"] > status["last_sync"]["at"]


def test_wire_bytes_reveal_no_name_id_number_or_phone_when_syncing(tmp_path, hubs):
    _, county, node = _build_network(tmp_path, hubs)
    proxy = RecordingProxy("127.0.0.1", county.port).start()
    try:
        # Point the node at the proxy: the pinned hub keys stay the county's.
        with sqlite3.connect(f"{node}/node.db") as conn:
            conn.execute("UPDATE settings SET value = ? WHERE key = 'hub_url'", (proxy.url,))
        for applicant in APPLICANTS:
            _accept(node, items_by_category()["public_service"].code, applicant)
        run_cli("township-node", "sync", "--home", node)
        wire = proxy.upstream_bytes() + proxy.downstream_bytes()
    finally:
        proxy.stop()
    assert len(proxy.upstream_bytes()) > 0
    for name, id_number, phone in APPLICANTS:
        for secret in (name, name.split("·")[0], id_number, id_number[6:14], phone):
            if secret:
                assert secret.encode("utf-8") not in wire
                assert secret.encode("unicode_escape") not in wire


def test_resent_batch_gets_the_same_receipt_and_changes_nothing(tmp_path, hubs):
    _, county, node = _build_network(tmp_path, hubs)
    _accept(node, items_by_category()["public_service"].code, APPLICANTS[0])
    run_cli("township-node", "sync", "--home", node)

    with open_home(tmp_path / "node") as home:
        (batch,) = Outbox(home).batches_from(1)
        _, hub = pinned_hub(home)
        first_receipt = home.conn.execute("SELECT receipt FROM batches").fetchone()[0]
    blob = seal_batch(batch, hub.seal_key())
    answers = [httpx.post(f"{county.url}/v1/batches", content=blob) for _ in range(2)]
    assert [a.status_code for a in answers] == [200, 200]
    assert answers[0].json()["receipt"] == answers[1].json()["receipt"]
    assert answers[0].json()["receipt"] == json.loads(first_receipt)
    report = run_json("central-hub", "report", "--home", str(county.home))
    assert sum(row["accepted"] for row in report["rows"]) == 1


def test_sync_stops_at_the_byte_cap_and_sends_the_rest_next_round(tmp_path, hubs):
    _, _, node = _build_network(tmp_path, hubs)
    item = items_by_category()["public_service"].code
    for applicant in APPLICANTS:
        _accept(node, item, applicant)
    capped = run_cli(
        "township-node",
        "sync",
        "--home",
        node,
        "--batch-events",
        "1",
        "--max-bytes",
        "5000",
        check=False,
    )
    assert capped.returncode == 6
    assert "byte cap" in capped.stderr
    status = run_json("township-node", "status", "--home", node)
    assert 0 < status["unacknowledged_batches"] < len(APPLICANTS)
    assert run_cli("township-node", "sync", "--home", node).returncode == 0
    assert run_json("township-node", "status", "--home", node)["pending_events"] == 0
