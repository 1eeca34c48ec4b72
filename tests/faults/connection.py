"""Provides one proxied connection: two lanes, HTTP message boundaries, and the faults.

Requests flow client → hub on the up lane, answers hub → client on the down lane. For each
request the connection draws one exchange fault (or none) and queues it for the answer, so
`reset_response` and `swallow_response` hit the answer to that very request.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections import deque
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from .framing import IncompleteHead, read_head, request_body_length, response_body_length
from .plan import ConnectionDraw, ExchangeDraw, FaultKind, FaultPlan
from .shaping import Bandwidth, Lane, Link, reset
from .stats import ProxyStats

__all__ = ["Route", "serve_connection"]

CHUNK = 64 * 1024
DUPLICATE_TIMEOUT = 30.0
CLOSE_TIMEOUT = 30.0
"""Seconds a closing connection waits for its lanes to empty before it drops the rest."""


@dataclass
class Route:
    """What every connection of one proxy shares."""

    host: str
    port: int
    plan: FaultPlan
    link: Link
    stats: ProxyStats
    meter_up: Callable[[bytes], None]
    meter_down: Callable[[bytes], None]
    refuse_all: bool = False
    up_line: Bandwidth | None = None
    down_line: Bandwidth | None = None
    background: set[asyncio.Task[None]] = field(default_factory=set)


class _Ended(Exception):
    """A fault ended the connection; both sides are already closed."""


async def serve_connection(
    route: Route, index: int, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter
) -> None:
    """Carries one client connection to the hub, injecting the faults the plan draws."""
    route.stats.opened()
    rng = route.plan.rng_for(index)
    draw = route.plan.draw_connection(rng)
    if draw.refuse or route.refuse_all:
        route.stats.injected(FaultKind.REFUSE)
        client_w.close()
        return
    try:
        hub_r, hub_w = await asyncio.open_connection(route.host, route.port)
    except OSError:
        client_w.close()  # the hub is down: the client sees the link drop
        return
    for kind, hit in ((FaultKind.DELAY, draw.latency), (FaultKind.THROTTLE, draw.bytes_per_second)):
        if hit:
            route.stats.injected(kind)
    await _Relay(route, draw, rng, (client_r, client_w), (hub_r, hub_w)).run()


class _Relay:
    def __init__(
        self,
        route: Route,
        draw: ConnectionDraw,
        rng: random.Random,
        client: tuple[asyncio.StreamReader, asyncio.StreamWriter],
        hub: tuple[asyncio.StreamReader, asyncio.StreamWriter],
    ) -> None:
        self._route, self._rng = route, rng
        self._client_r, self._client_w = client
        self._hub_r, self._hub_w = hub
        self._pending: deque[ExchangeDraw] = deque()
        self.up = self._lane(self._hub_w, route.meter_up, route.up_line, draw)
        self.down = self._lane(self._client_w, route.meter_down, route.down_line, draw)

    def _lane(
        self,
        writer: asyncio.StreamWriter,
        meter: Callable[[bytes], None],
        line: Bandwidth | None,
        draw: ConnectionDraw,
    ) -> Lane:
        own = Bandwidth(draw.bytes_per_second) if draw.bytes_per_second else None
        link = self._route.link
        return Lane(
            writer,
            meter=meter,
            buckets=[bucket for bucket in (line, own) if bucket is not None],
            latency=link.latency + draw.latency,
            jitter=link.jitter + draw.jitter,
            rng=random.Random(self._rng.random()),
        )

    async def run(self) -> None:
        requests = asyncio.create_task(self._guard(self._requests(), self.up))
        answers = asyncio.create_task(self._guard(self._answers(), self.down))
        try:
            await asyncio.wait({requests, answers}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (requests, answers):
                task.cancel()
            await asyncio.gather(requests, answers, return_exceptions=True)
            self.up.cancel()
            self.down.cancel()
            self._client_w.close()
            self._hub_w.close()

    async def _guard(self, flow: Coroutine[Any, Any, None], lane: Lane) -> None:
        """Runs one direction; when it ends, lets its lane empty before the connection closes."""
        try:
            await flow
        except (_Ended, ConnectionError, OSError, IncompleteHead, asyncio.IncompleteReadError):
            return
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(CLOSE_TIMEOUT):
                await lane.flush()

    async def _requests(self) -> None:
        while head := await read_head(self._client_r):
            self._route.stats.exchanged()
            draw = self._route.plan.draw_exchange(self._rng)
            length = request_body_length(head)
            if length is None:  # not framed: carry the rest as it comes, without faults
                self._pending.append(ExchangeDraw())
                await _pipe(head, None, self._client_r, self.up)
                return
            self._pending.append(draw)
            if draw.kind is FaultKind.TRUNCATE_REQUEST:
                cut = int(draw.at * (len(head) + length))
                await _pipe(head, length, self._client_r, self.up, limit=cut)
                await self._fault_reset(FaultKind.TRUNCATE_REQUEST, self.up)
            copy = bytearray() if draw.kind is FaultKind.DUPLICATE_REQUEST else None
            await _pipe(head, length, self._client_r, self.up, copy=copy)
            if copy is not None:
                self._spawn_duplicate(bytes(copy), draw.lag)

    async def _answers(self) -> None:
        while head := await read_head(self._hub_r):
            draw = self._pending.popleft() if self._pending else ExchangeDraw()
            length = response_body_length(head)
            if draw.kind is FaultKind.SWALLOW_RESPONSE:
                await _pipe(head, length, self._hub_r, None)
                self._route.stats.injected(FaultKind.SWALLOW_RESPONSE)
                raise _Ended  # closing both sides politely: the client never got an answer
            if draw.kind is FaultKind.RESET_RESPONSE:
                cut = int(draw.at * (len(head) + (length or 0)))
                await _pipe(head, length, self._hub_r, self.down, limit=cut)
                await self._fault_reset(FaultKind.RESET_RESPONSE, self.down)
            await _pipe(head, length, self._hub_r, self.down)
            if length is None:
                return

    async def _fault_reset(self, kind: FaultKind, lane: Lane) -> None:
        await lane.flush()
        self._route.stats.injected(kind)
        reset(self._hub_w)
        reset(self._client_w)
        raise _Ended

    def _spawn_duplicate(self, request: bytes, lag: float) -> None:
        task = asyncio.create_task(_send_duplicate(self._route, request, lag))
        self._route.background.add(task)
        task.add_done_callback(self._route.background.discard)


async def _pipe(
    first: bytes,
    length: int | None,
    reader: asyncio.StreamReader,
    lane: Lane | None,
    *,
    limit: int | None = None,
    copy: bytearray | None = None,
) -> None:
    """Sends `first` and then `length` more bytes (None: until the end) from `reader`.

    Args:
        lane: None reads and drops the bytes.
        limit: stop after this many bytes in all (a cut).
        copy: collects every byte sent.
    """
    left, data, sent = length, first, 0
    while True:
        if limit is not None:
            data = data[: max(0, limit - sent)]
        if data and lane is not None:
            await lane.send(data)
        if copy is not None:
            copy.extend(data)
        sent += len(data)
        if (limit is not None and sent >= limit) or left == 0:
            return
        data = await reader.read(CHUNK if left is None else min(CHUNK, left))
        if not data:
            if left is None:
                return  # the body ran to the end of the stream, as framed
            raise asyncio.IncompleteReadError(b"", left)
        if left is not None:
            left -= len(data)


async def _send_duplicate(route: Route, request: bytes, lag: float) -> None:
    """Sends a copy of a request on its own connection and reads (and drops) the answer."""
    await asyncio.sleep(lag)
    with contextlib.suppress(OSError, TimeoutError, IncompleteHead, asyncio.IncompleteReadError):
        async with asyncio.timeout(DUPLICATE_TIMEOUT):
            reader, writer = await asyncio.open_connection(route.host, route.port)
            try:
                writer.write(request)
                await writer.drain()
                route.stats.injected(FaultKind.DUPLICATE_REQUEST)
                route.stats.duplicated(len(request))
                head = await read_head(reader)
                status = head.split(b" ", 2)[1].decode("ascii", "replace") if head else "none"
                route.stats.duplicate_answered(status)
                await _pipe(b"", response_body_length(head) if head else 0, reader, None)
            finally:
                writer.close()
