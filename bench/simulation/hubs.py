"""Provides the simulation's hub network: a prefecture and its counties as real processes.

Each hub is `central-hub serve` (uvicorn) on a free loopback port, as an operator starts it;
homes are created, codes issued and counties linked through the hub library in this
process, as scripts/demo.py does through the CLI.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

import casework
from central_hub.enrollment import issue_code
from central_hub.forward import link_upstream
from central_hub.home import init_home
from sync_protocol import HubClient

__all__ = ["Hub", "Network", "start_network"]

ROOT = Path(__file__).resolve().parents[2]
PREFECTURE = "513400"


@dataclass
class Hub:
    org_code: str
    home: Path
    port: int
    process: subprocess.Popen[bytes]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)


@dataclass
class Network:
    prefecture: Hub
    counties: dict[str, Hub]
    codes: dict[str, str]
    """Township code -> its one-time enrollment code at its county."""

    def stop(self) -> None:
        for hub in [*self.counties.values(), self.prefecture]:
            hub.stop()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _serve(org_code: str, home: Path, *, forward_interval: float) -> Hub:
    port = _free_port()
    with open(home / "serve.log", "ab") as log:  # the child keeps its own descriptor
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "central_hub",
                "serve",
                "--home",
                str(home),
                "--port",
                str(port),
                "--forward-interval",
                str(forward_interval),
            ],
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    return Hub(org_code, home, port, process)


def _wait_ready(hub: Hub) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if hub.process.poll() is not None:
            raise RuntimeError(f"hub {hub.org_code} exited; see {hub.home / 'serve.log'}")
        try:
            if httpx.get(f"{hub.url}/healthz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.2)
    raise RuntimeError(f"hub {hub.org_code} did not answer within 60 s")


def start_network(
    root: Path, townships: dict[str, list[str]], *, forward_interval: float = 5.0
) -> Network:
    """Starts the prefecture, links and starts one hub per county in `townships`
    (county -> its township codes) and issues each township its enrollment code."""
    pref_home = init_home(
        root / "prefecture", tier="prefecture", org_code=PREFECTURE, name="凉山州政务服务中心"
    )
    links = {county: issue_code(pref_home, center_code=county) for county in townships}
    pref_home.close()
    prefecture = _serve(PREFECTURE, root / "prefecture", forward_interval=0)
    counties: dict[str, Hub] = {}
    codes: dict[str, str] = {}
    try:
        _wait_ready(prefecture)
        for county, members in sorted(townships.items()):
            home = init_home(
                root / f"county-{county}",
                tier="county",
                org_code=county,
                name=casework.org(county).name,
            )
            with HubClient(prefecture.url) as client:
                link_upstream(home, client, links[county])
            codes.update({code: issue_code(home, center_code=code) for code in members})
            home.close()
            counties[county] = _serve(county, home.path, forward_interval=forward_interval)
        for hub in counties.values():
            _wait_ready(hub)
    except BaseException:
        for hub in [*counties.values(), prefecture]:
            hub.stop()
        raise
    return Network(prefecture, counties, codes)
