"""Provides the period picker a page shows: whole months, quarters and years to choose from,
shortcuts (本月, 上季度, 去年 …), the same period a year earlier, and the typed dates.

Links are relative query strings ("?period=2026-11&county=513431"), so they keep the page and
its unit arguments; the forms post the same names by GET.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from urllib.parse import urlencode

from .period import Period, chinese_date, period_choices, quick_periods

__all__ = ["DATE_PLACEHOLDER", "PeriodPicker", "period_picker"]

DATE_PLACEHOLDER = "2026年12月6日"


@dataclass(frozen=True, slots=True)
class PeriodPicker:
    period: Period
    choices: list[tuple[str, list[tuple[str, str]]]]
    """[(group label, [(`period` value, label)])]: 按月, 按季度, 按年."""
    quick: list[tuple[str, str, bool]]
    """[(label, href, is the period shown)]."""
    a_year_earlier: str
    """The href of 去年同期, or "" when the period is all time."""
    all_time: str
    since_text: str
    until_text: str
    extra: Mapping[str, str]
    """The page's unit arguments, carried as hidden fields."""
    placeholder: str = DATE_PLACEHOLDER


def period_picker(period: Period, today: date, extra: Mapping[str, str]) -> PeriodPicker:
    kept = {key: value for key, value in extra.items() if value}

    def href(query: Mapping[str, str]) -> str:
        return "?" + urlencode({**kept, **query})

    earlier = period.a_year_earlier(today)
    return PeriodPicker(
        period=period,
        choices=period_choices(today),
        quick=[(label, href(_query(p)), p == period) for label, p in quick_periods(today)],
        a_year_earlier=href(_query(earlier)) if earlier else "",
        all_time=href({}),
        since_text=chinese_date(period.since) if period.since else "",
        until_text=chinese_date(period.until) if period.until else "",
        extra=kept,
    )


def _query(period: Period) -> dict[str, str]:
    """A whole month, quarter or year by its picker value, other periods by their dates."""
    return {"period": period.choice} if period.choice else period.as_query()
