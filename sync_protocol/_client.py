"""Provides the hub client: the only module of sync_protocol that touches the network.

The retry policy is declared here, once: exponential backoff with jitter on connection
failures and on 429/502/503/504, honouring the hub's Retry-After.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential_jitter,
)

from ._codec import b64decode, parse_json
from ._documents import SignedDocument
from ._errors import HubRejected, HubUnreachable, ProtocolError, TransportError
from ._upcast import SOFTWARE_HEADER

__all__ = ["BATCH_MEDIA_TYPE", "HubClient"]

BATCH_MEDIA_TYPE = "application/vnd.township-sync.batch"
_RETRYABLE_STATUS = frozenset({429, 502, 503, 504})
_MAX_RETRY_AFTER = 300.0


class _RetryableStatus(TransportError):
    def __init__(self, response: httpx.Response) -> None:
        super().__init__(f"hub answered {response.status_code}")
        self.response = response


def _is_retryable(exc: BaseException) -> bool:
    return isinstance(exc, HubUnreachable | _RetryableStatus)


def _retry_after(exc: BaseException | None) -> float | None:
    if not isinstance(exc, _RetryableStatus):
        return None
    value = exc.response.headers.get("Retry-After", "")
    try:
        return min(float(value), _MAX_RETRY_AFTER)
    except ValueError:
        return None


class _WaitHonouringRetryAfter:
    """Backs off exponentially with jitter, but never less than the hub asked for."""

    def __init__(self, initial: float, maximum: float) -> None:
        self._backoff = wait_exponential_jitter(multiplier=initial, max=maximum)

    def __call__(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        return max(self._backoff(state), _retry_after(exc) or 0.0)


class HubClient:
    """Talks to one hub over HTTP.

    Args:
        base_url: the hub's address, e.g. http://10.51.34.1:8400.
        transport: an httpx transport (tests pass ASGITransport or a faulty proxy's address).
        attempts: tries per call before giving up (1 = no retry).
        software: what a node runs, e.g. "township-node/0.1.0", sent with every request.
        backoff: first back-off delay in seconds; doubles up to `max_backoff`.
        sleep: waits the given seconds between attempts (tests pass one that only records).
    """

    def __init__(
        self,
        base_url: str,
        *,
        transport: httpx.BaseTransport | None = None,
        timeout: float = 30.0,
        attempts: int = 3,
        backoff: float = 0.5,
        max_backoff: float = 30.0,
        software: str = "",
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        # A node names its version ("township-node/0.1.0") so that a hub can tell it, in plain
        # words, that it is too old (docs/protocol.md §13), instead of failing on its batches.
        headers = {SOFTWARE_HEADER: software} if software else {}
        self._http = httpx.Client(
            base_url=self.base_url, transport=transport, timeout=timeout, headers=headers
        )
        self._retrying = Retrying(
            stop=stop_after_attempt(attempts),
            wait=_WaitHonouringRetryAfter(backoff, max_backoff),
            retry=retry_if_exception(_is_retryable),
            reraise=True,
            sleep=sleep,
        )

    def __enter__(self) -> HubClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def hub_info(self) -> SignedDocument:
        """Fetches the hub's self-signed description (ids and public keys)."""
        return SignedDocument.from_dict(self._call("GET", "/v1/hub").require("hub")[0])

    def enroll(self, request: dict[str, Any]) -> dict[str, Any]:
        """Sends an `enrollment_request`; returns the hub's signed info and its proof."""
        answer = self._call("POST", "/v1/enroll", json=request)
        answer.require("hub", "proof")
        return answer.body

    def submit_batch(self, blob: bytes) -> SignedDocument:
        """Sends one sealed batch; returns the hub's signed receipt (applied or held)."""
        answer = self._call(
            "POST", "/v1/batches", content=blob, headers={"Content-Type": BATCH_MEDIA_TYPE}
        )
        return SignedDocument.from_dict(answer.require("receipt")[0])

    def upload_batch(
        self,
        blob: bytes,
        *,
        piece_size: int = 16 * 1024,
        before_last: Callable[[], object] | None = None,
    ) -> SignedDocument:
        """Sends one sealed batch in pieces, resuming where the hub's copy ends.

        A dropped connection costs only the piece in flight: the next attempt (this call's
        retries, or a later round with the same bytes) asks the hub how much it holds.
        Returns the signed receipt, as `submit_batch` does.

        Args:
            before_last: called once before the piece that completes the frame (which makes
                the hub ingest it); a node with batches in flight waits there for the answer
                to the batch before, so that the hub never has to hold this one.
        """
        upload = f"/v1/uploads/{hashlib.sha256(blob).hexdigest()}"
        offset = int(self._call("GET", upload).require("offset")[0])
        while True:
            end = min(len(blob), max(offset, 0) + piece_size)
            if end == len(blob) and before_last is not None:
                before_last()
                before_last = None
            answer = self._call(
                "PUT",
                upload,
                content=blob[offset:end],
                headers={"Content-Range": f"bytes {offset}-{end - 1}/{len(blob)}"},
            )
            if "receipt" in answer.body:
                return SignedDocument.from_dict(answer.body["receipt"])
            offset = int(answer.require("offset")[0])

    def feed(self, request: SignedDocument) -> bytes:
        """Asks for the next page of this node's feed; returns the sealed page bytes."""
        answer = self._call("POST", "/v1/feed", json=request.to_dict())
        page = answer.require("page")[0]
        if not isinstance(page, str):
            raise HubRejected(
                "hub answer's page is not text", remote_code="bad_response", status=answer.status
            )
        return b64decode(page, what="feed page")

    def cursor(self, node_id: str) -> SignedDocument:
        """Asks what the hub holds of `node_id`."""
        answer = self._call("GET", f"/v1/nodes/{node_id}/cursor")
        return SignedDocument.from_dict(answer.require("cursor")[0])

    def call_json(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        """Any other JSON call of the hub API, with the same retry and error mapping."""
        return self._call(method, path, **kwargs).body

    def _call(self, method: str, path: str, **kwargs: Any) -> _Answer:
        try:
            # A copy per call: tenacity keeps per-call state, and calls may run in parallel.
            retrying = self._retrying.copy()
            result: _Answer = retrying(self._once, method, path, **kwargs)
        except _RetryableStatus as exc:
            # Busy or failing after every retry: like no link at all, nothing was applied.
            raise HubUnreachable(
                f"hub at {self.base_url} answered HTTP {exc.response.status_code} "
                "to every attempt (busy or failing)",
                hint="events stay queued; the next round tries again",
                retry_after=_retry_after(exc),
            ) from exc
        return result

    def _once(self, method: str, path: str, **kwargs: Any) -> _Answer:
        try:
            response = self._http.request(method, path, **kwargs)
        except httpx.TransportError as exc:
            raise HubUnreachable(
                f"cannot reach hub at {self.base_url}: {exc.__class__.__name__}: {exc}",
                hint="check the network link; events stay queued and nothing is lost",
            ) from exc
        if response.status_code in _RETRYABLE_STATUS:
            raise _RetryableStatus(response)
        return _Answer(_json_or_error(response, self.base_url), response.status_code)


@dataclass(frozen=True, slots=True)
class _Answer:
    """A success answer's JSON object and the status it came with (200, or 202 when held)."""

    body: dict[str, Any]
    status: int

    def require(self, *keys: str) -> list[Any]:
        """The members a success answer must carry, in order.

        Raises:
            HubRejected: `bad_response` with the answer's own status, naming what is missing.
        """
        missing = [key for key in keys if key not in self.body]
        if missing:
            raise HubRejected(
                f"hub answer lacks {', '.join(missing)}",
                remote_code="bad_response",
                status=self.status,
            )
        return [self.body[key] for key in keys]


def _json_or_error(response: httpx.Response, base_url: str) -> dict[str, Any]:
    try:
        body = parse_json(response.content, what="hub response")
    except ProtocolError:
        body = None
    if response.is_success and isinstance(body, dict):
        return body
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict):
        raise HubRejected(
            str(error.get("message", "")),
            remote_code=str(error.get("code", "unknown")),
            status=response.status_code,
            hint=str(error.get("hint", "")),
        )
    raise HubRejected(
        f"hub at {base_url} answered HTTP {response.status_code} without a readable body",
        remote_code="bad_response",
        status=response.status_code,
    )
