"""Provides dated delegation records (下放/委托) of an item from one level to a lower one.

Source (domain-china.md §1.8, §6.2): Sichuan delegates county powers to townships by catalogue
(川办发〔2020〕85号, 川府发〔2021〕42号); the higher level must refuse the item from the effective
date, so delegations are dated and a case is judged by the rules of its own date.
``effective_until`` is inclusive (the last day in force).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from casework.codes import LEVELS
from casework.errors import InvalidCatalog

__all__ = ["Delegation"]


def _bad(message: str, message_zh: str, fld: str) -> InvalidCatalog:
    return InvalidCatalog(message, message_zh=message_zh, field=fld)


@dataclass(frozen=True, slots=True)
class Delegation:
    """A dated delegation (下放/委托) of an item from one level to a lower one.

    Attributes:
        from_level: Level that stops handling the item, e.g. ``"county"``.
        to_level: Level that handles it instead, e.g. ``"township"``.
        effective_from: First day in force.
        effective_until: Last day in force, or None while in force.
        basis: The document ordering it, e.g. ``"川办发〔2020〕85号"``.
    """

    from_level: str
    to_level: str
    effective_from: date
    effective_until: date | None = None
    basis: str = ""

    def __post_init__(self) -> None:
        levels = list(LEVELS)
        if self.from_level not in LEVELS or self.to_level not in LEVELS:
            raise _bad(
                "delegation levels must be prefecture, county or township",
                "下放层级无效",
                "delegations",
            )
        if levels.index(self.from_level) >= levels.index(self.to_level):
            raise _bad(
                f"delegation must go downward, not {self.from_level} -> {self.to_level}",
                "下放只能由上级到下级",
                "delegations",
            )
        if self.effective_until is not None and self.effective_until < self.effective_from:
            raise _bad(
                "delegation ends before it starts", "下放终止日期早于生效日期", "delegations"
            )

    def in_force(self, on_date: date) -> bool:
        """Return whether the delegation applies on a date."""
        until = self.effective_until
        return self.effective_from <= on_date and (until is None or on_date <= until)
