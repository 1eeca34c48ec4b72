"""Provides the one place that decides what a signed-in person may see and do.

Every page, export and JSON answer asks `scope_of(user)` and filters by its counties; nothing
else in the dashboard looks at a role. A township code's first 6 digits are its county, so a
county check covers townships, their nodes and their cases.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from .errors import Forbidden
from .users import User

__all__ = ["Scope", "mask_id_number", "mask_phone", "scope_of"]


@dataclass(frozen=True, slots=True)
class Scope:
    """What one person may see and do."""

    counties: frozenset[str] | None
    """County codes the person may see; None for the whole prefecture."""
    can_act: bool
    """May post actions (resend, accept a gap, revoke): a county admin only."""
    sees_identity: bool
    """Sees ID numbers and phones in full on the case page (never in lists or for viewers)."""

    def covers(self, code: str) -> bool:
        """Whether an org code (county, township, or a node's center) is in view."""
        return self.counties is None or code[:6] in self.counties

    def covers_any(self, codes: Iterable[str]) -> bool:
        return any(self.covers(code) for code in codes)

    def require(self, code: str) -> None:
        """Raises Forbidden unless the code is in view (a URL typed by hand, too)."""
        if not self.covers(code):
            raise Forbidden(
                f"{code} is outside this account's counties",
                message_zh=f"您的账号无权查看 {code}（仅限本县数据）",
            )

    def require_can_act(self) -> None:
        """Raises Forbidden for a reviewer or a viewer, whatever the unit."""
        if not self.can_act:
            raise Forbidden(
                "only a county admin acts on nodes",
                message_zh="只有县级管理员可以对本县终端执行操作；州级审阅和只读账号只能查看",
            )

    def require_action(self, code: str) -> None:
        """Raises Forbidden unless the person may act on a unit in that county."""
        self.require_can_act()
        self.require(code)


def scope_of(user: User) -> Scope:
    """The one rule: the prefecture reviewer sees all and acts on nothing; a county admin sees
    and acts on one county; a viewer sees one county (or all) and acts on nothing.

    Acting on a node (resend, accept a gap, revoke) is the county's work: the county enrolled
    the node and knows the center behind it. The prefecture reviews (docs/security.md §6).
    """
    counties = None if user.county_code is None else frozenset({user.county_code})
    if user.role == "prefecture":
        return Scope(None, can_act=False, sees_identity=True)
    if user.role == "county_admin":
        return Scope(counties, can_act=True, sees_identity=True)
    return Scope(counties, can_act=False, sees_identity=False)


def mask_id_number(value: str) -> str:
    """5134**********0023: the area and the last four stay, enough to tell two people apart."""
    if len(value) <= 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def mask_phone(value: str) -> str:
    """139****1234 for a mobile; a landline keeps its first 3 and last 4 digits the same way."""
    if len(value) <= 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]
