"""Malformed input on every HTTP endpoint of a real hub process: a 4xx with an error code,
never a 5xx, and no table changes."""

from __future__ import annotations

import hashlib

import httpx
import pytest

from tests.security.conftest import table_counts

pytestmark = pytest.mark.e2e

JSON_ENDPOINTS = ["/v1/enroll", "/v1/registrations", "/v1/backlog", "/v1/feed"]

# Each is refused with malformed_input by every JSON endpoint.
BAD_JSON = {
    "empty": b"",
    "not json": b"GET / HTTP/1.1",
    "not utf-8": b"\xff\xfe{}",
    "array": b"[1, 2]",
    "float": b'{"a": 1.5}',
    "huge integer": b'{"a": ' + b"9" * 5000 + b"}",
    "nested arrays": b"[" * 100_000 + b"]" * 100_000,
    "nested objects": b'{"a":' * 50_000 + b"1" + b"}" * 50_000,
}

# Well-formed JSON objects that are not what the endpoint reads: refused, with the reason.
WRONG_SHAPE = {
    "empty object": b"{}",
    "fields of the wrong type": b'{"registration": 7, "backlog": [], "kind": 1, "body": 2}',
    "markup and sql": (
        b'{"code_id": "<script>alert(1)</script>", "registration": {"node_id": "x\' OR 1=1;--"},'
        b' "mac": "\'; DROP TABLE nodes;--"}'
    ),
}


def _assert_refused(answer: httpx.Response) -> str:
    assert 400 <= answer.status_code < 500, (answer.status_code, answer.text[:300])
    error = answer.json()["error"]
    assert error["code"] and error["message"]
    return str(error["code"])


@pytest.mark.parametrize("endpoint", JSON_ENDPOINTS)
@pytest.mark.parametrize("name", sorted(BAD_JSON))
def test_json_endpoint_refuses_bad_json_as_malformed(network, endpoint, name):
    county = network.county
    before = table_counts(county.home)
    answer = httpx.post(f"{county.url}{endpoint}", content=BAD_JSON[name], timeout=30)
    assert _assert_refused(answer) == "malformed_input"
    assert table_counts(county.home) == before


@pytest.mark.parametrize("endpoint", JSON_ENDPOINTS)
@pytest.mark.parametrize("name", sorted(WRONG_SHAPE))
def test_json_endpoint_refuses_objects_of_the_wrong_shape(network, endpoint, name):
    county = network.county
    before = table_counts(county.home)
    answer = httpx.post(f"{county.url}{endpoint}", content=WRONG_SHAPE[name], timeout=30)
    assert _assert_refused(answer) in {"malformed_input", "bad_signature", "enrollment_refused"}
    assert table_counts(county.home) == before


@pytest.mark.parametrize("name", sorted(BAD_JSON))
def test_batch_endpoint_refuses_json_and_text_as_malformed(network, name):
    county = network.county
    before = table_counts(county.home)
    answer = httpx.post(f"{county.url}/v1/batches", content=BAD_JSON[name], timeout=30)
    assert _assert_refused(answer) == "malformed_input"
    assert table_counts(county.home) == before


def test_batch_whose_clear_header_nests_deeply_is_malformed_not_a_crash(network):
    # Unauthenticated bytes: the clear header is parsed before any key is checked.
    clear = b"[" * 2000 + b"]" * 2000
    frame = b"TSYN\x01" + len(clear).to_bytes(2, "big") + clear + bytes(64) + b"x"
    answer = httpx.post(f"{network.county.url}/v1/batches", content=frame, timeout=30)
    assert _assert_refused(answer) == "malformed_input"


@pytest.mark.parametrize(
    "node_id",
    ["'; DROP TABLE nodes;--", "<script>alert(1)</script>", "..%2F..%2Fetc%2Fpasswd", "x" * 5000],
)
def test_cursor_of_a_hostile_node_id_is_an_empty_signed_cursor(network, node_id):
    county = network.county
    before = table_counts(county.home)
    answer = httpx.get(f"{county.url}/v1/nodes/{node_id}/cursor", timeout=30)
    assert answer.status_code in (200, 404), answer.text[:300]
    if answer.status_code == 200:
        body = answer.json()["cursor"]["body"]
        assert (body["next_batch_seq"], body["last_event_seq"]) == (1, 0)
    assert table_counts(county.home) == before


UPLOAD_ID = hashlib.sha256(b"whole frame").hexdigest()


@pytest.mark.parametrize(
    ("upload_id", "content_range", "piece"),
    [
        ("not-a-sha256", "bytes 0-3/4", b"TSYN"),
        ("'; DROP TABLE held_batches;--", "bytes 0-3/4", b"TSYN"),
        (UPLOAD_ID, "", b"TSYN"),
        (UPLOAD_ID, "bytes=0-3/4", b"TSYN"),
        (UPLOAD_ID, "bytes 3-0/4", b"TSYN"),
        (UPLOAD_ID, "bytes 0-3/2", b"TSYN"),
        (UPLOAD_ID, "bytes 0-99999999999999999999/99999999999999999999", b"TSYN"),
        (UPLOAD_ID, "bytes 0-10/11", b"whole frame"),  # hashes right, is no batch
    ],
)
def test_upload_piece_with_bad_id_range_or_bytes_is_refused(
    network, upload_id, content_range, piece
):
    county = network.county
    before = table_counts(county.home)
    answer = httpx.put(
        f"{county.url}/v1/uploads/{upload_id}",
        content=piece,
        headers={"content-range": content_range} if content_range else {},
        timeout=30,
    )
    assert _assert_refused(answer) == "malformed_input"
    assert table_counts(county.home) == before


@pytest.mark.parametrize("upload_id", ["abc", "'; DROP TABLE held_batches;--", "A" * 64])
def test_upload_offset_of_a_bad_id_is_refused(network, upload_id):
    answer = httpx.get(f"{network.county.url}/v1/uploads/{upload_id}", timeout=30)
    assert _assert_refused(answer) == "malformed_input"


def test_upload_id_that_escapes_its_folder_matches_no_route(network):
    answer = httpx.get(f"{network.county.url}/v1/uploads/..%2Fhub.db", timeout=30)
    assert (answer.status_code, answer.text) == (404, "Not Found")
