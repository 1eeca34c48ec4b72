"""Provides the hub's HTTP interface for nodes and hubs: the sync endpoints, the OpenAPI
description and the Prometheus metrics.
"""

from __future__ import annotations

from .endpoints import Endpoints, store_failure_response
from .metrics import HubMetrics, MetricsMiddleware
from .openapi import openapi_endpoint

__all__ = [
    "Endpoints",
    "HubMetrics",
    "MetricsMiddleware",
    "openapi_endpoint",
    "store_failure_response",
]
