"""Catalogs and calendars published by the prefecture and a county reach the window."""

from __future__ import annotations

import csv
import json

import pytest

from tests.casework.test_catalog_import import GOOD, HEADERS
from tests.conftest import run_cli, run_json
from tests.factories import APPLICANTS
from tests.test_end_to_end import _build_network

pytestmark = pytest.mark.e2e

LONG_ITEM = "SAMPLE-ZJ-001"  # 30 working days: accepted now, due in the next year
COUNTY_LOCAL_ITEM_PREFIX = "SAMPLE-513431-"

# Invented test data: a layer covering 2027 as the prefecture would publish it once the State
# Council's notice is out (New Year's Day only here; the real notice has more).
LAYER_2027 = {
    "name": "national-2027",
    "version": "test-2027.1",
    "scope": "national",
    "year_coverage": [2027],
    "rest_days": ["2027-01-01"],
    "work_days": [],
}


def test_published_catalog_and_calendar_reach_the_node_and_settle_deadlines(tmp_path, hubs):
    prefecture, county, node = _build_network(tmp_path, hubs)
    name, id_number, phone = APPLICANTS[0]
    accepted = run_json(
        "township-node",
        "case",
        "accept",
        "--home",
        node,
        "--item",
        LONG_ITEM,
        "--applicant-name",
        name,
        "--id-number",
        id_number,
        "--phone",
        phone,
    )
    assert accepted["due_provisional"] is True  # no layer covers next year yet

    layer_file = tmp_path / "layer-2027.json"
    layer_file.write_text(json.dumps(LAYER_2027), encoding="utf-8")
    run_cli("central-hub", "calendar", "import", str(layer_file), "--home", str(prefecture.home))
    published = run_json("central-hub", "catalog", "publish", "--home", str(prefecture.home))
    assert published["calendar_layers"] == ["liangshan", "national-2027"]
    run_cli("central-hub", "catalog", "publish", "--home", str(county.home))
    run_cli("central-hub", "forward", "--home", str(county.home))  # the county pulls it

    synced = run_json("township-node", "sync", "--home", node)
    assert len(synced["catalog_versions"]) == 2
    shown = run_json("township-node", "case", "show", accepted["case_no"], "--home", node)
    assert shown["due_provisional"] is False
    items = run_json("township-node", "catalog", "list", "--home", node)["items"]
    assert any(item["code"].startswith(COUNTY_LOCAL_ITEM_PREFIX) for item in items)
    again = run_json("township-node", "sync", "--home", node)
    assert again["catalog_versions"] == []  # nothing newer: nothing swapped


def test_catalog_import_reports_every_bad_row_and_imports_nothing(tmp_path):
    home = str(tmp_path / "pref")
    run_cli(
        "central-hub",
        "init",
        "--home",
        home,
        "--tier",
        "prefecture",
        "--org-code",
        "513400",
        "--name",
        "凉山州政务服务中心",
    )
    bad_category = [*GOOD]
    bad_category[0], bad_category[2] = "X-1", "税务事项"
    bad_limits = [*GOOD]
    bad_limits[0], bad_limits[7], bad_limits[8] = "X-2", "10", "15"  # promised > statutory
    sheet = tmp_path / "items.csv"
    with sheet.open("w", encoding="utf-8", newline="") as file:
        csv.writer(file).writerows([HEADERS, GOOD, bad_category, bad_limits])
    result = run_cli("central-hub", "catalog", "import", str(sheet), "--home", home, check=False)
    assert result.returncode == 2
    assert "row 3, column 类别" in result.stderr
    assert "row 4, column 承诺时限" in result.stderr
    assert "nothing was imported" in result.stderr
    assert run_json("central-hub", "catalog", "list", "--home", home)["versions"] == []


def test_catalog_import_then_publish_signs_a_new_version(tmp_path):
    home = str(tmp_path / "pref")
    run_cli(
        "central-hub",
        "init",
        "--home",
        home,
        "--tier",
        "prefecture",
        "--org-code",
        "513400",
        "--name",
        "凉山州政务服务中心",
    )
    sheet = tmp_path / "items.csv"
    with sheet.open("w", encoding="utf-8", newline="") as file:
        csv.writer(file).writerows([HEADERS, GOOD])
    imported = run_json("central-hub", "catalog", "import", str(sheet), "--home", home)
    assert imported["items"] == 1
    published = run_json("central-hub", "catalog", "publish", "--home", home)
    assert published["items"] == 1
    assert published["version"].startswith("513400-")
