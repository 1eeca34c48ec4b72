"""The acceptance receipt: what the citizen keeps, saved as a file Notepad can read."""

from __future__ import annotations

from datetime import UTC, date, datetime

import casework
from tests.factories import APPLICANTS
from township_node.casebook import CaseBook
from township_node.home import init_home
from township_node.receipts import mask_id, receipt_facts, receipt_text, save_receipt

NAME, ID_NUMBER, PHONE = APPLICANTS[0]


def _book(home, when):
    return CaseBook(home, catalog=casework.load_sample_catalog(), clock=lambda: when)


def test_receipt_names_the_case_due_date_and_what_is_owed(tmp_path):
    with init_home(tmp_path / "n", center_code="513431100", name="新城镇便民服务中心") as home:
        book = _book(home, datetime(2026, 11, 27, 2, 0, tzinfo=UTC))
        case = book.accept(
            item_code="SAMPLE-MZ-001", applicant_name=NAME, id_number=ID_NUMBER, phone=PHONE,
            clerk_id="zhang", missing_materials=("户口簿",), promised_by=date(2026, 12, 4),
        )  # fmt: skip
        facts = receipt_facts(book, case.case_no, center_name="新城镇便民服务中心", window="01",
                              clerk_name="张丽")  # fmt: skip
        text = receipt_text(facts)
        path = save_receipt(home.path, facts, text)
    assert f"办件编号：{case.case_no}" in text
    assert "办结期限：2026-12-25\n" in text  # a year the calendar covers: not provisional
    assert "容缺材料：户口簿" in text and "2026-12-04 前补交" in text
    assert mask_id(ID_NUMBER) in text and ID_NUMBER not in text
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")  # a BOM, for Notepad
    assert path.read_text(encoding="utf-8-sig") == text


def test_due_date_in_a_year_no_calendar_covers_is_marked_provisional(tmp_path):
    with init_home(tmp_path / "n", center_code="513431100", name="新城镇便民服务中心") as home:
        book = _book(home, datetime(2026, 12, 24, 2, 0, tzinfo=UTC))
        case = book.accept(item_code="SAMPLE-MZ-003", applicant_name=NAME,
                           id_number=ID_NUMBER, phone=PHONE, clerk_id="zhang")  # fmt: skip
        facts = receipt_facts(book, case.case_no, center_name="新城镇", window="01",
                              clerk_name="张丽")  # fmt: skip
    text = receipt_text(facts)
    assert "（暂定）" in text and "待上级发布" in text
