"""Provides the applicant record of a case and its validation by ID document type.

ID document types are GA/T 2000.156 codes (GB/T 39046 申请者证件类型代码 n3), read from
domain-china.md §4.5. Only resident ID numbers (111, 112) and USCCs have a checkable structure;
other documents (passport, 户口簿, birth certificate, …) are stored as typed after trimming.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from casework.errors import InvalidApplicant
from casework.identity import IdentityWarning, validate_resident_id, validate_uscc
from casework.names import normalize_name
from casework.phones import normalize_phone

__all__ = ["ID_TYPES", "USCC_ID_TYPE", "Applicant", "validate_applicant"]

# Unconfirmed: GA/T 2000.156 covers personal documents; no code for a USCC was found in the
# sources. "001" is our placeholder for organisations; map it at the national-platform boundary.
USCC_ID_TYPE = "001"

ID_TYPES: Mapping[str, str] = {
    USCC_ID_TYPE: "统一社会信用代码",
    "111": "居民身份证",
    "112": "临时居民身份证",
    "113": "户口簿",
    "114": "军官证",
    "115": "武警警官证",
    "117": "出生医学证明",
    "123": "警官证",
    "131": "工作证",
    "133": "学生证",
    "233": "士兵证",
    "335": "驾驶证",
    "414": "普通护照",
    "511": "台湾居民来往大陆通行证",
    "516": "港澳居民来往内地通行证",
    "990": "其他",
}
_RESIDENT_ID_TYPES = frozenset({"111", "112"})
_MAX_DOCUMENT_NUMBER = 50


@dataclass(frozen=True, slots=True)
class Applicant:
    """A validated applicant (申请人), as stored on the case.

    Attributes:
        name: Name as typed (NFC, "·" unified).
        id_type: GA/T 2000.156 document type code, e.g. ``"111"``.
        id_number: Normalised document number.
        phone: Normalised phone, or None when not given.
        warnings: Non-fatal findings (e.g. an unknown ID area code), as machine codes.
    """

    name: str
    id_type: str
    id_number: str
    phone: str | None = None
    warnings: tuple[str, ...] = ()


def _text(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key)
    if not isinstance(value, str):
        raise InvalidApplicant(
            f"applicant.{key} is required and must be text",
            message_zh=f"申请人信息缺少“{key}”",
            code="applicant_field_missing",
            field=key,
        )
    return value


def _check_id_type(id_type: str) -> None:
    if id_type not in ID_TYPES:
        raise InvalidApplicant(
            f"unknown ID document type {id_type!r}; use a GA/T 2000.156 code such as 111",
            message_zh=f"证件类型代码 {id_type} 无效，应为 GA/T 2000.156 代码（如 111 居民身份证）",
            code="id_type_unknown",
            field="id_type",
        )


def _document_number(
    id_type: str, raw: str, today: date
) -> tuple[str, tuple[IdentityWarning, ...]]:
    if id_type in _RESIDENT_ID_TYPES:
        resident = validate_resident_id(raw, today=today)
        return resident.number, resident.warnings
    if id_type == USCC_ID_TYPE:
        return validate_uscc(raw), ()
    number = raw.strip()
    if not number or len(number) > _MAX_DOCUMENT_NUMBER or not number.isprintable():
        raise InvalidApplicant(
            f"document number must be 1-{_MAX_DOCUMENT_NUMBER} printable characters",
            message_zh=f"证件号码不能为空，且不超过{_MAX_DOCUMENT_NUMBER}个字符",
            code="id_number_format",
            field="id_number",
        )
    return number, ()


def validate_applicant(data: Mapping[str, Any], *, today: date) -> Applicant:
    """Validate an applicant mapping ``{name, id_type, id_number, phone?}``.

    Args:
        data: The applicant as sent in an ``accept`` event payload.
        today: Date of the check; for events, the event's own date (never the machine clock).

    Returns:
        The normalised applicant.

    Raises:
        InvalidApplicant: ``field`` names the bad entry.
    """
    name = normalize_name(_text(data, "name"))
    id_type = _text(data, "id_type").strip()
    _check_id_type(id_type)
    number, warnings = _document_number(id_type, _text(data, "id_number"), today)
    raw_phone = data.get("phone")
    if raw_phone is not None and not isinstance(raw_phone, str):
        raise InvalidApplicant(
            "applicant.phone must be text",
            message_zh="电话号码格式错误",
            code="phone_format",
            field="phone",
        )
    phone = normalize_phone(raw_phone) if raw_phone and raw_phone.strip() else None
    return Applicant(name, id_type, number, phone, tuple(w.code for w in warnings))
