"""The central-hub CLI refuses what it cannot do with one clear line."""

from __future__ import annotations

import json

from central_hub.cli import main


def test_init_twice_refuses_to_overwrite(tmp_path, capsys):
    args = [
        "init",
        "--home",
        str(tmp_path),
        "--tier",
        "county",
        "--org-code",
        "513431",
        "--name",
        "昭觉县政务服务中心",
    ]
    assert main(args) == 0
    capsys.readouterr()
    assert main(args) == 2
    assert "already exists" in capsys.readouterr().err


def test_enroll_code_for_center_outside_the_county_is_refused(tmp_path, capsys):
    main(
        [
            "init",
            "--home",
            str(tmp_path),
            "--tier",
            "county",
            "--org-code",
            "513431",
            "--name",
            "昭觉县政务服务中心",
        ]
    )
    capsys.readouterr()
    assert main(["enroll-code", "--home", str(tmp_path), "--center", "513429100"]) == 2
    assert "outside this hub's area" in capsys.readouterr().err


def test_enroll_code_prints_a_readable_one_time_code(tmp_path, capsys):
    main(
        [
            "init",
            "--home",
            str(tmp_path),
            "--tier",
            "county",
            "--org-code",
            "513431",
            "--name",
            "昭觉县政务服务中心",
        ]
    )
    capsys.readouterr()
    assert main(["enroll-code", "--home", str(tmp_path), "--center", "513431100", "--json"]) == 0
    code = json.loads(capsys.readouterr().out)["code"]
    assert len(code) == 19 and code.count("-") == 3
    assert not set(code) & set("01IO")


def test_report_on_empty_hub_prints_no_rows(tmp_path, capsys):
    main(
        [
            "init",
            "--home",
            str(tmp_path),
            "--tier",
            "prefecture",
            "--org-code",
            "513400",
            "--name",
            "凉山州政务服务中心",
        ]
    )
    capsys.readouterr()
    assert main(["report", "--home", str(tmp_path), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["rows"] == []


def test_link_from_a_prefecture_is_refused(tmp_path, capsys):
    main(
        [
            "init",
            "--home",
            str(tmp_path),
            "--tier",
            "prefecture",
            "--org-code",
            "513400",
            "--name",
            "凉山州政务服务中心",
        ]
    )
    capsys.readouterr()
    assert (
        main(["link", "--home", str(tmp_path), "--upstream", "http://127.0.0.1:9", "--code", "X"])
        == 2
    )
    assert "only a county hub" in capsys.readouterr().err


def test_home_and_json_are_taken_before_the_command_as_after_it(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("CENTRAL_HUB_HOME", raising=False)
    init = ["init", "--tier", "county", "--org-code", "513431", "--name", "昭觉县政务服务中心"]
    assert main(["--home", str(tmp_path / "hub"), "--json", *init]) == 0
    assert json.loads(capsys.readouterr().out)["org_code"] == "513431"
    before = ["--home", str(tmp_path / "hub"), "--json", "user", "list"]
    after = ["user", "list", "--home", str(tmp_path / "hub"), "--json"]
    mixed = ["--json", "user", "list", "--home", str(tmp_path / "hub")]
    answers = []
    for argv in (before, after, mixed):
        assert main(argv) == 0, argv
        answers.append(json.loads(capsys.readouterr().out))
    assert answers[0] == answers[1] == answers[2]


def test_home_typed_after_the_command_wins_over_the_environment(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("CENTRAL_HUB_HOME", str(tmp_path / "elsewhere"))
    init = ["init", "--tier", "county", "--org-code", "513431", "--name", "昭觉县政务服务中心"]
    assert main([*init, "--home", str(tmp_path / "hub"), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["home"] == str(tmp_path / "hub")
    assert not (tmp_path / "elsewhere").exists()
