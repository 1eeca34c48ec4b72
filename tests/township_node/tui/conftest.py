"""Fixtures for the clerk's window: real node homes under tmp_path, a fixed clock, clerks."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from textual import events
from textual.pilot import Pilot
from textual.widgets import OptionList

from township_node.app import TownshipApp
from township_node.clerks import ClerkBook
from township_node.home import init_home, open_home

# Friday 27 November 2026, 10:00 in China: a working day with a working day after it.
FIXED_NOW = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)
ADMIN_PIN = "246810"
CLERK_PIN = "1357"
CENTER = "513431100"


def fixed_clock() -> datetime:
    return FIXED_NOW


class IdleClock:
    """Monotonic seconds that move only when the test says: the idle lock's clock."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def anyio_backend() -> str:
    """Textual runs on asyncio; anyio's pytest plugin (installed with httpx) runs the tests."""
    return "asyncio"


@pytest.fixture
def node_home(tmp_path: Path) -> Path:
    """A township node home with the admin and one clerk, 张丽 (zhang)."""
    path = tmp_path / "node"
    with init_home(path, center_code=CENTER, name="新城镇便民服务中心") as home:
        book = ClerkBook(home, clock=fixed_clock)
        admin = book.create_admin(ADMIN_PIN)
        book.add("zhang", "张丽", CLERK_PIN, authorized_by=admin)
    return path


@pytest.fixture
def make_app(node_home: Path) -> Callable[..., TownshipApp]:
    """Builds the app over `node_home`: no background sync, no idle lock, the fixed clock."""

    def build(**options: object) -> TownshipApp:
        settings: dict[str, object] = {"sync_interval": 0, "lock_after": 0, "clock": fixed_clock}
        settings.update(options)
        return TownshipApp(node_home, **settings)  # type: ignore[arg-type]

    return build


async def sign_in(pilot: Pilot[None], clerk_id: str = "zhang", pin: str = CLERK_PIN) -> None:
    """Picks the clerk with the arrow keys and types the PIN, as a clerk would."""
    clerks = pilot.app.screen.query_one("#clerk-list", OptionList)
    target = clerks.get_option_index(clerk_id)
    await pilot.press(*(["down"] * (target - (clerks.highlighted or 0))), "enter")
    await pilot.press(*pin, "enter")
    await pilot.pause()


async def paste(pilot: Pilot[None], text: str) -> None:
    """Types text as a terminal's paste does: Pilot.press drops "·" and full-width punctuation."""
    focused = pilot.app.focused
    assert focused is not None
    focused.post_message(events.Paste(text))
    await pilot.pause()


async def settle(pilot: Pilot[None]) -> None:
    """Waits for the screens' query workers and the repaint after them."""
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def add_cases(
    path: Path,
    count: int,
    *,
    item_code: str = "SAMPLE-MZ-001",
    at: datetime = FIXED_NOW,
    applicants: tuple[tuple[str, str, str], ...] | None = None,
) -> list[str]:
    """Accepts `count` cases as clerk zhang at `at`; returns their case numbers."""
    import casework
    from tests.factories import APPLICANTS
    from township_node.casebook import CaseBook

    people = applicants or APPLICANTS
    with open_home(path) as home:
        home.conn.execute("PRAGMA synchronous=OFF")  # test data: no need to survive a power cut
        book = CaseBook(home, catalog=casework.load_sample_catalog(), clock=lambda: at)
        return [
            book.accept(
                item_code=item_code,
                applicant_name=people[n % len(people)][0],
                id_number=people[n % len(people)][1],
                phone=people[n % len(people)][2],
                clerk_id="zhang",
            ).case_no
            for n in range(count)
        ]


def on_screen(app, widget) -> bool:
    """Whether `widget` can be seen: its first cell is on the screen and shows this widget
    (a widget clipped by its container, or scrolled away, is hidden behind another)."""
    from textual.errors import NoWidget

    region = widget.region
    if not widget.display or not region or not app.screen.region.contains_point(region.offset):
        return False
    try:
        found, _ = app.screen.get_widget_at(*region.offset)
    except NoWidget:
        return False
    return found is widget or widget in found.ancestors
