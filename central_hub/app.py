"""Provides the hub's ASGI application (Starlette), served by uvicorn."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route

from .api import Endpoints, HubMetrics, MetricsMiddleware, openapi_endpoint, store_failure_response
from .home import HubHome, open_home
from .web import create_dashboard

__all__ = ["create_app"]

log = logging.getLogger("central_hub")


def create_app(home: HubHome | Path, *, forward_interval: float = 30.0) -> Starlette:
    """Builds the app for one hub home.

    Args:
        forward_interval: seconds between background forwarding rounds on a linked county
            hub (0 disables them; `central-hub forward` runs one by hand).
    """
    hub = home if isinstance(home, HubHome) else open_home(home)
    endpoints = Endpoints(hub)
    metrics = HubMetrics(hub)

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        task = None
        if forward_interval > 0 and hub.config.tier == "county":
            task = asyncio.create_task(endpoints.forward_forever(forward_interval))
        yield
        if task:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def upload(request: Request) -> Response:
        if request.method == "PUT":
            return await endpoints.upload_piece(request)
        return await endpoints.upload_offset(request)

    routes = [
        Route("/v1/hub", endpoints.hub_info, methods=["GET"]),
        Route("/v1/enroll", endpoints.enroll, methods=["POST"]),
        Route("/v1/batches", endpoints.submit_batch, methods=["POST"]),
        Route("/v1/nodes/{node_id}/cursor", endpoints.cursor, methods=["GET"]),
        # One route for both methods, so a 405 elsewhere lists both in its Allow header.
        Route("/v1/uploads/{upload_id}", upload, methods=["GET", "PUT"]),
        Route("/v1/registrations", endpoints.register_forwarded, methods=["POST"]),
        Route("/v1/catalog", endpoints.catalog, methods=["GET"]),
        Route("/v1/backlog", endpoints.backlog, methods=["POST"]),
        Route("/v1/feed", endpoints.feed, methods=["POST"]),
        Route("/healthz", endpoints.health, methods=["GET"]),
        Route("/metrics", metrics.endpoint, methods=["GET"]),
        Route("/openapi.json", openapi_endpoint, methods=["GET"]),
        Mount("/dash", app=create_dashboard(hub)),
    ]
    return Starlette(
        routes=routes,
        lifespan=lifespan,
        exception_handlers={SQLAlchemyError: store_failure_response},
        middleware=[Middleware(MetricsMiddleware, metrics=metrics)],
    )
