"""Provides the view context: who is asking, about which period and unit, on which hub.

A page and its exports build their tables from the same context, so what a person downloads is
exactly what they saw, under the same scope check. Every unit code in a query argument or URL
is checked here against the org tree and the person's scope before any query runs.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

import sqlalchemy as sa

import casework

from ..home import HubHome
from .errors import BadQuery, PageNotFound
from .period import Period
from .scope import Scope

__all__ = ["ViewContext", "center_name", "county_codes_in_view"]

_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


@dataclass(frozen=True, slots=True)
class ViewContext:
    home: HubHome
    scope: Scope
    period: Period
    args: Mapping[str, str] = field(default_factory=dict)
    """The page's unit arguments: county, center (a township's or a county's own), case."""
    now: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def engine(self) -> sa.Engine:
        return self.home.engine

    @property
    def hub_tier(self) -> str:
        return self.home.config.tier

    @property
    def hub_org_code(self) -> str:
        return self.home.config.org_code

    def scope_county(self) -> str | None:
        """The one county a view is about: the `county` argument (checked), else the person's
        own county, else None for the whole prefecture. For APIs that take one county or None
        (compliance.py, reconcile.py), so a county admin's view can never widen to all."""
        chosen = self.optional("county")
        if chosen:
            return chosen
        if self.scope.counties is None:
            return None
        (only,) = self.scope.counties  # accounts are bound to one county (users.py)
        return only

    def county(self) -> str:
        """The `county` argument, checked: a county code, in this hub's area and in view."""
        code = self._arg("county")
        found = _org(code)
        if found.level != "county":
            raise PageNotFound(f"{code} is not a county", message_zh=f"{code} 不是县（市）代码")
        self._require(code)
        return code

    def center(self) -> str:
        """The `center` argument: a township (9 digits) or a county's own center (6)."""
        code = self._arg("center")
        if _org(code).level == "prefecture":
            raise PageNotFound(f"{code} is not a center", message_zh=f"{code} 不是服务中心代码")
        self._require(code)
        return code

    def optional(self, key: str) -> str:
        """`county` or `center` when given (checked), else "" for everything in view."""
        if not self.args.get(key):
            return ""
        return self.county() if key == "county" else self.center()

    def case_id(self) -> str:
        case_id = self._arg("case")
        if not _UUID.fullmatch(case_id):
            raise PageNotFound(f"{case_id!r} is not a case id", message_zh="办件编号格式不对")
        return case_id

    def _arg(self, key: str) -> str:
        value = str(self.args.get(key, "")).strip()
        if not value:
            raise BadQuery(f"missing argument {key!r}", message_zh=f"缺少参数 {key}")
        return value

    def _require(self, code: str) -> None:
        # A county hub holds one county: any other county is simply not here.
        if self.hub_tier == "county" and code[:6] != self.hub_org_code:
            raise PageNotFound(
                f"{code} is not served by this hub",
                message_zh=f"{code} 不属于本中心（{self.hub_org_code}）",
            )
        self.scope.require(code)


def _org(code: str) -> casework.Org:
    if not code.isdigit():
        raise PageNotFound(f"{code!r} is not an org code", message_zh="区划代码格式不对")
    try:
        return casework.org(code)
    except casework.UnknownOrg:
        raise PageNotFound(
            f"{code} is not in the Liangshan org tree", message_zh=f"区划代码 {code} 不在凉山州"
        ) from None


def county_codes_in_view(ctx: ViewContext) -> list[str]:
    """The counties a person sees on this hub, in code order (retired codes left out)."""
    if ctx.hub_tier == "county":
        codes = [ctx.hub_org_code]
    else:
        codes = [
            org.code
            for org in casework.children_of(casework.PREFECTURE_CODE)
            if org.valid_until is None
        ]
    return [code for code in codes if ctx.scope.covers(code)]


def center_name(code: str) -> str:
    """A center's Chinese name: the township's, or "<county>（县本级）" for a county's own."""
    try:
        found = casework.org(code)
    except casework.UnknownOrg:
        return code
    return f"{found.name}（县本级）" if found.level == "county" else found.name
