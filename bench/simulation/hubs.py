"""Provides the simulation's hub network: a prefecture and its counties as real processes.

Each hub is `central-hub serve` (uvicorn) on a free loopback port, as an operator starts it,
launched by the test suite's `launch_hub` so all 18 start side by side; homes are created,
codes issued and counties linked through the hub library in this process, as scripts/demo.py
does through the CLI.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import casework
from central_hub.enrollment import issue_code
from central_hub.forwarding import link_upstream
from central_hub.home import init_home
from sync_protocol import SUITES, HubClient
from tests.conftest import HubProcess, launch_hub, wait_until_serving

__all__ = ["Network", "start_network"]

PREFECTURE = "513400"
_START_WITHIN = 60  # seconds; 18 hubs start side by side on two cores


@dataclass
class Network:
    prefecture: HubProcess
    counties: dict[str, HubProcess]
    codes: dict[str, str]
    """Township code -> its one-time enrollment code at its county."""

    def stop(self) -> None:
        for hub in [*self.counties.values(), self.prefecture]:
            hub.stop()


def start_network(
    root: Path,
    townships: dict[str, list[str]],
    *,
    forward_interval: float = 5.0,
    suite: str = SUITES[0],
) -> Network:
    """Starts the prefecture, links and starts one hub per county in `townships`
    (county -> its township codes) and issues each township its enrollment code."""
    pref_home = init_home(
        root / "prefecture",
        tier="prefecture",
        org_code=PREFECTURE,
        name="凉山州政务服务中心",
        preferred_suite=suite,
    )
    links = {county: issue_code(pref_home, center_code=county) for county in townships}
    pref_home.close()
    prefecture = launch_hub(root / "prefecture", forward_interval=0)
    counties: dict[str, HubProcess] = {}
    codes: dict[str, str] = {}
    try:
        wait_until_serving(prefecture, within=_START_WITHIN)
        for county, members in sorted(townships.items()):
            home = init_home(
                root / f"county-{county}",
                tier="county",
                org_code=county,
                name=casework.org(county).name,
                preferred_suite=suite,
            )
            with HubClient(prefecture.url) as client:
                link_upstream(home, client, links[county])
            codes.update({code: issue_code(home, center_code=code) for code in members})
            home.close()
            counties[county] = launch_hub(home.path, forward_interval=forward_interval)
        for hub in counties.values():
            wait_until_serving(hub, within=_START_WITHIN)
    except BaseException:
        for hub in [*counties.values(), prefecture]:
            hub.stop()
        raise
    return Network(prefecture, counties, codes)
