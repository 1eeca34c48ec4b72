"""Provides the long-lived part of a campaign: a county and its prefecture, and both links.

The hub processes and the two fault proxies live across runs (starting a hub costs about a
second); each run brings its own fresh township node. A run that kills a hub restarts it on
the same port, so the proxies in front of it stay valid. A full disk is a file-size limit
(RLIMIT_FSIZE, set on the running hub with prlimit, no root needed): every write past it
fails with EFBIG, which SQLite reports as a disk I/O error, as it would on a full disk.
"""

from __future__ import annotations

import contextlib
import resource
import time
from dataclasses import dataclass
from pathlib import Path

from central_hub.enrollment import issue_code
from central_hub.forwarding import link_upstream
from central_hub.home import HubHome
from central_hub.home import init_home as init_hub
from central_hub.home import open_home as open_hub
from sync_protocol import SUITE_X25519, HubClient
from tests.conftest import HubProcess, start_hub
from tests.faults import FaultPlan, FaultProxy
from tests.faults.network import COUNTY, point_county_upstream

__all__ = ["FORWARD_INTERVAL", "Chain", "build_chain"]

FORWARD_INTERVAL = 0.1
"""Seconds between the serving county's forwarding rounds."""
_PROXY_LIFETIME = 6 * 3600.0
_UNLIMITED = resource.RLIM_INFINITY


@dataclass
class Chain:
    root: Path
    county: HubProcess
    prefecture: HubProcess
    township_link: FaultProxy
    """Between every node and the county hub."""
    county_link: FaultProxy
    """Between the county hub (forwarding) and the prefecture hub."""
    centers_used: int = 0

    def next_center(self) -> str:
        """A township code of this county no earlier run of this chain has used."""
        self.centers_used += 1
        if self.centers_used > 999:
            raise RuntimeError("this chain has enrolled 999 townships: build a fresh one")
        return f"{COUNTY}{self.centers_used:03d}"

    def kill(self, tier: str, downtime: float) -> None:
        """SIGKILL of a hub process, then a restart on the same port after `downtime`."""
        hub = self._hub(tier)
        hub.process.kill()
        hub.process.wait(10)
        time.sleep(downtime)
        self._restart(tier)

    def fill_disk(self, tier: str, room: int) -> None:
        """The hub's disk takes `room` more bytes past its largest database file, then none."""
        hub = self._hub(tier)
        files = [hub.home / name for name in ("hub.db", "hub.db-wal")]
        largest = max((p.stat().st_size for p in files if p.exists()), default=0)
        with contextlib.suppress(ProcessLookupError):
            resource.prlimit(hub.process.pid, resource.RLIMIT_FSIZE, (largest + room, _UNLIMITED))

    def free_disk(self, tier: str) -> None:
        with contextlib.suppress(ProcessLookupError):
            resource.prlimit(
                self._hub(tier).process.pid, resource.RLIMIT_FSIZE, (_UNLIMITED, _UNLIMITED)
            )

    def heal(self) -> list[str]:
        """Frees both disks and restarts any hub that died on its own; returns those."""
        died = []
        for tier in ("county", "prefecture"):
            if self._hub(tier).process.poll() is not None:
                died.append(tier)
                self._restart(tier)
            else:
                self.free_disk(tier)
        return died

    def open(self, tier: str) -> HubHome:
        """The hub's home opened in this process, beside the serving one (close it)."""
        return open_hub(self._hub(tier).home)

    def close(self) -> None:
        for proxy in (self.township_link, self.county_link):
            proxy.stop()
        for hub in (self.county, self.prefecture):
            hub.stop()

    def _hub(self, tier: str) -> HubProcess:
        return self.county if tier == "county" else self.prefecture

    def _restart(self, tier: str) -> None:
        hub = self._hub(tier)
        interval = FORWARD_INTERVAL if tier == "county" else 0
        restarted = start_hub(hub.home, port=hub.port, forward_interval=interval)
        if tier == "county":
            self.county = restarted
        else:
            self.prefecture = restarted


def build_chain(root: Path, *, suite: str = SUITE_X25519) -> Chain:
    """Starts a prefecture hub and a county hub linked to it, each behind a fault proxy; both
    use `suite`, and the nodes enrolled with them follow it."""
    root.mkdir(parents=True, exist_ok=True)
    county_home = init_hub(
        root / "county", tier="county", org_code=COUNTY, name="昭觉县", preferred_suite=suite
    )
    pref_home = init_hub(
        root / "pref", tier="prefecture", org_code="513400", name="凉山州", preferred_suite=suite
    )
    code = issue_code(pref_home, center_code=COUNTY)
    pref_home.close()
    prefecture = start_hub(root / "pref")
    try:
        with HubClient(prefecture.url) as client:
            link_upstream(county_home, client, code)
        county_home.close()
        county = start_hub(root / "county", forward_interval=FORWARD_INTERVAL)
    except BaseException:
        prefecture.stop()
        raise
    township_link = FaultProxy(county.port, plan=FaultPlan(), lifetime=_PROXY_LIFETIME)
    county_link = FaultProxy(prefecture.port, plan=FaultPlan(), lifetime=_PROXY_LIFETIME)
    township_link.start()
    county_link.start()
    point_county_upstream(county.home, county_link.url)
    return Chain(root, county, prefecture, township_link, county_link)
