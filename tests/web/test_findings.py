"""What issue 7 is done for: in a real Chromium, a county admin finds a silent township, a gap,
an overdue case and a delegated-item violation; the prefecture reviewer finds them too.

Real parts only: a county and a prefecture hub run as `central-hub serve` processes, four
centers' nodes record cases through their own case books (one with a clock a month back, so its
case is overdue now) and sync over HTTP; one node's first batch is withheld (a gap), one node
never syncs (silent), and the county's own center records an item delegated to townships (the
hubs quarantine it as a violation).
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from central_hub.home import open_home
from central_hub.web import add_user
from sync_protocol import HubClient, format_timestamp, seal_batch
from tests.conftest import HubProcess, run_cli, run_json, start_hub
from tests.factories import APPLICANTS
from tests.pairs import Clock
from tests.web.test_browser import PASSWORD, chromium_path
from township_node.casebook import CaseBook
from township_node.catalog import current_catalog
from township_node.enrollment import pinned_hub
from township_node.home import open_home as open_node
from township_node.sync import Outbox

pytestmark = pytest.mark.e2e

COUNTY = "513431"  # 昭觉县
OVERDUE_AT, GAP_AT, SILENT_AT = "513431100", "513431101", "513431102"  # 新城镇 城北镇 竹核镇
DIBAO = "SAMPLE-MZ-001"  # 最低生活保障: delegated from counties to townships on 2021-03-01


def _init_hub(home: Path, tier: str, code: str, name: str) -> None:
    run_cli(
        "central-hub",
        "init",
        "--home",
        str(home),
        "--tier",
        tier,
        "--org-code",
        code,
        "--name",
        name,
    )


def _user(home: Path, username: str, role: str, county: str | None, tier: str, org: str) -> None:
    opened = open_home(home)
    add_user(
        opened.engine,
        username,
        role=role,
        county_code=county,
        display_name=username,
        password=PASSWORD,
        hub_tier=tier,
        hub_org_code=org,
    )
    opened.close()


def _node(tmp_path: Path, center: str, county: HubProcess) -> Path:
    home = tmp_path / f"node-{center}"
    run_cli("township-node", "init", "--home", str(home), "--center", center, "--name", center)
    code = run_json("central-hub", "enroll-code", "--home", str(county.home), "--center", center)
    run_cli(
        "township-node", "enroll", "--home", str(home), "--hub", county.url, "--code", code["code"]
    )
    return home


def _accept(home: Path, *, item: str, when: datetime, level: str = "township", n: int = 1) -> None:
    with open_node(home) as node:
        book = CaseBook(node, catalog=current_catalog(node), center_level=level, clock=Clock(when))
        for name, id_number, phone in APPLICANTS[:n]:
            book.accept(
                item_code=item, applicant_name=name, id_number=id_number, phone=phone, clerk_id="c"
            )


@pytest.fixture
def prefecture_network(tmp_path: Path, hubs: list[HubProcess]) -> tuple[HubProcess, HubProcess]:
    pref_home, county_home = tmp_path / "pref", tmp_path / "county"
    _init_hub(pref_home, "prefecture", "513400", "凉山州政务服务中心")
    _init_hub(county_home, "county", COUNTY, "昭觉县政务服务中心")
    _user(county_home, "zj-admin", "county_admin", COUNTY, "county", COUNTY)
    _user(pref_home, "reviewer", "prefecture", None, "prefecture", "513400")
    prefecture, county = start_hub(pref_home), start_hub(county_home)
    hubs += [prefecture, county]
    code = run_json("central-hub", "enroll-code", "--home", str(pref_home), "--center", COUNTY)
    run_cli(
        "central-hub",
        "link",
        "--home",
        str(county_home),
        "--upstream",
        prefecture.url,
        "--code",
        code["code"],
    )

    now = datetime.now(UTC)
    overdue = _node(tmp_path, OVERDUE_AT, county)
    _accept(overdue, item="SAMPLE-MZ-012", when=now - timedelta(days=40))  # 5 working days
    run_cli("township-node", "sync", "--home", str(overdue))

    gap = _node(tmp_path, GAP_AT, county)
    _accept(gap, item="SAMPLE-MZ-012", when=now - timedelta(hours=2), n=2)
    with open_node(gap) as node:
        outbox = Outbox(node)
        outbox.cut(max_events=1)
        second = outbox.unacknowledged()[1]
        _, hub = pinned_hub(node)
    with HubClient(county.url) as client:  # batch 2 arrives; batch 1 never does
        client.submit_batch(seal_batch(second, hub.seal_key()))

    silent = _node(tmp_path, SILENT_AT, county)  # enrolled a month ago, never heard from since
    with open_node(silent) as node, sqlite3.connect(county_home / "hub.db") as hub_db:
        month_ago = format_timestamp(now - timedelta(days=30))
        hub_db.execute(
            "UPDATE nodes SET enrolled_at = ? WHERE node_id = ?", (month_ago, node.node_id)
        )

    center = _node(tmp_path, COUNTY, county)  # the county's own windows, an old catalog rule
    _accept(center, item=DIBAO, when=now - timedelta(hours=1))
    _accept(center, item="SAMPLE-CL-001", when=now - timedelta(hours=1), level="county")
    run_cli("township-node", "sync", "--home", str(center))
    run_json("central-hub", "forward", "--home", str(county_home))
    return prefecture, county


def _sign_in(page, url: str, username: str) -> None:
    page.goto(f"{url}/dash/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()


@pytest.fixture
def page() -> object:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path())
        context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
        try:
            yield context.new_page()
        finally:
            context.close()
            browser.close()


def test_county_admin_and_reviewer_find_silence_gap_overdue_and_violation(prefecture_network, page):
    prefecture, county = prefecture_network

    _sign_in(page, county.url, "zj-admin")
    page.get_by_role("link", name="终端对账").first.click()
    nodes = page.locator("#t-reconcile_nodes")
    assert "缺口" in nodes.locator("tr", has_text=GAP_AT).inner_text()
    assert "1..1" in nodes.locator("tr", has_text=GAP_AT).inner_text()
    assert "失联" in nodes.locator("tr", has_text=SILENT_AT).inner_text()

    page.get_by_role("link", name="合规监督").first.click()
    overdue = page.locator("#t-compliance_overdue").inner_text()
    assert OVERDUE_AT in overdue and "红" in overdue
    violations = page.locator("#t-compliance_violations").inner_text()
    assert "下放事项仍在上级受理" in violations and COUNTY in violations
    silent = page.locator("#t-compliance_centers tr", has_text=SILENT_AT).inner_text()
    assert "超期未报送" in silent

    _sign_in(page, prefecture.url, "reviewer")
    page.get_by_role("link", name="合规监督").first.click()
    assert "下放事项仍在上级受理" in page.locator("#t-compliance_violations").inner_text()
    assert OVERDUE_AT in page.locator("#t-compliance_overdue").inner_text()
