"""Provides the fault-injecting TCP proxy that tests put between a node (or county) and a hub.

It listens on a free port of 127.0.0.1, forwards to a hub on loopback, and runs its own
asyncio loop in a daemon thread. It stops when told, or by itself after `lifetime` seconds,
so a forgotten proxy cannot outlive its test run.

    with FaultProxy(hub.port, plan=FaultPlan.only(FaultKind.SWALLOW_RESPONSE, 0.3, seed=7)) as p:
        sync_once(home, HubClient(p.url))
        print(p.plan.describe(), p.stats.snapshot())
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import threading
from dataclasses import dataclass

from .connection import Route, serve_connection
from .plan import FaultPlan
from .shaping import Bandwidth, Link
from .stats import ProxyStats

__all__ = ["FaultProxy", "Faults", "RecordingProxy"]

_LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})


@dataclass
class Faults:
    """Switches a test flips between rounds, on top of the plan."""

    refuse: bool = False
    """Close every new connection at once, as a dead link would."""


class FaultProxy:
    """A TCP proxy on loopback that injects the faults of its plan.

    Args:
        target_port: the hub's port on `target_host` (loopback only).
        plan: the faults to draw; tests may replace `proxy.plan` between rounds.
        link: shaping for every connection (shared bandwidth, latency); fixed for the
            proxy's life, as a township's line is.
        record: keep every byte that crosses, for `upstream_bytes()`/`downstream_bytes()`.
        lifetime: seconds after which the proxy stops by itself.
    """

    def __init__(
        self,
        target_port: int,
        *,
        target_host: str = "127.0.0.1",
        plan: FaultPlan | None = None,
        link: Link | None = None,
        record: bool = False,
        lifetime: float = 900.0,
    ) -> None:
        if target_host not in _LOOPBACK:
            raise ValueError(f"the fault proxy only forwards to loopback, not {target_host}")
        self.target_host, self.target_port = target_host, target_port
        self.plan = plan or FaultPlan()
        self.link = link or Link()
        self._up_line = _line(self.link.up_bytes_per_second)
        self._down_line = _line(self.link.down_bytes_per_second)
        self.faults = Faults()
        self.stats = ProxyStats()
        self.port = 0
        self._record = record
        self._up, self._down = bytearray(), bytearray()
        self._lifetime = lifetime
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping: asyncio.Event | None = None
        self._thread: threading.Thread | None = None
        self._indexes = itertools.count()
        self._route: Route | None = None
        self._handlers: set[asyncio.Task[None]] = set()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def upstream_bytes(self) -> bytes:
        """Every byte delivered to the hub (with `record=True`)."""
        return bytes(self._up)

    def downstream_bytes(self) -> bytes:
        """Every byte delivered to the client (with `record=True`)."""
        return bytes(self._down)

    def start(self) -> FaultProxy:
        ready = threading.Event()
        self._thread = threading.Thread(
            target=asyncio.run, args=(self._main(ready),), name="fault-proxy", daemon=True
        )
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("fault proxy did not start")
        return self

    def stop(self) -> None:
        if self._loop is not None and self._stopping is not None and not self._loop.is_closed():
            with contextlib.suppress(RuntimeError):  # the loop ended by itself meanwhile
                self._loop.call_soon_threadsafe(self._stopping.set)
        if self._thread is not None:
            self._thread.join(10)

    def __enter__(self) -> FaultProxy:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _meter_up(self, data: bytes) -> None:
        self.stats.sent_up(data)
        if self._record:
            self._up.extend(data)

    def _meter_down(self, data: bytes) -> None:
        self.stats.sent_down(data)
        if self._record:
            self._down.extend(data)

    async def _main(self, ready: threading.Event) -> None:
        self._loop = asyncio.get_running_loop()
        self._stopping = asyncio.Event()
        server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        self.port = server.sockets[0].getsockname()[1]
        handlers = self._handlers
        ready.set()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), self._lifetime)
        server.close()
        background = self._route.background if self._route else set()
        for task in (*handlers, *background):
            task.cancel()
        await asyncio.gather(*handlers, *background, return_exceptions=True)
        await server.wait_closed()

    def _current_route(self) -> Route:
        route = self._route
        if route is None or route.plan is not self.plan:
            route = Route(
                host=self.target_host,
                port=self.target_port,
                plan=self.plan,
                link=self.link,
                stats=self.stats,
                meter_up=self._meter_up,
                meter_down=self._meter_down,
                up_line=self._up_line,
                down_line=self._down_line,
                background=route.background if route else set(),
            )
            self._route = route
        route.refuse_all = self.faults.refuse
        return route

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._handlers.add(task)
        try:
            await serve_connection(self._current_route(), next(self._indexes), reader, writer)
        finally:
            self._handlers.discard(task)
            writer.close()


def _line(rate: int) -> Bandwidth | None:
    """The bandwidth all connections share in one direction (None: unlimited)."""
    return Bandwidth(rate) if rate else None


class RecordingProxy(FaultProxy):
    """A fault-free proxy that records every byte: `RecordingProxy(host, port).start()`."""

    def __init__(self, target_host: str, target_port: int, **options: object) -> None:
        super().__init__(target_port, target_host=target_host, record=True, **options)  # type: ignore[arg-type]
