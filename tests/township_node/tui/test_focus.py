"""Where the focus goes (issue 22, point 5): the item field hands on to 姓名 by Enter or Tab,
Ctrl+N lists every item again, and the lock screen lets ↑ ↓ choose another clerk, names the
account a wrong PIN was tried on, and does not show who is away."""

from __future__ import annotations

import pytest
from textual.widgets import Label, OptionList, Static

from township_node.clerks import ClerkBook
from township_node.home import open_home
from township_node.screens.sign_in import SignInScreen
from township_node.screens.today import TodayScreen

from .conftest import ADMIN_PIN, CLERK_PIN, settle, sign_in

pytestmark = pytest.mark.anyio


def _results(app) -> list[str]:
    options = app.screen.query_one("#item-results", OptionList)
    return [str(options.get_option_at_index(i).id) for i in range(options.option_count)]


async def test_tab_in_the_item_field_picks_the_match_and_moves_on_to_the_name(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot)
        await pilot.press("f3")
        await settle(pilot)
        await pilot.press(*"zdsh", "tab")
        await settle(pilot)
        assert "最低生活保障审核确认" in str(app.screen.query_one("#item-info", Static).render())
        assert app.focused is app.screen.query_one("#name")
        await pilot.press(*"王秀英", "tab")
        assert app.focused is app.screen.query_one("#id_number")
        assert app.screen.query_one("#name").value == "王秀英"


async def test_enter_in_the_item_field_moves_on_to_the_name_and_tab_to_the_id(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot)
        await pilot.press("f3")
        await settle(pilot)
        await pilot.press(*"zdsh", "enter")
        await settle(pilot)
        assert app.focused is app.screen.query_one("#name")
        await pilot.press("shift+tab")  # back to the item field, then on again by Tab
        assert app.focused is app.screen.query_one("#item-search")
        await pilot.press("tab")
        assert app.focused is app.screen.query_one("#name")


async def test_ctrl_n_lists_every_item_again(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot)
        await pilot.press("f3")
        await settle(pilot)
        everything = _results(app)
        await pilot.press(*"zdsh")
        assert _results(app) == ["SAMPLE-MZ-001"]
        await pilot.press("ctrl+n")
        await settle(pilot)
        assert _results(app) == everything and len(everything) > 1


async def test_lock_screen_chooses_another_clerk_with_the_arrows_and_names_the_account_tried(
    make_app, node_home
):
    with open_home(node_home) as home:
        book = ClerkBook(home)
        book.add("li01", "李明", "8642", authorized_by=book.sign_in("admin", ADMIN_PIN))
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot)
        await settle(pilot)
        await pilot.press("f12")
        await settle(pilot)
        assert isinstance(app.screen, SignInScreen)
        assert "张丽" not in str(app.screen.query_one("#whoami", Label).render())
        assert not app.screen.query_one("#whoami").display
        assert app.focused is app.screen.query_one("#pin")
        await pilot.press("up")  # zhang → li01 (listed admin, li01, zhang), cursor in the PIN
        await pilot.press(*"0000", "enter")
        error = str(app.screen.query_one("#error-pin", Label).render())
        assert "li01" in error and "李明" in error and "密码不正确" in error
        await pilot.press("down", *CLERK_PIN, "enter")  # back to zhang
        await settle(pilot)
        assert isinstance(app.screen, TodayScreen)
        assert app.session.clerk is not None and app.session.clerk.clerk_id == "zhang"
