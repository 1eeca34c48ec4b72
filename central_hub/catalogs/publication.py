"""Provides catalog publication: spreadsheet import to a draft, signed versions in force.

The prefecture publishes the item catalog with the calendar layers (Liangshan's own holidays
and next year's, so they reach nodes before any software update); a county publishes its
local items. Each publication is a signed document of kind "catalog" with a per-issuer
sequence number, so a node can refuse an older version replayed to it.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

import casework
from sync_protocol import (
    HubInfo,
    SignedDocument,
    format_timestamp,
    sign_document,
    verify_document,
)

from ..errors import HubError
from ..home import HubHome
from ..store import catalogs, hub_meta

__all__ = [
    "CatalogVersions",
    "import_calendar_layer",
    "import_catalog",
    "latest_catalog",
    "publish_catalog",
    "store_upstream_catalog",
]

_DRAFT = "catalog_draft"
_CALENDAR_DRAFT = "calendar_draft"


def _get_meta(conn: sa.Connection, key: str) -> str | None:
    return conn.execute(sa.select(hub_meta.c.value).where(hub_meta.c.key == key)).scalar()


def _set_meta(conn: sa.Connection, key: str, value: str) -> None:
    conn.execute(hub_meta.delete().where(hub_meta.c.key == key))
    conn.execute(hub_meta.insert().values(key=key, value=value))


def import_catalog(home: HubHome, path: Path) -> casework.Catalog:
    """Reads a catalog spreadsheet into the draft the next `publish_catalog` signs.

    Raises:
        casework.CatalogImportError: every bad row, with row number, column and why; the
            draft is left as it was.
    """
    catalog = casework.read_catalog_file(path, issuer_org_code=home.config.org_code)
    with home.engine.begin() as conn:
        _set_meta(conn, _DRAFT, json.dumps(casework.catalog_to_dict(catalog), ensure_ascii=False))
    return catalog


def import_calendar_layer(home: HubHome, path: Path) -> casework.CalendarLayer:
    """Adds a calendar layer (JSON, as `casework.layer_to_dict` writes it) to the draft.

    Raises:
        casework.CaseworkError: the file is not a valid layer.
        HubError: the file is not JSON.
    """
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise HubError(f"cannot read calendar layer {path}: {exc}") from exc
    layer = casework.layer_from_dict(data)
    with home.engine.begin() as conn:
        layers = json.loads(_get_meta(conn, _CALENDAR_DRAFT) or "[]")
        layers = [entry for entry in layers if entry.get("name") != layer.name]
        _set_meta(conn, _CALENDAR_DRAFT, json.dumps([*layers, casework.layer_to_dict(layer)]))
    return layer


def publish_catalog(home: HubHome, *, now: datetime | None = None) -> SignedDocument:
    """Signs the draft (or, with no draft, the bundled sample) as the next version.

    Raises:
        HubError: a county with no local items to publish.
    """
    now = now or datetime.now(UTC)
    issuer, tier = home.config.org_code, home.config.tier
    with home.engine.begin() as conn:
        catalog = _draft_or_sample(conn, home)
        sequence = 1 + (
            conn.execute(
                sa.select(sa.func.max(catalogs.c.sequence)).where(catalogs.c.issuer == issuer)
            ).scalar()
            or 0
        )
        version = f"{issuer}-{now:%Y%m%d}.{sequence}"
        published = casework.Catalog(version, issuer, catalog.items)
        body = {
            "issuer": issuer,
            "tier": tier,
            "sequence": sequence,
            "version": version,
            "published_at": format_timestamp(now),
            "catalog": casework.catalog_to_dict(published),
            "calendar_layers": _calendar_layers(conn, tier),
        }
        document = sign_document("catalog", body, home.signing)
        _insert(conn, document)
    return document


def _draft_or_sample(conn: sa.Connection, home: HubHome) -> casework.Catalog:
    draft = _get_meta(conn, _DRAFT)
    if draft:
        return casework.catalog_from_dict(json.loads(draft))
    if home.config.tier == "prefecture":
        return casework.load_sample_catalog()
    sample = casework.load_sample_county_catalog()
    if sample.issuer_org_code == home.config.org_code:
        return sample
    raise HubError(
        "no local items to publish; import them first with `central-hub catalog import FILE`"
    )


def _calendar_layers(conn: sa.Connection, tier: str) -> list[dict[str, Any]]:
    """The prefecture's layers: Liangshan's own days, then whatever was imported."""
    if tier != "prefecture":
        return []
    imported: list[dict[str, Any]] = json.loads(_get_meta(conn, _CALENDAR_DRAFT) or "[]")
    return [casework.layer_to_dict(casework.liangshan_layer()), *imported]


def _insert(conn: sa.Connection, document: SignedDocument) -> None:
    body = document.body
    conn.execute(
        catalogs.insert().values(
            issuer=body["issuer"],
            sequence=body["sequence"],
            version=body["version"],
            published_at=body["published_at"],
            document=json.dumps(document.to_dict(), ensure_ascii=False),
        )
    )


def latest_catalog(conn: sa.Connection, issuer: str) -> SignedDocument | None:
    row = conn.execute(
        sa.select(catalogs.c.document)
        .where(catalogs.c.issuer == issuer)
        .order_by(catalogs.c.sequence.desc())
        .limit(1)
    ).first()
    return SignedDocument.from_dict(json.loads(row.document)) if row else None


def store_upstream_catalog(home: HubHome, document: SignedDocument, upstream: HubInfo) -> bool:
    """Keeps the prefecture's catalog at a county, verified with the prefecture's key.

    Returns:
        Whether it was new.

    Raises:
        BadSignature, MalformedInput.
    """
    body = verify_document(document, upstream.verify_key(), kind="catalog")
    with home.engine.begin() as conn:
        known = conn.execute(
            sa.select(catalogs.c.version).where(
                catalogs.c.issuer == body["issuer"], catalogs.c.sequence == body["sequence"]
            )
        ).first()
        if known is not None:
            return False
        _insert(conn, document)
    return True


class CatalogVersions:
    """Catalog versions by name, read from the store once each (a version never changes).

    A node working under a county's local items records the merged version
    "<prefecture version>+<county version>"; both halves are looked up and merged again.
    """

    def __init__(self, home: HubHome) -> None:
        self._home = home
        sample = casework.load_sample_catalog()
        self._known: dict[str, casework.Catalog] = {sample.version: sample}
        self._calendar: tuple[str, casework.WorkCalendar] | None = None

    def get(self, version: str) -> casework.Catalog | None:
        """The catalog of that version, or None when this hub has not seen it."""
        if version not in self._known:
            parts = [self._published(part) for part in version.split("+")]
            if any(part is None for part in parts):
                return None
            catalog = parts[0]
            for local in parts[1:]:
                catalog = casework.merge_catalogs(catalog, local)  # type: ignore[arg-type]
            self._known[version] = catalog  # type: ignore[assignment]
        return self._known[version]

    def calendar(self, conn: sa.Connection) -> casework.WorkCalendar:
        """The working-day calendar of the newest prefecture catalog this hub holds (national
        days and Liangshan's own when none): what deadlines are counted in here."""
        row = conn.execute(
            sa.select(catalogs.c.version, catalogs.c.document)
            .where(catalogs.c.issuer == casework.PREFECTURE_CODE)
            .order_by(catalogs.c.sequence.desc())
            .limit(1)
        ).first()
        version = row.version if row else ""
        if self._calendar is None or self._calendar[0] != version:
            layers = json.loads(row.document)["body"]["calendar_layers"] if row else []
            calendar = (
                casework.WorkCalendar(
                    (casework.national_layer(), *map(casework.layer_from_dict, layers))
                )
                if layers
                else casework.default_calendar()
            )
            self._calendar = (version, calendar)
        return self._calendar[1]

    def _published(self, version: str) -> casework.Catalog | None:
        if version in self._known:
            return self._known[version]
        with self._home.engine.connect() as conn:
            row = conn.execute(
                sa.select(catalogs.c.document).where(catalogs.c.version == version)
            ).first()
        if row is None:
            return None
        return casework.catalog_from_dict(json.loads(row.document)["body"]["catalog"])
