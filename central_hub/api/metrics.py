"""Provides the hub's Prometheus metrics, served at `GET /metrics`.

Two kinds, on purpose:
- **From the store**, computed at each scrape: batches applied / answered as duplicates /
  refused by reason, batches held behind a gap, events ingested, the forward backlog (county),
  nodes by reconciliation state. They are the same whichever worker answers the scrape and
  survive restarts, so they stay right with `--workers N` on PostgreSQL.
- **Per process**, counted by an ASGI middleware: request counts by route and status, ingest
  latency (POST /v1/batches, PUT /v1/uploads/…), upload bytes, feed pages served. With
  several uvicorn workers each process counts only what it served; a scrape reaches one
  worker, so use them as rates per instance, or run one worker where exact totals matter
  (docs/operations.md "Monitoring a hub"). prometheus-client's multiprocess mode would merge
  them, at the cost of a shared directory and its files; not worth it at these volumes.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..home import HubHome
from ..store import batches, forward_state, held_batches, rejected_batches

__all__ = ["CONTENT_TYPE", "HubMetrics", "MetricsMiddleware", "check_store", "route_of"]

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

# Route names for labels: a fixed, small set (never the raw path, which holds ids).
_ROUTES = (
    ("POST", "/v1/batches", "batches"),
    ("PUT", "/v1/uploads/", "uploads"),
    ("GET", "/v1/uploads/", "upload_offset"),
    ("POST", "/v1/feed", "feed"),
    ("POST", "/v1/enroll", "enroll"),
    ("GET", "/v1/catalog", "catalog"),
    ("GET", "/v1/nodes/", "cursor"),
    ("GET", "/v1/hub", "hub_info"),
    ("GET", "/healthz", "health"),
    ("GET", "/metrics", "metrics"),
    ("GET", "/dash", "dashboard"),
    ("POST", "/dash", "dashboard"),
)
_INGEST_ROUTES = frozenset({"batches", "uploads"})
# From 5 ms (a small batch on a quiet hub) to 60 s (a large one behind a queue).
_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)


def route_of(method: str, path: str) -> str:
    for route_method, prefix, name in _ROUTES:
        if method == route_method and (path == prefix or path.startswith(prefix)):
            return name
    return "other"


def check_store(home: HubHome) -> None:
    """Runs one trivial query, for /healthz: a hub whose store does not answer is not healthy.

    Raises:
        sqlalchemy.exc.SQLAlchemyError: the store is unreachable, locked past its timeout, or
            its file is not a database.
    """
    with home.engine.connect() as conn:
        conn.execute(sa.select(batches.c.node_id).limit(1)).all()


class HubMetrics:
    """The metrics of one hub app: its own registry, so apps in one process stay apart."""

    def __init__(self, home: HubHome) -> None:
        self.home = home
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "township_hub_http_requests",
            "HTTP requests served by this process, by route and status code.",
            ("route", "status"),
            registry=self.registry,
        )
        self.ingest_seconds = Histogram(
            "township_hub_ingest_seconds",
            "Time to answer a batch (POST /v1/batches) or an upload piece, in this process.",
            ("route",),
            buckets=_LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.upload_bytes = Counter(
            "township_hub_upload_bytes",
            "Bytes of batch frames and upload pieces received by this process.",
            ("route",),
            registry=self.registry,
        )
        self.feed_pages = Counter(
            "township_hub_feed_pages",
            "Feed pages served by this process (POST /v1/feed answered 200).",
            registry=self.registry,
        )
        self.registry.register(_StoreCollector(home))

    def observe(self, route: str, status: int, seconds: float, received: int) -> None:
        self.requests.labels(route, str(status)).inc()
        if route in _INGEST_ROUTES:
            self.ingest_seconds.labels(route).observe(seconds)
            self.upload_bytes.labels(route).inc(received)
        if route == "feed" and status == 200:
            self.feed_pages.inc()

    def exposition(self) -> bytes:
        return generate_latest(self.registry)

    async def endpoint(self, _request: Request) -> Response:
        """`GET /metrics`: the store is read in a worker thread, like every other query."""
        body = await run_in_threadpool(self.exposition)
        return Response(body, media_type=CONTENT_TYPE)


class _StoreCollector(Collector):
    """Metrics read from the hub's store at scrape time (see the module doc)."""

    def __init__(self, home: HubHome) -> None:
        self._home = home

    def collect(self) -> Iterator[Metric]:
        with self._home.engine.connect() as conn:
            yield from _batch_metrics(conn)
            if self._home.config.tier == "county":
                yield from _backlog_metrics(conn)
        yield _node_states(self._home)


def _batch_metrics(conn: sa.Connection) -> Iterator[Metric]:
    from ..ingest import equivocations, node_contacts

    applied, events = conn.execute(
        sa.select(sa.func.count(), sa.func.coalesce(sa.func.sum(batches.c.event_count), 0))
    ).one()
    duplicates = conn.execute(
        sa.select(sa.func.coalesce(sa.func.sum(node_contacts.c.duplicates), 0))
    ).scalar_one()
    outcome = CounterMetricFamily(
        "township_hub_batches",
        "Batches by outcome since the store was created: applied, answered as a duplicate, "
        "or refused (by reason code).",
        labels=("outcome", "reason"),
    )
    outcome.add_metric(("applied", ""), applied)
    outcome.add_metric(("duplicate", ""), duplicates)
    for reason, count in conn.execute(
        sa.select(rejected_batches.c.reason_code, sa.func.count()).group_by(
            rejected_batches.c.reason_code
        )
    ):
        outcome.add_metric(("rejected", reason), count)
    yield outcome
    yield CounterMetricFamily(
        "township_hub_events_ingested",
        "Events in applied batches since the store was created.",
        value=events,
    )
    proofs = GaugeMetricFamily(
        "township_hub_equivocations",
        "Proofs that a node signed two different batches for one number, by node: any value "
        "above zero needs a human (the node's PC may be copied or stolen).",
        labels=("node_id",),
    )
    for node_id, count in conn.execute(
        sa.select(equivocations.c.node_id, sa.func.count()).group_by(equivocations.c.node_id)
    ):
        proofs.add_metric((node_id,), count)
    yield proofs
    held = conn.execute(sa.select(sa.func.count()).select_from(held_batches)).scalar_one()
    yield GaugeMetricFamily(
        "township_hub_held_batches", "Batches held behind a missing one (gaps).", value=held
    )


def _backlog_metrics(conn: sa.Connection) -> Iterator[Metric]:
    forwarded = sa.func.coalesce(
        sa.select(forward_state.c.forwarded_batch_seq)
        .where(forward_state.c.node_id == batches.c.node_id)
        .scalar_subquery(),
        0,
    )
    count, events = conn.execute(
        sa.select(sa.func.count(), sa.func.coalesce(sa.func.sum(batches.c.event_count), 0)).where(
            batches.c.batch_seq > forwarded
        )
    ).one()
    yield GaugeMetricFamily(
        "township_hub_forward_backlog_batches",
        "Applied batches not yet forwarded to the prefecture.",
        value=count,
    )
    yield GaugeMetricFamily(
        "township_hub_forward_backlog_events",
        "Events in applied batches not yet forwarded to the prefecture.",
        value=events,
    )
    refused = conn.execute(
        sa.select(sa.func.count())
        .select_from(forward_state)
        .where(forward_state.c.last_error.is_not(None), forward_state.c.last_error != "")
    ).scalar_one()
    yield GaugeMetricFamily(
        "township_hub_forward_refused_nodes",
        "Nodes whose last forwarding the prefecture refused (the others go on).",
        value=refused,
    )


def _node_states(home: HubHome) -> Metric:
    from ..reconcile import reconcile_table

    states: dict[str, int] = {}
    for row in reconcile_table(home).rows:
        states[row["state"]] = states.get(row["state"], 0) + 1
    family = GaugeMetricFamily(
        "township_hub_nodes",
        "Enrolled service-center nodes by reconciliation state (正常, 缺口, 失联, …).",
        labels=("state",),
    )
    for state, count in sorted(states.items()):
        family.add_metric((state,), count)
    return family


class MetricsMiddleware:
    """Counts each HTTP request: route, status, time to answer, bytes received."""

    def __init__(self, app: ASGIApp, *, metrics: HubMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        route = route_of(scope["method"], scope["path"])
        started = time.perf_counter()
        seen: dict[str, Any] = {"status": 500, "bytes": 0}

        async def counting_receive() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                seen["bytes"] += len(message.get("body", b""))
            return message

        async def status_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                seen["status"] = message["status"]
            await send(message)

        try:
            await self.app(scope, counting_receive, status_send)
        finally:
            self.metrics.observe(
                route, int(seen["status"]), time.perf_counter() - started, int(seen["bytes"])
            )
