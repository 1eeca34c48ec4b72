"""Tests for resident ID numbers, USCCs, phones, names and applicants."""

from __future__ import annotations

import unicodedata
from datetime import date

import pytest
from stdnum.cn import ric, uscc

from casework import (
    InvalidApplicant,
    complete_resident_id,
    complete_uscc,
    normalize_name,
    normalize_phone,
    validate_applicant,
    validate_resident_id,
    validate_uscc,
)

TODAY = date(2026, 11, 28)


@pytest.mark.parametrize(
    ("number", "birth", "sex"),
    [
        ("513431198503150023", date(1985, 3, 15), "female"),  # 昭觉县, even sequence digit
        ("513401201806200047", date(2018, 6, 20), "female"),  # 西昌市
        ("532128197001010016", date(1970, 1, 1), "male"),  # outside Liangshan
        ("51343119900101005X", date(1990, 1, 1), "male"),  # check digit X
    ],
)
def test_resident_id_returns_birth_and_sex_when_valid(number: str, birth: date, sex: str) -> None:
    result = validate_resident_id(number, today=TODAY)
    assert (result.number, result.birth_date, result.sex, result.warnings) == (
        number,
        birth,
        sex,
        (),
    )


def test_resident_id_normalises_lowercase_x_and_separators_when_typed_loosely() -> None:
    assert validate_resident_id(" 513431 19900101 005x ", today=TODAY).number == (
        "51343119900101005X"
    )


def test_resident_id_names_expected_digit_when_check_digit_wrong() -> None:
    with pytest.raises(InvalidApplicant) as caught:
        validate_resident_id("513431199001010051", today=TODAY)
    error = caught.value
    assert (error.code, error.field) == ("id_number_checksum", "id_number")
    assert "应为 X" in error.message_zh
    assert "should be X" in error.message


def test_resident_id_accepts_huili_city_code_with_warning_when_born_before_2021() -> None:
    # Trap 4.1: stdnum rejects 513402 (会理市, from 2021) with a birth year before 2021,
    # yet late household registration produces such numbers; we accept and warn.
    number = "513402201001010023"
    assert not ric.is_valid(number)
    result = validate_resident_id(number, today=TODAY)
    assert result.birth_date == date(2010, 1, 1)
    assert [w.code for w in result.warnings] == ["area_code_not_in_use_at_birth"]


def test_resident_id_has_no_warning_when_retired_code_was_in_use_at_birth() -> None:
    # 会理县 513425 was retired in 2021; people registered earlier keep it for life.
    assert validate_resident_id("513425201001010028", today=TODAY).warnings == ()


def test_resident_id_warns_when_area_code_unknown() -> None:
    number = complete_resident_id("99999919900101001")
    assert [w.code for w in validate_resident_id(number, today=TODAY).warnings] == [
        "area_code_unknown"
    ]


@pytest.mark.parametrize(
    ("first17", "code"),
    [
        ("51343119900230001", "id_number_birth_date"),  # 30 February
        ("51343118991231001", "id_number_birth_date"),  # before 1900
        ("51343120261129001", "id_number_birth_date"),  # after "today" (2026-11-28)
    ],
)
def test_resident_id_rejects_implausible_birth_date_when_checksum_is_right(
    first17: str, code: str
) -> None:
    with pytest.raises(InvalidApplicant) as caught:
        validate_resident_id(complete_resident_id(first17), today=TODAY)
    assert caught.value.code == code


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("51343119850315002", "id_number_length"),  # 17 digits
        ("5134311985031500233", "id_number_length"),  # 19 digits
        ("51343119850315002A", "id_number_format"),  # letter other than X
        ("X13431198503150023", "id_number_format"),  # X not at the end
    ],
)
def test_resident_id_rejects_bad_shape_when_typed_wrong(text: str, code: str) -> None:
    with pytest.raises(InvalidApplicant) as caught:
        validate_resident_id(text, today=TODAY)
    assert caught.value.code == code


def test_uscc_accepts_village_collective_code_when_it_starts_with_n2() -> None:
    # Trap 4.2: stdnum requires 8 leading digits and rejects N2… village collectives.
    code = "N2513431MA6X12345D"
    assert not uscc.is_valid(code)
    assert validate_uscc(code) == code
    assert complete_uscc("N2513431MA6X12345") == code


@pytest.mark.parametrize("code", ["91110000600037341L", "n2513431-ma6x12345d"])
def test_uscc_normalises_when_valid(code: str) -> None:
    assert validate_uscc(code) in ("91110000600037341L", "N2513431MA6X12345D")


@pytest.mark.parametrize(
    ("code", "error_code"),
    [
        ("N2513431MA6X12345E", "uscc_checksum"),
        ("N2513431MA6X1234", "uscc_length"),
        ("N2513431MA6X1234OD", "uscc_format"),  # O is not in the alphabet
        ("B2513431MA6X12345D", "uscc_format"),  # B is no registration authority
        ("N25134A1MA6X12345D", "uscc_format"),  # letter inside the region code
    ],
)
def test_uscc_rejects_when_malformed(code: str, error_code: str) -> None:
    with pytest.raises(InvalidApplicant) as caught:
        validate_uscc(code)
    assert (caught.value.code, caught.value.field) == (error_code, "uscc")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("13908141234", "13908141234"),
        ("139 0814 1234", "13908141234"),
        ("+86 139-0814-1234", "13908141234"),
        ("0834-3201234", "0834-3201234"),
        ("0834 3201234", "0834-3201234"),
        ("08343201234", "0834-3201234"),  # split by the numbering plan: 4-digit area code
        ("(0834)3201234", "0834-3201234"),
        ("010-62345678", "010-62345678"),
        ("+86 834 3201234", "0834-3201234"),  # international form drops the trunk 0
    ],
)
def test_phone_normalises_when_valid(text: str, expected: str) -> None:
    assert normalize_phone(text) == expected


@pytest.mark.parametrize("text", ["12345678901", "1390814123", "0834-0201234", "3201234", "电话"])
def test_phone_rejects_when_not_a_chinese_number(text: str) -> None:
    with pytest.raises(InvalidApplicant) as caught:
        normalize_phone(text)
    assert (caught.value.code, caught.value.field) == ("phone_format", "phone")


@pytest.mark.parametrize("dot", ["\u00b7", "\u2022", "\u30fb", "\uff65", "\u2027"])
def test_name_stores_middle_dot_as_u00b7_when_typed_with_a_variant(dot: str) -> None:
    assert normalize_name(f"吉克{dot}阿呷") == "吉克\u00b7阿呷"


@pytest.mark.parametrize(
    "name",
    [
        "ꀉꂿ ꃅꉌ",  # Yi syllables with an inner space, kept
        "沙马拉体",
        "𠀀𪚥",  # CJK Extension B characters (supplementary plane)
        "阿\ue000",  # private-use 生僻字 from an old GBK-era font
        "Ma Hai",
    ],
)
def test_name_is_kept_as_typed_when_valid(name: str) -> None:
    assert normalize_name(name) == name


def test_name_is_nfc_normalised_when_typed_decomposed() -> None:
    decomposed = unicodedata.normalize("NFD", "Lǚ")
    assert normalize_name(decomposed) == "Lǚ"


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "name_empty"),
        ("\u3000 ", "name_empty"),  # full-width space only
        ("张\u0007三", "name_invalid_character"),  # control character
        ("张\u200b三", "name_invalid_character"),  # zero-width space
        ("·", "name_no_letters"),
        ("张" * 65, "name_too_long"),
    ],
)
def test_name_rejects_when_empty_or_unprintable(text: str, code: str) -> None:
    with pytest.raises(InvalidApplicant) as caught:
        normalize_name(text)
    assert (caught.value.code, caught.value.field) == (code, "name")


def test_applicant_is_normalised_when_valid() -> None:
    applicant = validate_applicant(
        {
            "name": "吉克•阿呷",
            "id_type": "111",
            "id_number": "51343119900101005x",
            "phone": "139 0814 1234",
        },
        today=TODAY,
    )
    assert (applicant.name, applicant.id_number, applicant.phone) == (
        "吉克·阿呷",
        "51343119900101005X",
        "13908141234",
    )


@pytest.mark.parametrize(
    ("applicant", "field"),
    [
        ({"name": "张三", "id_type": "999", "id_number": "x"}, "id_type"),
        ({"name": "张三", "id_type": "111", "id_number": "513431198503150024"}, "id_number"),
        ({"name": "", "id_type": "111", "id_number": "513431198503150023"}, "name"),
        ({"name": "张三", "id_type": "111"}, "id_number"),
        (
            {"name": "张三", "id_type": "111", "id_number": "513431198503150023", "phone": "1"},
            "phone",
        ),
        ({"name": "合作社", "id_type": "001", "id_number": "N2513431MA6X12345E"}, "uscc"),
    ],
)
def test_applicant_names_the_bad_field_when_invalid(applicant: dict[str, str], field: str) -> None:
    with pytest.raises(InvalidApplicant) as caught:
        validate_applicant(applicant, today=TODAY)
    assert caught.value.field == field


def test_applicant_keeps_other_documents_as_typed_when_not_checkable() -> None:
    applicant = validate_applicant(
        {"name": "Ma Hai", "id_type": "414", "id_number": " E12345678 ", "phone": ""},
        today=TODAY,
    )
    assert (applicant.id_number, applicant.phone) == ("E12345678", None)


def test_resident_id_with_full_width_digits_is_refused():
    # "５" (U+FF15) matches \d in Python regexes; an ID number must be ASCII digits only.
    from casework import InvalidApplicant, validate_resident_id

    with pytest.raises(InvalidApplicant):
        validate_resident_id("５13431198803140222", today=date(2026, 11, 28))
