"""The accept form on a small terminal (issue 22, point 1): at 80×24 every field and every
error can be reached, and at 60×20 the bars keep the clerk's name and the keys."""

from __future__ import annotations

import pytest
from textual.widgets import Label

from tests.factories import APPLICANTS
from township_node.widgets.key_footer import KeyFooter

from .conftest import on_screen, paste, settle, sign_in

pytestmark = pytest.mark.anyio

NAME, ID_NUMBER, _PHONE = APPLICANTS[0]
WRONG_ID = ID_NUMBER[:-1] + ("1" if ID_NUMBER[-1] != "1" else "2")


def _text(app, selector: str) -> str:
    return str(app.screen.query_one(selector, Label).render())


async def test_save_without_an_item_shows_choose_an_item_at_80x24(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot)
        await pilot.press("f3")
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        error = app.screen.query_one("#error-item_code", Label)
        assert _text(app, "#error-item_code") == "请先选择事项"
        assert on_screen(app, error)


async def test_every_field_and_its_error_can_be_reached_at_80x24(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot)
        await pilot.press("f3")
        await settle(pilot)
        await pilot.press(*"zdsh", "enter")
        await paste(pilot, NAME)
        await pilot.press("enter", *WRONG_ID, "enter", *"123", "ctrl+s")
        await settle(pilot)
        screen = app.screen
        assert app.focused is screen.query_one("#id_number")  # the first field at fault
        assert on_screen(app, screen.query_one("#error-id_number"))
        await pilot.press("tab")  # on to 联系电话: the field and its error come into view
        await settle(pilot)
        assert app.focused is screen.query_one("#phone")
        assert on_screen(app, screen.query_one("#phone"))
        assert on_screen(app, screen.query_one("#error-phone"))
        assert "电话号码格式错误" in _text(app, "#error-phone")
        for field in ("name", "id_number", "phone", "materials"):
            screen.query_one(f"#{field}").focus()
            await settle(pilot)
            assert on_screen(app, screen.query_one(f"#{field}")), field


async def test_bars_keep_the_clerks_name_and_the_lock_key_at_60x20(make_app):
    app = make_app()
    async with app.run_test(size=(60, 20)) as pilot:
        await sign_in(pilot)
        await pilot.press("f3")
        await settle(pilot)
        app.syncing = True  # the longest link text: 同步中… is added
        await settle(pilot)
        assert on_screen(app, app.screen.query_one("#whoami"))
        assert "张丽" in _text(app, "#whoami")
        keys = {key.key: key for key in app.screen.query_one(KeyFooter).query("FooterKey")}
        assert {"ctrl+s", "ctrl+n", "f12"} <= set(keys)
        for key in keys.values():
            assert on_screen(app, key), key.key  # whole keys only, none cut at the edge
