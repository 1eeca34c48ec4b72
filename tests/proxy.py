"""Provides a TCP proxy for tests: records every byte that crosses it, and can cut links.

It runs its own asyncio loop in a thread and listens on a free loopback port. Tests point a
node at `proxy.url` instead of the hub, then read `proxy.upstream_bytes()` or set faults.
"""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass, field


@dataclass
class Faults:
    """What the proxy does to the next connections (tests change these between rounds)."""

    refuse: bool = False
    """Close every new connection at once, as a dead link would."""


@dataclass
class RecordingProxy:
    target_host: str
    target_port: int
    faults: Faults = field(default_factory=Faults)
    _up: bytearray = field(default_factory=bytearray)
    _down: bytearray = field(default_factory=bytearray)
    _loop: asyncio.AbstractEventLoop | None = None
    _server: asyncio.base_events.Server | None = None
    port: int = 0
    _thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def upstream_bytes(self) -> bytes:
        return bytes(self._up)

    def downstream_bytes(self) -> bytes:
        return bytes(self._down)

    def start(self) -> RecordingProxy:
        ready = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(ready,), daemon=True)
        self._thread.start()
        ready.wait(5)
        return self

    def stop(self) -> None:
        if self._loop and self._server:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(5)

    def _run(self, ready: threading.Event) -> None:
        self._loop = asyncio.new_event_loop()
        self._server = self._loop.run_until_complete(
            asyncio.start_server(self._handle, "127.0.0.1", 0)
        )
        self.port = self._server.sockets[0].getsockname()[1]
        ready.set()
        self._loop.run_forever()
        self._server.close()
        self._loop.run_until_complete(self._server.wait_closed())
        for task in asyncio.all_tasks(self._loop):
            task.cancel()
        self._loop.run_until_complete(asyncio.sleep(0))
        self._loop.close()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.faults.refuse:
            writer.close()
            return
        up_reader, up_writer = await asyncio.open_connection(self.target_host, self.target_port)
        await asyncio.gather(
            self._pipe(reader, up_writer, self._up), self._pipe(up_reader, writer, self._down)
        )

    @staticmethod
    async def _pipe(
        reader: asyncio.StreamReader, writer: asyncio.StreamWriter, record: bytearray
    ) -> None:
        try:
            while chunk := await reader.read(65536):
                record.extend(chunk)
                writer.write(chunk)
                await writer.drain()
        except ConnectionError:
            pass
        finally:
            writer.close()
