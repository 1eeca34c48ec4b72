"""The period a page covers is picked the Chinese way: dates typed as 2026年12月6日, a whole
month, quarter or year from a list, shortcuts (本月 … 去年), and the same period last year, on
the overview, county, township and compliance pages alike."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime

import pytest

import casework
from central_hub.web.period import quick_periods
from tests.web.conftest import ZHAOJUE, ZHAOJUE_TOWNSHIP

pytestmark = pytest.mark.anyio

PAGES = {
    "pref": "/dash/",
    "zj-admin": f"/dash/county/{ZHAOJUE}",
    "zj-viewer": f"/dash/township/{ZHAOJUE_TOWNSHIP}",
    "xc-admin": f"/dash/compliance?county={ZHAOJUE[:4]}01",
}


def _today():
    return casework.local_date(datetime.now(UTC))


def _links(page: str) -> dict[str, str]:
    """Link text -> href of the quick-period links."""
    found = re.search(r'<nav class="quick".*?</nav>', page, re.DOTALL)
    assert found, "the page has no quick period links"
    return {
        text: html.unescape(href)
        for href, text in re.findall(r'<a href="([^"]+)"[^>]*>([^<]+)</a>', found[0])
    }


@pytest.mark.parametrize(("username", "path"), PAGES.items())
async def test_every_unit_page_offers_months_quarters_years_and_chinese_dates(
    browser, username, path
):
    page = (await (await browser(username)).get(path)).text
    assert '<select name="period">' in page
    for group in ("按月", "按季度", "按年"):
        assert f'<optgroup label="{group}">' in page
    today = _today()
    assert f'<option value="{today:%Y-%m}">{today.year}年{today.month}月</option>' in page
    assert f'<option value="{today.year}">{today.year}年</option>' in page
    for name in ("since", "until"):
        field = f'<input type="text" name="{name}" lang="zh-CN" placeholder="2026年12月6日"'
        assert field in page
    assert list(_links(page)) == ["本月", "上月", "本季度", "上季度", "今年", "去年", "全部时间"]


async def test_a_date_typed_in_chinese_filters_the_page_and_is_shown_back_the_same_way(browser):
    client = await browser("zj-admin")
    answer = await client.get(
        f"/dash/county/{ZHAOJUE}", params={"since": "２０１８年１１月１日", "until": ""}
    )
    assert answer.status_code == 200
    assert 'name="since" lang="zh-CN" placeholder="2026年12月6日" value="2018年11月1日"' in (
        answer.text
    )
    assert "统计期间：<strong>2018年11月1日 至 今天</strong>" in answer.text


async def test_quick_links_and_the_same_period_last_year_keep_the_pages_county(browser):
    client = await browser("pref")
    page = (await client.get("/dash/compliance", params={"county": ZHAOJUE})).text
    links = _links(page)
    _, last_month = quick_periods(_today())[1]
    assert links["上月"] == f"?county={ZHAOJUE}&period={last_month.choice}"
    assert "去年同期" not in links  # all time has no last year
    answer = await client.get("/dash/compliance" + links["上月"])
    assert answer.status_code == 200
    assert f"统计期间：<strong>{last_month.label_zh}</strong>" in answer.text
    assert f'<option value="{last_month.choice}" selected>' in answer.text
    earlier = _links(answer.text)["去年同期"]
    year, month = last_month.since.year - 1, last_month.since.month
    assert earlier == f"?county={ZHAOJUE}&period={year}-{month:02d}"
    answer = await client.get("/dash/compliance" + earlier)
    assert f"统计期间：<strong>{year}年{month}月</strong>" in answer.text


async def test_same_period_last_year_of_typed_dates_moves_both_ends_back(browser):
    client = await browser("zj-admin")
    page = await client.get(
        f"/dash/township/{ZHAOJUE_TOWNSHIP}", params={"since": "2024/3/5", "until": "2024年4月9日"}
    )
    assert _links(page.text)["去年同期"] == "?since=2023-03-05&until=2023-04-09"
