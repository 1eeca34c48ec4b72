"""Hostile batches sent over HTTP to real hub processes: each is refused with its own reason,
recorded (kept in rejected_batches, or a log line when the sender cannot be known), and
applies nothing."""

from __future__ import annotations

import json
from dataclasses import replace

import httpx
import pytest

from central_hub.home import open_home as open_hub
from sync_protocol import (
    BATCH_MEDIA_TYPE,
    GENESIS_HASH,
    MAX_BODY_SIZE,
    Event,
    Forwarder,
    SignedBatch,
    SigningKey,
    build_batch,
    canonical_json,
    encode_event,
    seal_batch,
)
from tests.conftest import run_json
from tests.security.conftest import (
    OTHER_TOWNSHIP,
    Network,
    accept_cases,
    rejections,
    table_counts,
)
from township_node.sync import Outbox

pytestmark = pytest.mark.e2e

PREFIX = 7  # magic (4), frame version (1), clear header length (2): protocol.md §5.5
SIGNATURE = 64


def _next_batch(network: Network, role: str = "clerk") -> tuple[SignedBatch, bytes]:
    """The node's next unsent batch (cut if needed) and its frame sealed to the county."""
    with network.node(role) as home:
        outbox = Outbox(home)
        if not outbox.unacknowledged():
            accept_cases(home, 1)
            outbox.cut()
        batch = outbox.unacknowledged()[0]
        return batch, seal_batch(batch, network.county_info(home).seal_key())


def _hub_info(path):
    home = open_hub(path)
    try:
        return home.info()
    finally:
        home.close()


def _post(url: str, blob: bytes) -> httpx.Response:
    return httpx.post(
        f"{url}/v1/batches", content=blob, headers={"content-type": BATCH_MEDIA_TYPE}, timeout=60
    )


def _refused(answer: httpx.Response, status: int, code: str) -> str:
    assert (answer.status_code, answer.json()["error"]["code"]) == (status, code), answer.text
    return str(answer.json()["error"]["message"])


def _header_len(frame: bytes) -> int:
    return int.from_bytes(frame[5:7], "big")


def _flip(frame: bytes, at: int) -> bytes:
    return frame[:at] + bytes([frame[at] ^ 0x01]) + frame[at + 1 :]


def _with_clear_header(frame: bytes, change) -> bytes:
    """The frame with its clear header parsed, changed, and written back canonically."""
    length = _header_len(frame)
    fields = json.loads(frame[PREFIX : PREFIX + length])
    clear = canonical_json(change(fields))
    return frame[:5] + len(clear).to_bytes(2, "big") + clear + frame[PREFIX + length :]


# Where a byte is flipped -> (status, code, kept in rejected_batches?)
TAMPERED = {
    "magic": (lambda f: 0, 400, "malformed_input", False),
    "frame version": (lambda f: 4, 426, "unsupported_version", False),
    "signature": (lambda f: PREFIX + _header_len(f) + 10, 403, "bad_signature", True),
    "sealed body": (lambda f: len(f) - 20, 400, "malformed_input", True),
    "last byte": (lambda f: len(f) - 1, 400, "malformed_input", True),
}


@pytest.mark.parametrize("where", sorted(TAMPERED))
def test_byte_flipped_anywhere_in_the_frame_is_refused_with_its_reason(network, where):
    at, status, code, kept = TAMPERED[where]
    batch, frame = _next_batch(network)
    county = network.county
    before, kept_before = table_counts(county.home), rejections(county.home)
    message = _refused(_post(county.url, _flip(frame, at(frame))), status, code)
    after = table_counts(county.home)
    assert after == before | {"rejected_batches": before["rejected_batches"] + kept}
    if kept:
        node_id, seq = batch.header.node_id, batch.header.batch_seq
        assert rejections(county.home)[len(kept_before) :] == [(node_id, seq, code)]
    assert f"batch refused: {message}" in network.log(county)


def test_signed_header_field_changed_in_transit_is_a_bad_signature(network):
    _, frame = _next_batch(network)
    county = network.county
    before = table_counts(county.home)
    forged = _with_clear_header(frame, lambda f: f | {"created_at": "2026-01-01T00:00:00.000Z"})
    _refused(_post(county.url, forged), 403, "bad_signature")
    assert table_counts(county.home)["events"] == before["events"]
    assert rejections(county.home)[-1][2] == "bad_signature"


@pytest.mark.parametrize("region", ["prefix", "clear header", "signature", "sealed body"])
def test_truncated_frame_is_refused_as_malformed(network, region):
    _, frame = _next_batch(network)
    cut = {
        "prefix": 5,
        "clear header": PREFIX + _header_len(frame) // 2,
        "signature": PREFIX + _header_len(frame) + SIGNATURE // 2,
        "sealed body": len(frame) - 5,
    }[region]
    county = network.county
    before = table_counts(county.home)
    message = _refused(_post(county.url, frame[:cut]), 400, "malformed_input")
    assert table_counts(county.home)["events"] == before["events"]
    assert f"batch refused: {message}" in network.log(county)


def test_oversized_body_is_refused_before_it_is_read_whole(network):
    county = network.county
    before = table_counts(county.home)
    too_big = b"TSYN" + bytes(MAX_BODY_SIZE + 64 * 1024)
    message = _refused(_post(county.url, too_big), 400, "malformed_input")
    assert "request body is over" in message
    assert table_counts(county.home) == before


def test_batch_sealed_to_another_hubs_key_is_refused_as_wrong_recipient(network):
    batch, _ = _next_batch(network)
    county, prefecture = network.county, network.prefecture
    other_key = _hub_info(prefecture.home).seal_key()
    before = table_counts(county.home)
    message = _refused(_post(county.url, seal_batch(batch, other_key)), 421, "wrong_recipient")
    assert other_key.key_id in message
    assert table_counts(county.home)["events"] == before["events"]
    header = batch.header
    assert rejections(county.home)[-1] == (header.node_id, header.batch_seq, "wrong_recipient")


def test_replayed_old_batch_gets_its_first_receipt_and_applies_nothing_again(network):
    county = network.county
    with network.node("clerk") as home:
        (first,) = Outbox(home).batches_from(1)[:1]
        stored = json.loads(
            home.conn.execute("SELECT receipt FROM batches WHERE batch_seq = 1").fetchone()[0]
        )
        blob = seal_batch(first, network.county_info(home).seal_key())
    before = table_counts(county.home)
    answer = _post(county.url, blob)
    assert answer.status_code == 200
    assert answer.json()["receipt"] == stored
    assert table_counts(county.home) == before


def test_old_batch_number_replayed_with_other_events_is_a_conflict(network):
    county = network.county
    with network.node("clerk") as home:
        line = home.conn.execute("SELECT body FROM events WHERE seq = 1").fetchone()[0]
        event = json.loads(line) | {"occurred_at": "2026-11-01T00:00:00.000Z"}
        replayed = build_batch(
            [encode_event(Event(**event))],
            node_id=home.node_id,
            first_seq=1,
            batch_seq=1,
            prev_hash=GENESIS_HASH,
            signing_key=home.keys.signing,
        )
        blob = seal_batch(replayed, network.county_info(home).seal_key())
    before = table_counts(county.home)
    _refused(_post(county.url, blob), 409, "conflicting_batch")
    assert table_counts(county.home)["events"] == before["events"]
    assert rejections(county.home)[-1][1:] == (1, "conflicting_batch")


@pytest.mark.parametrize("forger", ["stranger's key", "another enrolled node's key"])
def test_batch_in_a_nodes_name_signed_by_another_key_is_a_bad_signature(network, forger):
    county = network.county
    batch, _ = _next_batch(network)
    with network.node("rogue") as rogue:
        key = SigningKey.generate() if forger == "stranger's key" else rogue.keys.signing
        seal_key = network.county_info(rogue).seal_key()
    with network.node("clerk") as home:
        lines = [
            row[0]
            for row in home.conn.execute(
                "SELECT body FROM events WHERE seq BETWEEN ? AND ? ORDER BY seq",
                (batch.header.first_seq, batch.header.last_seq),
            )
        ]
    forged = build_batch(
        lines,
        node_id=batch.header.node_id,
        first_seq=batch.header.first_seq,
        batch_seq=batch.header.batch_seq,
        prev_hash=batch.header.prev_hash,
        signing_key=key,
    )
    before = table_counts(county.home)
    message = _refused(_post(county.url, seal_batch(forged, seal_key)), 403, "bad_signature")
    assert key.public.key_id in message
    assert table_counts(county.home)["events"] == before["events"]
    header = batch.header
    assert rejections(county.home)[-1] == (header.node_id, header.batch_seq, "bad_signature")


def test_stranger_node_is_refused_and_not_stored(network):
    county = network.county
    stranger = SigningKey.generate()
    batch = build_batch(
        [b"{}"],
        node_id="513431100-stranger",
        first_seq=1,
        batch_seq=1,
        prev_hash=GENESIS_HASH,
        signing_key=stranger,
    )
    with network.node("clerk") as home:
        blob = seal_batch(batch, network.county_info(home).seal_key())
    before = table_counts(county.home)
    message = _refused(_post(county.url, blob), 403, "unknown_node")
    # Strangers must not be able to fill the hub's disk: only the log line records them.
    assert table_counts(county.home) == before
    assert f"batch refused: {message}" in network.log(county)


def test_newer_protocol_version_is_refused_as_unsupported(network):
    _, frame = _next_batch(network)
    county = network.county
    before = table_counts(county.home)
    message = _refused(
        _post(county.url, _with_clear_header(frame, lambda f: f | {"protocol": 2})),
        426,
        "unsupported_version",
    )
    assert "protocol version 2" in message
    assert table_counts(county.home) == before
    assert f"batch refused: {message}" in network.log(county)


def test_events_recorded_for_another_center_are_quarantined_not_counted(network):
    county = network.county
    with network.node("rogue") as home:
        accept_cases(home, 1)
        event = json.loads(home.conn.execute("SELECT body FROM events WHERE seq = 1").fetchone()[0])
        event["payload"]["center_code"] = OTHER_TOWNSHIP
        batch = build_batch(
            [encode_event(Event(**event))],
            node_id=home.node_id,
            first_seq=1,
            batch_seq=1,
            prev_hash=GENESIS_HASH,
            signing_key=home.keys.signing,
        )
        blob = seal_batch(batch, network.county_info(home).seal_key())
    before = table_counts(county.home)
    answer = _post(county.url, blob)
    assert answer.status_code == 200, answer.text
    reason = answer.json()["receipt"]["body"]["reason"]
    assert f"recorded an acceptance for center {OTHER_TOWNSHIP}" in reason
    after = table_counts(county.home)
    # The signed event is kept in the log and in quarantine; no case is counted from it.
    assert (after["cases"], after["quarantine"]) == (before["cases"], before["quarantine"] + 1)


def test_revoked_node_is_refused_and_the_refusal_kept(network):
    county = network.county
    batch, frame = _next_batch(network, "revoked")
    node_id = batch.header.node_id
    revoked = run_json(
        "central-hub", "revoke", node_id, "--home", str(county.home), "--reason", "电脑被盗"
    )
    assert revoked == {"node_id": node_id, "revoked": True}
    before = table_counts(county.home)
    message = _refused(_post(county.url, frame), 403, "revoked_node")
    assert node_id in message
    assert table_counts(county.home)["events"] == before["events"]
    assert rejections(county.home)[-1] == (node_id, batch.header.batch_seq, "revoked_node")


@pytest.mark.parametrize("alteration", ["body byte", "header field", "events re-signed by county"])
def test_county_forwarding_a_township_batch_it_altered_is_refused_at_the_prefecture(
    network, alteration
):
    prefecture = network.prefecture
    with network.node("clerk") as home:
        (batch,) = Outbox(home).batches_from(1)[:1]
        line = home.conn.execute("SELECT body FROM events WHERE seq = 1").fetchone()[0]
    seal_key = _hub_info(prefecture.home).seal_key()
    county = open_hub(network.county.home)
    county_key = county.signing
    forwarder = Forwarder(county.config.hub_id, county_key)  # the county countersigns it
    county.close()
    if alteration == "body byte":
        body = batch.body[:-3] + bytes([batch.body[-3] ^ 0xFF]) + batch.body[-2:]
        altered, status, code = replace(batch, body=body), 400, "malformed_input"
    elif alteration == "header field":
        header = replace(batch.header, created_at="2026-01-01T00:00:00.000Z")
        altered, status, code = replace(batch, header=header), 403, "bad_signature"
    else:
        event = json.loads(line)
        event["occurred_at"] = "2026-01-01T00:00:00.000Z"
        altered = build_batch(
            [encode_event(Event(**event))],
            node_id=batch.header.node_id,
            first_seq=1,
            batch_seq=1,
            prev_hash=GENESIS_HASH,
            signing_key=county_key,
        )
        status, code = 403, "bad_signature"
    before = table_counts(prefecture.home)
    _refused(
        _post(prefecture.url, seal_batch(altered, seal_key, forwarder=forwarder)), status, code
    )
    assert table_counts(prefecture.home)["events"] == before["events"]
    assert rejections(prefecture.home)[-1] == (batch.header.node_id, 1, code)
