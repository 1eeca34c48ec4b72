"""Provides validation and normalisation of Chinese mobile and landline phone numbers.

Mobile: 11 digits ``1[3-9]xxxxxxxxx`` (an optional +86 / 0086 prefix is dropped).
Landline: trunk prefix 0 + area code + a 7–8 digit local number, stored as ``0834-3201234``.
Area codes 010 and 02x have three digits; all others four (e.g. 0834 for Liangshan), which is
how a landline typed without a separator is split (numbering-plan rule, inferred).
"""

from __future__ import annotations

import re

from casework.errors import InvalidApplicant

__all__ = ["normalize_phone"]

_SEPARATORS = re.compile(r"[\s\-()（）]+")
_COUNTRY_PREFIX = re.compile(r"^(?:\+86|0086)")
_MOBILE = re.compile(r"1[3-9]\d{9}")
_AREA_CODE = re.compile(r"0[1-9]\d{1,2}")
_LOCAL_NUMBER = re.compile(r"[2-9]\d{6,7}")


def _bad_phone(field: str) -> InvalidApplicant:
    return InvalidApplicant(
        "phone must be a mobile number (1[3-9] + 9 digits) or a landline with area code "
        "(e.g. 0834-3201234)",
        message_zh="电话号码格式错误：应为11位手机号码，或带区号的固定电话（如 0834-3201234）",
        code="phone_format",
        field=field,
    )


def _landline(digits: str) -> str | None:
    area_length = 3 if digits[:2] in ("01", "02") else 4
    area, local = digits[:area_length], digits[area_length:]
    if _AREA_CODE.fullmatch(area) and _LOCAL_NUMBER.fullmatch(local):
        return f"{area}-{local}"
    return None


def normalize_phone(text: str, *, field: str = "phone") -> str:
    """Validate a phone number and return it normalised.

    Args:
        text: The number as typed; spaces, dashes and brackets are ignored.
        field: Payload field name to report in errors.

    Returns:
        ``"13812345678"`` for a mobile, ``"0834-3201234"`` for a landline.

    Raises:
        InvalidApplicant: With ``field`` and code ``"phone_format"``.
    """
    compact = _SEPARATORS.sub("", text)
    international = _COUNTRY_PREFIX.sub("", compact)
    if international != compact and not international.startswith("1"):
        # +86 834 3201234: the trunk 0 is dropped in international form.
        international = "0" + international
    compact = international
    if _MOBILE.fullmatch(compact):
        return compact
    if compact.startswith("0") and compact.isdigit():
        landline = _landline(compact)
        if landline:
            return landline
    raise _bad_phone(field)
