"""Provides the one lookup from a table's name to the table, for pages and the export route.

`/dash/export/{name}.csv|xlsx|json` builds the table here from the same ViewContext (scope,
period, unit arguments) a page uses, so an export holds exactly the rows that page shows (all of
them: a page may show only the first few hundred cases).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from ..tables import Table, table_to_csv, table_to_xlsx
from .case_tables import CASE_TABLE_NAMES, case_tables, cases_table
from .context import ViewContext
from .errors import PageNotFound
from .integrations import TABLE_PROVIDERS
from .node_tables import nodes_table, quarantine_table, rejected_table
from .unit_tables import categories_table, centers_table, counties_table, trend_table

__all__ = ["EXPORT_FORMATS", "build_table", "export_body"]

_SOURCES: dict[str, Callable[[ViewContext], Table]] = {
    "counties": counties_table,
    "centers": centers_table,
    "categories": categories_table,
    "trend": trend_table,
    "cases": cases_table,
    "nodes": nodes_table,
    "quarantine": quarantine_table,
    "rejected": rejected_table,
}

EXPORT_FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
}


def build_table(name: str, ctx: ViewContext) -> Table:
    """The table called `name`, built for this context.

    Raises:
        PageNotFound: no table by that name.
        BadQuery, PageNotFound, Forbidden: from the context's checks of its arguments.
    """
    if name in _SOURCES:
        return _SOURCES[name](ctx)
    if name in CASE_TABLE_NAMES:
        _, tables = case_tables(ctx)
        return next(t for t in tables if t.name == name)
    for provider in TABLE_PROVIDERS:
        for table in provider(ctx):
            if table.name == name:
                return table
    raise PageNotFound(f"no table {name!r}", message_zh=f"没有名为 {name} 的表")


def export_body(table: Table, fmt: str, ctx: ViewContext) -> bytes:
    """The table as a file: CSV (UTF-8 with BOM), XLSX, or JSON with its columns and period."""
    if fmt == "csv":
        return table_to_csv(table)
    if fmt == "xlsx":
        return table_to_xlsx([table])
    document: dict[str, Any] = {
        "name": table.name,
        "title_zh": table.title_zh,
        "title_en": table.title_en,
        "period": ctx.period.as_query(),
        "columns": [
            {"key": c.key, "label_zh": c.label_zh, "label_en": c.label_en, "kind": c.kind}
            for c in table.columns
        ],
        # The rows' link keys (a case's id, a center's code) too, so a program can drill down.
        "rows": [
            row | {key: source.get(key) for key in table.links.values()}
            for row, source in zip(table.as_dicts(), table.rows, strict=True)
        ],
    }
    return json.dumps(document, ensure_ascii=False).encode("utf-8")
