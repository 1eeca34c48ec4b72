"""The link indicator follows a real county hub process as it starts, stops and comes back."""

from __future__ import annotations

import pytest
from textual.coordinate import Coordinate
from textual.widgets import DataTable

from sync_protocol import HubClient
from tests.conftest import run_cli, run_json, start_hub
from township_node.enrollment import enroll
from township_node.home import open_home

from .conftest import CENTER, add_cases, paste, settle, sign_in

pytestmark = [pytest.mark.anyio, pytest.mark.e2e]


def _link(app) -> str:
    return str(app.screen.query_one("#link").render())


async def _wait_until_online(pilot) -> None:
    """Waits for the window's own background round, however slow the machine: only a round
    that never comes fails this (after two minutes)."""
    for _ in range(1200):
        if "● 在线" in _link(pilot.app):
            break
        await pilot.pause(0.1)
    await settle(pilot)


async def _sync_now(pilot) -> None:
    await pilot.press("s")
    await settle(pilot)


async def test_link_indicator_follows_the_hub_and_a_usb_stick_carries_cases_meanwhile(
    tmp_path, hubs, make_app, node_home
):
    county_home = tmp_path / "county"
    run_cli(
        "central-hub", "init", "--home", str(county_home), "--tier", "county",
        "--org-code", "513431", "--name", "昭觉县政务服务中心",
    )  # fmt: skip
    hub = start_hub(county_home)
    hubs.append(hub)
    code = run_json("central-hub", "enroll-code", "--home", str(county_home), "--center", CENTER)
    with open_home(node_home) as home, HubClient(hub.url) as client:
        enroll(home, client, code["code"])
    add_cases(node_home, 2)

    app = make_app(sync_interval=0.5)  # the background worker makes the first round
    async with app.run_test(size=(80, 24)) as pilot:
        assert "未同步过" in _link(app) and "待发 2" in _link(app)
        await sign_in(pilot)
        await pilot.press("f6")
        await _wait_until_online(pilot)
        assert "● 在线" in _link(app) and "待发 0" in _link(app) and "回执" in _link(app)
        said = str(app.screen.query_one("#sync-log", DataTable).get_cell_at(Coordinate(0, 2)))
        assert said.startswith("发送 1 批、") and "batches" not in said  # the log is English

        hub.stop()
        await _sync_now(pilot)
        assert "○ 离线" in _link(app)
        assert "无法连接县级中心" in str(app.screen.query_one("#sync-error").render())

        hubs.append(start_hub(county_home, port=hub.port))
        await _sync_now(pilot)
        assert "● 在线" in _link(app)
        assert "最近错误：无" in str(app.screen.query_one("#sync-error").render())

        hubs[-1].stop()  # then a week without a link: a USB stick carries the cases
        add_cases(node_home, 3)
        stick = tmp_path / "stick"
        stick.mkdir()
        await pilot.press("e", "ctrl+u")
        await paste(pilot, str(stick))
        await pilot.press("ctrl+s")
        await settle(pilot)
    assert list(stick.glob("township-sync/to-*/*/batch-*.tsb"))
