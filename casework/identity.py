"""Provides validation of resident ID numbers (居民身份证) and unified social credit codes (USCC).

Sources: GB 11643-1999 (ID number layout, ISO 7064 MOD 11-2) and GB 32100-2015 (USCC, ISO 7064
MOD 31-3), as summarised in shared/reference/domain-china.md §4.1–4.2. python-stdnum is used for
the area-code table and is the reference for the MOD 11-2 check digit (``_id_check_digit``
computes the same digit faster); it is deliberately *not* used for the two checks that reject
valid Liangshan numbers (see ``_area_code_warnings`` and ``validate_uscc``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from operator import mul

from stdnum import numdb
from stdnum.iso7064 import mod_11_2

from casework.errors import InvalidApplicant

__all__ = [
    "IdentityWarning",
    "ResidentId",
    "complete_resident_id",
    "complete_uscc",
    "validate_resident_id",
    "validate_uscc",
]

_EARLIEST_BIRTH = date(1900, 1, 1)
_SEPARATORS = re.compile(r"[\s\-]+")
_ID_SHAPE = re.compile(r"[0-9]{17}[0-9X]")  # ASCII only: \d would take full-width digits
_ID_DIGITS = re.compile(r"[0-9]{17}")
# GB 11643 = ISO 7064 MOD 11-2: weights 2^(17-i) mod 11; a weighted sum s gives _ID_CHECK[s % 11].
_ID_WEIGHTS = tuple(pow(2, 17 - i, 11) for i in range(17))
_ID_CHECK = "10X98765432"
_ASCII_ZERO_SUM = ord("0") * sum(_ID_WEIGHTS)
# GB 32100-2015 alphabet: digits and capitals without I, O, Z, S, V.
_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))
# 登记管理部门: 1–9, A (军委编制办), N (农业: 村集体经济组织), Y (其他).
_USCC_AUTHORITIES = "123456789ANY"


@dataclass(frozen=True, slots=True)
class IdentityWarning:
    """Something unusual about an identity number that does not make it invalid.

    Attributes:
        code: Machine code, e.g. ``"area_code_unknown"``.
        message: English explanation.
        message_zh: Chinese explanation for the clerk.
    """

    code: str
    message: str
    message_zh: str


@dataclass(frozen=True, slots=True)
class ResidentId:
    """A validated 18-digit resident ID number.

    Attributes:
        number: Normalised number (no separators, upper-case X).
        area_code: First six digits (GB/T 2260 county of first registration).
        birth_date: Birth date encoded in the number.
        sex: ``"male"`` (odd sequence digit) or ``"female"`` (even).
        warnings: Non-fatal findings, e.g. an unknown area code.
    """

    number: str
    area_code: str
    birth_date: date
    sex: str
    warnings: tuple[IdentityWarning, ...] = ()


def _bad_id(message: str, message_zh: str, code: str) -> InvalidApplicant:
    return InvalidApplicant(message, message_zh=message_zh, code=code, field="id_number")


def _normalise_id(text: str) -> str:
    number = _SEPARATORS.sub("", text).upper()
    if len(number) != 18:
        raise _bad_id(
            f"resident ID number must have 18 characters, got {len(number)}",
            f"身份证号码应为18位，当前为{len(number)}位",
            "id_number_length",
        )
    if not _ID_SHAPE.fullmatch(number):
        raise _bad_id(
            "resident ID number must be 17 digits followed by a digit or X",
            "身份证号码格式错误：前17位须为数字，最后一位为数字或X",
            "id_number_format",
        )
    return number


def _id_check_digit(first17: str) -> str:
    """Return the GB 11643 check character, exactly as stdnum's ``mod_11_2`` computes it."""
    if not first17.isascii():  # \d admits other scripts' digits; keep stdnum's int() reading
        return mod_11_2.calc_check_digit(first17)
    # Each byte is a digit plus ord("0"); summing bytes runs in C, ~3x faster than int() per digit
    # (runs on every accept the hub ingests).
    total = sum(map(mul, first17.encode(), _ID_WEIGHTS)) - _ASCII_ZERO_SUM
    return _ID_CHECK[total % 11]


def _check_id_digit(number: str) -> None:
    expected = _id_check_digit(number[:17])
    if number[17] != expected:
        raise _bad_id(
            f"resident ID check digit is {number[17]}, should be {expected}; "
            "re-read the number from the card",
            f"身份证号码校验位错误，应为 {expected}，请核对证件重新录入",
            "id_number_checksum",
        )


def _birth_date(number: str, today: date) -> date:
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise _bad_id(
            f"resident ID birth date {number[6:14]} is not a real date",
            f"身份证号码中的出生日期 {number[6:14]} 不是有效日期",
            "id_number_birth_date",
        ) from None
    if not _EARLIEST_BIRTH <= born <= today:
        raise _bad_id(
            f"resident ID birth date {born.isoformat()} is before 1900 or after "
            f"{today.isoformat()}",
            f"身份证号码中的出生日期 {born.isoformat()} 不合理（早于1900年或晚于当日）",
            "id_number_birth_date",
        )
    return born


@lru_cache(maxsize=4096)  # stdnum's lookup walks loc.dat each time; codes repeat a lot
def _county_periods(area_code: str) -> tuple[tuple[int | None, int | None, str], ...]:
    """Return (first_year, last_year, name) entries that stdnum's loc.dat holds for a code."""
    info = {k: v for _, props in numdb.get("cn/loc").info(area_code) for k, v in props.items()}
    periods: list[tuple[int | None, int | None, str]] = []
    for entry in info.get("county", "").split(","):
        match = re.fullmatch(r"\[(\d*)-(\d*)\](.*)", entry)
        if match:
            first, last, name = match.groups()
            periods.append((int(first) if first else None, int(last) if last else None, name))
        elif entry:
            periods.append((None, None, entry))
    return tuple(periods)


def _area_code_warnings(area_code: str, birth_year: int) -> tuple[IdentityWarning, ...]:
    # Deviation from stdnum.cn.ric.validate (domain-china.md §4.1): it *rejects* a number whose
    # area code was not in use in the birth year, e.g. 会理市 513402 (from 2021) with a birth
    # year before 2021 -- such numbers exist (late household registration). We only warn, and
    # we do not warn for codes retired after birth: an ID number never changes, so people
    # registered in 会理县 513425 keep that code for life.
    periods = _county_periods(area_code)
    if not periods:
        return (
            IdentityWarning(
                "area_code_unknown",
                f"area code {area_code} is not a known GB/T 2260 county code; check the number",
                f"地址码 {area_code} 不在行政区划代码表中，请核对",
            ),
        )
    for first, last, _ in periods:
        if (first is None or birth_year >= first) and (last is None or birth_year <= last):
            return ()
    first, last, name = periods[-1]
    span = f"{first or ''}-{last or ''}"
    return (
        IdentityWarning(
            "area_code_not_in_use_at_birth",
            f"area code {area_code} ({name}, in use {span}) was not in use in birth year "
            f"{birth_year}; possible late registration, check the card",
            f"地址码 {area_code}（{name}，使用年份 {span}）在出生年份 {birth_year} "
            "尚未启用或已撤销，可能为补登户口，请核对证件",
        ),
    )


def validate_resident_id(text: str, *, today: date) -> ResidentId:
    """Validate an 18-digit resident ID number.

    Checks format, the ISO 7064 MOD 11-2 check digit and a plausible birth date. The area
    code is checked against GB/T 2260 only to produce warnings.

    Args:
        text: The number as typed; spaces and dashes are removed, ``x`` becomes ``X``.
        today: The date of the check (the event's date, never the machine clock).

    Returns:
        The normalised number with its birth date, sex and warnings.

    Raises:
        InvalidApplicant: With ``field="id_number"`` and a code naming the failed check.
    """
    number = _normalise_id(text)
    _check_id_digit(number)
    born = _birth_date(number, today)
    return ResidentId(
        number=number,
        area_code=number[:6],
        birth_date=born,
        sex="male" if int(number[16]) % 2 else "female",
        warnings=_area_code_warnings(number[:6], born.year),
    )


def complete_resident_id(first17: str) -> str:
    """Append the check digit to the first 17 digits of a resident ID number.

    Useful for fixtures and for telling a clerk which digit was expected.

    Args:
        first17: Seventeen digits.

    Returns:
        The full 18-character number.
    """
    if not _ID_DIGITS.fullmatch(first17):
        raise _bad_id("need exactly 17 digits", "需要17位数字", "id_number_format")
    return first17 + _id_check_digit(first17)


def _uscc_check_char(first17: str) -> str:
    total = sum(_USCC_ALPHABET.index(c) * w for c, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return _USCC_ALPHABET[(31 - total % 31) % 31]


def _bad_uscc(message: str, message_zh: str, code: str) -> InvalidApplicant:
    return InvalidApplicant(message, message_zh=message_zh, code=code, field="uscc")


def _check_uscc_shape(code: str) -> None:
    if len(code) != 18:
        raise _bad_uscc(
            f"unified social credit code must have 18 characters, got {len(code)}",
            f"统一社会信用代码应为18位，当前为{len(code)}位",
            "uscc_length",
        )
    bad = sorted({c for c in code if c not in _USCC_ALPHABET})
    if bad:
        raise _bad_uscc(
            f"unified social credit code contains invalid characters {''.join(bad)} "
            "(I, O, Z, S, V are never used)",
            f"统一社会信用代码含非法字符 {''.join(bad)}（不使用 I、O、Z、S、V）",
            "uscc_format",
        )
    if code[0] not in _USCC_AUTHORITIES or not code[2:8].isdigit():
        raise _bad_uscc(
            "unified social credit code must start with a registration authority "
            "(1-9, A, N, Y) and have a 6-digit region code in positions 3-8",
            "统一社会信用代码格式错误：第1位为登记管理部门代码（1-9、A、N、Y），第3-8位为行政区划码",
            "uscc_format",
        )


def validate_uscc(text: str) -> str:
    """Validate a unified social credit code (统一社会信用代码).

    Deviation from python-stdnum (domain-china.md §4.2): ``stdnum.cn.uscc.validate`` requires
    the first 8 characters to be digits, so it rejects N-prefixed codes of village collective
    economic organisations (e.g. ``N2…``) that township centers see daily. We implement
    GB 32100's MOD 31-3 ourselves and allow letters in position 1.

    Args:
        text: The code as typed; spaces and dashes are removed, letters upper-cased.

    Returns:
        The normalised code.

    Raises:
        InvalidApplicant: With ``field="uscc"``.
    """
    code = _SEPARATORS.sub("", text).upper()
    _check_uscc_shape(code)
    expected = _uscc_check_char(code[:17])
    if code[17] != expected:
        raise _bad_uscc(
            f"unified social credit code check character is {code[17]}, should be {expected}",
            f"统一社会信用代码校验位错误，应为 {expected}",
            "uscc_checksum",
        )
    return code


def complete_uscc(first17: str) -> str:
    """Append the MOD 31-3 check character to the first 17 characters of a USCC.

    Args:
        first17: Seventeen characters from the USCC alphabet.

    Returns:
        The full 18-character code.
    """
    candidate = first17.upper() + "0"
    _check_uscc_shape(candidate)
    return first17.upper() + _uscc_check_char(first17.upper())
