"""A county carrying its backlog to the prefecture by stick, and taking the prefecture's
receipts back from one: the same stick rules as a node's round (issue 24, item 5).

Runs against the session's real county and prefecture processes; the county's home is opened
beside its running process, as an operator's `central-hub export` would be.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from central_hub.errors import HubError
from central_hub.home import HubHome, open_home
from central_hub.usb import export_forward, import_forward_receipts
from tests.security.conftest import Network, table_counts


@pytest.fixture
def county(network: Network) -> Iterator[HubHome]:
    home = open_home(network.county.home)
    yield home
    home.close()


def _from_prefecture(network: Network, stick):
    return stick / "township-sync" / "from-prefecture-513400"


def _forward_state(county: HubHome) -> list[tuple]:
    import sqlalchemy as sa

    with county.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text("SELECT * FROM forward_state ORDER BY 1"))]


@pytest.mark.parametrize(
    ("data", "said"),
    [
        # before the fix: RecursionError out of json.loads, a traceback
        pytest.param(b"[" * 200_000, "nested too deeply", id="nested"),
        pytest.param(b"\xff\xfe", "not valid JSON", id="not-utf8"),
        pytest.param(b'{"kind": 1.5}', "not valid JSON", id="float"),
    ],
)
def test_unreadable_prefecture_receipt_is_ignored_with_its_reason(
    network, county, tmp_path, data, said
):
    stick = tmp_path / "stick"
    receipt = _from_prefecture(network, stick) / "513431100-x" / "receipt-00000001.json"
    receipt.parent.mkdir(parents=True)
    receipt.write_bytes(data)
    before = _forward_state(county)
    result = import_forward_receipts(county, stick)
    assert (result["receipts"], result["ignored"]) == (0, 1)
    (reason,) = result["reasons"]
    assert "receipt-00000001.json" in reason and said in reason
    assert _forward_state(county) == before


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"not json", id="not-json"),  # before the fix: JSONDecodeError
        pytest.param(b"[1, 2]", id="a-list"),  # before the fix: AttributeError on .get
        pytest.param(b"[" * 200_000, id="nested"),  # before the fix: RecursionError
    ],
)
def test_unreadable_prefecture_catalog_is_ignored_with_its_reason(network, county, tmp_path, data):
    stick = tmp_path / "stick"
    catalog = _from_prefecture(network, stick) / "catalog.json"
    catalog.parent.mkdir(parents=True)
    catalog.write_bytes(data)
    result = import_forward_receipts(county, stick)
    (reason,) = result["reasons"]
    assert "catalog.json" in reason


def test_prefecture_receipt_that_links_off_the_stick_is_not_read(network, county, tmp_path):
    outside = tmp_path / "receipt.json"
    outside.write_text("{}")
    stick = tmp_path / "stick"
    receipt = _from_prefecture(network, stick) / "513431100-x" / "receipt-00000001.json"
    receipt.parent.mkdir(parents=True)
    receipt.symlink_to(outside)
    result = import_forward_receipts(county, stick)
    (reason,) = result["reasons"]
    assert "symbolic link" in reason


def test_export_refuses_a_prefecture_folder_that_links_off_the_stick(network, county, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    stick = tmp_path / "stick"
    (stick / "township-sync").mkdir(parents=True)
    (stick / "township-sync" / "to-prefecture-513400").symlink_to(outside, target_is_directory=True)
    before = table_counts(network.county.home)
    with pytest.raises(HubError, match="symbolic link"):
        export_forward(county, stick)
    assert list(outside.iterdir()) == []  # before the fix: registrations and the backlog
    assert table_counts(network.county.home) == before
