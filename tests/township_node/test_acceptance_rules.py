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
COUNTY_ONLY = "SAMPLE-CL-001"  # 残疾人证核发
CHARGED = "SAMPLE-GA-001"  # 居民身份证申领, 20.00 yuan, at county centers
FREE_AT_COUNTY = COUNTY_ONLY


def _accept(book: CaseBook, item: str, **terms):
    name, id_number, phone = APPLICANTS[0]
    return book.accept(
        item_code=item, applicant_name=name, id_number=id_number, phone=phone, clerk_id="c", **terms
    )


def _count(pair) -> int:
    return pair.node.conn.execute("SELECT count(*) FROM events").fetchone()[0]


def test_township_refuses_county_only_item_and_says_where_to_go(tmp_path):
    pair = make_pair(tmp_path)
    with pytest.raises(InvalidInput) as caught:
        _accept(pair.book, COUNTY_ONLY)
    assert "县" in caught.value.message_zh
    assert _count(pair) == 0


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
    with pytest.raises(InvalidInput):
        _accept(before, DELEGATED_TO_TOWNSHIPS)
    assert _accept(pair.book, DELEGATED_TO_TOWNSHIPS).status == "accepted"


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
