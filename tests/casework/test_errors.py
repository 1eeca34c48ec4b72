"""Tests for the exception hierarchy and the public API surface."""

from __future__ import annotations

import pytest

import casework
from casework import (
    CaseworkError,
    CatalogConflict,
    CatalogImportError,
    CertificateCancelled,
    FeeNotAllowed,
    IllegalTransition,
    InvalidApplicant,
    InvalidCalendarLayer,
    InvalidCatalog,
    InvalidEvent,
    InvalidInput,
    ItemNotAvailable,
    KeyMaterialMissing,
    MaterialNotListed,
    NotFound,
    RowError,
    RuleViolation,
    UnknownItem,
    UnknownOrg,
)


@pytest.mark.parametrize(
    ("error", "parent"),
    [
        (InvalidApplicant, InvalidInput),
        (InvalidEvent, InvalidInput),
        (CatalogImportError, InvalidCatalog),
        (InvalidCatalog, InvalidInput),
        (InvalidCalendarLayer, InvalidInput),
        (IllegalTransition, RuleViolation),
        (ItemNotAvailable, RuleViolation),
        (CertificateCancelled, RuleViolation),
        (MaterialNotListed, RuleViolation),
        (KeyMaterialMissing, RuleViolation),
        (FeeNotAllowed, RuleViolation),
        (CatalogConflict, RuleViolation),
        (UnknownItem, NotFound),
        (UnknownOrg, NotFound),
        (InvalidInput, CaseworkError),
        (RuleViolation, CaseworkError),
        (NotFound, CaseworkError),
    ],
)
def test_error_class_sits_under_its_parent_when_tree_is_drawn(error: type, parent: type) -> None:
    assert issubclass(error, parent)


def test_error_carries_code_messages_and_field_when_raised() -> None:
    error = InvalidApplicant("bad", message_zh="错误", code="id_number_checksum", field="id_number")
    assert error.to_dict() == {
        "error": "InvalidApplicant",
        "code": "id_number_checksum",
        "message": "bad",
        "message_zh": "错误",
        "field": "id_number",
    }
    assert str(error) == "bad"


def test_error_uses_class_code_when_none_given() -> None:
    assert IllegalTransition("x").code == "illegal_transition"


def test_catalog_import_error_lists_every_row_when_raised() -> None:
    error = CatalogImportError([RowError(3, "类别", "无效"), RowError(5, "事项编码", "重复")])
    assert "row 3 [类别]" in error.message
    assert "共 2 处错误" in error.message_zh
    assert len(error.to_dict()["rows"]) == 2


def test_public_api_lists_only_public_names_when_imported() -> None:
    assert casework.__all__ == sorted(casework.__all__, key=lambda n: (not n.isupper(), n))
    for name in casework.__all__:
        assert not name.startswith("_")
        assert getattr(casework, name) is not None


def test_public_exceptions_derive_from_casework_error_when_exported() -> None:
    errors = [
        getattr(casework, n) for n in casework.__all__ if isinstance(getattr(casework, n), type)
    ]
    exceptions = [e for e in errors if issubclass(e, Exception)]
    assert exceptions and all(issubclass(e, CaseworkError) for e in exceptions)
