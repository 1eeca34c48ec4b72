"""What the window says (issue 22, point 6): an item search that finds nothing, a reason over
its limit, the receipt dialog at 80×24 with what printing did, and whole keys on the sync
screen's footer."""

from __future__ import annotations

import pytest
from textual.widgets import Button, Label, Static

from tests.factories import APPLICANTS
from township_node.dialogs.form_dialog import TEXT_LIMIT, FormDialog
from township_node.dialogs.receipt_dialog import ReceiptDialog
from township_node.screens.case_detail import CaseScreen
from township_node.widgets.key_footer import KeyFooter

from .conftest import add_cases, on_screen, paste, settle, sign_in

pytestmark = pytest.mark.anyio

NAME, ID_NUMBER, _PHONE = APPLICANTS[0]


async def test_item_search_that_finds_nothing_says_so_and_how_to_search(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot)
        await pilot.press("f3")
        await settle(pilot)
        await pilot.press(*"qqqq")
        await settle(pilot)
        info = str(app.screen.query_one("#item-info", Static).render())
        assert "没有找到“qqqq”" in info and "拼音首字母" in info
        await pilot.press(*["backspace"] * 4, *"zdsh")
        assert "没有找到" not in str(app.screen.query_one("#item-info", Static).render())


async def test_reason_over_the_limit_is_refused_with_the_limit_named(make_app, node_home):
    add_cases(node_home, 1)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot)
        await pilot.press("f4")
        await settle(pilot)
        await pilot.press("enter", "enter")
        await settle(pilot)
        page = app.screen
        assert isinstance(page, CaseScreen)
        await pilot.press("b")  # 不予受理: a reason is due
        await settle(pilot)
        await paste(pilot, "不" * 2000)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, FormDialog)  # refused before the confirm dialog
        error = str(app.screen.query_one("#error-reason", Label).render())
        assert f"原因最多 {TEXT_LIMIT} 个字，现在 2000 个字" in error
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is page and page._legal  # still open: nothing recorded


async def test_receipt_dialog_fits_80x24_and_says_on_itself_that_there_is_no_printer(
    make_app, tmp_path, monkeypatch
):
    monkeypatch.setenv("PATH", str(tmp_path))  # a PC without lp, whatever this one has
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot)
        await pilot.press("f3")
        await settle(pilot)
        await pilot.press(*"zdsh", "enter")
        await paste(pilot, NAME)
        await pilot.press("enter", *ID_NUMBER, "enter", "enter", "down", "space", "ctrl+s")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, ReceiptDialog)
        assert dialog.query_one("#receipt-scroll").max_scroll_y == 0  # no scrolling needed
        await pilot.press("p")
        await settle(pilot)
        status = str(dialog.query_one("#receipt-status", Static).render())
        assert "本机没有安装打印程序" in status and "lp" not in status
        assert not app._notifications  # no toast over the dialog
        for button in dialog.query(Button):
            assert on_screen(app, button), button.id


async def test_sync_screen_footer_shows_whole_keys_only(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot)
        await pilot.press("f6")
        await settle(pilot)
        keys = list(app.screen.query_one(KeyFooter).query("FooterKey"))
        assert {"s", "e", "i", "r", "f12"} <= {key.key for key in keys}
        for key in keys:
            assert on_screen(app, key), key.key
            assert key.region.right <= 80
