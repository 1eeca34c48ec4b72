"""Shared fixtures: real hub processes on free loopback ports, and CLI runners."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def run_cli(program: str, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Runs `township-node` or `central-hub` as a real process, as a user would."""
    module = {"township-node": "township_node", "central-hub": "central_hub"}[program]
    result = subprocess.run(
        [sys.executable, "-m", module, *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        env=os.environ | {"PYTHONWARNINGS": "error"},
    )
    if check and result.returncode != 0:
        raise AssertionError(
            f"{program} {' '.join(args)} exited {result.returncode}:\n{result.stderr}"
        )
    return result


def run_json(program: str, *args: str) -> dict:
    return json.loads(run_cli(program, *args, "--json").stdout)


@dataclass
class HubProcess:
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


def start_hub(
    home: Path, *, forward_interval: float = 0, port: int = 0, workers: int = 1
) -> HubProcess:
    """Starts `central-hub serve` under uvicorn and waits until it answers."""
    hub = launch_hub(home, forward_interval=forward_interval, port=port, workers=workers)
    wait_until_serving(hub)
    return hub


def launch_hub(
    home: Path, *, forward_interval: float = 0, port: int = 0, workers: int = 1
) -> HubProcess:
    """Starts `central-hub serve` without waiting: many hubs can then start side by side."""
    port = port or free_port()
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
                *(["--workers", str(workers)] if workers != 1 else []),
            ],
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    return HubProcess(home, port, process)


def wait_until_serving(hub: HubProcess, *, within: float = 30) -> None:
    """Waits until the hub answers /healthz; stops it and raises if it does not in time."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if hub.process.poll() is not None:
            raise AssertionError(f"hub exited early:\n{(hub.home / 'serve.log').read_text()}")
        try:
            if httpx.get(f"{hub.url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.1)
    hub.stop()
    raise AssertionError(f"hub {hub.home.name} did not start within {within:g} s")


HUB_TEST_DATABASE_URL = os.environ.get("HUB_TEST_DATABASE_URL", "")
"""A PostgreSQL server (any database on it) for the hub suite; unset: hubs use SQLite."""


@pytest.fixture(autouse=True)
def hub_store_on_postgres(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """With HUB_TEST_DATABASE_URL set, every hub a test creates gets a fresh PostgreSQL
    database (in this process and in the hub processes it starts), dropped afterwards."""
    if not HUB_TEST_DATABASE_URL:
        yield
        return
    from tests.postgres import drop_databases_except, hub_databases, opened_connections

    before = hub_databases(HUB_TEST_DATABASE_URL)
    monkeypatch.setenv("CENTRAL_HUB_POSTGRES_SERVER", HUB_TEST_DATABASE_URL)
    with opened_connections() as connections:
        yield
        # Tests open hub homes without closing them; on SQLite that is harmless.
        for connection in connections:
            connection.close()
    drop_databases_except(HUB_TEST_DATABASE_URL, before)


@pytest.fixture
def hubs() -> Iterator[list[HubProcess]]:
    """Collects started hubs and stops them after the test."""
    started: list[HubProcess] = []
    yield started
    for hub in started:
        hub.stop()
