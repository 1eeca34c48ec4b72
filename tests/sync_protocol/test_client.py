"""Tests sync_protocol/_client.py against httpx.MockTransport handlers (no sockets)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from sync_protocol import (
    BATCH_MEDIA_TYPE,
    Cursor,
    HubClient,
    HubRejected,
    HubUnreachable,
    Receipt,
    SignedDocument,
    enrollment_request,
)
from tests.sync_protocol.syncproto_helpers import NODE_ID, make_batch, make_frame, node_key

HUB_KEY = node_key("county hub")
CODE = "K7QM-3XRP-9HVD-TN4W"
Handler = Callable[[httpx.Request], httpx.Response]


def _receipt_document(status: str = "applied") -> SignedDocument:
    return Receipt(
        hub_id="county-513431",
        node_id=NODE_ID,
        batch_seq=1,
        batch_hash=make_batch().header.batch_hash,
        status=status,
        next_batch_seq=2 if status == "applied" else 1,
        last_event_seq=3 if status == "applied" else 0,
        reason="",
        issued_at="2026-11-28T03:05:01.250Z",
    ).sign(HUB_KEY)


class Recorder:
    """A handler that plays scripted answers in order and keeps what it received."""

    def __init__(self, *answers: httpx.Response | Exception) -> None:
        self._answers: Iterator[httpx.Response | Exception] = iter(answers)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = next(self._answers)
        if isinstance(answer, Exception):
            raise answer
        return answer


def _client(
    handler: Handler,
    *,
    attempts: int = 3,
    backoff: float = 0.001,
    sleep: Callable[[float], None] = time.sleep,
) -> HubClient:
    return HubClient(
        "http://county.example:8400/",
        transport=httpx.MockTransport(handler),
        attempts=attempts,
        backoff=backoff,
        max_backoff=backoff * 4,
        sleep=sleep,
    )


def _ok(document: SignedDocument, name: str = "receipt", status: int = 200) -> httpx.Response:
    return httpx.Response(status, json={name: document.to_dict()})


def test_submit_batch_posts_the_frame_as_batch_media_type_when_sending() -> None:
    hub = Recorder(_ok(_receipt_document()))
    blob = make_frame()
    with _client(hub) as client:
        document = client.submit_batch(blob)
    assert document == _receipt_document()
    assert Receipt.verify(document, HUB_KEY.public).status == "applied"
    (request,) = hub.requests
    assert (request.method, request.url.path) == ("POST", "/v1/batches")
    assert request.headers["content-type"] == BATCH_MEDIA_TYPE
    assert request.content == blob


def test_submit_batch_returns_held_receipt_when_hub_answers_202() -> None:
    hub = Recorder(_ok(_receipt_document("held"), status=202))
    with _client(hub) as client:
        document = client.submit_batch(make_frame())
    assert Receipt.verify(document, HUB_KEY.public).status == "held"


def test_cursor_gets_node_cursor_path_when_asked() -> None:
    cursor = Cursor(
        hub_id="county-513431",
        node_id=NODE_ID,
        next_batch_seq=1,
        last_event_seq=0,
        last_batch_hash="0" * 64,
        issued_at="2026-11-28T03:05:01.250Z",
    ).sign(HUB_KEY)
    hub = Recorder(_ok(cursor, "cursor"))
    with _client(hub) as client:
        assert client.cursor(NODE_ID) == cursor
    assert [(r.method, r.url.path) for r in hub.requests] == [
        ("GET", f"/v1/nodes/{NODE_ID}/cursor")
    ]


def _ok_json(body: dict[str, Any], status: int = 200) -> httpx.Response:
    return httpx.Response(status, json=body)


def _enroll_answer() -> dict[str, Any]:
    return {"hub": _receipt_document().to_dict(), "proof": "00" * 32}


def test_enroll_posts_the_enrollment_request_as_is_when_enrolling() -> None:
    hub = Recorder(_ok_json(_enroll_answer()))
    request = enrollment_request(CODE, {"node_id": NODE_ID})
    with _client(hub) as client:
        assert client.enroll(request) == _enroll_answer()
    (sent,) = hub.requests
    assert (sent.method, sent.url.path) == ("POST", "/v1/enroll")
    assert json.loads(sent.content) == request
    assert set(json.loads(sent.content)) == {"code_id", "registration", "mac"}
    assert CODE.encode() not in sent.content and b"3XRP" not in sent.content


def test_enroll_sends_the_same_request_again_when_the_hub_is_briefly_unavailable() -> None:
    # Safe since the hub answers a repeated request with its stored answer.
    hub = Recorder(httpx.Response(503), httpx.ReadTimeout("lost"), _ok_json(_enroll_answer()))
    with _client(hub) as client:
        assert client.enroll(enrollment_request(CODE, {"node_id": NODE_ID})) == _enroll_answer()
    assert len({r.content for r in hub.requests}) == 1
    assert len(hub.requests) == 3


@pytest.mark.parametrize(
    "status",
    [
        # the hub is overloaded or restarting
        503,
        # a proxy in front of it failed
        502,
        504,
        # the hub asks the node to slow down
        429,
    ],
)
def test_submit_batch_retries_then_succeeds_when_hub_is_briefly_unavailable(status: int) -> None:
    hub = Recorder(httpx.Response(status), httpx.Response(status), _ok(_receipt_document()))
    with _client(hub, attempts=3) as client:
        assert client.submit_batch(make_frame()) == _receipt_document()
    assert len(hub.requests) == 3
    assert len({r.content for r in hub.requests}) == 1


@pytest.mark.parametrize(
    ("retry_after", "at_least", "at_most"),
    [
        # Retry-After: 0 adds nothing to the back-off (1 ms, capped at 4 ms with its jitter)
        ("0", 0.001, 0.004),
        # Retry-After: 1 is honoured even though the back-off is 1 ms
        ("1", 1.0, 1.0),
    ],
)
def test_client_waits_retry_after_when_hub_sends_it(
    retry_after: str, at_least: float, at_most: float
) -> None:
    hub = Recorder(
        httpx.Response(503, headers={"Retry-After": retry_after}), _ok(_receipt_document())
    )
    waits: list[float] = []
    with _client(hub, backoff=0.001, sleep=waits.append) as client:
        client.submit_batch(make_frame())
    assert len(hub.requests) == 2
    (waited,) = waits
    assert at_least <= waited <= at_most


@pytest.mark.parametrize(
    "error",
    [
        # nothing listens on the port
        httpx.ConnectError("connection refused"),
        # the link dropped mid-answer
        httpx.ReadTimeout("timed out"),
        httpx.RemoteProtocolError("peer closed connection"),
    ],
)
def test_client_raises_hub_unreachable_when_every_attempt_fails(error: Exception) -> None:
    hub = Recorder(error, error, error)
    with _client(hub, attempts=3) as client, pytest.raises(HubUnreachable) as caught:
        client.submit_batch(make_frame())
    assert len(hub.requests) == 3
    assert "county.example" in caught.value.message
    assert "nothing is lost" in caught.value.hint


def test_client_recovers_when_connection_fails_once() -> None:
    hub = Recorder(httpx.ConnectError("refused"), _ok(_receipt_document()))
    with _client(hub) as client:
        assert client.submit_batch(make_frame()) == _receipt_document()


@pytest.mark.parametrize(
    ("status", "code"),
    [
        # the node is not enrolled here
        (403, "unknown_node"),
        # the batch does not follow the last applied one
        (409, "broken_chain"),
        # sealed to a key this hub does not hold
        (421, "wrong_recipient"),
        # a protocol version the hub does not speak
        (426, "unsupported_version"),
        # a case rule is broken
        (422, "rule_violation"),
    ],
)
def test_client_raises_hub_rejected_with_remote_code_when_hub_refuses(
    status: int, code: str
) -> None:
    error = {"code": code, "message": "refused for a reason", "hint": "do this"}
    hub = Recorder(httpx.Response(status, json={"error": error}))
    with _client(hub) as client, pytest.raises(HubRejected) as caught:
        client.submit_batch(make_frame())
    assert len(hub.requests) == 1
    rejected = caught.value
    assert (rejected.remote_code, rejected.status) == (code, status)
    assert (rejected.message, rejected.hint, rejected.code) == (
        "refused for a reason",
        "do this",
        "hub_rejected",
    )


@pytest.mark.parametrize(
    "response",
    [
        # an HTML error page from a proxy
        httpx.Response(500, text="<html>Internal Server Error</html>"),
        # an empty 404 from something that is not a hub
        httpx.Response(404),
        # JSON, but not an object
        httpx.Response(400, json=["error"]),
        # an object without an error member
        httpx.Response(400, json={"detail": "bad"}),
        # a success status with a body that is not JSON
        httpx.Response(200, text="OK"),
        # JSON with a float, which the protocol refuses
        httpx.Response(400, content=b'{"error": 1.5}'),
    ],
)
def test_client_raises_hub_rejected_bad_response_when_error_body_is_unreadable(
    response: httpx.Response,
) -> None:
    with _client(Recorder(response)) as client, pytest.raises(HubRejected) as caught:
        client.submit_batch(make_frame())
    assert caught.value.remote_code == "bad_response"
    assert caught.value.status == response.status_code


@pytest.mark.parametrize(
    "status",
    [
        # overloaded or restarting on every attempt
        503,
        # a failing proxy in front of it
        502,
        504,
        # asked to slow down every time
        429,
    ],
)
def test_client_raises_hub_unreachable_when_retries_run_out_on_a_retryable_status(
    status: int,
) -> None:
    hub = Recorder(httpx.Response(status), httpx.Response(status))
    with _client(hub, attempts=2) as client, pytest.raises(HubUnreachable) as caught:
        client.submit_batch(make_frame())
    assert len(hub.requests) == 2
    unreachable = caught.value
    assert type(unreachable) is HubUnreachable
    assert unreachable.code == "hub_unreachable"
    assert f"HTTP {status}" in unreachable.message
    assert "county.example" in unreachable.message
    assert "events stay queued" in unreachable.hint


@pytest.mark.parametrize(
    ("call", "answer"),
    [
        # /v1/batches answers without "receipt"
        (lambda client: client.submit_batch(b"frame"), {}),
        # /v1/hub answers without "hub"
        (lambda client: client.hub_info(), {"receipt": {}}),
        # /v1/nodes/{id}/cursor answers without "cursor"
        (lambda client: client.cursor(NODE_ID), {"hub": {}}),
        # /v1/enroll answers without "proof", or without "hub"
        (lambda client: client.enroll({}), {"hub": _receipt_document().to_dict()}),
        (lambda client: client.enroll({}), {"proof": "00"}),
    ],
)
def test_client_raises_hub_rejected_when_success_answer_lacks_its_document(
    call: Callable[[HubClient], Any], answer: dict[str, Any]
) -> None:
    hub = Recorder(httpx.Response(200, json=answer))
    with _client(hub) as client, pytest.raises(HubRejected) as caught:
        call(client)
    assert (caught.value.remote_code, caught.value.status) == ("bad_response", 200)
    assert "hub answer lacks" in caught.value.message
    assert len(hub.requests) == 1


def test_client_reports_the_answer_status_when_held_answer_lacks_receipt() -> None:
    hub = Recorder(httpx.Response(202, json={}))
    with _client(hub) as client, pytest.raises(HubRejected) as caught:
        client.submit_batch(b"frame")
    assert caught.value.status == 202
