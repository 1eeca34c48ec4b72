"""Provides a case's deadline and e-supervision light (电子监察), from its state and a calendar.

Rules (domain-china.md §2.2–2.3): the due date counts the promised limit in working days from
the day after acceptance, skips paused (补正) working days and adds approved extensions. An open
pause runs up to and including ``today``. A closed case is judged at its closing date: red if it
closed after a non-provisional due date, otherwise green.
"""

from __future__ import annotations

from datetime import date, timedelta

from casework.case import CaseState
from casework.errors import InvalidInput
from casework.workdays import Deadline, Light, WorkCalendar, local_date

__all__ = ["case_deadline", "case_light", "paused_ranges"]


def paused_ranges(state: CaseState, *, today: date) -> tuple[tuple[date, date], ...]:
    """Return the case's pauses as half-open date ranges; an open pause ends after ``today``."""
    return tuple(
        (pause.start, pause.end if pause.end is not None else today + timedelta(days=1))
        for pause in state.pauses
    )


def case_deadline(
    state: CaseState, calendar: WorkCalendar, *, today: date, limit_days: int | None = None
) -> Deadline:
    """Compute a case's due date.

    Args:
        state: The case.
        calendar: The center's calendar.
        today: Date used to bound an open pause (passed in; no clock is read).
        limit_days: Promised limit in working days; defaults to the one recorded at acceptance.

    Returns:
        The deadline, with the calendar version and provisional flag.

    Raises:
        InvalidInput: No limit given and none recorded on the case.
    """
    limit = limit_days if limit_days is not None else state.promised_limit_days
    if limit is None:
        raise InvalidInput(
            f"case {state.case_no} has no promised limit; pass limit_days from the catalog item",
            message_zh=f"办件 {state.case_no} 未记录承诺时限，请从事项目录中取得",
            code="limit_unknown",
            field="promised_limit_days",
        )
    return calendar.due_date(
        state.accepted_on,
        limit,
        paused_days=paused_ranges(state, today=today),
        extension_days=state.extension_days,
    )


def case_light(
    state: CaseState,
    calendar: WorkCalendar,
    *,
    today: date,
    yellow_days: int = 1,
    limit_days: int | None = None,
) -> Light:
    """Return the e-supervision light of a case.

    Args:
        state: The case.
        calendar: The center's calendar.
        today: The date to judge an open case at.
        yellow_days: Yellow when at most this many working days remain.
        limit_days: As for :func:`case_deadline`.

    Returns:
        ``"green"``, ``"yellow"`` or ``"red"``; red never on provisional data.
    """
    deadline = case_deadline(state, calendar, today=today, limit_days=limit_days)
    if state.is_open:
        return calendar.warning_light(deadline, today, yellow_days=yellow_days)
    closed = local_date(state.closed_at) if state.closed_at else today
    late = closed > deadline.due and not deadline.provisional
    return "red" if late else "green"
