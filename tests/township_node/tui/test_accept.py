"""Accepting a case at the window: item search, checks as you type, the receipt, the steps."""

from __future__ import annotations

import pytest
from textual.widgets import Input, Label, OptionList, Static

from tests.factories import APPLICANTS
from township_node.dialogs import ConfirmDialog, ReceiptDialog
from township_node.home import open_home
from township_node.screens import CaseScreen

from .conftest import paste, settle, sign_in

pytestmark = pytest.mark.anyio

NAME, ID_NUMBER, PHONE = APPLICANTS[0]  # 吉克·阿依: the "·" must survive the form


def _text(widget: Static) -> str:
    return str(widget.render())


def _results(app) -> list[str]:
    options = app.screen.query_one("#item-results", OptionList)
    return [str(options.get_option_at_index(i).id) for i in range(options.option_count)]


async def test_case_is_accepted_advanced_and_completed_by_keys_alone(make_app, node_home):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot)
        await pilot.press("f3")
        await settle(pilot)
        await pilot.press(*"zdsh", "enter")  # 最低生活保障审核确认, five steps
        await paste(pilot, NAME)
        await pilot.press("enter", *ID_NUMBER, "enter", *PHONE, "enter", "ctrl+s")
        await settle(pilot)

        assert isinstance(app.screen, ReceiptDialog)
        receipt = _text(app.screen.query_one("#receipt-text", Static))
        case_no = next(line for line in receipt.splitlines() if "办件编号" in line).split("：")[1]
        assert "吉克·阿依" in receipt and "办结期限：2026-12-25" in receipt
        saved = (node_home / "receipts" / f"{case_no}.txt").read_text(encoding="utf-8-sig")
        assert saved.rstrip("\n") == receipt  # the dialog leaves off the last newline
        await pilot.press("enter")

        await pilot.press("f4")
        await settle(pilot)
        await pilot.press("enter", "enter")  # from the search field to the list, then open
        await settle(pilot)
        assert isinstance(app.screen, CaseScreen) and app.screen.case_no == case_no
        for key in ("1", "2", "3"):  # 承办, 审核, 批准: each asks first, Enter confirms
            await pilot.press(key)
            await settle(pilot)
            assert isinstance(app.screen, ConfirmDialog)
            await pilot.press("enter")
            await settle(pilot)
        await pilot.press("9", "ctrl+s")  # 办结: 准予许可 is offered first once approved
        await settle(pilot)
        await pilot.press("enter")  # it ends the case: the confirm dialog asks again
        await settle(pilot)
        await pilot.press("0", "ctrl+s")  # 送达
        await settle(pilot)

        timeline = app.screen.query_one("#timeline")
        assert timeline.row_count == 6

    with open_home(node_home) as home:
        rows = home.conn.execute("SELECT type, clerk_id FROM events ORDER BY seq").fetchall()
        status = home.conn.execute("SELECT status FROM cases").fetchone()[0]
    assert rows == [
        (step, "zhang") for step in ("accept", "handle", "review", "approve", "complete", "deliver")
    ]
    assert status == "delivered"


async def test_item_search_finds_items_by_pinyin_initials_and_full_spelling(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot)
        await pilot.press("f3")
        await settle(pilot)
        await pilot.press(*"hukou")
        assert _results(app)[0] == "SAMPLE-GA-005"  # 户口迁移（投靠）
        await pilot.press(*["backspace"] * 5, *"zdsh")
        assert _results(app) == ["SAMPLE-MZ-001"]  # 最低生活保障审核确认
        await pilot.press(*["backspace"] * 4, *"养老")
        assert "SAMPLE-RS-001" in _results(app)


async def test_wrong_id_check_digit_is_shown_under_the_id_field_as_it_is_typed(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot)
        await pilot.press("f3")
        await settle(pilot)
        await pilot.press(*"zdsh", "enter", *"王秀英", "enter")
        wrong = ID_NUMBER[:-1] + ("1" if ID_NUMBER[-1] != "1" else "2")
        await paste(pilot, wrong[:15])
        assert "还差 3 位" in _text(app.screen.query_one("#error-id_number", Label))
        await pilot.press(*wrong[15:])
        error = app.screen.query_one("#error-id_number", Label)
        assert error.display and "校验" in _text(error)
        assert app.screen.query_one("#id_number", Input).has_class("-invalid")
        assert not app.screen.query_one("#error-name", Label).display
        await pilot.press("ctrl+s")  # refused: the cursor goes back to the field at fault
        assert app.focused is app.screen.query_one("#id_number", Input)
        assert not isinstance(app.screen, ReceiptDialog)


async def test_item_delegated_elsewhere_says_where_the_citizen_should_go(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot)
        await pilot.press("f3")
        await settle(pilot)
        await pilot.press(*"pthz", "enter")  # 普通护照签发: a county item
        error = app.screen.query_one("#error-item_code", Label)
        assert error.display and "请到" in _text(error)
        await pilot.press("ctrl+s")
        assert not isinstance(app.screen, ReceiptDialog)


async def test_key_material_left_missing_is_refused_under_the_materials(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot)
        await pilot.press("f3")
        await settle(pilot)
        await pilot.press(*"zdsh", "enter", *"王秀英", "enter")
        await paste(pilot, ID_NUMBER)
        await pilot.press("enter", "enter")
        await pilot.press("space", "ctrl+s")  # untick 居民身份证, a key material
        error = app.screen.query_one("#error-missing_materials", Label)
        assert error.display and "居民身份证" in _text(error)


async def test_missing_material_with_a_promise_is_printed_on_the_receipt(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot)
        await pilot.press("f3")
        await settle(pilot)
        await pilot.press(*"zdsh", "enter", *"王秀英", "enter")
        await paste(pilot, ID_NUMBER)
        await pilot.press("enter", "enter")
        await pilot.press("down", "space", "ctrl+s")  # 户口簿 is not a key material
        await settle(pilot)
        receipt = _text(app.screen.query_one("#receipt-text", Static))
    assert "容缺材料：户口簿" in receipt
    assert "承诺于 2026-12-04 前补交" in receipt
