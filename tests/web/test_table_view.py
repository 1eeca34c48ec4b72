"""Long tables are sorted and paged on the server by links (the pages run no script), the
total row stays last and links nowhere, and a bad page or column is refused in Chinese."""

from __future__ import annotations

import pytest

from tests.web.conftest import ZHAOJUE, ZHAOJUE_TOWNSHIP
from tests.web.test_exports import page_table

pytestmark = pytest.mark.anyio


async def _table(client, path: str, name: str, **query: str) -> list[dict[str, str]]:
    answer = await client.get(path, params=query)
    assert answer.status_code == 200, answer.text
    return page_table(answer.text, name)


async def test_a_column_header_sorts_the_table_on_the_server_both_ways(browser):
    client = await browser("zj-admin")
    path = f"/dash/county/{ZHAOJUE}"
    most = await _table(client, path, "centers", table="centers", sort="accepted", dir="desc")
    assert most[0]["区划代码"] == ZHAOJUE_TOWNSHIP  # the one township with cases
    fewest = await _table(client, path, "centers", table="centers", sort="accepted", dir="asc")
    assert fewest[-1]["区划代码"] == ZHAOJUE_TOWNSHIP
    codes = await _table(client, path, "centers", table="centers", sort="center_code", dir="desc")
    assert [r["区划代码"] for r in codes] == sorted((r["区划代码"] for r in codes), reverse=True)


async def test_the_header_link_turns_the_sorted_column_around(browser):
    client = await browser("zj-admin")
    answer = await client.get(
        f"/dash/county/{ZHAOJUE}", params={"table": "centers", "sort": "accepted", "dir": "desc"}
    )
    assert 'aria-sort="descending"' in answer.text
    assert "table=centers&amp;sort=accepted&amp;dir=asc#t-centers" in answer.text


async def test_the_total_row_stays_last_whichever_way_a_table_is_sorted(browser):
    client = await browser("pref")
    for direction in ("asc", "desc"):
        rows = await _table(
            client, "/dash/", "categories", table="categories", sort="accepted", dir=direction
        )
        assert rows[-1]["事项类别"] == "合计"


async def test_the_total_row_of_a_compliance_table_links_to_no_unit(browser):
    client = await browser("pref")
    page = (await client.get("/dash/compliance")).text
    assert "/county/513400" not in page  # 全州合计 is not a county
    assert '<tr class="total">' in page


async def test_pages_of_every_center_follow_each_other_without_gaps(browser):
    client = await browser("pref")
    first = await _table(client, "/dash/compliance", "compliance_centers")
    second = await _table(
        client, "/dash/compliance", "compliance_centers", table="compliance_centers", page="2"
    )
    assert len(first) == len(second) == 50
    export = (await client.get("/dash/export/compliance_centers.json")).json()["rows"]
    codes = [row["center_code"] for row in export]
    assert [r["区划代码"] for r in first + second] == codes[:100]


@pytest.mark.parametrize(
    ("query", "says"),
    [
        ({"table": "compliance_centers", "page": "abc"}, "页码“abc”不对"),
        ({"table": "compliance_centers", "page": "0"}, "页码“0”不对"),
        ({"table": "compliance_centers", "page": "99999"}, "请写 1 到"),
        ({"table": "compliance_centers", "sort": "nope"}, "没有可排序的列 nope"),
        ({"table": "compliance_centers", "sort": "center_code", "dir": "up"}, "排序方向只能是"),
        ({"table": "no_such_table"}, "本页没有名为 no_such_table 的表"),
    ],
)
async def test_a_bad_page_or_sort_is_refused_in_chinese(browser, query, says):
    client = await browser("pref")
    answer = await client.get("/dash/compliance", params=query)
    assert answer.status_code == 400
    assert says in answer.text
