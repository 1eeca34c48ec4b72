"""Provides the rules checked when a window accepts a case (pure functions).

Sources (domain-china.md §1.8, §6.2): an item delegated down (下放) must be refused above from
the delegation's effective date, judged by the rules of the case's own date; a cancelled
certificate (证明事项清理, 国办发〔2020〕42号) must never be demanded again; a fee only on a
charged item and never above the published standard (擅自收费 is a listed e-supervision
violation). 容缺受理 may waive only non-key materials (common practice, inferred).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from casework.catalog import Delegation, Item, Material
from casework.codes import LEVELS
from casework.errors import (
    CertificateCancelled,
    FeeNotAllowed,
    ItemNotAvailable,
    KeyMaterialMissing,
    MaterialNotListed,
)
from casework.money import parse_yuan

__all__ = [
    "CENTER_NAMES",
    "check_acceptance",
    "check_fee",
    "check_item_available",
    "check_materials",
    "receive_only_level",
]

CENTER_NAMES = {
    "prefecture": "州政务服务中心",
    "county": "县（市）政务服务中心",
    "township": "乡镇（街道）便民服务中心",
}
_GO_TO = {
    "prefecture": "请到州政务服务中心办理",
    "county": "请到县（市）政务服务中心办理",
    "township": "请到户籍所在乡镇（街道）便民服务中心办理",
}
_GO_TO_EN = {
    "prefecture": "send the citizen to the prefecture service center",
    "county": "send the citizen to the county service center",
    "township": "send the citizen to the township service center where they are registered",
}


def _where(levels: Iterable[str]) -> tuple[str, str]:
    ordered = [level for level in reversed(list(LEVELS)) if level in set(levels)]
    if not ordered:
        return "not handled anywhere on that date", "该日期无受理层级，请咨询上级政务服务中心"
    return _GO_TO_EN[ordered[0]], _GO_TO[ordered[0]]


def _delegated_away(item: Item, level: str, on_date: date) -> Delegation | None:
    active = [d for d in item.delegations if d.from_level == level and d.in_force(on_date)]
    return active[-1] if active else None


def _ended_delegation(item: Item, level: str, on_date: date) -> Delegation | None:
    ended = [
        d
        for d in item.delegations
        if d.to_level == level and d.effective_until and d.effective_until < on_date
    ]
    return ended[-1] if ended else None


def _check_in_force(item: Item, on_date: date) -> None:
    if item.in_force(on_date):
        return
    if item.valid_from and on_date < item.valid_from:
        raise ItemNotAvailable(
            f"item {item.code} takes effect on {item.valid_from.isoformat()}; it cannot be "
            "accepted yet",
            message_zh=f"事项“{item.name}”自{item.valid_from.isoformat()}起施行，目前尚不能受理",
            code="item_not_in_force",
            field="item_code",
        )
    until = item.valid_until.isoformat() if item.valid_until else ""
    raise ItemNotAvailable(
        f"item {item.code} was withdrawn from the catalog after {until}",
        message_zh=f"事项“{item.name}”已于{until}后停止办理",
        code="item_not_in_force",
        field="item_code",
    )


def _not_here(item: Item, level: str, on_date: date) -> ItemNotAvailable:
    go_en, go_zh = _where(item.implementing_levels(on_date))
    away, ended = _delegated_away(item, level, on_date), _ended_delegation(item, level, on_date)
    if away is not None:
        when = away.effective_from.isoformat()
        return ItemNotAvailable(
            f"item {item.code} was delegated from {level} to {away.to_level} on {when}; {go_en}",
            message_zh=f"该事项已于{when}下放至{CENTER_NAMES[away.to_level]}办理，{go_zh}",
            code="item_delegated_away",
            field="item_code",
        )
    if ended is not None and ended.effective_until is not None:
        when = ended.effective_until.isoformat()
        return ItemNotAvailable(
            f"the delegation of item {item.code} to {level} ended on {when}; {go_en}",
            message_zh=f"该事项下放至{CENTER_NAMES[level]}已于{when}终止，{go_zh}",
            code="item_delegation_ended",
            field="item_code",
        )
    return ItemNotAvailable(
        f"item {item.code} is not handled at {level} level; {go_en}",
        message_zh=f"该事项不在{CENTER_NAMES[level]}办理，{go_zh}",
        code="item_not_at_level",
        field="item_code",
    )


def receive_only_level(item: Item, *, center_level: str, on_date: date) -> str | None:
    """The level that decides a case a township window may only receive (代收), or None.

    前台综合受理、后台分类审批: a township's comprehensive window takes in a county item marked
    一窗受理 (``single_window``) and escalates it; the county decides and the result comes back
    to the window. Not when the item was delegated away from townships (they must refuse it).
    """
    if center_level != "township" or not item.single_window or not item.in_force(on_date):
        return None
    levels = item.implementing_levels(on_date)
    if "township" in levels or "county" not in levels:
        return None
    if _delegated_away(item, "township", on_date) is not None:
        return None
    return "county"


def check_item_available(item: Item, *, center_level: str, on_date: date) -> None:
    """Check that a center of ``center_level`` may accept and decide ``item`` on ``on_date``.

    A township that may not may still receive it for the county: :func:`receive_only_level`.

    Raises:
        ItemNotAvailable: Not in force, not implemented at this level, or delegated away on
            that date; the message names where the citizen should go.
    """
    _check_in_force(item, on_date)
    if center_level not in item.implementing_levels(on_date):
        raise _not_here(item, center_level, on_date)


def _listed(item: Item, names: Iterable[str], field: str) -> list[Material]:
    found = []
    for name in names:
        material = item.material(name)
        if material is None:
            raise MaterialNotListed(
                f"material {name!r} is not on the list of item {item.code}; do not ask for it",
                message_zh=f"“{name}”不在该事项的申请材料清单中，不得要求申请人提供",
                field=field,
            )
        found.append(material)
    return found


def check_materials(
    item: Item, *, required: Iterable[str] = (), missing: Iterable[str] = ()
) -> None:
    """Check the materials a clerk marks as required, and those accepted as missing (容缺).

    Raises:
        MaterialNotListed: A material not on the item's published list.
        CertificateCancelled: A cancelled certificate marked as required.
        KeyMaterialMissing: A key material in ``missing``.
    """
    for material in _listed(item, required, "required_materials"):
        if material.certificate == "cancelled":
            raise CertificateCancelled(
                f"certificate {material.name!r} was cancelled and must never be demanded",
                message_zh=f"“{material.name}”属于已取消的证明事项，不得要求申请人提供",
                field="required_materials",
            )
    for material in _listed(item, missing, "missing_materials"):
        if material.key:
            raise KeyMaterialMissing(
                f"{material.name!r} is a key material; the case cannot be accepted while it is "
                "missing",
                message_zh=f"“{material.name}”为关键材料，缺少时不能容缺受理",
                field="missing_materials",
            )


def check_fee(item: Item, fee_yuan: object) -> None:
    """Check a fee against the item's charged flag and published standard.

    Args:
        item: The item.
        fee_yuan: Amount in 元 (Decimal, int or string; floats are refused).

    Raises:
        FeeNotAllowed: Not a valid amount, a fee on a free item, or above the standard.
    """
    fee = parse_yuan(fee_yuan)
    if fee is None:
        raise FeeNotAllowed(
            f"fee {fee_yuan!r} is not an amount in yuan (Decimal or text, at most 2 decimals)",
            message_zh=f"收费金额 {fee_yuan} 格式错误",
            code="fee_invalid_amount",
            field="fee_yuan",
        )
    if fee and not item.charged:
        raise FeeNotAllowed(
            f"item {item.code} is free; charging {fee} yuan is not allowed",
            message_zh=f"该事项不收费，不得收取 {fee} 元",
            code="fee_on_free_item",
            field="fee_yuan",
        )
    if fee > item.fee_standard_yuan:
        raise FeeNotAllowed(
            f"fee {fee} yuan is above the standard of item {item.code} "
            f"({item.fee_standard_yuan} yuan)",
            message_zh=f"收费 {fee} 元超过收费标准 {item.fee_standard_yuan} 元",
            code="fee_above_standard",
            field="fee_yuan",
        )


def check_acceptance(
    item: Item,
    *,
    center_level: str,
    on_date: date,
    required_materials: Iterable[str] = (),
    fee_yuan: object = 0,
    missing_materials: Iterable[str] = (),
) -> None:
    """Check every acceptance rule for one case; return quietly when all hold.

    Args:
        item: The catalog item, from the catalog version in force at the center.
        center_level: ``"prefecture"``, ``"county"`` or ``"township"``.
        on_date: The acceptance date (China time); delegations are judged by this date.
        required_materials: Material names the clerk marks as required.
        fee_yuan: Fee to charge, in 元.
        missing_materials: Materials accepted as missing (容缺受理).

    Raises:
        ItemNotAvailable: See :func:`check_item_available`.
        MaterialNotListed, CertificateCancelled, KeyMaterialMissing: See :func:`check_materials`.
        FeeNotAllowed: See :func:`check_fee`.
    """
    check_item_available(item, center_level=center_level, on_date=on_date)
    check_materials(item, required=tuple(required_materials), missing=tuple(missing_materials))
    check_fee(item, fee_yuan)
