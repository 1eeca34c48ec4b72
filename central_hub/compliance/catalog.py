"""Provides what compliance reads from the catalogs this hub holds: the newest version of each
issuer, each unit's online ratio, the single-window items and the working-day calendar.

网上可办事项占比 (online_ratio), after domain-china.md §1.8 (the official formula was not
found): the items a unit's level implements on the day, that apply on request (事项类型 not
02 处罚, 03 强制 or 06 检查), and of those the share that can be done online (是否网办).
A county's items are the prefecture's newest catalog with that county's newest local items
when this hub holds them. With no published catalog, the bundled sample stands in, as at a node.
"""

from __future__ import annotations

import json
import weakref
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

import sqlalchemy as sa

import casework

from ..store import catalogs

__all__ = [
    "NOT_ON_REQUEST",
    "OnlineRatio",
    "hub_calendar",
    "newest_catalogs",
    "online_ratio",
    "single_window_codes",
    "unit_catalog",
]

NOT_ON_REQUEST = frozenset({"02", "03", "06"})
"""Type codes no citizen applies for (处罚, 强制, 检查): left out of the online ratio."""


@dataclass(frozen=True, slots=True)
class OnlineRatio:
    """Items a unit's level implements (on request) and how many of them can be done online."""

    level: str
    items: int
    online: int
    catalog_version: str

    @property
    def ratio(self) -> float | None:
        return self.online / self.items if self.items else None


@lru_cache(maxsize=64)
def _parse(document: str) -> tuple[casework.Catalog, list[dict[str, object]]]:
    body = json.loads(document)["body"]
    return casework.catalog_from_dict(body["catalog"]), list(body.get("calendar_layers", []))


# Published versions never change: each engine's are parsed once, by (issuer, sequence).
_seen: weakref.WeakKeyDictionary[sa.Engine, dict[tuple[str, int], casework.Catalog]] = (
    weakref.WeakKeyDictionary()
)


def newest_catalogs(conn: sa.Connection) -> dict[str, casework.Catalog]:
    """The newest published catalog of each issuer this hub holds (issuer code -> catalog)."""
    seen = _seen.setdefault(conn.engine, {})
    heads = conn.execute(
        sa.select(catalogs.c.issuer, sa.func.max(catalogs.c.sequence)).group_by(catalogs.c.issuer)
    ).all()
    newest = {}
    for issuer, sequence in heads:
        if (issuer, sequence) not in seen:
            document = conn.execute(
                sa.select(catalogs.c.document).where(
                    catalogs.c.issuer == issuer, catalogs.c.sequence == sequence
                )
            ).scalar_one()
            seen[(issuer, sequence)] = _parse(document)[0]
        newest[issuer] = seen[(issuer, sequence)]
    return newest


def unit_catalog(newest: dict[str, casework.Catalog], county_code: str | None) -> casework.Catalog:
    """The items in force for a county (the prefecture's plus its own), or the prefecture's."""
    prefecture = newest.get(casework.PREFECTURE_CODE) or casework.load_sample_catalog()
    local = newest.get(county_code or "")
    if local is None or county_code == casework.PREFECTURE_CODE:
        return prefecture
    return casework.merge_catalogs(prefecture, local)


def online_ratio(catalog: casework.Catalog, level: str, on_date: date) -> OnlineRatio:
    """The online ratio of the items `level` implements on `on_date` in `catalog`."""
    items = [
        item
        for item in catalog.available_at(level, on_date)
        if item.type_code not in NOT_ON_REQUEST
    ]
    return OnlineRatio(level, len(items), sum(item.online for item in items), catalog.version)


def single_window_codes(conn: sa.Connection) -> frozenset[str]:
    """Item codes marked single-window (一窗受理) in the newest catalogs this hub holds."""
    newest = newest_catalogs(conn)
    if casework.PREFECTURE_CODE not in newest:
        newest[casework.PREFECTURE_CODE] = casework.load_sample_catalog()
    return frozenset(
        code
        for catalog in newest.values()
        for code, item in catalog.items.items()
        if item.single_window
    )


def hub_calendar(conn: sa.Connection) -> casework.WorkCalendar:
    """The calendar of the newest prefecture catalog (as the projection counts deadlines)."""
    document = conn.execute(
        sa.select(catalogs.c.document)
        .where(catalogs.c.issuer == casework.PREFECTURE_CODE)
        .order_by(catalogs.c.sequence.desc())
        .limit(1)
    ).scalar()
    layers = _parse(document)[1] if document else []
    if not layers:
        return casework.default_calendar()
    return casework.WorkCalendar(
        (casework.national_layer(), *(casework.layer_from_dict(layer) for layer in layers))
    )
