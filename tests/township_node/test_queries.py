"""The window's read-only queries over a real database: lists, today's work, the report."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

import casework
from tests.factories import APPLICANTS
from township_node.casebook import CaseBook
from township_node.home import init_home
from township_node.queries import (
    CaseFilter,
    accepted_by_month,
    attention,
    category_counts,
    count_cases,
    find_cases,
    today_counts,
)

TODAY = date(2026, 11, 27)  # a Friday; Monday 30 November is the next working day


@pytest.fixture
def home(tmp_path):
    with init_home(tmp_path / "n", center_code="513431100", name="新城镇便民服务中心") as home:
        yield home


def _accept(home, when, item_code="SAMPLE-MZ-001", applicant=APPLICANTS[0], **terms):
    book = CaseBook(home, catalog=casework.load_sample_catalog(), clock=lambda: when)
    name, id_number, phone = applicant
    case = book.accept(item_code=item_code, applicant_name=name, id_number=id_number,
                       phone=phone, clerk_id="zhang", **terms)  # fmt: skip
    return book, case.case_no


def test_month_is_counted_in_china_time_and_completion_when_it_happens(home):
    # 2026-10-31 17:00 UTC is 1 November 01:00 in China: a November case.
    book, first = _accept(home, datetime(2026, 10, 31, 17, 0, tzinfo=UTC), "SAMPLE-CL-005")
    _accept(home, datetime(2026, 10, 31, 15, 0, tzinfo=UTC), "SAMPLE-CL-005")  # 23:00 31 Oct
    for step, payload in (("review_and_approve", {}), ("complete", {"result_code": "granted"})):
        book.act(first, step, clerk_id="zhang", payload=payload)
    counts = {c.category: c for c in category_counts(home.conn, year=2026, month=11)}
    service = counts["public_service"]
    assert (service.month_accepted, service.month_completed) == (1, 1)
    assert (service.year_accepted, service.year_completed) == (2, 1)
    assert list(counts) == ["licensing", "other_admin", "public_service", "convenience"]
    assert accepted_by_month(home.conn, year=2026)[9:11] == [1, 1]


def test_attention_lists_overdue_then_due_soon_and_cases_owing_materials(home):
    _, overdue = _accept(home, datetime(2026, 10, 9, 2, tzinfo=UTC), "SAMPLE-CL-005")
    _, soon = _accept(home, datetime(2026, 11, 27, 2, tzinfo=UTC), "SAMPLE-CL-005")
    _, owing = _accept(home, datetime(2026, 11, 27, 2, tzinfo=UTC),
                       missing_materials=("户口簿",), promised_by=date(2026, 12, 4))  # fmt: skip
    found = attention(home.conn, today=TODAY, soon_until=date(2026, 11, 30))
    assert [r.case_no for r in found.overdue] == [overdue]
    assert [r.case_no for r in found.due_soon] == [soon]
    assert [r.case_no for r in found.awaiting] == [owing]
    assert today_counts(home.conn, today=TODAY).accepted == 2


def test_materials_received_take_a_case_off_the_awaiting_list(home):
    book, owing = _accept(home, datetime(2026, 11, 27, 2, tzinfo=UTC),
                          missing_materials=("户口簿",), promised_by=date(2026, 12, 4))  # fmt: skip
    book.act(owing, "receive_supplement", clerk_id="zhang")
    assert attention(home.conn, today=TODAY, soon_until=date(2026, 11, 30)).awaiting == []


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("吉克阿依", ["吉克·阿依"]),  # a Yi name typed without its "·"
        ("吉克·阿依", ["吉克·阿依"]),
        ("513429", ["阿说·木呷"]),  # an ID number from its start
        ("1399087", ["沙马拉且"]),  # a phone from its start
        ("%", []),  # LIKE wildcards are searched for, not obeyed
    ],
)
def test_text_search(home, typed, expected):
    for applicant in APPLICANTS:
        _accept(home, datetime(2026, 11, 27, 2, tzinfo=UTC), applicant=applicant)
    rows = find_cases(home.conn, CaseFilter(text=typed), today=TODAY)
    assert [r.applicant_name for r in rows] == expected
    assert count_cases(home.conn, CaseFilter(text=typed), today=TODAY) == len(expected)


def test_count_stops_past_the_cap(home):
    for _ in range(4):
        _accept(home, datetime(2026, 11, 27, 2, tzinfo=UTC))
    assert count_cases(home.conn, CaseFilter(), today=TODAY, cap=2) == 3
