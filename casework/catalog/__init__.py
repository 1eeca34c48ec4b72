"""Provides the item catalog (事项目录): the items with their materials and dated delegations
(items.py), its JSON form as published and bundled (codec.py), and its import from the
prefecture's spreadsheet (spreadsheet.py, reading each cell with cells.py)."""

from __future__ import annotations

from casework.catalog.codec import catalog_from_dict, catalog_to_dict, item_from_dict, item_to_dict
from casework.catalog.items import Catalog, Delegation, Item, Material, merge_catalogs
from casework.catalog.spreadsheet import COLUMNS, import_catalog_rows, read_catalog_file

__all__ = [
    "COLUMNS",
    "Catalog",
    "Delegation",
    "Item",
    "Material",
    "catalog_from_dict",
    "catalog_to_dict",
    "import_catalog_rows",
    "item_from_dict",
    "item_to_dict",
    "merge_catalogs",
    "read_catalog_file",
]
