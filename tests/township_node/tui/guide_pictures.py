"""Makes the pictures of docs/clerk-guide.md: the real window over a real node home, 80×24.

    .venv/bin/python -m tests.township_node.tui.guide_pictures

The clock is fixed (Friday 27 November 2026, 10:00) so the pictures only change when the
window does. Not collected by pytest (the name does not start with test_).
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from textual.pilot import Pilot

from township_node.app import TownshipApp
from township_node.clerks import ClerkBook
from township_node.home import init_home, open_home

from .conftest import ADMIN_PIN, CENTER, CLERK_PIN, add_cases, fixed_clock, paste, settle, sign_in

IMAGES = Path(__file__).resolve().parents[3] / "docs" / "images"
LATE = datetime(2026, 10, 9, 2, 0, tzinfo=UTC)


def _home(folder: Path) -> Path:
    path = folder / "node"
    with init_home(path, center_code=CENTER, name="新城镇便民服务中心") as home:
        book = ClerkBook(home, clock=fixed_clock)
        admin = book.create_admin(ADMIN_PIN)
        book.add("zhang", "张丽", CLERK_PIN, authorized_by=admin)
        book.add("jike", "吉克·阿呷", "2468", authorized_by=admin)
    add_cases(path, 6)
    add_cases(path, 2, item_code="SAMPLE-CL-005")
    add_cases(path, 1, item_code="SAMPLE-CL-005", at=LATE)
    owing = add_cases(path, 1, item_code="SAMPLE-MZ-002")
    with open_home(path) as home:
        from township_node.casebook import CaseBook
        from township_node.catalog import current_catalog

        book = CaseBook(home, catalog=current_catalog(home), clock=fixed_clock)
        book.act(owing[0], "request_supplement", clerk_id="zhang",
                 payload={"materials": ["户口簿"]})  # fmt: skip
    return path


async def _shoot(pilot: Pilot[None], name: str) -> None:
    await settle(pilot)
    pilot.app.clear_notifications()
    await pilot.pause()
    pilot.app.save_screenshot(str(IMAGES / f"{name}.svg"))


async def _pictures(path: Path) -> None:
    app = TownshipApp(path, sync_interval=0, lock_after=0, clock=fixed_clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("down")
        await _shoot(pilot, "window-sign-in")
        await sign_in(pilot)
        await _shoot(pilot, "window-today")
        await pilot.press("f3")
        await settle(pilot)
        await pilot.press(*"zdsh")
        await _shoot(pilot, "window-accept-search")
        await pilot.press("enter")
        await paste(pilot, "吉克·阿依")
        await pilot.press("enter", *"51343119880314022", "1")
        await _shoot(pilot, "window-accept-error")
        await pilot.press("backspace", "2", "enter", *"13881234567", "enter", "down", "space")
        await _shoot(pilot, "window-accept-missing")
        await pilot.press("ctrl+s")
        await _shoot(pilot, "window-receipt")
        await pilot.press("enter", "f4")
        await _shoot(pilot, "window-cases")
        await pilot.press("enter", "enter")
        await settle(pilot)
        for key in ("1", "2", "3"):  # 承办, 审核, 批准, each confirmed with Enter
            await pilot.press(key)
            await settle(pilot)
            await pilot.press("enter")
            await settle(pilot)
        await _shoot(pilot, "window-case")
        await pilot.press("9")  # 办结: the result dialog
        await _shoot(pilot, "window-complete")
        await pilot.press("escape", "f5")
        await _shoot(pilot, "window-statistics")
        await pilot.press("f6")
        await _shoot(pilot, "window-sync")
        await pilot.press("f12")
        await _shoot(pilot, "window-locked")
    admin_app = TownshipApp(path, sync_interval=0, lock_after=0, clock=fixed_clock)
    async with admin_app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await sign_in(pilot, "admin", ADMIN_PIN)
        await pilot.press("f7")
        await _shoot(pilot, "window-clerks")


def main() -> None:
    IMAGES.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="window-"))
    try:
        asyncio.run(_pictures(_home(folder)))
    finally:
        shutil.rmtree(folder)
    print(f"pictures written to {IMAGES}")


if __name__ == "__main__":
    main()
