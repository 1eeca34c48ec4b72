"""Tests for the rules checked when a window accepts a case."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from casework import (
    CertificateCancelled,
    FeeNotAllowed,
    ItemNotAvailable,
    KeyMaterialMissing,
    MaterialNotListed,
    check_acceptance,
    load_sample_catalog,
)

CATALOG = load_sample_catalog()
DIBAO = CATALOG.get("SAMPLE-MZ-001")  # 最低生活保障: county -> township from 2021-03-01
PLANNING = CATALOG.get("SAMPLE-ZR-001")  # 乡村建设规划许可: township 2019-01-01 .. 2022-12-31
PROPERTY = CATALOG.get("SAMPLE-ZR-002")  # 不动产首次登记: charged, 80 yuan
ABOLISHED = CATALOG.get("SAMPLE-WJ-009")  # 再生育审批: valid until 2021-07-19


def test_sample_items_have_the_expected_shape_when_used_here() -> None:
    assert (DIBAO.name, PLANNING.name, PROPERTY.fee_standard_yuan, ABOLISHED.name) == (
        "最低生活保障审核确认",
        "乡村建设规划许可证核发（农村村民住宅）",
        Decimal("80.00"),
        "再生育审批",
    )


@pytest.mark.parametrize(
    ("level", "on_date"),
    [
        ("county", date(2021, 2, 28)),  # the day before delegation: still a county item
        ("township", date(2021, 3, 1)),  # delegated on this day
        ("township", date(2026, 11, 28)),
        ("township", date(2022, 12, 31)),  # planning: last day of its delegation
    ],
)
def test_acceptance_allows_item_when_level_handles_it_on_that_date(
    level: str, on_date: date
) -> None:
    item = PLANNING if on_date == date(2022, 12, 31) else DIBAO
    check_acceptance(item, center_level=level, on_date=on_date)


def test_acceptance_says_where_to_go_when_item_was_delegated_down() -> None:
    with pytest.raises(ItemNotAvailable) as caught:
        check_acceptance(DIBAO, center_level="county", on_date=date(2021, 3, 1))
    error = caught.value
    assert (error.code, error.field) == ("item_delegated_away", "item_code")
    assert error.message_zh == (
        "该事项已于2021-03-01下放至乡镇（街道）便民服务中心办理，"
        "请到户籍所在乡镇（街道）便民服务中心办理"
    )
    assert "township" in error.message


def test_acceptance_refuses_county_item_at_township_when_not_yet_delegated() -> None:
    with pytest.raises(ItemNotAvailable) as caught:
        check_acceptance(DIBAO, center_level="township", on_date=date(2021, 2, 28))
    assert caught.value.code == "item_not_at_level"
    assert "请到县（市）政务服务中心办理" in caught.value.message_zh


def test_acceptance_refuses_at_township_when_delegation_has_ended() -> None:
    with pytest.raises(ItemNotAvailable) as caught:
        check_acceptance(PLANNING, center_level="township", on_date=date(2023, 1, 1))
    assert caught.value.code == "item_delegation_ended"
    assert "2022-12-31" in caught.value.message_zh
    check_acceptance(PLANNING, center_level="county", on_date=date(2023, 1, 1))


def test_acceptance_refuses_item_when_it_is_no_longer_in_force() -> None:
    with pytest.raises(ItemNotAvailable) as caught:
        check_acceptance(ABOLISHED, center_level="county", on_date=date(2021, 7, 20))
    assert caught.value.code == "item_not_in_force"


def test_acceptance_refuses_cancelled_certificate_when_marked_required() -> None:
    with pytest.raises(CertificateCancelled) as caught:
        check_acceptance(
            DIBAO,
            center_level="township",
            on_date=date(2026, 11, 28),
            required_materials=["居民身份证", "村（居）民委员会出具的家庭经济状况证明"],
        )
    assert (caught.value.code, caught.value.field) == (
        "certificate_cancelled",
        "required_materials",
    )


def test_acceptance_refuses_material_when_not_on_the_list() -> None:
    with pytest.raises(MaterialNotListed):
        check_acceptance(
            DIBAO,
            center_level="township",
            on_date=date(2026, 11, 28),
            required_materials=["房产证"],
        )


def test_acceptance_refuses_missing_key_material_when_accepting_with_missing() -> None:
    with pytest.raises(KeyMaterialMissing):
        check_acceptance(
            DIBAO,
            center_level="township",
            on_date=date(2026, 11, 28),
            missing_materials=["低保申请书"],
        )


def test_acceptance_allows_missing_non_key_material_when_accepting_with_missing() -> None:
    check_acceptance(
        DIBAO,
        center_level="township",
        on_date=date(2026, 11, 28),
        required_materials=["居民身份证", "户口簿"],
        missing_materials=["户口簿"],
    )


@pytest.mark.parametrize("fee", [0, "0", Decimal("80.00"), "80", Decimal("50.50")])
def test_acceptance_allows_fee_when_within_standard(fee: object) -> None:
    check_acceptance(PROPERTY, center_level="county", on_date=date(2026, 11, 28), fee_yuan=fee)


@pytest.mark.parametrize(
    ("item_code", "fee", "code"),
    [
        ("SAMPLE-MZ-001", Decimal("1.00"), "fee_on_free_item"),
        ("SAMPLE-ZR-002", Decimal("80.01"), "fee_above_standard"),
        ("SAMPLE-ZR-002", 80.0, "fee_invalid_amount"),  # floats are refused outright
        ("SAMPLE-ZR-002", "80.001", "fee_invalid_amount"),
        ("SAMPLE-ZR-002", "-1", "fee_invalid_amount"),
        ("SAMPLE-ZR-002", True, "fee_invalid_amount"),
    ],
)
def test_acceptance_refuses_fee_when_not_allowed(item_code: str, fee: object, code: str) -> None:
    item = CATALOG.get(item_code)
    level = "township" if item is DIBAO else "county"
    with pytest.raises(FeeNotAllowed) as caught:
        check_acceptance(item, center_level=level, on_date=date(2026, 11, 28), fee_yuan=fee)
    assert caught.value.code == code
