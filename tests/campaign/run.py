"""Provides one campaign run: a fresh township, its seed's faults at every hop, the checks.

Per phase the clerk records a few cases (perhaps on a full disk), the node delivers them (by
sync rounds through the faulty township link, by a `township-node sync` process killed
mid-round, or by a mangled USB stick), while the run kills the county or the prefecture hub,
or fills their disks, at drawn instants; old batches are replayed to the county out of order;
the county may also carry its backlog to the prefecture on a stick. The county forwards over
its own faulty link all along. At the end the run heals the chain, lets the node sync until
a round succeeds, waits until the prefecture holds everything, and checks the whole chain.
"""

from __future__ import annotations

import contextlib
import random
import shutil
import threading
import time
import traceback
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx

from sync_protocol import seal_batch
from tests.factories import altered_twin
from tests.test_crashes import _kill_node_at_random
from township_node.enrollment import pinned_hub
from township_node.home import open_home as open_node
from township_node.sync import Outbox

from .chain import Chain
from .checks import Twin, check_chain, check_equivocations, count_delivery, wait_until_at
from .schedule import Chaos, Delivery, Kind, Phase, Schedule, draw_schedule
from .usb import carry_to_county, carry_to_prefecture
from .window import Syncing, new_township, record, sync_round_on_full_disk, sync_until_done

__all__ = ["RunResult", "run_once"]

_SYNC_SECONDS = 120.0
_FORWARD_SECONDS = 90.0


@dataclass
class RunResult:
    seed: int
    ok: bool = False
    error: str = ""
    events: int = 0
    """Recorded at the node (a clerk's write refused for a full disk records none)."""
    lost: int = 0
    """Recorded at the node and not at the prefecture, byte for byte."""
    duplicated: int = 0
    """Extra copies at the prefecture."""
    county_lost: int = 0
    county_duplicated: int = 0
    faults: dict[str, int] = field(default_factory=dict)
    deliveries: list[str] = field(default_factory=list)
    seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)
    """Seconds per step: enrolling, each phase, the final sync, waiting for forwarding."""
    replay: str = ""

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def run_once(chain: Chain, seed: int, workdir: Path, *, keep: bool = False) -> RunResult:
    """Runs seed `seed` on `chain`; never raises for a failed check (the result says so)."""
    schedule = draw_schedule(seed)
    result = RunResult(seed, replay=schedule.replay_hint())
    result.deliveries = [str(phase.delivery) for phase in schedule.phases]
    started = time.monotonic()
    run_dir = workdir / f"run-{seed}"
    shutil.rmtree(run_dir, ignore_errors=True)
    run_dir.mkdir(parents=True)
    node = run_dir / "node"
    faults: Counter[str] = Counter()
    twins: list[Twin] = []
    links = {"township_link": chain.township_link, "county_link": chain.county_link}
    before = {name: link.stats.faults() for name, link in links.items()}
    try:
        new_township(chain, node)
        lap = _lap(result.timings, "enroll", started)
        chain.township_link.plan = schedule.township_link
        chain.county_link.plan = schedule.county_link
        for index, phase in enumerate(schedule.phases):
            _phase(chain, node, schedule, index, phase, faults, run_dir, twins)
            lap = _lap(result.timings, f"phase{index}", lap)
        died = chain.heal()
        if died:
            raise AssertionError(f"{died} hub exited by itself (see its serve.log)")
        sync_until_done(
            node,
            chain.township_link.url,
            batch_events=schedule.batch_events,
            deadline=time.monotonic() + _SYNC_SECONDS,
        )
        lap = _lap(result.timings, "final_sync", lap)
        wait_until_at(node, chain.prefecture.home, timeout=_FORWARD_SECONDS)
        lap = _lap(result.timings, "forwarded", lap)
        truncated = (faults[Kind.USB_TRUNCATED], faults[f"forward_{Kind.USB_TRUNCATED}"])
        check_chain(node, chain.county.home, chain.prefecture.home, truncated=truncated)
        check_equivocations(chain.county.home, chain.prefecture.home, twins)
        result.ok = True
    except Exception as exc:  # reported with the seed, the campaign goes on
        result.error = f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=8)}"
    finally:
        died = chain.heal()
        if died and result.ok:
            result.ok, result.error = False, f"{died} hub exited by itself (see its serve.log)"
        chain.township_link.plan = chain.county_link.plan = type(schedule.township_link)()
    for name, link in links.items():
        for kind, count in link.stats.faults().items():
            if count - before[name].get(kind, 0):
                faults[f"{name}.{kind}"] += count - before[name].get(kind, 0)
    if (node / "node.db").exists():
        with contextlib.suppress(Exception):
            at_county = count_delivery(node, chain.county.home)
            at_prefecture = count_delivery(node, chain.prefecture.home)
            result.events = at_prefecture.events
            result.lost, result.duplicated = at_prefecture.lost, at_prefecture.duplicated
            result.county_lost = at_county.lost
            result.county_duplicated = at_county.duplicated
    if result.ok and (result.lost or result.duplicated):
        result.ok = False  # check_chain would have said so; never let a count slip through
    result.faults = {str(kind): n for kind, n in sorted(faults.items()) if n}
    result.seconds = round(time.monotonic() - started, 3)
    if result.ok and not keep:
        shutil.rmtree(run_dir, ignore_errors=True)
    return result


def _lap(timings: dict[str, float], step: str, since: float) -> float:
    now = time.monotonic()
    timings[step] = round(now - since, 3)
    return now


def _phase(
    chain: Chain,
    node: Path,
    schedule: Schedule,
    index: int,
    phase: Phase,
    faults: Counter[str],
    run_dir: Path,
    twins: list[Twin],
) -> None:
    seed, batch_events = schedule.seed, schedule.batch_events
    _, refused = record(
        node,
        cases=phase.cases,
        seed=seed * 10 + index,
        room_pages=phase.node_room_pages if phase.node_disk_full else None,
    )
    faults[Kind.DISK_FULL_NODE] += refused
    url = chain.township_link.url
    if phase.node_disk_full and sync_round_on_full_disk(node, url, batch_events=batch_events):
        faults[Kind.DISK_FULL_NODE] += 1
    rng = random.Random(f"instants:{seed}:{index}")
    striking = _Striking(chain, phase.chaos)
    striking.start()
    try:
        if phase.delivery is Delivery.HTTP:
            syncing = Syncing(node, url, batch_events=batch_events, seconds=_SYNC_SECONDS)
            syncing.start()
            syncing.join(_SYNC_SECONDS + 30)
            if syncing.is_alive():
                raise AssertionError(f"a sync round hung for {_SYNC_SECONDS + 30:.0f} s")
            if syncing.error is not None:
                raise syncing.error
        elif phase.delivery is Delivery.NODE_KILL:
            outcome = _kill_node_at_random(chain.township_link, node, rng, batch_events)
            # Exit 3: the faulty link failed the round before the kill (the next one goes on).
            if outcome not in (None, 0, 3):
                raise AssertionError(f"township-node sync exited {outcome} (not killed)")
            faults[Kind.KILL_NODE_SYNC] += outcome is None
        else:
            faults.update(
                carry_to_county(
                    chain, node, run_dir / f"usb-{index}", phase.usb, batch_events=batch_events
                )
            )
        if phase.replays:
            faults[Kind.REPLAY] += _replay(chain, node, rng, phase.replays)
        if phase.equivocate:
            faults[Kind.EQUIVOCATE] += _equivocate(chain, node, rng, phase.equivocate, twins)
    finally:
        striking.join(60)
    faults.update(striking.struck)
    if striking.error is not None:
        raise striking.error
    if phase.forward_by_usb is not None:
        trip = phase.forward_by_usb
        carried = carry_to_prefecture(chain, run_dir / f"usb-up-{index}", trip)
        faults.update({f"forward_{kind}": n for kind, n in carried.items()})


def _equivocate(
    chain: Chain, node: Path, rng: random.Random, target: str, twins: list[Twin]
) -> int:
    """Posts an altered twin of a batch the county took to `target`; returns 1 when the hub
    refused it as an equivocation it must prove (0: no batch taken yet, the target down, or
    the prefecture does not know the node yet)."""
    with open_node(node) as home:
        outbox = Outbox(home)
        waiting = {b.header.batch_seq for b in outbox.unacknowledged()}
        taken = [b for b in outbox.batches_from(1) if b.header.batch_seq not in waiting]
        if not taken:
            return 0
        twin = altered_twin(home, rng.choice(taken))
        hub = chain.county if target == "county" else chain.prefecture
        if target == "county":
            key = pinned_hub(home)[1].seal_key()
        else:
            with chain.open("prefecture") as prefecture:
                key = prefecture.info().seal_key()
    try:
        answer = httpx.post(f"{hub.url}/v1/batches", content=seal_batch(twin, key), timeout=10)
    except httpx.TransportError:
        return 0  # the hub is down (a kill of this run)
    code = answer.json().get("error", {}).get("code") if answer.status_code != 503 else None
    expected = {"county": {"conflicting_batch"}, "prefecture": {"not_forwarded", "unknown_node"}}
    if answer.status_code != 503 and code not in expected[target]:
        raise AssertionError(
            f"the {target} answered an equivocating batch {answer.status_code}: {answer.text[:300]}"
        )
    if code not in ("conflicting_batch", "not_forwarded"):
        return 0  # unknown_node: the county has not registered the node upward yet
    header = twin.header
    twins.append(Twin(target, header.node_id, header.batch_seq, header.batch_hash))
    return 1


def _replay(chain: Chain, node: Path, rng: random.Random, count: int) -> int:
    """Posts old sealed batches straight to the county, in a shuffled order; returns posts."""
    with open_node(node) as home:
        batches = Outbox(home).batches_from(1)
        _, hub = pinned_hub(home)
        blobs = [
            seal_batch(b, hub.seal_key()) for b in rng.sample(batches, min(count, len(batches)))
        ]
    posted = 0
    for blob in blobs:
        try:
            answer = httpx.post(f"{chain.county.url}/v1/batches", content=blob, timeout=10)
        except httpx.TransportError:
            continue  # the county is down (a kill of this run): the replay is lost, fine
        if answer.status_code not in (200, 202, 503):
            raise AssertionError(
                f"the county answered a replayed batch {answer.status_code}: {answer.text[:300]}"
            )
        posted += 1
    return posted


class _Striking(threading.Thread):
    """Kills hubs and fills their disks at the phase's instants, beside the delivery."""

    def __init__(self, chain: Chain, chaos: tuple[Chaos, ...]) -> None:
        super().__init__(name="campaign-chaos", daemon=True)
        self._chain, self._chaos = chain, chaos
        self.struck: Counter[str] = Counter()
        self.error: BaseException | None = None

    def run(self) -> None:
        start = time.monotonic()
        try:
            for chaos in self._chaos:
                time.sleep(max(0.0, start + chaos.after - time.monotonic()))
                tier = "county" if "county" in chaos.kind else "prefecture"
                if chaos.kind in (Kind.KILL_COUNTY, Kind.KILL_PREFECTURE):
                    self._chain.kill(tier, chaos.lasts)
                else:
                    self._chain.fill_disk(tier, chaos.room)
                    time.sleep(chaos.lasts)
                    self._chain.free_disk(tier)
                self.struck[chaos.kind] += 1
        except BaseException as exc:  # the run reports it
            self.error = exc
