"""Provides the node's case projection: the cases table kept in step with the event log.

Besides status it holds each open case's deadline in working days, counted by the node's
calendar; `refresh_deadlines` recounts them when the prefecture publishes a new calendar,
so a due date that was provisional (a year no layer covered) becomes final.
"""

from __future__ import annotations

import sqlite3
from datetime import date

import casework
from sync_protocol import Event, decode_event, parse_timestamp

__all__ = ["fold_case", "project", "refresh_deadlines"]


def project(
    conn: sqlite3.Connection,
    state: casework.CaseState,
    event: Event,
    calendar: casework.WorkCalendar,
) -> None:
    """Writes the case row after `event`; call inside the event's transaction."""
    if event.type == "accept":
        applicant = event.payload["applicant"]
        conn.execute(
            "INSERT INTO cases (case_id, case_no, item_code, category, status, applicant_name, "
            "id_number, phone, accepted_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                event.case_id,
                state.case_no,
                state.item_code,
                state.category,
                state.status,
                applicant["name"],
                applicant["id_number"],
                applicant.get("phone", ""),
                event.occurred_at,
                event.occurred_at,
            ),
        )
    else:
        conn.execute(
            "UPDATE cases SET status = ?, updated_at = ? WHERE case_id = ?",
            (state.status, event.occurred_at, event.case_id),
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
    """A case's state, folded from this node's log."""
    state = None
    for (body,) in conn.execute(
        "SELECT body FROM events WHERE case_id = ? ORDER BY seq", (case_id,)
    ):
        event = decode_event(body)
        state = casework.apply_event(
            state,
            case_id=event.case_id,
            type=event.type,
            payload=event.payload,
            occurred_at=parse_timestamp(event.occurred_at),
        )
    assert state is not None, "an open case has its accept event"
    return state
