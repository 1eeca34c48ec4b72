"""Provides arrivals: which batches of each node this hub process is handling right now."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

__all__ = ["Arrivals"]


class Arrivals:
    """Batches of each node being processed right now.

    A node sends a few batches in flight; if batch k overtook batch k-1 inside this process,
    it waits for k-1 instead of being held and re-read later. Holding stays the answer for
    a batch whose predecessor is not here at all.
    """

    _PATIENCE = 30.0

    def __init__(self) -> None:
        self._busy: set[tuple[str, int]] = set()
        self._changed = threading.Condition()

    @contextlib.contextmanager
    def arrived(self, node_id: str, batch_seq: int) -> Iterator[None]:
        with self._changed:
            self._busy.add((node_id, batch_seq))
        try:
            yield
        finally:
            with self._changed:
                self._busy.discard((node_id, batch_seq))
                self._changed.notify_all()

    def wait_for_predecessor(self, node_id: str, batch_seq: int) -> None:
        with self._changed:
            self._changed.wait_for(
                lambda: (node_id, batch_seq - 1) not in self._busy, timeout=self._PATIENCE
            )
