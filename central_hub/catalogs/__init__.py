"""Provides catalog publication: spreadsheet import, signed versions (the latest of each
issuer is what nodes get), and the versions ingest judges acceptances by.
"""

from __future__ import annotations

from .publication import (
    CatalogVersions,
    import_calendar_layer,
    import_catalog,
    latest_catalog,
    publish_catalog,
    store_upstream_catalog,
)

__all__ = [
    "CatalogVersions",
    "import_calendar_layer",
    "import_catalog",
    "latest_catalog",
    "publish_catalog",
    "store_upstream_catalog",
]
