"""`central-hub compliance` and `central-hub standard` as a reviewer runs them."""

from __future__ import annotations

import io
import json

from openpyxl import load_workbook

from central_hub.cli import main
from tests.central_hub.test_compliance import XINCHENG, CaseWriter, prefecture_hub

ARGS = ["--since", "2026-03-01", "--until", "2026-03-31", "--today", "2026-03-13"]


def _hub_with_cases(tmp_path):
    home = prefecture_hub(tmp_path)
    writer = CaseWriter(home)
    writer.add(XINCHENG, "2026-03-02 09:00", completed="2026-03-03 09:00")
    writer.add(XINCHENG, "2026-03-02 10:00", due="2026-03-06")
    return home, writer


def _run(capsys, *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_compliance_json_holds_every_table_when_asked_for_json(tmp_path, capsys):
    home, _ = _hub_with_cases(tmp_path)
    code, out, _ = _run(capsys, "compliance", "--home", str(home.path), "--json", *ARGS)
    assert code == 0
    shown = json.loads(out)
    assert (shown["since"], shown["until"], shown["today"]) == (
        "2026-03-01",
        "2026-03-31",
        "2026-03-13",
    )
    total = shown["tables"]["compliance_cases"][-1]
    assert (total["county_code"], total["accepted"], total["completed"]) == ("513400", 2, 1)
    (red,) = shown["tables"]["compliance_overdue"]
    assert (red["light"], red["due_date"], red["working_days_late"]) == ("红灯", "2026-03-06", 5)


def test_compliance_writes_the_by_category_table_as_csv(tmp_path, capsys):
    home, _ = _hub_with_cases(tmp_path)
    target = tmp_path / "compliance.csv"
    code, out, _ = _run(capsys, "compliance", "--home", str(home.path), "--csv", str(target), *ARGS)
    assert code == 0 and "compliance.csv" in out
    text = target.read_bytes().decode("utf-8")
    assert text.startswith("\ufeff排名,县（市）,区划代码,行政许可受理")
    assert ",全州合计,513400," in text


def test_compliance_writes_one_sheet_per_table_as_xlsx(tmp_path, capsys):
    home, _ = _hub_with_cases(tmp_path)
    target = tmp_path / "compliance.xlsx"
    code, _, _ = _run(capsys, "compliance", "--home", str(home.path), "--xlsx", str(target), *ARGS)
    assert code == 0
    book = load_workbook(io.BytesIO(target.read_bytes()))
    assert book.sheetnames[:2] == ["办件受理办结情况（按类别）", "月度趋势"]
    assert len(book.sheetnames) == 10


def test_compliance_prints_chinese_tables_on_a_terminal_for_one_county(tmp_path, capsys):
    home, _ = _hub_with_cases(tmp_path)
    code, out, _ = _run(capsys, "compliance", "--home", str(home.path), "--county", "513431", *ARGS)
    assert code == 0
    assert "合规情况 compliance: 513431" in out
    assert "新城镇" in out and "红灯" in out


def test_compliance_refuses_bad_options_with_exit_code_2(tmp_path, capsys):
    home, _ = _hub_with_cases(tmp_path)
    code, _, err = _run(capsys, "compliance", "--home", str(home.path), "--county", "5134", *ARGS)
    assert code == 2 and "6-digit" in err
    code, _, err = _run(
        capsys, "compliance", "--home", str(home.path), "--json", "--csv", "x.csv", *ARGS
    )
    assert code == 2 and "choose one" in err


def test_compliance_rebuilds_missing_rollups_and_says_so_on_stderr(tmp_path, capsys):
    from central_hub.store import cases

    home, writer = _hub_with_cases(tmp_path)
    with home.engine.begin() as conn:  # a case the rollups never saw
        conn.execute(cases.insert().values(**writer.row("513431101", "2026-03-04 09:00")))
    code, out, err = _run(capsys, "compliance", "--home", str(home.path), "--json", *ARGS)
    assert code == 0 and "rebuilding the rollups" in err
    assert json.loads(out)["tables"]["compliance_cases"][-1]["accepted"] == 3


def test_standard_set_and_list_record_a_centers_checklist(tmp_path, capsys):
    home = prefecture_hub(tmp_path)
    base = ["--home", str(home.path), "--json"]
    code, out, _ = _run(
        capsys, "standard", "set", XINCHENG, "all", "--met", "--by", "州中心", *base
    )
    assert code == 0 and json.loads(out)["center_meets_standard"] is True
    code, out, _ = _run(
        capsys, "standard", "set", XINCHENG, "staffing", "--not-met", "--note", "仅1名专职", *base
    )
    assert json.loads(out) == {
        "center": XINCHENG,
        "items": ["staffing"],
        "met": False,
        "center_meets_standard": False,
        "missing": ["staffing"],
    }
    code, out, _ = _run(capsys, "standard", "list", "--county", "513431", *base)
    (row,) = json.loads(out)["centers"]
    assert (row["center_code"], row["met"], row["met_items"]) == (XINCHENG, False, 10)
    code, out, _ = _run(capsys, "standard", "items", *base)
    assert [item["key"] for item in json.loads(out)["items"]][:3] == [
        "hall_area",
        "open_hall",
        "window_setup",
    ]


def test_standard_set_refuses_an_unknown_item_or_center(tmp_path, capsys):
    home = prefecture_hub(tmp_path)
    code, _, err = _run(
        capsys, "standard", "set", XINCHENG, "toilets", "--met", "--home", str(home.path)
    )
    assert code == 2 and "unknown checklist item" in err
    code, _, err = _run(
        capsys, "standard", "set", "999999999", "all", "--met", "--home", str(home.path)
    )
    assert code == 2 and "neither a Liangshan org code" in err
