"""Provides the node's case projection: the cases table kept in step with the event log.

A case's events are this node's own (the `events` log it sends up) and, for a case that
crossed centers, those other centers recorded, which arrive from the hub's feed
(`feed_events`). Both fold together in the rule order (casework.fold_history), so this node,
the county and the prefecture see one state. Besides status the row holds who has the case
since when, and each open case's deadline in working days; `refresh_deadlines` recounts them
when the prefecture publishes a new calendar, so a provisional due date becomes final.
"""

from __future__ import annotations

import sqlite3
from datetime import date

import casework
from sync_protocol import Event, decode_event, format_timestamp, parse_timestamp

__all__ = ["case_events", "case_history", "fold_case", "project", "refresh_deadlines"]


def case_events(conn: sqlite3.Connection, case_id: str) -> list[tuple[Event, str]]:
    """A case's events known here, each with the center that recorded it: own ones in log
    order, then the feed's in hub order."""
    own_center = conn.execute("SELECT value FROM settings WHERE key = 'center_code'").fetchone()
    own = [
        (decode_event(body), own_center[0])
        for (body,) in conn.execute(
            "SELECT body FROM events WHERE case_id = ? ORDER BY seq", (case_id,)
        )
    ]
    fed = [
        (decode_event(body), center)
        for body, center in conn.execute(
            "SELECT body, center_code FROM feed_events WHERE case_id = ? ORDER BY position",
            (case_id,),
        )
    ]
    return own + fed


def case_history(conn: sqlite3.Connection, case_id: str) -> casework.CaseHistory:
    """Folds every event of a case known here, in the rule order."""
    return casework.fold_history(
        casework.CaseEvent(
            event_id=event.event_id,
            case_id=event.case_id,
            type=event.type,
            payload=event.payload,
            occurred_at=parse_timestamp(event.occurred_at),
            center=center,
            after=event.after,
        )
        for event, center in case_events(conn, case_id)
    )


def project(
    conn: sqlite3.Connection,
    state: casework.CaseState,
    calendar: casework.WorkCalendar,
    *,
    conflicts: int = 0,
) -> None:
    """Writes the case row for `state`; call inside the transaction that changed the case."""
    applicant = state.applicant
    updated = format_timestamp(state.updated_at or state.accepted_at)
    held_since = format_timestamp(state.held_since) if state.held_since else None
    conn.execute(
        "INSERT INTO cases (case_id, case_no, item_code, category, status, applicant_name, "
        "id_number, phone, accepted_at, updated_at, origin_center, holder_center, held_since, "
        "conflicts) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (case_id) DO UPDATE SET status = excluded.status, "
        "updated_at = excluded.updated_at, holder_center = excluded.holder_center, "
        "held_since = excluded.held_since, conflicts = excluded.conflicts",
        (
            state.case_id,
            state.case_no,
            state.item_code,
            state.category,
            state.status,
            applicant.name if applicant else "",
            applicant.id_number if applicant else "",
            (applicant.phone or "") if applicant else "",
            format_timestamp(state.accepted_at),
            updated,
            state.center_code,
            state.holder_center,
            held_since,
            conflicts,
        ),
    )
    _set_deadline(
        conn, state, calendar, today=casework.local_date(state.updated_at or state.accepted_at)
    )


def _set_deadline(
    conn: sqlite3.Connection,
    state: casework.CaseState,
    calendar: casework.WorkCalendar,
    *,
    today: date,
) -> None:
    if not state.is_open or state.promised_limit_days is None:
        conn.execute(
            "UPDATE cases SET due_date = NULL, due_provisional = 0 WHERE case_id = ?",
            (state.case_id,),
        )
        return
    deadline = casework.case_deadline(state, calendar, today=today)
    conn.execute(
        "UPDATE cases SET due_date = ?, due_provisional = ?, calendar_version = ? "
        "WHERE case_id = ?",
        (
            deadline.due.isoformat(),
            int(deadline.provisional),
            deadline.calendar_version,
            state.case_id,
        ),
    )


def refresh_deadlines(
    conn: sqlite3.Connection, calendar: casework.WorkCalendar, *, today: date
) -> int:
    """Recounts the deadline of every open case; returns how many changed.

    Call inside a transaction.
    """
    changed = 0
    open_cases = conn.execute(
        "SELECT case_id, due_date, due_provisional FROM cases WHERE due_date IS NOT NULL"
    ).fetchall()
    for case_id, due_before, provisional_before in open_cases:
        state = fold_case(conn, case_id)
        _set_deadline(conn, state, calendar, today=today)
        after = conn.execute(
            "SELECT due_date, due_provisional FROM cases WHERE case_id = ?", (case_id,)
        ).fetchone()
        changed += tuple(after) != (due_before, provisional_before)
    return changed


def fold_case(conn: sqlite3.Connection, case_id: str) -> casework.CaseState:
    """A case's state, folded from every event of it known here."""
    state = case_history(conn, case_id).state
    assert state is not None, "a case row always has its accept event"
    return state
