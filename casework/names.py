"""Provides normalisation of personal and organisation names exactly as typed.

Sources (domain-china.md §4.6): 户口登记规范 uses "·" inside minority names; 公安部 sets no name
length limit; Liangshan Yi names may be written in Yi script (U+A000–U+A4CF). People are matched
by ID number, never by name, so a name is stored as typed: we only NFC-normalise it, unify the
middle dot and refuse characters that cannot be part of a name.
"""

from __future__ import annotations

import unicodedata

from casework.errors import InvalidApplicant

__all__ = ["MIDDLE_DOT", "normalize_name"]

MIDDLE_DOT = "\u00b7"
# Look-alike dots that IMEs and fonts produce for the separator in minority names.
_DOT_VARIANTS = str.maketrans(dict.fromkeys("\u2022\u30fb\uff65\u2027\u2219\u22c5", MIDDLE_DOT))
# Cc control, Cf format (zero-width and bidi controls can hide or spoof text), Cs lone
# surrogates, Zl/Zp line breaks. Co (private use) is allowed on purpose: older GBK-era systems
# encode rare name characters (生僻字) there. Cn is allowed too: Python 3.11's Unicode 14 does
# not yet know CJK Extension H/I characters that a newer IME can type.
_FORBIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
MAX_NAME_LENGTH = 64


def _bad_name(field: str, message: str, message_zh: str, code: str) -> InvalidApplicant:
    return InvalidApplicant(message, message_zh=message_zh, code=code, field=field)


def _check_characters(name: str, field: str) -> None:
    # Look each character up once, in C; the loop over characters runs only to name the culprit.
    categories = frozenset(map(unicodedata.category, name))
    if categories & _FORBIDDEN_CATEGORIES:
        ch = next(ch for ch in name if unicodedata.category(ch) in _FORBIDDEN_CATEGORIES)
        raise _bad_name(
            field,
            f"name contains a control or invisible character U+{ord(ch):04X}; retype it",
            f"姓名含有控制字符或不可见字符 U+{ord(ch):04X}，请重新输入",
            "name_invalid_character",
        )
    if not any(category.startswith("L") for category in categories):
        raise _bad_name(
            field,
            "name must contain at least one letter or character",
            "姓名至少应包含一个文字",
            "name_no_letters",
        )


def normalize_name(text: str, *, field: str = "name") -> str:
    """Return a name as typed, NFC-normalised, with "·" variants unified to U+00B7.

    Surrounding whitespace (including the full-width space) is removed; inner spaces are kept.
    Han, rare CJK (extension planes), Yi syllables and radicals and Latin letters are accepted.

    Args:
        text: The name as typed.
        field: Payload field name to report in errors (e.g. ``"agent_name"``).

    Returns:
        The normalised name.

    Raises:
        InvalidApplicant: Empty, longer than 64 characters, or containing control characters.
    """
    name = unicodedata.normalize("NFC", text).translate(_DOT_VARIANTS).strip()
    if not name:
        raise _bad_name(field, "name is empty", "姓名不能为空", "name_empty")
    if len(name) > MAX_NAME_LENGTH:
        raise _bad_name(
            field,
            f"name has {len(name)} characters; at most {MAX_NAME_LENGTH} are allowed",
            f"姓名长度为{len(name)}个字符，最多允许{MAX_NAME_LENGTH}个",
            "name_too_long",
        )
    _check_characters(name, field)
    return name
