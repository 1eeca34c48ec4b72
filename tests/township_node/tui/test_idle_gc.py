"""The window itself holds the collector from the first key and lets it go when the clerk
stops (its idle clock moved by the test), and never leaves it off when it closes."""

from __future__ import annotations

import gc

import pytest

from .conftest import IdleClock, settle, sign_in

pytestmark = pytest.mark.anyio


async def test_typing_holds_the_collector_until_a_quiet_second(make_app):
    idle = IdleClock()
    app = make_app(idle_clock=idle)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await sign_in(pilot)
            await pilot.press("f4")
            await settle(pilot)
            await pilot.press(*"吉克")
            assert not gc.isenabled()
            app.collect_if_quiet()  # no time has passed: still typing
            assert not gc.isenabled()
            idle.advance(1.0)
            app.collect_if_quiet()
            assert gc.isenabled()
            await pilot.press("backspace")
            assert not gc.isenabled()
        assert gc.isenabled()  # closing the window let it go
    finally:
        gc.enable()
