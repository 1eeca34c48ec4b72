"""Provides the case state record: what a case looks like after folding its events.

Shared by township nodes and hubs; built only by :mod:`casework.lifecycle`. Statuses and their
Chinese labels are in :mod:`casework.events`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from casework.applicant import Applicant
from casework.workdays import local_date

__all__ = ["OPEN_STATUSES", "CaseState", "Pause"]

OPEN_STATUSES = frozenset(
    {"accepted", "handled", "reviewed", "approved", "awaiting_supplement", "escalated"}
)


@dataclass(frozen=True, slots=True)
class Pause:
    """A period when the clock is stopped (补正), in China dates.

    Attributes:
        start: First paused day (the day the 补正 notice was issued).
        end: First running day again (the day the material arrived), or None while paused.
        reason: Why, e.g. ``"supplement"``.
    """

    start: date
    end: date | None = None
    reason: str = "supplement"


@dataclass(frozen=True, slots=True)
class CaseState:
    """The state of one case, as folded from its events.

    The first ten fields are the contract with township_node and central_hub; the rest have
    defaults. Datetimes are aware UTC, taken only from events.
    """

    case_id: str
    case_no: str
    item_code: str
    category: str
    workflow: str
    status: str
    center_code: str
    accepted_at: datetime
    completed_at: datetime | None
    result_code: str | None
    result_label: str | None = None
    result_reason: str | None = None
    applicant: Applicant | None = None
    catalog_version: str | None = None
    promised_limit_days: int | None = None
    missing_materials: tuple[str, ...] = ()
    missing_promised_by: date | None = None
    supplement_materials: tuple[str, ...] = ()
    pauses: tuple[Pause, ...] = ()
    resume_status: str | None = None
    extension_days: int = 0
    refuse_reason: str | None = None
    escalated_to: str | None = None
    holder_center: str = ""
    holder_trail: tuple[str, ...] = ()
    decided_by: str | None = None
    """The level that must decide the case when the accepting window only received it (代收):
    ``"county"``; None when the accepting center decides."""
    held_since: datetime | None = None
    """When the current holder received the case (accept, escalate, return or the result's
    hand-back to the window where the citizen applied)."""
    closed_at: datetime | None = None
    delivered_at: datetime | None = None
    updated_at: datetime | None = None
    event_count: int = 0

    @property
    def accepted_on(self) -> date:
        """Return the acceptance date in China (UTC+8)."""
        return local_date(self.accepted_at)

    @property
    def is_open(self) -> bool:
        """Return whether the case is still being worked on (not completed/refused/delivered)."""
        return self.status in OPEN_STATUSES
