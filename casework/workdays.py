"""Provides the working-day clock: layered calendar, due dates and warning lights.

Timing law (domain-china.md §2.1): 行政许可法 第82条 counts limits in working days excluding
statutory holidays; 第42条 allows an approved extension; 第45条 time (hearing, testing, expert
review …) is not counted. Practice (§2.3, EVECOM/Epoint): counting starts the day *after*
acceptance; paused days are excluded. Warnings (§2.2): yellow N working days before the
deadline (default 1), red when overdue.

Provisional data (§3): a date in a year no layer covers is counted Monday–Friday and the result
is marked provisional; once a layer covering that year is published, recomputing gives a
non-provisional answer. A provisional deadline never shows red: past a provisional due date the
light stays yellow, so no case is marked 超时 on guessed holidays.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Literal

from casework.errors import InvalidInput
from casework.holidays import SCOPES, CalendarLayer, liangshan_layer, national_layer

__all__ = [
    "CHINA_TZ",
    "Deadline",
    "Light",
    "WorkCalendar",
    "default_calendar",
    "local_date",
]

# China has used a single UTC+8 offset without daylight saving since 1991, so a fixed offset
# gives the same local date as Asia/Shanghai without depending on tzdata on old PCs.
CHINA_TZ = timezone(timedelta(hours=8), "CST")

Light = Literal["green", "yellow", "red"]


def local_date(moment: datetime) -> date:
    """Return the date in China of an aware datetime.

    Args:
        moment: An aware datetime (events carry UTC).

    Returns:
        The calendar date in UTC+8.

    Raises:
        InvalidInput: The datetime is naive.
    """
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise InvalidInput(
            "datetime must be timezone-aware (UTC)",
            message_zh="时间必须带时区（UTC）",
            code="naive_datetime",
        )
    return moment.astimezone(CHINA_TZ).date()


@dataclass(frozen=True, slots=True)
class Deadline:
    """A computed due date.

    Attributes:
        due: Last working day on which the case is still on time.
        provisional: True when any day counted lies in a year no layer covers.
        calendar_version: Versions of the layers used, e.g. ``"national@chinesecalendar-1.11.0+…"``.
    """

    due: date
    provisional: bool
    calendar_version: str


_DUE_DATES_KEPT = 100_000


def _in_any(day: date, ranges: tuple[tuple[date, date], ...]) -> bool:
    return any(start <= day < end for start, end in ranges)


@dataclass(frozen=True, slots=True)
class WorkCalendar:
    """A stack of calendar layers over a Monday–Friday base.

    Layers are ordered by scope (national → prefecture → county → center; stable within a
    scope, later wins); the most local layer that mentions a date decides it.

    Attributes:
        layers: The layers, sorted by scope on construction.
    """

    layers: tuple[CalendarLayer, ...] = ()
    _due_dates: dict[tuple[object, ...], Deadline] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    """Deadlines already counted: a hub counts one for every case a batch touches, and the
    cases of a day share their acceptance date and limit (the calendar never changes)."""

    def __post_init__(self) -> None:
        ordered = sorted(self.layers, key=lambda layer: SCOPES.index(layer.scope))
        object.__setattr__(self, "layers", tuple(ordered))

    @property
    def version(self) -> str:
        """Return the joined versions of all layers, bottom first."""
        return "+".join(f"{layer.name}@{layer.version}" for layer in self.layers) or "weekdays"

    def with_layer(self, layer: CalendarLayer) -> WorkCalendar:
        """Return a new calendar with ``layer`` added on top of its scope."""
        return WorkCalendar((*self.layers, layer))

    def is_workday(self, day: date) -> tuple[bool, bool]:
        """Say whether a date is a working day.

        Args:
            day: The date.

        Returns:
            ``(is_workday, provisional)``; provisional when no layer covers the year.
        """
        provisional = not any(day.year in layer.year_coverage for layer in self.layers)
        for layer in reversed(self.layers):
            if day in layer.work_days:
                return True, provisional
            if day in layer.rest_days:
                return False, provisional
        return day.weekday() < 5, provisional

    def due_date(
        self,
        accepted_on: date,
        working_days: int,
        *,
        paused_days: Iterable[tuple[date, date]] = (),
        extension_days: int = 0,
    ) -> Deadline:
        """Compute the due date of a limit counted in working days.

        Args:
            accepted_on: Acceptance date (not counted).
            working_days: The limit (0 = 即办, due on the acceptance day).
            paused_days: Half-open ranges ``[first paused day, first running day)``, e.g. a
                补正 requested on day A and received on day B pauses ``[A, B)``; working days
                inside are not counted.
            extension_days: Approved extension (延长审批), added to the limit.

        Returns:
            The deadline, provisional if any counted day lies in an uncovered year.
        """
        if working_days < 0 or extension_days < 0:
            raise InvalidInput(
                "working days and extension days must not be negative",
                message_zh="时限天数不能为负数",
                code="negative_limit",
            )
        pauses = tuple(paused_days)
        key = (accepted_on, working_days, pauses, extension_days)
        known = self._due_dates.get(key)
        if known is not None:
            return known
        if len(self._due_dates) >= _DUE_DATES_KEPT:
            self._due_dates.clear()
        day, counted, provisional = accepted_on, 0, False
        while counted < working_days + extension_days:
            day += timedelta(days=1)
            workday, uncertain = self.is_workday(day)
            provisional = provisional or uncertain
            if workday and not _in_any(day, pauses):
                counted += 1
        deadline = self._due_dates[key] = Deadline(day, provisional, self.version)
        return deadline

    def working_days_between(self, start: date, end: date) -> int:
        """Count working days in ``(start, end]``.

        Args:
            start: Exclusive lower bound.
            end: Inclusive upper bound.

        Returns:
            The count (0 when ``end <= start``).
        """
        count, day = 0, start
        while day < end:
            day += timedelta(days=1)
            count += self.is_workday(day)[0]
        return count

    def warning_light(self, deadline: Deadline, today: date, *, yellow_days: int = 1) -> Light:
        """Return the e-supervision light of an open case.

        Args:
            deadline: The case's deadline.
            today: The date to judge (passed in; no clock is read).
            yellow_days: Yellow when at most this many working days remain (default 1).

        Returns:
            ``"red"`` when today is past a non-provisional due date; ``"yellow"`` when at most
            ``yellow_days`` working days remain, or when past a *provisional* due date;
            otherwise ``"green"``.
        """
        if today > deadline.due:
            return "yellow" if deadline.provisional else "red"
        remaining = self.working_days_between(today, deadline.due)
        return "yellow" if remaining <= yellow_days else "green"


def default_calendar(*extra: CalendarLayer) -> WorkCalendar:
    """Return the national + Liangshan calendar, plus any extra published layers.

    Args:
        *extra: Layers published later (e.g. next year's, or a center's own days).

    Returns:
        The calendar.
    """
    return WorkCalendar((national_layer(), liangshan_layer(), *extra))
