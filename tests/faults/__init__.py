"""Provides fault injection for sync tests: a seeded, fault-injecting TCP proxy on loopback.

- `FaultProxy`: the proxy (refuse, delay, throttle, truncate, reset, swallow, duplicate).
- `FaultPlan`: a seed and a rate per `FaultKind`; `describe()` prints what replays a run.
- `Link`: shaping all connections share (bandwidth each way, latency, jitter).
- `RecordingProxy`: a fault-free proxy that records every byte (tests.proxy re-exports it).
- `tests.faults.network`: hubs and a node for fault tests, a clerk's work, the checks.
"""

from __future__ import annotations

from .plan import CONNECTION_FAULTS, EXCHANGE_FAULTS, FaultKind, FaultPlan
from .proxy import FaultProxy, Faults, RecordingProxy
from .shaping import Link
from .stats import ProxyStats

__all__ = [
    "CONNECTION_FAULTS",
    "EXCHANGE_FAULTS",
    "FaultKind",
    "FaultPlan",
    "FaultProxy",
    "Faults",
    "Link",
    "ProxyStats",
    "RecordingProxy",
]
