"""The case list and the today screen over a real database: search, filters, lights, paging."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from textual.widgets import Select, Static

from township_node.queries import PAGE_SIZE
from township_node.screens import CaseScreen

from .conftest import add_cases, settle, sign_in

pytestmark = pytest.mark.anyio


def _applicants(app) -> list[str]:
    table = app.screen.query_one("#case-table")
    return [str(table.get_row_at(i)[2]) for i in range(table.row_count)]


async def test_search_finds_a_yi_name_typed_without_its_dot_and_an_id_number_prefix(
    make_app, node_home
):
    add_cases(node_home, 4)  # 吉克·阿依, 沙马拉且, 阿说·木呷, 王秀英
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot)
        await pilot.press("f4")
        await settle(pilot)
        assert len(_applicants(app)) == 4
        await pilot.press(*"吉克阿依")
        await settle(pilot)
        assert _applicants(app) == ["吉克·阿依"]
        await pilot.press(*["backspace"] * 4, *"513429")
        await settle(pilot)
        assert _applicants(app) == ["阿说·木呷"]
        assert "共 1 件" in str(app.screen.query_one("#case-count", Static).render())


async def test_list_fills_the_next_page_as_the_cursor_nears_the_end(make_app, node_home):
    add_cases(node_home, PAGE_SIZE + 20)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot)
        await pilot.press("f4")
        await settle(pilot)
        table = app.screen.query_one("#case-table")
        assert table.row_count == PAGE_SIZE
        await pilot.press("enter", "ctrl+end")
        await settle(pilot)
        assert table.row_count == PAGE_SIZE + 20


async def test_status_and_overdue_filters_narrow_the_list(make_app, node_home):
    late = datetime(2026, 10, 9, 2, 0, tzinfo=UTC)  # a 1-day item accepted then is overdue now
    add_cases(node_home, 2)
    add_cases(node_home, 1, item_code="SAMPLE-CL-005", at=late)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot)
        await pilot.press("f4")
        await settle(pilot)
        await pilot.press("ctrl+o")
        await settle(pilot)
        assert app.screen.query_one("#case-table").row_count == 1
        await pilot.press("ctrl+o")
        app.screen.query_one("#status-filter", Select).value = "delivered"
        await settle(pilot)
        assert app.screen.query_one("#case-table").row_count == 0


async def test_today_puts_overdue_before_due_soon_and_opens_a_case_with_enter(make_app, node_home):
    late = datetime(2026, 10, 9, 2, 0, tzinfo=UTC)
    add_cases(node_home, 1, item_code="SAMPLE-MZ-001")  # due 2026-12-25: not listed
    soon = add_cases(node_home, 1, item_code="SAMPLE-CL-005")  # 1 working day: Monday
    overdue = add_cases(node_home, 1, item_code="SAMPLE-CL-005", at=late)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot)
        await settle(pilot)
        table = app.screen.query_one("#attention")
        keys = [str(table.coordinate_to_cell_key((i, 0)).row_key.value) for i in range(2)]
        assert keys == [*overdue, *soon]
        counts = str(app.screen.query_one("#counts", Static).render())
        assert "已超期 1" in counts and "即将到期 1" in counts and "今日受理 2" in counts
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, CaseScreen) and app.screen.case_no == overdue[0]


async def test_down_arrow_from_the_search_field_enters_the_list(make_app, node_home):
    add_cases(node_home, 3)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot)
        await pilot.press("f4")
        await settle(pilot)
        await pilot.press("down")
        await settle(pilot)
        assert app.focused is app.screen.query_one("#case-table")


async def test_each_light_reads_without_its_colour_in_the_list_and_on_the_case(make_app, node_home):
    late = datetime(2026, 10, 9, 2, 0, tzinfo=UTC)
    in_time = add_cases(node_home, 1, item_code="SAMPLE-MZ-001")
    soon = add_cases(node_home, 1, item_code="SAMPLE-CL-005")
    overdue = add_cases(node_home, 1, item_code="SAMPLE-CL-005", at=late)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot)
        await pilot.press("f4")
        await settle(pilot)
        table = app.screen.query_one("#case-table")
        marks = {
            str(table.coordinate_to_cell_key((i, 0)).row_key.value): str(table.get_cell_at((i, 0)))
            for i in range(table.row_count)
        }
        assert marks == {overdue[0]: "超", soon[0]: "急", in_time[0]: "●"}
        table.focus()
        table.move_cursor(row=table.get_row_index(overdue[0]))
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, CaseScreen)
        assert "已超期" in " ".join(str(w.render()) for w in app.screen.query(Static))
