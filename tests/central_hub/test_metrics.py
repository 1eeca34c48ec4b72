"""A real hub process exposes Prometheus metrics and a health check that asks its store."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from central_hub.api.metrics import route_of
from sync_protocol import seal_batch
from tests.conftest import HubProcess, run_cli, start_hub
from tests.factories import APPLICANTS
from tests.pairs import make_pair
from tests.test_end_to_end import _accept
from tests.test_restore import _county_with_node, _item
from township_node.enrollment import pinned_hub
from township_node.home import open_home
from township_node.sync import Outbox

pytestmark = pytest.mark.e2e


def _scrape(hub: HubProcess) -> dict[tuple[str, frozenset], float]:
    answer = httpx.get(f"{hub.url}/metrics", timeout=10)
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain")
    samples = {}
    for family in text_string_to_metric_families(answer.text):
        for sample in family.samples:
            samples[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return samples


def _value(samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def test_metrics_count_applied_duplicate_and_refused_batches_after_a_sync(tmp_path, hubs):
    county, node = _county_with_node(tmp_path, hubs)
    before = _scrape(county)
    assert _value(before, "township_hub_batches_total", outcome="applied", reason="") == 0
    _accept(node, _item(), APPLICANTS[0])
    _accept(node, _item(), APPLICANTS[1])
    run_cli("township-node", "sync", "--home", node)
    with open_home(tmp_path / "dead-pc") as home:
        (batch,) = Outbox(home).batches_from(1)
        _, hub = pinned_hub(home)
    blob = seal_batch(batch, hub.seal_key())
    assert httpx.post(f"{county.url}/v1/batches", content=blob).status_code == 200  # again
    damaged = blob[:-1] + bytes([blob[-1] ^ 0xFF])  # the sealed body fails authentication
    assert httpx.post(f"{county.url}/v1/batches", content=damaged).status_code == 400

    samples = _scrape(county)
    assert _value(samples, "township_hub_batches_total", outcome="applied", reason="") == 1
    assert _value(samples, "township_hub_batches_total", outcome="duplicate", reason="") == 1
    assert (
        _value(samples, "township_hub_batches_total", outcome="rejected", reason="malformed_input")
        == 1
    )
    assert _value(samples, "township_hub_events_ingested_total") == 2
    assert _value(samples, "township_hub_held_batches") == 0
    # The county is not linked: what it applied waits to be forwarded.
    assert _value(samples, "township_hub_forward_backlog_batches") == 1
    assert _value(samples, "township_hub_forward_backlog_events") == 2
    assert _value(samples, "township_hub_nodes", state="有拒收") == 1  # the damaged copy
    assert _value(samples, "township_hub_nodes", state="正常") == 0
    assert _value(samples, "township_hub_ingest_seconds_count", route="batches") == 3
    assert _value(samples, "township_hub_upload_bytes_total", route="batches") >= 3 * len(blob) - 1
    assert _value(samples, "township_hub_feed_pages_total") >= 1
    assert _value(samples, "township_hub_http_requests_total", route="batches", status="400") == 1


def test_health_check_reports_the_store(tmp_path, hubs):
    pair = make_pair(tmp_path)
    county = start_hub(pair.hub.path)
    hubs.append(county)
    answer = httpx.get(f"{county.url}/healthz", timeout=5)
    assert answer.status_code == 200
    assert answer.json()["store"] == "ok"


def test_route_labels_never_carry_ids():
    assert route_of("PUT", "/v1/uploads/" + "a" * 64) == "uploads"
    assert route_of("GET", "/v1/nodes/513431100-ab12cd34/cursor") == "cursor"
    assert route_of("DELETE", "/v1/batches") == "other"


def test_health_check_fails_with_503_when_the_store_does_not_answer(tmp_path):
    import asyncio

    from central_hub.app import create_app

    pair = make_pair(tmp_path)
    if pair.hub.engine.dialect.name != "sqlite":
        pytest.skip("breaks the store by overwriting its SQLite file")
    database = pair.hub.engine.url.database
    app = create_app(pair.hub, forward_interval=0)

    async def health() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as client:
            return await client.get("/healthz")

    assert asyncio.run(health()).status_code == 200
    pair.hub.engine.dispose()  # the next query opens the file again
    for suffix in ("-wal", "-shm"):
        Path(database + suffix).unlink(missing_ok=True)
    Path(database).write_bytes(b"this is not a database" * 200)
    answer = asyncio.run(health())
    assert answer.status_code == 503
    assert answer.json()["error"]["code"] == "persistence_error"
