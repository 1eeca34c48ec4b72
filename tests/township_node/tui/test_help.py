"""F1 lists every key of the screen in front, in Chinese; Ctrl+P is a command palette of the
window's own commands, found by pinyin initials, and only what the clerk may do now
(issue 22, point 8)."""

from __future__ import annotations

import pytest
from textual.command import CommandList, CommandPalette
from textual.widgets import Static

from township_node.dialogs import HelpDialog
from township_node.screens import AcceptScreen, SignInScreen

from .conftest import settle, sign_in

pytestmark = pytest.mark.anyio


def _help_lines(app) -> list[str]:
    assert isinstance(app.screen, HelpDialog)
    return str(app.screen.query_one("#help-keys", Static).render()).splitlines()


async def _palette_shows(pilot, typed: str) -> list[str]:
    await pilot.press("ctrl+p")
    await settle(pilot)
    assert isinstance(pilot.app.screen, CommandPalette)
    await pilot.press(*typed)
    for _ in range(100):  # the palette searches in a worker and shows hits when done
        await settle(pilot)
        hits = pilot.app.screen.query_one(CommandList)
        if hits.option_count or not typed:
            break
    return [str(hits.get_option_at_index(i).prompt) for i in range(hits.option_count)]


async def test_f1_lists_the_keys_of_the_screen_in_front_in_chinese(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot)
        await pilot.press("f3")
        await settle(pilot)
        await pilot.press("f1")
        await settle(pilot)
        lines = _help_lines(app)
        said = {line.split(maxsplit=1)[0]: line.split(maxsplit=1)[1] for line in lines}
        assert said["Ctrl+S"] == "保存" and said["Ctrl+N"] == "清空"
        assert said["F4"] == "办件" and said["F12"] == "锁屏"
        assert "帮助 · 受理" in app.screen.query_one("#help-dialog").border_title
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, AcceptScreen)


async def test_f1_helps_before_anyone_signed_in(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f1")
        await settle(pilot)
        assert any(line.startswith("F9") for line in _help_lines(app))


async def test_ctrl_p_finds_a_command_by_its_pinyin_initials_and_runs_it(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot)
        shown = await _palette_shows(pilot, "sl")
        assert shown[0].startswith("受理新办件")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, AcceptScreen)


async def test_the_palette_offers_only_the_windows_own_commands_in_chinese(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        before = await _palette_shows(pilot, "")
        assert before and not any("受理" in hit for hit in before)  # nobody signed in
        assert not any(word in " ".join(before) for word in ("theme", "Quit", "Keys"))
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, SignInScreen)
        await sign_in(pilot)
        after = await _palette_shows(pilot, "")
        assert any(hit.startswith("受理新办件  (F3)") for hit in after)
