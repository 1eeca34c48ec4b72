"""Deadlines count working days; a due date in a year no layer covers waits for one."""

from __future__ import annotations

from datetime import UTC, date, datetime

import casework
from tests.factories import APPLICANTS
from tests.pairs import Clock, make_pair
from township_node.casebook import CaseBook
from township_node.catalog import current_catalog
from township_node.projection import refresh_deadlines

LAYER_2027 = casework.CalendarLayer(  # invented test layer: 2027 as if published
    name="national-2027",
    version="test-2027.1",
    year_coverage=frozenset({2027}),
    rest_days=frozenset({date(2027, 1, 1)}),
    work_days=frozenset(),
    scope="national",
)


def test_december_case_due_next_year_is_provisional_until_a_layer_covers_it(tmp_path):
    pair = make_pair(tmp_path)
    book = CaseBook(
        pair.node,
        catalog=current_catalog(pair.node),
        center_level="township",
        clock=Clock(datetime(2026, 12, 21, 2, 0, tzinfo=UTC)),
    )
    name, id_number, phone = APPLICANTS[1]
    case = book.accept(
        item_code="SAMPLE-MZ-001",
        applicant_name=name,
        id_number=id_number,
        phone=phone,
        clerk_id="c",
    )
    assert case.due_date > "2027-01-01"
    assert case.due_provisional is True

    with pair.node.database.transaction() as conn:
        changed = refresh_deadlines(
            conn, casework.default_calendar(LAYER_2027), today=date(2026, 12, 22)
        )
    settled = book.get(case.case_no)
    assert changed == 1
    assert settled.due_provisional is False
    # 1 January 2027 is a rest day in the published layer, so the due date moves later.
    assert settled.due_date > case.due_date
