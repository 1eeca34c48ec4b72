"""Provides a run's schedule: which faults strike where and when, all drawn from one seed.

Pure: `draw_schedule(seed)` returns the same schedule for the same seed, so a failing run
replays from its printed seed (what the processes were doing at the drawn instants is up to
the OS, as in tests/test_crashes). The network faults inside each hop come from the two
proxies' `FaultPlan.mixed`, seeded from the same seed.
"""

from __future__ import annotations

import enum
import random
from dataclasses import dataclass

from tests.faults import FaultPlan

__all__ = ["Chaos", "Delivery", "Kind", "Phase", "Schedule", "UsbTrip", "draw_schedule"]


class Kind(enum.StrEnum):
    """Fault kinds the campaign injects itself (the proxies count their own kinds)."""

    KILL_COUNTY = "kill_county"
    """SIGKILL of the county hub process at a random instant, restarted on its port."""
    KILL_PREFECTURE = "kill_prefecture"
    """SIGKILL of the prefecture hub process while the county forwards, restarted."""
    KILL_NODE_SYNC = "kill_node_sync"
    """SIGKILL of a `township-node sync` process mid-round."""
    DISK_FULL_COUNTY = "disk_full_county"
    DISK_FULL_PREFECTURE = "disk_full_prefecture"
    DISK_FULL_NODE = "disk_full_node"
    """A clerk's write or a sync round refused because the node's disk is full."""
    REPLAY = "replay"
    """An old sealed batch delivered again, late and out of order, straight to the county."""
    EQUIVOCATE = "equivocate"
    """The node signs an altered twin of a batch its county took, and posts it to the county
    or straight to the prefecture: refused, proved, and no record changed."""
    USB_TWICE = "usb_twice"
    USB_OUT_OF_ORDER = "usb_out_of_order"
    USB_TRUNCATED = "usb_truncated"


class Delivery(enum.StrEnum):
    HTTP = "http"
    """In-process sync rounds through the faulty township link until one succeeds."""
    NODE_KILL = "node_kill"
    """A `township-node sync` process, killed at a random instant."""
    USB = "usb"
    """Batches carried on a stick to the county, receipts carried back."""


@dataclass(frozen=True)
class Chaos:
    """One hub-side fault during a phase's delivery, `after` seconds into it."""

    kind: Kind
    after: float
    lasts: float
    """Downtime of a killed hub, or how long a disk stays full."""
    room: int = 0
    """Bytes a full disk still takes beyond the hub's current database size."""


@dataclass(frozen=True)
class UsbTrip:
    """How a stick's batches are mangled on the way (each independently)."""

    twice: bool
    out_of_order: bool
    truncated: bool
    cut_at: float
    """Where the truncated file ends, as a fraction of its bytes."""


@dataclass(frozen=True)
class Phase:
    cases: int
    node_disk_full: bool
    """The clerk's disk is full for part of this phase's work."""
    node_room_pages: int
    delivery: Delivery
    usb: UsbTrip
    chaos: tuple[Chaos, ...]
    replays: int
    """Old sealed batches replayed to the county after this phase (0: none)."""
    forward_by_usb: UsbTrip | None
    """The county also carries its backlog to the prefecture on a stick."""
    equivocate: str = ""
    """Where the node posts an altered twin of a batch after this phase: "county",
    "prefecture" or "" (none)."""


@dataclass(frozen=True)
class Schedule:
    seed: int
    batch_events: int
    township_link: FaultPlan
    county_link: FaultPlan
    phases: tuple[Phase, ...]

    def replay_hint(self) -> str:
        return f".venv/bin/python scripts/campaign.py --seed {self.seed}"


def _trip(rng: random.Random) -> UsbTrip:
    return UsbTrip(
        twice=rng.random() < 0.5,
        out_of_order=rng.random() < 0.5,
        truncated=rng.random() < 0.5,
        cut_at=rng.uniform(0.05, 0.95),
    )


def _chaos(rng: random.Random, kills: tuple[Kind, ...]) -> tuple[Chaos, ...]:
    drawn = [
        Chaos(kind, after=rng.uniform(0.0, 0.4), lasts=rng.uniform(0.0, 0.3)) for kind in kills
    ]
    for kind in (Kind.DISK_FULL_COUNTY, Kind.DISK_FULL_PREFECTURE):
        if rng.random() < 0.15:
            drawn.append(
                Chaos(
                    kind,
                    after=rng.uniform(0.0, 0.3),
                    lasts=rng.uniform(0.05, 0.3),
                    room=rng.choice((0, 4096, 32_768, 131_072)),
                )
            )
    return tuple(sorted(drawn, key=lambda c: c.after))


def _equivocation(seed: int, index: int) -> str:
    # Its own stream, drawn after the rest: the schedules of earlier seeds stay as they were.
    rng = random.Random(f"equivocate:{seed}:{index}")
    return rng.choices(("", "county", "prefecture"), weights=(0.7, 0.15, 0.15))[0]


def draw_schedule(seed: int) -> Schedule:
    rng = random.Random(f"campaign:{seed}")
    phases = []
    count = 2
    # A killed hub restarts in about a second: at most one kill of each per run.
    kill_in = {
        kind: rng.randrange(count) if rng.random() < chance else -1
        for kind, chance in ((Kind.KILL_COUNTY, 0.1), (Kind.KILL_PREFECTURE, 0.1))
    }
    for index in range(count):
        delivery = rng.choices(list(Delivery), weights=(0.74, 0.08, 0.18))[0]
        kills = tuple(kind for kind, at in kill_in.items() if at == index)
        phases.append(
            Phase(
                cases=rng.randint(2, 8),
                node_disk_full=rng.random() < 0.15,
                node_room_pages=rng.randint(0, 3),
                delivery=delivery,
                usb=_trip(rng),
                chaos=_chaos(rng, kills),
                replays=rng.choice((0, 0, 1, 3)),
                forward_by_usb=_trip(rng) if rng.random() < 0.15 else None,
                equivocate=_equivocation(seed, index),
            )
        )
    return Schedule(
        seed=seed,
        batch_events=rng.choice((4, 10, 30, 200)),
        township_link=FaultPlan.mixed(seed, intensity=rng.uniform(0.5, 1.5)),
        county_link=FaultPlan.mixed(seed + 1_000_003, intensity=rng.uniform(0.5, 1.5)),
        phases=tuple(phases),
    )
