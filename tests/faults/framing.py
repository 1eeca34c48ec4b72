"""Provides just enough HTTP/1.1 framing for the proxy to see where messages begin and end.

The proxy stays a byte pipe; it only needs message boundaries so that a fault hits one
request or one response, not a random spot in a keep-alive stream. Bodies framed by
Content-Length are understood; anything else (chunked, or a response that runs to the end
of the connection) is passed through unframed.
"""

from __future__ import annotations

import asyncio

__all__ = ["MAX_HEAD", "IncompleteHead", "read_head", "request_body_length", "response_body_length"]

MAX_HEAD = 64 * 1024


class IncompleteHead(Exception):
    """The stream ended, or overflowed, inside a message head; `partial` holds what came."""

    def __init__(self, partial: bytes) -> None:
        super().__init__(f"stream ended inside a message head after {len(partial)} bytes")
        self.partial = partial


async def read_head(reader: asyncio.StreamReader) -> bytes:
    """The next message head, through its blank line; b"" when the stream ends cleanly.

    Raises:
        IncompleteHead: the stream ended (or passed MAX_HEAD) before the blank line.
    """
    try:
        return await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError as exc:
        if not exc.partial:
            return b""
        raise IncompleteHead(exc.partial) from exc
    except asyncio.LimitOverrunError as exc:
        raise IncompleteHead(await reader.read(exc.consumed)) from exc


def _headers(head: bytes) -> dict[bytes, bytes]:
    lines = head.split(b"\r\n")[1:]
    pairs = (line.split(b":", 1) for line in lines if b":" in line)
    return {name.strip().lower(): value.strip() for name, value in pairs}


def request_body_length(head: bytes) -> int | None:
    """Bytes of body after a request head; None when not framed by Content-Length."""
    headers = _headers(head)
    if b"transfer-encoding" in headers:
        return None
    return int(headers.get(b"content-length", b"0"))


def response_body_length(head: bytes) -> int | None:
    """Bytes of body after a response head; None when it runs to the end of the stream."""
    status = head.split(b" ", 2)[1] if head.count(b" ") >= 1 else b""
    if status.startswith(b"1") or status in (b"204", b"304"):
        return 0
    headers = _headers(head)
    if b"transfer-encoding" in headers or b"content-length" not in headers:
        return None
    return int(headers[b"content-length"])
