"""Provides the catalog and calendar commands of `central-hub`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from ..errors import HubError
from .common import open_from_args as _open

__all__ = ["add_catalog_commands"]


def add_catalog_commands(sub: Any, common: argparse.ArgumentParser) -> None:
    catalog = sub.add_parser("catalog", help="the item catalog (事项目录)").add_subparsers(
        title="catalog"
    )
    p = catalog.add_parser("import", parents=[common], help="read a .csv/.xlsx into the draft")
    p.add_argument("file", type=Path)
    p.set_defaults(handler=_catalog_import)
    p = catalog.add_parser("publish", parents=[common], help="sign the draft as a new version")
    p.set_defaults(handler=_catalog_publish)
    p = catalog.add_parser("list", parents=[common], help="published versions")
    p.set_defaults(handler=_catalog_list)
    calendar = sub.add_parser("calendar", help="working-day calendar layers").add_subparsers(
        title="calendar"
    )
    p = calendar.add_parser(
        "import", parents=[common], help="add a layer (JSON) to publish with the next catalog"
    )
    p.add_argument("file", type=Path)
    p.set_defaults(handler=_calendar_import)


def _catalog_import(args: argparse.Namespace) -> dict[str, Any]:
    import casework

    from ..catalogs import import_catalog

    home = _open(args)
    try:
        catalog = import_catalog(home, args.file)
    except casework.CatalogImportError as exc:
        for row in exc.rows:
            print(f"row {row.row}, column {row.column or '-'}: {row.reason}", file=sys.stderr)
        raise HubError(f"{args.file}: {len(exc.rows)} bad rows; nothing was imported") from exc
    by_category: dict[str, int] = {}
    for item in catalog.items.values():
        by_category[item.category] = by_category.get(item.category, 0) + 1
    return {
        "items": len(catalog.items),
        "by_category": by_category,
        "next": "central-hub catalog publish",
    }


def _catalog_publish(args: argparse.Namespace) -> dict[str, Any]:
    from ..catalogs import publish_catalog

    document = publish_catalog(_open(args))
    body = document.body
    return {
        "version": body["version"],
        "items": len(body["catalog"]["items"]),
        "calendar_layers": [layer["name"] for layer in body["calendar_layers"]],
    }


def _catalog_list(args: argparse.Namespace) -> dict[str, Any]:
    import sqlalchemy as sa

    from ..store import catalogs

    home = _open(args)
    with home.engine.connect() as conn:
        rows = conn.execute(
            sa.select(catalogs.c.issuer, catalogs.c.version, catalogs.c.published_at).order_by(
                catalogs.c.issuer, catalogs.c.sequence
            )
        ).all()
    return {"versions": [dict(row._mapping) for row in rows]}


def _calendar_import(args: argparse.Namespace) -> dict[str, Any]:
    from ..catalogs import import_calendar_layer

    layer = import_calendar_layer(_open(args), args.file)
    return {
        "layer": layer.name,
        "version": layer.version,
        "years": sorted(layer.year_coverage),
        "next": "central-hub catalog publish",
    }
