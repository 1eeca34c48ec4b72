"""A center with no network works by USB stick: the same sealed bytes, in any order."""

from __future__ import annotations

import shutil

import pytest

from tests.conftest import run_cli, run_json
from tests.factories import applicant_stream, items_by_category
from tests.test_end_to_end import TOWNSHIP, _accept, _build_network

pytestmark = pytest.mark.e2e


def _batch_files(usb, county_hub_id="county-513431"):
    return sorted((usb / "township-sync" / f"to-{county_hub_id}").glob("*/batch-*.tsb"))


def test_usb_round_trip_delivers_each_event_once_in_any_order(tmp_path, hubs):
    prefecture, county, node = _build_network(tmp_path, hubs)
    for hub in (prefecture, county):
        hub.stop()  # no network from here on: sticks only
    applicants = applicant_stream(seed=7)
    item = items_by_category()["public_service"].code
    for _ in range(5):
        _accept(node, item, next(applicants))
    usb = tmp_path / "usb"
    # A failed sync (no network) still cut the batches, two events each.
    run_cli("township-node", "sync", "--home", node, "--batch-events", "2", check=False)
    exported = run_json("township-node", "export", "--home", node, "--to", str(usb))
    assert exported["batches"] == 3 and exported["events"] == 5

    first = _batch_files(usb)[0]
    shutil.move(first, tmp_path / first.name)  # batch 1 missed this trip
    held = run_json("central-hub", "import", str(usb), "--home", str(county.home))
    assert (held["applied"], held["held"]) == (0, 2)
    shutil.move(tmp_path / first.name, first)
    done = run_json("central-hub", "import", str(usb), "--home", str(county.home))
    assert done["applied"] == 1 and done["rejected"] == 0
    again = run_json("central-hub", "import", str(usb), "--home", str(county.home))
    assert (again["applied"], again["duplicate"]) == (0, 3)

    taken = run_json("township-node", "import-receipts", str(usb), "--home", node)
    assert taken["applied"] == 3 and taken["pending_events"] == 0
    report = run_json("central-hub", "report", "--home", str(county.home))
    assert sum(row["accepted"] for row in report["rows"]) == 5

    # County → prefecture by stick too.
    usb2 = tmp_path / "usb2"
    forwarded = run_json("central-hub", "export", "--home", str(county.home), "--to", str(usb2))
    assert forwarded["events"] == 5
    imported = run_json("central-hub", "import", str(usb2), "--home", str(prefecture.home))
    assert (imported["registrations"], imported["applied"]) == (1, 3)
    # The prefecture learns what the county held when it wrote the stick, and since when.
    (county_view,) = run_json("central-hub", "backlog", "--home", str(prefecture.home))["counties"]
    assert county_view["hub_id"] == "county-513431"
    assert [(n["center_code"], n["batches"], n["events"]) for n in county_view["nodes"]] == [
        (TOWNSHIP, 3, 5)
    ]
    run_json("central-hub", "import-receipts", str(usb2), "--home", str(county.home))
    assert (
        run_json(
            "central-hub", "export", "--home", str(county.home), "--to", str(tmp_path / "usb3")
        )["batches"]
        == 0
    )
    pref_report = run_json("central-hub", "report", "--home", str(prefecture.home))
    assert pref_report["rows"] == report["rows"]


def test_truncated_file_is_refused_with_its_reason_and_applies_nothing(tmp_path, hubs):
    _, county, node = _build_network(tmp_path, hubs)
    county.stop()
    _accept(node, items_by_category()["public_service"].code, next(applicant_stream(seed=3)))
    usb = tmp_path / "usb"
    run_json("township-node", "export", "--home", node, "--to", str(usb))
    (batch,) = _batch_files(usb)
    batch.write_bytes(batch.read_bytes()[:-40])
    junk = usb / "township-sync" / "to-county-513431" / "registrations" / "junk.json"
    junk.parent.mkdir(parents=True)
    junk.write_text("not json")  # a stray file is reported, and the import goes on
    # nested past the interpreter's stack: reported like any unreadable statement
    (junk.parent.parent / "backlog.json").write_text("[" * 200_000)
    result = run_json("central-hub", "import", str(usb), "--home", str(county.home))
    assert (result["applied"], result["rejected"]) == (0, 3)
    assert any("junk.json" in reason for reason in result["reasons"])
    assert any("backlog.json" in reason for reason in result["reasons"])
    assert any("batch-00000001.tsb" in reason for reason in result["reasons"])
    assert run_json("central-hub", "report", "--home", str(county.home))["rows"] == []
    # The node still holds it: a fresh export carries an intact copy.
    run_json("township-node", "export", "--home", node, "--to", str(usb))
    assert run_json("central-hub", "import", str(usb), "--home", str(county.home))["applied"] == 1
