"""Provides the proxy's counters: connections, exchanges, bytes each way, faults by kind."""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

__all__ = ["ProxyStats"]


class ProxyStats:
    """Counters of one proxy: written on the proxy's loop, read from any thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.connections = 0
        self.exchanges = 0
        self.bytes_up = 0
        """Bytes delivered to the hub (client to hub), duplicates not included."""
        self.bytes_down = 0
        """Bytes delivered to the client (hub to client)."""
        self.duplicated_bytes = 0
        self._faults: Counter[str] = Counter()
        self._duplicate_answers: Counter[str] = Counter()

    def opened(self) -> None:
        with self._lock:
            self.connections += 1

    def exchanged(self) -> None:
        with self._lock:
            self.exchanges += 1

    def sent_up(self, data: bytes) -> None:
        with self._lock:
            self.bytes_up += len(data)

    def sent_down(self, data: bytes) -> None:
        with self._lock:
            self.bytes_down += len(data)

    def injected(self, kind: str) -> None:
        with self._lock:
            self._faults[str(kind)] += 1

    def duplicated(self, size: int) -> None:
        with self._lock:
            self.duplicated_bytes += size

    def duplicate_answered(self, status: str) -> None:
        """The HTTP status the hub gave a duplicate copy (the client never sees it)."""
        with self._lock:
            self._duplicate_answers[status] += 1

    def faults(self) -> dict[str, int]:
        """Faults injected so far, by kind (only kinds that happened)."""
        with self._lock:
            return dict(sorted(self._faults.items()))

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {
                "connections": self.connections,
                "exchanges": self.exchanges,
                "bytes_up": self.bytes_up,
                "bytes_down": self.bytes_down,
                "duplicated_bytes": self.duplicated_bytes,
                "faults": dict(sorted(self._faults.items())),
                "duplicate_answers": dict(sorted(self._duplicate_answers.items())),
            }
