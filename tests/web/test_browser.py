"""The dashboard driven end to end in a real headless Chromium against a real hub process.

A county hub is started with `central-hub serve`; a township node enrolls and syncs real cases
with the CLIs; a county admin signs in, opens the county page, drills down to a township and a
case, and exports a CSV. Every step is asserted on what a person sees on the page.

The browser is Debian's `chromium` package (`.ci/run` installs it), driven by Playwright with
its executable path set: no browser is ever downloaded. Set CHROMIUM_PATH to use another.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from central_hub.home import open_home
from central_hub.web import add_user
from tests.conftest import HubProcess, run_cli, run_json, start_hub
from tests.factories import APPLICANTS, items_by_category

pytestmark = pytest.mark.e2e

COUNTY, TOWNSHIP = "513431", "513431100"  # 昭觉县 新城镇
PASSWORD = "correct horse battery"


def chromium_path() -> str:
    """Debian's Chromium, or fail loudly: a skipped browser test would hide a broken dashboard."""
    found = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium")
    if not found:
        pytest.fail(
            "Chromium not found: install Debian's package (`apt-get install -y "
            "--no-install-recommends chromium fonts-noto-cjk`, as .ci/run does) or set "
            "CHROMIUM_PATH to a Chromium binary. The browser tests never download one."
        )
    return found


@pytest.fixture
def county_hub(tmp_path: Path, hubs: list[HubProcess]) -> tuple[HubProcess, list[str]]:
    """A county hub process with one county admin and three cases synced from a township."""
    hub_home, node_home = tmp_path / "county", tmp_path / "node"
    run_cli(
        "central-hub",
        "init",
        "--home",
        str(hub_home),
        "--tier",
        "county",
        "--org-code",
        COUNTY,
        "--name",
        "昭觉县政务服务中心",
    )
    with_users = open_home(hub_home)
    add_user(
        with_users.engine,
        "zj-admin",
        role="county_admin",
        county_code=COUNTY,
        display_name="吉克·阿依",
        password=PASSWORD,
        hub_tier="county",
        hub_org_code=COUNTY,
    )
    with_users.close()
    hub = start_hub(hub_home)
    hubs.append(hub)
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
    code = run_json("central-hub", "enroll-code", "--home", str(hub_home), "--center", TOWNSHIP)
    run_cli(
        "township-node",
        "enroll",
        "--home",
        str(node_home),
        "--hub",
        hub.url,
        "--code",
        code["code"],
    )
    item = items_by_category()["public_service"].code
    numbers = []
    for name, id_number, phone in APPLICANTS[:3]:
        accepted = run_json(
            "township-node",
            "case",
            "accept",
            "--home",
            str(node_home),
            "--item",
            item,
            "--applicant-name",
            name,
            "--id-number",
            id_number,
            *(["--phone", phone] if phone else []),
        )
        numbers.append(accepted["case_no"])
    run_cli("township-node", "sync", "--home", str(node_home))
    return hub, numbers


@pytest.fixture
def page(tmp_path: Path) -> Iterator:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path())
        context = browser.new_context(
            locale="zh-CN", viewport={"width": 1280, "height": 900}, accept_downloads=True
        )
        try:
            yield context.new_page()
        finally:
            context.close()
            browser.close()


def test_county_admin_signs_in_drills_down_to_a_case_and_exports_csv(county_hub, page, tmp_path):
    hub, case_numbers = county_hub
    name, id_number, phone = APPLICANTS[0]

    opened = page.goto(f"{hub.url}/dash/")
    assert opened and opened.status == 200, "the hub serves no dashboard at /dash (app.py)"
    assert page.locator("h1").inner_text() == "登录"
    page.get_by_label("用户名").fill("zj-admin")
    page.get_by_label("密码").fill("not the password")
    page.get_by_role("button", name="登录").click()
    assert "用户名或密码不正确" in page.locator("[role=alert]").inner_text()

    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    # A county admin's overview is their county's page.
    assert page.locator("h1").inner_text() == "昭觉县"
    assert "吉克·阿依（县级管理员 · 昭觉县）" in page.locator("header").inner_text()
    row = page.locator("#t-centers tbody tr", has_text="新城镇")
    cells = row.locator("td").all_inner_texts()
    assert cells[:4] == ["新城镇", TOWNSHIP, "3", "0"]
    assert cells[-1] == "正常"
    assert page.locator("svg.chart").count() >= 2
    page.screenshot(path=str(tmp_path / "county.png"), full_page=True)

    page.get_by_role("link", name="新城镇").first.click()
    assert page.locator("h1").inner_text() == "新城镇"
    listing = page.locator("#t-cases").inner_text()
    for case_no in case_numbers:
        assert case_no in listing
    assert id_number[:4] + "*" * 10 + id_number[-4:] in listing
    assert id_number not in listing  # lists never show a whole ID number

    with page.expect_download() as download:
        page.locator("#t-cases").get_by_role("link", name="CSV").click()
    exported = Path(download.value.path()).read_text(encoding="utf-8-sig")
    assert exported.splitlines()[0].split(",")[:2] == ["办件编号", "事项编码"]
    assert sorted(line.split(",")[0] for line in exported.splitlines()[1:]) == sorted(case_numbers)

    first = page.locator("#t-cases tbody tr", has_text=name)
    case_no = first.locator("td").first.inner_text()
    first.get_by_role("link", name=case_no).click()
    assert page.locator("h1").inner_text() == f"办件 {case_no}"
    assert "已受理（待承办）" in page.locator("dl.facts").inner_text()
    applicant = page.locator("#t-case_applicant").inner_text()
    assert id_number in applicant and phone in applicant  # in full, for a county admin
    assert "受理" in page.locator("#t-case_events tbody").inner_text()
    page.get_by_role("link", name="新城镇").first.click()
    assert page.locator("h1").inner_text() == "新城镇"
