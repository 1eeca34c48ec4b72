"""Cases that cross centers in the clerk's window (issue 6): escalating from the case page,
the today screen's alerts and lists, delivery and withdrawal at the township window, and
conflicts, over real node homes; what the hub would send down is handed over as feed pages."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from textual.widgets import Button, DataTable, Input, Label, Static

import casework
from sync_protocol import FeedEntry, FeedPage, decode_event, format_timestamp
from township_node.alerts import unseen_alerts
from township_node.app import TownshipApp
from township_node.casebook import CaseBook
from township_node.clerks import ClerkBook
from township_node.dialogs import FormDialog
from township_node.home import init_home, open_home
from township_node.screens import CaseScreen
from township_node.sync import FeedReport, feed_position, take_feed_page

from .conftest import ADMIN_PIN, CLERK_PIN, FIXED_NOW, add_cases, fixed_clock, settle, sign_in

pytestmark = pytest.mark.anyio

COUNTY = "513431"  # 昭觉县; the township fixture's 513431100 (新城镇) is in it
ITEM = "SAMPLE-CL-004"  # 残疾人辅助器具适配申请: two steps, township and county both handle it
HUB = "hub-513431"


@pytest.fixture
def county_home(tmp_path: Path) -> Path:
    """The county's own service center, running the same node software, with clerk zhang."""
    path = tmp_path / "county"
    with init_home(path, center_code=COUNTY, name="昭觉县政务服务中心") as home:
        book = ClerkBook(home, clock=fixed_clock)
        book.add("zhang", "张丽", CLERK_PIN, authorized_by=book.create_admin(ADMIN_PIN))
    return path


def _app(path: Path) -> TownshipApp:
    return TownshipApp(path, sync_interval=0, lock_after=0, clock=fixed_clock)


def _act(path: Path, case_no: str, action: str, *, minutes: int = 0, **payload: str) -> None:
    """Records an action as a clerk at that node would, `minutes` after the fixed now."""
    with open_home(path) as home:
        book = CaseBook(
            home,
            catalog=casework.load_sample_catalog(),
            center_level="township" if len(home.center_code) == 9 else "county",
            clock=lambda: FIXED_NOW + timedelta(minutes=minutes),
        )
        book.act(case_no, action, clerk_id="zhang", payload=payload)


def _feed(source: Path, target: Path, case_no: str) -> FeedReport:
    """Hands `target` what `source` recorded on a case, as the hub's feed page would."""
    with open_home(source) as src, open_home(target) as dst:
        (case_id,) = src.conn.execute(
            "SELECT case_id FROM cases WHERE case_no = ?", (case_no,)
        ).fetchone()
        events = [
            decode_event(body)
            for (body,) in src.conn.execute(
                "SELECT body FROM events WHERE case_id = ? ORDER BY seq", (case_id,)
            )
        ]
        start = feed_position(dst)
        entries = tuple(
            FeedEntry(start + n, src.center_code, event) for n, event in enumerate(events, 1)
        )
        page = FeedPage(
            hub_id=HUB,
            node_id=dst.node_id,
            center_code=dst.center_code,
            after=start,
            next=start + len(entries),
            more=False,
            resend_from=0,
            entries=entries,
            issued_at=format_timestamp(FIXED_NOW),
        )
        return take_feed_page(dst, page, hub_id=HUB)


def _escalated(township: Path, county: Path) -> str:
    """A case accepted at the township and escalated to the county, which has it now."""
    [case_no] = add_cases(township, 1, item_code=ITEM)
    _act(township, case_no, "escalate", to_center=COUNTY)
    _feed(township, county, case_no)
    return case_no


def _decided_at_county(township: Path, county: Path, case_no: str) -> None:
    """The county approves and completes the case an hour later; the result goes back."""
    _act(county, case_no, "review_and_approve", minutes=60)
    _act(county, case_no, "complete", minutes=61, result_code="granted")
    _feed(county, township, case_no)


def _text(app: TownshipApp, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


def _rows(app: TownshipApp, selector: str = "#crossing") -> list[list[str]]:
    table = app.screen.query_one(selector, DataTable)
    return [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]


def _state(path: Path, case_no: str) -> casework.CaseState:
    with open_home(path) as home:
        return CaseBook(home, catalog=casework.load_sample_catalog()).state(case_no)


async def _open_case(pilot, case_no: str) -> CaseScreen:
    pilot.app.push_screen(CaseScreen(case_no))
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, CaseScreen)
    return screen


async def test_escalating_from_the_case_page_by_keys_shows_the_case_at_the_county_on_today(
    node_home,
):
    [case_no] = add_cases(node_home, 1, item_code=ITEM)
    app = _app(node_home)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot)
        await pilot.press("f4")
        await settle(pilot)  # the case list is read in a worker
        await pilot.press("enter", "enter")
        await settle(pilot)
        page = app.screen
        assert isinstance(page, CaseScreen) and page.case_no == case_no
        await pilot.press("8")  # 上报
        await settle(pilot)
        assert isinstance(app.screen, FormDialog)
        assert app.screen.query_one("#field-to_center", Input).value == COUNTY  # the county
        await pilot.press("enter", *"需县级审核", "ctrl+s")
        await settle(pilot)

        assert app.screen is page
        head = _text(app, "#case-head")
        assert "现由 昭觉县（513431） 办理，自 10:00 起" in head
        buttons = [str(button.label) for button in app.screen.query(Button) if not button.disabled]
        assert buttons == ["C 撤回"]  # the window keeps only the citizen's withdrawal
        await pilot.press("escape", "f2")
        await settle(pilot)
        assert _rows(app) == [
            ["已转出", "20261127-010001", "吉克·阿依", "在 昭觉县 办理中（自 10:00 起）"]
        ]
        assert "已转出 1" in _text(app, "#crossing-title")

    state = _state(node_home, case_no)
    assert (state.status, state.holder_center) == ("escalated", COUNTY)


async def test_escalating_to_a_center_not_in_the_org_tree_shows_the_error_under_the_code(
    node_home,
):
    [case_no] = add_cases(node_home, 1, item_code=ITEM)
    app = _app(node_home)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot)
        await _open_case(pilot, case_no)
        await pilot.press("8")
        await settle(pilot)
        await pilot.press(*"5134319", "ctrl+s")  # typing replaces the default; no such center
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, FormDialog)
        error = str(dialog.query_one("#error-to_center", Label).render())
        assert "5134319 不在凉山州机构列表中" in error
    assert _state(node_home, case_no).status == "accepted"


async def test_result_back_alert_shows_on_today_and_m_marks_it_seen(node_home, county_home):
    case_no = _escalated(node_home, county_home)
    _decided_at_county(node_home, county_home, case_no)
    app = _app(node_home)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot)
        await settle(pilot)
        alerts = _text(app, "#alerts")
        assert "结果已返回" in alerts and f"办件 {case_no} 的办理结果已返回" in alerts
        assert "请通知申请人领取" in alerts
        assert _rows(app) == [["待送达", "20261127-010001", "吉克·阿依", "办结于 11:01"]]
        await pilot.press("m")
        await settle(pilot)
        assert not app.screen.query_one("#alerts").display
        assert app.screen.check_action("mark_seen", ()) is False  # nothing left to mark
    with open_home(node_home) as home:
        assert unseen_alerts(home) == []


async def test_delivery_is_offered_when_the_result_came_back_and_recorded_by_keys(
    node_home, county_home
):
    case_no = _escalated(node_home, county_home)
    _decided_at_county(node_home, county_home, case_no)
    app = _app(node_home)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot)
        await settle(pilot)
        app.screen.query_one("#crossing", DataTable).focus()
        await pilot.press("enter")
        await settle(pilot)
        page = app.screen
        assert isinstance(page, CaseScreen) and page._legal == ("deliver",)
        assert "结果已返回本中心，请通知申请人领取并登记送达" in _text(app, "#case-head")
        await pilot.press("0")  # 送达
        await settle(pilot)
        await pilot.press("ctrl+s")  # 窗口领取 is highlighted first
        await settle(pilot)
        assert app.screen is page and page._legal == ()

    state = _state(node_home, case_no)
    assert state.status == "delivered"
    with open_home(node_home) as home:
        body = home.conn.execute("SELECT body FROM events WHERE type = 'deliver'").fetchone()[0]
    assert decode_event(body).payload == {"method": "window"}


async def test_county_today_lists_a_case_handed_here_and_its_alert(node_home, county_home):
    case_no = _escalated(node_home, county_home)
    app = _app(county_home)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot)
        await settle(pilot)
        assert "转来待办" in _text(app, "#alerts")
        suffix = case_no.removeprefix("513431100-")  # 说明 names the township
        assert _rows(app) == [["转来待办", suffix, "吉克·阿依", "由 新城镇 转来，自 10:00 起"]]
        page = await _open_case(pilot, case_no)
        head = _text(app, "#case-head")
        assert "受理中心：新城镇（513431100）" in head and "现由 本中心 办理" in head
        assert page._legal == casework.actions_for(_state(county_home, case_no), COUNTY)
        assert {"review_and_approve", "request_supplement", "return"} <= set(page._legal)


async def test_withdrawal_at_the_window_offers_only_withdrawn_and_needs_a_reason(node_home):
    [case_no] = add_cases(node_home, 1, item_code=ITEM)
    _act(node_home, case_no, "escalate", to_center=COUNTY)
    app = _app(node_home)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot)
        page = await _open_case(pilot, case_no)
        assert page._legal == ("complete",)
        await pilot.press("c")  # 撤回
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, FormDialog)
        assert dialog.query_one("#field-result_code").option_count == 1
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "请填写撤回原因" in str(dialog.query_one("#error-reason", Label).render())
        await pilot.press(*"申请人不再申请", "ctrl+s")
        await settle(pilot)
        await pilot.press("enter")  # a withdrawal ends the case: confirmed once more
        await settle(pilot)
        assert app.screen is page

    state = _state(node_home, case_no)
    assert (state.status, state.result_code, state.holder_center) == (
        "completed",
        "withdrawn",
        "513431100",
    )


async def test_case_page_marks_a_withdrawal_overtaken_by_the_county_as_a_conflict(
    node_home, county_home
):
    case_no = _escalated(node_home, county_home)
    _act(node_home, case_no, "complete", minutes=30, result_code="withdrawn", reason="不办了")
    _decided_at_county(node_home, county_home, case_no)  # the county had not heard of it
    app = _app(node_home)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot)
        await settle(pilot)
        assert "操作冲突" in _text(app, "#alerts")
        await _open_case(pilot, case_no)
        conflicts = _text(app, "#case-conflicts")
        assert "冲突 办结 10:30 本中心：与其他中心的操作同时发生，未采用" in conflicts
        notes = [row[3] for row in _rows(app, "#timeline")]
        assert notes[-1].startswith("【冲突】")

    state = _state(node_home, case_no)
    assert (state.status, state.result_code) == ("completed", "granted")


async def test_sync_screen_counts_the_unseen_news_from_other_centers(node_home, county_home):
    case_no = _escalated(node_home, county_home)
    _decided_at_county(node_home, county_home, case_no)
    app = _app(node_home)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot)
        await pilot.press("f6")
        await settle(pilot)
        assert "其他中心的办件动态：未阅提醒 1 条（在今日页查看）" in _text(app, "#sync-facts")
