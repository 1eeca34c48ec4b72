"""Provides realistic test inputs: valid resident ID numbers, Liangshan applicants, items."""

from __future__ import annotations

from datetime import date

import casework

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def resident_id(area: str, born: date, serial: int) -> str:
    """A resident ID number with a correct ISO 7064 MOD 11-2 check character."""
    body = f"{area}{born:%Y%m%d}{serial:03d}"
    total = sum(int(digit) * weight for digit, weight in zip(body, _WEIGHTS, strict=True))
    return body + "10X98765432"[total % 11]


# Names as Liangshan registers them: Yi family names in Han characters, "·" in minority names.
APPLICANTS = (
    ("吉克·阿依", resident_id("513431", date(1988, 3, 14), 22), "13881234567"),
    ("沙马拉且", resident_id("513431", date(1975, 11, 2), 31), "13990871234"),
    ("阿说·木呷", resident_id("513429", date(2001, 6, 30), 17), ""),
    ("王秀英", resident_id("513401", date(1962, 1, 5), 48), "0834-3201234"),
)


def items_by_category(level: str = "township") -> dict[str, casework.Item]:
    """One available item per category from the sample catalog."""
    found: dict[str, casework.Item] = {}
    for item in casework.load_sample_catalog().available_at(level, date.today()):
        found.setdefault(item.category, item)
    return found
