"""Provides conversion of catalogs to and from plain JSON-able dicts.

The dict form is what the prefecture publishes (signed elsewhere) and what
``data/sample_catalog.json`` holds. Output order is deterministic (items by code, lists in a
fixed order) so that the same catalog always encodes to the same bytes. Keys starting with
``_`` (e.g. ``"_note"``) are comments and ignored on input.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from casework.catalog.items import Catalog, Delegation, Item, Material
from casework.codes import LEVELS
from casework.errors import InvalidCatalog
from casework.money import parse_yuan

__all__ = [
    "CATALOG_SCHEMA",
    "catalog_from_dict",
    "catalog_to_dict",
    "item_from_dict",
    "item_to_dict",
]

CATALOG_SCHEMA = 1


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def item_to_dict(item: Item) -> dict[str, Any]:
    """Return an item as a JSON-able dict (fee as a string such as ``"80.00"``)."""
    return {
        "code": item.code,
        "name": item.name,
        "category": item.category,
        "type_code": item.type_code,
        "department": item.department,
        "levels": [level for level in LEVELS if level in item.levels],
        "power_source": item.power_source,
        "delegations": [
            {
                "from_level": d.from_level,
                "to_level": d.to_level,
                "effective_from": d.effective_from.isoformat(),
                "effective_until": _iso(d.effective_until),
                "basis": d.basis,
            }
            for d in item.delegations
        ],
        "statutory_limit_days": item.statutory_limit_days,
        "promised_limit_days": item.promised_limit_days,
        "charged": item.charged,
        "fee_standard_yuan": str(item.fee_standard_yuan),
        "online": item.online,
        "online_depth": item.online_depth,
        "materials": [
            {
                "name": m.name,
                "key": m.key,
                "certificate": m.certificate,
                "promise_allowed": m.promise_allowed,
            }
            for m in item.materials
        ],
        "workflow": item.workflow,
        "single_window": item.single_window,
        "valid_from": _iso(item.valid_from),
        "valid_until": _iso(item.valid_until),
        "invented": item.invented,
    }


def catalog_to_dict(catalog: Catalog) -> dict[str, Any]:
    """Return a catalog as a JSON-able dict with deterministic order.

    Args:
        catalog: The catalog.

    Returns:
        ``{"schema": 1, "version", "issuer_org_code", "items": [item dicts by code]}``.
    """
    return {
        "schema": CATALOG_SCHEMA,
        "version": catalog.version,
        "issuer_org_code": catalog.issuer_org_code,
        "items": [item_to_dict(item) for item in catalog.items.values()],
    }


class _Reader:
    """Typed access to one dict, naming the path of a bad value in errors."""

    def __init__(self, data: object, path: str) -> None:
        if not isinstance(data, Mapping):
            raise self._error(path, "an object")
        self.data, self.path = data, path

    @staticmethod
    def _error(path: str, wanted: str) -> InvalidCatalog:
        return InvalidCatalog(
            f"catalog field {path} must be {wanted}",
            message_zh=f"事项目录字段 {path} 格式错误",
            field=path,
        )

    def get(self, key: str, kind: type | tuple[type, ...], default: Any = ...) -> Any:
        value = self.data.get(key, default)
        if value is ...:
            raise self._error(f"{self.path}.{key}", "present")
        if value is not None and (isinstance(value, bool) and kind is int):
            raise self._error(f"{self.path}.{key}", "an integer")
        if not isinstance(value, kind):
            raise self._error(f"{self.path}.{key}", f"of type {kind}")
        return value

    def day(self, key: str) -> date | None:
        text = self.get(key, (str, type(None)), None)
        try:
            return date.fromisoformat(text) if text else None
        except ValueError:
            raise self._error(f"{self.path}.{key}", "an ISO date (YYYY-MM-DD)") from None

    def required_day(self, key: str) -> date:
        day = self.day(key)
        if day is None:
            raise self._error(f"{self.path}.{key}", "an ISO date (YYYY-MM-DD)")
        return day

    def yuan(self, key: str) -> Decimal:
        amount = parse_yuan(self.get(key, str, "0.00"))
        if amount is None:
            raise self._error(f"{self.path}.{key}", 'an amount in yuan such as "80.00"')
        return amount


def _material(data: object, path: str) -> Material:
    r = _Reader(data, path)
    return Material(
        name=r.get("name", str),
        key=r.get("key", bool, False),
        certificate=r.get("certificate", str, "none"),
        promise_allowed=r.get("promise_allowed", bool, False),
    )


def _delegation(data: object, path: str) -> Delegation:
    r = _Reader(data, path)
    return Delegation(
        from_level=r.get("from_level", str),
        to_level=r.get("to_level", str),
        effective_from=r.required_day("effective_from"),
        effective_until=r.day("effective_until"),
        basis=r.get("basis", str, ""),
    )


def item_from_dict(data: object, path: str = "item") -> Item:
    """Build an item from the dict made by :func:`item_to_dict`.

    Raises:
        InvalidCatalog: ``field`` gives the path of the bad value.
    """
    r = _Reader(data, path)
    return Item(
        code=r.get("code", str),
        name=r.get("name", str),
        category=r.get("category", str),
        type_code=r.get("type_code", str),
        department=r.get("department", str),
        levels=frozenset(r.get("levels", list)),
        power_source=r.get("power_source", str, "1"),
        delegations=tuple(
            _delegation(d, f"{path}.delegations[{i}]")
            for i, d in enumerate(r.get("delegations", list, []))
        ),
        statutory_limit_days=r.get("statutory_limit_days", (int, type(None)), None),
        promised_limit_days=r.get("promised_limit_days", int, 0),
        charged=r.get("charged", bool, False),
        fee_standard_yuan=r.yuan("fee_standard_yuan"),
        online=r.get("online", bool, False),
        online_depth=r.get("online_depth", int, 0),
        materials=tuple(
            _material(m, f"{path}.materials[{i}]")
            for i, m in enumerate(r.get("materials", list, []))
        ),
        workflow=r.get("workflow", str, "five_step"),
        single_window=r.get("single_window", bool, True),
        valid_from=r.day("valid_from"),
        valid_until=r.day("valid_until"),
        invented=r.get("invented", bool, False),
    )


def catalog_from_dict(data: object) -> Catalog:
    """Build a catalog from the dict made by :func:`catalog_to_dict`.

    Args:
        data: The dict, e.g. decoded JSON.

    Returns:
        The catalog.

    Raises:
        InvalidCatalog: Unsupported schema, a malformed item, or a duplicate code.
    """
    r = _Reader(data, "catalog")
    schema = r.get("schema", int, CATALOG_SCHEMA)
    if schema != CATALOG_SCHEMA:
        raise InvalidCatalog(
            f"catalog schema {schema} is not supported (expected 1)",
            message_zh=f"不支持的事项目录格式版本 {schema}",
            field="schema",
        )
    items = [item_from_dict(d, f"items[{i}]") for i, d in enumerate(r.get("items", list))]
    return Catalog.of(r.get("version", str), r.get("issuer_org_code", str), items)
