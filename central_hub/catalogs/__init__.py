"""Provides catalog publication and distribution: spreadsheet import, signed versions, the
bundle a node pulls, and the versions ingest judges acceptances by.
"""

from __future__ import annotations

from .publication import (
    CatalogVersions,
    catalog_bundle,
    import_calendar_layer,
    import_catalog,
    publish_catalog,
    store_upstream_catalog,
)

__all__ = [
    "CatalogVersions",
    "catalog_bundle",
    "import_calendar_layer",
    "import_catalog",
    "publish_catalog",
    "store_upstream_catalog",
]
