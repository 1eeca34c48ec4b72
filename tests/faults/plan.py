"""Provides fault plans: which faults the proxy injects, drawn from a seeded RNG.

A plan is a seed plus a rate (probability) per fault kind. Connection faults are drawn once
per connection; exchange faults once per HTTP request on it (a keep-alive connection carries
many). Each connection draws from its own RNG, seeded from the plan's seed and the
connection's accept index, so a failing run replays from its printed seed: the same
connections get the same faults. (Which batch travels on which connection still depends on
the client's thread scheduling when it keeps two batches in flight.)
"""

from __future__ import annotations

import enum
import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

__all__ = [
    "CONNECTION_FAULTS",
    "EXCHANGE_FAULTS",
    "ConnectionDraw",
    "ExchangeDraw",
    "FaultKind",
    "FaultPlan",
]


class FaultKind(enum.StrEnum):
    REFUSE = "refuse"
    """Close the client's connection at once, before any byte reaches the hub."""
    DELAY = "delay"
    """Add latency (fixed + jitter) to every byte of the connection, each way."""
    THROTTLE = "throttle"
    """Limit the connection to a rate in bytes/s, each way (a token bucket)."""
    TRUNCATE_REQUEST = "truncate_request"
    """Forward only the first N bytes of a request to the hub, then reset both sides."""
    RESET_RESPONSE = "reset_response"
    """Forward the whole request, then only part of the hub's answer, then reset both sides."""
    SWALLOW_RESPONSE = "swallow_response"
    """Forward the whole request, drop the hub's whole answer, close: the lost acknowledgement."""
    DUPLICATE_REQUEST = "duplicate_request"
    """Forward the request, and send a copy to the hub on a second connection a moment later."""


CONNECTION_FAULTS = (FaultKind.REFUSE, FaultKind.DELAY, FaultKind.THROTTLE)
EXCHANGE_FAULTS = (
    FaultKind.TRUNCATE_REQUEST,
    FaultKind.RESET_RESPONSE,
    FaultKind.SWALLOW_RESPONSE,
    FaultKind.DUPLICATE_REQUEST,
)


@dataclass(frozen=True, slots=True)
class ConnectionDraw:
    """The faults of one connection."""

    refuse: bool = False
    latency: float = 0.0
    """Seconds added each way (0: no delay fault)."""
    jitter: float = 0.0
    """Up to this many more seconds, drawn per chunk (order is kept, as TCP keeps it)."""
    bytes_per_second: int = 0
    """0: not throttled."""


@dataclass(frozen=True, slots=True)
class ExchangeDraw:
    """The fault of one request/response exchange (at most one)."""

    kind: FaultKind | None = None
    at: float = 0.5
    """Where a cut falls, as a fraction of the message's bytes (truncate, reset)."""
    lag: float = 0.0
    """Seconds between the original request and its copy (duplicate)."""


@dataclass(frozen=True)
class FaultPlan:
    """What a proxy does to the connections it carries.

    Args:
        seed: the seed every draw derives from; print it with a failure.
        rates: probability of each fault kind. Connection kinds are independent of each
            other; exchange kinds exclude each other, so their rates must sum to at most 1.
        latency, jitter: the delay fault's seconds each way.
        bytes_per_second: the throttle fault's rate each way.
        duplicate_lag: the copy of a duplicated request follows after 0 to this many seconds.
    """

    seed: int = 0
    rates: Mapping[FaultKind, float] = field(default_factory=dict)
    latency: float = 0.05
    jitter: float = 0.05
    bytes_per_second: int = 32_000
    duplicate_lag: float = 0.2

    def __post_init__(self) -> None:
        rates = {FaultKind(kind): float(rate) for kind, rate in self.rates.items()}
        if any(not 0.0 <= rate <= 1.0 for rate in rates.values()):
            raise ValueError(f"fault rates must be probabilities: {rates}")
        if sum(rates.get(kind, 0.0) for kind in EXCHANGE_FAULTS) > 1.0:
            raise ValueError("exchange fault rates exclude each other and must sum to <= 1")
        object.__setattr__(self, "rates", MappingProxyType(rates))

    @classmethod
    def only(cls, kind: FaultKind, rate: float, *, seed: int = 0, **params: float) -> FaultPlan:
        """A plan that injects one kind of fault."""
        return cls(seed=seed, rates={kind: rate}, **params)

    @classmethod
    def mixed(cls, seed: int, *, intensity: float = 1.0) -> FaultPlan:
        """A plan whose rates, latency and throttle are themselves drawn from the seed."""
        rng = random.Random(f"mix:{seed}")
        rates = {
            FaultKind.REFUSE: rng.uniform(0, 0.15),
            FaultKind.DELAY: rng.uniform(0, 0.5),
            FaultKind.THROTTLE: rng.uniform(0, 0.3),
        }
        rates |= {kind: rng.uniform(0, 0.15) for kind in EXCHANGE_FAULTS}
        rates = {kind: min(1.0, rate * intensity) for kind, rate in rates.items()}
        exchange = sum(rates[kind] for kind in EXCHANGE_FAULTS)
        if exchange > 0.9:  # exchange faults exclude each other: keep some exchanges clean
            rates |= {kind: rates[kind] * 0.9 / exchange for kind in EXCHANGE_FAULTS}
        return cls(
            seed=seed,
            rates=rates,
            latency=rng.uniform(0.005, 0.05),
            jitter=rng.uniform(0, 0.05),
            bytes_per_second=rng.choice((16_000, 64_000, 256_000)),
            duplicate_lag=rng.uniform(0, 0.3),
        )

    def rate(self, kind: FaultKind) -> float:
        return self.rates.get(kind, 0.0)

    def rng_for(self, connection_index: int) -> random.Random:
        """The RNG of one connection: the same for the same seed and accept index."""
        return random.Random(f"{self.seed}:{connection_index}")

    def draw_connection(self, rng: random.Random) -> ConnectionDraw:
        # Always draw the same numbers, so later draws do not depend on which faults hit.
        refuse, delay, throttle = rng.random(), rng.random(), rng.random()
        return ConnectionDraw(
            refuse=refuse < self.rate(FaultKind.REFUSE),
            latency=self.latency if delay < self.rate(FaultKind.DELAY) else 0.0,
            jitter=self.jitter if delay < self.rate(FaultKind.DELAY) else 0.0,
            bytes_per_second=(
                self.bytes_per_second if throttle < self.rate(FaultKind.THROTTLE) else 0
            ),
        )

    def draw_exchange(self, rng: random.Random) -> ExchangeDraw:
        pick, at, lag = rng.random(), rng.random(), rng.uniform(0, self.duplicate_lag)
        for kind in EXCHANGE_FAULTS:
            pick -= self.rate(kind)
            if pick < 0:
                return ExchangeDraw(kind, at, lag)
        return ExchangeDraw(None, at, lag)

    def describe(self) -> str:
        """One line to print beside a failure: enough to rebuild this plan."""
        rates = ", ".join(f"{kind}={rate:.3f}" for kind, rate in self.rates.items() if rate)
        return (
            f"FaultPlan(seed={self.seed}, rates={{{rates}}}, latency={self.latency:.3f}, "
            f"jitter={self.jitter:.3f}, bytes_per_second={self.bytes_per_second}, "
            f"duplicate_lag={self.duplicate_lag:.3f})"
        )
