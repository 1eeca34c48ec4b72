"""On a clean link, each batch goes up exactly once, however many are in flight.

A real county hub process, a real node, real HTTP. A transport wrapped around httpx's own
counts the requests that hand the hub a whole batch (a POST of the frame, or the upload
piece that completes it), by the batch's sequence number read from the frame's clear header.
"""

from __future__ import annotations

from collections import Counter

import httpx
import pytest

from sync_protocol import HubClient, peek_batch
from tests.faults.network import assert_exactly_once, build_network, record_cases
from township_node.home import open_home
from township_node.sync import sync_once

pytestmark = pytest.mark.e2e


class CountingTransport(httpx.HTTPTransport):
    """httpx's transport, noting which batch each completing request delivered."""

    def __init__(self) -> None:
        super().__init__()
        self.deliveries: Counter[int] = Counter()
        self._uploads: dict[str, int] = {}

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        path, body = request.url.path, request.read()
        if request.method == "POST" and path == "/v1/batches":
            self.deliveries[peek_batch(body).header.batch_seq] += 1
        elif request.method == "PUT" and path.startswith("/v1/uploads/"):
            span, total = request.headers["Content-Range"].removeprefix("bytes ").split("/")
            start, end = (int(x) for x in span.split("-"))
            if start == 0:
                self._uploads[path] = peek_batch(body).header.batch_seq
            if end + 1 == int(total):
                self.deliveries[self._uploads[path]] += 1
        return super().handle_request(request)


@pytest.mark.parametrize(
    ("batch_events", "window"),
    [(40, 4), (500, 2)],
    ids=["one-request-frames", "resumable-uploads"],
)
def test_every_batch_is_sent_once_when_several_are_in_flight_on_a_clean_link(
    tmp_path, hubs, batch_events, window
):
    network = build_network(tmp_path, hubs)
    record_cases(network.node, cases=3000, seed=17, fast=True)
    transport = CountingTransport()
    with (
        open_home(network.node) as home,
        HubClient(network.county.url, transport=transport) as client,
    ):
        report = sync_once(home, client, batch_events=batch_events, window=window)

    batches = report.next_batch_seq - 1
    assert batches > 3 * window
    assert sorted(transport.deliveries) == list(range(1, batches + 1))
    sent_twice = {seq: n for seq, n in transport.deliveries.items() if n != 1}
    assert not sent_twice, f"batches sent more than once (seq: sends): {sent_twice}"
    assert report.batches_sent == batches
    assert_exactly_once(network.node, network.county.home)
