"""The search box on every page finds a case by its number, whole or in part, and a township or
county by its name, only in the person's view; the county page sorts its centers by how long
each has been silent."""

from __future__ import annotations

from datetime import timedelta

import pytest

from central_hub.web.context import ViewContext
from central_hub.web.period import parse_period
from central_hub.web.queries import node_rows
from central_hub.web.scope import Scope
from central_hub.web.unit_tables import centers_table
from sync_protocol import parse_timestamp
from tests.web.conftest import XICHANG_TOWNSHIP, ZHAOJUE, ZHAOJUE_TOWNSHIP
from tests.web.test_exports import page_table

pytestmark = pytest.mark.anyio


def _zhaojue_case(network) -> tuple[str, str]:
    case_no, case_id = sorted(network.cases[ZHAOJUE_TOWNSHIP].items())[0]
    return case_no, case_id


async def test_every_page_has_the_search_box(browser):
    client = await browser("zj-admin")
    page = (await client.get(f"/dash/county/{ZHAOJUE}")).text
    assert 'role="search"' in page and 'action="/dash/search"' in page
    assert 'aria-label="搜索办件编号或乡镇名称"' in page


async def test_a_whole_case_number_opens_its_case(browser, network):
    case_no, case_id = _zhaojue_case(network)
    client = await browser("zj-admin")
    answer = await client.get("/dash/search", params={"q": f"  {case_no} "})
    assert answer.status_code == 303
    assert answer.headers["location"] == f"/dash/case/{case_id}"


async def test_a_number_typed_in_full_width_digits_is_the_same_number(browser, network):
    case_no, case_id = _zhaojue_case(network)
    full_width = "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else "－" for c in case_no)
    client = await browser("zj-admin")
    answer = await client.get("/dash/search", params={"q": full_width})
    assert answer.headers["location"] == f"/dash/case/{case_id}"


async def test_part_of_a_number_lists_every_case_it_is_in(browser, network):
    client = await browser("zj-admin")
    answer = await client.get("/dash/search", params={"q": f"{ZHAOJUE_TOWNSHIP}-"})
    assert answer.status_code == 200
    rows = page_table(answer.text, "search-cases")
    assert sorted(r["办件编号"] for r in rows) == sorted(network.cases[ZHAOJUE_TOWNSHIP])
    assert {r["受理中心"] for r in rows} == {"新城镇"}


async def test_a_case_of_another_county_is_not_found(browser, network):
    case_no = sorted(network.cases[XICHANG_TOWNSHIP])[0]
    client = await browser("zj-admin")
    answer = await client.get("/dash/search", params={"q": case_no})
    assert answer.status_code == 200
    assert f"没有编号含“{case_no}”的办件" in answer.text
    assert "/dash/case/" not in answer.text
    # the prefecture reviewer sees every county
    reviewer = await browser("pref")
    assert (await reviewer.get("/dash/search", params={"q": case_no})).status_code == 303


async def test_a_township_name_lists_the_townships_that_hold_it_in_view(browser):
    client = await browser("zj-admin")
    answer = await client.get("/dash/search", params={"q": "新城"})
    rows = page_table(answer.text, "search-units")
    assert [(r["名称"], r["区划代码"]) for r in rows] == [("新城镇", ZHAOJUE_TOWNSHIP)]
    reviewer = await browser("pref")
    wide = page_table(
        (await reviewer.get("/dash/search", params={"q": "街道"})).text, "search-units"
    )
    assert "北城街道" in {r["名称"] for r in wide}
    assert {r["级别"] for r in wide} == {"乡镇（街道）"}


async def test_the_whole_name_of_a_unit_opens_its_page(browser):
    client = await browser("pref")
    answer = await client.get("/dash/search", params={"q": "昭觉县"})
    assert answer.headers["location"] == f"/dash/county/{ZHAOJUE}"


async def test_an_empty_or_overlong_search_is_answered_in_chinese(browser):
    client = await browser("zj-admin")
    empty = await client.get("/dash/search", params={"q": " "})
    assert empty.status_code == 200 and "请在上方搜索框输入办件编号" in empty.text
    long = await client.get("/dash/search", params={"q": "5" * 41})
    assert long.status_code == 400 and "搜索内容太长（41 个字）" in long.text
    assert (await client.get("/dash/search", params={"q": "%_"})).status_code == 200


async def test_search_needs_a_signed_in_person(browser):
    client = await browser()
    answer = await client.get("/dash/search", params={"q": "新城"})
    assert answer.status_code == 303 and "/dash/login" in answer.headers["location"]


def test_a_center_silent_for_ten_days_says_so_and_sorts_first(network):
    now = _last_contact(network) + timedelta(days=10, hours=1)
    ctx = ViewContext(
        network.hub,
        Scope(None, can_act=False, sees_identity=True),
        parse_period({}),
        {"county": ZHAOJUE},
        now=now,
    )
    rows = {row["center_code"]: row for row in centers_table(ctx).rows}
    assert rows[ZHAOJUE_TOWNSHIP]["silent_days"] == 10
    assert rows[ZHAOJUE_TOWNSHIP]["sync_state"] == "沉默（超过7天）"
    never = next(row for code, row in rows.items() if code != ZHAOJUE_TOWNSHIP)
    assert never["silent_days"] is None and never["sync_state"] == "未接入"


async def test_the_county_page_sorts_its_centers_most_silent_first(browser):
    client = await browser("zj-admin")
    page = (await client.get(f"/dash/county/{ZHAOJUE}")).text
    assert "table=centers&amp;sort=silent_days&amp;dir=desc#t-centers" in page
    answer = await client.get(
        f"/dash/county/{ZHAOJUE}", params={"table": "centers", "sort": "silent_days", "dir": "desc"}
    )
    rows = page_table(answer.text, "centers")
    assert rows[0]["区划代码"] == ZHAOJUE_TOWNSHIP and rows[0]["沉默天数"] == "0"
    assert all(row["沉默天数"] == "" for row in rows[1:])


def _last_contact(network):
    scope = Scope(None, can_act=False, sees_identity=True)
    (node,) = node_rows(network.hub.engine, scope, center=ZHAOJUE_TOWNSHIP)
    return parse_timestamp(node["last_contact_at"])


async def test_what_was_typed_is_shown_as_text(browser):
    client = await browser("zj-admin")
    answer = await client.get("/dash/search", params={"q": "<script>alert(1)</script>"})
    assert "<script>alert" not in answer.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in answer.text
