"""Provides what flows between the tiers: store-and-forward up to the prefecture with the
backlog statement, and what a node pulls: the downward feed pages and the catalog bundle.
"""

from __future__ import annotations

from .backlog import accept_backlog, backlog_statement, backlog_view
from .bundle import CatalogBundle, catalog_bundle
from .feed import answer_feed_request, feed_page_for
from .forward import (
    forward_round,
    link_upstream,
    load_batch,
    nodes_with_backlog,
    save_forward_state,
    upstream_of,
)

__all__ = [
    "CatalogBundle",
    "accept_backlog",
    "answer_feed_request",
    "backlog_statement",
    "backlog_view",
    "catalog_bundle",
    "feed_page_for",
    "forward_round",
    "link_upstream",
    "load_batch",
    "nodes_with_backlog",
    "save_forward_state",
    "upstream_of",
]
