"""Snapshots of the main screens at 80×24 (pytest --snapshot-update after a deliberate change).

The clock is fixed and the cases are made at fixed times, so the pictures are the same on
every run; the receipt dialog is left out because it shows the node home's temporary path.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from .conftest import add_cases, paste, settle, sign_in

late = datetime(2026, 10, 9, 2, 0, tzinfo=UTC)


@pytest.fixture
def busy_home(node_home):
    add_cases(node_home, 3)
    add_cases(node_home, 1, item_code="SAMPLE-CL-005")
    add_cases(node_home, 1, item_code="SAMPLE-CL-005", at=late)
    return node_home


SETTLE = object()
"""A step that waits for the screen's workers (the item index, a case query) and its repaint
before the next key, where a fixed wait only guesses how long they take."""


def _after(*steps: object, signed_in: bool = True, pasted: str = ""):
    async def run_before(pilot) -> None:
        await pilot.pause()  # the first screen mounts before the pilot may press anything
        if signed_in:
            await sign_in(pilot)
        for step in steps:
            if step is SETTLE:
                await settle(pilot)
            else:
                await pilot.press(step)
        if pasted:
            await paste(pilot, pasted)
        await settle(pilot)
        pilot.app.clear_notifications()
        await pilot.pause()

    return run_before


def test_sign_in_screen(snap_compare, make_app, busy_home):
    assert snap_compare(make_app(), run_before=_after(signed_in=False))


def test_today_screen(snap_compare, make_app, busy_home):
    assert snap_compare(make_app(), run_before=_after())


def test_accept_screen_with_an_item_chosen(snap_compare, make_app, busy_home):
    keys = ("f3", SETTLE, *"zdsh", "enter", *"王秀英", "enter")
    assert snap_compare(make_app(), run_before=_after(*keys, pasted="5134311988"))


def test_cases_screen(snap_compare, make_app, busy_home):
    assert snap_compare(make_app(), run_before=_after("f4"))


def test_case_page(snap_compare, make_app, busy_home):
    assert snap_compare(make_app(), run_before=_after("f4", SETTLE, "enter", "enter"))


def test_statistics_screen(snap_compare, make_app, busy_home):
    assert snap_compare(make_app(), run_before=_after("f5"))


def test_sync_screen(snap_compare, make_app, busy_home):
    assert snap_compare(make_app(), run_before=_after("f6"))


_ACCEPT_WITH_ERRORS = ("f3", SETTLE, *"zdsh", "enter", *"王秀英", "enter", *"51343119880314022")
_ERRORS_THEN_SAVE = (*_ACCEPT_WITH_ERRORS, "1", "enter", *"123", "ctrl+s")


def test_accept_screen_with_errors_at_80x24(snap_compare, make_app, busy_home):
    assert snap_compare(make_app(), run_before=_after(*_ERRORS_THEN_SAVE), terminal_size=(80, 24))


def test_accept_screen_with_errors_at_60x20(snap_compare, make_app, busy_home):
    assert snap_compare(make_app(), run_before=_after(*_ERRORS_THEN_SAVE), terminal_size=(60, 20))


def test_accept_screen_saved_without_an_item_at_80x24(snap_compare, make_app, busy_home):
    keys = ("f3", SETTLE, "ctrl+s")
    assert snap_compare(make_app(), run_before=_after(*keys), terminal_size=(80, 24))
