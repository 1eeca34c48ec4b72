"""Provides the item catalog (事项目录): items, materials, dated delegations and versions.

Field meanings follow GB/T 39046-2020 表4 and the national-platform table
``up_task_general_basic`` (domain-china.md §1.2–1.3): type codes are Appendix A.1, power sources
are the ``power_source`` codes 1–6, limits are in working days, fees in 元. Delegation (下放)
is kept as dated records so that a case is judged by the rules of its own date (§6.2).

Dates are inclusive: ``valid_until`` and ``effective_until`` are the last day in force.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from types import MappingProxyType

from casework.codes import (
    CATEGORIES,
    LEVELS,
    ONLINE_DEPTHS,
    POWER_SOURCES,
    WORKFLOWS,
)
from casework.delegation import Delegation
from casework.errors import CatalogConflict, InvalidCatalog, UnknownItem
from casework.material import Material
from casework.money import parse_yuan

__all__ = ["Catalog", "Delegation", "Item", "Material", "merge_catalogs"]

_CODE = re.compile(r"[0-9A-Za-z][0-9A-Za-z_.\-]{0,35}")


def _bad(message: str, message_zh: str, fld: str) -> InvalidCatalog:
    return InvalidCatalog(message, message_zh=message_zh, field=fld)


@dataclass(frozen=True, slots=True, kw_only=True)
class Item:
    """An item (事项) of the catalog. All arguments are keyword-only.

    Attributes:
        code: Item code (实施编码 or a local code), unique in a catalog.
        name: Item name (事项名称).
        category: ``licensing`` / ``other_admin`` / ``public_service`` / ``convenience``.
        type_code: GB/T 39046 A.1 type code, e.g. ``"01"`` 行政许可.
        department: Implementing department, e.g. ``"民政"``.
        levels: Levels that implement it by law, before any delegation.
        power_source: 权力来源 code ``"1"``–``"6"``.
        delegations: Dated delegations, applied in order of ``effective_from``.
        statutory_limit_days: 法定时限 in working days, or None where no law sets one.
        promised_limit_days: 承诺时限 in working days (0 = 即办件).
        charged: Whether a fee may be charged.
        fee_standard_yuan: Published standard fee in 元 (Decimal, 2 places; 0 when free).
        online: Whether the item can be done online at all.
        online_depth: 网上办理深度 0–4 (0 exactly when not online); see ``ONLINE_DEPTHS``.
        materials: Materials the item may ask for.
        workflow: ``"five_step"`` or ``"two_step"``.
        single_window: Accepted at the comprehensive window (一窗受理).
        valid_from: First day in force, or None.
        valid_until: Last day in force, or None.
        invented: True for sample data whose values are made up.
    """

    code: str
    name: str
    category: str
    type_code: str
    department: str
    levels: frozenset[str]
    power_source: str = "1"
    delegations: tuple[Delegation, ...] = ()
    statutory_limit_days: int | None = None
    promised_limit_days: int = 0
    charged: bool = False
    fee_standard_yuan: Decimal = field(default=Decimal("0.00"))
    online: bool = False
    online_depth: int = 0
    materials: tuple[Material, ...] = ()
    workflow: str = "five_step"
    single_window: bool = True
    valid_from: date | None = None
    valid_until: date | None = None
    invented: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "levels", frozenset(self.levels))
        ordered = tuple(sorted(self.delegations, key=lambda d: d.effective_from))
        object.__setattr__(self, "delegations", ordered)
        _check_names(self)
        _check_classification(self)
        _check_limits(self)
        _check_fee(self)
        _check_online(self)
        _check_materials(self)
        _check_delegations(self)

    def in_force(self, on_date: date) -> bool:
        """Return whether the item is valid on a date."""
        return (self.valid_from is None or self.valid_from <= on_date) and (
            self.valid_until is None or on_date <= self.valid_until
        )

    def implementing_levels(self, on_date: date) -> frozenset[str]:
        """Return the levels that handle the item on a date, after delegations in force."""
        levels = set(self.levels)
        for delegation in self.delegations:
            if delegation.in_force(on_date):
                levels.discard(delegation.from_level)
                levels.add(delegation.to_level)
        return frozenset(levels)

    def material(self, name: str) -> Material | None:
        """Return the material with that name, or None."""
        return next((m for m in self.materials if m.name == name), None)


def _check_names(item: Item) -> None:
    if not _CODE.fullmatch(item.code):
        raise _bad(
            f"item code {item.code!r} must be 1-36 letters, digits, '-', '_' or '.'",
            f"事项编码 {item.code} 格式无效",
            "code",
        )
    if not item.name.strip() or len(item.name) > 200:
        raise _bad("item name must be 1-200 characters", "事项名称不能为空且不超过200字", "name")
    if not item.department.strip():
        raise _bad(
            f"item {item.code}: department is empty", f"事项 {item.code} 缺少实施部门", "department"
        )


def _check_classification(item: Item) -> None:
    if item.category not in CATEGORIES:
        raise _bad(
            f"item {item.code}: unknown category {item.category!r}",
            f"事项 {item.code} 的类别无效",
            "category",
        )
    if not re.fullmatch(r"\d\d", item.type_code):
        raise _bad(
            f"item {item.code}: type code must be two digits (GB/T 39046 A.1)",
            f"事项 {item.code} 的事项类型代码应为两位数字",
            "type_code",
        )
    if not item.levels or not item.levels <= set(LEVELS):
        raise _bad(
            f"item {item.code}: levels must be a non-empty subset of {', '.join(LEVELS)}",
            f"事项 {item.code} 的行使层级无效",
            "levels",
        )
    if item.power_source not in POWER_SOURCES:
        raise _bad(
            f"item {item.code}: power source must be 1-6",
            f"事项 {item.code} 的权力来源无效",
            "power_source",
        )
    if item.workflow not in WORKFLOWS:
        raise _bad(
            f"item {item.code}: workflow must be five_step or two_step",
            f"事项 {item.code} 的办理流程无效",
            "workflow",
        )
    if item.valid_from and item.valid_until and item.valid_until < item.valid_from:
        raise _bad(
            f"item {item.code}: valid_until is before valid_from",
            f"事项 {item.code} 的失效日期早于生效日期",
            "valid_until",
        )


def _check_limits(item: Item) -> None:
    statutory, promised = item.statutory_limit_days, item.promised_limit_days
    if isinstance(promised, bool) or not isinstance(promised, int) or promised < 0:
        raise _bad(
            f"item {item.code}: promised limit must be a whole number of days >= 0",
            f"事项 {item.code} 的承诺时限应为非负整数",
            "promised_limit_days",
        )
    if statutory is not None and (isinstance(statutory, bool) or not isinstance(statutory, int)):
        raise _bad(
            f"item {item.code}: statutory limit must be a whole number of days",
            f"事项 {item.code} 的法定时限应为整数",
            "statutory_limit_days",
        )
    if statutory is not None and promised > statutory:
        raise _bad(
            f"item {item.code}: promised limit {promised} exceeds statutory limit {statutory}",
            f"事项 {item.code} 的承诺时限 {promised} 超过法定时限 {statutory}",
            "promised_limit_days",
        )


def _check_fee(item: Item) -> None:
    fee = parse_yuan(item.fee_standard_yuan)
    if fee is None:
        raise _bad(
            f"item {item.code}: fee must be a Decimal amount in yuan with 2 places",
            f"事项 {item.code} 的收费标准无效",
            "fee_standard_yuan",
        )
    object.__setattr__(item, "fee_standard_yuan", fee)
    if item.charged and fee == 0:
        raise _bad(
            f"item {item.code}: a charged item needs a fee standard above 0",
            f"事项 {item.code} 为收费事项，须填写收费标准",
            "fee_standard_yuan",
        )
    if not item.charged and fee != 0:
        raise _bad(
            f"item {item.code}: a free item cannot have a fee standard",
            f"事项 {item.code} 不收费，收费标准应为 0",
            "fee_standard_yuan",
        )


def _check_online(item: Item) -> None:
    if item.online_depth not in ONLINE_DEPTHS or (item.online != (item.online_depth > 0)):
        raise _bad(
            f"item {item.code}: online depth must be 1-4 when online, 0 otherwise",
            f"事项 {item.code} 的网办深度与是否网办不一致",
            "online_depth",
        )


def _check_materials(item: Item) -> None:
    names = [m.name for m in item.materials]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise _bad(
            f"item {item.code}: material {duplicates[0]!r} is listed twice",
            f"事项 {item.code} 的材料“{duplicates[0]}”重复",
            "materials",
        )


def _check_delegations(item: Item) -> None:
    reachable = set(item.levels)
    for delegation in item.delegations:
        if delegation.from_level not in reachable:
            raise _bad(
                f"item {item.code}: delegation from {delegation.from_level}, which does not "
                "implement the item",
                f"事项 {item.code} 的下放层级不是该事项的行使层级",
                "delegations",
            )
        reachable.add(delegation.to_level)


@dataclass(frozen=True, slots=True)
class Catalog:
    """A published catalog version.

    Attributes:
        version: Version string; each case records the version it was accepted under.
        issuer_org_code: Code of the publishing org (e.g. ``"513400"``).
        items: Read-only mapping from item code to item, in code order.
    """

    version: str
    issuer_org_code: str
    items: Mapping[str, Item] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for code, item in self.items.items():
            if code != item.code:
                raise _bad(
                    f"catalog key {code!r} differs from item code {item.code!r}",
                    f"目录键 {code} 与事项编码 {item.code} 不一致",
                    "items",
                )
        ordered = {code: self.items[code] for code in sorted(self.items)}
        object.__setattr__(self, "items", MappingProxyType(ordered))

    @classmethod
    def of(cls, version: str, issuer_org_code: str, items: Iterable[Item]) -> Catalog:
        """Build a catalog from items, refusing duplicate codes."""
        by_code: dict[str, Item] = {}
        for item in items:
            if item.code in by_code:
                raise _bad(
                    f"item code {item.code} appears twice", f"事项编码 {item.code} 重复", "code"
                )
            by_code[item.code] = item
        return cls(version, issuer_org_code, by_code)

    def get(self, code: str) -> Item:
        """Return the item with a code.

        Raises:
            UnknownItem: No such code in this catalog version.
        """
        try:
            return self.items[code]
        except KeyError:
            raise UnknownItem(
                f"no item {code!r} in catalog version {self.version}",
                message_zh=f"事项目录（版本 {self.version}）中没有编码为 {code} 的事项",
                field="item_code",
            ) from None

    def available_at(self, level: str, on_date: date) -> tuple[Item, ...]:
        """Return the items a center of ``level`` handles on ``on_date``, in code order."""
        return tuple(
            item
            for item in self.items.values()
            if item.in_force(on_date) and level in item.implementing_levels(on_date)
        )


def merge_catalogs(prefecture: Catalog, county: Catalog) -> Catalog:
    """Add a county's local items to the prefecture catalog.

    Args:
        prefecture: The prefecture's published catalog.
        county: The county's local items.

    Returns:
        A catalog issued by the county with version ``"<prefecture>+<county>"``.

    Raises:
        CatalogConflict: A county item reuses a prefecture code (it cannot override).
    """
    clashes = sorted(set(prefecture.items) & set(county.items))
    if clashes:
        raise CatalogConflict(
            f"county catalog {county.version} redefines prefecture item(s) "
            f"{', '.join(clashes)}; local items need their own codes",
            message_zh=f"县级目录不能覆盖州级事项：{'、'.join(clashes)}，地方事项须使用新编码",
            field="code",
        )
    return Catalog(
        version=f"{prefecture.version}+{county.version}",
        issuer_org_code=county.issuer_org_code,
        items={**prefecture.items, **county.items},
    )
