"""Tests for items, catalogs, merging and the dict codec."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from casework import (
    Catalog,
    CatalogConflict,
    Delegation,
    InvalidCatalog,
    Item,
    Material,
    UnknownItem,
    catalog_from_dict,
    catalog_to_dict,
    item_to_dict,
    load_sample_catalog,
    load_sample_county_catalog,
    merge_catalogs,
)

SAMPLE = load_sample_catalog()
DELEGATED = "SAMPLE-MZ-001"  # 最低生活保障审核确认: county -> township from 2021-03-01


def _item(**changes: Any) -> Item:
    base: dict[str, Any] = {
        "code": "T-001",
        "name": "测试事项",
        "category": "licensing",
        "type_code": "01",
        "department": "民政",
        "levels": frozenset({"county"}),
        "statutory_limit_days": 20,
        "promised_limit_days": 10,
    }
    return Item(**{**base, **changes})


def test_sample_catalog_covers_departments_and_features_when_loaded() -> None:
    items = list(SAMPLE.items.values())
    departments = {i.department for i in items}
    assert 100 <= len(items) <= 130
    assert {"民政", "人社", "农业农村", "自然资源", "卫健", "公安", "医保", "残联"} <= departments
    assert {"住建", "市场监管", "退役军人", "教育"} <= departments
    assert all(i.invented for i in items)
    assert any(i.delegations for i in items)
    assert any(m.certificate == "cancelled" for i in items for m in i.materials)
    assert {i.workflow for i in items} == {"five_step", "two_step"}
    assert {i.category for i in items} == {
        "licensing",
        "other_admin",
        "public_service",
        "convenience",
    }
    assert 0 < sum(i.charged for i in items) < len(items) / 4  # most items are free
    assert 0 < sum(i.online for i in items) < len(items)


def test_sample_catalog_marks_itself_invented_when_read_raw() -> None:
    from importlib import resources

    text = resources.files("casework").joinpath("data/sample_catalog.json").read_text("utf-8")
    assert "invented" in json.loads(text)["_note"]


def test_catalog_get_raises_unknown_item_when_code_missing() -> None:
    with pytest.raises(UnknownItem) as caught:
        SAMPLE.get("NOPE-1")
    assert caught.value.code == "unknown_item"


@pytest.mark.parametrize(
    ("level", "on_date", "listed"),
    [
        ("county", date(2021, 2, 28), True),
        ("township", date(2021, 2, 28), False),
        ("county", date(2021, 3, 1), False),
        ("township", date(2021, 3, 1), True),
    ],
)
def test_catalog_lists_delegated_item_by_date_when_asked_per_level(
    level: str, on_date: date, listed: bool
) -> None:
    codes = {i.code for i in SAMPLE.available_at(level, on_date)}
    assert (DELEGATED in codes) is listed


def test_catalog_round_trips_through_json_when_serialised() -> None:
    data = catalog_to_dict(SAMPLE)
    again = catalog_from_dict(json.loads(json.dumps(data, ensure_ascii=False)))
    assert again == SAMPLE
    assert json.dumps(catalog_to_dict(again)) == json.dumps(data)


def test_catalog_to_dict_orders_items_by_code_when_built_unsorted() -> None:
    items = [_item(code="B-2"), _item(code="A-1")]
    data = catalog_to_dict(Catalog.of("v1", "513400", items))
    assert [i["code"] for i in data["items"]] == ["A-1", "B-2"]


def test_catalog_of_rejects_items_when_codes_repeat() -> None:
    with pytest.raises(InvalidCatalog):
        Catalog.of("v1", "513400", [_item(), _item()])


def test_merge_adds_county_items_when_codes_are_new() -> None:
    merged = merge_catalogs(SAMPLE, load_sample_county_catalog())
    assert merged.version == "sample-2026.1+zhaojue-local-2026.1"
    assert merged.issuer_org_code == "513431"
    assert len(merged.items) == len(SAMPLE.items) + 2
    assert merged.get("SAMPLE-513431-001").name == "易地扶贫搬迁安置点物业报修"


def test_merge_rejects_county_item_when_it_reuses_a_prefecture_code() -> None:
    county = Catalog.of("local-1", "513431", [replace(SAMPLE.get(DELEGATED), name="改名")])
    with pytest.raises(CatalogConflict) as caught:
        merge_catalogs(SAMPLE, county)
    assert DELEGATED in caught.value.message


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"promised_limit_days": 30}, "promised_limit_days"),  # above statutory 20
        ({"promised_limit_days": -1}, "promised_limit_days"),
        ({"fee_standard_yuan": Decimal("5.00")}, "fee_standard_yuan"),  # fee on a free item
        ({"charged": True}, "fee_standard_yuan"),  # charged but no standard
        ({"charged": True, "fee_standard_yuan": Decimal("1.005")}, "fee_standard_yuan"),
        ({"online": True}, "online_depth"),  # online needs a depth
        ({"online_depth": 3}, "online_depth"),  # depth needs online
        ({"category": "tax"}, "category"),
        ({"type_code": "1"}, "type_code"),
        ({"levels": frozenset()}, "levels"),
        ({"levels": frozenset({"village"})}, "levels"),
        ({"power_source": "9"}, "power_source"),
        ({"workflow": "three_step"}, "workflow"),
        ({"code": "bad code"}, "code"),
        ({"materials": (Material("身份证"), Material("身份证"))}, "materials"),
        ({"valid_from": date(2022, 1, 1), "valid_until": date(2021, 1, 1)}, "valid_until"),
        (
            {"delegations": (Delegation("prefecture", "township", date(2021, 1, 1)),)},
            "delegations",  # the item is not implemented at prefecture level
        ),
    ],
)
def test_item_rejects_construction_when_fields_are_inconsistent(
    changes: dict[str, Any], field: str
) -> None:
    with pytest.raises(InvalidCatalog) as caught:
        _item(**changes)
    assert caught.value.field == field


@pytest.mark.parametrize(
    "make",
    [
        lambda: Delegation("township", "county", date(2021, 1, 1)),  # upward
        lambda: Delegation("county", "township", date(2021, 1, 1), date(2020, 1, 1)),
        lambda: Material("证明", key=True, certificate="cancelled"),
        lambda: Material("证明", certificate="maybe"),
        lambda: Material(" "),
    ],
)
def test_parts_reject_contradictions_when_built(make: Any) -> None:
    with pytest.raises(InvalidCatalog):
        make()


def test_item_moves_between_levels_when_delegations_are_chained() -> None:
    item = _item(
        levels=frozenset({"prefecture"}),
        delegations=(
            Delegation("county", "township", date(2022, 1, 1)),
            Delegation("prefecture", "county", date(2020, 1, 1)),
        ),
    )
    assert item.implementing_levels(date(2019, 1, 1)) == {"prefecture"}
    assert item.implementing_levels(date(2021, 1, 1)) == {"county"}
    assert item.implementing_levels(date(2022, 1, 1)) == {"township"}


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        (("items", 0, "promised_limit_days"), "ten", "items[0].promised_limit_days"),
        (("items", 0, "charged"), 1, "items[0].charged"),
        (("items", 0, "valid_from"), "2020/01/01", "items[0].valid_from"),
        (("items", 0, "fee_standard_yuan"), 0.5, "items[0].fee_standard_yuan"),
        (("items", 0, "materials", 0, "name"), None, "items[0].materials[0].name"),
        (("schema",), 2, "schema"),
    ],
)
def test_catalog_from_dict_names_the_path_when_a_value_is_bad(
    path: tuple[Any, ...], value: object, field: str
) -> None:
    data = catalog_to_dict(Catalog.of("v1", "513400", [_item(materials=(Material("身份证"),))]))
    target: Any = data
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    with pytest.raises(InvalidCatalog) as caught:
        catalog_from_dict(data)
    assert caught.value.field == field


def test_item_to_dict_writes_fee_as_text_when_item_is_charged() -> None:
    item = _item(charged=True, fee_standard_yuan=Decimal("80"))
    assert item_to_dict(item)["fee_standard_yuan"] == "80.00"
