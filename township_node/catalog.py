"""Provides the catalog a node works under.

Until the prefecture publishes signed catalogs to nodes (the catalog issue), every node
works under casework's bundled sample catalog; `current_catalog` is the one place that
will change when it does.
"""

from __future__ import annotations

from datetime import date

import casework

from .home import NodeHome

__all__ = ["available_items", "center_level", "current_catalog"]


def current_catalog(home: NodeHome) -> casework.Catalog:
    return casework.load_sample_catalog()


def center_level(home: NodeHome) -> str:
    """A 9-digit code is a township center, a 6-digit one a county center."""
    return "township" if len(home.center_code) == 9 else "county"


def available_items(home: NodeHome, *, on_date: date | None = None) -> list[casework.Item]:
    """Items this center may accept today, by code."""
    return current_catalog(home).available_at(center_level(home), on_date or date.today())
