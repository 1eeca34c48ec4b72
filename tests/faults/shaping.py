"""Provides link shaping for the proxy: token buckets, latency, and one direction's lane.

A `Lane` carries one direction of one connection: bytes wait for every bucket they must pass
(a bucket shared by all connections models a shared line), then for the latency, then go
to the socket in order. Latency is per chunk with jitter, but never reorders bytes.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import socket
import struct
from collections.abc import Callable, Sequence
from dataclasses import dataclass

__all__ = ["Bandwidth", "Lane", "Link", "reset"]

SLICE = 1024
"""Bytes per step through a bucket: small enough that connections sharing a line interleave."""


@dataclass(frozen=True, slots=True)
class Link:
    """Shaping the proxy applies to every connection, like the line a township sits behind.

    The bandwidth is shared by all connections in that direction; latency is per byte.
    """

    latency: float = 0.0
    """Seconds each way (half the round trip)."""
    jitter: float = 0.0
    up_bytes_per_second: int = 0
    """Client to hub; 0 is unlimited."""
    down_bytes_per_second: int = 0
    """Hub to client; 0 is unlimited."""


class Bandwidth:
    """A token bucket: `rate` bytes/s, with up to `burst` bytes saved while idle.

    Callers reserve in call order, so connections sharing one bucket share its rate fairly.
    """

    def __init__(self, rate: float, *, burst: int = SLICE) -> None:
        if rate <= 0:
            raise ValueError("a bandwidth needs a positive rate")
        self._rate, self._burst = float(rate), burst
        self._free_at = 0.0  # loop time from which the bucket has tokens again

    async def take(self, n: int) -> None:
        now = asyncio.get_running_loop().time()
        start = max(self._free_at, now - self._burst / self._rate)
        self._free_at = start + n / self._rate
        if (wait := self._free_at - now) > 0:
            await asyncio.sleep(wait)


class Lane:
    """One direction of one connection, written to `writer` after shaping.

    Args:
        meter: called with every chunk once it is written (counters, recording).
        buckets: bandwidths the bytes pass in turn.
        latency, jitter: seconds each chunk waits after its buckets.
    """

    def __init__(
        self,
        writer: asyncio.StreamWriter,
        *,
        meter: Callable[[bytes], None],
        buckets: Sequence[Bandwidth] = (),
        latency: float = 0.0,
        jitter: float = 0.0,
        rng: random.Random | None = None,
    ) -> None:
        self._writer, self._meter = writer, meter
        self._buckets, self._latency, self._jitter = tuple(buckets), latency, jitter
        self._rng = rng or random.Random(0)
        self._shaped = bool(self._buckets) or latency > 0 or jitter > 0
        self._queue: asyncio.Queue[tuple[float, bytes | asyncio.Future[None]]] = asyncio.Queue()
        self._last = 0.0
        self._failed: BaseException | None = None
        self._task = asyncio.create_task(self._deliver()) if self._shaped else None

    async def send(self, data: bytes) -> None:
        """Sends `data` (returns once it is queued; raises if the socket already failed)."""
        if self._failed is not None:
            raise ConnectionResetError("lane closed") from self._failed
        if not self._shaped:
            await self._write(data)
            return
        loop = asyncio.get_running_loop()
        for start in range(0, len(data), SLICE):
            piece = data[start : start + SLICE]
            for bucket in self._buckets:
                await bucket.take(len(piece))
            delay = self._latency + self._rng.uniform(0, self._jitter)
            self._last = max(self._last, loop.time() + delay)
            self._queue.put_nowait((self._last, piece))

    async def flush(self) -> None:
        """Waits until everything sent so far is written (or the socket failed)."""
        if self._task is None or self._task.done():
            return
        written: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._queue.put_nowait((self._last, written))
        with contextlib.suppress(ConnectionError):
            await written

    def cancel(self) -> None:
        if self._task is not None:
            self._task.cancel()

    async def _write(self, data: bytes) -> None:
        self._writer.write(data)
        await self._writer.drain()
        self._meter(data)

    async def _deliver(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            deliver_at, item = await self._queue.get()
            if (wait := deliver_at - loop.time()) > 0:
                await asyncio.sleep(wait)
            if isinstance(item, asyncio.Future):
                _settle(item, self._failed)
                continue
            if self._failed is not None:
                continue  # drop: the socket is gone, but keep answering flushes
            try:
                await self._write(item)
            except (ConnectionError, OSError) as exc:
                self._failed = exc


def _settle(future: asyncio.Future[None], failed: BaseException | None) -> None:
    if future.done():
        return
    if failed is None:
        future.set_result(None)
    else:
        future.set_exception(ConnectionResetError("lane closed"))


def reset(writer: asyncio.StreamWriter) -> None:
    """Closes the connection with a TCP reset (RST), not a polite FIN."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()
