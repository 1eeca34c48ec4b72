"""Tests for calendar layers, the working-day clock and warning lights."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import chinese_calendar
import pytest

from casework import (
    CalendarLayer,
    Deadline,
    InvalidCalendarLayer,
    InvalidInput,
    WorkCalendar,
    default_calendar,
    layer_from_dict,
    layer_to_dict,
    liangshan_layer,
    local_date,
    national_layer,
)

CALENDAR = default_calendar()
# What the prefecture would publish once the State Council announces 2027 (invented dates).
NATIONAL_2027 = CalendarLayer(
    name="national-2027",
    version="gov.cn-2027-test",
    year_coverage=frozenset({2027}),
    rest_days=frozenset({date(2027, 1, 1)}),
    scope="national",
)


@pytest.mark.parametrize(
    ("day", "workday"),
    [
        (date(2026, 9, 20), True),  # Sunday, make-up workday before National Day
        (date(2026, 10, 1), False),
        (date(2026, 10, 7), False),
        (date(2026, 10, 8), True),
        (date(2026, 10, 10), True),  # Saturday, make-up workday
        (date(2026, 10, 11), False),
        (date(2026, 2, 14), True),  # Saturday, make-up workday before Spring Festival
        (date(2026, 2, 16), False),
        (date(2026, 2, 23), False),  # Monday, still Spring Festival
        (date(2026, 2, 24), True),
        (date(2026, 2, 28), True),  # Saturday, make-up workday after Spring Festival
    ],
)
def test_calendar_follows_2026_national_schedule_when_layer_covers_it(
    day: date, workday: bool
) -> None:
    assert CALENDAR.is_workday(day) == (workday, False)


@pytest.mark.parametrize(
    ("day", "workday"),
    [
        # 2018 (凉府办函〔2017〕402号): Torch Festival 8/5-8/11, Yi New Year 11/20-11/26.
        (date(2018, 8, 4), True),  # Saturday make-up workday
        (date(2018, 8, 6), False),  # Monday: a national workday, a Liangshan holiday
        (date(2018, 8, 10), False),
        (date(2018, 8, 12), True),  # Sunday make-up workday
        (date(2018, 11, 17), True),
        (date(2018, 11, 18), True),
        (date(2018, 11, 20), False),
        (date(2018, 11, 23), False),
        (date(2018, 11, 26), False),
        (date(2018, 11, 27), True),
        # 2023 (凉府办函〔2022〕121号): 民族团结进步节 8/9, Torch Festival 8/10-8/16, Yi New Year.
        (date(2023, 8, 6), True),  # Sunday make-up workday
        (date(2023, 8, 9), False),
        (date(2023, 8, 10), False),
        (date(2023, 8, 16), False),
        (date(2023, 8, 19), True),  # Saturday make-up workday
        (date(2023, 10, 7), False),  # national make-up workday, but 州庆 block in Liangshan
        (date(2023, 10, 8), True),
        (date(2023, 11, 18), True),
        (date(2023, 11, 20), False),
        (date(2023, 11, 24), False),
        (date(2023, 11, 27), True),
    ],
)
def test_calendar_applies_liangshan_holidays_when_year_is_covered(day: date, workday: bool) -> None:
    assert CALENDAR.is_workday(day) == (workday, False)


def test_national_layer_alone_gets_torch_festival_wrong_when_liangshan_layer_missing() -> None:
    national_only = WorkCalendar((national_layer(),))
    assert national_only.is_workday(date(2023, 8, 10)) == (True, False)
    assert national_only.is_workday(date(2023, 8, 6)) == (False, False)


def test_liangshan_layer_covers_only_complete_years_when_loaded() -> None:
    # 2021 and 2024 are marked incomplete in the data; 2025 and 2026 are unknown.
    layer = liangshan_layer()
    assert layer.year_coverage == frozenset({2018, 2023})
    assert date(2024, 7, 29) in layer.rest_days  # incomplete years still contribute


def test_national_layer_stops_when_chinesecalendar_raises() -> None:
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(date(2027, 1, 4))
    assert max(national_layer().year_coverage) == 2026


def test_due_date_skips_holiday_and_counts_saturday_when_spanning_national_day() -> None:
    # Acceptance day not counted: 10/8, 10/9, 10/10 (Sat, make-up), 10/12, 10/13.
    deadline = CALENDAR.due_date(date(2026, 9, 30), 5)
    assert (deadline.due, deadline.provisional) == (date(2026, 10, 13), False)


def test_due_date_is_acceptance_day_when_limit_is_zero() -> None:
    assert CALENDAR.due_date(date(2026, 3, 2), 0).due == date(2026, 3, 2)


def test_due_date_excludes_paused_working_days_when_supplement_requested() -> None:
    # Paused [3/4, 3/6): 3/4 and 3/5 do not count; the limit ends two working days later.
    plain = CALENDAR.due_date(date(2026, 3, 2), 5)
    paused = CALENDAR.due_date(
        date(2026, 3, 2), 5, paused_days=[(date(2026, 3, 4), date(2026, 3, 6))]
    )
    assert (plain.due, paused.due) == (date(2026, 3, 9), date(2026, 3, 11))


def test_due_date_ignores_pause_when_it_starts_after_the_due_date() -> None:
    late_pause = [(date(2026, 4, 1), date(2026, 4, 10))]
    assert CALENDAR.due_date(date(2026, 3, 2), 5, paused_days=late_pause).due == date(2026, 3, 9)


def test_due_date_adds_extension_days_when_extended() -> None:
    assert CALENDAR.due_date(date(2026, 3, 2), 5, extension_days=10).due == date(2026, 3, 23)


def test_due_date_raises_when_limit_is_negative() -> None:
    with pytest.raises(InvalidInput):
        CALENDAR.due_date(date(2026, 3, 2), -1)


def test_due_date_is_provisional_when_it_falls_in_uncovered_2027() -> None:
    # Accepted 2026-12-24 with 10 working days: counts Mon-Fri into 2027 and must not crash.
    deadline = CALENDAR.due_date(date(2026, 12, 24), 10)
    assert (deadline.due, deadline.provisional) == (date(2027, 1, 7), True)


def test_due_date_becomes_final_when_a_2027_layer_is_published() -> None:
    updated = CALENDAR.with_layer(NATIONAL_2027)
    deadline = updated.due_date(date(2026, 12, 24), 10)
    assert (deadline.due, deadline.provisional) == (date(2027, 1, 8), False)
    assert "national-2027@gov.cn-2027-test" in deadline.calendar_version


def test_due_date_is_final_when_it_stays_inside_covered_years() -> None:
    assert not CALENDAR.due_date(date(2026, 12, 1), 5).provisional


@pytest.mark.parametrize(
    ("today", "light"),
    [
        (date(2026, 3, 5), "green"),  # 3 working days left
        (date(2026, 3, 6), "green"),  # 2 working days left (3/9, 3/10)
        (date(2026, 3, 9), "yellow"),  # 1 working day left
        (date(2026, 3, 10), "yellow"),  # due today
        (date(2026, 3, 11), "red"),  # overdue
    ],
)
def test_warning_light_turns_yellow_then_red_when_deadline_nears(today: date, light: str) -> None:
    deadline = Deadline(date(2026, 3, 10), False, CALENDAR.version)
    assert CALENDAR.warning_light(deadline, today) == light


def test_warning_light_turns_yellow_earlier_when_yellow_days_raised() -> None:
    deadline = Deadline(date(2026, 3, 10), False, CALENDAR.version)
    assert CALENDAR.warning_light(deadline, date(2026, 3, 6), yellow_days=2) == "yellow"


def test_warning_light_never_red_when_deadline_is_provisional() -> None:
    deadline = CALENDAR.due_date(date(2026, 12, 24), 10)
    assert CALENDAR.warning_light(deadline, date(2027, 1, 20)) == "yellow"


def test_center_layer_wins_when_layers_are_given_out_of_order() -> None:
    center = CalendarLayer(
        "center-513431100", "1", rest_days=frozenset({date(2026, 3, 3)}), scope="center"
    )
    prefecture = CalendarLayer(
        "prefecture-extra", "1", work_days=frozenset({date(2026, 3, 3)}), scope="prefecture"
    )
    calendar = WorkCalendar((center, prefecture))
    assert [layer.scope for layer in calendar.layers] == ["prefecture", "center"]
    assert calendar.is_workday(date(2026, 3, 3)) == (False, True)


def test_layer_round_trips_through_json_when_serialised() -> None:
    layer = liangshan_layer()
    data = json.loads(json.dumps(layer_to_dict(layer)))
    assert layer_from_dict(data) == layer
    assert data["rest_days"] == sorted(data["rest_days"])


@pytest.mark.parametrize(
    "data",
    [
        {"name": "x", "version": "1", "rest_days": ["2027-01-01"], "work_days": ["2027-01-01"]},
        {"name": "x", "version": "1", "rest_days": ["2027-13-01"]},
        {"name": "", "version": "1"},
        {"name": "x", "version": "1", "year_coverage": ["2027"]},
        {"name": "x", "version": "1", "scope": "village"},
    ],
)
def test_layer_from_dict_rejects_when_malformed(data: dict[str, object]) -> None:
    with pytest.raises(InvalidCalendarLayer):
        layer_from_dict(data)


def test_local_date_uses_china_time_when_utc_evening() -> None:
    assert local_date(datetime(2026, 9, 30, 17, 0, tzinfo=UTC)) == date(2026, 10, 1)


def test_local_date_raises_when_datetime_is_naive() -> None:
    with pytest.raises(InvalidInput):
        local_date(datetime(2026, 9, 30, 17, 0))
