"""Provides the hub's HTTP endpoints: thin shells over enrollment, ingest and forwarding.

Every refusal is a JSON body {"error": {"code", "message", "hint"}} with a status that
says who must act; CPU and disk work runs in the thread pool, never on the event loop.
"""

from __future__ import annotations

import asyncio
import logging
import re
from typing import Any

from filelock import FileLock, Timeout
from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse

from sync_protocol import (
    MAX_FRAME_SIZE,
    SOFTWARE_HEADER,
    HubClient,
    MalformedInput,
    ProtocolError,
    SignedDocument,
    b64encode,
    check_node_software,
    parse_json,
)

from ..enrollment import accept_forwarded_registration, accept_forwarded_replacement, redeem_code
from ..errors import HubError, PersistenceError
from ..forwarding import (
    accept_backlog,
    answer_feed_request,
    catalog_bundle,
    forward_round,
    upstream_of,
)
from ..home import FILE_MODE, HubHome
from ..ingest import Decision, Ingestor, Uploads
from .metrics import check_store

__all__ = ["Endpoints", "store_failure_response"]

log = logging.getLogger("central_hub")
MAX_REQUEST_BYTES = MAX_FRAME_SIZE
"""What we read of a request body: a batch frame, an upload piece, or JSON."""


def _error(exc: ProtocolError | HubError) -> JSONResponse:
    return JSONResponse({"error": exc.to_dict()}, status_code=exc.http_status)


class Endpoints:
    def __init__(self, home: HubHome) -> None:
        self.home = home
        self.ingestor = Ingestor(home)
        self.uploads = Uploads(home, self.ingestor)

    async def hub_info(self, _request: Request) -> JSONResponse:
        return JSONResponse({"hub": self.home.info().sign(self.home.signing).to_dict()})

    async def catalog(self, _request: Request) -> JSONResponse:
        return JSONResponse(await run_in_threadpool(catalog_bundle, self.home))

    async def health(self, _request: Request) -> JSONResponse:
        # The store must answer too: a store failure becomes the 503 of store_failure_response.
        await run_in_threadpool(check_store, self.home)
        return JSONResponse({"status": "ok", "hub_id": self.home.config.hub_id, "store": "ok"})

    async def enroll(self, request: Request) -> JSONResponse:
        try:
            body = await _json_body(request)
            answer = await run_in_threadpool(redeem_code, self.home, body)
        except (ProtocolError, HubError) as exc:
            log.warning("enrollment refused: %s", exc)
            return _error(exc)
        return JSONResponse(answer)

    async def submit_batch(self, request: Request) -> JSONResponse:
        try:
            self._check_node_software(request)
            blob = await _bounded_body(request)
            result = await run_in_threadpool(self.ingestor.ingest, blob)
        except (ProtocolError, HubError) as exc:
            log.warning("batch refused: %s", exc)
            return _error(exc)
        except SQLAlchemyError as exc:
            log.error("store failed during ingest: %s", exc)
            return _store_failure(exc)
        status = 202 if result.decision is Decision.HOLD else 200
        return JSONResponse({"receipt": result.receipt.to_dict()}, status_code=status)

    async def upload_offset(self, request: Request) -> JSONResponse:
        try:
            self._check_node_software(request)  # before a single piece crosses a slow link
            offset = self.uploads.offset(request.path_params["upload_id"])
        except ProtocolError as exc:
            return _error(exc)
        return JSONResponse({"offset": offset})

    async def upload_piece(self, request: Request) -> JSONResponse:
        try:
            self._check_node_software(request)
            start, total = _content_range(request.headers.get("content-range", ""))
            piece = await _bounded_body(request)
            progress = await run_in_threadpool(
                self.uploads.put, request.path_params["upload_id"], start, total, piece
            )
        except (ProtocolError, HubError) as exc:
            log.warning("upload refused: %s", exc)
            return _error(exc)
        except SQLAlchemyError as exc:
            log.error("store failed during ingest: %s", exc)
            return _store_failure(exc)
        if progress.result is None:
            return JSONResponse({"offset": progress.offset})
        status = 202 if progress.result.decision is Decision.HOLD else 200
        return JSONResponse({"receipt": progress.result.receipt.to_dict()}, status_code=status)

    def _check_node_software(self, request: Request) -> None:
        """Refuses a node older than hub.json's `min_node_version` (NodeTooOld, 426): its
        batches stay queued on the node, so this is logged as a warning, never stored."""
        check_node_software(request.headers.get(SOFTWARE_HEADER), self.home.config.min_node_version)

    async def cursor(self, request: Request) -> JSONResponse:
        node_id = request.path_params["node_id"]
        document = await run_in_threadpool(self.ingestor.cursor, node_id)
        return JSONResponse({"cursor": document.to_dict()})

    async def register_forwarded(self, request: Request) -> JSONResponse:
        try:
            body = await _json_body(request)
            await run_in_threadpool(
                accept_forwarded_registration, self.home, body.get("registration")
            )
            if body.get("replacement") is not None:
                await run_in_threadpool(
                    accept_forwarded_replacement, self.home, body["replacement"]
                )
        except (ProtocolError, HubError) as exc:
            log.warning("forwarded registration refused: %s", exc)
            return _error(exc)
        return JSONResponse({"status": "registered"})

    async def backlog(self, request: Request) -> JSONResponse:
        try:
            body = await _json_body(request)
            proofs = await run_in_threadpool(accept_backlog, self.home, body.get("backlog"))
        except (ProtocolError, HubError) as exc:
            log.warning("backlog statement refused: %s", exc)
            return _error(exc)
        return JSONResponse({"status": "recorded", "equivocations": proofs})

    async def feed(self, request: Request) -> JSONResponse:
        """The next page of the asking node's feed, sealed to it (protocol.md §10)."""
        try:
            document = SignedDocument.from_dict(await _json_body(request))
            _page, blob = await run_in_threadpool(answer_feed_request, self.home, document)
        except (ProtocolError, HubError) as exc:
            log.warning("feed request refused: %s", exc)
            return _error(exc)
        return JSONResponse({"page": b64encode(blob)})

    async def forward_forever(self, interval: float) -> None:
        """Background store-and-forward; failures are logged and retried next round."""
        while True:
            await asyncio.sleep(interval)
            try:
                await run_in_threadpool(self._forward_once)
            except (ProtocolError, HubError, SQLAlchemyError, OSError) as exc:
                # A store failure or a full disk (the forward lock file) must not end
                # forwarding for good: the next round starts again from the saved state.
                log.warning("forwarding round failed: %s", exc)

    def _forward_once(self) -> None:
        url, _ = upstream_of(self.home)
        # With several workers (`serve --workers N`) each runs this loop; one round at a time
        # is enough, and a worker that finds another's round running skips its turn.
        try:
            with (
                FileLock(self.home.path / "forward.lock", timeout=0, mode=FILE_MODE),
                HubClient(url, attempts=1) as client,
            ):
                forward_round(self.home, client)
        except Timeout:
            log.debug("forwarding round skipped: another worker is forwarding")


async def store_failure_response(_request: Request, exc: Exception) -> JSONResponse:
    """Any route: a store failure is the hub's trouble, retryable, never a bare 500."""
    log.error("store failed: %s", exc)
    return _store_failure(exc)


def _store_failure(exc: Exception) -> JSONResponse:
    """Disk full, database locked: nothing was applied; the node should retry later."""
    failure = PersistenceError(
        f"hub store failed: {exc.__class__.__name__}", hint="nothing was applied; retry later"
    )
    return JSONResponse(
        {"error": failure.to_dict()}, status_code=503, headers={"Retry-After": "30"}
    )


_RANGE = re.compile(r"bytes ([0-9]+)-([0-9]+)/([0-9]+)")


def _content_range(header: str) -> tuple[int, int]:
    """(start, total) from "bytes start-end/total"."""
    match = _RANGE.fullmatch(header.strip())
    if match is None:
        raise MalformedInput("an upload piece needs Content-Range: bytes START-END/TOTAL")
    return int(match[1]), int(match[3])


async def _bounded_body(request: Request) -> bytes:
    chunks, size = [], 0
    try:
        async for chunk in request.stream():
            size += len(chunk)
            if size > MAX_REQUEST_BYTES:
                raise MalformedInput(f"request body is over {MAX_REQUEST_BYTES} bytes")
            chunks.append(chunk)
    except ClientDisconnect:
        # A link cut mid-upload is normal in the mountains, not a hub failure: nothing was
        # read into the store, and the node resumes or resends.
        raise MalformedInput(f"the client disconnected after {size} bytes") from None
    return b"".join(chunks)


async def _json_body(request: Request) -> dict[str, Any]:
    body = parse_json(await _bounded_body(request), what="request body")
    if not isinstance(body, dict):
        raise MalformedInput("request body must be a JSON object")
    return body
