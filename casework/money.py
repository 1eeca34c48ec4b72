"""Provides parsing of money amounts in yuan (元) as Decimal, never float.

GB/T 39046 表14 records 收费金额 as ``n..16,2`` in 元, so amounts are Decimals with at most two
decimal places. Floats are refused outright: 0.1 + 0.2 is not 0.3, and a fee check must be exact.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

__all__ = ["CENT", "parse_yuan"]

CENT = Decimal("0.01")
_MAX_YUAN = Decimal("99999999999999.99")  # n..16,2


def parse_yuan(value: object) -> Decimal | None:
    """Parse an amount in yuan.

    Args:
        value: A Decimal, an int, or a string such as ``"12.50"``; floats and bools are refused.

    Returns:
        The amount quantised to 0.01, or None when it is not a valid non-negative amount with at
        most two decimal places (callers raise their own, context-specific error).
    """
    if isinstance(value, bool) or not isinstance(value, Decimal | int | str):
        return None
    try:
        amount = Decimal(value.strip() if isinstance(value, str) else value)
    except (InvalidOperation, ValueError):
        return None
    if not amount.is_finite() or amount < 0 or amount > _MAX_YUAN:
        return None
    if amount != amount.quantize(CENT):
        return None
    return amount.quantize(CENT)
