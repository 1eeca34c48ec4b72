"""Provides the facts the rollups count about one case row: its China day and slot, and
whether it is single-window, accepted-and-completed within a minute, or back-dated.

Rules (docs/compliance.md): a case is *back-dated* when its node had already cut and sent a
batch more than an hour after the acceptance's time, and that batch did not hold it: the
acceptance was typed in after the center's later traffic had reached this hub. The proof is
the node's own signed batch header (its `created_at`), found through the hub's arrivals.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from casework import OPEN_STATUSES

from ...store import batches

__all__ = [
    "BACKDATE_MARGIN",
    "SAME_MINUTE",
    "SLOT",
    "CaseFacts",
    "FactsReader",
    "OpenCase",
    "china_time",
    "header_cut_time",
    "slot_of",
    "slot_start",
]

BACKDATE_MARGIN = timedelta(hours=1)
"""How much later than the acceptance the node's earlier batch must have been cut."""
SAME_MINUTE = timedelta(seconds=60)
"""Accepted and completed less than this apart."""
_CHINA_OFFSET = timedelta(hours=8)  # China Standard Time has no daylight saving

PreviousCut = Callable[[str, str], datetime | None]


@dataclass(frozen=True, slots=True)
class OpenCase:
    """An open case with a due date as rollup_open_cases keeps it: enough to light it and to
    list it, none of it changing while the case moves through its steps."""

    center_code: str
    due_date: str
    provisional: bool
    case_no: str
    item_code: str
    category: str
    accepted_at: str

    def row(self, case_id: str) -> dict[str, Any]:
        """The table row of this open case."""
        return {
            "case_id": case_id,
            "center_code": self.center_code,
            "county_code": self.center_code[:6],
            "due_date": self.due_date,
            "provisional": self.provisional,
            "case_no": self.case_no,
            "item_code": self.item_code,
            "category": self.category,
            "accepted_at": self.accepted_at,
        }


@dataclass(frozen=True, slots=True)
class CaseFacts:
    """What one case adds to the rollups (counts are 0 or 1)."""

    case_id: str
    center_code: str
    category: str
    accepted_day: str
    slot: int
    completed_day: str | None
    single_window: int
    same_minute: int
    backdated: int
    open_case: OpenCase | None
    """What rollup_open_cases keeps of it while it is open with a due date."""


def china_time(timestamp: str) -> datetime:
    """A UTC wire timestamp as a naive China wall-clock time."""
    return datetime.fromisoformat(timestamp).replace(tzinfo=None) + _CHINA_OFFSET


SLOT = timedelta(minutes=10)
_EPOCH = datetime(1970, 1, 1)


def slot_of(local: datetime) -> int:
    """The 10-minute slot of a China wall-clock time: slots since 1970-01-01 00:00."""
    return (local - _EPOCH) // SLOT


def slot_start(slot: int) -> datetime:
    """The China wall-clock time a slot starts at."""
    return _EPOCH + SLOT * slot


class FactsReader:
    """Reads the facts of case rows, looking up what a row alone does not say (single-window
    items in the newest catalogs, the cut time of a node's earlier batch) once per call."""

    def __init__(
        self,
        conn: sa.Connection,
        *,
        single_window_codes: frozenset[str] | None = None,
        previous_cut: PreviousCut | None = None,
    ) -> None:
        self._conn = conn
        self._single = single_window_codes
        self._previous_cut = previous_cut or self._lookup_previous_cut
        self._cuts: dict[tuple[str, str], datetime | None] = {}

    def facts(self, row: Mapping[Any, Any], *, dated: bool = True) -> CaseFacts | None:
        """The row's facts; `dated=False` skips the back-dating lookup (counted as 0), for a
        change that keeps what it depends on, where before and after cancel out anyway."""
        accepted_text = row.get("accepted_at")
        if not accepted_text:
            return None
        accepted = china_time(accepted_text)
        completed_text = row.get("completed_at")
        completed = china_time(completed_text) if completed_text else None
        same_minute = completed is not None and completed - accepted < SAME_MINUTE
        return CaseFacts(
            case_id=row.get("case_id") or "",
            center_code=row["center_code"],
            category=row["category"],
            accepted_day=accepted.date().isoformat(),
            slot=slot_of(accepted),
            completed_day=completed.date().isoformat() if completed else None,
            single_window=int(row.get("item_code") in self._single_window_codes()),
            same_minute=int(same_minute),
            backdated=int(dated and self._backdated(row, accepted)),
            open_case=_open_case(row),
        )

    def _single_window_codes(self) -> frozenset[str]:
        if self._single is None:
            from ..catalog import single_window_codes

            self._single = single_window_codes(self._conn)
        return self._single

    def _backdated(self, row: Mapping[str, Any], accepted: datetime) -> bool:
        node_id, received_at = row.get("node_id") or "", row.get("received_at") or ""
        if not (node_id and received_at):
            return False
        key = (node_id, received_at)
        if key not in self._cuts:
            self._cuts[key] = self._previous_cut(node_id, received_at)
        cut = self._cuts[key]
        return cut is not None and accepted < cut - BACKDATE_MARGIN

    def _lookup_previous_cut(self, node_id: str, received_at: str) -> datetime | None:
        """When the node cut its newest batch that reached this hub before `received_at`."""
        header = self._conn.execute(
            sa.select(batches.c.header)
            .where(batches.c.node_id == node_id, batches.c.received_at < received_at)
            .order_by(batches.c.batch_seq.desc())
            .limit(1)
        ).scalar()
        return header_cut_time(header) if header is not None else None


def _open_case(row: Mapping[str, Any]) -> OpenCase | None:
    due = row.get("due_date")
    if not due or row.get("status") not in OPEN_STATUSES:
        return None
    return OpenCase(
        center_code=row["center_code"],
        due_date=due,
        provisional=bool(row.get("due_provisional")),
        case_no=row.get("case_no") or "",
        item_code=row.get("item_code") or "",
        category=row["category"],
        accepted_at=row["accepted_at"],
    )


def header_cut_time(header: bytes) -> datetime:
    """The China time a node cut a batch, from its stored header (verified at ingest, so
    only read here: its canonical JSON's `created_at`)."""
    return china_time(json.loads(header)["created_at"])
