"""Provides the case book: recording window actions as events and reading cases back.

Every action is one transaction that appends one event to the log and updates the case
projection. The pure state machine in casework decides whether the action is legal before
anything is written, so a refused action changes nothing.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import casework
from sync_protocol import (
    Event,
    encode_event,
    format_timestamp,
    new_event_id,
    parse_timestamp,
)

from .errors import CaseNotFound, InvalidInput
from .home import NodeHome
from .projection import case_events, case_history, fold_case, project

__all__ = ["CHINA_TIME", "CaseBook", "CaseSummary"]

CHINA_TIME = timezone(timedelta(hours=8), "CST")
"""China has one time zone and no daylight saving; a fixed offset needs no tz database."""

_SUMMARY_COLUMNS = (
    "case_no, case_id, item_code, category, status, applicant_name, id_number, phone, "
    "accepted_at, updated_at, due_date, due_provisional"
)


@dataclass(frozen=True, slots=True)
class CaseSummary:
    """One row of the case list."""

    case_no: str
    case_id: str
    item_code: str
    category: str
    status: str
    applicant_name: str
    id_number: str
    phone: str
    accepted_at: str
    updated_at: str
    due_date: str | None
    due_provisional: bool


class CaseBook:
    """Records and reads the cases of one node.

    Args:
        home: the opened node home.
        catalog: the item catalog this center works under.
        calendar: the working-day calendar deadlines are counted in.
        center_level: "township" or "county": which items this center may accept.
        clock: returns the current aware time (tests pass a fixed one).
    """

    def __init__(
        self,
        home: NodeHome,
        *,
        catalog: casework.Catalog,
        calendar: casework.WorkCalendar | None = None,
        center_level: str = "township",
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._home = home
        self._catalog = catalog
        self._calendar = calendar or casework.default_calendar()
        self._level = center_level
        self._clock = clock

    def accept(
        self,
        *,
        item_code: str,
        applicant_name: str,
        id_number: str,
        phone: str,
        clerk_id: str,
        fee_yuan: str = "0",
        missing_materials: tuple[str, ...] = (),
        promised_by: date | None = None,
    ) -> CaseSummary:
        """Accepts a new case and returns it with its new case number.

        Args:
            fee_yuan: the fee charged, in 元 ("0" for none); only charged items take one.
            missing_materials: non-key materials accepted as missing (容缺受理), to be
                brought by `promised_by`.

        Raises:
            InvalidInput: unknown item, an item this center may not accept today (the message
                says where the citizen should go), a fee or material rule broken, or an
                applicant field that fails its check; `field` names the input at fault.
        """
        item = _lookup_item(self._catalog, item_code)
        now = self._clock()
        decided_by = _check_acceptance(item, self._level, now, fee_yuan, missing_materials)
        applicant = _validated_applicant(applicant_name, id_number, phone, now)
        with self._home.database.transaction() as conn:
            case_id = new_event_id()
            payload = {
                "case_no": self._next_case_no(conn),
                "center_code": self._home.center_code,
                "item_code": item.code,
                "item_name": item.name,
                "category": item.category,
                "workflow": item.workflow,
                "catalog_version": self._catalog.version,
                "promised_limit_days": item.promised_limit_days,
                "applicant": applicant,
                **_optional_terms(fee_yuan, missing_materials, promised_by),
                **({"decided_by": decided_by} if decided_by else {}),
            }
            self._append(conn, case_id, "accept", payload, clerk_id, history=None)
        return self.get(payload["case_no"])

    def act(
        self,
        case_no: str,
        action: str,
        *,
        clerk_id: str,
        payload: Mapping[str, Any] | None = None,
    ) -> CaseSummary:
        """Records `action` on a case if the state machine allows it.

        Raises:
            CaseNotFound: no such case on this node.
            InvalidInput: the action is not legal now (the message names the legal ones), or
                another center holds the case (only the citizen's window may take in
                materials or record a withdrawal then).
        """
        with self._home.database.transaction() as conn:
            case_id = self._case_id(conn, case_no)
            history = case_history(conn, case_id)
            self._append(conn, case_id, action, dict(payload or {}), clerk_id, history=history)
        return self.get(case_no)

    def state(self, case_no: str) -> casework.CaseState:
        """Folds a case's events (own and fed) into its full state."""
        conn = self._home.conn
        return fold_case(conn, self._case_id(conn, case_no))

    def folded(self, case_no: str) -> casework.CaseHistory:
        """The case's fold with what was set aside and why (conflicts between centers)."""
        conn = self._home.conn
        return case_history(conn, self._case_id(conn, case_no))

    def actions(self, case_no: str) -> tuple[str, ...]:
        """What this center may record on the case now."""
        return casework.actions_for(self.state(case_no), self._home.center_code)

    def history(self, case_no: str) -> list[Event]:
        """The case's events known here, in the order they were applied (set-aside ones last)."""
        conn = self._home.conn
        case_id = self._case_id(conn, case_no)
        events = {event.event_id: event for event, _ in case_events(conn, case_id)}
        folded = case_history(conn, case_id)
        order = [*folded.applied, *(aside.event_id for aside in folded.set_aside)]
        return [events[event_id] for event_id in order]

    def get(self, case_no: str) -> CaseSummary:
        row = self._home.conn.execute(
            f"SELECT {_SUMMARY_COLUMNS} FROM cases WHERE case_no = ?", (case_no,)
        ).fetchone()
        if row is None:
            raise _not_found(case_no)
        return _summary(row)

    def list(self, *, status: str | None = None, limit: int = 50) -> list[CaseSummary]:
        """Newest cases first, optionally only those in one status."""
        where, args = ("WHERE status = ?", (status,)) if status else ("", ())
        rows = self._home.conn.execute(
            f"SELECT {_SUMMARY_COLUMNS} FROM cases {where} "
            "ORDER BY accepted_at DESC, case_no DESC LIMIT ?",
            (*args, limit),
        )
        return [_summary(row) for row in rows]

    def _append(
        self,
        conn: sqlite3.Connection,
        case_id: str,
        action: str,
        payload: dict[str, Any],
        clerk_id: str,
        *,
        history: casework.CaseHistory | None,
    ) -> None:
        state = history.state if history else None
        if state is not None:
            _check_actor(state, self._home.center_code, action, payload)
        # A PC restored from a backup numbers on after what the hub holds (restore.py).
        seq = conn.execute(
            "SELECT max(coalesce((SELECT max(seq) FROM events), 0), coalesce((SELECT "
            "CAST(value AS INTEGER) FROM settings WHERE key = 'event_seq_floor'), 0)) + 1"
        ).fetchone()[0]
        event = Event(
            event_id=new_event_id(),
            node_id=self._home.node_id,
            seq=seq,
            case_id=case_id,
            type=action,
            occurred_at=format_timestamp(self._clock()),
            clerk_id=clerk_id,
            payload=payload,
            after=history.head if history else None,
        )
        new_state = _apply(state, event)
        conn.execute(
            "INSERT INTO events (seq, event_id, case_id, type, occurred_at, clerk_id, body) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                seq,
                event.event_id,
                case_id,
                action,
                event.occurred_at,
                clerk_id,
                encode_event(event),
            ),
        )
        conflicts = len(history.forks) if history else 0
        project(conn, new_state, self._calendar, conflicts=conflicts)

    def _next_case_no(self, conn: sqlite3.Connection) -> str:
        """Center code, local date, window and a daily counter: 513431100-20261128-010007."""
        day = self._clock().astimezone(CHINA_TIME).strftime("%Y%m%d")
        window = self._home.setting("window", "01")
        counter = f"case_no:{day}:{window}"
        conn.execute(
            "INSERT INTO counters (name, value) VALUES (?, 1) "
            "ON CONFLICT (name) DO UPDATE SET value = value + 1",
            (counter,),
        )
        n = conn.execute("SELECT value FROM counters WHERE name = ?", (counter,)).fetchone()[0]
        return f"{self._home.center_code}-{day}-{window}{n:04d}"

    def _case_id(self, conn: sqlite3.Connection, case_no: str) -> str:
        row = conn.execute("SELECT case_id FROM cases WHERE case_no = ?", (case_no,)).fetchone()
        if row is None:
            raise _not_found(case_no)
        return str(row[0])


def _summary(row: tuple[Any, ...]) -> CaseSummary:
    *fields, provisional = row
    return CaseSummary(*fields, bool(provisional))


def _not_found(case_no: str) -> CaseNotFound:
    return CaseNotFound(
        f"no case numbered {case_no} on this node; check the number on the receipt",
        message_zh=f"本机没有编号为 {case_no} 的办件，请核对回执上的编号",
    )


def _lookup_item(catalog: casework.Catalog, item_code: str) -> casework.Item:
    try:
        return catalog.get(item_code)
    except casework.CaseworkError as exc:
        raise InvalidInput(
            f"unknown item {item_code!r}; `township-node catalog list` shows the items",
            message_zh=f"事项目录中没有编码为 {item_code} 的事项",
            field="item_code",
        ) from exc


def _check_acceptance(
    item: casework.Item,
    level: str,
    now: datetime,
    fee_yuan: str,
    missing: tuple[str, ...],
) -> str | None:
    """Checks the acceptance rules; returns the level that must decide the case when this
    window only receives it for the county (代收, then escalated), else None."""
    today = now.astimezone(CHINA_TIME).date()
    try:
        try:
            casework.check_acceptance(
                item,
                center_level=level,
                on_date=today,
                fee_yuan=fee_yuan,
                missing_materials=missing,
            )
            return None
        except casework.ItemNotAvailable:
            decided_by = casework.receive_only_level(item, center_level=level, on_date=today)
            if decided_by is None:
                raise
            casework.check_materials(item, missing=missing)
            casework.check_fee(item, fee_yuan)
            return decided_by
    except casework.CaseworkError as exc:
        raise InvalidInput(exc.message, message_zh=exc.message_zh, field=exc.field or "") from exc


def _optional_terms(
    fee_yuan: str, missing: tuple[str, ...], promised_by: date | None
) -> dict[str, Any]:
    terms: dict[str, Any] = {}
    if fee_yuan not in ("", "0", "0.00"):
        terms["fee_yuan"] = fee_yuan
    if missing:
        terms["missing_materials"] = list(missing)
        if promised_by is not None:
            terms["promised_by"] = promised_by.isoformat()
    return terms


def _validated_applicant(name: str, id_number: str, phone: str, now: datetime) -> dict[str, str]:
    """The applicant as the accept payload carries it, normalised, or InvalidInput."""
    raw = {"name": name, "id_type": "111", "id_number": id_number}
    if phone.strip():
        raw["phone"] = phone
    try:
        applicant = casework.validate_applicant(raw, today=now.astimezone(CHINA_TIME).date())
    except casework.CaseworkError as exc:
        raise InvalidInput(exc.message, message_zh=exc.message_zh, field=exc.field or "") from exc
    checked = {
        "name": applicant.name,
        "id_type": applicant.id_type,
        "id_number": applicant.id_number,
    }
    if applicant.phone:
        checked["phone"] = applicant.phone
    return checked


def _apply(state: casework.CaseState | None, event: Event) -> casework.CaseState:
    try:
        return casework.apply_event(
            state,
            case_id=event.case_id,
            type=event.type,
            payload=event.payload,
            occurred_at=parse_timestamp(event.occurred_at),
        )
    except casework.CaseworkError as exc:
        raise InvalidInput(exc.message, message_zh=exc.message_zh, field=exc.field or "") from exc


def _check_actor(
    state: casework.CaseState, center: str, action: str, payload: Mapping[str, Any]
) -> None:
    try:
        casework.check_actor(state, center=center, type=action, payload=payload)
    except casework.CaseworkError as exc:
        raise InvalidInput(exc.message, message_zh=exc.message_zh, field=exc.field or "") from exc
