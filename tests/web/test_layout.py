"""The dashboard's layout as a person sees it in a real headless Chromium, on a phone (390×844)
and an office screen (1366×768), on the screen and printed.

A prefecture hub holding two counties' synced cases is served as a real `central-hub serve`
process; the browser is Debian's Chromium driven by Playwright (see test_browser.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from central_hub.home import init_home as init_hub
from central_hub.web.users import add_user
from tests.conftest import HubProcess, start_hub
from tests.web.conftest import (
    ACCOUNTS,
    PASSWORD,
    XICHANG_TOWNSHIP,
    ZHAOJUE,
    ZHAOJUE_TOWNSHIP,
    sync_township,
)
from tests.web.test_browser import chromium_path

pytestmark = pytest.mark.e2e

PHONE, OFFICE = {"width": 390, "height": 844}, {"width": 1366, "height": 768}
UNIT_PAGES = ("/dash/", f"/dash/county/{ZHAOJUE}", f"/dash/township/{ZHAOJUE_TOWNSHIP}")
COMPLIANCE_HEIGHT_BOUND = 6000
"""px at 1366×768. The prefecture's compliance page holds ten tables; collapsed, each shows
its heading, ten rows and its pager (about 500 px), so the page stays under 6000 px however
many centers the prefecture has (it was 26,476 px with every center listed)."""


@pytest.fixture(scope="module")
def prefecture(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HubProcess]:
    """The prefecture hub of the `network` fixture, served as a real process."""
    root = tmp_path_factory.mktemp("served")
    home = init_hub(root / "hub", tier="prefecture", org_code="513400", name="凉山州政务服务中心")
    for township, count in ((ZHAOJUE_TOWNSHIP, 3), (XICHANG_TOWNSHIP, 2)):
        sync_township(home, root, township, count)
    for username, (role, county) in ACCOUNTS.items():
        add_user(home.engine, username, role=role, county_code=county, password=PASSWORD)
    home.close()
    hub = start_hub(root / "hub")
    yield hub
    hub.stop()


@pytest.fixture(scope="module")
def chromium() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path())
        yield browser
        browser.close()


def open_signed_in(chromium, hub: HubProcess, viewport: dict[str, int], username: str = "pref"):
    context = chromium.new_context(locale="zh-CN", viewport=viewport)
    page = context.new_page()
    page.goto(f"{hub.url}/dash/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    return context, page


@pytest.fixture
def on_phone(chromium, prefecture) -> Iterator[object]:
    context, page = open_signed_in(chromium, prefecture, PHONE)
    yield page
    context.close()


@pytest.fixture
def on_office_screen(chromium, prefecture) -> Iterator[object]:
    context, page = open_signed_in(chromium, prefecture, OFFICE)
    yield page
    context.close()


_LAST_COLUMNS = """() => [...document.querySelectorAll('section.table')].flatMap(section => {
  const box = section.querySelector('.scroll'), last = section.querySelector('thead th:last-child');
  if (!box || !last) return [];
  box.scrollLeft = box.scrollWidth;  // as far right as a person can scroll the table
  const edge = last.getBoundingClientRect().right, right = box.getBoundingClientRect().right;
  return [{table: section.id, hidden: Math.round(edge - Math.min(right, innerWidth)),
           scrolls: box.scrollWidth > box.clientWidth}];
})"""


def _width(page) -> tuple[int, int]:
    return page.evaluate("[document.documentElement.scrollWidth, innerWidth]")


@pytest.mark.parametrize("path", UNIT_PAGES)
def test_unit_pages_fit_a_phone_with_every_last_column_reachable(prefecture, on_phone, path):
    on_phone.goto(prefecture.url + path)
    width, viewport = _width(on_phone)
    assert width <= viewport, f"{path} is {width} px wide on a {viewport} px phone"
    for chart in on_phone.locator("svg.chart").all():
        box = chart.bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= viewport, (path, box)
    for column in on_phone.evaluate(_LAST_COLUMNS):
        assert column["hidden"] <= 1, f"{path}: the last column of {column['table']} is cut off"


@pytest.mark.parametrize("path", [*UNIT_PAGES, "/dash/compliance", "/dash/nodes"])
def test_tables_on_an_office_screen_show_their_last_column_without_scrolling(
    prefecture, on_office_screen, path
):
    on_office_screen.goto(prefecture.url + path)
    width, viewport = _width(on_office_screen)
    assert width <= viewport
    for column in on_office_screen.evaluate(_LAST_COLUMNS):
        assert not column["scrolls"], f"{path}: {column['table']} is wider than the screen"
        assert column["hidden"] <= 1, f"{path}: the last column of {column['table']} is cut off"


def test_prefecture_compliance_page_is_short_and_its_pages_reach_the_last_center(
    prefecture, on_office_screen
):
    page = on_office_screen
    page.goto(f"{prefecture.url}/dash/compliance")
    height = page.evaluate("document.documentElement.scrollHeight")
    assert height < COMPLIANCE_HEIGHT_BOUND, f"the compliance page is {height} px tall"
    centers = page.locator("#t-compliance_centers")
    assert "只显示前 10 行" in centers.locator("details.rows summary").inner_text()
    shown = [row for row in centers.locator("tbody tr").all() if row.is_visible()]
    assert len(shown) == 10

    every = page.request.get(f"{prefecture.url}/dash/export/compliance_centers.json").json()
    codes = [row["center_code"] for row in every["rows"]]
    assert len(codes) > 300  # every center of the prefecture, the reason for paging
    assert f"共 {len(codes)} 行" in centers.locator("nav.pager").inner_text()
    centers.get_by_role("link", name="末页").click()
    centers = page.locator("#t-compliance_centers")
    last = centers.locator("tbody tr").last
    assert last.is_visible()  # the table a person paged is shown open
    assert last.locator("td").nth(1).inner_text() == codes[-1]
    assert f"第 {len(codes)}–" not in centers.locator("nav.pager").inner_text()
    assert (
        centers.locator("nav.pager")
        .inner_text()
        .startswith(f"第 {(len(codes) - 1) // 50 * 50 + 1}–{len(codes)} 行")
    )


@pytest.mark.parametrize("path", [f"/dash/county/{ZHAOJUE}?period=2026", "/dash/compliance"])
def test_a_printed_page_is_a_dated_report_of_its_unit_and_period(
    prefecture, on_office_screen, path
):
    page = on_office_screen
    page.goto(prefecture.url + path)
    assert not page.locator("p.print-head").is_visible()  # on the screen the header says it
    page.emulate_media(media="print")
    head = page.locator("p.print-head")
    assert head.is_visible()
    hub_name = page.evaluate("document.querySelector('a.brand').textContent").split(" · ")[0]
    title = page.locator("h1").inner_text()
    text = head.inner_text()
    assert text.startswith(f"{hub_name} · {title} · 统计期间：")
    assert re.search(r"打印于 \d{4}年\d{1,2}月\d{1,2}日 \d\d:\d\d$", text), text
    if "period=2026" in path:
        assert "统计期间：2026年 ·" in text
    rest = page.locator("tr.rest").all()
    assert all(row.is_visible() for row in rest), "a collapsed table prints only its first rows"
    assert rest or path != "/dash/compliance"  # its long tables are collapsed on the screen
    for hidden in ("header.top", "section.period", ".exports", "footer"):
        for element in page.locator(hidden).all():
            assert not element.is_visible(), f"{hidden} is printed on {path}"
