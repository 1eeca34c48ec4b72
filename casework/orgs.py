"""Provides the Liangshan org tree: prefecture, 17 county-level units and 304 townships.

Sources (domain-china.md §4.3–4.4): GB/T 2260 county codes (modood/Administrative-divisions-of-
China, data as of 2022-10-31, cross-checked with stdnum loc.dat); 会理县 513425 became 会理市
513402 on 2021-01-20 (国务院批复); township 9-digit 统计用区划代码 from the bundled
``data/liangshan-townships-2022.csv``. Township validity dates are unknown (None). Retired codes
stay resolvable: old ID numbers and cases keep 513425.

Dates are inclusive: ``valid_until`` is the last day in force.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from importlib import resources
from types import MappingProxyType

from casework.errors import UnknownOrg

__all__ = [
    "PREFECTURE_CODE",
    "Org",
    "children_of",
    "county_of",
    "level_of",
    "load_org_tree",
    "org",
]

PREFECTURE_CODE = "513400"
_HUILI_CITY_FROM = date(2021, 1, 20)
_COUNTIES = (
    ("513401", "西昌市"),
    ("513422", "木里藏族自治县"),
    ("513423", "盐源县"),
    ("513424", "德昌县"),
    ("513426", "会东县"),
    ("513427", "宁南县"),
    ("513428", "普格县"),
    ("513429", "布拖县"),
    ("513430", "金阳县"),
    ("513431", "昭觉县"),
    ("513432", "喜德县"),
    ("513433", "冕宁县"),
    ("513434", "越西县"),
    ("513435", "甘洛县"),
    ("513436", "美姑县"),
    ("513437", "雷波县"),
)


@dataclass(frozen=True, slots=True)
class Org:
    """An administrative unit that runs a service center.

    Attributes:
        code: GB/T 2260 code (6 digits) or 统计用区划代码 (9 digits for townships).
        name: Official name.
        level: ``"prefecture"``, ``"county"`` or ``"township"``.
        parent_code: Code of the unit above, or None for the prefecture.
        valid_from: First day in force, or None when unknown/always.
        valid_until: Last day in force, or None while in force.
    """

    code: str
    name: str
    level: str
    parent_code: str | None
    valid_from: date | None = None
    valid_until: date | None = None

    def in_force(self, on_date: date) -> bool:
        """Return whether the code is in force on a date."""
        return (self.valid_from is None or self.valid_from <= on_date) and (
            self.valid_until is None or on_date <= self.valid_until
        )


def _county_orgs() -> list[Org]:
    orgs = [Org(code, name, "county", PREFECTURE_CODE) for code, name in _COUNTIES]
    orgs.append(Org("513402", "会理市", "county", PREFECTURE_CODE, valid_from=_HUILI_CITY_FROM))
    orgs.append(Org("513425", "会理县", "county", PREFECTURE_CODE, valid_until=date(2021, 1, 19)))
    return orgs


def _township_orgs() -> list[Org]:
    text = (
        resources.files("casework")
        .joinpath("data/liangshan-townships-2022.csv")
        .read_text(encoding="utf-8")
    )
    return [
        Org(code9, name, "township", county6)
        for code9, name, county6, _province, _prefecture in csv.reader(io.StringIO(text))
    ]


@lru_cache(maxsize=1)
def load_org_tree() -> Mapping[str, Org]:
    """Return every org by code (prefecture, counties incl. retired 513425, townships).

    Returns:
        A read-only mapping in code order.
    """
    orgs = [
        Org(PREFECTURE_CODE, "凉山彝族自治州", "prefecture", None),
        *_county_orgs(),
        *_township_orgs(),
    ]
    return MappingProxyType({o.code: o for o in sorted(orgs, key=lambda o: o.code)})


def _normalise(code: str) -> str:
    code = code.strip()
    # Sichuan's portal uses 12-digit area codes: a township is its 9 digits + "000".
    if len(code) == 12 and code.endswith("000"):
        code = code[:9]
    return code


def org(code: str) -> Org:
    """Return the org with a code (6, 9, or 12 digits).

    Raises:
        UnknownOrg: The code is not in the tree.
    """
    found = load_org_tree().get(_normalise(code))
    if found is None:
        raise UnknownOrg(
            f"org code {code!r} is not in the Liangshan org tree",
            message_zh=f"区划代码 {code} 不在凉山州机构列表中",
            field="center_code",
        )
    return found


def level_of(code: str) -> str:
    """Return ``"prefecture"``, ``"county"`` or ``"township"`` for an org code."""
    return org(code).level


def county_of(code: str) -> Org:
    """Return the county-level org of a township or county code.

    Raises:
        UnknownOrg: Unknown code, or the prefecture (which is in no county).
    """
    found = org(code)
    if found.level == "prefecture":
        raise UnknownOrg(
            f"{code} is the prefecture, not part of a county",
            message_zh=f"{code} 为州级，不属于任何县（市）",
            code="not_in_county",
            field="center_code",
        )
    return found if found.level == "county" else org(found.parent_code or "")


def children_of(code: str) -> tuple[Org, ...]:
    """Return the orgs directly below a code, in code order."""
    parent = org(code).code
    return tuple(o for o in load_org_tree().values() if o.parent_code == parent)
