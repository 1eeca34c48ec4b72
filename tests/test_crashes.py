"""Sync survives kill -9: a hub or a node killed at any instant loses and doubles nothing.

The county hub process is killed (SIGKILL) at random instants while a node delivers a few
thousand events from a background thread, and restarted on the same port; or the node's
`township-node sync` process is killed at random instants and run again. Then sync
principle 1 is checked as in test_faults: every event at the hub exactly once, byte for
byte, the outbox empty, the hub's cases agreeing with the window's.

Each test prints its seed; the instants are drawn from it (what the processes were doing at
those instants is up to the OS). Replay: FAULT_SEEDS=7 .venv/bin/python -m pytest
tests/test_crashes.py. The long campaign is marked slow.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import threading
import time
from dataclasses import dataclass

import pytest

from tests.conftest import ROOT, HubProcess, start_hub
from tests.faults import FaultProxy, Link
from tests.faults.network import (
    Network,
    assert_cases_agree,
    assert_exactly_once,
    assert_nothing_left_over,
    build_network,
    point_node_at,
    record_cases,
    sync_until_done,
)

pytestmark = pytest.mark.e2e

CASES = 800
"""About 2,000 events."""


@dataclass(frozen=True)
class Shape:
    batch_events: int
    link: Link


SHAPES = {
    # Small batches, each one POST: a delivery is 80 hub transactions, kills land inside it.
    "posts": Shape(batch_events=25, link=Link()),
    # 1,000-event batches go up as resumable 16 KB pieces; a 150 KB/s line stretches the
    # upload over about a second, so kills land between and inside pieces.
    "pieces": Shape(
        batch_events=1000, link=Link(up_bytes_per_second=150_000, down_bytes_per_second=150_000)
    ),
}


def _seeds(default: range | tuple[int, ...]) -> list[int]:
    chosen = os.environ.get("FAULT_SEEDS", "")
    return [int(s) for s in chosen.split(",") if s.strip()] or list(default)


def _delivered_once(network: Network) -> None:
    assert_exactly_once(network.node, network.county.home)
    assert_cases_agree(network.node, network.county.home)
    assert_nothing_left_over(network.node_id, network.county.home)


class _Syncing(threading.Thread):
    """Delivers the node's events in the background, round after round, until done."""

    def __init__(self, network: Network, url: str, batch_events: int) -> None:
        super().__init__(name="node-sync", daemon=True)
        self._node, self._url, self._batch_events = network.node, url, batch_events
        self.rounds = 0
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self.rounds = sync_until_done(
                self._node,
                self._url,
                max_rounds=400,
                batch_events=self._batch_events,
                attempts=1,
                timeout=10,
                pause=0.05,
            )
        except BaseException as exc:  # reported by the test thread
            self.error = exc


def _kill_and_restart(hub: HubProcess, hubs: list[HubProcess], downtime: float) -> HubProcess:
    hub.process.kill()
    hub.process.wait(10)
    time.sleep(downtime)
    restarted = start_hub(hub.home, port=hub.port)
    hubs.append(restarted)
    return restarted


def _county_killed_while_syncing(seed: int, tmp_path, hubs, *, shape: Shape, kills: int) -> None:
    rng = random.Random(f"hub-kill:{seed}")
    network = build_network(tmp_path, hubs)
    events = record_cases(network.node, cases=CASES, seed=seed, fast=True)
    # The proxy only shapes the line; it outlives the hub's restarts on the same port.
    with FaultProxy(network.county.port, link=shape.link) as line:
        syncing = _Syncing(network, line.url, shape.batch_events)
        syncing.start()
        killed = 0
        for _ in range(kills):
            time.sleep(rng.uniform(0.0, 0.6))
            if not syncing.is_alive():
                break
            network.county = _kill_and_restart(network.county, hubs, rng.uniform(0.0, 0.3))
            killed += 1
        syncing.join(180)
    print(f"seed={seed} events={events} kills={killed} rounds={syncing.rounds}")
    assert not syncing.is_alive(), "sync did not finish within 180 s"
    if syncing.error is not None:
        raise syncing.error
    _delivered_once(network)


def _shape_of(seed: int) -> Shape:
    return SHAPES["posts"] if seed % 2 else SHAPES["pieces"]


@pytest.mark.parametrize("seed", _seeds((1, 2, 3)))
def test_every_event_reaches_county_once_when_county_is_killed_mid_sync(seed, tmp_path, hubs):
    print(f"seed={seed} {_shape_of(seed)}")
    _county_killed_while_syncing(seed, tmp_path, hubs, shape=_shape_of(seed), kills=3)


def _node_sync_process(node, batch_events: int) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "township_node",
            "sync",
            "--home",
            str(node),
            "--batch-events",
            str(batch_events),
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=os.environ | {"PYTHONWARNINGS": "error"},
    )


def _kill_node_at_random(
    proxy: FaultProxy, node, rng: random.Random, batch_events: int
) -> int | None:
    """Runs one `township-node sync` and kills it at a random instant; None if it was killed.

    A third of the kills land in the first 0.8 s (start-up, cutting batches), the rest in
    the 0.9 s after the first byte reaches the hub (sending, recording receipts).
    """
    before = proxy.stats.bytes_up
    process = _node_sync_process(node, batch_events)
    if rng.random() < 1 / 3:
        time.sleep(rng.uniform(0.1, 0.8))
    else:
        delay = rng.uniform(0.0, 0.9)
        deadline = time.monotonic() + 30
        while proxy.stats.bytes_up == before and process.poll() is None:
            if time.monotonic() > deadline:
                break
            time.sleep(0.005)
        time.sleep(delay)
    if process.poll() is not None:
        process.communicate()
        return process.returncode
    process.kill()
    process.communicate(timeout=10)
    return None


def _node_killed_while_syncing(seed: int, tmp_path, hubs, *, shape: Shape, kills: int) -> None:
    rng = random.Random(f"node-kill:{seed}")
    network = build_network(tmp_path, hubs)
    events = record_cases(network.node, cases=CASES, seed=seed, fast=True)
    outcomes = []
    # A fault-free proxy: it shapes the line and tells when the first byte reaches the hub.
    with FaultProxy(network.county.port, link=shape.link) as proxy:
        point_node_at(network.node, proxy.url)
        for kill in range(kills):
            outcomes.append(_kill_node_at_random(proxy, network.node, rng, shape.batch_events))
            events += record_cases(network.node, cases=3, seed=seed * 1000 + kill)
        rounds = sync_until_done(network.node, proxy.url, batch_events=shape.batch_events)
    print(f"seed={seed} events={events} outcomes={outcomes} final_rounds={rounds}")
    assert set(outcomes) <= {None, 0}, f"a sync run failed: exit codes {outcomes}"
    _delivered_once(network)


@pytest.mark.parametrize("seed", _seeds((1, 2, 3)))
def test_every_event_reaches_county_once_when_node_is_killed_mid_sync(seed, tmp_path, hubs):
    print(f"seed={seed} {_shape_of(seed)}")
    _node_killed_while_syncing(seed, tmp_path, hubs, shape=_shape_of(seed), kills=4)


@pytest.mark.slow
@pytest.mark.parametrize("seed", _seeds(range(100, 200)))
def test_campaign_every_event_reaches_county_once_when_county_is_killed(seed, tmp_path, hubs):
    print(f"seed={seed} {_shape_of(seed)}")
    _county_killed_while_syncing(seed, tmp_path, hubs, shape=_shape_of(seed), kills=5)


@pytest.mark.slow
@pytest.mark.parametrize("seed", _seeds(range(100, 200)))
def test_campaign_every_event_reaches_county_once_when_node_is_killed(seed, tmp_path, hubs):
    print(f"seed={seed} {_shape_of(seed)}")
    _node_killed_while_syncing(seed, tmp_path, hubs, shape=_shape_of(seed), kills=6)
