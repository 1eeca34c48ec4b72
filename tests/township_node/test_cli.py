"""The township-node CLI: --json prints one object; a failure prints one line and exits non-zero."""

from __future__ import annotations

import json

import pytest

from tests.factories import APPLICANTS, items_by_category
from township_node.cli import main


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("TOWNSHIP_NODE_HOME", str(tmp_path / "node"))
    assert main(["init", "--center", "513431100", "--name", "新城镇便民服务中心"]) == 0
    return tmp_path / "node"


def _run(capsys, *argv: str) -> tuple[int, dict, str]:
    code = main([*argv, "--json"])
    out, err = capsys.readouterr()
    return code, (json.loads(out) if out.strip() else {}), err


def _accept_args(applicant=APPLICANTS[0], item=None) -> list[str]:
    item = item or items_by_category()["public_service"].code
    name, id_number, phone = applicant
    return [
        "case",
        "accept",
        "--item",
        item,
        "--applicant-name",
        name,
        "--id-number",
        id_number,
        "--phone",
        phone,
    ]


def test_accept_prints_the_new_case_number_as_json(home, capsys):
    capsys.readouterr()
    code, out, _ = _run(capsys, *_accept_args())
    assert code == 0
    assert out["case_no"].startswith("513431100-")


def test_accept_with_bad_id_number_exits_2_with_one_line_naming_the_problem(home, capsys):
    capsys.readouterr()
    name, id_number, phone = APPLICANTS[0]
    bad = id_number[:-1] + ("1" if id_number[-1] != "1" else "2")
    code, out, err = _run(capsys, *_accept_args((name, bad, phone)))
    assert code == 2
    assert out == {}
    assert len(err.strip().splitlines()) == 1
    assert "check" in err.lower()


def test_accept_unknown_item_exits_2(home, capsys):
    capsys.readouterr()
    code, _, err = _run(capsys, *_accept_args(item="NO-SUCH"))
    assert code == 2
    assert "unknown item" in err


def test_sync_before_enrolling_exits_4_and_says_how_to_enroll(home, capsys):
    capsys.readouterr()
    code, _, err = _run(capsys, "sync")
    assert code == 4
    assert "township-node enroll" in err


def test_commands_without_home_explain_the_option(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("TOWNSHIP_NODE_HOME", raising=False)
    code, _, err = _run(capsys, "status")
    assert code == 1
    assert "--home" in err


def test_catalog_list_shows_items_this_township_may_accept(home, capsys):
    capsys.readouterr()
    code, out, _ = _run(capsys, "catalog", "list")
    assert code == 0
    codes = {item["code"] for item in out["items"]}
    assert items_by_category()["licensing"].code in codes
    assert all(set(item) == {"code", "name", "category"} for item in out["items"])


def test_case_walks_advance_then_complete_and_show_lists_its_history(home, capsys):
    capsys.readouterr()
    _, accepted, _ = _run(capsys, *_accept_args(item=items_by_category()["licensing"].code))
    case_no = accepted["case_no"]
    steps = []
    while True:
        code, out, _ = _run(capsys, "case", "advance", case_no)
        if code != 0:
            break
        steps.append(out["action"])
    assert steps in (["handle", "review", "approve"], ["review_and_approve"])
    assert _run(capsys, "case", "complete", case_no)[0] == 0
    _, shown, _ = _run(capsys, "case", "show", case_no)
    assert [h["type"] for h in shown["history"]] == ["accept", *steps, "complete"]
    assert shown["status"] == "completed"


def test_status_counts_pending_events(home, capsys):
    capsys.readouterr()
    _run(capsys, *_accept_args())
    _, status, _ = _run(capsys, "status")
    assert status["pending_events"] == 1
    assert status["hub_url"] == ""


def test_show_gives_a_fresh_case_a_green_light_and_a_due_date(home, capsys):
    capsys.readouterr()
    _, accepted, _ = _run(capsys, *_accept_args(item=items_by_category()["licensing"].code))
    _, shown, _ = _run(capsys, "case", "show", accepted["case_no"])
    assert shown["light"] == "green"
    assert shown["due_date"] > shown["accepted_at"][:10]


def test_home_json_and_clerk_are_taken_before_the_command_as_after_it(tmp_path, capsys):
    node = str(tmp_path / "other-node")
    init = ["init", "--center", "513431100", "--name", "新城镇便民服务中心"]
    assert main(["--home", node, "--json", *init]) == 0
    assert json.loads(capsys.readouterr().out)
    answers = []
    for argv in (
        ["--home", node, "--json", "catalog", "list"],
        ["catalog", "list", "--home", node, "--json"],
        ["--json", "--clerk", "clerk-1", "catalog", "list", "--home", node],
    ):
        assert main(argv) == 0, argv
        answers.append(json.loads(capsys.readouterr().out))
    assert answers[0] == answers[1] == answers[2]
