"""Provides the period a page or export covers, from its `since` and `until` query arguments.

A person picks China dates; the store keeps UTC wire timestamps. A period is turned into UTC
bounds at China midnight, so a case accepted at 07:30 Beijing time on the 1st counts on the 1st.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import urlencode

import casework
from sync_protocol import format_timestamp

from .errors import BadQuery

__all__ = ["Period", "parse_period"]


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
        if not (self.since or self.until):
            return "全部时间"
        return f"{self.since or '开始'} 至 {self.until or '今天'}"


def parse_period(query: Mapping[str, str]) -> Period:
    """Reads `since` and `until` (YYYY-MM-DD, either may be empty).

    Raises:
        BadQuery: a date that does not parse, or `since` after `until`.
    """
    since, until = (_date(query.get(key, ""), key) for key in ("since", "until"))
    if since and until and since > until:
        raise BadQuery(
            f"since {since} is after until {until}",
            message_zh=f"开始日期 {since} 晚于结束日期 {until}",
        )
    return Period(since, until)


def _date(text: str, key: str) -> date | None:
    text = text.strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise BadQuery(
            f"{key} {text!r} is not a date (YYYY-MM-DD)",
            message_zh=f"日期“{text}”格式不对，应为 年-月-日，如 2018-01-31",
        ) from None


def _utc_midnight(day: date) -> str:
    local = datetime.combine(day, time(0), tzinfo=casework.CHINA_TZ)
    return format_timestamp(local.astimezone(UTC))
