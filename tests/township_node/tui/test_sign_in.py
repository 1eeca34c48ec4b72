"""Signing in at the window: first run, PINs, the idle lock, clerk accounts, the language."""

from __future__ import annotations

import pytest
from textual.widgets import Input, Label

from township_node.app import TownshipApp
from township_node.clerks import ClerkBook
from township_node.home import init_home, open_home
from township_node.screens.accept import AcceptScreen
from township_node.screens.admin_setup import AdminSetupScreen
from township_node.screens.sign_in import SignInScreen
from township_node.screens.today import TodayScreen

from .conftest import ADMIN_PIN, CLERK_PIN, IdleClock, fixed_clock, settle, sign_in

pytestmark = pytest.mark.anyio


async def test_first_run_asks_for_the_admin_pin_twice_then_signs_the_admin_in(tmp_path):
    path = tmp_path / "node"
    init_home(path, center_code="513431100", name="新城镇便民服务中心").close()
    app = TownshipApp(path, sync_interval=0, lock_after=0, clock=fixed_clock)
    async with app.run_test(size=(80, 24)) as pilot:
        assert isinstance(app.screen, AdminSetupScreen)
        await pilot.press(*"135790", "enter", *"135799", "enter")
        assert "不一致" in str(app.screen.query_one("#error-pin", Label).render())
        await pilot.press(*["backspace"] * 6, *"135790", "enter")
        await settle(pilot)
        assert isinstance(app.screen, TodayScreen)
    with open_home(path) as home:
        admin = ClerkBook(home).sign_in("admin", "135790")
    assert admin.is_admin


async def test_wrong_pin_is_refused_under_the_pin_field(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, pin="9999")
        assert isinstance(app.screen, SignInScreen)
        assert "密码不正确" in str(app.screen.query_one("#error-pin", Label).render())
        assert app.screen.query_one("#pin", Input).value == ""


async def test_idle_window_locks_and_the_same_clerk_finds_the_form_as_left(make_app):
    idle = IdleClock()
    app = make_app(lock_after=300.0, idle_clock=idle)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot)
        await pilot.press("f3")
        await settle(pilot)
        await pilot.press(*"zdsh", "enter", *"王秀英")
        idle.advance(299.0)
        await _tick(pilot)
        assert isinstance(app.screen, AcceptScreen)  # one second short: still open
        idle.advance(1.0)
        await _tick(pilot)
        assert isinstance(app.screen, SignInScreen)
        await pilot.press("f3")  # nothing opens while locked
        assert isinstance(app.screen, SignInScreen)
        await pilot.press(*CLERK_PIN, "enter")  # the locked clerk is preselected
        await settle(pilot)
        assert isinstance(app.screen, AcceptScreen)
        assert app.screen.query_one("#name", Input).value == "王秀英"
        idle.advance(299.0)  # signing in again starts the idle time afresh
        await _tick(pilot)
        assert isinstance(app.screen, AcceptScreen)


async def test_idle_time_starts_again_when_the_clerk_types(make_app):
    idle = IdleClock()
    app = make_app(lock_after=300.0, idle_clock=idle)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot)
        await pilot.press("f3")
        await settle(pilot)
        idle.advance(200.0)
        await pilot.press(*"zdsh")
        idle.advance(200.0)
        await _tick(pilot)
        assert isinstance(app.screen, AcceptScreen)  # 200 s since the last key
        idle.advance(100.0)
        await _tick(pilot)
        assert isinstance(app.screen, SignInScreen)


async def test_window_timer_locks_the_window_once_the_idle_clock_passes_lock_after(make_app):
    idle = IdleClock()
    app = make_app(lock_after=0.2, idle_clock=idle)  # the window checks every 0.1 s
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot)
        await settle(pilot)
        assert isinstance(app.screen, TodayScreen)  # no time passed on the idle clock
        idle.advance(0.2)
        # Waits for the window's own timer, however slow the machine: only a timer that never
        # fires fails this (after a minute).
        for _ in range(600):
            if isinstance(app.screen, SignInScreen):
                break
            await pilot.pause(0.1)
        assert isinstance(app.screen, SignInScreen)


async def _tick(pilot) -> None:
    """What the window's idle timer does on each tick, then the repaint."""
    pilot.app.lock_if_idle()
    await pilot.pause()


async def test_admin_adds_a_clerk_who_can_then_sign_in(make_app, node_home):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, "admin", ADMIN_PIN)
        await pilot.press("f7")
        await settle(pilot)
        await pilot.press("a", *"li01", "enter", *"李明", "enter")
        await pilot.press(*"8642", "enter", *"8642", "enter")
        await settle(pilot)
        assert app.screen.query_one("#clerk-table").row_count == 3
    with open_home(node_home) as home:
        assert ClerkBook(home).sign_in("li01", "8642").name == "李明"


async def test_clerk_disabling_another_needs_the_admin_pin(make_app, node_home):
    with open_home(node_home) as home:
        book = ClerkBook(home)
        book.add("li01", "李明", "8642", authorized_by=book.sign_in("admin", ADMIN_PIN))
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot)
        await pilot.press("f7")
        await settle(pilot)
        await pilot.press("down", "d")  # the cursor is on admin; li01 is next
        await pilot.press(*"0000", "enter")
        assert "密码不正确" in str(app.screen.query_one("#error-pin", Label).render())
        await pilot.press(*["backspace"] * 4, *ADMIN_PIN, "enter")
        await settle(pilot)
    with open_home(node_home) as home:
        assert [c.clerk_id for c in ClerkBook(home).list()] == ["admin", "zhang"]


async def test_language_switch_is_kept_for_the_next_start(make_app, node_home):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f9")
        await settle(pilot)
        assert "Clerk sign-in" in str(app.screen.query_one(".title", Label).render())
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot)
        await settle(pilot)
        assert "Accepted today" in str(app.screen.query_one("#counts").render())
