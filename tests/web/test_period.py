"""The period a page covers: Chinese dates typed three ways, whole months, quarters and years,
the pickers' shortcuts, and the same period last year (issue 15, points 9 and 10)."""

from __future__ import annotations

from datetime import date

import pytest

from central_hub.web.errors import BadQuery
from central_hub.web.period import (
    Period,
    chinese_date,
    parse_date,
    parse_period,
    period_choices,
    quick_periods,
)

DEC_6 = date(2026, 12, 6)


@pytest.mark.parametrize(
    "typed",
    [
        "2026-12-06",  # what a date picker sends
        "2026/12/06",  # how an office spreadsheet writes it
        "2026年12月6日",  # how a Chinese reader writes it
        "2026年12月06日",
        "2026-12-6",
        " 2026 年 12 月 6 日 ",  # an input method's spaces
        "２０２６／１２／０６",  # full-width digits and slash
    ],
)
def test_parse_date_reads_a_day_written_the_ways_people_write_it(typed):
    assert parse_date(typed) == DEC_6


@pytest.mark.parametrize(
    ("typed", "says"),
    [
        ("12/06/2026", "看不懂"),  # the American order the browser showed
        ("2026.12.06", "看不懂"),
        ("明天", "看不懂"),
        ("2026-02-30", "不存在"),
        ("2026年13月1日", "不存在"),
        ("0001-01-01", "1900 至 2100"),  # China midnight would be before year 1 in UTC
        ("9999-12-31", "1900 至 2100"),  # the day after would not exist
    ],
)
def test_parse_date_refuses_in_chinese_when_the_text_is_no_day(typed, says):
    with pytest.raises(BadQuery) as refused:
        parse_date(typed, what="开始日期")
    assert says in refused.value.message_zh
    assert "开始日期" in refused.value.message_zh


def test_parse_period_reads_typed_dates_and_refuses_since_after_until():
    period = parse_period({"since": "2026年12月1日", "until": "2026/12/06"})
    assert period == Period(date(2026, 12, 1), DEC_6)
    assert period.as_query() == {"since": "2026-12-01", "until": "2026-12-06"}
    assert period.label_zh == "2026年12月1日 至 2026年12月6日"
    assert parse_period({"since": "2026-12-01"}).label_zh == "2026年12月1日 至 今天"
    with pytest.raises(BadQuery, match="after") as refused:
        parse_period({"since": "2026-12-07", "until": "2026-12-06"})
    assert "晚于" in refused.value.message_zh


@pytest.mark.parametrize(
    ("typed", "since", "until", "label"),
    [
        ("2026-11", date(2026, 11, 1), date(2026, 11, 30), "2026年11月"),
        ("2024-02", date(2024, 2, 1), date(2024, 2, 29), "2024年2月"),  # a leap February
        ("2026年12月", date(2026, 12, 1), date(2026, 12, 31), "2026年12月"),
        ("2026-Q4", date(2026, 10, 1), date(2026, 12, 31), "2026年第4季度"),
        ("2026q1", date(2026, 1, 1), date(2026, 3, 31), "2026年第1季度"),
        ("2026年第2季度", date(2026, 4, 1), date(2026, 6, 30), "2026年第2季度"),
        ("2026", date(2026, 1, 1), date(2026, 12, 31), "2026年"),
    ],
)
def test_parse_period_reads_a_whole_month_quarter_or_year(typed, since, until, label):
    period = parse_period({"period": typed})
    assert (period.since, period.until, period.label_zh) == (since, until, label)
    assert parse_period({"period": period.choice}) == period  # the picker's value round-trips


@pytest.mark.parametrize(
    ("query", "says"),
    [
        ({"period": "2026-13"}, "不存在"),
        ({"period": "2026-Q5"}, "看不懂"),
        ({"period": "上个月"}, "看不懂"),
        ({"period": "2026-11", "since": "2026-11-02"}, "只选一种"),
    ],
)
def test_parse_period_refuses_in_chinese_a_period_it_cannot_read(query, says):
    with pytest.raises(BadQuery) as refused:
        parse_period(query)
    assert says in refused.value.message_zh


@pytest.mark.parametrize(
    ("period", "earlier"),
    [
        (
            Period(date(2026, 11, 1), date(2026, 11, 30)),
            Period(date(2025, 11, 1), date(2025, 11, 30)),
        ),
        # A whole February keeps its last day, whichever year is the leap one.
        (Period(date(2025, 2, 1), date(2025, 2, 28)), Period(date(2024, 2, 1), date(2024, 2, 29))),
        (Period(date(2024, 2, 1), date(2024, 2, 29)), Period(date(2023, 2, 1), date(2023, 2, 28))),
        (
            Period(date(2026, 10, 1), date(2026, 12, 31)),
            Period(date(2025, 10, 1), date(2025, 12, 31)),
        ),
        (Period(date(2024, 2, 29), date(2024, 3, 5)), Period(date(2023, 2, 28), date(2023, 3, 5))),
        # An open end runs to today.
        (Period(date(2026, 12, 1), None), Period(date(2025, 12, 1), date(2025, 12, 6))),
        (Period(), None),  # all time has no last year
    ],
)
def test_same_period_last_year_moves_back_a_year_keeping_whole_units_whole(period, earlier):
    assert period.a_year_earlier(DEC_6) == earlier


def test_quick_periods_and_choices_are_relative_to_today():
    shortcuts = dict(quick_periods(date(2026, 1, 15)))
    assert shortcuts["本月"] == Period(date(2026, 1, 1), date(2026, 1, 31))
    assert shortcuts["上月"] == Period(date(2025, 12, 1), date(2025, 12, 31))
    assert shortcuts["本季度"] == Period(date(2026, 1, 1), date(2026, 3, 31))
    assert shortcuts["上季度"] == Period(date(2025, 10, 1), date(2025, 12, 31))
    assert shortcuts["去年"] == Period(date(2025, 1, 1), date(2025, 12, 31))
    groups = dict(period_choices(DEC_6, years=2))
    assert groups["按月"][0] == ("2026-12", "2026年12月") and len(groups["按月"]) == 24
    assert groups["按季度"][0] == ("2026-Q4", "2026年第4季度")
    assert groups["按年"] == [("2026", "2026年"), ("2025", "2025年")]
    assert chinese_date(DEC_6) == "2026年12月6日"
