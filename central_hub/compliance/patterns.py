"""Provides the patterns that suggest cases kept outside the system (体外循环, 明进暗不进).

Each is a sign for a person to look into, not a verdict. Rules (docs/compliance.md):

    burst          at least 20 acceptances at one center within 30 minutes: three consecutive
                   10-minute slots (China time) holding 20 or more; overlapping windows are one
                   burst, counted by its fullest window (a stack of paper forms typed in at once)
    silence_burst  a day with at least 10 acceptances and at least 3 times the center's median
                   day (over its days with any acceptance in the period), after at least N
                   working days with none (N = silent_days)
    backdated      acceptances typed in after the center's later traffic reached this hub
                   (compliance_facts.py); counted per center
    same_minute    accepted and completed less than a minute apart; counted per center
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa

import casework

from .counts import Sums
from .rollups import (
    BURST_CASES,
    BURST_SLOTS,
    MEASURES,
    rollup_center_days,
    rollup_slots,
    slot_of,
    slot_start,
)

__all__ = [
    "BURST_CASES",
    "BURST_SLOTS",
    "PATTERN_LABELS",
    "SILENCE_FACTOR",
    "SILENCE_FLOOR",
    "PatternFinding",
    "bursts",
    "counted_patterns",
    "silence_bursts",
]

SILENCE_FACTOR = 3
SILENCE_FLOOR = 10
PATTERN_LABELS = {
    "burst": "集中补录（30分钟内受理20件以上）",
    "silence_burst": "长期无受理后突增",
    "backdated": "事后补录（晚于本中心后续数据到达）",
    "same_minute": "受理与办结同一分钟内",
}


@dataclass(frozen=True, slots=True)
class PatternFinding:
    """One sign at one center: when (China time or dates), how many cases, and why."""

    pattern: str
    center_code: str
    county_code: str
    start: str
    end: str
    cases: int
    detail: str


def bursts(
    conn: sa.Connection, *, scope_county: str | None, since: date, until: date
) -> list[PatternFinding]:
    """Bursts whose first window starts on a China date in [since, until], from the windows
    of 20 or more that rollup_slots keeps (and indexes) with each slot."""
    first = slot_of(datetime.combine(since, time()))
    last = slot_of(datetime.combine(until + timedelta(days=1), time())) - 1
    t = rollup_slots.c
    query = (
        sa.select(t.center_code, t.slot, t.window)
        # The literal condition lets SQLite use the partial index of burst windows.
        .where(sa.text(f'"window" >= {BURST_CASES}'), t.slot.between(first, last))
        .order_by(t.center_code, t.slot)
    )
    if scope_county is not None:
        query = query.where(t.county_code == scope_county)
    found: list[PatternFinding] = []
    run: list[tuple[str, int, int]] = []
    for center, slot, window in conn.execute(query):
        if run and (center != run[-1][0] or slot >= run[-1][1] + BURST_SLOTS):
            found.append(_burst(run))
            run = []
        run.append((center, slot, window))
    if run:
        found.append(_burst(run))
    return found


def _burst(run: list[tuple[str, int, int]]) -> PatternFinding:
    """One burst from its overlapping windows: first start to last end, the fullest window."""
    center, begin, end = run[0][0], run[0][1], run[-1][1] + BURST_SLOTS
    cases = max(window for _, _, window in run)
    minutes = (end - begin) * 10
    detail = f"{slot_start(begin):%H:%M}起 {minutes} 分钟，任意 30 分钟内最多受理 {cases} 件"
    return PatternFinding(
        "burst",
        center,
        center[:6],
        slot_start(begin).isoformat()[:16],
        slot_start(end).isoformat()[:16],
        cases,
        detail,
    )


def silence_bursts(
    conn: sa.Connection,
    *,
    scope_county: str | None,
    since: date,
    until: date,
    silent_days: int,
    calendar: casework.WorkCalendar,
) -> list[PatternFinding]:
    """Days in [since, until] far above the center's median, after a long silence."""
    t = rollup_center_days.c
    query = sa.select(t.center_code, t.day, t.accepted, t.gap_before).where(
        t.gap_before > silent_days,
        t.day >= since.isoformat(),
        t.day <= until.isoformat(),
        t.accepted >= SILENCE_FLOOR,
    )
    if scope_county is not None:
        query = query.where(t.county_code == scope_county)
    medians: dict[str, float] = {}
    found = []
    for center, day_text, accepted, gap in conn.execute(query).all():
        day = date.fromisoformat(day_text)
        previous = day - timedelta(days=gap)
        quiet = calendar.working_days_between(previous, day - timedelta(days=1))
        if quiet < silent_days:
            continue
        if center not in medians:
            medians[center] = _median_day(conn, center, since, until)
        if accepted >= SILENCE_FACTOR * medians[center]:
            detail = (
                f"此前 {quiet} 个工作日无受理（上次 {previous.isoformat()}），"
                f"当日受理 {accepted} 件，日中位数 {medians[center]:g} 件"
            )
            found.append(
                PatternFinding(
                    "silence_burst", center, center[:6], day_text, day_text, accepted, detail
                )
            )
    return sorted(found, key=lambda f: (f.center_code, f.start))


def _median_day(conn: sa.Connection, center: str, since: date, until: date) -> float:
    t = rollup_center_days.c
    days = conn.execute(
        sa.select(t.accepted).where(
            t.center_code == center, t.day >= since.isoformat(), t.day <= until.isoformat()
        )
    ).scalars()
    return float(statistics.median(days))


def counted_patterns(
    by_center: Mapping[str, Mapping[str, Sums]], *, since: date, until: date
) -> list[PatternFinding]:
    """One finding per center with back-dated or same-minute cases in the period."""
    found = []
    for pattern in ("backdated", "same_minute"):
        index = MEASURES.index(pattern)
        for center, categories in sorted(by_center.items()):
            cases = sum(values[index] for values in categories.values())
            accepted = sum(values[0] for values in categories.values())
            if cases:
                found.append(
                    PatternFinding(
                        pattern,
                        center,
                        center[:6],
                        since.isoformat(),
                        until.isoformat(),
                        cases,
                        f"占受理 {cases / accepted:.1%}" if accepted else "",
                    )
                )
    return found
