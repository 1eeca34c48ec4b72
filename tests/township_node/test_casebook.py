"""The case book records legal actions as events and refuses everything else unchanged."""

from __future__ import annotations

import pytest

from tests.factories import APPLICANTS, items_by_category
from tests.pairs import make_pair
from township_node.errors import CaseNotFound, InvalidInput


def _event_count(pair) -> int:
    return pair.node.conn.execute("SELECT count(*) FROM events").fetchone()[0]


def test_accept_numbers_cases_per_center_day_and_window(tmp_path):
    pair = make_pair(tmp_path)
    first, second = pair.accept(2)
    assert first == "513431100-20261102-010001"
    assert second == "513431100-20261102-010002"


def test_accept_keeps_minority_name_with_middle_dot_exactly(tmp_path):
    pair = make_pair(tmp_path)
    item = items_by_category()["public_service"]
    case = pair.book.accept(
        item_code=item.code,
        applicant_name="吉克・阿依",  # U+30FB dot
        id_number=APPLICANTS[0][1],
        phone="",
        clerk_id="c",
    )
    assert case.applicant_name == "吉克·阿依"  # stored with U+00B7


@pytest.mark.parametrize(
    ("name", "id_number", "phone", "field"),
    [
        # check digit wrong (last character changed)
        (
            "王秀英",
            APPLICANTS[3][1][:-1] + ("0" if APPLICANTS[3][1][-1] != "0" else "1"),
            "",
            "id_number",
        ),
        # birth date that does not exist
        ("王秀英", "513401199902300017", "", "id_number"),
        # too short
        ("王秀英", "51340119620105", "", "id_number"),
        # a phone number that is no phone number
        ("王秀英", APPLICANTS[3][1], "12345", "phone"),
        # an empty name
        ("", APPLICANTS[3][1], "", "name"),
    ],
)
def test_accept_refuses_bad_applicant_naming_the_field_and_writes_nothing(
    tmp_path, name, id_number, phone, field
):
    pair = make_pair(tmp_path)
    item = items_by_category()["public_service"]
    with pytest.raises(InvalidInput) as caught:
        pair.book.accept(
            item_code=item.code, applicant_name=name, id_number=id_number, phone=phone, clerk_id="c"
        )
    assert caught.value.field == field
    assert caught.value.message_zh != caught.value.message  # the clerk reads Chinese
    assert _event_count(pair) == 0


def test_accept_refuses_unknown_item_and_writes_nothing(tmp_path):
    pair = make_pair(tmp_path)
    with pytest.raises(InvalidInput, match="unknown item"):
        pair.book.accept(
            item_code="NO-SUCH-ITEM",
            applicant_name="王秀英",
            id_number=APPLICANTS[3][1],
            phone="",
            clerk_id="c",
        )
    assert _event_count(pair) == 0


def test_act_refuses_illegal_transition_and_writes_nothing(tmp_path):
    pair = make_pair(tmp_path)
    (case_no,) = pair.accept(1)
    pair.book.act(case_no, "refuse", clerk_id="c", payload={"reason": "材料不全"})
    with pytest.raises(InvalidInput):
        pair.book.act(
            case_no,
            "complete",
            clerk_id="c",
            payload={"result_code": "granted", "result_label": "准予许可"},
        )
    assert _event_count(pair) == 2
    assert pair.book.get(case_no).status == "refused"


def test_act_on_unknown_case_says_so(tmp_path):
    pair = make_pair(tmp_path)
    with pytest.raises(CaseNotFound):
        pair.book.act("513431100-20261102-019999", "handle", clerk_id="c")


def test_events_get_gapless_sequence_numbers(tmp_path):
    pair = make_pair(tmp_path)
    (case_no,) = pair.accept(1)
    pair.book.act(case_no, "refuse", clerk_id="c", payload={"reason": "x"})
    pair.accept(1)
    seqs = [row[0] for row in pair.node.conn.execute("SELECT seq FROM events ORDER BY seq")]
    assert seqs == [1, 2, 3]
