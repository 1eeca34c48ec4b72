"""A prefecture and a county hub running as real processes, with enrolled township nodes.

Built once per session (enrolling and starting hubs take seconds). Attack tests must apply
nothing, so they can share it; each measures the hub's tables before and after.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from central_hub.enrollment import issue_code
from central_hub.forwarding import link_upstream
from central_hub.home import init_home as init_hub
from sync_protocol import HubClient, HubInfo
from tests.conftest import HubProcess, run_cli, start_hub
from tests.factories import APPLICANTS, items_by_category
from tests.pairs import Clock
from township_node.casebook import CaseBook
from township_node.catalog import center_level, current_catalog
from township_node.enrollment import enroll, pinned_hub
from township_node.home import NodeHome, open_home
from township_node.home import init_home as init_node

COUNTY = "513431"  # 昭觉县
TOWNSHIP = "513431100"  # 新城镇
OTHER_TOWNSHIP = "513431101"

COUNTED = ("events", "cases", "batches", "held_batches", "rejected_batches", "quarantine")


def table_counts(home: Path) -> dict[str, int]:
    """Row counts of the tables an attack could change, read from the hub's SQLite file."""
    with sqlite3.connect(f"file:{home / 'hub.db'}?mode=ro", uri=True) as conn:
        return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in COUNTED}


def rejections(home: Path) -> list[tuple[str, int, str]]:
    """(node_id, batch_seq, reason_code) of every batch the hub kept as refused, in order."""
    with sqlite3.connect(f"file:{home / 'hub.db'}?mode=ro", uri=True) as conn:
        return conn.execute(
            "SELECT node_id, batch_seq, reason_code FROM rejected_batches ORDER BY id"
        ).fetchall()


@dataclass
class Network:
    prefecture: HubProcess
    county: HubProcess
    nodes: dict[str, Path]
    """role -> node home: "clerk" (synced, then attacked), "rogue", "revoked"."""

    def node(self, role: str) -> NodeHome:
        return open_home(self.nodes[role])

    def county_info(self, home: NodeHome) -> HubInfo:
        return pinned_hub(home)[1]

    def log(self, hub: HubProcess) -> str:
        return (hub.home / "serve.log").read_text(encoding="utf-8")


def accept_cases(home: NodeHome, count: int) -> list[str]:
    """Accepts `count` cases at the node, one per applicant in turn, as a clerk would."""
    book = CaseBook(
        home, catalog=current_catalog(home), center_level=center_level(home), clock=Clock()
    )
    item = items_by_category()["public_service"]
    numbers = []
    for i in range(count):
        name, id_number, phone = APPLICANTS[i % len(APPLICANTS)]
        numbers.append(
            book.accept(
                item_code=item.code,
                applicant_name=name,
                id_number=id_number,
                phone=phone,
                clerk_id="clerk-1",
            ).case_no
        )
    return numbers


def build_network(root: Path) -> tuple[HubProcess, HubProcess, dict[str, Path]]:
    prefecture_home = init_hub(
        root / "pref", tier="prefecture", org_code="513400", name="凉山州政务服务中心"
    )
    county_home = init_hub(
        root / "county", tier="county", org_code=COUNTY, name="昭觉县政务服务中心"
    )
    county_code = issue_code(prefecture_home, center_code=COUNTY)
    prefecture_home.close()
    prefecture = start_hub(root / "pref")
    with HubClient(prefecture.url) as client:
        link_upstream(county_home, client, county_code)
    roles = ("clerk", "rogue", "revoked")
    codes = {role: issue_code(county_home, center_code=TOWNSHIP) for role in roles}
    county_home.close()
    county = start_hub(root / "county")
    homes: dict[str, Path] = {}
    for role, code in codes.items():
        name = f"新城镇便民服务中心-{role}"
        with (
            init_node(root / role, center_code=TOWNSHIP, name=name) as home,
            HubClient(county.url) as client,
        ):
            enroll(home, client, code)
        homes[role] = root / role
    return prefecture, county, homes


@pytest.fixture(scope="session")
def network(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Network]:
    root = tmp_path_factory.mktemp("security")
    prefecture, county, homes = build_network(root)
    try:
        # The clerk's node has synced two batches, and the county forwarded them upward.
        with open_home(homes["clerk"]) as home:
            accept_cases(home, 2)
        run_cli("township-node", "sync", "--home", str(homes["clerk"]), "--batch-events", "1")
        run_cli("central-hub", "forward", "--home", str(county.home))
        yield Network(prefecture, county, homes)
    finally:
        county.stop()
        prefecture.stop()
