"""The case page's keys at 80×24 (issue 22, points 2 and 3): one fixed key per action, each
step asked before it is recorded, keys the state does not allow dimmed with the reason, and
办结 that never offers a voiding to a clerk expecting a normal completion."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Button, Input, OptionList, Static

import casework
from township_node.casebook import CaseBook
from township_node.dialogs.confirm_dialog import ConfirmDialog
from township_node.dialogs.form_dialog import FormDialog
from township_node.home import open_home
from township_node.screens.case_detail import CaseScreen
from township_node.widgets.key_footer import KeyFooter

from .conftest import add_cases, fixed_clock, settle, sign_in

pytestmark = pytest.mark.anyio


def _act(path: Path, case_no: str, action: str, **payload: object) -> None:
    with open_home(path) as home:
        book = CaseBook(home, catalog=casework.load_sample_catalog(), clock=fixed_clock)
        book.act(case_no, action, clerk_id="zhang", payload=payload)


def _events(path: Path) -> list[str]:
    with open_home(path) as home:
        return [row[0] for row in home.conn.execute("SELECT type FROM events ORDER BY seq")]


def _state(path: Path, case_no: str) -> casework.CaseState:
    with open_home(path) as home:
        return CaseBook(home, catalog=casework.load_sample_catalog()).state(case_no)


def _said(app) -> str:
    return str(app.screen.query_one("#confirm-said", Static).render())


def _notes(app) -> list[str]:
    return [str(note.message) for note in app._notifications]


async def _open(pilot) -> CaseScreen:
    await pilot.press("f4")
    await settle(pilot)
    await pilot.press("enter", "enter")
    await settle(pilot)
    assert isinstance(pilot.app.screen, CaseScreen)
    return pilot.app.screen


async def test_case_key_keeps_its_action_and_pressing_it_twice_records_one_step(
    make_app, node_home
):
    add_cases(node_home, 1)  # 最低生活保障审核确认: five steps
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot)
        page = await _open(pilot)
        await pilot.press("1")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)  # nothing recorded on one key press
        assert "承办" in _said(app) and "已承办（待审核）" in _said(app)
        assert _events(node_home) == ["accept"]
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is page and _events(node_home) == ["accept", "handle"]

        await pilot.press("1")  # 承办 again: it is done, so 1 does nothing but say why
        await settle(pilot)
        assert app.screen is page and _events(node_home) == ["accept", "handle"]
        assert any("不能承办" in note for note in _notes(app))

        await pilot.press("2")  # the next step has its own key
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog) and "审核" in _said(app)
        await pilot.press("escape")
        await settle(pilot)
        assert _events(node_home) == ["accept", "handle"]


async def test_footer_names_each_allowed_key_and_dims_the_ones_the_state_forbids(
    make_app, node_home
):
    add_cases(node_home, 1)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot)
        page = await _open(pilot)
        footer = {
            key.key: (key.description, key.has_class("-disabled"))
            for key in page.query_one(KeyFooter).query("FooterKey")
        }
        assert footer["1"] == ("承办", False) and footer["8"] == ("上报", False)
        assert "2" not in footer or footer["2"][1]  # 审核 comes after 承办: dimmed or left out
        buttons = {str(button.label): button.disabled for button in page.query(Button)}
        assert buttons["1 承办"] is False and buttons["2 审核"] is True
        assert buttons["9 办结"] is True and buttons["Z 作废"] is False
        assert page.query_one("#act-2", Button).tooltip  # the reason, on the dimmed key


async def test_complete_key_on_a_case_awaiting_review_says_why_and_offers_no_voiding(
    make_app, node_home
):
    [case_no] = add_cases(node_home, 1)
    _act(node_home, case_no, "handle")  # now with the reviewer
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot)
        page = await _open(pilot)
        await pilot.press("9")  # 办结: not yet approved
        await settle(pilot)
        assert app.screen is page
        assert any("尚未批准，不能办结" in note and "作废按 Z" in note for note in _notes(app))
        assert _state(node_home, case_no).status == "handled"


async def test_void_key_warns_and_asks_again_with_the_focus_on_cancel(make_app, node_home):
    [case_no] = add_cases(node_home, 1)
    _act(node_home, case_no, "handle")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot)
        page = await _open(pilot)
        await pilot.press("z")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, FormDialog)
        assert "警告" in str(form.query_one("#form-note", Static).render())
        results = form.query_one("#field-result_code", OptionList)
        assert [
            str(results.get_option_at_index(i).prompt) for i in range(results.option_count)
        ] == ["作废办结"]
        form.query_one("#field-reason", Input).focus()
        await pilot.press(*"重复录入", "ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog) and "不能恢复" in _said(app)
        assert app.focused is app.screen.query_one("#cancel", Button)
        await pilot.press("enter")  # Enter on 取消: nothing voided
        await settle(pilot)
        assert _state(node_home, case_no).status == "handled"
        await pilot.press("ctrl+s")
        await settle(pilot)
        await pilot.press("left", "enter")  # to the red button, then Enter: voided
        await settle(pilot)
        assert app.screen is page
    state = _state(node_home, case_no)
    assert (state.status, state.result_code) == ("completed", "voided")
