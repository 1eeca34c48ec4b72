"""Provides page rendering: the Jinja2 templates, and how a Table's cells and links are shown.

Times are stored as UTC wire text; on a page (and in its CSV and XLSX exports, see tables.py)
they are shown in China time, which is what a person at a window or a county office reads on
the wall clock.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.templating import Jinja2Templates

import casework
from sync_protocol import is_timestamp, parse_timestamp

from ..home import HubConfig
from ..tables import Column, Table
from .auth import csrf_token
from .scope import scope_of
from .users import User

__all__ = ["STATIC_DIR", "Renderer", "cell_class", "china_time", "root_of", "unit_href"]

HERE = Path(__file__).parent
STATIC_DIR = HERE / "static"
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def china_time(value: Any) -> str:
    """A UTC wire timestamp as China time, "2018-11-02 09:15"; other text unchanged."""
    if not value:
        return ""
    if not is_timestamp(str(value)):
        return str(value)
    at = parse_timestamp(str(value)).astimezone(casework.CHINA_TZ)
    return at.strftime("%Y-%m-%d %H:%M")


def cell_class(column: Column) -> str:
    """How a cell is laid out: figures right-aligned and times kept on one line ("num",
    "when"); text ("text") may wrap, so a wide table fits an office screen."""
    if column.is_numeric:
        return "num"
    return "when" if column.kind in ("date", "datetime") else "text"


def unit_href(root: str, row_key: str, value: Any) -> str:
    """The page for a unit or case a row names, chosen by the row key, else by its shape.

    Table.links names a row key ("county_code", "center_code", "case_id"); tables from
    compliance.py and reconcile.py use the same keys, so their rows drill down too.
    """
    text = str(value or "")
    if not text:
        return ""
    if row_key == "case_id" or _UUID.fullmatch(text):
        return f"{root}/case/{quote(text)}"
    if not text.isdigit():
        return ""
    if row_key == "county_code" or (row_key != "center_code" and len(text) == 6):
        return f"{root}/county/{text}"
    return f"{root}/township/{text}"


class Renderer:
    """The dashboard's templates with the filters its tables need."""

    def __init__(self) -> None:
        self.templates = Jinja2Templates(directory=HERE / "templates")
        env = self.templates.env
        env.filters["china_time"] = china_time
        env.globals["cell"] = self.cell
        env.globals["cell_href"] = self.cell_href
        env.globals["cell_class"] = cell_class
        env.globals["export_href"] = self.export_href

    @staticmethod
    def cell(table: Table, row: Mapping[str, Any], column: Column) -> str:
        return table.cell_text(row, column)  # the text the CSV export writes too

    @staticmethod
    def cell_href(root: str, table: Table, row: Mapping[str, Any], column: Column) -> str:
        row_key = table.links.get(column.key)
        return unit_href(root, row_key, row.get(row_key)) if row_key else ""

    @staticmethod
    def export_href(root: str, table: Table, fmt: str, args: Mapping[str, str]) -> str:
        query = urlencode({key: value for key, value in args.items() if value})
        return f"{root}/export/{table.name}.{fmt}" + (f"?{query}" if query else "")

    def page(
        self,
        request: Request,
        name: str,
        context: dict[str, Any],
        *,
        hub: HubConfig,
        user: User | None,
        status: int = 200,
    ) -> HTMLResponse:
        """A page with what every template needs: the mount root, the person and their scope,
        the CSRF token for the sign-out form, and the hub's name."""
        common = {
            "root": root_of(request),
            "user": user,
            "scope": scope_of(user) if user else None,
            "county_label": _county_label(user),
            "csrf": csrf_token(request),
            "hub": hub,
        }
        return self.templates.TemplateResponse(request, name, common | context, status_code=status)


def root_of(request: Request) -> str:
    """Where the dashboard is mounted ("/dash"), so links work under any prefix."""
    return str(request.scope.get("root_path", "")).rstrip("/")


def _county_label(user: User | None) -> str:
    if user is None:
        return ""
    if user.county_code is None:
        return "全州"
    return casework.org(user.county_code).name
