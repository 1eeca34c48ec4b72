"""Provides the casework exception hierarchy, with machine codes and bilingual messages.

Every error raised by ``casework`` is a :class:`CaseworkError`. Each carries a snake_case
``code`` that names the broken rule (stable; the hub quotes the message in its quarantine
records and receipts), an English
``message`` for logs and developers, a Chinese ``message_zh`` for the clerk's screen, and,
where one input field is at fault, ``field``.

The tree splits by who is at fault: the shape of the input (``InvalidInput``), a rule that a
well-formed request breaks (``RuleViolation``), or a reference to something unknown
(``NotFound``)::

    CaseworkError
    ├── InvalidInput                 malformed data; fix the input
    │   ├── InvalidApplicant         bad ID number / USCC / phone / name (field says which)
    │   ├── InvalidEvent             malformed event payload or event type
    │   ├── InvalidCatalog           an item or catalog that breaks the catalog schema
    │   │   └── CatalogImportError   spreadsheet rows that failed; ``rows`` lists every RowError
    │   └── InvalidCalendarLayer     a calendar layer that contradicts itself
    ├── RuleViolation                well-formed but forbidden by a rule
    │   ├── IllegalTransition        action not allowed in the case's current status
    │   ├── ItemNotAvailable         not implemented at this level / delegated away on that date
    │   ├── CertificateCancelled     a cancelled certificate marked as required
    │   ├── MaterialNotListed        a material that is not on the item's list
    │   ├── KeyMaterialMissing       容缺受理 attempted without a key material
    │   ├── FeeNotAllowed            fee on a free item, above the standard, or not money
    │   └── CatalogConflict          a county item that reuses a prefecture code
    └── NotFound
        ├── UnknownItem              no such item code in the catalog
        └── UnknownOrg               no such org code in the org tree
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = [
    "CaseworkError",
    "CatalogConflict",
    "CatalogImportError",
    "CertificateCancelled",
    "FeeNotAllowed",
    "IllegalTransition",
    "InvalidApplicant",
    "InvalidCalendarLayer",
    "InvalidCatalog",
    "InvalidEvent",
    "InvalidInput",
    "ItemNotAvailable",
    "KeyMaterialMissing",
    "MaterialNotListed",
    "NotFound",
    "RowError",
    "RuleViolation",
    "UnknownItem",
    "UnknownOrg",
]


class CaseworkError(Exception):
    """Base of every casework error.

    Attributes:
        code: Snake_case machine code naming the rule, e.g. ``"illegal_transition"``.
        message: English, actionable.
        message_zh: Chinese, for the clerk's UI.
        field: The input field at fault, if one is.
    """

    default_code = "casework_error"

    def __init__(
        self,
        message: str,
        *,
        message_zh: str = "",
        code: str | None = None,
        field: str | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code or self.default_code
        self.message = message
        self.message_zh = message_zh or message
        self.field = field

    def to_dict(self) -> dict[str, Any]:
        """Return the error as a plain dict, e.g. for a hub's rejection response.

        Returns:
            ``{"error": class name, "code", "message", "message_zh", "field"}``.
        """
        return {
            "error": type(self).__name__,
            "code": self.code,
            "message": self.message,
            "message_zh": self.message_zh,
            "field": self.field,
        }


class InvalidInput(CaseworkError):
    """The input is malformed; correcting the input fixes it."""

    default_code = "invalid_input"


class InvalidApplicant(InvalidInput):
    """An applicant's ID number, USCC, phone or name is invalid; ``field`` names which."""

    default_code = "invalid_applicant"


class InvalidEvent(InvalidInput):
    """An event has an unknown type or a malformed payload; ``field`` names the payload key."""

    default_code = "invalid_event"


class InvalidCatalog(InvalidInput):
    """An item or catalog breaks the catalog schema."""

    default_code = "invalid_catalog"


@dataclass(frozen=True, slots=True)
class RowError:
    """One bad cell found while importing a catalog spreadsheet.

    Attributes:
        row: Row number as the spreadsheet user sees it (the header is row 1).
        column: The column header as written in the file (or the canonical key).
        reason: Why the value was rejected, in Chinese and English.
    """

    row: int
    column: str
    reason: str


class CatalogImportError(InvalidCatalog):
    """A catalog spreadsheet had bad rows; nothing was imported.

    Attributes:
        rows: Every bad cell found, in row order.
    """

    default_code = "catalog_import_failed"

    def __init__(self, rows: list[RowError] | tuple[RowError, ...]) -> None:
        self.rows = tuple(rows)
        listing = "; ".join(f"row {e.row} [{e.column}]: {e.reason}" for e in self.rows[:20])
        more = f" (+{len(self.rows) - 20} more)" if len(self.rows) > 20 else ""
        count = len(self.rows)
        super().__init__(
            f"catalog import failed, nothing imported; {count} problem(s): {listing}{more}",
            message_zh=f"事项目录导入失败，未导入任何事项；共 {count} 处错误：{listing}{more}",
        )

    def to_dict(self) -> dict[str, Any]:
        """Return the error as a plain dict, including every row error."""
        data = super().to_dict()
        data["rows"] = [{"row": e.row, "column": e.column, "reason": e.reason} for e in self.rows]
        return data


class InvalidCalendarLayer(InvalidInput):
    """A calendar layer is malformed, e.g. a date both a rest day and a workday."""

    default_code = "invalid_calendar_layer"


class RuleViolation(CaseworkError):
    """The request is well-formed but a domain rule forbids it."""

    default_code = "rule_violation"


class IllegalTransition(RuleViolation):
    """The action is not allowed in the case's current status."""

    default_code = "illegal_transition"


class ItemNotAvailable(RuleViolation):
    """The item is not handled at this level on that date; the message says where to go."""

    default_code = "item_not_available"


class CertificateCancelled(RuleViolation):
    """A cancelled certificate (已取消的证明事项) was marked as required."""

    default_code = "certificate_cancelled"


class MaterialNotListed(RuleViolation):
    """A material that is not on the item's published list was demanded."""

    default_code = "material_not_listed"


class KeyMaterialMissing(RuleViolation):
    """容缺受理 was attempted while a key (non-waivable) material is missing."""

    default_code = "key_material_missing"


class FeeNotAllowed(RuleViolation):
    """A fee on a free item, above the published standard, or not a valid amount."""

    default_code = "fee_not_allowed"


class CatalogConflict(RuleViolation):
    """A county's local item reuses a code that the prefecture catalog already defines."""

    default_code = "catalog_code_conflict"


class NotFound(CaseworkError):
    """A code refers to nothing known."""

    default_code = "not_found"


class UnknownItem(NotFound):
    """No item with that code exists in the catalog."""

    default_code = "unknown_item"


class UnknownOrg(NotFound):
    """No org with that code exists in the org tree."""

    default_code = "unknown_org"
