"""Provides the catalog bundle a node pulls (by HTTP or in a USB folder): the catalogs in
force, the prefecture's description endorsed by its county, and the hub's signed list of
revoked nodes, so a node learns of a stolen PC with its next catalog."""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa

from sync_protocol import HubInfo, sign_document

from ..catalogs import latest_catalog
from ..home import HubHome
from ..reconcile import revocation_list
from ..store import hub_meta

__all__ = ["CatalogBundle", "catalog_bundle"]

CatalogBundle = dict[str, Any]


def catalog_bundle(home: HubHome) -> CatalogBundle:
    """What a node pulls: the latest prefecture and county catalogs, and at a county the
    prefecture's description endorsed by the county, so the node can check its signature."""
    with home.engine.connect() as conn:
        own = latest_catalog(conn, home.config.org_code)
        upstream_doc = conn.execute(
            sa.select(hub_meta.c.value).where(hub_meta.c.key == "upstream_info")
        ).scalar()
        prefecture_code = (
            home.config.org_code
            if home.config.tier == "prefecture"
            else HubInfo(**json.loads(upstream_doc)["body"]).org_code
            if upstream_doc
            else ""
        )
        prefecture = latest_catalog(conn, prefecture_code) if prefecture_code else None
    bundle: CatalogBundle = {
        "prefecture": prefecture.to_dict() if prefecture else None,
        "county": own.to_dict() if own and home.config.tier == "county" else None,
        "upstream": None,
    }
    if upstream_doc:
        endorsement = sign_document("upstream_hub", json.loads(upstream_doc)["body"], home.signing)
        bundle["upstream"] = endorsement.to_dict()
    bundle["revocations"] = revocation_list(home).to_dict()
    return bundle
