"""The window refuses what the catalog forbids, with the reason a citizen can act on."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

import casework
from tests.factories import APPLICANTS
from tests.pairs import Clock, make_pair
from township_node.casebook import CaseBook
from township_node.catalog import current_catalog
from township_node.errors import InvalidInput

DELEGATED_TO_TOWNSHIPS = "SAMPLE-JY-002"  # 适龄儿童少年延缓入学审批, county → township 2021-03-01
COUNTY_ONLY = "SAMPLE-CL-001"  # 残疾人证核发, 一窗受理: a township receives it for the county
CHARGED = "SAMPLE-GA-001"  # 居民身份证申领, 20.00 yuan, at county centers, in person only
IN_PERSON_AT_COUNTY = CHARGED
FREE_AT_COUNTY = COUNTY_ONLY


def _accept(book: CaseBook, item: str, **terms):
    name, id_number, phone = APPLICANTS[0]
    return book.accept(
        item_code=item, applicant_name=name, id_number=id_number, phone=phone, clerk_id="c", **terms
    )


def _count(pair) -> int:
    return pair.node.conn.execute("SELECT count(*) FROM events").fetchone()[0]


def test_township_refuses_county_item_it_cannot_receive_and_says_where_to_go(tmp_path):
    pair = make_pair(tmp_path)
    with pytest.raises(InvalidInput) as caught:
        _accept(pair.book, IN_PERSON_AT_COUNTY)
    assert "县" in caught.value.message_zh
    assert _count(pair) == 0


def test_township_receives_single_window_county_item_for_the_county_to_decide(tmp_path):
    pair = make_pair(tmp_path)
    case = _accept(pair.book, COUNTY_ONLY)
    state = pair.book.state(case.case_no)
    assert (state.status, state.decided_by) == ("accepted", "county")
    assert "escalate" in pair.book.actions(case.case_no)
    assert "review_and_approve" not in pair.book.actions(case.case_no)
    with pytest.raises(InvalidInput, match="decided at county level"):
        pair.book.act(case.case_no, "review_and_approve", clerk_id="c")


def test_county_center_refuses_item_delegated_to_townships(tmp_path):
    pair = make_pair(tmp_path, center="513431")
    county_book = CaseBook(
        pair.node, catalog=current_catalog(pair.node), center_level="county", clock=Clock()
    )
    with pytest.raises(InvalidInput) as caught:
        _accept(county_book, DELEGATED_TO_TOWNSHIPS)
    assert "乡镇" in caught.value.message_zh
    assert _count(pair) == 0


def test_delegated_item_is_judged_by_the_date_of_acceptance(tmp_path):
    pair = make_pair(tmp_path)
    before = CaseBook(
        pair.node,
        catalog=current_catalog(pair.node),
        center_level="township",
        clock=Clock(datetime(2021, 2, 26, 2, 0, tzinfo=UTC)),
    )
    received = _accept(before, DELEGATED_TO_TOWNSHIPS)  # still a county item: received for it
    assert before.state(received.case_no).decided_by == "county"
    decided_here = _accept(pair.book, DELEGATED_TO_TOWNSHIPS)
    assert pair.book.state(decided_here.case_no).decided_by is None


@pytest.mark.parametrize(
    ("item", "fee", "accepted"),
    [
        (CHARGED, "20.00", True),  # the standard fee
        (CHARGED, "25.00", False),  # above the standard
        (FREE_AT_COUNTY, "5.00", False),  # a fee on a free item
    ],
)
def test_fee_only_on_charged_items_and_never_above_standard(tmp_path, item, fee, accepted):
    pair = make_pair(tmp_path, center="513431")
    if accepted:
        assert _accept(pair.book, item, fee_yuan=fee).status == "accepted"
    else:
        with pytest.raises(InvalidInput):
            _accept(pair.book, item, fee_yuan=fee)
        assert _count(pair) == 0


def test_accept_records_a_working_day_deadline(tmp_path):
    pair = make_pair(tmp_path)
    case = _accept(pair.book, DELEGATED_TO_TOWNSHIPS)
    item = casework.load_sample_catalog().get(DELEGATED_TO_TOWNSHIPS)
    due = date.fromisoformat(case.due_date)
    assert due > date(2026, 11, 2)
    assert (due - date(2026, 11, 2)).days >= item.promised_limit_days
