"""Provides the period a page or export covers, from its query arguments.

A person picks China dates; the store keeps UTC wire timestamps. A period is turned into UTC
bounds at China midnight, so a case accepted at 07:30 Beijing time on the 1st counts on the 1st.

Two ways in, never both at once:

    since, until    dates typed as 2026-12-06, 2026/12/06 or 2026年12月6日 (either may be empty)
    period          a whole month 2026-11, quarter 2026-Q4 or year 2026 (the pickers' values)

Links and exports always carry `since` and `until`, so every page says its period one way.
Dates are shown the Chinese way, 2026年12月6日, in the form and in every label.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import urlencode

import casework
from sync_protocol import format_timestamp

from .errors import BadQuery

__all__ = [
    "Period",
    "chinese_date",
    "parse_date",
    "parse_period",
    "period_choices",
    "quick_periods",
]

FIRST_YEAR, LAST_YEAR = 1900, 2100
"""Years a date may name: far wider than any case, narrow enough that China midnight on
either end is still a valid UTC timestamp."""

_DATE_FORMS = (
    re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})"),
    re.compile(r"(\d{4})/(\d{1,2})/(\d{1,2})"),
    re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日?"),
)
_YEAR = re.compile(r"(\d{4})年?")
_MONTH = re.compile(r"(\d{4})(?:-|/|年)(\d{1,2})月?")
_QUARTER = re.compile(r"(\d{4})(?:-?Q|年第)([1-4])(?:季度)?", re.IGNORECASE)
_DATE_EXAMPLE = "2026-12-06、2026/12/06 或 2026年12月6日"


@dataclass(frozen=True, slots=True)
class Period:
    """Dates a case was accepted on, both ends included; None leaves that end open."""

    since: date | None = None
    until: date | None = None

    def utc_bounds(self) -> tuple[str, str]:
        """("", "") for an open period; else timestamps for `since <= accepted_at < until`."""
        return (
            _utc_midnight(self.since) if self.since else "",
            _utc_midnight(self.until + timedelta(days=1)) if self.until else "",
        )

    def as_query(self) -> dict[str, str]:
        """The query arguments that give this period back (carried by links and exports)."""
        found = {"since": self.since, "until": self.until}
        return {key: value.isoformat() for key, value in found.items() if value}

    def query_string(self) -> str:
        query = urlencode(self.as_query())
        return f"?{query}" if query else ""

    @property
    def label_zh(self) -> str:
        """ "2026年11月", "2026年第4季度", "2026年", or "2026年11月3日 至 今天"."""
        if not (self.since or self.until):
            return "全部时间"
        whole = self._whole_unit()
        if whole:
            return whole[1]
        start = chinese_date(self.since) if self.since else "开始"
        end = chinese_date(self.until) if self.until else "今天"
        return f"{start} 至 {end}"

    @property
    def choice(self) -> str:
        """The picker's value for a whole month, quarter or year ("2026-Q4"), else ""."""
        whole = self._whole_unit()
        return whole[0] if whole else ""

    def _whole_unit(self) -> tuple[str, str, Period] | None:
        """(picker value, label, the same unit a year earlier) for a whole unit, else None."""
        if not (self.since and self.until):
            return None
        year, month = self.since.year, self.since.month
        quarter = (month - 1) // 3 + 1
        if self == year_of(year):
            return str(year), f"{year}年", year_of(year - 1)
        if self == quarter_of(year, quarter):
            return f"{year}-Q{quarter}", f"{year}年第{quarter}季度", quarter_of(year - 1, quarter)
        if self == month_of(year, month):
            return f"{year}-{month:02d}", f"{year}年{month}月", month_of(year - 1, month)
        return None

    def a_year_earlier(self, today: date) -> Period | None:
        """The same period one year back (去年同期); None for all time.

        A whole month, quarter or year gives the same unit a year back (February keeps its
        last day); other dates move back a year (29 February to the 28th), an open end
        running to `today`.
        """
        if self.since is None or self.since.year <= FIRST_YEAR:
            return None
        whole = self._whole_unit()
        if whole:
            return whole[2]
        return Period(_year_back(self.since), _year_back(self.until or today))


def month_of(year: int, month: int) -> Period:
    first = date(year, month, 1)
    following = date(year + month // 12, month % 12 + 1, 1)
    return Period(first, following - timedelta(days=1))


def quarter_of(year: int, quarter: int) -> Period:
    first_month = 3 * (quarter - 1) + 1
    return Period(date(year, first_month, 1), month_of(year, first_month + 2).until)


def year_of(year: int) -> Period:
    return Period(date(year, 1, 1), date(year, 12, 31))


def chinese_date(day: date) -> str:
    """A date as a Chinese reader writes it: 2026年12月6日."""
    return f"{day.year}年{day.month}月{day.day}日"


def parse_date(text: str, *, what: str = "日期") -> date | None:
    """A typed date, or None for an empty field.

    Accepts 2026-12-06, 2026/12/06 and 2026年12月6日 (one-digit months and days too,
    full-width digits and spaces as a Chinese input method types them).

    Raises:
        BadQuery: anything else, or a day that does not exist (2026-02-30).
    """
    plain = _normalized(text)
    if not plain:
        return None
    found = next((m for form in _DATE_FORMS if (m := form.fullmatch(plain))), None)
    if found is None:
        raise BadQuery(
            f"{what} {text!r} is not a date (YYYY-MM-DD, YYYY/MM/DD or YYYY年M月D日)",
            message_zh=f"{what}“{text.strip()}”看不懂，请写成 {_DATE_EXAMPLE}",
        )
    year, month, day = (int(part) for part in found.groups())
    return _checked_date(year, month, day, text, what)


def parse_period(query: Mapping[str, str]) -> Period:
    """Reads `period` (a month, quarter or year), else `since` and `until`.

    Raises:
        BadQuery: a date or period that does not parse, both ways given at once, or
            `since` after `until`.
    """
    whole = _normalized(query.get("period", ""))
    since_text, until_text = query.get("since", ""), query.get("until", "")
    if whole:
        if since_text.strip() or until_text.strip():
            raise BadQuery(
                "give either period or since/until, not both",
                message_zh="请只选一种：按月、季度、年选择，或填写起止日期",
            )
        return _whole_period(whole, query["period"])
    since = parse_date(since_text, what="开始日期")
    until = parse_date(until_text, what="结束日期")
    if since and until and since > until:
        raise BadQuery(
            f"since {since} is after until {until}",
            message_zh=f"开始日期 {chinese_date(since)} 晚于结束日期 {chinese_date(until)}",
        )
    return Period(since, until)


def quick_periods(today: date) -> list[tuple[str, Period]]:
    """The pickers' shortcuts, relative to `today`: this and last month, quarter, year."""
    quarter = (today.month - 1) // 3 + 1
    last_month = (today.replace(day=1) - timedelta(days=1)).month
    last_month_year = today.year if today.month > 1 else today.year - 1
    last_quarter = (today.year, quarter - 1) if quarter > 1 else (today.year - 1, 4)
    return [
        ("本月", month_of(today.year, today.month)),
        ("上月", month_of(last_month_year, last_month)),
        ("本季度", quarter_of(today.year, quarter)),
        ("上季度", quarter_of(*last_quarter)),
        ("今年", year_of(today.year)),
        ("去年", year_of(today.year - 1)),
    ]


def period_choices(today: date, *, years: int = 3) -> list[tuple[str, list[tuple[str, str]]]]:
    """The picker's options, newest first, grouped: months, quarters, years.

    Returns:
        [(group label, [(value for `period`, label)])], e.g. ("按月", [("2026-11", "2026年11月")]).
    """
    first_year = today.year - years + 1
    months = [
        (f"{year}-{month:02d}", f"{year}年{month}月")
        for year in range(today.year, first_year - 1, -1)
        for month in range(12, 0, -1)
        if date(year, month, 1) <= today
    ]
    quarters = [
        (f"{year}-Q{quarter}", f"{year}年第{quarter}季度")
        for year in range(today.year, first_year - 1, -1)
        for quarter in range(4, 0, -1)
        if date(year, 3 * quarter - 2, 1) <= today
    ]
    whole_years = [(str(year), f"{year}年") for year in range(today.year, first_year - 1, -1)]
    return [("按月", months), ("按季度", quarters), ("按年", whole_years)]


def _whole_period(plain: str, typed: str) -> Period:
    if found := _QUARTER.fullmatch(plain):
        return quarter_of(_checked_year(int(found[1]), typed), int(found[2]))
    if found := _MONTH.fullmatch(plain):
        year, month = int(found[1]), int(found[2])
        _checked_date(year, month, 1, typed, "月份")
        return month_of(year, month)
    if found := _YEAR.fullmatch(plain):
        return year_of(_checked_year(int(found[1]), typed))
    raise BadQuery(
        f"period {typed!r} is not a month (2026-11), quarter (2026-Q4) or year (2026)",
        message_zh=f"统计期间“{typed.strip()}”看不懂，请选择月份（2026-11）、季度（2026-Q4）或年份（2026）",
    )


def _checked_year(year: int, typed: str, what: str = "统计期间") -> int:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise BadQuery(
            f"{what} {typed!r}: year {year} is outside {FIRST_YEAR}..{LAST_YEAR}",
            message_zh=f"{what}“{typed.strip()}”的年份应在 {FIRST_YEAR} 至 {LAST_YEAR} 之间",
        )
    return year


def _checked_date(year: int, month: int, day: int, typed: str, what: str) -> date:
    _checked_year(year, typed, what)
    try:
        return date(year, month, day)
    except ValueError:
        raise BadQuery(
            f"{what} {typed!r} names no such day",
            message_zh=f"{what}“{typed.strip()}”不存在（没有这一天），请检查月份和日期",
        ) from None


def _normalized(text: str) -> str:
    # NFKC folds full-width digits and slashes (２０２６／１２／０６) into ASCII.
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(text)))


def _year_back(day: date) -> date:
    if day.month == 2 and day.day == 29:
        return date(day.year - 1, 2, 28)
    return day.replace(year=day.year - 1)


def _utc_midnight(day: date) -> str:
    local = datetime.combine(day, time(0), tzinfo=casework.CHINA_TZ)
    return format_timestamp(local.astimezone(UTC))
