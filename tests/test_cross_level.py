"""Cases that cross levels: escalated at a township, decided at the county center, delivered back
at the township window, through real hub processes, HTTP and USB files."""

from __future__ import annotations

import pytest

from tests.conftest import HubProcess, run_cli, run_json
from tests.factories import APPLICANTS
from tests.test_end_to_end import COUNTY, TOWNSHIP, _accept, _build_network

pytestmark = pytest.mark.e2e

ITEM = "SAMPLE-CL-004"  # 残疾人辅助器具适配申请: two steps, township and county both handle it
RECEIVED_ITEM = "SAMPLE-CL-002"  # 残疾人证换领: a county item the township window only receives


def _county_center(tmp_path, county: HubProcess) -> str:
    """The county's own service center runs the same node software, enrolled at its hub."""
    home = str(tmp_path / "county-center")
    run_cli(
        "township-node", "init", "--home", home, "--center", COUNTY, "--name", "昭觉县政务服务中心"
    )
    code = run_json("central-hub", "enroll-code", "--home", str(county.home), "--center", COUNTY)
    run_cli("township-node", "enroll", "--home", home, "--hub", county.url, "--code", code["code"])
    return home


def _show(node: str, case_no: str) -> dict:
    return run_json("township-node", "case", "show", case_no, "--home", node)


def _sync(node: str) -> None:
    run_cli("township-node", "sync", "--home", node)


def _escalated_case(
    tmp_path, hubs, item: str = ITEM
) -> tuple[HubProcess, HubProcess, str, str, str]:
    prefecture, county, township = _build_network(tmp_path, hubs)
    center = _county_center(tmp_path, county)
    case_no = _accept(township, item, APPLICANTS[0])
    run_cli("township-node", "case", "escalate", case_no, "--home", township, "--to", COUNTY)
    return prefecture, county, township, center, case_no


def test_received_county_item_cannot_be_decided_at_the_township(tmp_path, hubs):
    _, _, township = _build_network(tmp_path, hubs)
    case_no = _accept(township, RECEIVED_ITEM, APPLICANTS[1])
    legal = _show(township, case_no)["legal_actions"]
    assert "escalate" in legal and "review_and_approve" not in legal
    refused = run_cli("township-node", "case", "advance", case_no, "--home", township, check=False)
    assert (refused.returncode, "no next step" in refused.stderr) == (2, True)


def test_escalated_case_makes_the_round_trip_and_the_prefecture_counts_it_once(tmp_path, hubs):
    prefecture, county, township, center, case_no = _escalated_case(tmp_path, hubs, RECEIVED_ITEM)
    at_township = _show(township, case_no)
    assert (at_township["status"], at_township["holder_center"]) == ("escalated", COUNTY)
    assert at_township["legal_actions"] == ["complete"]  # the window may record a withdrawal
    _sync(township)

    _sync(center)  # the county center's next sync brings the case down
    arrived = _show(center, case_no)
    assert (arrived["status"], arrived["holder_center"]) == ("escalated", COUNTY)
    assert arrived["applicant_name"] == APPLICANTS[0][0]
    assert arrived["due_date"] == at_township["due_date"], "the deadline belongs to the case"
    assert "review_and_approve" in arrived["legal_actions"]
    alerts = run_json("township-node", "alerts", "--home", center, "--seen")["alerts"]
    assert [a["kind"] for a in alerts] == ["handed_here"]
    run_cli("township-node", "case", "advance", case_no, "--home", center)
    run_cli("township-node", "case", "complete", case_no, "--home", center)
    decided = _show(center, case_no)
    assert (decided["status"], decided["holder_center"]) == ("completed", TOWNSHIP)
    _sync(center)

    _sync(township)
    back = _show(township, case_no)
    assert (back["status"], back["holder_center"]) == ("completed", TOWNSHIP)
    assert back["legal_actions"] == ["deliver"]
    alerts = run_json("township-node", "alerts", "--home", township)["alerts"]
    assert [a["kind"] for a in alerts] == ["result_back"]
    assert "结果已返回" in alerts[0]["message_zh"]
    run_cli("township-node", "case", "deliver", case_no, "--home", township)
    _sync(township)
    _sync(center)
    assert _show(center, case_no)["status"] == "delivered"

    run_json("central-hub", "forward", "--home", str(county.home))
    report = run_json("central-hub", "report", "--home", str(prefecture.home))
    assert sum(row["accepted"] for row in report["rows"]) == 1
    assert sum(row["completed"] for row in report["rows"]) == 1
    county_rows = run_json("central-hub", "report", "--home", str(county.home))["rows"]
    assert county_rows == report["rows"]
    routed = run_json("central-hub", "routed", "--home", str(county.home))["parties"]
    assert {(p["case_no"], p["center_code"]) for p in routed} == {
        (case_no, TOWNSHIP),
        (case_no, COUNTY),
    }


def test_node_without_the_case_cannot_act_on_it_and_nothing_changes(tmp_path, hubs):
    _, _, township, center, case_no = _escalated_case(tmp_path, hubs)
    refused = run_cli("township-node", "case", "advance", case_no, "--home", township, check=False)
    assert refused.returncode == 2
    assert _show(township, case_no)["status"] == "escalated"
    unknown = run_cli("township-node", "case", "show", case_no, "--home", center, check=False)
    assert unknown.returncode != 0, "the county sees the case only once the hub routes it"


def test_concurrent_withdrawal_and_decision_are_both_kept_and_flagged(tmp_path, hubs):
    _, county, township, center, case_no = _escalated_case(tmp_path, hubs)
    _sync(township)
    _sync(center)
    # Both offline now: the citizen withdraws at the township while the county decides.
    run_cli("township-node", "case", "withdraw", case_no, "--home", township, "--reason", "撤回")
    run_cli("township-node", "case", "advance", case_no, "--home", center)
    run_cli("township-node", "case", "complete", case_no, "--home", center)
    _sync(township)
    _sync(center)
    _sync(township)

    conflicts = run_json("central-hub", "conflicts", "--home", str(county.home))["conflicts"]
    assert len(conflicts) == 1
    (conflict,) = conflicts
    assert (conflict["case_no"], conflict["outcome"]) == (case_no, "set_aside")
    assert conflict["node_id"].startswith(TOWNSHIP), "the holder's decision comes first"
    for node in (township, center):
        shown = _show(node, case_no)
        assert (shown["status"], shown["conflicts"]) == ("completed", 1)
        assert [a["conflict"] for a in shown["set_aside"]] == [True]
        assert len(shown["history"]) == 5, "both facts are kept"
    alerts = run_json("township-node", "alerts", "--home", township)["alerts"]
    assert "conflict" in {a["kind"] for a in alerts}


def test_township_offline_during_the_decision_gets_the_result_by_usb(tmp_path, hubs):
    _, county, township, center, case_no = _escalated_case(tmp_path, hubs)
    stick = tmp_path / "stick"
    run_cli("township-node", "export", "--home", township, "--to", str(stick))
    run_cli("central-hub", "import", str(stick), "--home", str(county.home))
    _sync(center)
    run_cli("township-node", "case", "advance", case_no, "--home", center)
    run_cli("township-node", "case", "complete", case_no, "--home", center)
    _sync(center)

    run_cli("township-node", "export", "--home", township, "--to", str(stick))
    summary = run_json("central-hub", "import", str(stick), "--home", str(county.home))
    assert summary["feed_pages"] >= 1
    report = run_json("township-node", "import-receipts", str(stick), "--home", township)
    assert report["feed"]["cases"] == 1
    assert _show(township, case_no)["status"] == "completed"
    again = run_json("township-node", "import-receipts", str(stick), "--home", township)
    assert again["feed"]["events"] == 0, "a page taken twice adds nothing"
